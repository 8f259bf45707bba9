"""Plan and execute the notebook runs of a year: one papermill run per unit.

A run is described by a :class:`RunSpec` that carries everything it reads: the
notebook, its parameters and a *bundle* of input files (the catalogue, the region,
only the data rows the unit reads, the unit's params). The run's cache key is a hash
of all of that plus the library's own source, so a run is re-executed only when
something it depends on changed. A run executes in a fresh temporary folder laid out
like the project, so parallel runs never share a file and executed notebooks carry no
path of the build machine.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from . import __version__
from .imports import skip_unused_imports
from .layout import Project
from .region import Region, Unit, region_path

LIBRARY_ROOT = Path(str(files("annual_review")))


@dataclass(frozen=True)
class RunSpec:
    """One (year, unit) run with all its inputs, ready to send to any worker."""

    year: int
    unit_name: str
    slug: str
    notebook: str
    parameters: dict
    inputs: dict[str, bytes] = field(repr=False)
    key: str = ""
    region: str = ""
    output_path: str = ""  # where the build stores the notebook, for its metadata

    @property
    def input_hashes(self) -> dict[str, str]:
        """sha256 of each input file, for the manifest."""
        return {n: hashlib.sha256(b).hexdigest() for n, b in sorted(self.inputs.items())}


@dataclass
class RunOutcome:
    """What came back from a run: the executed notebook (also on failure) and status."""

    slug: str
    ok: bool
    notebook: bytes | None
    seconds: float
    error: str = ""
    cached: bool = False
    log: str = ""
    region: str = ""


def library_fingerprint() -> str:
    """A hash of the library's Python source and templates: a change re-runs everything."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(LIBRARY_ROOT.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".css", ".json"}:
            digest.update(path.relative_to(LIBRARY_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def rows_by_unit(values_csv: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The header line and, per unit name, the lines of a values file about that unit."""
    text = values_csv.decode("utf-8")
    lines = text.splitlines(keepends=True)
    header, grouped = lines[0] if lines else "", {}
    for line in lines[1:]:
        fields = next(csv.reader(io.StringIO(line)), [])
        if len(fields) > 1:
            grouped.setdefault(fields[1].strip(), []).append(line)
    return header.encode("utf-8"), {u: "".join(ls).encode("utf-8") for u, ls in grouped.items()}


def run_key(spec_inputs: dict[str, bytes], parameters: dict, fingerprint: str) -> str:
    """The cache key of a run: its inputs, parameters and the library fingerprint."""
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(json.dumps(parameters, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(spec_inputs):
        digest.update(name.encode())
        digest.update(hashlib.sha256(spec_inputs[name]).digest())
    return digest.hexdigest()


def plan_runs(
    project: Project,
    region: Region,
    units: list[Unit],
    year: int,
    fingerprint: str,
    parameters: dict[str, dict],
) -> list[RunSpec]:
    """Describe the runs of some units, each with exactly the files it depends on.

    The city reads every row of the region's values; a township reads only its own.
    """
    values = (project.data_dir / "values" / f"{region.slug}.csv").read_bytes()
    header, grouped = rows_by_unit(values)
    shared = {
        "data/indicators.yaml": (project.data_dir / "indicators.yaml").read_bytes(),
        f"data/regions/{region.slug}.yaml": region_path(project.data_dir, region.slug).read_bytes(),
    }
    notebooks = {}
    specs = []
    for unit in units:
        notebook = project.notebook_for(unit.level)
        if notebook not in notebooks:
            notebooks[notebook] = notebook.read_bytes()
        rows = values if unit.level == "city" else header + grouped.get(unit.name, b"")
        inputs = {
            f"notebooks/{notebook.name}": notebooks[notebook],
            **shared,
            f"data/values/{region.slug}.csv": rows,
            **_params_files(project, year, unit),
        }
        run_parameters = parameters[unit.slug]
        specs.append(
            RunSpec(
                year,
                unit.name,
                unit.slug,
                notebook.name,
                run_parameters,
                inputs,
                run_key(inputs, run_parameters, fingerprint),
                region.slug,
            )
        )
    return specs


def _params_files(project: Project, year: int, unit: Unit) -> dict[str, bytes]:
    """This year's params of the unit, and last year's when present (plan tracking)."""
    found = {}
    for y in (year - 1, year):
        path = project.params_dir / str(y) / f"{unit.slug}.yaml"
        if path.is_file():
            found[f"params/{y}/{unit.slug}.yaml"] = path.read_bytes()
    return found


def _private_environment(workdir: Path, shared_cache: str | None) -> dict[str, str]:
    """Environment for one run: its own Jupyter runtime and IPython folders, its log."""
    env = {
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter-runtime"),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "ANNUAL_REVIEW_KERNEL_LOG": str(workdir / "kernel.log"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
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
def _run_context(
    workdir: Path, shared_cache: str | None, *, starts_kernels: bool = True
) -> Iterator[Path]:
    """Set the run's environment, send fd 2 (kernels' chatter) to its log, clean up after.

    Yields the log file. Afterwards every process the run left behind is killed and the
    environment is restored, so the next run in this worker starts clean. Only runs that
    start kernels can leave processes behind in this worker (the warm engine's runs are
    children of the zygote, killed with their process group), so only those pay for the
    two scans of the process table.
    """
    env = _private_environment(workdir, shared_cache)
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
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def write_bundle(spec: RunSpec, workdir: Path) -> None:
    """Lay out the run's inputs in ``workdir`` like a project folder."""
    for name, content in spec.inputs.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def warm_up(engine: str = "warm", zygote: str = "") -> None:
    """Prepare this process for runs: use the zygote at ``zygote`` or start one now."""
    skip_unused_imports()
    if engine == "warm":
        from . import warm

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

    started = time.perf_counter()
    warm_up(engine)
    extra = {"engine_name": "annual-review"} if engine == "warm" else {}
    error = ""
    with tempfile.TemporaryDirectory(prefix=f"annual-review-{spec.slug}-") as tmp:
        workdir = Path(tmp)
        write_bundle(spec, workdir)
        output = workdir / "executed.ipynb"
        with _run_context(workdir, shared_cache, starts_kernels=engine != "warm") as log_path:
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
                error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
            except Exception as exc:  # a dead or hung kernel, a timeout, a bad notebook
                error = f"{type(exc).__name__}: {exc}".strip()
        notebook = output.read_bytes() if output.is_file() else None
        if notebook is not None and spec.output_path:  # here, not in the build's process
            notebook = normalise_notebook(notebook, spec)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    return RunOutcome(
        spec.slug,
        not error,
        notebook,
        time.perf_counter() - started,
        error,
        log=log,
        region=spec.region,
    )


def write_atomic(path: Path, content: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def normalise_notebook(content: bytes, spec: RunSpec) -> bytes:
    """Remove what differs between two identical runs: times, temp paths, random ids."""
    import nbformat

    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    meta = nb.metadata.get("papermill", {})
    for name in ("start_time", "end_time", "duration", "environment_variables"):
        meta.pop(name, None)
    meta["input_path"] = f"notebooks/{spec.notebook}"
    meta["output_path"] = spec.output_path or f"notebooks/{spec.slug}.ipynb"
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.get("papermill", {}).clear()
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{index:02d}"
    return (nbformat.writes(nb) + "\n").encode("utf-8")
