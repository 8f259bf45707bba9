"""Execute one run: lay out its bundle in a fresh temporary folder and run the notebook
with papermill (the warm engine or a plain kernel); never raises.

Parallel runs never share a file, and executed notebooks carry no path of the build
machine (see :mod:`annual_review.runs.normalise`).
"""

from __future__ import annotations

import re
import tempfile
import time
import traceback
from pathlib import Path

from annual_review.core.files import owner_tag
from annual_review.core.imports import skip_unused_imports
from annual_review.runs.failures import describe_failure
from annual_review.runs.normalise import normalise_notebook
from annual_review.runs.plan import RunOutcome, RunSpec
from annual_review.runs.procs import run_context

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def write_bundle(spec: RunSpec, workdir: Path) -> None:
    """Lay out the run's inputs in ``workdir`` like a project folder."""
    for name, content in spec.inputs.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def warm_up(engine: str = "warm", zygote: str = "") -> None:
    """Prepare this process for runs: use the zygote at ``zygote`` or start one now.

    papermill is imported here, while the build is still checking its inputs, rather
    than at the worker's first run: that import costs about a second of a run's time
    (measured as the first edit of a ``preview`` being 1.2 s slower than the next).
    """
    skip_unused_imports()
    import papermill  # noqa: F401

    if engine == "warm":
        from annual_review.runs import warm

        if zygote:
            warm.use_zygote(zygote)
        warm.Zygote.shared()


def execute_run(
    spec: RunSpec,
    *,
    timeout: float | None = 600,
    shared_cache: str | None = None,
    kernel_name: str = "python3",
    engine: str = "warm",
) -> RunOutcome:
    """Execute one run in a fresh temporary folder with papermill; never raises.

    ``engine`` is ``warm`` (the cells run in a process forked from a zygote with
    everything imported) or ``papermill`` (a kernel started from scratch, as plain
    papermill does).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from annual_review.runs import translator

    translator.register()  # parameters written as "盐官镇", not "\\u76d0…"

    started = time.perf_counter()
    warm_up(engine)
    # the warm engine's runs write the notebook once, at the end (papermill's own switch)
    extra = (
        {"engine_name": "annual-review", "request_save_on_cell_execute": False}
        if engine == "warm"
        else {}
    )
    error, details = "", ""
    # named by this process, so a later build removes it if this process is killed
    prefix = f"annual-review-run-{owner_tag()}-{spec.slug}-"
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        workdir = Path(tmp)
        write_bundle(spec, workdir)
        output = workdir / "executed.ipynb"
        with run_context(workdir, shared_cache, starts_kernels=engine != "warm") as log_path:
            try:
                papermill.execute_notebook(
                    str(workdir / "notebooks" / spec.notebook),
                    str(output),
                    parameters=spec.parameters,
                    cwd=str(workdir / "notebooks"),
                    kernel_name=kernel_name,
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    start_timeout=120,
                    shutdown_kernel="immediate",
                    **extra,
                )
            except PapermillExecutionError as exc:
                error = describe_failure(exc, output, timeout)
                details = ANSI.sub("", "\n".join(exc.traceback))
            except Exception as exc:  # a dead or hung kernel, a timeout, a bad notebook
                error = describe_failure(exc, output, timeout)
                details = traceback.format_exc()
        notebook = output.read_bytes() if output.is_file() else None
        if notebook is not None and spec.output_path:  # here, not in the build's process
            notebook = normalise_notebook(notebook, spec)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    if details:  # the whole traceback, not only "Type: message", for whoever reads the log
        log += f"\n{error}\n{details.rstrip()}\n"
    return RunOutcome(
        spec.slug,
        not error,
        notebook,
        time.perf_counter() - started,
        error,
        log=log,
        region=spec.region,
    )
