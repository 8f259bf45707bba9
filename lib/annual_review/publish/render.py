"""Render one page of the site from a notebook with nbconvert and the ``review`` template.

Each output transformation is a small preprocessor step (``StripProvenance`` drops the
parameter cells and papermill's metadata); branding lives in the template's blocks.
"""

from __future__ import annotations

import copy
import html
import re
from functools import lru_cache

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor

from annual_review import __version__
from annual_review.blocks.block import NOT_PUBLISHED, PAGE_HTML
from annual_review.publish.assets import TEMPLATES
from annual_review.publish.site import NavLink

REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}


class StripProvenance(Preprocessor):
    """Drop parameter cells, analyst notes and papermill's metadata from a notebook, and
    give chart outputs back the page's HTML (inline SVG) the notebook shows as images."""

    def preprocess(self, nb, resources):
        nb.cells = [
            c for c in nb.cells if not REMOVED_TAGS & set(c.get("metadata", {}).get("tags", []))
        ]
        nb.metadata.pop("papermill", None)
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
            if "outputs" in cell:  # the analyst's own outputs go; charts get their inline SVG
                cell.outputs = [o for o in cell.outputs if not _notebook_only(o)]
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if PAGE_HTML in data:
                    data["text/html"] = data.pop(PAGE_HTML)
        return nb, resources


def _notebook_only(output) -> bool:
    return bool(output.get("metadata", {}).get("annual_review", {}).get(NOT_PUBLISHED))


def headings(nb) -> list[tuple[int, str, str]]:
    """The headings that the report blocks declared in their output metadata."""
    found: list[tuple[int, str, str]] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("annual_review", {})
            found.extend(tuple(h) for h in meta.get("headings", []))
    return found


_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ALT = re.compile(r"\salt\b", re.IGNORECASE)
NO_ALT = "No description has been provided for this image"


def with_alt_text(page: str) -> tuple[str, int]:
    """Give every ``<img>`` without an ``alt`` attribute nbconvert's placeholder; return
    the page and how many images needed it (what HTMLExporter does with BeautifulSoup).

    >>> page, missing = with_alt_text('<img src="x"><IMG title="a>b" ALT="图"><img alt src=z>')
    >>> missing, page.replace(NO_ALT, "…")
    (1, '<img alt="…" src="x"><IMG title="a>b" ALT="图"><img alt src=z>')
    """
    missing = 0

    def fill(match: re.Match) -> str:
        nonlocal missing
        tag = match.group(0)
        if _ALT.search(_QUOTED.sub('""', tag)):
            return tag
        missing += 1
        return f'{tag[:4]} alt="{NO_ALT}"{tag[4:]}'

    return _IMG_TAG.sub(fill, page), missing


_REPORT_TABLE = re.compile(
    r"""<table\b[^>]*\bclass="(?:[^"]*\s)?ar-table(?:\s[^"]*)?"[^>]*>.*?</table>""",
    re.IGNORECASE | re.DOTALL,
)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def in_scroll_boxes(page: str) -> str:
    """Put every report table (``table.ar-table``) in a box of its own that scrolls sideways
    on a narrow screen; the box can take the keyboard focus and is named by the caption,
    so a keyboard or screen reader user can reach and scroll it too (page.css styles it).

    >>> boxed = in_scroll_boxes('<p>x</p><table class="ar-table ar-wide"><caption>指标'
    ...                         '<sup>*</sup></caption><tr><td>1</td></tr></table>')
    >>> print(boxed.split("<table")[0], boxed[-14:])
    <p>x</p><div class="ar-scroll" tabindex="0" role="region" aria-label="指标*"> </table></div>
    >>> in_scroll_boxes('<table class="other"></table>')
    '<table class="other"></table>'
    """

    def box(match: re.Match) -> str:
        table = match.group(0)
        caption = _CAPTION.search(table)
        name = html.unescape(_TAG.sub("", caption.group(1))).strip() if caption else ""
        label = html.escape(name or "表格", quote=True)
        opening = f'<div class="ar-scroll" tabindex="0" role="region" aria-label="{label}">'
        return f"{opening}{table}</div>"

    return _REPORT_TABLE.sub(box, page)


class ReviewExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last step, a BeautifulSoup round trip.

    ``HTMLExporter.from_notebook_node`` parses every page it made with BeautifulSoup to
    give images without alt text a placeholder and cells inside ``.jp-Notebook`` a
    ``tabindex``, then writes the tree out again. A page's charts are inline SVG,
    thousands of elements, and that round trip took two thirds of the page's time. The
    review template has no ``.jp-Notebook`` element, so only the alt text applies;
    :func:`with_alt_text` adds it on the template's own markup. The rest is
    ``HTMLExporter``'s method as is (nbconvert 7.16–7.17, pinned below 7.18; a test
    compares the two exporters' pages).
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name", None))
        highlight = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight)
        self.register_filter("filter_data_type", data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page, missing = with_alt_text(page)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return page, resources


EXPORTER_OPTIONS = {
    "template_name": "review",
    "extra_template_basedirs": [str(TEMPLATES)],
    "exclude_input": True,
    "exclude_input_prompt": True,
    "exclude_output_prompt": True,
    "language_code": "zh",  # ISO 639-1, as nbconvert requires (it turns "zh-CN" into "en")
}


def new_exporter(kind: type[HTMLExporter] | None = None) -> HTMLExporter:
    """An exporter for the review pages (a :class:`ReviewExporter` unless ``kind`` says)."""
    exporter = (kind or ReviewExporter)(**EXPORTER_OPTIONS)
    exporter.register_preprocessor(StripProvenance(), enabled=True)
    return exporter


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: compiling the templates costs twice the rendering."""
    return new_exporter()


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
    return in_scroll_boxes(page)


def placeholder(title: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.id = "placeholder"
    html_title = f'<h1 class="ar-title">{html.escape(title)}</h1>'
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_title})]
    nb.cells = [cell]
    return nb
