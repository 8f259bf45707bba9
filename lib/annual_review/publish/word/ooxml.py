"""Low-level OOXML helpers that put the official format into a python-docx document: child
elements at their schema position, East-Asian fonts (``w:eastAsia``, theme fonts dropped),
sizes and first-line indents, the paragraph styles of a :class:`StyleSpec`, the document
defaults, ruled tables, the A4 page setup and the "— PAGE —" footer.
"""

from __future__ import annotations

from typing import cast

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from annual_review.publish.word.styles import (
    BODY_FONT,
    BODY_SIZE,
    EM_DASH,
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    LATIN_FONT,
    LINE_PITCH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_NUMBER_FONT,
    PAGE_WIDTH,
    SMALL_SIZE,
    StyleSpec,
)

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

# Schema order of the children we add (OOXML is strict about it).
RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
    "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof",
    "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern",
    "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)  # fmt: skip
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
    "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
)  # fmt: skip
TBLSTYLEPR_ORDER = ("w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr")
SECTPR_TAIL = ("w:docGrid", "w:printerSettings", "w:sectPrChange")


def child(parent, tag: str, order: tuple[str, ...]):
    """The ``tag`` child of ``parent``, created at its schema position if missing."""
    existing = parent.find(qn(tag))
    if existing is not None:
        return existing
    element = OxmlElement(tag)
    later = {qn(t) for t in order[order.index(tag) + 1 :]}
    anchor = next((c for c in parent if c.tag in later), None)
    if anchor is not None:
        anchor.addprevious(element)
    else:
        parent.append(element)
    return element


def _set_rfonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the East-Asian and Latin fonts on an ``w:rPr``, dropping theme fonts."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _set_size(rpr, size: Length) -> None:
    """Set both the Latin and the complex-script size of an ``w:rPr``."""
    half_points = str(round(size.pt * 2))
    for tag in ("w:sz", "w:szCs"):
        child(rpr, tag, RPR_ORDER).set(qn("w:val"), half_points)


def _black(rpr) -> None:
    """Replace a (theme) text colour by plain black."""
    color = child(rpr, "w:color", RPR_ORDER)
    color.attrib.clear()
    color.set(qn("w:val"), "000000")


def set_first_line_chars(ppr, chars: int, size: Length) -> None:
    """First-line indent in characters (``w:firstLineChars``), with the twips as fallback."""
    ind = ppr.get_or_add_ind()
    ind.attrib.pop(qn("w:hanging"), None)
    ind.attrib.pop(qn("w:hangingChars"), None)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(round(size.pt * chars * 20)))


def _style(document: DocxDocument, spec: StyleSpec) -> ParagraphStyle:
    """The paragraph style named in ``spec``, created if the document lacks it."""
    styles = document.styles
    by_name = {s.name: s for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    if spec.name in by_name:
        # python-docx builds a ParagraphStyle for every style of paragraph type.
        return cast(ParagraphStyle, by_name[spec.name])
    style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = by_name[spec.based_on or "Normal"]
    style.quick_style = True
    return style


def apply_spec(document: DocxDocument, spec: StyleSpec) -> None:
    """Give one paragraph style (and its linked character style) the official look."""
    style = _style(document, spec)
    rpr = style.element.get_or_add_rPr()
    if spec.east_asia is not None:
        _set_rfonts(rpr, spec.east_asia)
    if spec.size is not None:
        _set_size(rpr, spec.size)
    if spec.bold is not None:
        style.font.bold = spec.bold
    if spec.italic is not None:
        style.font.italic = spec.italic
    _black(rpr)

    fmt = style.paragraph_format
    if spec.align is not None:
        fmt.alignment = spec.align
    if spec.indent_chars is not None:
        set_first_line_chars(style.element.get_or_add_pPr(), spec.indent_chars, BODY_SIZE)
    if spec.single:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    elif spec.line is not None:
        fmt.line_spacing = spec.line
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if spec.before is not None:
        fmt.space_before = spec.before
    if spec.after is not None:
        fmt.space_after = spec.after
    if spec.keep_with_next is not None:
        fmt.keep_with_next = spec.keep_with_next
    ppr = style.element.get_or_add_pPr()
    for contextual in ppr.findall(qn("w:contextualSpacing")):
        ppr.remove(contextual)

    link = style.element.find(qn("w:link"))
    if link is not None:
        linked = document.styles.element.get_by_id(link.get(qn("w:val")))
        if linked is not None and linked.type == WD_STYLE_TYPE.CHARACTER:
            linked_rpr = linked.get_or_add_rPr()
            if spec.east_asia is not None:
                _set_rfonts(linked_rpr, spec.east_asia)
            if spec.size is not None:
                _set_size(linked_rpr, spec.size)
            _black(linked_rpr)


def set_doc_defaults(document: DocxDocument) -> None:
    """Body fonts and no paragraph spacing as the document defaults (no theme fonts)."""
    styles = document.styles.element
    (rpr,) = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")
    _set_rfonts(rpr, BODY_FONT)
    _set_size(rpr, BODY_SIZE)
    child(rpr, "w:lang", RPR_ORDER).set(qn("w:eastAsia"), "zh-CN")
    for spacing in styles.xpath("./w:docDefaults/w:pPrDefault/w:pPr/w:spacing"):
        spacing.set(qn("w:after"), "0")


def _border(tag: str, size_eighths: int = 4) -> etree._Element:
    """One single-line border element (``size_eighths`` in eighths of a point)."""
    element = OxmlElement(tag)
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size_eighths))
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), "000000")
    return element


