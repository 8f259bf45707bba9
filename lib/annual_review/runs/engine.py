"""The papermill engine ``annual-review``: cells run in a process forked from a warm zygote.

Registered as an entry point, so ``papermill --engine annual-review in.ipynb out.ipynb``
runs a notebook the way ``annual-review build`` does (see :mod:`annual_review.runs.warm`):
no kernel to start, nothing to import, a fresh process per notebook. Papermill's own
bookkeeping is kept (injected parameters, cell status and times, errors raised as
``PapermillExecutionError`` with the failing cell). A build passes papermill's
``request_save_on_cell_execute=False``, so the output notebook is written once, at the end.
"""

from __future__ import annotations

import os

import nbformat
from papermill.engines import Engine

from annual_review.core.errors import CellTimeout, RunDied
from annual_review.runs import translator
from annual_review.runs.cells import LANGUAGE_INFO
from annual_review.runs.warm import run_cells

translator.register()  # papermill loads this module with its engines: its CLI gets it too


def _error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])


class WarmEngine(Engine):
    """Execute a papermill notebook with :func:`annual_review.runs.warm.run_cells`."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        nb = nb_man.nb
        language = nb.metadata.get("kernelspec", {}).get("language", "python")
        if language != "python":
            raise ValueError(f"the annual-review engine runs Python notebooks, not {language}")
        code = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        may_raise = {
            i for i, _ in code if "raises-exception" in nb.cells[i].metadata.get("tags", ())
        }
        current: int | None = None
        try:
            for event in run_cells(
                code,
                cwd=os.getcwd(),
                log=os.environ.get("ANNUAL_REVIEW_KERNEL_LOG", os.devnull),
                timeout=execution_timeout,
                start_timeout=start_timeout,
                keep_going=may_raise.__contains__,
            ):
                cell = nb.cells[event.index]
                if event.outputs is None:
                    current = event.index
                    nb_man.cell_start(cell, event.index)
                    continue
                current = None
                cell.execution_count = event.count
                cell.outputs = [nbformat.from_dict(o) for o in event.outputs]
                for earlier, position, output in event.updates:  # update_display
                    nb.cells[earlier].outputs[position] = nbformat.from_dict(output)
                if not event.ok and event.index not in may_raise:
                    nb_man.cell_exception(cell, event.index)
                nb_man.cell_complete(cell, event.index)
        except (CellTimeout, RunDied) as exc:
            if current is not None:
                cell = nb.cells[current]
                # the reason alone: the runner names the cell (runs.failures)
                reason = getattr(exc, "reason", str(exc))
                kind = "CellTimeout" if isinstance(exc, CellTimeout) else "RunDied"
                cell.outputs.append(_error_output(kind, reason))
                nb_man.cell_exception(cell, current)
                nb_man.cell_complete(cell, current)
            else:
                raise
        nb.metadata["language_info"] = dict(LANGUAGE_INFO)
        return nb
