"""``annual-review build``: validate, run what changed, publish, record.

The order is fixed: every input is checked before any kernel starts; one build of a
year runs at a time (a lock); runs whose cache key is unchanged are reused; the rest
execute on local worker processes or a Dask cluster, and each executed notebook is
written to disk as it arrives; the site is rendered into a new folder and swapped in;
Word files are written beside it; ``manifest.json`` records what happened.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .cache import Cache, fingerprint, touch
from .checks import SITE_PAGES, Checked, checked_inputs, checked_is_cached, input_characters
from .executors import LocalPool, run_dask
from .imports import skip_unused_imports
from .layout import Project
from .lock import cache_lock, year_lock
from .publish import (
    NavLink,
    PageResult,
    PageSource,
    SiteJob,
    font_for,
    page_filename,
    publish_sites,
)
from .region import Region, Unit
from .runner import RunOutcome, RunSpec, library_fingerprint, plan_runs, write_atomic

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
    "pypandoc-binary",
    "python-docx",
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
    engine: str = "warm"
    word: bool = True


@dataclass
class BuildReport:
    """The result of a build: each unit's outcome and the pages and Word files written."""

    outcomes: dict[str, RunOutcome]
    pages: list[PageResult]
    site: Path | None
    word_files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [slug for slug, o in self.outcomes.items() if not o.ok]


def report_title(unit: Unit, year: int) -> str:
    """The title of a unit's report, also the name of its Word file."""
    return f"{unit.name}{year}年法治政府建设年度报告"


def site_navigation(region: Region) -> list[NavLink]:
    """The city, the overview, each township, the indicator definitions."""
    units = [NavLink(u.slug, page_filename(u), u.name) for u in region.units]
    return [
        units[0],
        NavLink("overview", "overview.html", "镇街概览"),
        *units[1:],
        NavLink("indicators", "indicators.html", "指标说明"),
    ]


def _notebook_path(project: Project, year_dir: Path, slug: str) -> str:
    return (year_dir / "notebooks" / f"{slug}.ipynb").relative_to(project.root).as_posix()


def _cache_path(shared_cache: Path, spec: RunSpec) -> Path:
    name = f"{spec.year}-{spec.region}-{spec.slug}-{spec.key[:32]}.ipynb"
    return shared_cache / "runs" / name


class _Recorder:
    """Stores each outcome as it arrives (notebook, log, cache) and keeps only its status."""

    def __init__(
        self,
        year_dirs: dict[str, Path],
        shared_cache: Path,
        specs: list[RunSpec],
        on_done: Callable[[RunOutcome], None] | None,
    ) -> None:
        self.year_dirs, self.shared_cache = year_dirs, shared_cache
        self.specs = {(s.region, s.slug): s for s in specs}
        self.on_done = on_done
        self.outcomes: dict[tuple[str, str], RunOutcome] = {}

    def __call__(self, outcome: RunOutcome) -> None:
        spec = self.specs[(outcome.region, outcome.slug)]
        year_dir = self.year_dirs[spec.region]
        if outcome.cached:
            _write_if_changed(year_dir / "notebooks" / f"{spec.slug}.ipynb", outcome.notebook)
        else:
            write_atomic(year_dir / "logs" / f"{spec.slug}.log", outcome.log.encode())
            if outcome.notebook is not None:
                self._store(outcome, spec, year_dir)
        outcome.notebook, outcome.log = None, ""  # streamed to disk: keep only the status
        self.outcomes[(spec.region, spec.slug)] = outcome
        if self.on_done:
            self.on_done(outcome)

    def _store(self, outcome: RunOutcome, spec: RunSpec, year_dir: Path) -> None:
        content = outcome.notebook  # normalised by the worker (see RunSpec.output_path)
        target = "notebooks" if outcome.ok else "failed"
        write_atomic(year_dir / target / f"{spec.slug}.ipynb", content)
        if outcome.ok:
            write_atomic(_cache_path(self.shared_cache, spec), content)
            (year_dir / "failed" / f"{spec.slug}.ipynb").unlink(missing_ok=True)

    def of_region(self, region: str) -> dict[str, RunOutcome]:
        return {slug: o for (r, slug), o in self.outcomes.items() if r == region}


