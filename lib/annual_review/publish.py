"""Publish executed notebooks as a self-contained intranet site (nbconvert).

Each page is one executed notebook rendered with the ``review`` template: no code, no
parameters cell, no papermill metadata, no script or font from outside the page. The
site is written into a fresh folder and swapped in by replacing one symlink, so a
reader (or an interrupted build) never sees a half-written site.
"""

from __future__ import annotations

import copy
import hashlib
import html
import os
import re
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from . import __version__, fonts
from .region import Region, Unit

TEMPLATES = Path(str(files("annual_review") / "templates"))
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}


@dataclass(frozen=True)
class PageSource:
    """What one page is made from: the unit's last good notebook and the run's status.

    ``status`` is ``ok``, ``stale`` (this build's run failed; the last good notebook is
    shown, marked out of date) or ``missing`` (no good notebook yet: a page says so).
    """

    unit: Unit
    notebook: Path | None
    status: str
    page_id: str
    sources: list[str]


@dataclass(frozen=True)
class PageResult:
    """A written page: its size in bytes, status and whether it came from the cache."""

    slug: str
    filename: str
    size: int
    status: str = "ok"
    reused: bool = False


NOTICES = {
    "stale": "本页内容未随本次构建更新：本单位本次生成失败，以下为上一次成功生成的报告。",
    "missing": "本单位报告暂缺：生成失败，尚无可发布的版本。请联系报告编制人员。",
}


def page_filename(unit: Unit) -> str:
    """The city is ``index.html``; a township is ``<slug>.html``."""
    return "index.html" if unit.level == "city" else f"{unit.slug}.html"


class StripProvenance(Preprocessor):
    """Drop parameter cells, analyst notes and papermill's metadata from a notebook."""

    def preprocess(self, nb, resources):
        nb.cells = [
            c for c in nb.cells if not REMOVED_TAGS & set(c.get("metadata", {}).get("tags", []))
        ]
        nb.metadata.pop("papermill", None)
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
        return nb, resources


def headings(nb) -> list[tuple[int, str, str]]:
    """The headings that the report blocks declared in their output metadata."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("annual_review", {})
            found.extend(tuple(h) for h in meta.get("headings", []))
    return found


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="review",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(StripProvenance(), enabled=True)
    return exporter


def _chinese_characters(page: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>|data:[^\"')]+", " ", page))
    return "".join(sorted({ch for ch in text if ord(ch) > 0x7E}))


def _cached_font_css(characters: str, cache_dir: Path | None) -> str:
    if cache_dir is None:
        return fonts.font_face_css(characters)
    key = hashlib.sha256(characters.encode("utf-8")).hexdigest()[:24]
    path = cache_dir / "fonts" / f"font-{key}.css"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    css = fonts.font_face_css(characters)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(css, encoding="utf-8")
    os.replace(tmp, path)
    return css


def render_page(
    nb,
    *,
    unit: Unit,
    region: Region,
    year: int,
    build_id: str,
    sources: list[str],
    cache_dir: Path | None = None,
    notice: str = "",
) -> str:
    """One page's HTML from an executed notebook (the notebook is not modified)."""
    nb = copy.deepcopy(nb)
    nav = [
        {"href": page_filename(u), "text": u.name, "current": u.slug == unit.slug}
        for u in region.units
    ]
    review = {
        "site_title": f"{region.name}{year}年法治政府建设年度报告",
        "nav": nav,
        "toc": headings(nb),
        "sources": sources,
        "build_id": build_id,
        "version": __version__,
        "page_css": (TEMPLATES / "review" / "page.css").read_text(encoding="utf-8"),
        "font_css": "",
        "notice": notice,
    }
    nb.metadata["title"] = f"{unit.name}{year}年法治政府建设年度报告"
    exporter = _exporter()
    draft, _ = exporter.from_notebook_node(nb, resources={"review": review})
    review["font_css"] = _cached_font_css(_chinese_characters(draft), cache_dir)
    page, _ = exporter.from_notebook_node(nb, resources={"review": review})
    return page


def swap_in(new_site: Path, link: Path) -> None:
    """Point ``link`` (e.g. outputs/2024/site) at ``new_site`` atomically, then tidy up."""
    old_target = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.link")
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(new_site.name if new_site.parent == link.parent else new_site)
    os.replace(tmp_link, link)
    if old_target is not None and old_target != new_site.resolve() and old_target.exists():
        shutil.rmtree(old_target, ignore_errors=True)


def write_site(pages: dict[str, str], year_dir: Path, build_id: str) -> Path:
    """Write pages into ``site-<build_id>`` beside the live site and swap it in."""
    staging = year_dir / f"site-{build_id}"
    live = year_dir / "site"
    if live.is_symlink() and live.resolve() == staging.resolve():
        return live  # the id is a hash of the pages: the live site is already this one
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for filename, text in pages.items():
        (staging / filename).write_text(text, encoding="utf-8")
    swap_in(staging, year_dir / "site")
    return year_dir / "site"


def _placeholder(unit: Unit, year: int):
    nb = nbformat.v4.new_notebook()
    title = f"{unit.name}{year}年法治政府建设年度报告"
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": f'<h1 class="ar-title">{html.escape(title)}</h1>'}
        )
    ]
    nb.cells = [cell]
    return nb


def _fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _template_fingerprint() -> str:
    files_ = sorted(p for p in (TEMPLATES / "review").rglob("*") if p.is_file())
    return _fingerprint(__version__, *(p.read_bytes() for p in files_))


def publish(
    sources: list[PageSource],
    *,
    region: Region,
    year: int,
    year_dir: Path,
    cache_dir: Path | None = None,
) -> list[PageResult]:
    """Render every unit's page (reusing unchanged ones) and swap the new site in."""
    pages: dict[str, str] = {}
    results = []
    template = _template_fingerprint()
    nav = "|".join(f"{u.slug}:{u.name}" for u in region.units)
    for source in sources:
        unit = source.unit
        raw = source.notebook.read_bytes() if source.notebook else b""
        page_id = hashlib.sha256(raw).hexdigest()[:12] if raw else "none"
        key = _fingerprint(
            template, nav, str(year), unit.slug, source.status, raw, "\n".join(source.sources)
        )
        cached = cache_dir / "pages" / f"{year}-{unit.slug}-{key[:32]}.html" if cache_dir else None
        if cached is not None and cached.is_file():
            page, reused = cached.read_text(encoding="utf-8"), True
        else:
            nb = (
                nbformat.reads(raw.decode("utf-8"), as_version=4)
                if raw
                else _placeholder(unit, year)
            )
            page = render_page(
                nb,
                unit=unit,
                region=region,
                year=year,
                build_id=page_id,
                sources=source.sources,
                cache_dir=cache_dir,
                notice=NOTICES.get(source.status, ""),
            )
            reused = False
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(page, encoding="utf-8")
                os.replace(tmp, cached)
        name = page_filename(unit)
        pages[name] = page
        results.append(
            PageResult(unit.slug, name, len(page.encode("utf-8")), source.status, reused)
        )
    site_id = _fingerprint(*(pages[n] for n in sorted(pages)))[:12]
    write_site(pages, year_dir, site_id)
    return results
