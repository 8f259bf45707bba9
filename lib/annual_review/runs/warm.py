"""Warm runs: fork one fresh process per notebook from an interpreter that imported everything.

Starting a kernel and importing pandas, matplotlib and the library costs more than the
report's own cells, and talking to a kernel over ZeroMQ costs about as much again. A
*zygote* process imports all of that once and prepares an IPython shell
(:class:`~annual_review.runs.cells.NotebookShell`) that has never run a cell. Each run is a
child forked from it that executes the notebook's cells in-process and streams every
cell's outputs back over a Unix socket, one JSON line per event. Every run therefore
starts from the same untouched namespace in a process of its own: nothing one run sets
reaches another, and a crash or ``os._exit`` in one run ends that child only.

The requesting side is :func:`run_cells`; papermill uses it through the registered engine
``annual-review`` (:mod:`annual_review.runs.engine`).
"""

from __future__ import annotations

import atexit
import base64
import gc
import json
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from annual_review.core.errors import CellTimeout, RunDied

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
    "annual_review.blocks.review",
    "annual_review.blocks.charts",
    "annual_review.inputs.values",
)
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Zygote:
    """A child interpreter with everything imported that forks one process per run.

    It listens on a Unix socket: each connection is one run, served by a child forked
    for it, so several processes (the workers of a build) can share one zygote.
    """

    _shared: Zygote | None = None
    _lock = threading.Lock()

    def __init__(self, wait: bool = True) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="annual-review-zygote-")
        self.address = str(Path(self._folder.name) / "zygote")
        env = {**os.environ, **SINGLE_THREADED}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annual_review.runs.warm", self.address],
            stdin=subprocess.PIPE,  # the zygote ends when this pipe closes
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Block until the zygote has imported everything and listens."""
        assert self.process.stdout is not None  # opened with stdout=PIPE
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise RunDied(f"the warm zygote failed to start: {ready!r}")

    @classmethod
    def shared(cls) -> str:
        """The address of this process's zygote: one it was given, or one started now."""
        with cls._lock:
            if _GIVEN_ADDRESS:
                return _GIVEN_ADDRESS
            if cls._shared is None or cls._shared.process.poll() is not None:
                cls._shared = cls()
                atexit.register(cls._shared.close)
            return cls._shared.address

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None  # opened with stdin=PIPE
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._folder.cleanup()


_GIVEN_ADDRESS = ""


def use_zygote(address: str) -> None:
    """Send this process's runs to the zygote at ``address`` (one shared by a pool)."""
    global _GIVEN_ADDRESS
    _GIVEN_ADDRESS = address


@dataclass
class CellEvent:
    """A cell started (``outputs`` is None) or finished, as sent by the run's process."""

    index: int
    count: int = 0
    outputs: list[dict] | None = None
    ok: bool = True
    updates: list[tuple[int, int, dict]] = field(default_factory=list)  # earlier cells' outputs


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
    request = {
        "cwd": cwd,
        "env": environment,
        "log": log,
        "cells": [list(c) for c in cells],
        "keep_going": [i for i, _ in cells if keep_going(i)],
    }
    with _forked_child(request, start_timeout) as (connection, events):
        yield from _read_events(connection, events, timeout)


def call_forked(function: str, *args: Any, start_timeout: float = 60) -> Any:
    """Call ``"module:function"`` with JSON-able ``args`` in a child forked from the zygote.

    For work that needs the zygote's imports (pandas, matplotlib) but not a notebook,
    such as drawing the site's data-made pages. The result comes back pickled;
    an exception in the child is raised here as :class:`RunDied` with its traceback.
    """
    request = {"call": function, "args": list(args)}
    with _forked_child(request, start_timeout) as (connection, answers):
        connection.settimeout(None)
        answer = json.loads(answers.readline() or "{}")
    if "result" not in answer:
        raise RunDied(answer.get("error") or f"{function} ended without a result")
    return pickle.loads(base64.b64decode(answer["result"]))


