"""The official format (GB/T 9704-2012) as data: fonts, sizes, page and margins, and one
:class:`StyleSpec` for each paragraph style pandoc writes or the page marks (:data:`STYLE_SPECS`).
Nothing here touches a document; :mod:`annual_review.publish.word.ooxml` applies these values.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Length, Mm, Pt, Twips

from annual_review.publish.word.grid import char_spacing, line_pitch_twips

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
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# The type area as Word stores it (whole twips): 156 mm by 225 mm.
TEXT_WIDTH_TWIPS = PAGE_WIDTH.twips - MARGIN_LEFT.twips - MARGIN_RIGHT.twips
TEXT_HEIGHT_TWIPS = PAGE_HEIGHT.twips - MARGIN_TOP.twips - MARGIN_BOTTOM.twips
LINE_PITCH_TWIPS = line_pitch_twips(TEXT_HEIGHT_TWIPS, LINES_PER_PAGE)  # 579 (28.95 pt)
LINE_PITCH = Twips(LINE_PITCH_TWIPS)  # every body line is exactly one grid line
# what the body runs are condensed by, in twentieths of a point: 28 a line everywhere
CHAR_SPACING = char_spacing(TEXT_WIDTH_TWIPS, CHARS_PER_LINE, round(BODY_SIZE.pt * 2))  # -5
PAGE_NUMBER_INDENT = Pt(14)  # one 4号 character in from the edge (280 twips)
DATE_RIGHT_CHARS = 4  # 成文日期右空四字
SIGNATURE_GAP_LINES = 2  # blank lines between the body (or 附件说明) and the signature
TITLE_LINE = Pt(35)
INDENT_CHARS = 2
SHORT_HEADER = 4  # table headers up to this many characters stay on one line
CELL_PADDING = 1.5  # characters added to a column for the cell margins

EM_DASH = "\u2014"
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
    right_chars: int | None = None  # right indent, in characters
    page_break_before: bool | None = None
    snap_to_grid: bool | None = None  # False for text not of the body size (keeps its width)
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
        snap_to_grid=False,
    ),
    StyleSpec(
        "Table Number",  # a numeric table cell: right-aligned
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        based_on="Compact",
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
        snap_to_grid=False,
    ),
    StyleSpec(
        "Table Caption",  # 表1 …, above its table
        CAPTION_FONT,
        SMALL_SIZE,
        bold=False,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        keep_with_next=True,
        snap_to_grid=False,
    ),
    StyleSpec(
        "Image Caption",  # 图1 …, under its picture
        CAPTION_FONT,
        SMALL_SIZE,
        bold=False,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        after=Pt(6),
        snap_to_grid=False,
    ),
    *(
        StyleSpec(
            name,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            indent_chars=NO_INDENT,
            single=True,
            before=Pt(6),
            after=Pt(0),
            keep_with_next=True,  # a picture stays with its caption
            snap_to_grid=False,
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
        snap_to_grid=False,
        based_on="Body Text",
    ),
    StyleSpec(
        "Lead Paragraph",  # a bold lead-in such as "1.压实第一责任人职责。": stays with its text
        keep_with_next=True,
        based_on="Body Text",
    ),
    StyleSpec(
        "Attachment Note",  # 附件说明 (附件：1．…); the indents are set on each paragraph
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        based_on="Body Text",
    ),
    StyleSpec(
        "Issuer",  # 发文机关署名: centred over the date (its right indent is set in finish)
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        right_chars=DATE_RIGHT_CHARS,
        keep_with_next=True,
        based_on="Body Text",
    ),
    StyleSpec(
        "Date",  # 成文日期: 右空四字
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        right_chars=DATE_RIGHT_CHARS,
        based_on="Body Text",
    ),
    StyleSpec(
        "Attachment Label",  # "附件1": 3号黑体, top left of a new page
        PART_FONT,
        BODY_SIZE,
        bold=False,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        indent_chars=NO_INDENT,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
        keep_with_next=True,
        page_break_before=True,
        based_on="Body Text",
    ),
    StyleSpec(
        "Attachment Title",  # an attachment's title: 2号小标宋, centred on the third line
        TITLE_FONT,
        TITLE_SIZE,
        bold=False,
        italic=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=NO_INDENT,
        line=TITLE_LINE,
        before=LINE_PITCH,
        after=LINE_PITCH,
        keep_with_next=True,
        based_on="Body Text",
    ),
    StyleSpec(
        "Sources Note",  # 附注: the data sources in brackets, under the date (GB/T 9704 7.3.6)
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent_chars=INDENT_CHARS,
        line=LINE_PITCH,
        before=Pt(0),
        after=Pt(0),
        based_on="Body Text",
    ),
)