def _write_if_changed(path: Path, content: bytes) -> None:
    if not path.is_file() or path.read_bytes() != content:
        write_atomic(path, content)


class _LazyPool:
    """The build's worker pool, started only when something must run or be rendered."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self._pool: LocalPool | None = None

    def get(self) -> LocalPool:
        if self._pool is None:
            engine = self.options.engine if self.options.executor == "local" else "none"
            self._pool = LocalPool(self.options.jobs, engine)
        return self._pool

    def submit(self, fn, /, *args, **kwargs):
        return self.get().submit(fn, *args, **kwargs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def build(
    project: Project,
    options: BuildOptions,
    on_planned: Callable[[int, int], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
    on_waiting: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build one year of a region (or of every region: ``region="all"``).

    Raises InputError before any kernel starts when an input is bad.
    """
    skip_unused_imports()
    library = library_fingerprint()
    slugs = project.regions() if options.region == "all" else [options.region]
    pool = _LazyPool(options)
    try:
        changed = options.force or not all(
            checked_is_cached(project, options.year, r, options.parameters, library, options.units)
            for r in slugs
        )
        draw = None
        if changed:
            local = pool.get()  # the zygote and the workers start while inputs are checked
            draw = local.draw_site_pages if local.has_zygote else None
        checked = {
            r: checked_inputs(
                project, options.year, r, options.parameters, library, options.units, draw
            )
            for r in slugs
        }
        # Bad input stopped above with nothing written; from here the build uses the
        # cache, and a prune must wait for it.
        with cache_lock(project.outputs_dir / ".cache"):
            with year_lock(project.year_dir(options.year), on_waiting=on_waiting):
                return _build_locked(project, options, checked, library, pool, on_planned, on_done)
    finally:
        pool.close()


def _build_locked(
    project: Project,
    options: BuildOptions,
    checked: dict[str, Checked],
    library: str,
    pool: _LazyPool,
    on_planned,
    on_done,
) -> BuildReport:
    slugs = list(checked)
    specs: list[RunSpec] = []
    for found in checked.values():
        region = found.region
        units = [region.unit(u) for u in options.units] if options.units else region.units
        specs.extend(plan_runs(project, region, units, options.year, library, found.run_parameters))
    year_dirs = {r: project.year_dir(options.year, r) for r in slugs}
    specs = [
        replace(s, output_path=_notebook_path(project, year_dirs[s.region], s.slug)) for s in specs
    ]
    shared_cache = project.outputs_dir / ".cache"
    recorder = _Recorder(year_dirs, shared_cache, specs, on_done)
    to_run = []
    for spec in specs:
        cached = _cache_path(shared_cache, spec)
        if cached.is_file() and not options.force:
            touch(cached)
            recorder(
                RunOutcome(
                    spec.slug, True, cached.read_bytes(), 0.0, cached=True, region=spec.region
                )
            )
        else:
            to_run.append(spec)
    if on_planned:
        on_planned(len(specs), len(specs) - len(to_run))
    characters = input_characters(project, options.year, slugs)
    font = _start_font(shared_cache, characters, pool) if to_run else None
    if to_run and options.executor == "dask":
        run_dask(
            to_run,
            scheduler=options.scheduler,
            timeout=options.timeout,
            on_done=recorder,
            engine=options.engine,
        )
    elif to_run:
        pool.get().run(
            to_run, timeout=options.timeout, shared_cache=str(shared_cache), on_done=recorder
        )
    del to_run
    if font is not None:
        font.result()
    sites = [
        SiteJob(
            _page_sources(found, options.year, year_dirs[slug], recorder.of_region(slug)),
            site_title=f"{found.region.name}{options.year}年法治政府建设年度报告",
            nav=site_navigation(found.region),
            year_dir=year_dirs[slug],
        )
        for slug, found in checked.items()
    ]
    published = publish_sites(sites, cache_dir=shared_cache, pool=pool, characters=characters)
    pages = [page for site_pages in published for page in site_pages]
    word_files: list[Path] = []
    for (slug, found), region_pages in zip(checked.items(), published, strict=True):
        if options.word:
            word_files += _write_word(
                found.region, options.year, year_dirs[slug], shared_cache, pool
            )
        _write_manifest(
            year_dirs[slug],
            [s for s in specs if s.region == slug],
            recorder.of_region(slug),
            region_pages,
            library,
        )
    single = len(slugs) == 1
    outcomes = {
        (slug if single else f"{region}/{slug}"): o
        for (region, slug), o in recorder.outcomes.items()
    }
    site = year_dirs[slugs[0]] / "site" if single else project.year_dir(options.year)
    return BuildReport(outcomes, pages, site, word_files)


