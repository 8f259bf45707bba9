"""Low-level OOXML helpers that put the official format into a python-docx document: child
elements at their schema position, East-Asian fonts (``w:eastAsia``, theme fonts dropped),
sizes and indents in characters, the paragraph styles of a :class:`StyleSpec`, the document
defaults, ruled tables and the A4 page setup with its 22 × 28 character grid.
"""

from __future__ import annotations

from typing import cast

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm
from docx.styles.style import ParagraphStyle
from lxml import etree

from annual_review.publish.word.styles import (
    BODY_FONT,
    BODY_SIZE,
    CHAR_SPACING,
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    LATIN_FONT,
    LINE_PITCH_TWIPS,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
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
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
    "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
    "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
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


def set_rfonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the East-Asian and Latin fonts on an ``w:rPr``, dropping theme fonts."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def set_size(rpr, size: Length) -> None:
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


def _chars_twips(chars: float, size: Length) -> str:
    """A length of ``chars`` characters of ``size``, in twips (the fallback of ``…Chars``)."""
    return str(round(size.pt * chars * 20))


def set_right_chars(ppr, chars: float, size: Length = BODY_SIZE) -> None:
    """Right indent in characters (``w:rightChars``), with the twips as fallback."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:rightChars"), str(round(chars * 100)))
    ind.set(qn("w:right"), _chars_twips(chars, size))


def set_left_hanging_chars(ppr, left: float, hanging: float = 0, size: Length = BODY_SIZE) -> None:
    """Left indent and hanging first line in characters, with the twips as fallback."""
    ind = ppr.get_or_add_ind()
    for attr in ("w:firstLine", "w:firstLineChars", "w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attr), None)
    ind.set(qn("w:leftChars"), str(round(left * 100)))
    ind.set(qn("w:left"), _chars_twips(left, size))
    if hanging:
        ind.set(qn("w:hangingChars"), str(round(hanging * 100)))
        ind.set(qn("w:hanging"), _chars_twips(hanging, size))
    else:
        ind.set(qn("w:firstLineChars"), "0")
        ind.set(qn("w:firstLine"), "0")


def set_snap_to_grid(ppr, snap: bool) -> None:
    """Whether a paragraph's lines and characters follow the document grid."""
    element = child(ppr, "w:snapToGrid", PPR_ORDER)
    element.set(qn("w:val"), "1" if snap else "0")


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
        set_rfonts(rpr, spec.east_asia)
    if spec.size is not None:
        set_size(rpr, spec.size)
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
    if spec.page_break_before is not None:
        fmt.page_break_before = spec.page_break_before
    ppr = style.element.get_or_add_pPr()
    if spec.right_chars is not None:
        set_right_chars(ppr, spec.right_chars)
    if spec.snap_to_grid is not None:
        set_snap_to_grid(ppr, spec.snap_to_grid)
    for contextual in ppr.findall(qn("w:contextualSpacing")):
        ppr.remove(contextual)

    link = style.element.find(qn("w:link"))
    if link is not None:
        linked = document.styles.element.get_by_id(link.get(qn("w:val")))
        if linked is not None and linked.type == WD_STYLE_TYPE.CHARACTER:
            linked_rpr = linked.get_or_add_rPr()
            if spec.east_asia is not None:
                set_rfonts(linked_rpr, spec.east_asia)
            if spec.size is not None:
                set_size(linked_rpr, spec.size)
            _black(linked_rpr)


def set_doc_defaults(document: DocxDocument) -> None:
    """Body fonts and no paragraph spacing as the document defaults (no theme fonts)."""
    styles = document.styles.element
    (rpr,) = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")
    set_rfonts(rpr, BODY_FONT)
    set_size(rpr, BODY_SIZE)
    child(rpr, "w:spacing", RPR_ORDER).set(qn("w:val"), str(CHAR_SPACING))
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
    """A4 portrait, the official margins and the 22 lines × 28 characters grid of a section.

    ``w:docGrid`` is a ``lines`` grid: ``w:linePitch`` is the body's exact line height
    (:data:`LINE_PITCH_TWIPS`, 22 lines in the 225 mm type area). The 28 characters a line
    come from the body's condensed character spacing (:data:`CHAR_SPACING`, set in the
    document defaults; see :mod:`grid` for why not a ``linesAndChars`` grid). Text of
    another size (tables, captions, footers) does not snap to the grid (``w:snapToGrid``).
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
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
