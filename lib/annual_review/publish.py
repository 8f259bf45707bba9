"""Publish executed notebooks as a self-contained intranet site.

Each page is one notebook rendered with the ``review`` template (see :mod:`.render`): no
code, no parameters cell, no papermill metadata, nothing loaded from outside the page.
Pages are cached by content, so an unchanged page is reused without rendering; all
pages share one embedded font (a subset of Noto Sans SC with the site's characters).
Pages stream into a staging folder one at a time, which is swapped in at the end, so
memory does not grow with the number of pages and readers never see a half-written site.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache, fingerprint
from .region import Unit
from .render import NavLink
from .site import SiteWriter

__all__ = ["NavLink", "PageResult", "PageSource", "page_filename", "publish"]

NOTICES = {
    "stale": "本页内容未随本次构建更新：本单位本次生成失败，以下为上一次成功生成的报告。",
    "missing": "本单位报告暂缺：生成失败，尚无可发布的版本。请联系报告编制人员。",
}


@dataclass(frozen=True)
class PageSource:
    """What one page is made from: a notebook and the status of its run.

    ``notebook`` is a path to read, or ``content`` the notebook itself (pages made from
    data). ``status`` is ``ok``, ``stale`` (this build's run failed; the last good
    notebook is shown, marked out of date) or ``missing`` (nothing good yet).
    """

    slug: str
    filename: str
    title: str
    notebook: Path | None = None
    content: bytes | None = None
    status: str = "ok"
    sources: tuple[str, ...] = ()

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        return self.notebook.read_bytes() if self.notebook and self.notebook.is_file() else b""


@dataclass(frozen=True)
class PageResult:
    """A written page: its size in bytes, status and whether it came from the cache."""

    slug: str
    filename: str
    size: int
    status: str = "ok"
    reused: bool = False


def page_filename(unit: Unit) -> str:
    """The city is ``index.html``; a township is ``<slug>.html``."""
    return "index.html" if unit.level == "city" else f"{unit.slug}.html"


def _render(
    source: PageSource, raw: bytes, *, site_title: str, nav: list[NavLink], font_css: str
) -> str:
    import nbformat

    from .render import placeholder, render_page

    nb = nbformat.reads(raw.decode("utf-8"), as_version=4) if raw else placeholder(source.title)
    return render_page(
        nb,
        slug=source.slug,
        title=source.title,
        site_title=site_title,
        nav=nav,
        build_id=hashlib.sha256(raw).hexdigest()[:12],
        sources=source.sources,
        font_css=font_css,
        notice=NOTICES.get(source.status, ""),
    )


def publish(
    sources: list[PageSource],
    *,
    site_title: str,
    nav: list[NavLink],
    year_dir: Path,
    cache_dir: Path | None = None,
    on_page: Callable[[PageResult], None] | None = None,
) -> list[PageResult]:
    """Render every page (reusing unchanged ones) and swap the new site in."""
    from .render import characters, template_fingerprint

    cache = Cache(cache_dir)
    base = fingerprint(
        template_fingerprint(), site_title, *(f"{n.slug}:{n.filename}:{n.text}" for n in nav)
    )

    def key(source: PageSource, raw: bytes) -> str:
        return fingerprint(base, source.slug, source.title, source.status, raw, *source.sources)[
            :32
        ]

    def render(source: PageSource, raw: bytes, font_css: str) -> str:
        return _render(source, raw, site_title=site_title, nav=nav, font_css=font_css)

    used: set[str] = set()
    for source in sources:
        raw = source.read()
        page_key = key(source, raw)
        chars = cache.get(f"pages/{page_key}.chars")
        if chars is None:
            chars = characters(render(source, raw, ""))
            cache.put(f"pages/{page_key}.chars", chars)
        used.update(chars)
    font_key, font_css = _font(cache, "".join(sorted(used)))

    results = []
    with SiteWriter(year_dir) as site:
        for source in sources:
            raw = source.read()
            name = f"pages/{key(source, raw)}-{font_key}.html"
            text = cache.get(name)
            reused = text is not None
            if text is None:
                text = render(source, raw, font_css)
                cache.put(name, text)
            site.add(source.filename, text)
            result = PageResult(
                source.slug, source.filename, len(text.encode("utf-8")), source.status, reused
            )
            results.append(result)
            if on_page:
                on_page(result)
    return results


def _font(cache: Cache, used: str) -> tuple[str, str]:
    font_key = fingerprint(used)[:24]
    font_css = cache.get(f"fonts/{font_key}.css")
    if font_css is None:
        from . import fonts

        font_css = fonts.font_face_css(used)
        cache.put(f"fonts/{font_key}.css", font_css)
    return font_key, font_css
