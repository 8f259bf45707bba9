"""One page from a notebook: nbconvert's template with the exporter's finishing edits."""

from __future__ import annotations

import base64
import re

import nbformat
from annual_review.render import NO_ALT, render_page


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


def test_images_without_alt_text_get_one_and_outputs_take_keyboard_focus() -> None:
    page = render_page(
        _notebook_with_a_bare_image(),
        slug="x",
        title="标题",
        site_title="站点",
        nav=[],
        build_id="0",
    )
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 1 and f'alt="{NO_ALT}"' in images[0]
    outputs = re.findall(r'<div [^>]*class="[^"]*jp-OutputArea-output[^"]*"', page)
    assert len(outputs) == 2 and all('tabindex="0"' in o for o in outputs)
    assert "<p>正文</p>" in page and "plt.plot" not in page  # outputs only, inputs left out


def test_pages_declare_their_language_as_chinese() -> None:
    """Browsers pick CJK fonts and screen readers their voice by the page's language."""
    nb = _notebook_with_a_bare_image()
    page = render_page(nb, slug="x", title="标题", site_title="站点", nav=[], build_id="0")
    assert '<html lang="zh">' in page
