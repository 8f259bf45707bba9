"""Word export of published report pages, in official-document format (GB/T 9704-2012).

Officials submit the annual report as a Word document. This module turns a published page
(the HTML written by :mod:`annual_review.publish`) into a ``.docx`` with pandoc and then
finishes it with python-docx:

* :func:`reference_docx` builds the pandoc reference document that carries the official styles
  (A4, margins 37/35/28/26 mm, 22 lines a page, 仿宋_GB2312 3号 body, 方正小标宋简体 2号 title,
  黑体 / 楷体_GB2312 / 仿宋_GB2312 headings, page numbers "— 1 —" in 宋体 4号);
* :func:`page_to_docx` keeps the report itself (``<main class="ar-main">``), converts it and
  makes sure every run names its East-Asian font and the section has the official page setup;
* :func:`docx_name` names the file after the report title.

In Word the Chinese font of a run is the ``w:eastAsia`` attribute of ``w:rFonts``; python-docx's
``font.name`` only sets ``w:ascii``/``w:hAnsi``, so the East-Asian font is always set explicitly
(and theme fonts, which would take precedence, are removed).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unicodedata import east_asian_width

import pypandoc
from bs4 import BeautifulSoup, Tag
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

__all__ = ["docx_name", "page_to_docx", "reference_docx"]

# -- the official format ----------------------------------------------------------------------

LATIN_FONT = "Times New Roman"
BODY_FONT = "仿宋_GB2312"  # 正文 3号仿宋
TITLE_FONT = "方正小标宋简体"  # 标题 2号小标宋
PART_FONT = "黑体"  # 一、
SECTION_FONT = "楷体_GB2312"  # （一）
CAPTION_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"  # 页码 4号半角宋体

BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
SMALL_SIZE = Pt(14)  # 4号: captions, page numbers
TABLE_SIZE = Pt(12)  # 小4号: table cells

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)
MARGIN_RIGHT = Mm(26)
HEADER_DISTANCE = Mm(15)
FOOTER_DISTANCE = Mm(25)  # the page number sits about 7 mm below the type area
LINE_PITCH = Pt(28.95)  # 225 mm type area / 22 lines
TITLE_LINE = Pt(35)
INDENT_CHARS = 2
SHORT_HEADER = 4  # table headers up to this many characters stay on one line
CELL_PADDING = 1.5  # characters added to a column for the cell margins

EM_DASH = "\u2014"
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FIGURE_STYLES = ("Figure", "Captioned Figure")


@dataclass(frozen=True)
class StyleSpec:
    """The official look of one paragraph style (``None`` leaves a property as inherited)."""

    name: str
    east_asia: str | None = None
    size: Length | None = None
    bold: bool | None = None
    italic: bool | None = None
    align: WD_ALIGN_PARAGRAPH | None = None
    indent_chars: int | None = None  # first-line indent, in characters
    line: Length | None = None  # exact line height; ``None`` keeps, see ``single``
    single: bool = False  # single (automatic) line spacing, for images and tables
    before: Length | None = None
    after: Length | None = None
    keep_with_next: bool | None = None
    based_on: str | None = None  # only used when the style has to be created


NO_INDENT = 0

BODY = StyleSpec(
    "Normal",
    BODY_FONT,
    BODY_SIZE,
    bold=False,
    italic=False,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars=INDENT_CHARS,
    line=LINE_PITCH,
    before=Pt(0),
    after=Pt(0),
)

STYLE_SPECS: tuple[StyleSpec, ...] = (
    BODY,
    StyleSpec(
        "Body Text",
        BODY_FONT,
        BODY_SIZE,
        indent_chars=INDENT_CHARS,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
    ),
    StyleSpec(
        "Title",
        TITLE_FONT,
        TITLE_SIZE,
        bold=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        line=TITLE_LINE,
        before=Pt(0),
        after=LINE_PITCH,
    ),
    StyleSpec(
        "Heading 1",
        PART_FONT,
        BODY_SIZE,
        bold=False,
        indent_chars=INDENT_CHARS,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
        keep_with_next=True,
    ),
    StyleSpec(
        "Heading 2",
        SECTION_FONT,
        BODY_SIZE,
        bold=False,
        indent_chars=INDENT_CHARS,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
        keep_with_next=True,
    ),
    *(
        StyleSpec(
            f"Heading {level}",
            BODY_FONT,
            BODY_SIZE,
            bold=True,
            italic=False,
            indent_chars=INDENT_CHARS,
            line=LINE_PITCH,
            before=Pt(0),
            after=Pt(0),
            keep_with_next=True,
        )
        for level in (3, 4)
    ),
    StyleSpec(
        "Compact",  # table cells and tight lists
        BODY_FONT,
        TABLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        indent_chars=NO_INDENT,
        single=True,
        before=Pt(1),
        after=Pt(1),
    ),
    StyleSpec(
        "Caption",
        BODY_FONT,
        SMALL_SIZE,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
    ),
    StyleSpec(
        "Table Caption",
        CAPTION_FONT,
        SMALL_SIZE,
        bold=False,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        keep_with_next=True,
    ),
    StyleSpec(
        "Image Caption",
        SECTION_FONT,
        SMALL_SIZE,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        after=Pt(6),
    ),
    *(
        StyleSpec(
            name,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            indent_chars=NO_INDENT,
            single=True,
            before=Pt(6),
            after=Pt(0),
        )
        for name in _FIGURE_STYLES
    ),
    StyleSpec(
        "Addressee",  # 主送机关: flush left
        BODY_FONT,
        BODY_SIZE,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        based_on="Body Text",
    ),
    StyleSpec(
        "Illustrative Note",  # the page's notice about illustrative figures
        SECTION_FONT,
        SMALL_SIZE,
        indent_chars=INDENT_CHARS,
        line=LINE_PITCH,
        based_on="Body Text",
    ),
    StyleSpec(
        "Lead Paragraph",  # a bold lead-in such as "1.压实第一责任人职责。": stays with its text
        keep_with_next=True,
        based_on="Body Text",
    ),
)

# -- low-level helpers ------------------------------------------------------------------------


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


def _child(parent, tag: str, order: tuple[str, ...]):
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
        _child(rpr, tag, RPR_ORDER).set(qn("w:val"), half_points)


def _black(rpr) -> None:
    """Replace a (theme) text colour by plain black."""
    color = _child(rpr, "w:color", RPR_ORDER)
    color.attrib.clear()
    color.set(qn("w:val"), "000000")


def _set_first_line_chars(ppr, chars: int, size: Length) -> None:
    """First-line indent in characters (``w:firstLineChars``), with the twips as fallback."""
    ind = ppr.get_or_add_ind()
    ind.attrib.pop(qn("w:hanging"), None)
    ind.attrib.pop(qn("w:hangingChars"), None)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(round(size.pt * chars * 20)))


def _style(document: DocxDocument, spec: StyleSpec) -> BaseStyle:
    """The paragraph style named in ``spec``, created if the document lacks it."""
    styles = document.styles
    by_name = {s.name: s for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    if spec.name in by_name:
        return by_name[spec.name]
    style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = by_name[spec.based_on or "Normal"]
    style.quick_style = True
    return style


def _apply_spec(document: DocxDocument, spec: StyleSpec) -> None:
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
        _set_first_line_chars(style.element.get_or_add_pPr(), spec.indent_chars, BODY_SIZE)
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


def _set_doc_defaults(document: DocxDocument) -> None:
    """Body fonts and no paragraph spacing as the document defaults (no theme fonts)."""
    styles = document.styles.element
    (rpr,) = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")
    _set_rfonts(rpr, BODY_FONT)
    _set_size(rpr, BODY_SIZE)
    _child(rpr, "w:lang", RPR_ORDER).set(qn("w:eastAsia"), "zh-CN")
    for spacing in styles.xpath("./w:docDefaults/w:pPrDefault/w:pPr/w:spacing"):
        spacing.set(qn("w:after"), "0")


def _border(tag: str, size_eighths: int = 4) -> OxmlElement:
    """One single-line border element (``size_eighths`` in eighths of a point)."""
    element = OxmlElement(tag)
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size_eighths))
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), "000000")
    return element


def _style_table(document: DocxDocument) -> None:
    """Ruled, centred tables with a bold header row (pandoc's "Table" style)."""
    table = document.styles.element.get_by_id("Table")
    if table is None:
        return
    tblpr = _child(table, "w:tblPr", ("w:name", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr"))
    _child(tblpr, "w:jc", TBLPR_ORDER).set(qn("w:val"), "center")
    old_borders = tblpr.find(qn("w:tblBorders"))
    if old_borders is not None:
        tblpr.remove(old_borders)
    borders = _child(tblpr, "w:tblBorders", TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_border(f"w:{side}"))
    for first_row in table.xpath("./w:tblStylePr[@w:type='firstRow']"):
        rpr = _child(first_row, "w:rPr", TBLSTYLEPR_ORDER)
        _child(rpr, "w:b", RPR_ORDER)
        for vertical in first_row.findall(f"{qn('w:tcPr')}/{qn('w:vAlign')}"):
            vertical.set(qn("w:val"), "center")


def _apply_page_setup(section: Section) -> None:
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
    grid = _child(section._sectPr, "w:docGrid", SECTPR_TAIL)
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


def _has_page_field(section: Section) -> bool:
    """Whether the section's own footer already shows a PAGE field."""
    if section.footer.is_linked_to_previous:
        return False
    element = section.footer._element
    instructions = "".join(element.xpath(".//w:instrText/text()"))
    simple = [f.get(qn("w:instr"), "") for f in element.iter(qn("w:fldSimple"))]
    return any("PAGE" in text.split() for text in [instructions, *simple])


def _write_page_number_footer(section: Section) -> None:
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
    _set_first_line_chars(paragraph._p.get_or_add_pPr(), 0, BODY_SIZE)
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


# -- the reference document -------------------------------------------------------------------


def _pandoc_default_reference() -> bytes:
    """Pandoc's own reference.docx: it defines every style pandoc's writer uses."""
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        check=True,
        capture_output=True,
    )
    return result.stdout


def _atomic_save(document: DocxDocument, path: Path) -> Path:
    """Save ``document`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        document.save(tmp_name)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def reference_docx(path: Path) -> Path:
    """Write a pandoc reference document with the official styles to ``path``.

    It starts from pandoc's default reference document (so that every style pandoc writes
    exists) and sets, with python-docx, the page (A4, margins 37/35/28/26 mm),
    the styles of :data:`STYLE_SPECS` (fonts through ``w:eastAsia``), ruled tables and a footer
    with the page number as "— PAGE —". Returns ``path``.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="annual-review-reference-") as tmp:
        default = Path(tmp) / "default.docx"
        default.write_bytes(_pandoc_default_reference())
        document = Document(str(default))
    _set_doc_defaults(document)
    for spec in STYLE_SPECS:
        _apply_spec(document, spec)
    _style_table(document)
    for section in document.sections:
        _apply_page_setup(section)
        _write_page_number_footer(section)
    core = document.core_properties
    core.title = ""
    core.author = ""
    core.comments = ""
    return _atomic_save(document, path)


