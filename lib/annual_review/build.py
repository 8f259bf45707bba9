"""``annual-review build``: validate, run what changed in parallel, publish, record.

The order is fixed: every input is checked before any kernel starts; runs whose cache
key is unchanged are reused; the rest execute in a pool of worker processes; executed
notebooks are written atomically; the site is rendered into a new folder and swapped
in; ``manifest.json`` records what happened.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

from . import __version__
from .catalog import load_catalog
from .data import load_values
from .errors import InputError
from .facts import Facts
from .layout import Project
from .params import load_params
from .publish import PageResult, publish
from .region import load_region
from .runner import (
    RunOutcome,
    RunSpec,
    execute_run,
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
    "pandas",
    "matplotlib",
    "pandera",
    "pydantic",
    "fonttools",
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


@dataclass
class BuildReport:
    """The result of a build: each unit's outcome and the pages written."""

    outcomes: dict[str, RunOutcome]
    pages: list[PageResult]
    site: Path | None

    @property
    def failed(self) -> list[str]:
        return [slug for slug, o in self.outcomes.items() if not o.ok]


def check_inputs(project: Project, year: int, region_slug: str):
    """Validate region, catalogue, values and every unit's params; collect all problems."""
    region = load_region(project.data_dir, region_slug)
    catalog = load_catalog(project.data_dir)
    problems: list[str] = []
    facts = None
    try:
        facts = Facts(load_values(project.data_dir, region, catalog), catalog)
    except InputError as exc:
        problems.extend(exc.problems)
    for unit in region.units:
        if not project.notebook_for(unit.level).is_file():
            problems.append(f"{project.notebook_for(unit.level)}: notebook missing")
        try:
            load_params(project.params_dir, year, unit.slug, unit.name)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError("\n".join(problems))
    return region, catalog, facts


def _cache_path(year_dir: Path, spec: RunSpec) -> Path:
    return year_dir / ".cache" / "runs" / f"{spec.slug}-{spec.key[:24]}.ipynb"


def _run_all(
    specs: list[RunSpec],
    options: BuildOptions,
    shared_cache: Path,
    on_done: Callable[[RunOutcome], None],
) -> dict[str, RunOutcome]:
    outcomes: dict[str, RunOutcome] = {}
    if not specs:
        return outcomes
    jobs = options.jobs or os.cpu_count() or 1
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(specs)), mp_context=get_context("spawn")
    ) as pool:
        futures = {
            pool.submit(
                execute_run, spec, timeout=options.timeout, shared_cache=str(shared_cache)
            ): spec
            for spec in specs
        }
        for future in as_completed(futures):
            spec = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker process itself died
                outcome = RunOutcome(spec.slug, False, None, 0.0, f"worker died: {exc}")
            outcomes[spec.slug] = outcome
            on_done(outcome)
    return outcomes


def _store(outcome: RunOutcome, spec: RunSpec, year_dir: Path) -> None:
    write_atomic(year_dir / "logs" / f"{spec.slug}.log", outcome.log.encode("utf-8"))
    if outcome.notebook is None:
        return
    content = normalise_notebook(outcome.notebook, spec, year_dir.name)
    if outcome.ok:
        write_atomic(year_dir / "notebooks" / f"{spec.slug}.ipynb", content)
        write_atomic(_cache_path(year_dir, spec), content)
        failed = year_dir / "failed" / f"{spec.slug}.ipynb"
        if failed.exists():
            failed.unlink()
    else:
        write_atomic(year_dir / "failed" / f"{spec.slug}.ipynb", content)


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


def build(
    project: Project,
    options: BuildOptions,
    on_planned: Callable[[int, int], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
) -> BuildReport:
    """Build one year of a region; raises InputError before any kernel on bad input."""
    region, _catalog, facts = check_inputs(project, options.year, options.region)
    units = [region.unit(u) for u in options.units] if options.units else region.units
    fingerprint = library_fingerprint()
    specs = [plan_run(project, region, u, options.year, fingerprint) for u in units]
    year_dir = project.year_dir(options.year)
    shared_cache = project.outputs_dir / ".cache"
    outcomes: dict[str, RunOutcome] = {}
    to_run = []
    for spec in specs:
        cached = _cache_path(year_dir, spec)
        if cached.is_file() and not options.force:
            outcomes[spec.slug] = RunOutcome(spec.slug, True, cached.read_bytes(), 0.0, cached=True)
            write_atomic(year_dir / "notebooks" / f"{spec.slug}.ipynb", cached.read_bytes())
        else:
            to_run.append(spec)
    if on_planned:
        on_planned(len(specs), len(specs) - len(to_run))
    by_slug = {s.slug: s for s in specs}

    def done(outcome: RunOutcome) -> None:
        _store(outcome, by_slug[outcome.slug], year_dir)
        if on_done:
            on_done(outcome)

    outcomes.update(_run_all(to_run, options, shared_cache, done))
    for o in outcomes.values():
        if o.cached and on_done:
            on_done(o)
    good = {
        u.slug: year_dir / "notebooks" / f"{u.slug}.ipynb"
        for u in region.units
        if (year_dir / "notebooks" / f"{u.slug}.ipynb").is_file()
    }
    sources = {u.slug: facts.sources(None if u.level == "city" else u.name) for u in region.units}
    pages = publish(
        good,
        region=region,
        year=options.year,
        year_dir=year_dir,
        build_id=build_id(specs),
        sources=sources,
        cache_dir=shared_cache / "fonts",
    )
    _write_manifest(year_dir, specs, outcomes, pages)
    return BuildReport(outcomes, pages, year_dir / "site")


def _write_manifest(
    year_dir: Path, specs: list[RunSpec], outcomes: dict[str, RunOutcome], pages: list[PageResult]
) -> None:
    manifest = {
        "build_id": build_id(specs),
        "annual_review": __version__,
        "packages": package_versions(),
        "units": {
            s.slug: {
                "unit": s.unit_name,
                "key": s.key,
                "inputs": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(s.inputs.items())},
                "status": "ok" if outcomes[s.slug].ok else "failed",
                "cached": outcomes[s.slug].cached,
                "seconds": round(outcomes[s.slug].seconds, 2),
                "error": outcomes[s.slug].error,
            }
            for s in specs
            if s.slug in outcomes
        },
        "pages": [asdict(p) for p in pages],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(year_dir / "manifest.json", text.encode("utf-8"))
