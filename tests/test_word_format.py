"""The official format of the Word file (GB/T 9704-2012), from small hand-made pages in the
published shape: page numbers, the character grid, headings, attachments, the signature,
numeric cells and byte-identical files. Each test reads the .docx XML back."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from annual_review.publish.word import page_to_docx, reference_docx
from annual_review.publish.word.grid import char_spacing
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

pytestmark = pytest.mark.slow

TITLE = "海宁市2024年法治政府建设年度报告"
NOTICE = "示意数据提示：本报告标有“*”的数字为示意数据，不是官方统计。"
TWIPS_PER_MM = 1440 / 25.4


def _chart(title: str) -> str:
    recipe = {
        "kind": "rate_bars",
        "args": {"title": title, "labels": ["行政调解成功率"], "rates": [65.2]},
    }
    return (
        f"<figure class=\"ar-chart\" data-chart='{json.dumps(recipe, ensure_ascii=False)}'>"
        f'<svg aria-label="{title}" role="img" viewBox="0 0 10 10"></svg>'
        f"<figcaption>{title}</figcaption></figure>"
    )


TABLE_EXHIBIT = """
<section class="ar-exhibit" data-exhibit="table"><h3>主要指标一览</h3>
<p>海宁市2023—2024年主要指标如下表。</p>
<table class="ar-table"><caption>主要指标（2024年与2023年）</caption>
<thead><tr><th scope="col">指标</th><th scope="col">单位</th><th scope="col">2024年</th>
<th scope="col">2023年</th></tr></thead>
<tbody><tr><th scope="row">行政调解纠纷</th><td>起</td><td class="num">14,908</td>
<td class="num">13,426<sup class="ar-mark">*</sup></td></tr>
<tr><th scope="row">新收行政复议案件</th><td>件</td><td class="num">391</td>
<td class="num">233</td></tr></tbody></table></section>
"""
SECOND_TABLE = """
<section class="ar-exhibit" data-exhibit="table"><h3>各镇（街道）主要指标比较</h3>
<table class="ar-table"><caption>2024年各镇（街道）主要指标</caption>
<thead><tr><th scope="col">镇（街道）</th><th scope="col">合法性审查</th></tr></thead>
<tbody><tr><th scope="row">海昌街道</th><td class="num">120</td></tr></tbody></table>
</section>
"""


def page(
    *, tables: bool = True, charts: bool = True, signature: bool = True, bold_heading: bool = False
) -> str:
    """A published page in the shape the blocks write."""
    section_two = "<h3><strong>（二）加粗的小标题</strong></h3>" if bold_heading else ""
    exhibit_one = TABLE_EXHIBIT if tables else ""
    exhibit_two = SECOND_TABLE if tables else ""
    charts_one = (
        f'<section class="ar-exhibit" data-exhibit="chart">{_chart("领导干部学法")}</section>'
        if charts
        else ""
    )
    charts_two = (
        f'<section class="ar-exhibit" data-exhibit="chart">{_chart("主要比率指标")}</section>'
        if charts
        else ""
    )
    closing = (
        '<section class="ar-signature"><p class="ar-issuer">海宁市人民政府</p>'
        '<p class="ar-date">2025年3月1日</p></section>'
        if signature
        else ""
    )
    body = "法治政府建设各项工作稳步推进，成效明显。" * 3
    return f"""<!DOCTYPE html><html><head><title>x</title></head><body>
<nav>本页目录</nav>
<main class="ar-main">
<h1 class="ar-title">{TITLE}</h1>
<p class="ar-addressee">中共嘉兴市委、嘉兴市人民政府：</p>
<aside class="ar-illustrative" role="note">{NOTICE}</aside>
<h2>一、党政主要负责人履行推进法治建设第一责任人职责情况</h2>
<h3>（一）履行第一责任人职责</h3>
<p>{body}</p>
{charts_one}
<div class="ar-highlight"><p><strong>1.压实第一责任人职责。</strong></p><p>{body}</p></div>
{section_two}
{exhibit_one}
<h2>二、推进法治政府建设的主要举措和成效</h2>
<h3>（一）优化法治化营商环境</h3>
<p>{body}</p>
{charts_two}
{exhibit_two}
<h2>三、存在的不足和原因</h2><p>{body}</p>
<h2>四、2025年推进法治政府建设的主要安排</h2><p>{body}</p>
{closing}
<aside class="ar-sources"><p>数据来源：海宁市2023年、2024年法治政府建设年度报告。</p></aside>
</main><footer>生成工具</footer></body></html>"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_docx(tmp_path_factory.mktemp("reference") / "reference.docx")


