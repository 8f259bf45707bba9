"""``annual-review build``: validate, run what changed, publish, record.

The order is fixed: every input is checked before any kernel starts; one build of a
year runs at a time (a lock); runs whose cache key is unchanged are reused; the rest
execute on local worker processes or a Dask cluster, and each executed notebook is
written to disk as it arrives; the site is rendered into a new folder and swapped in;
Word files are written beside it; ``manifest.json`` records what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from annual_review.build.prepare import (
    SITE_PAGES,
    Checked,
    checked_inputs,
    checked_is_cached,
    input_characters,
)
from annual_review.build.record import Recorder, notebook_path, write_manifest
from annual_review.core.cache import Cache, fingerprint
from annual_review.core.errors import InputError
from annual_review.core.files import cache_lock, write_if_changed, year_lock
from annual_review.core.imports import skip_unused_imports
from annual_review.core.layout import Project
from annual_review.figures.gate import final_problems
from annual_review.figures.phrasing import report_title
from annual_review.inputs.region import Region
from annual_review.publish.front_door import write_front_door
from annual_review.publish.pages import (
    NavLink,
    PageResult,
    PageSource,
    SiteJob,
    font_for,
    page_filename,
    publish_sites,
)
from annual_review.publish.review_page import review_page
from annual_review.publish.word_files import write_word_files
from annual_review.runs.executors import LocalPool, run_dask
from annual_review.runs.plan import RunOutcome, RunSpec, library_fingerprint, plan_runs


@dataclass
class BuildOptions:
    """What to build and how."""

    year: int
    region: str | None = None  # a region slug, "all", or None: the project's default region
    units: list[str] = field(default_factory=list)
    jobs: int = 0
    force: bool = False
    timeout: float = 600.0
    parameters: dict[str, Any] = field(default_factory=dict)
    executor: str = "local"
    scheduler: str = ""
    engine: str = "warm"
    word: bool = True
    final: bool = False  # the build to send: refuse unreviewed findings and placeholders


@dataclass
class BuildReport:
    """The result of a build: each unit's outcome and the pages and Word files written."""

    outcomes: dict[str, RunOutcome]
    pages: list[PageResult]
    sites: list[Path]  # each region's site folder: outputs/<region>/<year>/site
    word_files: list[Path] = field(default_factory=list)
    word_failures: dict[str, str] = field(default_factory=dict)
    review_pages: list[Path] = field(default_factory=list)
    unreviewed: int = 0
    front_door: Path | None = None  # outputs/index.html, listing every region and year

    @property
    def site(self) -> Path | None:
        """The site folder when one region was built."""
        return self.sites[0] if len(self.sites) == 1 else None

    @property
    def failed(self) -> list[str]:
        """Units whose notebook or Word file failed."""
        failed = [slug for slug, o in self.outcomes.items() if not o.ok]
        return failed + [slug for slug in self.word_failures if slug not in failed]

    def reason(self, slug: str) -> str:
        """Why a unit failed (its notebook's error first)."""
        outcome = self.outcomes.get(slug)
        if outcome is not None and not outcome.ok:
            return outcome.error
        return self.word_failures.get(slug, "")


def site_navigation(region: Region) -> list[NavLink]:
    """The city, the overview, each township, the indicator definitions."""
    units = [NavLink(u.slug, page_filename(u), u.name) for u in region.units]
    return [
        units[0],
        NavLink("overview", "overview.html", "镇街概览"),
        *units[1:],
        NavLink("indicators", "indicators.html", "指标说明"),
    ]


class _LazyPool:
    """The build's worker pool, started only when something must run or be rendered.

    A pool handed in by the caller (``preview`` keeps one warm across its rebuilds) is
    used as it is and left open.
    """

    def __init__(self, options: BuildOptions, given: LocalPool | None = None) -> None:
        self.options = options
        self._pool: LocalPool | None = given
        self._owned = given is None

    def get(self) -> LocalPool:
        if self._pool is None:
            engine = self.options.engine if self.options.executor == "local" else "none"
            self._pool = LocalPool(self.options.jobs, engine)
        return self._pool

    def submit(self, fn, /, *args, **kwargs):
        return self.get().submit(fn, *args, **kwargs)

    def close(self) -> None:
        if self._pool is not None and self._owned:
            self._pool.close()


