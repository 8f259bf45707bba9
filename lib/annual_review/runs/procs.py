"""Process control: a run's private environment, its log on fd 2, and no process left
behind when a run ends or when the build dies, however it dies.

Every process a build starts carries environment markers, inherited by everything it
starts in turn (a process a cell starts in a session of its own included):
``ANNUAL_REVIEW_POOL`` (the build's worker pool), ``ANNUAL_REVIEW_ZYGOTE`` (a warm
zygote's runs) and ``ANNUAL_REVIEW_RUN`` (one run). When a run ends, the processes
marked with its run are killed; a *guard* (a small process in a session of its own)
waits for the build's pool to close or for the build to die, then kills every process
marked with the pool and removes the working folders the dead processes left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUN_MARKER = "ANNUAL_REVIEW_RUN"
POOL_MARKER = "ANNUAL_REVIEW_POOL"
ZYGOTE_MARKER = "ANNUAL_REVIEW_ZYGOTE"
ZYGOTE_FOLDERS = "annual-review-zygote-*"  # in the temporary folder, named by owner_tag()
RUN_FOLDERS = "annual-review-run-*"
PR_SET_PDEATHSIG = 1


def private_environment(workdir: Path, shared_cache: str | None) -> dict[str, str]:
    """Environment for one run: its own Jupyter runtime and IPython folders, its log."""
    env = {
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter-runtime"),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "ANNUAL_REVIEW_KERNEL_LOG": str(workdir / "kernel.log"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
        RUN_MARKER: new_marker(),
    }
    if shared_cache:
        env["MPLCONFIGDIR"] = str(Path(shared_cache) / "matplotlib")
    return env


def _children() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)}


def _kill_new_children(before: set[int]) -> None:
    """Kill processes this run started that are still alive (a kernel that would not stop)."""
    import psutil

    for pid in _children() - before:
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass


@contextmanager
def run_context(
    workdir: Path, shared_cache: str | None, *, starts_kernels: bool = True
) -> Iterator[Path]:
    """Set the run's environment, send fd 2 (kernels' chatter) to its log, clean up after.

    Yields the log file. Afterwards every process the run left behind is killed and the
    environment is restored, so the next run in this worker starts clean. Only runs that
    start kernels can leave processes behind in this worker (the warm engine's runs are
    children of the zygote, killed with what they started by
    :func:`annual_review.runs.warm.run_cells`), so only those pay for the scans of the
    process table. A process started in a session of its own is found by the run's
    marker in its environment.
    """
    env = private_environment(workdir, shared_cache)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    log_path = Path(env["ANNUAL_REVIEW_KERNEL_LOG"])
    before = _children() if starts_kernels else set()
    saved_stderr = os.dup(2)
    with open(log_path, "ab") as log_file:
        os.dup2(log_file.fileno(), 2)
        try:
            yield log_path
        finally:
            if starts_kernels:
                _kill_new_children(before)
                kill_marked(RUN_MARKER, env[RUN_MARKER])
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def new_marker() -> str:
    """A value for a marker that no other process on this machine uses."""
    return f"{os.getpid()}-{os.urandom(6).hex()}"


def marked(name: str, value: str) -> set[int]:
    """The processes (of this user) whose environment holds ``name=value``; none where
    there is no ``/proc``."""
    needle = f"{name}={value}".encode()
    found: set[int] = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:  # another user's process, or one that just ended
            continue
        if needle in environ.split(b"\0"):
            found.add(int(entry))
    return found


def kill_marked(name: str, value: str, *, spare: frozenset[int] = frozenset()) -> set[int]:
    """SIGKILL every process marked ``name=value`` (not this one, nor ``spare``), again
    until none is left (one may start another while it is killed); return them."""
    killed: set[int] = set()
    for _ in range(50):
        alive = marked(name, value) - {os.getpid()} - spare
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        killed |= alive
        time.sleep(0.01)  # a killed process keeps its environment until it is gone
    return killed


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def kill_run(pid: int, marker: str = "") -> None:
    """End the run's process and anything it started: its process group (it leads
    one), its descendants (one may lead a session of its own) and, with ``marker``,
    every process marked with the run (one whose parent ended is no descendant)."""
    found = _descendants(pid)
    _kill_group(pid)
    for child in found:
        try:
            os.kill(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if marker:
        kill_marked(RUN_MARKER, marker)


def _kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid``, or ``pid`` if it leads none yet."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_ended(pids: set[int], seconds: float) -> bool:
    """Wait until none of ``pids`` runs any more (a zombie has ended); False on timeout."""
    from annual_review.core.files import process_start

    deadline = time.monotonic() + seconds
    while any(process_start(pid) is not None for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent thread ends (Linux only).

    Call it first thing in a child forked by the thread that will live as long as the
    parent process (the main thread of a single-threaded server), as the kernel
    signals on the death of the forking *thread*.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def exit_with_parent() -> None:
    """In a process started by :mod:`multiprocessing`: end it (and what the pool it
    belongs to started) as soon as its parent process ends, whatever thread started it."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        pool = os.environ.get(POOL_MARKER)
        if pool:
            kill_marked(POOL_MARKER, pool)
        os._exit(1)

    threading.Thread(target=watch, name="annual-review-parent-watch", daemon=True).start()


class Guard:
    """A process that, when this one closes it or dies, kills every process marked with
    ``ANNUAL_REVIEW_POOL=<marker>`` and removes the working folders of dead processes.

    It runs in a session of its own, so killing the build's process group spares it.
    """

    def __init__(self, marker: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != POOL_MARKER}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annual_review.runs.procs", marker],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    def close(self) -> None:
        """Let it sweep now and wait for it (a few milliseconds)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def guard(marker: str) -> None:
    """The guard's main: wait until stdin closes (its owner closed it or died), then
    end the pool's processes and remove what dead ones left in the temporary folder."""
    from annual_review.core.files import remove_stale

    while sys.stdin.buffer.read(4096):
        pass
    killed = kill_marked(POOL_MARKER, marker)
    wait_ended(killed, 5)  # a folder's owner counts as alive until it has exited
    folder = Path(tempfile.gettempdir())
    for pattern in (ZYGOTE_FOLDERS, RUN_FOLDERS):
        remove_stale(folder, pattern)


if __name__ == "__main__":
    guard(sys.argv[1])