@contextmanager
def _forked_child(request: dict, start_timeout: float) -> Iterator[tuple[socket.socket, TextIO]]:
    """Have the zygote fork a child for ``request``; yield the connection to it and its
    lines. Afterwards the child and anything it started are killed."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = 0
    try:
        connection.settimeout(start_timeout)
        _connect(connection, Zygote.shared(), start_timeout)
        connection.sendall((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))
        with connection.makefile("r", encoding="utf-8") as lines:
            try:
                pid = int(json.loads(lines.readline() or "{}").get("pid", 0))
            except TimeoutError:
                pid = 0
            if not pid:
                raise RunDied(f"the forked process did not start within {start_timeout:g} s")
            yield connection, lines
    finally:
        connection.close()
        if pid:
            _kill_group(pid)


def _connect(connection: socket.socket, address: str, timeout: float) -> None:
    """Connect to a zygote, waiting while it still starts (its socket is not there yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.connect(address)
            return
        except (FileNotFoundError, ConnectionRefusedError):
            failed = Path(address + FAILED)
            if failed.is_file():
                reason = failed.read_text(encoding="utf-8").strip().splitlines()[-1]
                raise RunDied(f"the warm zygote could not start: {reason}") from None
            if time.monotonic() > deadline:
                raise RunDied(f"no warm zygote answered within {timeout:g} s") from None
            time.sleep(0.02)


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
            updates = [tuple(u) for u in event.get("updates", [])]
            yield CellEvent(event["index"], event["count"], event["outputs"], event["ok"], updates)
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

    from annual_review.core.imports import skip_unused_imports

    skip_unused_imports()
    for name in PRELOAD:
        importlib.import_module(name)
    from annual_review.blocks import charts
    from annual_review.runs.cells import NotebookShell

    warm_up = charts.Chart.of(charts.grouped_bars, "预热", ["甲"], {"乙": [1]}, "件")
    charts.figure_html(warm_up, alt="预热", caption="预热", figure_id="warm-up")  # fonts, caches
    charts.stock_figures(12)  # a report draws up to ten charts
    shell = NotebookShell.instance()
    shell.enable_matplotlib("inline")  # figures left open at the end of a cell are shown
    # Everything imported so far lives as long as the zygote: keep it out of the garbage
    # collector's reach, so a run's collections do not walk (and copy) the whole heap.
    gc.collect()
    gc.freeze()


def _execute(connection: socket.socket) -> None:
    """The forked child: read the run, then send an event line per cell start and end."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    connection.settimeout(None)
    incoming = connection.makefile("r", encoding="utf-8")
    events = connection.makefile("w", encoding="utf-8")

    def send(event: dict) -> None:
        events.write(json.dumps(event, ensure_ascii=False) + "\n")
        events.flush()

    request = json.loads(incoming.readline())
    send({"pid": os.getpid()})
    if "call" in request:
        _answer_call(request, send)
        return
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.path.insert(0, request["cwd"])  # as a kernel started in the notebook's folder

    from annual_review.runs.cells import SINK, NotebookShell

    shell = NotebookShell.instance()
    keep_going = set(request["keep_going"])
    executed: list[int] = []  # the notebook index of each cell run so far
    for index, source in request["cells"]:
        send({"index": index})
        count, outputs, ok = shell.execute(source)
        executed.append(index)
        updates = [(executed[cell], pos, out) for cell, pos, out in SINK.take_updates()]
        send({"index": index, "count": count, "outputs": outputs, "ok": ok, "updates": updates})
        if not ok and index not in keep_going:
            break
    send({"end": True})


def _answer_call(request: dict, send: Callable[[dict], None]) -> None:
    """Run a requested function and send back its pickled result or the traceback."""
    import importlib
    import traceback

    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    module, _, name = request["call"].partition(":")
    try:
        result = getattr(importlib.import_module(module), name)(*request["args"])
    except Exception:
        send({"error": traceback.format_exc()})
        return
    send({"result": base64.b64encode(pickle.dumps(result)).decode("ascii")})


FAILED = ".failed"  # beside the socket: why the zygote could not start


def serve(address: str) -> None:
    """Zygote main loop: fork a child per connection until stdin closes."""
    try:
        _preload()
    except Exception:
        import traceback

        Path(address + FAILED).write_text(traceback.format_exc(), encoding="utf-8")
        raise
    signal.signal(signal.SIGCHLD, _reap)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(64)
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([server, sys.stdin], [], [])
        if sys.stdin in readable and not sys.stdin.readline():
            return  # the owner went away
        if server in readable:
            connection, _ = server.accept()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    server.close()
                    _execute(connection)
                except BaseException:
                    code = 1
                    try:  # into the run's log once fd 2 points there, else the zygote's
                        traceback.print_exc()
                        sys.stderr.flush()
                    except BaseException:
                        pass
                os._exit(code)
            connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
