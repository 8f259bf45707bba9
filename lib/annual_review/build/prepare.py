"""The build's first step: check every input, then keep what planning and publishing need.

:func:`checked_inputs` runs :func:`annual_review.inputs.checks.check_inputs` and keeps
the run parameters, each unit's data sources and the two data-made site pages (drawn in
the background while the notebooks run) in :class:`Checked`, cached by a fingerprint of
the input files: a rebuild with unchanged inputs does not even import pandas.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annual_review.core.cache import Cache, fingerprint
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.figures.gate import Gate
from annual_review.inputs.region import Region, load_region
from annual_review.inputs.values_file import values_path
from annual_review.publish.assets import TEMPLATES

SITE_PAGES = ("overview", "indicators")


@dataclass
class Checked:
    """Validated inputs of a year: what planning and publishing need.

    The two data-made site pages are drawn in a background thread (``pending``) while
    the notebooks run; :meth:`site_notebook` waits for them.
    """

    region: Region
    run_parameters: dict[str, dict[str, Any]]
    unit_sources: dict[str, list[str]]
    gate: Gate
    site_notebooks: dict[str, bytes] = field(default_factory=dict)
    pending: Future | None = field(default=None, repr=False, compare=False)

    def site_notebook(self, slug: str) -> bytes:
        """The notebook of a data-made page (``overview``, ``indicators``)."""
        self._resolve()
        return self.site_notebooks[slug]

    def _resolve(self) -> None:
        if self.pending is not None:
            self.site_notebooks = self.pending.result()
            self.pending = None

    def to_json(self) -> str:
        self._resolve()
        return json.dumps(
            {
                "run_parameters": self.run_parameters,
                "unit_sources": self.unit_sources,
                "gate": self.gate.to_json_data(),
                "site_notebooks": {
                    k: base64.b64encode(v).decode() for k, v in self.site_notebooks.items()
                },
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, region: Region, text: str) -> Checked:
        raw = json.loads(text)
        notebooks = {k: base64.b64decode(v) for k, v in raw["site_notebooks"].items()}
        gate = Gate.from_json_data(raw["gate"])
        return cls(region, raw["run_parameters"], raw["unit_sources"], gate, notebooks)


def input_files(project: Project, year: int, region_slug: str) -> list[Path]:
    """Every file a year's build of a region reads, in a stable order.

    The params are its own units' files of this year and the last, present or not (a
    params file that appears changes the fingerprint too). Every params file of the
    year would make a province's fingerprints read each of its thousand files once per
    region; only when the region file cannot be read are they all taken.
    """
    files = [
        project.data_dir / "indicators.yaml",
        project.data_dir / "regions" / f"{region_slug}.yaml",
        values_path(project.data_dir, region_slug),
        *sorted(project.notebooks_dir.glob("*.ipynb")),
    ]
    slugs = _unit_slugs(project, region_slug)
    for y in (year - 1, year):
        folder = project.params_for(region_slug) / str(y)
        if slugs is None:
            files.extend(sorted(folder.glob("*.yaml")))
        else:
            files.extend(folder / f"{slug}.yaml" for slug in slugs)
    return files


def _unit_slugs(project: Project, region_slug: str) -> list[str] | None:
    """The slugs of the region's units, sorted; None when its file cannot be read."""
    try:
        return sorted(u.slug for u in load_region(project.data_dir, region_slug).units)
    except (InputError, OSError, ValueError):
        return None


def inputs_fingerprint(
    project: Project, year: int, region_slug: str, cli_parameters: dict[str, Any], library: str
) -> str:
    """A hash of every input file (names and bytes), the CLI parameters and the library."""
    parts: list[bytes | str] = [
        library,
        str(year),
        region_slug,
        json.dumps(cli_parameters, sort_keys=True, ensure_ascii=False),
    ]
    for path in input_files(project, year, region_slug):
        parts.append(path.relative_to(project.root).as_posix())
        parts.append(path.read_bytes() if path.is_file() else b"<missing>")
    return fingerprint(*parts)


