"""One page from a notebook: nbconvert's template with the exporter's finishing edits."""

from __future__ import annotations

import base64
import re

import nbformat
from annual_review.blocks import charts
from annual_review.publish import render
from annual_review.publish.render import NO_ALT, render_page
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

PAGE = {"slug": "x", "title": "标题", "site_title": "站点", "nav": [], "build_id": "0"}


def _notebook_with_a_bare_image():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plt.plot([1, 2])")
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "fig"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>正文</p>"}),
    ]
    nb.cells = [cell]
    return nb


def test_images_without_alt_text_get_one() -> None:
    page = render_page(_notebook_with_a_bare_image(), **PAGE)
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 1 and f'alt="{NO_ALT}"' in images[0]
    assert "<p>正文</p>" in page and "plt.plot" not in page  # outputs only, inputs left out


def test_the_page_is_nbconverts_page_without_the_soup_round_trip(monkeypatch) -> None:
    """Guards the part of HTMLExporter.from_notebook_node that ReviewExporter repeats."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("review.chart()")
    chart = charts.Chart.of(charts.rate_bars, "比率", ["纠错率", "调解率"], [12.5, 42.46])
    figure = charts.figure_html(chart, alt="比率：纠错率12.50%", caption="比率", figure_id="c")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": figure + "<p>正文&amp;</p>"}),
        nbformat.v4.new_output("stream", name="stdout", text="printed\n"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## 说明 *强调*"), cell]
    ours = render_page(nb, **PAGE)
    plain = render.new_exporter(HTMLExporter)
    monkeypatch.setattr(render, "_exporter", lambda: plain)
    theirs = render_page(nb, **PAGE)
    # the soup round trip adds no tabindex of its own: only the chart box's one is there
    assert "<svg" in ours and theirs.count("tabindex") == 1
    assert str(BeautifulSoup(ours, "html.parser")) == theirs


def test_pages_declare_their_language_as_chinese() -> None:
    """Browsers pick CJK fonts and screen readers their voice by the page's language."""
    assert '<html lang="zh">' in render_page(_notebook_with_a_bare_image(), **PAGE)
