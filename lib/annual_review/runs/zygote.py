"""The zygote's side of the warm engine (:mod:`annual_review.runs.warm`): import
everything once, then fork a child per connection that runs the notebook's cells and
streams their outputs back.

A child dies with the zygote (``PR_SET_PDEATHSIG`` on Linux); the zygote tells the
requester how a child ended (``{"exit": code}`` on the connection, after whatever the
child sent) and, when its owner closes it or dies, kills its children and every
process they started.
"""

from __future__ import annotations

import base64
import gc
import json
import os
import pickle
import select
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from annual_review.runs.procs import (
    ZYGOTE_MARKER,
    die_with_parent,
    kill_marked,
    kill_run,
)

PRELOAD = (
    "ctypes",  # for each child's PR_SET_PDEATHSIG
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


def _reap(children: dict[int, socket.socket]) -> None:
    """Collect the children that ended; tell each one's requester how it ended (its
    own end of the connection closed with it, the zygote's copy says why)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is None:
            continue
        line = json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n"
        try:
            connection.setblocking(False)
            connection.send(line.encode("ascii"))
        except OSError:  # the requester has gone already (a run that ended well)
            pass
        connection.close()


def _end_children(children: dict[int, socket.socket]) -> None:
    """The owner went away: kill every run and whatever the runs started."""
    for pid in list(children):
        kill_run(pid)
    marker = os.environ.get(ZYGOTE_MARKER, "")
    if marker:
        kill_marked(ZYGOTE_MARKER, marker)


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
    zygote = os.environ.get(ZYGOTE_MARKER, "")
    os.environ.clear()
    os.environ.update(request["env"])
    if zygote:  # what the run starts ends with the zygote too
        os.environ[ZYGOTE_MARKER] = zygote
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
        Path(address + FAILED).write_text(traceback.format_exc(), encoding="utf-8")
        raise
    children: dict[int, socket.socket] = {}  # run pid -> the zygote's copy of its connection
    wake_read, wake_write = os.pipe()  # SIGCHLD wakes the loop up, which reaps
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(64)
    print("ready", flush=True)
    zygote = os.getpid()
    while True:
        try:
            readable, _, _ = select.select([server, sys.stdin, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in readable:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
            _reap(children)
        if sys.stdin in readable and not sys.stdin.readline():
            _end_children(children)  # the owner closed the zygote, or died
            return
        if server in readable:
            connection, _ = server.accept()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    die_with_parent(zygote)  # a killed zygote takes its runs along
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in (wake_read, wake_write):
                        os.close(fd)
                    for other in children.values():
                        other.close()
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
            children[pid] = connection  # kept open: _reap sends how the run ended
