"""Tables in the Word file: fitted to the text width with columns sized by their content and
a bold header row (:func:`fit_tables`), and numeric cells right-aligned
(:func:`align_number_cells`, for the cells :func:`exhibits.mark_number_cells` marked).
"""

from __future__ import annotations

from unicodedata import east_asian_width

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Emu, Length
from docx.table import Table

from annual_review.publish.word.exhibits import NUMBER_CELL
from annual_review.publish.word.ooxml import RPR_ORDER, TBLPR_ORDER, child
from annual_review.publish.word.styles import CELL_PADDING, SHORT_HEADER, TABLE_SIZE

NUMBER_STYLE = "Table Number"


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


def fit_tables(document: DocxDocument) -> None:
    """Fit every table to the text width of the first section."""
    section = document.sections[0]
    # set on every section by apply_page_setup before the tables are fitted
    assert section.page_width is not None
    assert section.left_margin is not None
    assert section.right_margin is not None
    text_width = Emu(section.page_width - section.left_margin - section.right_margin)
    for table in document.tables:
        _fit_table(table, text_width)


def _style_id(document: DocxDocument, name: str) -> str | None:
    """The id of the style called ``name`` (pandoc's ids drop the spaces), if any."""
    for style in document.styles.element.findall(qn("w:style")):
        if [n.lower() for n in style.xpath("./w:name/@w:val")] == [name.lower()]:
            return str(style.get(qn("w:styleId")))
    return None


def align_number_cells(document: DocxDocument) -> int:
    """Right-align the table paragraphs whose text is all marked as a number; return how many.

    The paragraphs take the "Table Number" style and the marking character style is dropped.
    """
    marker = _style_id(document, NUMBER_CELL)
    number_style = _style_id(document, NUMBER_STYLE)
    if marker is None or number_style is None:
        return 0
    aligned = 0
    for table in document.element.body.iter(qn("w:tbl")):
        for paragraph in table.iter(qn("w:p")):
            runs = [r for r in paragraph.iter(qn("w:r")) if r.xpath("./w:t")]
            marks = [r.find(f"{qn('w:rPr')}/{qn('w:rStyle')}") for r in runs]
            if not runs or any(m is None or m.get(qn("w:val")) != marker for m in marks):
                continue
            for mark in marks:
                mark.getparent().remove(mark)
            paragraph.get_or_add_pPr().style = number_style
            aligned += 1
    return aligned
