"""``annual-review build``: validate, run what changed, publish, record.

The order is fixed: every input is checked before any kernel starts; one build of a
year runs at a time (a lock); runs whose cache key is unchanged are reused; the rest
execute on local worker processes or a Dask cluster; executed notebooks are written
atomically as they arrive; the site is rendered into a new folder and swapped in; and
``manifest.json`` records what happened.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .catalog import Catalog, load_catalog
from .data import load_values
from .errors import InputError
from .executors import run_dask, run_local
from .facts import Facts
from .layout import Project
from .lock import year_lock
from .notebook_params import check_parameters, notebook_parameters
from .overview import DEFINITIONS, OVERVIEW, definitions_notebook, overview_notebook
from .params import load_params
from .publish import NavLink, PageResult, PageSource, page_filename, publish
from .region import Region, Unit, load_region
from .runner import (
    RunOutcome,
    RunSpec,
    library_fingerprint,
    normalise_notebook,
    plan_run,
    write_atomic,
)

PACKAGES = (
    "annual-review",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "jupyter-client",
    "pandas",
    "matplotlib",
    "pandera",
    "pydantic",
    "fonttools",
    "nh3",
)


@dataclass
class BuildOptions:
    """What to build and how."""

    year: int
    region: str = "haining"
    units: list[str] = field(default_factory=list)
    jobs: int = 0
    force: bool = False
    timeout: float = 600.0
    parameters: dict[str, Any] = field(default_factory=dict)
    executor: str = "local"
    scheduler: str = ""


@dataclass
class BuildReport:
    """The result of a build: each unit's outcome and the pages written."""

    outcomes: dict[str, RunOutcome]
    pages: list[PageResult]
    site: Path | None

    @property
    def failed(self) -> list[str]:
        return [slug for slug, o in self.outcomes.items() if not o.ok]


@dataclass
class Checked:
    """Validated inputs of a year: what planning and publishing need."""

    region: Region
    catalog: Catalog
    facts: Facts
    run_parameters: dict[str, dict[str, Any]]


def check_inputs(
    project: Project, year: int, region_slug: str, cli_parameters: dict[str, Any] | None = None
) -> Checked:
    """Check region, catalogue, values, params and notebook parameters; list all problems."""
    region = load_region(project.data_dir, region_slug)
    catalog = load_catalog(project.data_dir)
    sections = {s.id for s in catalog.sections}
    problems: list[str] = []
    facts = None
    try:
        facts = Facts(load_values(project.data_dir, region, catalog), catalog)
    except InputError as exc:
        problems.extend(exc.problems)
    declared = {}
    for level in ("city", "township"):
        path = project.notebook_for(level)
        try:
            declared[level] = notebook_parameters(path)
        except (InputError, OSError) as exc:
            problems.append(f"{path.relative_to(project.root).as_posix()}: {exc}")
    run_parameters = {}
    for unit in region.units:
        try:
            params = load_params(
                project.params_dir, year, unit.slug, unit.name, section_ids=sections
            )
        except InputError as exc:
            problems.extend(_relative(p, project) for p in exc.problems)
            continue
        given = {"year": year, "unit": unit.name, "region": region.slug}
        given.update(params.parameters)
        given.update(cli_parameters or {})
        run_parameters[unit.slug] = given
        if unit.level in declared:
            notebook = f"notebooks/{project.notebook_for(unit.level).name}"
            problems.extend(
                check_parameters(given, declared[unit.level], unit=unit.name, notebook=notebook)
            )
    if problems:
        raise InputError("\n".join(problems))
    return Checked(region, catalog, facts, run_parameters)


def _relative(message: str, project: Project) -> str:
    return message.replace(project.root.as_posix() + "/", "")


def _cache_path(shared_cache: Path, spec: RunSpec) -> Path:
    return shared_cache / "runs" / f"{spec.year}-{spec.slug}-{spec.key[:32]}.ipynb"


def build_id(specs: list[RunSpec]) -> str:
    """A short id that is the same for the same inputs."""
    digest = hashlib.sha256("".join(sorted(s.key for s in specs)).encode())
    return digest.hexdigest()[:12]