@pytest.fixture(scope="module")
def full_docx(tmp_path_factory: pytest.TempPathFactory, reference: Path) -> Path:
    out = tmp_path_factory.mktemp("full") / "report.docx"
    return page_to_docx(page(bold_heading=True), out, reference=reference)


@pytest.fixture(scope="module")
def full(full_docx: Path) -> DocxDocument:
    return Document(str(full_docx))


def convert(tmp_path: Path, reference: Path, name: str, **options: bool) -> DocxDocument:
    out = page_to_docx(page(**options), tmp_path / f"{name}.docx", reference=reference)
    return Document(str(out))


def body_items(document: DocxDocument) -> list[tuple[str, str]]:
    """(style name or "table", text) of each paragraph and table of the body, in order."""
    names = {s.style_id: s.name for s in document.styles}
    items = []
    for element in document.element.body:
        if element.tag == qn("w:tbl"):
            items.append(("table", ""))
        elif element.tag == qn("w:p"):
            style = element.xpath("./w:pPr/w:pStyle/@w:val")
            text = "".join(element.xpath(".//w:t/text()"))
            picture = "[picture]" if element.xpath(".//w:drawing") else ""
            items.append((names.get(style[0], style[0]) if style else "Normal", text + picture))
    return items


def texts_in(document: DocxDocument, style: str) -> list[str]:
    return [text for name, text in body_items(document) if name == style]


def ind(element, *attrs: str) -> dict[str, str | None]:
    (found,) = element.xpath("./w:pPr/w:ind") or [None]
    return {a: None if found is None else found.get(qn(f"w:{a}")) for a in attrs}


# -- 1. page numbers ------------------------------------------------------------------------


def test_odd_and_even_footers_number_pages_at_the_outer_edge(full_docx: Path) -> None:
    with zipfile.ZipFile(full_docx) as archive:
        settings = archive.read("word/settings.xml").decode("utf-8")
    assert "<w:evenAndOddHeaders" in settings
    document = Document(str(full_docx))
    for section in document.sections:
        odd, even = section.footer, section.even_page_footer
        for footer, align, side in ((odd, "right", "right"), (even, "left", "left")):
            assert not footer.is_linked_to_previous
            (paragraph,) = footer.paragraphs
            p = paragraph._p
            assert p.xpath("./w:pPr/w:jc/@w:val") == [align]
            assert ind(p, side)[side] == "280"  # one 4号 character
            assert "".join(p.xpath(".//w:instrText/text()")).split() == ["PAGE"]
            text = "".join(p.xpath(".//w:t/text()"))
            assert text == "\u2014 1 \u2014"
            assert {r._r.xpath("./w:rPr/w:rFonts/@w:eastAsia")[0] for r in paragraph.runs} == {
                "宋体"
            }
            assert {r._r.xpath("./w:rPr/w:rFonts/@w:ascii")[0] for r in paragraph.runs} == {"宋体"}
            assert {r.font.size.pt for r in paragraph.runs} == {14}


# -- 2. the grid ----------------------------------------------------------------------------


def test_a_grid_of_22_lines_and_28_characters(full: DocxDocument) -> None:
    section = full.sections[0]
    (grid,) = section._sectPr.xpath("./w:docGrid")
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    assert width / TWIPS_PER_MM == pytest.approx(156, abs=0.1)
    assert height / TWIPS_PER_MM == pytest.approx(225, abs=0.1)
    (default_size,) = full.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:sz/@w:val")
    assert default_size == "32"
    (spacing,) = full.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:spacing/@w:val")

    pitch = int(grid.get(qn("w:linePitch")))
    assert pitch == 579
    assert height // pitch == 22
    assert int(spacing) == char_spacing(width, 28, 32) == -5  # twentieths of a point
    advance = 16 + int(spacing) / 20  # each 3号 character, condensed
    assert 28 * advance <= width / 20 < 29 * advance
    for name in ("Normal", "Body Text", "Heading 1", "Heading 2"):
        assert full.styles[name].paragraph_format.line_spacing.twips == pitch
    for name in ("Compact", "Table Caption", "Image Caption"):
        assert full.styles[name].element.xpath("./w:pPr/w:snapToGrid/@w:val") == ["0"]


