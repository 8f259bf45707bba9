"""Finishing pandoc's output with python-docx (:func:`finish`): the official page setup and
page-number footer on every section, an explicit East-Asian font on every run, pictures
centred at automatic line height, and tables fitted to the text width with columns sized by
their content and a bold header row.
"""

from __future__ import annotations

from collections.abc import Iterator
from unicodedata import east_asian_width

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu, Length
from docx.table import Table
from lxml import etree

from annual_review.publish.word.ooxml import (
    RPR_ORDER,
    TBLPR_ORDER,
    apply_page_setup,
    child,
    has_page_field,
    set_first_line_chars,
    write_page_number_footer,
)
from annual_review.publish.word.styles import (
    BODY_FONT,
    BODY_SIZE,
    CELL_PADDING,
    SHORT_HEADER,
    TABLE_SIZE,
)


def _style_chain(
    styles_by_id: dict[str, etree._Element], style_id: str | None
) -> Iterator[etree._Element]:
    """The style with ``style_id`` and the styles it is based on, nearest first."""
    seen: set[str] = set()
    while style_id and style_id in styles_by_id and style_id not in seen:
        seen.add(style_id)
        style = styles_by_id[style_id]
        yield style
        based_on = style.find(qn("w:basedOn"))
        style_id = None if based_on is None else based_on.get(qn("w:val"))


def _east_asia_of(style) -> str | None:
    """The ``w:eastAsia`` font named directly by a style element, if any."""
    rfonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def _fill_east_asian_fonts(document: DocxDocument) -> int:
    """Name the East-Asian font on every run that lacks one; return how many were set.

    The font is the one the run would inherit: from its character style, else its paragraph
    style (or the default paragraph style), else the document defaults.
    """
    styles = document.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    default_para = next(
        (
            s.get(qn("w:styleId"))
            for s in by_id.values()
            if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")
        ),
        None,
    )
    (defaults,) = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:rFonts/@w:eastAsia") or [
        BODY_FONT
    ]

    def inherited(style_id: str | None) -> str | None:
        return next(
            (f for f in map(_east_asia_of, _style_chain(by_id, style_id)) if f is not None),
            None,
        )

    parts = [document.element.body]
    for section in document.sections:
        for part in (section.footer, section.header, section.first_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)

    filled = 0
    for root in parts:
        for run in root.iter(qn("w:r")):
            rpr = run.get_or_add_rPr()
            rfonts = rpr.get_or_add_rFonts()
            rfonts.attrib.pop(qn("w:eastAsiaTheme"), None)
            if rfonts.get(qn("w:eastAsia")):
                continue
            run_style = rpr.find(qn("w:rStyle"))
            paragraph = next(run.iterancestors(qn("w:p")), None)
            para_style = None
            if paragraph is not None:
                found = paragraph.xpath("./w:pPr/w:pStyle/@w:val")
                para_style = found[0] if found else default_para
            font = (
                (inherited(run_style.get(qn("w:val"))) if run_style is not None else None)
                or inherited(para_style)
                or defaults
            )
            rfonts.set(qn("w:eastAsia"), font)
            filled += 1
    return filled


def _fit_picture_paragraphs(document: DocxDocument) -> None:
    """Pictures need automatic line height and no indent, whatever their paragraph style."""
    for paragraph in document.element.body.iter(qn("w:p")):
        if not paragraph.xpath(".//w:drawing"):
            continue
        ppr = paragraph.get_or_add_pPr()
        spacing = ppr.get_or_add_spacing()
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
        set_first_line_chars(ppr, 0, BODY_SIZE)
        ppr.jc_val = WD_ALIGN_PARAGRAPH.CENTER


def _display_width(text: str) -> float:
    """Width of ``text`` in characters of the table font (Latin and digits count about half).

    >>> _display_width("行政调解纠纷"), _display_width("14,908")
    (6.0, 3.3)
    """
    return round(sum(1.0 if east_asian_width(ch) in "WF" else 0.55 for ch in text), 2)


def _column_needs(table: Table) -> tuple[list[float], list[float]]:
    """Characters each column needs for its longest body cell and its header.

    A header longer than :data:`SHORT_HEADER` characters may wrap once, so it needs half.
    """
    columns = len(table.columns)
    body: list[float] = [0.0] * columns
    header: list[float] = [0.0] * columns
    for tr in table._tbl.tr_lst:
        target = header if tr.xpath("./w:trPr/w:tblHeader") else body
        column = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            if span == 1 and column < columns:
                width = _display_width("".join(tc.xpath(".//w:t/text()")).strip())
                target[column] = max(target[column], width)
            column += span
    wrapped = [h if h <= SHORT_HEADER else h / 2 for h in header]
    return body, wrapped


def _column_widths(body: list[float], header: list[float], capacity: float) -> list[float]:
    """Share ``capacity`` characters among columns: body cells first, then headers.

    Every column first gets its longest body cell (at least 2 characters) plus padding; what
    is left goes to columns whose header needs more, then to all columns alike. When even the
    body cells do not fit, the columns shrink in proportion.

    >>> _column_widths([4, 2], [12, 2], 14)  # the long header gets the spare room
    [10.5, 3.5]
    >>> _column_widths([2.5, 2.5], [2, 2], 16)  # nothing wants more: shared alike
    [8.0, 8.0]
    >>> _column_widths([10, 10], [2, 2], 10)  # too wide: shrunk in proportion
    [5.0, 5.0]
    """
    base = [max(b, 2.0) + CELL_PADDING for b in body]
    total = sum(base)
    if total >= capacity:
        return [round(capacity * b / total, 2) for b in base]
    spare = capacity - total
    wants = [max(0.0, h + CELL_PADDING - b) for b, h in zip(base, header, strict=True)]
    wanted = sum(wants)
    if wanted >= spare:
        return [round(b + spare * w / wanted, 2) for b, w in zip(base, wants, strict=True)]
    grown = [b + w for b, w in zip(base, wants, strict=True)]
    spare -= wanted
    grown_total = sum(grown)
    return [round(g + spare * g / grown_total, 2) for g in grown]


def _fit_table(table: Table, text_width: Length) -> None:
    """Centre a table across the text width, columns sized by content, header row bold."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    capacity = text_width.pt / TABLE_SIZE.pt
    shares = _column_widths(*_column_needs(table), capacity)
    widths = [Emu(round(text_width * share / sum(shares))) for share in shares]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for tr in table._tbl.tr_lst:
        column = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Emu(sum(widths[column : column + span]))
            column += span
    tbl_w = child(table._tbl.tblPr, "w:tblW", TBLPR_ORDER)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in widths)))
    for tr in table._tbl.tr_lst:
        if tr.xpath("./w:trPr/w:tblHeader"):
            for r in tr.iter(qn("w:r")):
                child(r.get_or_add_rPr(), "w:b", RPR_ORDER)


def _fit_tables(document: DocxDocument) -> None:
    """Fit every table to the text width of the first section."""
    section = document.sections[0]
    # set on every section by apply_page_setup before the tables are fitted
    assert section.page_width is not None
    assert section.left_margin is not None
    assert section.right_margin is not None
    text_width = Emu(section.page_width - section.left_margin - section.right_margin)
    for table in document.tables:
        _fit_table(table, text_width)


def finish(document: DocxDocument) -> None:
    """Official page setup, page numbers, explicit East-Asian fonts, pictures and tables."""
    for section in document.sections:
        apply_page_setup(section)
        if not has_page_field(section):
            write_page_number_footer(section)
    _fit_picture_paragraphs(document)
    _fit_tables(document)
    _fill_east_asian_fonts(document)
