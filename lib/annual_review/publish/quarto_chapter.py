"""One executed notebook as a chapter of the Quarto book, its headings visible to Pandoc.

The report's text is stored HTML in the code cells' outputs. Quarto hands such an output
to Pandoc as a raw HTML block, which Pandoc never reads: a heading inside it makes no
entry in the table of contents, no section and no link. Each report block, however,
declares its headings in its output's metadata (``metadata.annual_review.headings``, a
list of ``[level, anchor, text]``), and each such heading opens the block's HTML
(``blocks.block.heading`` writes it first, perhaps inside the block's ``<section>``).

So for every output that declares headings the chapter gets, just before that code
cell, a Markdown cell with the same headings as Markdown (``## 一、… {#part-1}``: same
level, same anchor, same text), and the heading elements are taken out of the stored
HTML. Each heading is then shown once, by Pandoc, in Quarto's own markup, at the same
place; the table of contents and the anchors (``#part-1``) are Quarto's. A declared
heading that does not open its block, or is missing from it, is a fault of the block
and stops the export (``PublishError``): moving it would change the order of the text.

A chapter has one H1, its Markdown title ``# <unit name>`` (Quarto takes a chapter's
title from it). The report's masthead, stored as ``<h1 class="ar-title">`` for the
intranet page, becomes ``<p class="ar-title">`` in the chapter: the same words and
look, no second H1.
"""

from __future__ import annotations

import html
import re

import nbformat

from annual_review.core.errors import PublishError
from annual_review.inputs.region import Unit
from annual_review.publish.render import StripProvenance

HEADING_CELL_ID = "chapter-heading"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~^$@:\"'=&])")
_OPENING_TAG = re.compile(r"\s*<(?!/)(?:section|div|header|article)\b[^>]*>\s*", re.IGNORECASE)
_H1 = re.compile(r"<h1\b([^>]*)>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)


def markdown_text(text: str) -> str:
    """Heading text escaped for Pandoc's Markdown (ASCII punctuation backslashed).

    >>> markdown_text("一、*重点* [2024] #1")
    '一、\\\\*重点\\\\* \\\\[2024\\\\] \\\\#1'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown_heading(level: int, anchor: str, text: str) -> str:
    """A Markdown ATX heading with its anchor as Pandoc's identifier attribute.

    >>> markdown_heading(2, "part-1", "一、党政主要负责人履行职责情况")
    '## 一、党政主要负责人履行职责情况 {#part-1}'
    """
    if not 1 <= level <= 6 or not re.fullmatch(r"[A-Za-z][\w.:-]*", anchor):
        raise ValueError(f"not a heading Markdown can carry: level {level}, anchor {anchor!r}")
    return f"{'#' * level} {markdown_text(text)} {{#{anchor}}}"


def take_leading_headings(page: str, declared: list[tuple[int, str, str]]) -> str:
    """``page`` without the ``declared`` heading elements, which must open it in order
    (wrapper tags such as ``<section …>`` may come before each); raises ``ValueError``.

    >>> take_leading_headings('<section class="x"><h3 id="t">表</h3><table></table></section>',
    ...                       [(3, "t", "表")])
    '<section class="x"><table></table></section>'
    >>> take_leading_headings('<p>前言</p><h2 id="a">甲</h2>', [(2, "a", "甲")])
    Traceback (most recent call last):
    ValueError: heading 'a' does not open the block
    """
    at = 0
    for level, anchor, _text in declared:
        while match := _OPENING_TAG.match(page, at):
            at = match.end()
        element = re.compile(
            rf"\s*<h{level}\b[^>]*\bid=\"{re.escape(anchor)}\"[^>]*>.*?</h{level}\s*>\s*",
            re.IGNORECASE | re.DOTALL,
        )
        match = element.match(page, at)
        if match is None:
            raise ValueError(f"heading {anchor!r} does not open the block")
        page = page[:at] + page[match.end() :]
    return page


def masthead_as_paragraph(page: str) -> str:
    """Every stored ``<h1>`` as a ``<p>`` with the same attributes and content.

    >>> masthead_as_paragraph('<h1 class="ar-title">海宁市2024年报告</h1><p>正文</p>')
    '<p class="ar-title">海宁市2024年报告</p><p>正文</p>'
    """
    return _H1.sub(r"<p\1>\2</p>", page)


def _html_of(output) -> str | None:
    data = output.get("data", {})
    if "text/html" not in data:
        return None
    value = data["text/html"]
    return "".join(value) if isinstance(value, list) else value


def _new_id(base: str, ids: set) -> str:
    cell_id, n = base, 1
    while cell_id in ids:
        n += 1
        cell_id = f"{base}-{n}"
    ids.add(cell_id)
    return cell_id


def _markdown_cell(source: str, base_id: str, ids: set, with_ids: bool):
    cell = nbformat.v4.new_markdown_cell(source)
    if with_ids:
        cell["id"] = _new_id(base_id, ids)
    else:
        cell.pop("id", None)
    return cell


def chapter_notebook(source: bytes | str, unit: Unit):
    """A publishable copy of one executed notebook: headed ``# <unit name>``, parameters
    and provenance removed, declared headings moved into Markdown (see the module)."""
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    nb = nbformat.reads(text, as_version=4)
    nb, _ = StripProvenance().preprocess(nb, {})
    ids = {cell.get("id") for cell in nb.cells} - {None}
    with_ids = nb.nbformat_minor >= 5 or bool(ids)
    cells = [_markdown_cell(f"# {unit.name}", HEADING_CELL_ID, ids, with_ids)]
    for cell in nb.cells:
        moved: list[str] = []
        for output in cell.get("outputs", []):
            page = _html_of(output)
            if page is None:
                continue
            meta = output.get("metadata", {}).get("annual_review", {})
            declared = [(int(h[0]), str(h[1]), str(h[2])) for h in meta.get("headings", [])]
            try:
                page = take_leading_headings(page, declared)
            except ValueError as e:
                where = f"{unit.name}, cell {cell.get('id') or nb.cells.index(cell)}"
                raise PublishError(f"{where}: {e}; a block's headings must come first") from None
            moved += [markdown_heading(*h) for h in declared]
            output["data"]["text/html"] = masthead_as_paragraph(page)
        if moved:
            base = f"{cell.get('id') or 'cell'}-headings"
            cells.append(_markdown_cell("\n\n".join(moved), base, ids, with_ids))
        cells.append(cell)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def chapter_characters(nb) -> str:
    """Every non-ASCII character a chapter shows (a superset: all its text and outputs).

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 海宁 &amp;")])
    >>> chapter_characters(nb)
    '宁海'
    """
    texts = [cell.source for cell in nb.cells]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            page = _html_of(output)
            if page is not None:
                texts.append(html.unescape(page))
    return "".join(sorted({ch for t in texts for ch in t if ord(ch) > 0x7E}))