# -- 3. headings ----------------------------------------------------------------------------


def test_one_style_per_heading_level_and_nothing_overrides_it(full: DocxDocument) -> None:
    assert texts_in(full, "Heading 1")[0].startswith("一、")
    assert [t[:2] for t in texts_in(full, "Heading 1")] == ["一、", "二、", "三、", "四、"]
    assert texts_in(full, "Heading 2") == [
        "（一）履行第一责任人职责",
        "（二）加粗的小标题",
        "（一）优化法治化营商环境",
    ]
    assert texts_in(full, "Lead Paragraph") == ["1.压实第一责任人职责。"]
    fonts = {"Heading 1": "黑体", "Heading 2": "楷体_GB2312", "Title": "方正小标宋简体"}
    for name, font in fonts.items():
        style = full.styles[name]
        assert style.element.xpath("./w:rPr/w:rFonts/@w:eastAsia") == [font]
        assert style.font.bold is False
        for paragraph in (p for p in full.paragraphs if p.style.name == name):
            for run in paragraph.runs:
                r = run._r
                assert not r.xpath("./w:rPr/w:b | ./w:rPr/w:i | ./w:rPr/w:bCs | ./w:rPr/w:sz")
                assert r.xpath("./w:rPr/w:rFonts/@w:eastAsia") == [font]
                assert not r.xpath("./w:rPr/w:rFonts/@w:ascii")
    lead = next(p for p in full.paragraphs if p.style.name == "Lead Paragraph")
    assert lead.runs[0].bold is True
    assert {r._r.xpath("./w:rPr/w:rFonts/@w:eastAsia")[0] for r in lead.runs} == {"仿宋_GB2312"}


# -- 4. attachments and the signature -------------------------------------------------------


def test_exhibits_move_into_attachments_after_the_signature(full: DocxDocument) -> None:
    items = body_items(full)
    styles = [name for name, _ in items]
    closing = styles.index("Attachment Note")
    # after the body: one blank line, the note, two blank lines, issuer, date
    assert items[closing - 1] == ("Body Text", "")
    assert items[closing - 2][1].startswith("法治政府建设")
    assert items[closing : closing + 8] == [
        ("Attachment Note", "附件：1．主要指标表"),
        ("Attachment Note", "2．主要图表"),
        ("Body Text", ""),
        ("Body Text", ""),
        ("Issuer", "海宁市人民政府"),
        ("Date", "2025年3月1日"),
        (
            "Sources Note",
            "（数据来源：海宁市2023年、2024年法治政府建设年度报告）",
        ),  # 附注 under the date
        ("Attachment Label", "附件1"),
    ]
    # nothing of an exhibit is left in the body
    assert "table" not in styles[:closing]
    assert not [t for _, t in items[:closing] if "[picture]" in t]
    tail = items[closing + 7 :]
    assert tail == [
        ("Attachment Label", "附件1"),
        ("Attachment Title", "主要指标表"),
        ("Body Text", "海宁市2023—2024年主要指标如下表。"),
        ("Table Caption", "表1 主要指标（2024年与2023年）"),
        ("table", ""),
        ("Normal", ""),  # pandoc keeps two tables apart
        ("Table Caption", "表2 2024年各镇（街道）主要指标"),
        ("table", ""),
        ("Attachment Label", "附件2"),
        ("Attachment Title", "主要图表"),
        ("Captioned Figure", "[picture]"),
        ("Image Caption", "图1 领导干部学法"),
        ("Captioned Figure", "[picture]"),
        ("Image Caption", "图2 主要比率指标"),
    ]
    all_text = "".join(t for _, t in items)
    assert "主要指标一览" not in all_text and "本页目录" not in all_text
    label = full.styles["Attachment Label"]
    assert label.paragraph_format.page_break_before is True
    assert label.element.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["黑体"]
    assert label.font.size.pt == 16
    assert label.element.xpath("./w:pPr/w:jc/@w:val") == ["left"]
    title = full.styles["Attachment Title"]
    assert title.element.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["方正小标宋简体"]
    assert title.element.xpath("./w:pPr/w:jc/@w:val") == ["center"]


