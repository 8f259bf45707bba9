"""The Quarto book export: its structure always, its rendering only where Quarto exists."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from annual_review.core.errors import InputError, PublishError
from annual_review.inputs.region import Unit, load_region
from annual_review.publish.quarto import render_book, write_book

from .conftest import ROOT

pytestmark = pytest.mark.slow

REGION = load_region(ROOT / "data")
CHAPTERS = ["index.ipynb", *(f"{u.slug}.ipynb" for u in REGION.townships)]
UNITS = {name: unit for name, unit in zip(CHAPTERS, REGION.units, strict=True)}
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}
CITY_SENTENCE = "新收行政复议案件391件，同比增长67.81%"
NOT_INSTALLED = "quarto is not installed (optional; see README)"


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
    return [
        "".join(output["data"]["text/html"])
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
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


def test_quarto_yml_uses_stored_outputs_hides_code_and_embeds_resources(book: Book) -> None:
    conf = config(book)
    html = conf["format"]["html"]
    assert html["embed-resources"] is True
    assert html["toc"] is True
    assert conf["execute"]["enabled"] is False
    assert conf["execute"]["echo"] is False


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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_keeps_every_html_output_of_the_report(book: Book, chapter: str) -> None:
    unit = UNITS[chapter]
    original = nbformat.reads(book.before[unit.slug].decode("utf-8"), as_version=4)
    chapter_nb = nbformat.read(book.project / chapter, as_version=4)
    outputs = html_outputs(chapter_nb)
    assert outputs, chapter
    assert outputs == html_outputs(original)


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
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.ipynb"
    broken.write_text("not a notebook", encoding="utf-8")
    notebooks = {**input_notebooks(built), REGION.townships[-1].slug: broken}
    with pytest.raises(ValueError):  # nbformat's NotJSONError
        write_book(notebooks, REGION, 2024, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
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
