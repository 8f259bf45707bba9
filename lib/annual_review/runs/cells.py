"""Run notebook cells in this process with IPython and collect nbformat outputs.

A kernel is an IPython shell behind ZeroMQ; a batch run that forks a fresh process per
notebook does not need the ZeroMQ half. :class:`NotebookShell` is the IPython half with
the outputs a kernel would send (streams, ``display_data``, ``execute_result``,
``error``) collected as nbformat output dicts instead. It is meant to run in a process
of its own per notebook (see :mod:`annual_review.runs.warm`), which is what keeps every run's
namespace fresh.

>>> shell = NotebookShell.instance()
>>> count, outputs, ok = shell.execute("x = 6 * 7\\nprint('x is', x)\\nx")
>>> [o["output_type"] for o in outputs], ok
(['stream', 'execute_result'], True)
>>> outputs[0]["text"], outputs[1]["data"]["text/plain"]
('x is 42\\n', '42')
>>> shell.execute("1 / 0")[1][0]["ename"]
'ZeroDivisionError'
>>> NotebookShell.clear_instance()
"""

from __future__ import annotations

import io
import sys
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

Output = dict[str, Any]


class OutputSink:
    """The outputs of the cell being executed, in nbformat 4 form."""

    def __init__(self) -> None:
        self.outputs: list[Output] = []
        self._clear_pending = False
        self.cells_taken = 0  # cells finished so far; the current cell's number
        self._placed: dict[str, list[tuple[int, Output]]] = {}  # display id -> outputs
        self.updates: list[tuple[int, int, Output]] = []  # (earlier cell, position, output)
        self._positions: dict[int, int] = {}  # id of a taken output -> its position

    def _add(self, output: Output) -> None:
        if self._clear_pending:
            self.outputs.clear()
            self._clear_pending = False
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs and not self._clear_pending else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self._add({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict, metadata: dict | None, display_id: str | None = None) -> None:
        output = {"output_type": "display_data", "data": data, "metadata": metadata or {}}
        self._add(output)
        if display_id is not None:
            self._placed.setdefault(display_id, []).append((self.cells_taken, output))

    def update(self, data: dict, metadata: dict | None, display_id: str) -> None:
        """``update_display``: replace every output shown with ``display_id``, in this
        cell or an earlier one (as Jupyter does), instead of adding one."""
        for cell, output in self._placed.get(display_id, []):
            output["data"], output["metadata"] = data, metadata or {}
            position = self._positions.get(id(output))  # None: cleared before it was kept
            if cell != self.cells_taken and position is not None:
                self.updates.append((cell, position, dict(output)))

    def result(self, data: dict, metadata: dict | None, count: int) -> None:
        self._add(
            {
                "output_type": "execute_result",
                "data": data,
                "metadata": metadata or {},
                "execution_count": count,
            }
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        output = {"output_type": "error", "ename": ename, "evalue": evalue}
        self._add({**output, "traceback": traceback})

    def clear(self, wait: bool) -> None:
        if wait:
            self._clear_pending = True
        else:
            self.outputs.clear()

    def take(self) -> list[Output]:
        outputs, self.outputs, self._clear_pending = self.outputs, [], False
        for position, output in enumerate(outputs):
            self._positions[id(output)] = position
        self.cells_taken += 1
        return outputs

    def take_updates(self) -> list[tuple[int, int, Output]]:
        """Updates of outputs of earlier cells: (cell number, position, new output)."""
        updates, self.updates = self.updates, []
        return updates


SINK = OutputSink()


class _StreamToSink(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` of a run: text becomes a stream output."""

    def __init__(self, name: str) -> None:
        self.name_ = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            SINK.stream(self.name_, text)
        return len(text)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class _DisplayPublisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        display_id = (transient or {}).get("display_id")
        if update and display_id is not None:
            SINK.update(data, metadata, display_id)
        else:
            SINK.display(data, metadata, display_id)

    def clear_output(self, wait=False):
        SINK.clear(wait)


class _DisplayHook(DisplayHook):
    """The value of a cell's last expression becomes an ``execute_result``."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        SINK.result(format_dict, md_dict, self.prompt_count)

    def finish_displayhook(self) -> None:
        pass


class NotebookShell(InteractiveShell):
    """An IPython shell whose outputs are collected as nbformat outputs, not printed."""

    displayhook_class = _DisplayHook
    display_pub_class = _DisplayPublisher

    @classmethod
    def instance(cls, *args, **kwargs):
        if not cls.initialized():
            config = Config()
            config.HistoryManager.enabled = False  # no SQLite file per run
            kwargs.setdefault("config", config)
        return super().instance(*args, **kwargs)

    def init_io(self) -> None:
        pass  # streams are replaced in execute(), per cell

    def _showtraceback(self, etype, evalue, stb) -> None:
        SINK.error(etype.__name__, str(evalue), list(stb))

    def enable_gui(self, gui=None) -> None:
        pass

    def execute(self, source: str) -> tuple[int, list[Output], bool]:
        """Run one cell; return its execution count, outputs and whether it succeeded."""
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _StreamToSink("stdout"), _StreamToSink("stderr")
        try:
            result = self.run_cell(source, store_history=True)
        finally:
            sys.stdout, sys.stderr = saved
        return result.execution_count or 0, SINK.take(), result.success


LANGUAGE_INFO = {
    "name": "python",
    "version": ".".join(map(str, sys.version_info[:3])),
    "mimetype": "text/x-python",
    "file_extension": ".py",
    "pygments_lexer": "ipython3",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "nbconvert_exporter": "python",
}
