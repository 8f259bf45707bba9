"""Warm kernels: fork a fresh ipykernel per run from an interpreter that imported everything.

Starting a kernel and importing pandas, matplotlib and the library costs more than the
report's own cells. A *zygote* process imports all of that once; each run then gets a
brand-new kernel process forked from it, so start-up is a fork instead of an interpreter
launch, and every run still has a fresh namespace and a process of its own (a crash or
``os._exit`` in one run ends that kernel only).

papermill uses it through :class:`WarmKernelManager` (``kernel_manager_class=``) or as
the registered engine ``annual-review`` (:mod:`annual_review.engine`):
``papermill --engine annual-review in.ipynb out.ipynb``.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "yaml",
    "pydantic",
    "pandera.pandas",
    "nbformat",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "zmq",
    "annual_review.report",
    "annual_review.charts",
    "annual_review.data",
)
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Zygote:
    """A child interpreter with everything imported that forks kernels on request."""

    _shared: Zygote | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        env = {**os.environ, **SINGLE_THREADED}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annual_review.warm"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise RuntimeError(f"warm kernel zygote failed to start: {ready!r}")

    @classmethod
    def shared(cls) -> Zygote:
        """The zygote of this process, started on first use and stopped at exit."""
        with cls._lock:
            if cls._shared is None or cls._shared.process.poll() is not None:
                cls._shared = cls()
                atexit.register(cls._shared.close)
            return cls._shared

    @property
    def pid(self) -> int:
        return self.process.pid

    def fork_kernel(self, connection_file: str, cwd: str, env: dict[str, str], log: str) -> int:
        """Fork a kernel that serves ``connection_file``; return its pid."""
        request = {"connection_file": connection_file, "cwd": cwd, "env": env, "log": log}
        with self._lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("warm kernel zygote exited")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not _alive(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waits for the zygote to reap it: it is no longer running
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class WarmKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels are forked from the warm zygote."""

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        provisioner = self.provisioner
        env = {k: str(v) for k, v in (kw.get("env") or os.environ).items()}
        env.update(SINGLE_THREADED)
        cwd = str(kw.get("cwd") or os.getcwd())
        log = os.environ.get("ANNUAL_REVIEW_KERNEL_LOG", os.devnull)
        pid = Zygote.shared().fork_kernel(self.connection_file, cwd, env, log)
        provisioner.process = ForkedProcess(pid)
        provisioner.pid, provisioner.pgid, provisioner.cwd = pid, pid, cwd
        self._reconcile_connection_info(provisioner.connection_info)


# ── the zygote side ────────────────────────────────────────────────────────
def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    from annual_review import charts

    charts.png_bytes(charts.grouped_bars("预热", ["甲"], {"乙": [1]}, "件"))  # fonts, caches


def _become_kernel(request: dict) -> None:
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    parent = os.getppid()  # the zygote: the kernel ends when it goes away
    sys.argv = [
        "ipykernel_launcher",
        "-f",
        request["connection_file"],
        f"--IPKernelApp.parent_handle={parent}",
    ]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    app.start()


def serve() -> None:
    """Zygote main loop: one JSON request per line on stdin, the pid back on stdout."""
    _preload()
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _become_kernel(request)
            except BaseException:
                code = 1
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    serve()
