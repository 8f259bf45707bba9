"""Finishing pandoc's output with python-docx (:func:`finish`): the official page setup with
its character grid and the odd and even page-number footers on every section, headings with
nothing but their style's look, an explicit East-Asian font on every run, pictures centred
at automatic line height, tables fitted to the text width with numbers right-aligned, and the
attachment note and signature in place.
"""

from __future__ import annotations

from collections.abc import Iterator

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from lxml import etree

from annual_review.publish.word.footers import write_page_number_footers
from annual_review.publish.word.ooxml import apply_page_setup, set_first_line_chars
from annual_review.publish.word.signature import finish_closing
from annual_review.publish.word.styles import BODY_FONT, BODY_SIZE
from annual_review.publish.word.tables import align_number_cells, fit_tables

# Paragraph styles whose look is the style alone: no direct bold, italics or fonts in runs.
PLAIN_STYLES = ("Title", "Heading 1", "Heading 2", "Attachment Label", "Attachment Title")
_DIRECT_LOOK = ("w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:sz", "w:szCs", "w:color")


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
        for part in (
            section.footer,
            section.even_page_footer,
            section.header,
            section.first_page_footer,
        ):
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


def _plain_headings(document: DocxDocument) -> int:
    """Drop direct run formatting in headings (``<h3><strong>…`` would be bold, 黑体 over
    楷体): their font comes from the style alone. Return how many runs were changed."""
    plain = {name.lower() for name in PLAIN_STYLES}  # built-in names are lower case in XML
    ids = {
        style.get(qn("w:styleId"))
        for style in document.styles.element.findall(qn("w:style"))
        if any(name.lower() in plain for name in style.xpath("./w:name/@w:val"))
    }
    changed = 0
    for paragraph in document.element.body.iter(qn("w:p")):
        if not set(paragraph.xpath("./w:pPr/w:pStyle/@w:val")) & ids:
            continue
        for run in paragraph.iter(qn("w:r")):
            rpr = run.find(qn("w:rPr"))
            direct = [] if rpr is None else [rpr.find(qn(tag)) for tag in _DIRECT_LOOK]
            for element in [d for d in direct if d is not None]:
                rpr.remove(element)
                changed += 1
            if rpr is not None:
                style = rpr.find(qn("w:rStyle"))
                if style is not None:
                    rpr.remove(style)
    return changed


def finish(document: DocxDocument) -> None:
    """Page setup and footers, headings, fonts, pictures, tables, attachment note, signature."""
    for section in document.sections:
        apply_page_setup(section)
    write_page_number_footers(document)
    _plain_headings(document)
    _fit_picture_paragraphs(document)
    fit_tables(document)
    align_number_cells(document)
    finish_closing(document)
    _fill_east_asian_fonts(document)
