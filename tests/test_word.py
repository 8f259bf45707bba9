"""The Word export: real pandoc, real .docx files read back with python-docx."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from annual_review.publish.word import docx_name, page_to_docx, reference_docx
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

pytestmark = pytest.mark.slow

CITY_TITLE = "海宁市2024年法治政府建设年度报告"
TOWNSHIP_TITLE = "海昌街道2024年法治政府建设年度报告"
TOLERANCE_MM = 0.5


@pytest.fixture(scope="session")
def word_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's Word files go."""
    return tmp_path_factory.mktemp("word")


@pytest.fixture(scope="session")
def reference(word_dir: Path) -> Path:
    """The official reference document, built once."""
    return reference_docx(word_dir / "reference.docx")


@pytest.fixture(scope="session")
def city_docx(site: Path, reference: Path, word_dir: Path) -> Path:
    """The city report as Word, converted with an explicit reference document."""
    page = (site / "index.html").read_text(encoding="utf-8")
    return page_to_docx(page, word_dir / "city" / docx_name(CITY_TITLE), reference=reference)


@pytest.fixture(scope="session")
def township_docx(site: Path, word_dir: Path) -> Path:
    """One township report as Word, letting page_to_docx build its own reference."""
    page = (site / "haichang.html").read_text(encoding="utf-8")
    return page_to_docx(page, word_dir / "township" / docx_name(TOWNSHIP_TITLE))


@pytest.fixture(scope="session")
def city(city_docx: Path) -> DocxDocument:
    return Document(str(city_docx))


@pytest.fixture(scope="session")
def township(township_docx: Path) -> DocxDocument:
    return Document(str(township_docx))


def all_text(document: DocxDocument) -> str:
    """The text of every paragraph, table cells included."""
    body = document.element.body
    return "\n".join("".join(p.xpath(".//w:t/text()")) for p in body.iter(qn("w:p")))


def style_fonts(document: DocxDocument, name: str) -> tuple[str | None, float | None]:
    """(w:eastAsia, size in pt) written on the style itself."""
    style = document.styles[name]
    rfonts = style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    east_asia = None if rfonts is None else rfonts.get(qn("w:eastAsia"))
    size = style.font.size
    return east_asia, None if size is None else size.pt


