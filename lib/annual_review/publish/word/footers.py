"""Page numbers in the official place (GB/T 9704-2012, 7.5): "— 1 —" in 宋体 4号 under the
type area, on odd pages at the right and on even pages at the left, one character in from
the edge. Word shows a separate even-page footer only when the document settings say
``w:evenAndOddHeaders``; :func:`write_page_number_footers` sets both footers and the flag.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import _Footer
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from annual_review.publish.word.ooxml import (
    set_first_line_chars,
    set_rfonts,
    set_size,
    set_snap_to_grid,
)
from annual_review.publish.word.styles import (
    EM_DASH,
    PAGE_NUMBER_FONT,
    PAGE_NUMBER_INDENT,
    SMALL_SIZE,
)


def _field_run(paragraph: Paragraph, kind: str, instruction: str | None = None) -> None:
    """Append a field-character run (``begin``/``separate``/``end``) or an instruction run."""
    run = paragraph.add_run()
    if instruction is not None:
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = instruction
        run._r.append(instr)
    else:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)


def _write_footer(footer: _Footer, *, odd: bool) -> None:
    """Replace a footer by one "— PAGE —" paragraph, outer edge minus one character."""
    footer.is_linked_to_previous = False
    paragraphs = footer.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for table in footer.tables:
        table._tbl.getparent().remove(table._tbl)
    paragraph = paragraphs[0]
    for element in list(paragraph._p):
        paragraph._p.remove(element)  # the old runs and paragraph properties alike
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    set_first_line_chars(paragraph._p.get_or_add_pPr(), 0, SMALL_SIZE)
    if odd:
        fmt.right_indent = PAGE_NUMBER_INDENT
    else:
        fmt.left_indent = PAGE_NUMBER_INDENT
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    set_snap_to_grid(paragraph._p.get_or_add_pPr(), False)

    paragraph.add_run(f"{EM_DASH} ")
    _field_run(paragraph, "begin")
    _field_run(paragraph, "", " PAGE ")
    _field_run(paragraph, "separate")
    paragraph.add_run("1")
    _field_run(paragraph, "end")
    paragraph.add_run(f" {EM_DASH}")
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        set_rfonts(rpr, PAGE_NUMBER_FONT, latin=PAGE_NUMBER_FONT)
        set_size(rpr, SMALL_SIZE)


def write_page_number_footers(document: DocxDocument) -> None:
    """Odd and even page-number footers on every section, and the setting that shows both."""
    document.settings.odd_and_even_pages_header_footer = True
    for section in document.sections:
        _write_footer(section.footer, odd=True)
        _write_footer(section.even_page_footer, odd=False)