# -- preparing the page -----------------------------------------------------------------------


def _is_lead(paragraph: Tag) -> bool:
    """Whether a ``<p>`` is only a bold lead-in followed by another paragraph.

    >>> html = "<div><p><strong>1.标题。</strong></p><p>正文</p></div>"
    >>> [_is_lead(p) for p in BeautifulSoup(html, "html.parser").find_all("p")]
    [True, False]
    """
    children = [c for c in paragraph.contents if not (isinstance(c, str) and not c.strip())]
    following = paragraph.find_next_sibling()
    return (
        len(children) == 1
        and isinstance(children[0], Tag)
        and children[0].name in ("strong", "b")
        and isinstance(following, Tag)
        and following.name == "p"
    )


def _report_html(page_html: str) -> str:
    """The report alone, as HTML pandoc turns into the official structure.

    Keeps only ``<main class="ar-main">``; moves its ``h1`` to the very beginning so that
    ``--shift-heading-level-by=-1`` makes it the document title (pandoc only promotes a
    first, top-level heading); marks the addressee, the illustrative-data notice and bold
    lead-ins (kept with their text) with custom styles; drops links (the Word file stands
    alone) and the ``title`` tooltips; turns the charts' inline SVG into PNG pictures.
    """
    soup = BeautifulSoup(page_html, "html.parser")
    main = soup.find("main", class_="ar-main")
    if not isinstance(main, Tag):
        raise ValueError('the page has no <main class="ar-main">')
    _charts_as_pictures(soup, main)
    for element in main.find_all(["script", "style", "nav", "button"]):
        element.decompose()
    for link in main.find_all("a"):
        link.unwrap()
    for marked in main.find_all(attrs={"title": True}):
        del marked["title"]
    for addressee in main.find_all("p", class_="ar-addressee"):
        addressee.wrap(soup.new_tag("div", attrs={"data-custom-style": "Addressee"}))
    for notice in main.find_all("aside", class_="ar-illustrative"):
        notice.name = "p"
        notice.attrs = {}
        notice.wrap(soup.new_tag("div", attrs={"data-custom-style": "Illustrative Note"}))
    for lead in [p for p in main.find_all("p") if _is_lead(p)]:
        lead.wrap(soup.new_tag("div", attrs={"data-custom-style": "Lead Paragraph"}))
    title = main.find("h1")
    if isinstance(title, Tag):
        main.insert(0, title.extract())
    return main.decode_contents()


