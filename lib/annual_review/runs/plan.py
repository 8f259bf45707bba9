"""Plan a year's runs: one :class:`RunSpec` per unit with every file it reads.

A run carries its inputs (the notebook, the catalogue, the region, only the data rows
the unit reads, the unit's params this year and last), so any worker can execute it and
its cache key is a hash of exactly what it depends on plus the library's own source.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from annual_review import __version__
from annual_review.core.layout import Project
from annual_review.inputs.region import Region, Unit, region_path
from annual_review.inputs.values_file import rows_of_unit, values_path

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
    values = values_path(project.data_dir, region.slug).read_bytes()
    text = values.decode("utf-8-sig")
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
        rows = values if unit.level == "city" else rows_of_unit(text, unit.name).encode("utf-8")
        inputs = {
            f"notebooks/{notebook.name}": notebooks[notebook],
            **shared,
            f"data/values/{region.slug}.csv": rows,
            **_params_files(project, year, unit, region.slug),
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


def _params_files(project: Project, year: int, unit: Unit, region: str) -> dict[str, bytes]:
    """This year's params of the unit, and last year's when present (plan tracking), by
    their paths in the project (``params/<region>/…`` when the region has its folder)."""
    found = {}
    folder = project.params_for(region)
    for y in (year - 1, year):
        path = folder / str(y) / f"{unit.slug}.yaml"
        if path.is_file():
            found[path.relative_to(project.root).as_posix()] = path.read_bytes()
    return found
