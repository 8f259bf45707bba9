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
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from . import __version__
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


def library_fingerprint() -> str:
    """A hash of the library's Python source and templates: a change re-runs everything."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(LIBRARY_ROOT.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".css", ".json"}:
            digest.update(path.relative_to(LIBRARY_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def rows_for(values_csv: bytes, unit: Unit) -> bytes:
    """The lines of a values file that a unit's notebook reads (the city reads them all)."""
    if unit.level == "city":
        return values_csv
    text = values_csv.decode("utf-8")
    lines = text.splitlines(keepends=True)
    keep = [lines[0]]
    for line in lines[1:]:
        fields = next(csv.reader(io.StringIO(line)), [])
        if len(fields) > 1 and fields[1].strip() == unit.name:
            keep.append(line)
    return "".join(keep).encode("utf-8")


def run_key(spec_inputs: dict[str, bytes], parameters: dict, fingerprint: str) -> str:
    """The cache key of a run: its inputs, parameters and the library fingerprint."""
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(json.dumps(parameters, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(spec_inputs):
        digest.update(name.encode())
        digest.update(hashlib.sha256(spec_inputs[name]).digest())
    return digest.hexdigest()


def plan_run(
    project: Project,
    region: Region,
    unit: Unit,
    year: int,
    fingerprint: str,
    extra_parameters: dict | None = None,
) -> RunSpec:
    """Describe the run of one unit, reading exactly the files it depends on."""
    notebook = project.notebook_for(unit.level)
    values = (project.data_dir / "values" / f"{region.slug}.csv").read_bytes()
    params_file = project.params_dir / str(year) / f"{unit.slug}.yaml"
    inputs = {
        f"notebooks/{notebook.name}": notebook.read_bytes(),
        "data/indicators.yaml": (project.data_dir / "indicators.yaml").read_bytes(),
        f"data/regions/{region.slug}.yaml": region_path(project.data_dir, region.slug).read_bytes(),
        f"data/values/{region.slug}.csv": rows_for(values, unit),
        f"params/{year}/{unit.slug}.yaml": params_file.read_bytes(),
    }
    parameters = {"year": year, "unit": unit.name, "region": region.slug}
    parameters.update(extra_parameters or {})
    return RunSpec(
        year,
        unit.name,
        unit.slug,
        notebook.name,
        parameters,
        inputs,
        run_key(inputs, parameters, fingerprint),
    )


def _private_environment(workdir: Path, shared_cache: Path | None) -> dict[str, str]:
    """Environment for one run: its own Jupyter runtime and IPython folders."""
    env = {
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter-runtime"),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
    }
    if shared_cache is not None:
        env["MPLCONFIGDIR"] = str(shared_cache / "matplotlib")
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


def execute_run(
    spec: RunSpec,
    *,
    timeout: float | None = 600,
    shared_cache: str | None = None,
    kernel_name: str = "python3",
) -> RunOutcome:
    """Execute one run in a fresh temporary folder with papermill; never raises."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"annual-review-{spec.slug}-") as tmp:
        workdir = Path(tmp)
        for name, content in spec.inputs.items():
            target = workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        output = workdir / "executed.ipynb"
        saved = {k: os.environ.get(k) for k in _private_environment(workdir, None)}
        os.environ.update(
            _private_environment(workdir, Path(shared_cache) if shared_cache else None)
        )
        error = ""
        children_before = _children()
        log_path = workdir / "kernel.log"
        saved_stderr = os.dup(2)
        log_file = open(log_path, "wb")
        os.dup2(log_file.fileno(), 2)  # kernels inherit fd 2: their chatter goes to the log
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
                report_mode=False,
            )
        except PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        except Exception as exc:  # a dead or hung kernel, a timeout, a bad notebook
            error = f"{type(exc).__name__}: {exc}".strip()
        finally:
            _kill_new_children(children_before)
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            log_file.close()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        notebook = output.read_bytes() if output.is_file() else None
        log = log_path.read_text(encoding="utf-8", errors="replace")
    return RunOutcome(spec.slug, not error, notebook, time.perf_counter() - started, error, log=log)


def write_atomic(path: Path, content: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def clear_dir(path: Path) -> None:
    """Remove a folder if present."""
    if path.exists():
        shutil.rmtree(path)


def normalise_notebook(content: bytes, spec: RunSpec, year_dir_name: str) -> bytes:
    """Remove what differs between two identical runs: times, temp paths, random ids."""
    import nbformat

    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    meta = nb.metadata.get("papermill", {})
    for name in ("start_time", "end_time", "duration", "environment_variables"):
        meta.pop(name, None)
    meta["input_path"] = f"notebooks/{spec.notebook}"
    meta["output_path"] = f"outputs/{year_dir_name}/notebooks/{spec.slug}.ipynb"
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.get("papermill", {}).clear()
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{index:02d}"
    return (nbformat.writes(nb) + "\n").encode("utf-8")