def _charts_as_pictures(soup: BeautifulSoup, main: Tag) -> None:
    """Replace each chart's inline SVG (which pandoc drops) by a PNG drawn from its recipe.

    The page keeps every chart's recipe in ``data-chart`` (see :class:`charts.Chart`);
    drawing it again gives a picture at print resolution with the same function the
    page's SVG came from.
    """
    for figure in main.find_all("figure", class_="ar-chart"):
        svg = figure.find("svg")
        if svg is None:
            continue
        recipe = figure.get("data-chart")
        if not recipe:
            raise ValueError(f"chart {figure.get('id')!r} has no data-chart recipe to draw")
        from .charts import Chart, png_data_uri  # matplotlib only when a page has charts

        picture = soup.new_tag("img", src=png_data_uri(Chart.from_json(recipe)))
        picture["alt"] = svg.get("aria-label", "")
        svg.replace_with(picture)
        del figure["data-chart"]


_DATA_IMAGE = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


def _count_data_images(html: str) -> int:
    """How many ``<img>`` carry their picture inline as a ``data:`` URI."""
    soup = BeautifulSoup(html, "html.parser")
    return sum(1 for img in soup.find_all("img") if _DATA_IMAGE.match(img.get("src", "")))


# -- finishing pandoc's output ----------------------------------------------------------------