def check_and_keep(
    project: Project,
    year: int,
    region_slug: str,
    cli_parameters: dict[str, Any] | None = None,
    units: list[str] | None = None,
    draw_site_pages: Callable[[str, str, int], dict[str, bytes]] | None = None,
) -> Checked:
    """Check everything (raising one InputError listing every problem), then start the
    data-made site pages in the background: in this process or, when given, by
    ``draw_site_pages(data_dir, region_slug, year)`` (a process forked for it)."""
    from annual_review.figures.facts import Facts
    from annual_review.figures.gate import review_items
    from annual_review.inputs.checks import check_inputs

    valid = check_inputs(project, year, region_slug, cli_parameters, units)
    facts = Facts(valid.values, valid.catalog, valid.region.rounding)
    if draw_site_pages is not None:
        pending = _in_background(draw_site_pages, str(project.data_dir), region_slug, year)
    else:
        pending = _in_background(_site_notebooks, facts, valid.catalog, valid.region, year)
    sources = _unit_sources(valid.region, facts)
    gate = review_items(valid, facts, year)
    return Checked(valid.region, valid.run_parameters, sources, gate, pending=pending)


def _in_background(fn, *args) -> Future:
    """Call ``fn`` in a daemon thread (it ends with the process if nobody waits)."""
    future: Future = Future()

    def work() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=work, name="annual-review-site-pages", daemon=True).start()
    return future


def _unit_sources(region: Region, facts) -> dict[str, list[str]]:
    return {u.slug: facts.sources(None if u.level == "city" else u.name) for u in region.units}


def site_notebooks(data_dir: str, region_slug: str, year: int) -> dict[str, bytes]:
    """The overview and definitions notebooks of a region, from its checked files."""
    from annual_review.figures.facts import Facts
    from annual_review.inputs.catalog import load_catalog
    from annual_review.inputs.values import load_values

    region = load_region(Path(data_dir), region_slug)
    catalog = load_catalog(Path(data_dir), region)
    facts = Facts(load_values(Path(data_dir), region, catalog), catalog, region.rounding)
    return _site_notebooks(facts, catalog, region, year)


def _site_notebooks(facts, catalog, region: Region, year: int) -> dict[str, bytes]:
    from annual_review.blocks.site_pages import definitions_notebook, overview_notebook  # slow

    return {
        "overview": overview_notebook(facts, catalog, region, year),
        "indicators": definitions_notebook(catalog, region, year),
    }


def checked_inputs(
    project: Project,
    year: int,
    region_slug: str,
    cli_parameters: dict[str, Any],
    library: str,
    units: list[str] | None = None,
    draw_site_pages: Callable[[str, str, int], dict[str, bytes]] | None = None,
) -> Checked:
    """``check_inputs``, or its cached result when no input changed since it passed."""
    cache = Cache(project.outputs_dir / ".cache")
    name = _checked_name(project, year, region_slug, cli_parameters, library, units)
    cached = cache.get(name)
    if cached is not None:
        return Checked.from_json(load_region(project.data_dir, region_slug), cached)
    checked = check_and_keep(project, year, region_slug, cli_parameters, units, draw_site_pages)
    if checked.pending is not None:  # cache the result once the site pages are drawn
        checked.pending.add_done_callback(
            lambda done: None if done.exception() else cache.put(name, checked.to_json())
        )
    return checked


def _checked_name(
    project: Project,
    year: int,
    region_slug: str,
    cli_parameters: dict[str, Any],
    library: str,
    units: list[str] | None,
) -> str:
    key = inputs_fingerprint(project, year, region_slug, cli_parameters, library)
    return f"checked/{fingerprint(key, *(units or []))}.json"


def checked_is_cached(
    project: Project,
    year: int,
    region_slug: str,
    cli_parameters: dict[str, Any],
    library: str,
    units: list[str] | None = None,
) -> bool:
    """Whether the inputs are unchanged since they last passed ``check_inputs``."""
    name = _checked_name(project, year, region_slug, cli_parameters, library, units)
    path = Cache(project.outputs_dir / ".cache").path(name)
    return path is not None and path.is_file()


def input_characters(project: Project, year: int, region_slugs: list[str]) -> str:
    """Every non-ASCII character a page could show: a superset for the embedded font.

    Pages are made from the inputs (data, params, region, catalogue, notebooks), the
    library's own phrasing and the template, so their characters are enough.
    """
    library = Path(__file__).parents[1]
    paths = {p for slug in region_slugs for p in input_files(project, year, slug)}
    paths |= set(library.rglob("*.py")) | set((TEMPLATES / "review").glob("*"))
    found: set[str] = set()
    for path in sorted(paths):
        if path.is_file():
            found.update(_BEYOND_ASCII.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return "".join(sorted(found))


_BEYOND_ASCII = re.compile(r"[^\x00-\x7e]")
