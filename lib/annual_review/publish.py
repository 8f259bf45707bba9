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
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from . import __version__, fonts
from .cache import Cache, fingerprint
from .region import Unit
from .site import write_site

TEMPLATES = Path(str(files("annual_review") / "templates"))
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}


@dataclass(frozen=True)
class PageSource:
    """What one page is made from: a notebook (bytes) and the status of its run.

    ``status`` is ``ok``, ``stale`` (this build's run failed; the last good notebook is
    shown, marked out of date) or ``missing`` (no good notebook yet: a page says so).
    """

    slug: str
    filename: str
    title: str
    notebook: bytes
    status: str = "ok"
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavLink:
    """One entry of the site navigation."""

    slug: str
    filename: str
    text: str


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
        language_code="zh-CN",
    )
    exporter.register_preprocessor(StripProvenance(), enabled=True)
    return exporter


def _characters(page: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>|data:[^\"')]+", " ", page))
    return "".join(sorted({ch for ch in text if ord(ch) > 0x7E}))


def render_page(
    nb,
    *,
    slug: str,
    title: str,
    site_title: str,
    nav: list[NavLink],
    build_id: str,
    sources: tuple[str, ...] | list[str] = (),
    font_css: str = "",
    notice: str = "",
) -> str:
    """One page's HTML from an executed notebook (the notebook is not modified)."""
    nb = copy.deepcopy(nb)
    review = {
        "site_title": site_title,
        "nav": [{"href": n.filename, "text": n.text, "current": n.slug == slug} for n in nav],
        "toc": headings(nb),
        "sources": list(sources),
        "build_id": build_id,
        "version": __version__,
        "page_css": (TEMPLATES / "review" / "page.css").read_text(encoding="utf-8"),
        "font_css": font_css,
        "notice": notice,
    }
    nb.metadata["title"] = title
    page, _ = _exporter().from_notebook_node(nb, resources={"review": review})
    return page


def _placeholder(title: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.id = "placeholder"
    html_title = f'<h1 class="ar-title">{html.escape(title)}</h1>'
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_title})]
    nb.cells = [cell]
    return nb


def _template_fingerprint() -> str:
    files_ = sorted(p for p in (TEMPLATES / "review").rglob("*") if p.is_file())
    return fingerprint(__version__, *(p.read_bytes() for p in files_))


def publish(
    sources: list[PageSource],
    *,
    site_title: str,
    nav: list[NavLink],
    year_dir: Path,
    cache_dir: Path | None = None,
) -> list[PageResult]:
    """Render every page and swap the new site in.

    All pages share one embedded font: a subset of Noto Sans SC with the characters the
    site uses. Pages and fonts are cached by content, so unchanged pages are reused.
    """
    cache = Cache(cache_dir)
    base = fingerprint(
        _template_fingerprint(), site_title, *(f"{n.slug}:{n.filename}:{n.text}" for n in nav)
    )
    keyed = [
        (
            source,
            fingerprint(
                base, source.slug, source.title, source.status, source.notebook, *source.sources
            )[:32],
        )
        for source in sources
    ]

    def render(source: PageSource, font_css: str) -> str:
        nb = (
            nbformat.reads(source.notebook.decode("utf-8"), as_version=4)
            if source.notebook
            else _placeholder(source.title)
        )
        return render_page(
            nb,
            slug=source.slug,
            title=source.title,
            site_title=site_title,
            nav=nav,
            build_id=hashlib.sha256(source.notebook).hexdigest()[:12],
            sources=source.sources,
            font_css=font_css,
            notice=NOTICES.get(source.status, ""),
        )

    characters: set[str] = set()
    for source, key in keyed:
        chars = cache.get(f"pages/{key}.chars")
        if chars is None:
            chars = _characters(render(source, ""))
            cache.put(f"pages/{key}.chars", chars)
        characters.update(chars)
    used = "".join(sorted(characters))
    font_key = fingerprint(used)[:24]
    font_css = cache.get(f"fonts/{font_key}.css")
    if font_css is None:
        font_css = fonts.font_face_css(used)
        cache.put(f"fonts/{font_key}.css", font_css)

    written: dict[str, str] = {}
    results = []
    for source, key in keyed:
        name = f"pages/{key}-{font_key}.html"
        text = cache.get(name)
        reused = text is not None
        if text is None:
            text = render(source, font_css)
            cache.put(name, text)
        written[source.filename] = text
        results.append(
            PageResult(
                source.slug, source.filename, len(text.encode("utf-8")), source.status, reused
            )
        )
    write_site(written, year_dir, fingerprint(*(written[n] for n in sorted(written)))[:12])
    return results