def _style_chain(styles_by_id: dict[str, object], style_id: str | None) -> Iterator[object]:
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
        _set_first_line_chars(ppr, 0, BODY_SIZE)
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
    tbl_w = _child(table._tbl.tblPr, "w:tblW", TBLPR_ORDER)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in widths)))
    for tr in table._tbl.tr_lst:
        if tr.xpath("./w:trPr/w:tblHeader"):
            for r in tr.iter(qn("w:r")):
                _child(r.get_or_add_rPr(), "w:b", RPR_ORDER)


def _fit_tables(document: DocxDocument) -> None:
    """Fit every table to the text width of the first section."""
    section = document.sections[0]
    text_width = Emu(section.page_width - section.left_margin - section.right_margin)
    for table in document.tables:
        _fit_table(table, text_width)


def _finish(document: DocxDocument) -> None:
    """Official page setup, page numbers, explicit East-Asian fonts, pictures and tables."""
    for section in document.sections:
        _apply_page_setup(section)
        if not _has_page_field(section):
            _write_page_number_footer(section)
    _fit_picture_paragraphs(document)
    _fit_tables(document)
    _fill_east_asian_fonts(document)


def page_to_docx(page_html: str, out_path: Path, *, reference: Path | None = None) -> Path:
    """Convert a published page to a Word document in official format; return ``out_path``.

    Only the report in ``<main class="ar-main">`` is kept (no navigation, table of contents
    or footer). The page's ``h1`` becomes the document Title, ``h2`` (一、) Heading 1 and
    ``h3`` (（一）) Heading 2. Charts become embedded pictures (drawn again from their
    recipes as PNG; pandoc reads ``data:`` URIs), tables stay tables. ``reference`` is a
    reference document from :func:`reference_docx`; one is built when it is ``None``. The
    result is written through a temporary file and moved into place; ``page_html`` is not
    modified.
    """
    out_path = Path(out_path)
    report = _report_html(page_html)
    expected_images = _count_data_images(report)
    with tempfile.TemporaryDirectory(prefix="annual-review-word-") as tmp:
        workdir = Path(tmp)
        if reference is None:
            reference = reference_docx(workdir / "reference.docx")
        converted = workdir / "converted.docx"
        pypandoc.convert_text(
            report,
            "docx",
            format="html",
            outputfile=str(converted),
            extra_args=[
                f"--reference-doc={Path(reference).resolve()}",
                "--shift-heading-level-by=-1",
            ],
            cworkdir=str(workdir),
        )
        document = Document(str(converted))
    pictures = len(document.inline_shapes)
    if pictures < expected_images:
        raise RuntimeError(
            f"pandoc embedded {pictures} of the page's {expected_images} chart images"
        )
    _finish(document)
    return _atomic_save(document, out_path)


_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def docx_name(title: str) -> str:
    """The Word file name for a report title.

    >>> docx_name("海宁市2024年法治政府建设年度报告")
    '海宁市2024年法治政府建设年度报告.docx'
    >>> docx_name(" 海昌街道2024年法治政府建设年度报告 / 草稿 ")
    '海昌街道2024年法治政府建设年度报告_草稿.docx'
    """
    name = _UNSAFE_IN_NAMES.sub("_", title.strip())
    name = re.sub(r"\s*_\s*", "_", name)
    name = re.sub(r"\s+", " ", name).strip(" ._")
    if not name:
        raise ValueError(f"no usable file name in the title {title!r}")
    return f"{name}.docx"
