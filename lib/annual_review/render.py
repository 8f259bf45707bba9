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

from . import __version__
from .assets import TEMPLATES
from .publish import NavLink

REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}


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


_FOCUSABLE = re.compile(r'<div class="([^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b)')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
NO_ALT = "No description has been provided for this image"


def accessible(page: str) -> str:
    """HTMLExporter's finishing edits, on the template's markup: alt text for any image
    without one, and keyboard focus for outputs (wide ones scroll).

    >>> page = accessible('<div class="a jp-OutputArea-output"><img src="x.png">')
    >>> page.startswith('<div tabindex="0" class="a jp-OutputArea-output"><img alt="No descr')
    True
    >>> accessible('<img alt="图" src="x.png">')
    '<img alt="图" src="x.png">'
    """
    page = _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', page)
    return _FOCUSABLE.sub(r'<div tabindex="0" class="\1', page)


class ReviewExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last step, a BeautifulSoup round trip.

    ``HTMLExporter.from_notebook_node`` parses every page it made with BeautifulSoup to
    give images without alt text a placeholder and outputs a ``tabindex``, then writes
    the tree out again. A page's charts are inline SVG, thousands of elements, and that
    round trip took two thirds of the page's time; :func:`accessible` makes the same
    two edits on the template's own markup. The rest is ``HTMLExporter``'s method as is
    (nbconvert 7.16–7.17).
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
        return accessible(page), resources


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: compiling the templates costs twice the rendering."""
    exporter = ReviewExporter(
        template_name="review",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",  # ISO 639-1, as nbconvert requires (it turns "zh-CN" into "en")
    )
    exporter.register_preprocessor(StripProvenance(), enabled=True)
    return exporter


def characters(page: str) -> str:
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


def placeholder(title: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.id = "placeholder"
    html_title = f'<h1 class="ar-title">{html.escape(title)}</h1>'
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_title})]
    nb.cells = [cell]
    return nb
