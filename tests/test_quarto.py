"""The Quarto book export: its structure always, its rendering only where Quarto exists."""

from __future__ import annotations

import copy
import html as htmllib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from annual_review.blocks.block import NOT_PUBLISHED, PAGE_HTML
from annual_review.core.errors import InputError, PublishError
from annual_review.inputs.region import Unit, load_region
from annual_review.publish.quarto import FONT_FILE, quarto_config, render_book, write_book
from annual_review.publish.quarto_chapter import chapter_notebook
from annual_review.publish.quarto_schema import load_schema, problems
from annual_review.publish.render import headings
from fontTools.ttLib import TTFont

from .conftest import ROOT

pytestmark = pytest.mark.slow

REGION = load_region(ROOT / "data")
CHAPTERS = ["index.ipynb", *(f"{u.slug}.ipynb" for u in REGION.townships)]
UNITS = {name: unit for name, unit in zip(CHAPTERS, REGION.units, strict=True)}
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}
CITY_SENTENCE = "新收行政复议案件391件，同比增长67.81%"
NOT_INSTALLED = "quarto is not installed (optional; see README)"
SCHEMA = load_schema(Path(__file__).parent / "quarto_schema")
MD_HEADING = re.compile(r"^(#{1,6}) (.*?)(?: \{#([^}]+)\})?$", re.MULTILINE)


@dataclass(frozen=True)
class Book:
    project: Path
    returned: Path
    built: Path
    inputs: dict[str, Path]
    before: dict[str, bytes]


def input_notebooks(built: Path) -> dict[str, Path]:
    folder = built / "outputs" / "haining" / "2024" / "notebooks"
    return {u.slug: folder / f"{u.slug}.ipynb" for u in REGION.units}


