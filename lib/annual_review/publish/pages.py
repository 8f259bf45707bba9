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
import json
from concurrent.futures import as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from annual_review.core.cache import Cache, fingerprint
from annual_review.inputs.region import Unit
from annual_review.publish.assets import TEMPLATES, template_fingerprint
from annual_review.publish.site import NavLink, SiteWriter

__all__ = [
    "NavLink",
    "PageResult",
    "PageSource",
    "SiteJob",
    "page_filename",
    "publish_sites",
]

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


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


def page_characters(
    raw: bytes, source: PageSource, site_title: str, nav: list[NavLink], template_text: str
) -> str:
    """Every non-ASCII character a page can show, without rendering it.

    A superset is fine: the notebook's strings (outputs and sources), the title, the
    navigation, the data sources, the notices and the template's own text.
    """
    texts = [source.title, site_title, template_text, *source.sources, *NOTICES.values()]
    texts += [n.text for n in nav]
    if raw:
        texts += _strings(json.loads(raw.decode("utf-8")))
    return "".join(sorted({ch for text in texts for ch in text if ord(ch) > 0x7E}))


@dataclass(frozen=True)
class SiteJob:
    """One region's site: its pages, title, navigation and output folder."""

    sources: list[PageSource]
    site_title: str
    nav: list[NavLink]
    year_dir: Path


@lru_cache(maxsize=4)
def _font_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _render(source: PageSource, raw: bytes, site_title: str, nav: list[NavLink], font: str) -> str:
    """One page; ``font`` is the @font-face CSS, or the path of a file holding it."""
    import nbformat

    from annual_review.publish.render import placeholder, render_page

    font_css = font if font.startswith("@font-face") or not font else _font_file(font)
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


def publish_sites(
    sites: list[SiteJob], *, cache_dir: Path | None = None, pool=None, characters: str | None = None
) -> list[list[PageResult]]:
    """Render several sites with one shared embedded font; unchanged pages are reused.

    ``characters`` are the characters the font must cover (a superset is fine); without
    them they are collected from the pages. Pages to render go to ``pool`` (an executor
    with ``submit``) when given; each finished page goes straight to its site's staging
    folder, so memory does not grow with the number of pages.
    """
    cache = Cache(cache_dir)
    template = template_fingerprint()
    template_text = (TEMPLATES / "review" / "index.html.j2").read_text(encoding="utf-8")
    keys: list[list[str]] = []
    used: set[str] = set(characters or "")
    for site in sites:
        base = fingerprint(
            template, site.site_title, *(f"{n.slug}:{n.filename}:{n.text}" for n in site.nav)
        )
        site_keys = []
        for source in site.sources:
            raw = source.read()
            key = fingerprint(base, source.slug, source.title, source.status, raw, *source.sources)[
                :32
            ]
            if characters is None:
                chars = cache.get(f"pages/{key}.chars")
                if chars is None:
                    chars = page_characters(raw, source, site.site_title, site.nav, template_text)
                    cache.put(f"pages/{key}.chars", chars)
                used.update(chars)
            site_keys.append(key)
        keys.append(site_keys)
    font_key, font_css = font_for(cache, "".join(sorted(used)))
    font_path = cache.path(f"fonts/{font_key}.css")
    font = str(font_path) if font_path is not None else font_css
    return [
        _write_site(site, site_keys, font_key, font, cache, pool)
        for site, site_keys in zip(sites, keys, strict=True)
    ]


def _write_site(
    site: SiteJob, keys: list[str], font_key: str, font: str, cache: Cache, pool
) -> list[PageResult]:
    results: dict[str, PageResult] = {}
    missing = []
    with SiteWriter(site.year_dir) as writer:

        def done(source: PageSource, text: str, reused: bool) -> None:
            writer.add(source.filename, text)
            results[source.filename] = PageResult(
                source.slug, source.filename, len(text.encode("utf-8")), source.status, reused
            )

        for source, key in zip(site.sources, keys, strict=True):
            name = f"pages/{key}-{font_key}.html"
            text = cache.get(name)
            if text is None:
                missing.append((source, name))
            else:
                done(source, text, True)
        for source, name, text in _render_many(missing, site, font, pool):
            cache.put(name, text)
            done(source, text, False)
    return [results[s.filename] for s in site.sources]


def _render_many(missing, site: SiteJob, font: str, pool):
    """Render pages here, or on ``pool`` when there are several."""
    if pool is None or len(missing) < 3:
        for source, name in missing:
            yield source, name, _render(source, source.read(), site.site_title, site.nav, font)
        return
    futures = {
        pool.submit(_render, source, source.read(), site.site_title, site.nav, font): (source, name)
        for source, name in missing
    }
    for future in as_completed(futures):
        source, name = futures.pop(future)
        yield source, name, future.result()


def font_for(cache: Cache, used: str) -> tuple[str, str]:
    """The key and @font-face CSS of the subset for ``used`` characters (cached)."""
    font_key = fingerprint(used)[:24]
    font_css = cache.get(f"fonts/{font_key}.css")
    if font_css is None:
        from annual_review.publish import fonts

        font_css = fonts.font_face_css(used)
        cache.put(f"fonts/{font_key}.css", font_css)
    return font_key, font_css