def build(
    project: Project,
    options: BuildOptions,
    on_planned: Callable[[int, int], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
    on_waiting: Callable[[str], None] | None = None,
    pool: LocalPool | None = None,
) -> BuildReport:
    """Build one year of a region (or of every region: ``region="all"``; the project's
    default region when ``region`` is None) into ``outputs/<region>/<year>/``.

    Raises InputError before any kernel starts when an input is bad. A ``pool`` given
    by the caller runs the build's work and stays open (``--executor dask`` still sends
    the runs to the cluster).
    """
    skip_unused_imports()
    library = library_fingerprint()
    slugs = project.select_regions(options.region)
    workers = _LazyPool(options, pool)
    try:
        changed = options.force or not all(
            checked_is_cached(project, options.year, r, options.parameters, library, options.units)
            for r in slugs
        )
        draw = None
        if changed:
            local = workers.get()  # the zygote and the workers start while inputs are checked
            if local.has_zygote:
                draw = partial(local.call_forked, "annual_review.build.prepare:site_notebooks")
        checked = {
            r: checked_inputs(
                project, options.year, r, options.parameters, library, options.units, draw
            )
            for r in slugs
        }
        if options.final:
            problems = [p for found in checked.values() for p in final_problems(found.gate)]
            if problems:
                raise InputError("\n".join(["not ready to send (--final):", *problems]))
        # Bad input stopped above with nothing written; from here the build uses the
        # cache, and a prune must wait for it.
        with cache_lock(project.cache_dir), ExitStack() as locks:
            for slug in sorted(slugs):  # always in the same order: no two builds deadlock
                locks.enter_context(year_lock(project.year_dir(options.year, slug), on_waiting))
            report = _build_locked(project, options, checked, library, workers, on_planned, on_done)
            report.front_door = write_front_door(project)
            return report
    finally:
        workers.close()


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
        replace(s, output_path=notebook_path(project, year_dirs[s.region], s.slug)) for s in specs
    ]
    shared_cache = project.cache_dir
    recorder = Recorder(year_dirs, shared_cache, specs, on_done)
    to_run = [s for s in specs if options.force or not recorder.reuse(s)]
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
            site_title=report_title(found.region.name, options.year),
            nav=site_navigation(found.region),
            year_dir=year_dirs[slug],
        )
        for slug, found in checked.items()
    ]
    published = publish_sites(sites, cache_dir=shared_cache, pool=pool, characters=characters)
    pages = [page for site_pages in published for page in site_pages]
    word_files: list[Path] = []
    word_failures: dict[str, str] = {}
    for (slug, found), region_pages in zip(checked.items(), published, strict=True):
        failed: dict[str, str] = {}
        if options.word:
            made = write_word_files(found.region, options.year, year_dirs[slug], shared_cache, pool)
            word_files += made.written
            failed = made.failed
            prefix = "" if len(slugs) == 1 else f"{slug}/"
            word_failures.update({f"{prefix}{unit}": why for unit, why in failed.items()})
        write_manifest(
            year_dirs[slug],
            [s for s in specs if s.region == slug],
            recorder.of_region(slug),
            region_pages,
            library,
            failed,
            region=found.region,
            year=options.year,
        )
    review_pages = []
    for slug, found in checked.items():
        path = year_dirs[slug] / "review.html"
        title = f"{report_title(found.region.name, options.year)}：数据提示审核"
        write_if_changed(path, review_page(found.gate, title).encode("utf-8"))
        review_pages.append(path)
    unreviewed = sum(len(found.gate.unreviewed()) for found in checked.values())
    single = len(slugs) == 1
    outcomes = {
        (slug if single else f"{region}/{slug}"): o
        for (region, slug), o in recorder.outcomes.items()
    }
    site_dirs = [year_dirs[slug] / "site" for slug in slugs]
    return BuildReport(
        outcomes, pages, site_dirs, word_files, word_failures, review_pages, unreviewed
    )


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
                title=report_title(unit.name, year),
                notebook=notebook,
                status=status,  # the report ends with its own sources note
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
        "indicators": (),
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