def paragraphs_in(document: DocxDocument, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


# -- content --------------------------------------------------------------------------------


@pytest.mark.parametrize(("which", "title"), [("city", CITY_TITLE), ("township", TOWNSHIP_TITLE)])
def test_the_title_is_in_the_title_style(request, which: str, title: str) -> None:
    document = request.getfixturevalue(which)
    assert paragraphs_in(document, "Title") == [title]
    assert document.paragraphs[0].style.name == "Title"


@pytest.mark.parametrize("which", ["city", "township"])
def test_the_four_parts_are_heading_1(request, which: str) -> None:
    document = request.getfixturevalue(which)
    parts = paragraphs_in(document, "Heading 1")
    assert [p[:2] for p in parts] == ["一、", "二、", "三、", "四、"]
    sections = paragraphs_in(document, "Heading 2")
    assert sections and sections[0].startswith("（一）")
    headings = [p for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    direct = [r for p in headings for r in p._p.xpath(".//w:r/w:rPr/w:b | .//w:r/w:rPr/w:i")]
    assert direct == []  # the style alone gives 黑体 / 楷体_GB2312


@pytest.mark.parametrize("which", ["city", "township"])
def test_no_page_furniture_comes_along(request, which: str) -> None:
    text = all_text(request.getfixturevalue(which))
    assert "本页目录" not in text and "生成工具" not in text and "页面构建编号" not in text
    assert "中共" in text  # the addressee line


def test_the_city_report_keeps_its_key_figures(city: DocxDocument) -> None:
    text = all_text(city)
    for figure in ("391", "67.81%", "42.46%"):
        assert figure in text
    for plain, grouped in (("14908", "14,908"), ("9725", "9,725"), ("3152", "3,152")):
        assert plain in text or grouped in text


@pytest.mark.parametrize("which", ["city", "township"])
def test_charts_are_embedded_pictures(request, which: str) -> None:
    document = request.getfixturevalue(which)
    shapes = document.inline_shapes
    assert len(shapes) >= 4
    text_width = document.sections[0].page_width - (
        document.sections[0].left_margin + document.sections[0].right_margin
    )
    for shape in shapes:
        assert 0 < shape.width <= text_width
        (blip,) = shape._inline.xpath(".//a:blip")
        part = document.part.related_parts[blip.get(qn("r:embed"))]
        assert part.content_type == "image/png"
        assert part.blob.startswith(b"\x89PNG")


def test_the_key_indicators_are_a_table(city: DocxDocument) -> None:
    def rows(table) -> list[list[str]]:
        return [[cell.text for cell in row.cells] for row in table.rows]

    tables = [rows(t) for t in city.tables]
    indicators = [t for t in tables if t[0][:1] == ["指标"] and "2024年" in t[0]]
    assert indicators, [t[0] for t in tables]
    by_name = {row[0]: row for row in indicators[0][1:]}
    assert by_name["新收行政复议案件"][2] == "391"
    assert by_name["行政调解纠纷"][2].replace(",", "") == "14908"


@pytest.mark.parametrize("which", ["city", "township"])
def test_tables_span_the_text_width_with_a_bold_header(request, which: str) -> None:
    document = request.getfixturevalue(which)
    section = document.sections[0]
    text_width_mm = (section.page_width - section.left_margin - section.right_margin) / 36000
    assert document.tables
    for table in document.tables:
        assert sum(c.width for c in table.columns) / 36000 == pytest.approx(text_width_mm, abs=1)
        header = table.rows[0]
        assert all(run.bold for cell in header.cells for p in cell.paragraphs for run in p.runs)


# -- the official format --------------------------------------------------------------------


@pytest.mark.parametrize("which", ["city", "township"])
def test_styles_name_the_official_east_asian_fonts(request, which: str) -> None:
    document = request.getfixturevalue(which)
    assert style_fonts(document, "Normal") == ("仿宋_GB2312", 16)
    assert style_fonts(document, "Body Text") == ("仿宋_GB2312", 16)
    assert style_fonts(document, "Title") == ("方正小标宋简体", 22)
    assert style_fonts(document, "Heading 1") == ("黑体", 16)
    assert style_fonts(document, "Heading 2") == ("楷体_GB2312", 16)
    assert style_fonts(document, "Heading 3") == ("仿宋_GB2312", 16)
    assert document.styles["Heading 1"].font.bold is False
    assert document.styles["Heading 3"].font.bold is True
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        rfonts = document.styles[name].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rfonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win
        assert rfonts.get(qn("w:ascii")) == "Times New Roman"


def test_the_body_has_22_lines_a_page_and_a_two_character_indent(city: DocxDocument) -> None:
    body = city.styles["Body Text"].paragraph_format
    assert body.line_spacing.pt == pytest.approx(28.95, abs=0.05)
    ind = city.styles["Normal"].element.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    assert ind.get(qn("w:firstLineChars")) == "200"
    title = city.styles["Title"].element.find(f"{qn('w:pPr')}/{qn('w:jc')}")
    assert title.get(qn("w:val")) == "center"


def test_every_run_names_its_east_asian_font(city: DocxDocument) -> None:
    runs = list(city.element.body.iter(qn("w:r")))
    assert runs
    missing = [
        "".join(r.xpath("./w:t/text()"))
        for r in runs
        if not r.xpath("./w:rPr/w:rFonts/@w:eastAsia")
        or r.xpath("./w:rPr/w:rFonts/@w:eastAsiaTheme")
    ]
    assert missing == []
    title_run = city.paragraphs[0].runs[0]._r
    assert title_run.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["方正小标宋简体"]


@pytest.mark.parametrize("which", ["city", "township"])
def test_page_size_and_margins(request, which: str) -> None:
    document = request.getfixturevalue(which)
    expected = {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    for section in document.sections:
        actual = {name: getattr(section, name).mm for name in expected}
        assert actual == pytest.approx(expected, abs=TOLERANCE_MM)


@pytest.mark.parametrize("which", ["city", "township"])
def test_the_footers_number_pages_between_em_dashes_at_the_outer_edge(request, which: str) -> None:
    document = request.getfixturevalue(which)
    assert document.settings.odd_and_even_pages_header_footer is True
    section = document.sections[0]
    for footer, alignment, side in (
        (section.footer, 2, "right"),
        (section.even_page_footer, 0, "left"),
    ):
        assert not footer.is_linked_to_previous
        xml = footer._element
        instructions = "".join(xml.xpath(".//w:instrText/text()"))
        assert instructions.split() == ["PAGE"]
        text = "".join(xml.xpath(".//w:t/text()"))
        assert text.startswith("\u2014") and text.endswith("\u2014")
        (paragraph,) = footer.paragraphs
        assert paragraph.alignment == alignment  # odd pages right, even pages left
        assert paragraph._p.xpath(f"./w:pPr/w:ind/@w:{side}") == ["280"]  # one 4号 character
        assert {r._r.xpath("./w:rPr/w:rFonts/@w:eastAsia")[0] for r in paragraph.runs} == {"宋体"}
        assert {r.font.size.pt for r in paragraph.runs} == {14}


def test_the_reference_document_carries_the_format(reference: Path) -> None:
    document = Document(str(reference))
    assert style_fonts(document, "Normal") == ("仿宋_GB2312", 16)
    section = document.sections[0]
    assert section.top_margin.mm == pytest.approx(37, abs=TOLERANCE_MM)
    assert "PAGE" in "".join(section.footer._element.xpath(".//w:instrText/text()"))
    assert "PAGE" in "".join(section.even_page_footer._element.xpath(".//w:instrText/text()"))
    assert document.settings.odd_and_even_pages_header_footer is True
    (grid,) = section._sectPr.xpath("./w:docGrid")
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    for name in ("Table Number", "Attachment Label", "Attachment Title", "Issuer", "Date"):
        assert document.styles[name] is not None


# -- files ----------------------------------------------------------------------------------


def test_no_machine_paths_in_the_file(city_docx: Path, township_docx: Path) -> None:
    needles = {str(Path.cwd()), str(Path.home()), str(city_docx.parent), "/tmp/"}
    needles |= {os.environ.get("TMPDIR", "/tmp")}
    for docx in (city_docx, township_docx):
        with zipfile.ZipFile(docx) as archive:
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    data = archive.read(name).decode("utf-8")
                    assert not [n for n in needles if n and n in data], name


def test_conversion_leaves_the_page_alone_and_writes_atomically(
    site: Path, reference: Path, tmp_path: Path
) -> None:
    source = site / "haichang.html"
    before = source.read_bytes()
    stamp = source.stat().st_mtime_ns
    page = before.decode("utf-8")
    out = tmp_path / "out" / docx_name(TOWNSHIP_TITLE)
    assert page_to_docx(page, out, reference=reference) == out
    first = out.read_bytes()
    assert page_to_docx(page, out, reference=reference) == out  # replaces in place
    assert out.read_bytes() == first  # the same bytes for the same page
    assert source.read_bytes() == before
    assert source.stat().st_mtime_ns == stamp
    assert page == before.decode("utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    assert zipfile.is_zipfile(out)


def test_a_page_without_a_report_is_refused(tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "x.docx"
    with pytest.raises(ValueError, match="ar-main"):
        page_to_docx("<html><body><p>no report</p></body></html>", out, reference=reference)
    assert not out.exists()


def test_docx_name() -> None:
    assert docx_name(CITY_TITLE) == "海宁市2024年法治政府建设年度报告.docx"
    assert re.fullmatch(r"[^/\\]+\.docx", docx_name("a/b\\c:d"))
    with pytest.raises(ValueError):
        docx_name("  / ")