def style_table(document: DocxDocument) -> None:
    """Ruled, centred tables with a bold header row (pandoc's "Table" style)."""
    table = document.styles.element.get_by_id("Table")
    if table is None:
        return
    tblpr = child(table, "w:tblPr", ("w:name", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr"))
    child(tblpr, "w:jc", TBLPR_ORDER).set(qn("w:val"), "center")
    old_borders = tblpr.find(qn("w:tblBorders"))
    if old_borders is not None:
        tblpr.remove(old_borders)
    borders = child(tblpr, "w:tblBorders", TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_border(f"w:{side}"))
    for first_row in table.xpath("./w:tblStylePr[@w:type='firstRow']"):
        rpr = child(first_row, "w:rPr", TBLSTYLEPR_ORDER)
        child(rpr, "w:b", RPR_ORDER)
        for vertical in first_row.findall(f"{qn('w:tcPr')}/{qn('w:vAlign')}"):
            vertical.set(qn("w:val"), "center")


def apply_page_setup(section: Section) -> None:
    """A4 portrait and the official margins for one section.

    The 22 lines a page come from the exact 28.95 pt line spacing of the styles, not from a
    document grid: a line grid makes LibreOffice push charts to the next page, and a
    character grid (28 a line) spreads the characters out there. ``w:docGrid`` keeps the
    line pitch without switching a grid on.
    """
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = PAGE_WIDTH
    section.page_height = PAGE_HEIGHT
    section.top_margin = MARGIN_TOP
    section.bottom_margin = MARGIN_BOTTOM
    section.left_margin = MARGIN_LEFT
    section.right_margin = MARGIN_RIGHT
    section.header_distance = HEADER_DISTANCE
    section.footer_distance = FOOTER_DISTANCE
    section.gutter = Mm(0)
    grid = child(section._sectPr, "w:docGrid", SECTPR_TAIL)
    grid.attrib.clear()
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))


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


def has_page_field(section: Section) -> bool:
    """Whether the section's own footer already shows a PAGE field."""
    if section.footer.is_linked_to_previous:
        return False
    element = section.footer._element
    instructions = "".join(element.xpath(".//w:instrText/text()"))
    simple = [f.get(qn("w:instr"), "") for f in element.iter(qn("w:fldSimple"))]
    return any("PAGE" in text.split() for text in [instructions, *simple])


def write_page_number_footer(section: Section) -> None:
    """Replace the section's footer by a centred "— PAGE —" in 宋体 4号."""
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraphs = footer.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for table in footer.tables:
        table._tbl.getparent().remove(table._tbl)
    paragraph = paragraphs[0]
    for child in list(paragraph._p):
        if child.tag != qn("w:pPr"):
            paragraph._p.remove(child)
    paragraph._p.get_or_add_pPr().style = None  # python-docx's "Footer" is not defined here
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_first_line_chars(paragraph._p.get_or_add_pPr(), 0, BODY_SIZE)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)

    paragraph.add_run(f"{EM_DASH} ")
    _field_run(paragraph, "begin")
    _field_run(paragraph, "", " PAGE ")
    _field_run(paragraph, "separate")
    paragraph.add_run("1")
    _field_run(paragraph, "end")
    paragraph.add_run(f" {EM_DASH}")
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        _set_rfonts(rpr, PAGE_NUMBER_FONT, latin=PAGE_NUMBER_FONT)
        _set_size(rpr, SMALL_SIZE)