def test_the_note_and_the_signature_are_placed_by_the_standard(full: DocxDocument) -> None:
    notes = [p._p for p in full.paragraphs if p.style.name == "Attachment Note"]
    first, second = (ind(p, "leftChars", "hangingChars") for p in notes)
    # "附件：" starts two characters in; "2．" starts under "1．", names under the first name
    assert first == {"leftChars": "650", "hangingChars": "450"}
    assert second == {"leftChars": "650", "hangingChars": "150"}
    date = full.styles["Date"].element
    assert date.xpath("./w:pPr/w:jc/@w:val") == ["right"]
    assert ind(date, "rightChars", "right") == {"rightChars": "400", "right": "1280"}
    issuer = next(p for p in full.paragraphs if p.style.name == "Issuer")
    assert full.styles["Issuer"].element.xpath("./w:pPr/w:jc/@w:val") == ["right"]
    # 海宁市人民政府 (7) over 2025年3月1日 (6): half a character less in from the right
    assert ind(issuer._p, "rightChars")["rightChars"] == "350"


def test_attachments_are_numbered_among_those_present(tmp_path: Path, reference: Path) -> None:
    tables_only = body_items(convert(tmp_path, reference, "tables", charts=False))
    assert [t for s, t in tables_only if s.startswith("Attachment")] == [
        "附件：主要指标表",
        "附件",
        "主要指标表",
    ]
    charts_only = body_items(convert(tmp_path, reference, "charts", tables=False))
    assert [t for s, t in charts_only if s.startswith("Attachment")] == [
        "附件：主要图表",
        "附件",
        "主要图表",
    ]
    assert [t for s, t in charts_only if s == "Image Caption"] == [
        "图1 领导干部学法",
        "图2 主要比率指标",
    ]
    plain = body_items(convert(tmp_path, reference, "plain", tables=False, charts=False))
    assert not [s for s, _ in plain if s.startswith("Attachment")]
    assert plain[-4:] == [
        ("Body Text", ""),
        ("Issuer", "海宁市人民政府"),
        ("Date", "2025年3月1日"),
        ("Sources Note", "（数据来源：海宁市2023年、2024年法治政府建设年度报告）"),
    ]
    assert plain[-6][1].startswith("法治政府建设")  # two blank lines above the signature


# -- 5. numbers -----------------------------------------------------------------------------


def test_numeric_cells_are_right_aligned_and_labels_are_not(full: DocxDocument) -> None:
    assert full.styles["Table Number"].element.xpath("./w:pPr/w:jc/@w:val") == ["right"]
    assert full.styles["Compact"].element.xpath("./w:pPr/w:jc/@w:val") == ["left"]
    table = full.tables[0]
    rows = [[(c.paragraphs[0].style.name, c.text) for c in row.cells] for row in table.rows]
    label, number = "Compact", "Table Number"
    assert rows == [
        [(label, "指标"), (label, "单位"), (number, "2024年"), (number, "2023年")],
        [(label, "行政调解纠纷"), (label, "起"), (number, "14,908"), (number, "13,426*")],
        [(label, "新收行政复议案件"), (label, "件"), (number, "391"), (number, "233")],
    ]
    assert not table._tbl.xpath(".//w:rStyle")  # the marker is gone
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)


# -- 6. the same bytes ----------------------------------------------------------------------


def test_two_conversions_give_the_same_bytes(tmp_path: Path, reference: Path) -> None:
    html = page()
    one = page_to_docx(html, tmp_path / "one" / "report.docx", reference=reference)
    two = page_to_docx(html, tmp_path / "two" / "report.docx")  # its own reference
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        xml = "".join(archive.read(n).decode("utf-8") for n in names if n.endswith(".xml"))
    assert "w:rsid" not in xml
    core = Document(str(one)).core_properties
    assert core.title == TITLE
    assert core.created == core.modified == datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert core.last_modified_by == "" and core.author == "" and core.revision == 1
    undated = page_to_docx(page(signature=False), tmp_path / "undated.docx", reference=reference)
    stamp = Document(str(undated)).core_properties.created
    assert stamp == datetime(2000, 1, 1, tzinfo=timezone.utc)


# -- 7. the illustrative notice -------------------------------------------------------------


def test_the_illustrative_notice_keeps_its_style_and_the_pages_words(full: DocxDocument) -> None:
    assert texts_in(full, "Illustrative Note") == [NOTICE]
    style = full.styles["Illustrative Note"]
    assert style.element.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["楷体_GB2312"]
    assert style.font.size.pt == 14
