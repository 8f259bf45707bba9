"""Warm runs: fork one fresh process per notebook from an interpreter that imported everything.

Starting a kernel and importing pandas, matplotlib and the library costs more than the
report's own cells, and talking to a kernel over ZeroMQ costs about as much again. A
*zygote* process imports all of that once and prepares an IPython shell
(:class:`~annual_review.cells.NotebookShell`) that has never run a cell. Each run is a
child forked from it that executes the notebook's cells in-process and streams every
cell's outputs back over a Unix socket, one JSON line per event. Every run therefore
starts from the same untouched namespace in a process of its own: nothing one run sets
reaches another, and a crash or ``os._exit`` in one run ends that child only.

The requesting side is :func:`run_cells`; papermill uses it through the registered engine
``annual-review`` (:mod:`annual_review.engine`).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "yaml",
    "pydantic",
    "pandera.pandas",
    "nbformat",
    "IPython",
    "annual_review.report",
    "annual_review.charts",
    "annual_review.data",
)
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class RunDied(RuntimeError):
    """The process running a notebook ended before the notebook did."""


class CellTimeout(RuntimeError):
    """A cell ran longer than the allowed time; its process was killed."""


class Zygote:
    """A child interpreter with everything imported that forks one process per run."""

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
            raise RuntimeError(f"the warm zygote failed to start: {ready!r}")

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

    def fork_run(self, request: dict) -> int:
        """Fork a child that executes ``request``; return its pid."""
        with self._lock:
            self.process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the warm zygote exited")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class CellEvent:
    """A cell started (``outputs`` is None) or finished, as sent by the run's process."""

    index: int
    count: int = 0
    outputs: list[dict] | None = None
    ok: bool = True


def run_cells(
    cells: Sequence[tuple[int, str]],
    *,
    cwd: str,
    env: dict[str, str] | None = None,
    log: str = os.devnull,
    timeout: float | None = None,
    start_timeout: float = 60,
    keep_going: Callable[[int], bool] = lambda index: False,
) -> Iterator[CellEvent]:
    """Execute ``(index, source)`` cells in a process forked from the zygote.

    Yields an event when a cell starts and when it ends. A failing cell ends the run
    unless ``keep_going(index)``. Raises :class:`CellTimeout` (after killing the run's
    process) when a cell takes longer than ``timeout`` seconds, and :class:`RunDied`
    when the process ends in the middle of the notebook.
    """
    environment = {k: str(v) for k, v in (env if env is not None else os.environ).items()}
    environment.update(SINGLE_THREADED)
    with tempfile.TemporaryDirectory(prefix="annual-review-run-") as tmp:
        address = str(Path(tmp) / "events")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address)
        server.listen(1)
        server.settimeout(start_timeout)
        request = {
            "socket": address,
            "cwd": cwd,
            "env": environment,
            "log": log,
            "cells": [list(c) for c in cells],
            "keep_going": [i for i, _ in cells if keep_going(i)],
        }
        pid = Zygote.shared().fork_run(request)
        try:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                raise RunDied(f"the run's process did not start within {start_timeout} s") from None
            with connection, connection.makefile("r", encoding="utf-8") as events:
                yield from _read_events(connection, events, timeout)
        finally:
            server.close()
            _kill_group(pid)


def _read_events(connection: socket.socket, events, timeout: float | None) -> Iterator[CellEvent]:
    running: int | None = None
    while True:
        connection.settimeout(timeout if running is not None else None)
        try:
            line = events.readline()
        except TimeoutError:
            raise CellTimeout(f"cell {running} did not finish within {timeout:g} s") from None
        if not line:
            raise RunDied("the process running the notebook ended before the notebook did")
        event = json.loads(line)
        if event.get("end"):
            return
        if "outputs" in event:
            running = None
            yield CellEvent(event["index"], event["count"], event["outputs"], event["ok"])
        else:
            running = event["index"]
            yield CellEvent(event["index"])


def _kill_group(pid: int) -> None:
    """End the run's process and anything it started (it leads its own process group)."""
    for kill in (os.killpg, os.kill):  # the group, or the child if it has none yet
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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
    from annual_review.cells import NotebookShell

    charts.png_bytes(charts.grouped_bars("预热", ["甲"], {"乙": [1]}, "件"))  # fonts, caches
    shell = NotebookShell.instance()
    shell.enable_matplotlib("inline")  # figures left open at the end of a cell are shown
    # Everything imported so far lives as long as the zygote: keep it out of the garbage
    # collector's reach, so a run's collections do not walk (and copy) the whole heap.
    gc.collect()
    gc.freeze()


def _execute(request: dict) -> None:
    """The forked child: run the cells, sending an event line per cell start and end."""
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
    sys.path.insert(0, request["cwd"])  # as a kernel started in the notebook's folder
    channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    channel.connect(request["socket"])
    events = channel.makefile("w", encoding="utf-8")

    def send(event: dict) -> None:
        events.write(json.dumps(event, ensure_ascii=False) + "\n")
        events.flush()

    from annual_review.cells import NotebookShell

    shell = NotebookShell.instance()
    keep_going = set(request["keep_going"])
    for index, source in request["cells"]:
        send({"index": index})
        count, outputs, ok = shell.execute(source)
        send({"index": index, "count": count, "outputs": outputs, "ok": ok})
        if not ok and index not in keep_going:
            break
    send({"end": True})


def serve() -> None:
    """Zygote main loop: one JSON request per line on stdin, the child's pid on stdout."""
    _preload()
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _execute(request)
            except BaseException:
                code = 1
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    serve()
