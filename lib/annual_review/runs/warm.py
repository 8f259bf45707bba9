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
``annual-review`` (:mod:`annual_review.runs.engine`). The zygote's side is
:mod:`annual_review.runs.zygote`.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import pickle
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
from annual_review.core.files import owner_tag, remove_stale
from annual_review.runs.failures import DIED, cell_label, exit_reason
from annual_review.runs.procs import (
    RUN_MARKER,
    ZYGOTE_FOLDERS,
    ZYGOTE_MARKER,
    kill_run,
    new_marker,
)
from annual_review.runs.zygote import FAILED

SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Zygote:
    """A child interpreter with everything imported that forks one process per run.

    It listens on a Unix socket: each connection is one run, served by a child forked
    for it, so several processes (the workers of a build) can share one zygote. It ends
    when its owner closes its stdin or dies, and then kills its runs and everything
    they started (marked ``ANNUAL_REVIEW_ZYGOTE``). Its folder is named by its owner, so
    the next zygote removes it if the owner was killed.
    """

    _shared: Zygote | None = None
    _lock = threading.Lock()

    def __init__(self, wait: bool = True) -> None:
        temporary = Path(tempfile.gettempdir())
        remove_stale(temporary, ZYGOTE_FOLDERS)  # left by owners that were killed
        prefix = ZYGOTE_FOLDERS.replace("*", f"{owner_tag()}-")
        self._folder = tempfile.TemporaryDirectory(prefix=prefix, dir=temporary)
        self.address = str(Path(self._folder.name) / "zygote")
        env = {**os.environ, **SINGLE_THREADED, ZYGOTE_MARKER: new_marker()}
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
    when the process ends in the middle of the notebook; their message names the cell
    (``cell 4 (`first line`): ...``) and their ``reason`` says what happened.
    Afterwards nothing the run started is left, a process it started in a session of
    its own included (found by the run's ``ANNUAL_REVIEW_RUN`` marker).
    """
    environment = {k: str(v) for k, v in (env if env is not None else os.environ).items()}
    environment.update(SINGLE_THREADED)
    environment[RUN_MARKER] = environment.get(RUN_MARKER) or new_marker()
    request = {
        "cwd": cwd,
        "env": environment,
        "log": log,
        "cells": [list(c) for c in cells],
        "keep_going": [i for i, _ in cells if keep_going(i)],
    }
    sources = dict(cells)
    with _forked_child(request, start_timeout, environment[RUN_MARKER]) as (connection, events):
        yield from _read_events(connection, events, timeout, sources)


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
        status = f" ({exit_reason(answer['exit'])})" if "exit" in answer else ""
        raise RunDied(answer.get("error") or f"{function} ended without a result{status}")
    return pickle.loads(base64.b64decode(answer["result"]))


@contextmanager
def _forked_child(
    request: dict, start_timeout: float, marker: str = ""
) -> Iterator[tuple[socket.socket, TextIO]]:
    """Have the zygote fork a child for ``request``; yield the connection to it and its
    lines. Afterwards the child and anything it started are killed (the processes
    marked ``ANNUAL_REVIEW_RUN=<marker>`` too)."""
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
            kill_run(pid, marker)


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


class CellDied(RunDied):
    """The run's process died while cell ``index`` ran (or before the notebook ended)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason


class CellTimedOut(CellTimeout):
    """Cell ``index`` ran longer than the timeout."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.reason = reason


def _read_events(
    connection: socket.socket, events, timeout: float | None, sources: dict[int, str]
) -> Iterator[CellEvent]:
    running: int | None = None
    while True:
        connection.settimeout(timeout if running is not None else None)
        try:
            line = events.readline()
        except TimeoutError:
            assert running is not None and timeout is not None  # no timeout between cells
            where = cell_label(running, sources.get(running, ""))
            raise CellTimedOut(where, f"did not finish within {timeout:g} s") from None
        event = json.loads(line) if line else {}
        if not line or "exit" in event:  # the zygote tells how its child ended
            where = "" if running is None else cell_label(running, sources.get(running, ""))
            status = f" ({exit_reason(event['exit'])})" if "exit" in event else ""
            raise CellDied(where, f"{DIED}{status}")
        if event.get("end"):
            return
        if "outputs" in event:
            running = None
            updates = [tuple(u) for u in event.get("updates", [])]
            yield CellEvent(event["index"], event["count"], event["outputs"], event["ok"], updates)
        else:
            running = event["index"]
            yield CellEvent(event["index"])


if __name__ == "__main__":
    from annual_review.runs.zygote import serve

    serve(sys.argv[1])
