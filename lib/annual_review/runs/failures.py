"""Say where a run failed: ``cell 7 (`review.part(3)`): the run's process died (exit 3)``.

The cell is named by its position in the notebook as written (counted from 0, the cell
papermill injects not counted) and by the first line of its source, with both engines
and whatever ended the run: an exception in the cell, a process that died, a timeout.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

DIED = "the run's process died"
INJECTED = "injected-parameters"
WIDTH = 60  # characters of the cell's first line in a message


def first_line(source: str) -> str:
    """The first line of a cell that is not blank, shortened to ``WIDTH`` characters.

    >>> first_line("\\n  review.part(3)  \\nmore")
    'review.part(3)'
    >>> first_line("x = '" + "a" * 80 + "'")[-3:]
    'aa…'
    """
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def cell_label(index: int, source: str) -> str:
    """``cell 7 (`review.part(3)`)``.

    >>> cell_label(7, "review.part(3)\\nmore")
    'cell 7 (`review.part(3)`)'
    """
    return f"cell {index} (`{first_line(source)}`)"


def exit_reason(status: int) -> str:
    """What a process's wait status code (as ``os.waitstatus_to_exitcode`` gives it) says.

    >>> exit_reason(3), exit_reason(-9)
    ('exit 3', 'killed by signal 9, SIGKILL')
    """
    if status >= 0:
        return f"exit {status}"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        return f"killed by signal {-status}"
    return f"killed by signal {-status}, {name}"


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def written_index(cells: list[Any], index: int) -> int:
    """The position in the notebook as written of cell ``index`` of an executed notebook
    (papermill's injected cell is not counted)."""
    return index - sum(1 for cell in cells[:index] if INJECTED in _tags(cell))


def started_last(cells: list[Any]) -> int | None:
    """The cell papermill marked as failed, else the last one it started (the one a
    timeout or a dead process stopped); None if no cell started."""
    found = None
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("papermill", {})
        if meta.get("exception"):
            return index
        if cell.get("cell_type") == "code" and meta.get("start_time"):
            found = index
    return found


def _read_cells(output: Path) -> list[Any]:
    import nbformat

    try:
        return list(nbformat.read(output, as_version=4).cells)
    except Exception:  # not written, or cut short: the message goes without the cell
        return []


def describe_failure(exc: BaseException, output: Path, timeout: float | None) -> str:
    """The one-line error of a run that raised ``exc``, its executed notebook (as far
    as it got) at ``output``."""
    from papermill.exceptions import PapermillExecutionError

    cells = _read_cells(output)
    if isinstance(exc, PapermillExecutionError):
        index, source = exc.cell_index, exc.source
        if exc.ename in ("RunDied", "CellTimeout"):  # the warm engine's, already worded
            reason = exc.evalue
        else:
            reason = f"{exc.ename}: {exc.evalue}"
    elif type(exc).__name__ == "DeadKernelError" or isinstance(exc, TimeoutError):
        index = started_last(cells)
        source = cells[index].source if index is not None else ""
        if type(exc).__name__ == "DeadKernelError":
            reason = DIED
        else:
            reason = f"did not finish within {timeout:g} s" if timeout else str(exc)
    else:  # not a cell's doing: a bad notebook, a kernel that would not start
        return f"{type(exc).__name__}: {exc}".strip()
    if index is None:
        return reason
    return f"{cell_label(written_index(cells, index), source)}: {reason}"