def _make_font(cache_dir: str, characters: str) -> str:
    """Subset the embedded font (run in a worker while the notebooks run)."""
    return font_for(Cache(Path(cache_dir)), characters)[0]


def _start_font(shared_cache: Path, characters: str, pool: _LazyPool):
    key = fingerprint(characters)[:24]
    if (shared_cache / "fonts" / f"{key}.css").is_file():
        return None
    return pool.submit(_make_font, str(shared_cache), characters)


def _page_sources(
    checked: Checked, year: int, year_dir: Path, outcomes: dict[str, RunOutcome]
) -> list[PageSource]:
    region = checked.region
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
                notebook=notebook,
                status=status,
                sources=tuple(checked.unit_sources[unit.slug]),
            )
        )
    titles = {
        "overview": f"{region.name}{year}年镇街概览",
        "indicators": f"{region.name}{year}年指标说明",
    }
    data_sources = {
        "overview": tuple(
            sorted(
                {
                    s
                    for slug, found in checked.unit_sources.items()
                    if slug != region.slug
                    for s in found
                }
            )
        ),
        "indicators": ("data/indicators.yaml",),
    }
    for slug in SITE_PAGES:
        sources.append(
            PageSource(
                slug=slug,
                filename=f"{slug}.html",
                title=titles[slug],
                content=checked.site_notebook(slug),
                sources=data_sources[slug],
            )
        )
    return sources


def _docx(page: str, out: str) -> str:
    from .word import page_to_docx

    page_to_docx(Path(page).read_text(encoding="utf-8"), Path(out))
    return out


def _write_word(
    region: Region, year: int, year_dir: Path, shared_cache: Path, pool: _LazyPool | None = None
) -> list[Path]:
    """One official-format .docx per unit, made from its page (cached by the page's hash)."""
    site = year_dir / "site"
    jobs = []
    for unit in region.units:
        page = site / page_filename(unit)
        if page.is_file():
            digest = hashlib.sha256(page.read_bytes()).hexdigest()[:32]
            jobs.append((unit, page, shared_cache / "word" / f"{digest}.docx"))
    todo = [(page, cached) for _, page, cached in jobs if not cached.is_file()]
    for _, _, cached in jobs:
        touch(cached)
    if pool is not None and len(todo) > 1:
        for future in [pool.submit(_docx, str(page), str(cached)) for page, cached in todo]:
            future.result()
    else:
        for page, cached in todo:
            _docx(str(page), str(cached))
    written = []
    for unit, _, cached in jobs:
        target = year_dir / f"{report_title(unit, year)}.docx"
        _write_if_changed(target, cached.read_bytes())
        written.append(target)
    return written


@cache
def package_versions() -> dict[str, str]:
    """Versions of the packages a build depends on (read once per process: a province's
    manifests would otherwise each ask importlib.metadata again)."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def build_id(specs: list[RunSpec]) -> str:
    """A short id that is the same for the same inputs."""
    return hashlib.sha256("".join(sorted(s.key for s in specs)).encode()).hexdigest()[:12]


def _write_manifest(
    year_dir: Path,
    specs: list[RunSpec],
    outcomes: dict[str, RunOutcome],
    pages: list[PageResult],
    library: str,
) -> None:
    manifest = {
        "build_id": build_id(specs),
        "annual_review": __version__,
        "library_fingerprint": library,
        "packages": dict(package_versions()),
        "units": {
            s.slug: {
                "unit": s.unit_name,
                "key": s.key,
                "parameters": s.parameters,
                "inputs": s.input_hashes,
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