@pytest.fixture(scope="module")
def book(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Book:
    inputs = input_notebooks(built)
    before = {slug: path.read_bytes() for slug, path in inputs.items()}
    project = tmp_path_factory.mktemp("quarto") / "book"
    returned = write_book(inputs, load_region(built / "data"), 2024, project)
    return Book(project, returned, built, inputs, before)


def config(book: Book) -> dict:
    return yaml.safe_load((book.project / "_quarto.yml").read_text(encoding="utf-8"))


def html_outputs(nb) -> list[str]:
    """The HTML a reader sees: the page's HTML of each published output (a notebook-only
    output, such as where the figures come from, is not published)."""
    return [
        "".join(output["data"].get(PAGE_HTML, output["data"]["text/html"]))
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
        and not output.get("metadata", {}).get("annual_review", {}).get(NOT_PUBLISHED)
    ]


def test_write_book_returns_the_project_folder(book: Book) -> None:
    assert book.returned == book.project
    assert (book.project / "_quarto.yml").is_file()


def test_quarto_yml_is_a_book_of_the_city_then_the_townships(book: Book) -> None:
    conf = config(book)
    assert conf["project"]["type"] == "book"
    assert conf["project"]["output-dir"] == "_book"
    assert conf["book"]["title"] == "海宁市2024年法治政府建设年度报告"
    assert conf["book"]["chapters"] == CHAPTERS
    assert len(conf["book"]["chapters"]) == 13
    assert conf["lang"] == "zh"


def test_quarto_yml_uses_stored_outputs_and_hides_code(book: Book) -> None:
    conf = config(book)
    assert conf["format"]["html"]["toc"] is True
    assert conf["execute"]["enabled"] is False
    assert conf["execute"]["echo"] is False


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_quarto_yml_is_valid_against_quartos_schema(book: Book) -> None:
    assert problems(config(book), SCHEMA) == []


def test_a_book_does_not_ask_for_embedded_resources(book: Book) -> None:
    # Quarto makes self-contained HTML of single documents, not of books or websites.
    assert "embed-resources" not in _keys(config(book))
    assert "self-contained" not in _keys(config(book))


@pytest.mark.parametrize(
    ("where", "key", "value", "fault"),
    [
        (("book",), "embed-resources", True, "book: 'embed-resources' is not a Quarto option"),
        (("format", "html"), "tocc", True, "format.html.tocc: not an option of Quarto's html"),
        (("format", "html"), "toc", "yes", "format.html.toc: must be boolean"),
        (("format", "html"), "reference-doc", "x.docx", "format.html.reference-doc: not an"),
        (("project",), "output_dir", "_book", "project: 'output_dir' is not a Quarto option"),
        (("execute",), "eval", "no", "execute.eval: must be boolean"),
        (("book",), "sharing", "mastodon", "book.sharing: 'mastodon' is not one of"),
        ((), "number-section", False, "number-section: not a Quarto project option"),
    ],
)
def test_schema_check_reports_a_wrong_key_or_value(
    where: tuple[str, ...], key: str, value, fault: str
) -> None:
    conf = copy.deepcopy(quarto_config(REGION, 2024))
    assert problems(conf, SCHEMA) == []
    target = conf
    for name in where:
        target = target[name]
    target[key] = value
    found = problems(conf, SCHEMA)
    assert len(found) == 1, found
    assert found[0].startswith(fault), found


def test_the_font_subset_is_in_the_project_and_covers_the_book(book: Book) -> None:
    conf = config(book)
    font_file = book.project / FONT_FILE
    assert font_file.read_bytes()[:4] == b"wOFF"
    assert FONT_FILE in conf["project"]["resources"]
    css = (book.project / "book.css").read_text(encoding="utf-8")
    assert css.startswith('@font-face { font-family: "AR Fallback SC";')
    assert f'url("{FONT_FILE}")' in css
    assert "data:" not in css
    assert conf["format"]["html"]["css"] == ["review.css", "book.css"]
    assert "AR Fallback SC" in (book.project / "review.scss").read_text(encoding="utf-8")
    cmap = TTFont(font_file).getBestCmap()
    for chapter in CHAPTERS:
        text = (book.project / chapter).read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        shown = "".join(c.source for c in nb.cells) + "".join(html_outputs(nb))
        missing = {ch for ch in htmllib.unescape(shown) if ord(ch) > 0x7E} - set(map(chr, cmap))
        assert not missing, (chapter, sorted(missing)[:10])


def test_book_styles_aim_at_quartos_markup(book: Book) -> None:
    css = (book.project / "book.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    selectors = {s.strip() for s in re.findall(r"([^{}]+)\{", rules)}
    assert "body" in selectors  # the body font is set on Quarto's <body>, no class needed
    assert "#quarto-document-content h2" in selectors
    assert "#quarto-document-content .cell-output-display p" in selectors
    assert not re.search(r"\.ar-(page|main|layout)\b", rules)


def test_project_holds_exactly_the_chapters(book: Book) -> None:
    assert sorted(p.name for p in book.project.glob("*.ipynb")) == sorted(CHAPTERS)
    assert not [p.name for p in book.project.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_a_clean_notebook_with_its_heading(book: Book, chapter: str) -> None:
    unit: Unit = UNITS[chapter]
    text = (book.project / chapter).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        assert not REMOVED_TAGS & set(cell.get("metadata", {}).get("tags", [])), cell.source[:80]
    assert "papermill" not in text.lower()
    assert "injected-parameters" not in text
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.splitlines()[0] == f"# {unit.name}"


def markdown_headings(nb) -> list[tuple[int, str, str]]:
    return [
        (len(m[1]), m[3] or "", re.sub(r"\\(.)", r"\1", m[2]))
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for m in MD_HEADING.finditer(cell.source)
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_one_h1_and_the_reports_headings_in_markdown(book: Book, chapter: str) -> None:
    unit = UNITS[chapter]
    original = nbformat.reads(book.before[unit.slug].decode("utf-8"), as_version=4)
    nb = nbformat.read(book.project / chapter, as_version=4)
    found = markdown_headings(nb)
    assert found[0] == (1, "", unit.name)
    assert [h for h in found if h[0] == 1] == [found[0]]
    assert not any(re.search(r"<h1\b", page, re.IGNORECASE) for page in html_outputs(nb))
    declared = [tuple(h) for h in headings(original)]
    assert declared, chapter
    assert found[1:] == declared  # every declared heading, in order, visible to Pandoc
    for _level, anchor, _ in declared:  # and shown once: no longer in the stored HTML
        assert not any(f'id="{anchor}"' in page for page in html_outputs(nb)), anchor


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_heading_cells_stand_just_before_their_blocks(book: Book, chapter: str) -> None:
    nb = nbformat.read(book.project / chapter, as_version=4)
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        declared = [
            h
            for output in cell.get("outputs", [])
            for h in output.get("metadata", {}).get("annual_review", {}).get("headings", [])
        ]
        if declared:
            assert before.cell_type == "markdown"
            assert [(len(m[1]), m[3]) for m in MD_HEADING.finditer(before.source)] == [
                (h[0], h[1]) for h in declared
            ]


def _text(fragment: str) -> str:
    return "".join(htmllib.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


def test_a_heading_that_does_not_open_its_block_stops_the_export() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("review.part(1)", id="c1")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={"text/html": '<p>前言</p><h2 id="part-1">一、</h2>'},
            metadata={"annual_review": {"headings": [[2, "part-1", "一、"]]}},
            execution_count=1,
        )
    ]
    nb.cells = [cell]
    with pytest.raises(PublishError, match="part-1"):
        chapter_notebook(nbformat.writes(nb), REGION.units[0])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_keeps_every_html_output_of_the_report(book: Book, chapter: str) -> None:
    unit = UNITS[chapter]
    original = nbformat.reads(book.before[unit.slug].decode("utf-8"), as_version=4)
    chapter_nb = nbformat.read(book.project / chapter, as_version=4)
    outputs = html_outputs(chapter_nb)
    assert len(outputs) == len(html_outputs(original)), chapter
    # The same words in the same order: the headings now in Markdown, the rest as stored.
    shown = "".join(
        "".join(h[2] for h in markdown_headings(nbformat.from_dict({"cells": [c]})))
        if c.cell_type == "markdown"
        else "".join(html_outputs(nbformat.from_dict({"cells": [c]})))
        for c in chapter_nb.cells[1:]
    )
    assert _text(shown) == _text("".join(html_outputs(original)))


def test_city_chapter_states_the_reconsideration_figure(book: Book) -> None:
    nb = nbformat.read(book.project / "index.ipynb", as_version=4)
    assert any(CITY_SENTENCE in html for html in html_outputs(nb))


@pytest.mark.parametrize("name", [*CHAPTERS, "_quarto.yml"])
def test_book_names_no_absolute_machine_path(book: Book, name: str) -> None:
    text = (book.project / name).read_text(encoding="utf-8")
    text = re.sub(r"data:[^\"'\\\s)]+", "data:", text)
    for path in {book.built, book.project, ROOT, book.built.resolve(), ROOT.resolve()}:
        assert str(path) not in text, (name, str(path))
        assert path.as_posix() not in text, (name, path.as_posix())
    assert not re.search(r"(?<![<\w])/(?:home|tmp|work|Users|root|private)/", text), name
    assert not re.search(r"\b[A-Za-z]:\\\\", text), name


def test_input_notebooks_are_byte_identical_after_writing(book: Book) -> None:
    for slug, path in book.inputs.items():
        assert path.read_bytes() == book.before[slug], slug


def test_rewriting_replaces_the_project_and_leaves_no_staging(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "book"
    out.mkdir()
    (out / "stale.ipynb").write_text("{}", encoding="utf-8")
    write_book(input_notebooks(built), REGION, 2024, out)
    assert not (out / "stale.ipynb").exists()
    assert sorted(p.name for p in out.glob("*.ipynb")) == sorted(CHAPTERS)
    assert [p.name for p in tmp_path.iterdir()] == ["book"]


def test_failed_write_keeps_the_previous_project(built: Path, tmp_path: Path) -> None:
    out = write_book(input_notebooks(built), REGION, 2024, tmp_path / "book")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken.ipynb"
    broken.write_text("not a notebook", encoding="utf-8")
    notebooks = {**input_notebooks(built), REGION.townships[-1].slug: broken}
    with pytest.raises(ValueError):  # nbformat's NotJSONError
        write_book(notebooks, REGION, 2024, out)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "broken.ipynb"]


def test_a_missing_unit_is_named(built: Path, tmp_path: Path) -> None:
    notebooks = input_notebooks(built)
    del notebooks["haichang"]
    with pytest.raises(InputError, match="海昌街道"):
        write_book(notebooks, REGION, 2024, tmp_path / "book")
    assert not (tmp_path / "book").exists()


def test_render_without_quarto_says_it_is_optional_and_how_to_install(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PublishError) as excinfo:
        render_book(book.project)
    message = str(excinfo.value)
    assert "optional" in message
    assert ".deb" in message
    assert "pip install quarto-cli" in message
    assert not (book.project / "_book").exists()


def test_render_with_a_missing_quarto_path_raises(book: Book, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="optional"):
        render_book(book.project, quarto=str(tmp_path / "no-such-quarto"))


@pytest.mark.skipif(shutil.which("quarto") is None, reason=NOT_INSTALLED)
def test_quarto_renders_the_book(book: Book, tmp_path: Path) -> None:
    project = tmp_path / "book"
    shutil.copytree(book.project, project)
    site = render_book(project)
    assert site == project / "_book"
    pages = {p.name: p.read_text(encoding="utf-8") for p in site.glob("*.html")}
    assert sorted(pages) == sorted(c.replace(".ipynb", ".html") for c in CHAPTERS)
    assert CITY_SENTENCE in pages["index.html"]
    for name, html in pages.items():
        unit = UNITS[name.replace(".html", ".ipynb")]
        assert unit.name in html, name
        assert "papermill" not in html.lower(), name
        assert "Review.load" not in html, name
        assert not re.search(r"<(link|script|img)\b[^>]*(src|href)=[\"']?(https?:)?//", html), name
        assert len(re.findall(r"<h1\b", html)) == 1, name
        assert 'id="TOC"' in html, name
    assert 'href="#part-1"' in pages["index.html"]
    assert (site / FONT_FILE).is_file()