def package_versions() -> dict[str, str]:
    """Versions of the packages a build depends on."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


class _Recorder:
    """Stores each outcome as it arrives (notebook, log, cache) and keeps only its status."""

    def __init__(
        self,
        year_dir: Path,
        shared_cache: Path,
        specs: list[RunSpec],
        on_done: Callable[[RunOutcome], None] | None,
    ) -> None:
        self.year_dir, self.shared_cache = year_dir, shared_cache
        self.specs = {s.slug: s for s in specs}
        self.on_done = on_done
        self.outcomes: dict[str, RunOutcome] = {}

    def __call__(self, outcome: RunOutcome) -> None:
        spec = self.specs[outcome.slug]
        if not outcome.cached:
            write_atomic(self.year_dir / "logs" / f"{spec.slug}.log", outcome.log.encode())
        if outcome.notebook is not None:
            content = normalise_notebook(outcome.notebook, spec, self.year_dir.name)
            target = "notebooks" if outcome.ok else "failed"
            write_atomic(self.year_dir / target / f"{spec.slug}.ipynb", content)
            if outcome.ok:
                write_atomic(_cache_path(self.shared_cache, spec), content)
                (self.year_dir / "failed" / f"{spec.slug}.ipynb").unlink(missing_ok=True)
        outcome.notebook, outcome.log = None, ""  # streamed to disk: keep only the status
        self.outcomes[outcome.slug] = outcome
        if self.on_done:
            self.on_done(outcome)


def build(
    project: Project,
    options: BuildOptions,
    on_planned: Callable[[int, int], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
    on_waiting: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build one year of a region; raises InputError before any kernel on bad input."""
    checked = check_inputs(project, options.year, options.region, options.parameters)
    region = checked.region
    units = [region.unit(u) for u in options.units] if options.units else region.units
    fingerprint = library_fingerprint()
    specs = [
        plan_run(project, region, u, options.year, fingerprint, checked.run_parameters[u.slug])
        for u in units
    ]
    year_dir = project.year_dir(options.year)
    shared_cache = project.outputs_dir / ".cache"
    with year_lock(year_dir, on_waiting=on_waiting):
        recorder = _Recorder(year_dir, shared_cache, specs, on_done)
        to_run = []
        for spec in specs:
            cached = _cache_path(shared_cache, spec)
            if cached.is_file() and not options.force:
                recorder(RunOutcome(spec.slug, True, cached.read_bytes(), 0.0, cached=True))
            else:
                to_run.append(spec)
        if on_planned:
            on_planned(len(specs), len(specs) - len(to_run))
        if options.executor == "dask":
            run_dask(to_run, scheduler=options.scheduler, timeout=options.timeout, on_done=recorder)
        else:
            run_local(
                to_run,
                jobs=options.jobs,
                timeout=options.timeout,
                shared_cache=str(shared_cache),
                on_done=recorder,
            )
        pages = publish(
            _page_sources(checked, options.year, year_dir, recorder.outcomes),
            site_title=f"{region.name}{options.year}年法治政府建设年度报告",
            nav=site_navigation(region),
            year_dir=year_dir,
            cache_dir=shared_cache,
        )
        _write_manifest(year_dir, specs, recorder.outcomes, pages, fingerprint)
    return BuildReport(recorder.outcomes, pages, year_dir / "site")


def report_title(unit: Unit, year: int) -> str:
    """The title of a unit's report, also the name of its Word file."""
    return f"{unit.name}{year}年法治政府建设年度报告"


def site_navigation(region: Region) -> list[NavLink]:
    """The city, the overview, each township, the indicator definitions."""
    units = [NavLink(u.slug, page_filename(u), u.name) for u in region.units]
    return [
        units[0],
        NavLink(OVERVIEW, f"{OVERVIEW}.html", "镇街概览"),
        *units[1:],
        NavLink(DEFINITIONS, f"{DEFINITIONS}.html", "指标说明"),
    ]


def _page_sources(
    checked: Checked, year: int, year_dir: Path, outcomes: dict[str, RunOutcome]
) -> list[PageSource]:
    region, facts = checked.region, checked.facts
    sources = []
    for unit in region.units:
        notebook = year_dir / "notebooks" / f"{unit.slug}.ipynb"
        outcome = outcomes.get(unit.slug)
        status = "ok"
        if not notebook.is_file():
            status = "missing"
        elif outcome is not None and not outcome.ok:
            status = "stale"
        sources.append(
            PageSource(
                slug=unit.slug,
                filename=page_filename(unit),
                title=report_title(unit, year),
                notebook=notebook.read_bytes() if notebook.is_file() else b"",
                status=status,
                sources=tuple(facts.sources(None if unit.level == "city" else unit.name)),
            )
        )
    sources.append(
        PageSource(
            slug=OVERVIEW,
            filename=f"{OVERVIEW}.html",
            title=f"{region.name}{year}年镇街概览",
            notebook=overview_notebook(facts, checked.catalog, region, year),
            sources=tuple(s for s in facts.sources() if s.startswith("示意")),
        )
    )
    sources.append(
        PageSource(
            slug=DEFINITIONS,
            filename=f"{DEFINITIONS}.html",
            title=f"{region.name}{year}年指标说明",
            notebook=definitions_notebook(checked.catalog, region, year),
            sources=("data/indicators.yaml",),
        )
    )
    return sources


def _write_manifest(
    year_dir: Path,
    specs: list[RunSpec],
    outcomes: dict[str, RunOutcome],
    pages: list[PageResult],
    fingerprint: str,
) -> None:
    manifest = {
        "build_id": build_id(specs),
        "annual_review": __version__,
        "library_fingerprint": fingerprint,
        "packages": package_versions(),
        "units": {
            s.slug: {
                "unit": s.unit_name,
                "key": s.key,
                "parameters": s.parameters,
                "inputs": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(s.inputs.items())},
                "status": "ok" if outcomes[s.slug].ok else "failed",
                "cached": outcomes[s.slug].cached,
                "seconds": round(outcomes[s.slug].seconds, 2),
                "error": outcomes[s.slug].error,
            }
            for s in specs
            if s.slug in outcomes
        },
        "pages": {
            p.filename: {"unit": p.slug, "bytes": p.size, "status": p.status, "reused": p.reused}
            for p in pages
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(year_dir / "manifest.json", text.encode("utf-8"))
