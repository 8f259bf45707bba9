"""The Excel collection loop: the template, the checked import and the bad-workbook corpus."""

from __future__ import annotations

import csv
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from annual_review.core.errors import InputError
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.collect import HEADERS, ImportReport, import_workbook, write_template
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values, values_path

from .bad_workbooks import CASES, Case, put, row_of

ROOT = Path(__file__).resolve().parents[1]
REGION = "haining"
SOURCE = "2025年1月各单位报送"


def copy_data(target: Path) -> Path:
    """A scratch copy of the repository's data/ folder."""
    shutil.copytree(ROOT / "data", target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (extra or missing files show up too)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def stored(data_dir: Path, year: int) -> dict[tuple[str, str], str]:
    """(unit, indicator) → value text of one year in the values file."""
    with values_path(data_dir, REGION).open(encoding="utf-8-sig", newline="") as handle:
        return {
            (r["unit"], r["indicator"]): r["value"]
            for r in csv.DictReader(handle)
            if r["year"] == str(year)
        }


def fill(book_path: Path, values: dict[tuple[str, str], object]) -> None:
    """Type values into the 本年数值 column of the sheets, as a person would."""
    book = openpyxl.load_workbook(book_path)
    for (sheet, indicator), value in values.items():
        ws = book[sheet]
        ws[f"F{row_of(ws, indicator)}"] = value
    book.save(book_path)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_data(tmp_path / "data")


@pytest.fixture(scope="session")
def template_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2025 template of every unit, written once from a copy of the data."""
    root = tmp_path_factory.mktemp("collect")
    data = copy_data(root / "data")
    return write_template(data, REGION, 2025, root / "haining-2025.xlsx")


@pytest.fixture
def book(template_2025: Path, tmp_path: Path) -> Path:
    """A fresh copy of the 2025 template to fill in or damage."""
    target = tmp_path / "haining-2025.xlsx"
    shutil.copyfile(template_2025, target)
    return target


# -- the template -------------------------------------------------------------------------------


def test_template_has_a_sheet_per_unit_and_a_hidden_meta(template_2025: Path) -> None:
    region = load_region(ROOT / "data", REGION)
    book = openpyxl.load_workbook(template_2025)
    assert book.sheetnames == [u.name for u in region.units] + ["_meta"]
    meta = book["_meta"]
    assert meta.sheet_state == "veryHidden"
    rows = [tuple(r) for r in meta.iter_rows(values_only=True)]
    assert rows[:4] == [
        ("format", "annual-review-collect"),
        ("version", 1),
        ("region", "haining"),
        ("year", 2025),
    ]
    assert [r[1] for r in rows[4:]] == [u.name for u in region.units]


def test_template_lists_every_stored_indicator_of_the_level(template_2025: Path) -> None:
    catalog = load_catalog(ROOT / "data")
    book = openpyxl.load_workbook(template_2025)
    for title, level in (("海宁市", "city"), ("海昌街道", "township")):
        ws = book[title]
        ids = [c.value for c in ws["A"][1:]]
        assert ids == [i.id for i in catalog.for_level(level) if not i.derived]
        assert all(not catalog[i].derived for i in ids)
        name, measure, definition = (ws.cell(row=2, column=c).value for c in (2, 3, 4))
        first = catalog[ids[0]]
        assert (name, measure, definition) == (first.name, first.measure, first.definition)


def test_template_header_validation_and_protection(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    ws = book["海宁市"]
    assert tuple(c.value for c in ws[1]) == HEADERS
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.protection.sheet
    last = ws.max_row
    for row in range(2, last + 1):
        locked = {c.column_letter: c.protection.locked for c in ws[row]}
        assert locked == {"A": True, "B": True, "C": True, "D": True, "E": True} | {
            "F": False,
            "G": False,
        }
    kinds = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_col == rng.max_col == 6
            for row in range(rng.min_row, rng.max_row + 1):
                kinds[row] = (dv.type, dv.operator, dv.formula1)
    reduction = row_of(ws, "inspection_reduction")
    assert kinds[reduction] == ("decimal", "greaterThanOrEqual", "0")
    assert kinds[row_of(ws, "recon_received")] == ("whole", "greaterThanOrEqual", "0")
    assert set(kinds) == set(range(2, last + 1))


def test_template_shows_last_years_figures(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    last = stored(ROOT / "data", 2024)
    for ws in book.worksheets[:-1]:
        for row in ws.iter_rows(min_row=2, values_only=True):
            expected = last.get((ws.title, row[0]))
            assert row[4] == (None if expected is None else int(expected)), (ws.title, row[0])
            assert row[5] is None and row[6] is None
    assert book["海宁市"][f"E{row_of(book['海宁市'], 'recon_received')}"].value == 391


def test_template_is_deterministic_and_atomic(data_dir: Path, tmp_path: Path) -> None:
    first = write_template(data_dir, REGION, 2025, tmp_path / "a" / "t.xlsx")
    second = write_template(data_dir, REGION, 2025, tmp_path / "b" / "t.xlsx")
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["t.xlsx"]


def test_template_for_chosen_units(data_dir: Path, tmp_path: Path) -> None:
    out = write_template(data_dir, REGION, 2025, tmp_path / "t.xlsx", units=["haichang", "袁花镇"])
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["海昌街道", "袁花镇", "_meta"]
    with pytest.raises(InputError, match="袁花街道"):
        write_template(data_dir, REGION, 2025, tmp_path / "u.xlsx", units=["袁花街道"])
    with pytest.raises(InputError, match="not a year"):
        write_template(data_dir, REGION, 1999, tmp_path / "v.xlsx")
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_template(data_dir, REGION, 2025, tmp_path / "w.xls")
    assert not (tmp_path / "u.xlsx").exists()


# -- the good path ------------------------------------------------------------------------------


def test_filled_template_imports_every_figure(book: Path, data_dir: Path) -> None:
    last = stored(data_dir, 2024)
    values: dict[tuple[str, str], object] = {k: int(v) for k, v in last.items()}
    values[("海宁市", "mediation_disputes")] = "14,908"
    values[("海宁市", "recon_received")] = "３９１"
    values[("海宁市", "mediation_settled")] = " 9，725 "
    values[("海宁市", "recon_closed")] = "358"
    fill(book, values)
    before = values_path(data_dir, REGION).read_text(encoding="utf-8")

    report = import_workbook(book, data_dir, REGION, source=SOURCE)

    assert isinstance(report, ImportReport)
    assert report.rows_written == len(last) == 168
    assert report.path == values_path(data_dir, REGION)
    assert report.warnings == []
    after = report.path.read_text(encoding="utf-8")
    assert after.startswith(before)  # the stored rows keep their order and text
    region, catalog = load_region(data_dir, REGION), load_catalog(data_dir)
    frame = load_values(data_dir, region, catalog)
    rows = frame[frame["year"] == 2025]
    assert len(rows) == 168
    assert not rows["illustrative"].any()
    assert set(rows["source"]) == {SOURCE}
    assert stored(data_dir, 2025) == last
    again = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert again.rows_written == 168
    assert report.path.read_text(encoding="utf-8") == after


def test_typed_forms_are_normalised(book: Path, data_dir: Path) -> None:
    fill(
        book,
        {
            ("海宁市", "mediation_disputes"): "１４，９０８",
            ("海宁市", "mediation_settled"): "9,725",
            ("海宁市", "recon_received"): "\u3000３９１ ",
            ("海宁市", "recon_closed"): 358.0,
            ("海宁市", "inspection_reduction"): "39%",
            ("海宁市", "exam_takers"): "57",
            ("海宁市", "law_study_sessions"): "",
        },
    )
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert report.rows_written == 6
    assert stored(data_dir, 2025) == {
        ("海宁市", "mediation_disputes"): "14908",
        ("海宁市", "mediation_settled"): "9725",
        ("海宁市", "recon_received"): "391",
        ("海宁市", "recon_closed"): "358",
        ("海宁市", "inspection_reduction"): "39",
        ("海宁市", "exam_takers"): "57",
    }


def test_percent_cells_and_decimals_of_a_stated_percentage(book: Path, data_dir: Path) -> None:
    ws_book = openpyxl.load_workbook(book)
    ws = ws_book["海宁市"]
    cell = ws[f"F{row_of(ws, 'inspection_reduction')}"]
    cell.value = 0.395
    cell.number_format = "0.0%"
    ws_book.save(book)
    import_workbook(book, data_dir, REGION, source=SOURCE)
    assert stored(data_dir, 2025) == {("海宁市", "inspection_reduction"): "39.5"}
    put(book, "海宁市", "inspection_reduction", "12.50")
    import_workbook(book, data_dir, REGION, source=SOURCE)
    assert stored(data_dir, 2025) == {("海宁市", "inspection_reduction"): "12.5"}


def test_warnings_for_a_jump_and_a_fall_to_zero(book: Path, data_dir: Path) -> None:
    fill(
        book,
        {
            ("海宁市", "law_study_sessions"): 31,  # 2024: 10
            ("硖石街道", "recon_against"): 0,  # 2024: 6
            ("硖石街道", "legality_reviews"): 320,  # 2024: 312, no warning
        },
    )
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert report.rows_written == 3
    assert len(report.warnings) == 2
    jump, fall = report.warnings
    ws_row = openpyxl.load_workbook(book)
    city = row_of(ws_row["海宁市"], "law_study_sessions")
    township = row_of(ws_row["硖石街道"], "recon_against")
    assert f"海宁市!F{city}" in jump and "more than three times" in jump and "10" in jump
    assert f"硖石街道!F{township}" in fall and "falls to 0 from 6" in fall


def test_a_blank_source_without_source_argument_is_named_not_guessed(
    book: Path, data_dir: Path
) -> None:
    fill(book, {("海宁市", "ip_rules"): 3, ("海宁市", "ip_adjudications"): 50})
    row = put(book, "海宁市", "ip_rules", "市市场监管局", column="G")
    before = snapshot(data_dir)
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION)
    blank = [p for p in caught.value.problems if "来源 is blank" in p]
    assert len(blank) == 1 and "ip_adjudications" in blank[0] and "value 50" in blank[0]
    assert f"{book.name}: 海宁市!G" in blank[0] and f"{book.name}: {row}" not in blank[0]
    assert snapshot(data_dir) == before


def test_sources_cell_then_argument(book: Path, data_dir: Path) -> None:
    fill(book, {("海宁市", "ip_rules"): 3, ("海宁市", "ip_adjudications"): 50})
    put(book, "海宁市", "ip_rules", "  市市场监管局\n报送 ", column="G")
    import_workbook(book, data_dir, REGION, source="2025年1月报送")
    with values_path(data_dir, REGION).open(encoding="utf-8") as handle:
        sources = {
            r["indicator"]: r["source"] for r in csv.DictReader(handle) if r["year"] == "2025"
        }
    assert sources == {"ip_rules": "市市场监管局 报送", "ip_adjudications": "2025年1月报送"}


def test_a_stored_year_is_replaced_in_place(data_dir: Path, tmp_path: Path) -> None:
    book = write_template(data_dir, REGION, 2024, tmp_path / "haining-2024.xlsx", units=["海宁市"])
    fill(book, {("海宁市", "recon_received"): 392})
    path = values_path(data_dir, REGION)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("2024,海宁市,recon_received,"))

    report = import_workbook(book, data_dir, REGION, source=SOURCE)

    new_lines = path.read_text(encoding="utf-8").splitlines()
    assert len(new_lines) == len(lines)
    assert new_lines[at] == f"2024,海宁市,recon_received,392,{SOURCE},false"
    assert [x for i, x in enumerate(new_lines) if i != at] == [
        x for i, x in enumerate(lines) if i != at
    ]
    assert any("replaces the stored 2024 figure 391" in w for w in report.warnings)


def test_an_empty_template_changes_nothing(book: Path, data_dir: Path) -> None:
    before = snapshot(data_dir)
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert report.rows_written == 0
    assert "no figures" in report.warnings[-1]
    assert snapshot(data_dir) == before


# -- refusing bad input -------------------------------------------------------------------------


def test_corpus_is_large_and_named_uniquely() -> None:
    names = [c.name for c in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_workbook_is_refused_and_nothing_written(
    case: Case, book: Path, data_dir: Path
) -> None:
    where = case.damage(book) or book.name
    before = snapshot(data_dir)
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION, source=SOURCE)
    problems = caught.value.problems
    assert any(where in p and re.search(case.reason, p) for p in problems), (
        f"expected {where!r} and /{case.reason}/ in one of:\n" + "\n".join(problems)
    )
    assert snapshot(data_dir) == before


def test_every_problem_is_listed(book: Path, data_dir: Path) -> None:
    a = put(book, "海宁市", "recon_received", "约400")
    b = put(book, "海昌街道", "recon_against", -1)
    c = put(book, "袁花镇", "villages_total", "=5")
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION, source=SOURCE)
    problems = caught.value.problems
    assert len(problems) == 3
    for where in (a, b, c):
        assert sum(where in p for p in problems) == 1


def test_a_workbook_of_another_year_is_refused(book: Path, data_dir: Path) -> None:
    fill(book, {("海宁市", "recon_received"): 400})
    with pytest.raises(InputError, match=r"_meta!B4: the workbook collects 2025, not 2024"):
        import_workbook(book, data_dir, REGION, year=2024, source=SOURCE)


def test_a_part_larger_than_a_stored_whole_is_refused(data_dir: Path, tmp_path: Path) -> None:
    book = write_template(data_dir, REGION, 2024, tmp_path / "haining-2024.xlsx", units=["海宁市"])
    cell = put(book, "海宁市", "recon_mediated", 400)  # stored 2024 recon_closed: 358
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION, source=SOURCE)
    (problem,) = caught.value.problems
    assert cell in problem and "larger than its whole recon_closed" in problem
    assert "line 0" not in problem


def test_missing_file_is_an_input_error(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_workbook(tmp_path / "nothing.xlsx", data_dir, REGION, source=SOURCE)


def test_interrupted_import_leaves_data_unchanged(
    book: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(book, {("海宁市", "recon_received"): 400, ("海昌街道", "recon_against"): 2})
    before = snapshot(data_dir)

    def interrupted(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError, match="disk full"):
        import_workbook(book, data_dir, REGION, source=SOURCE)
    assert snapshot(data_dir) == before
    monkeypatch.undo()
    assert import_workbook(book, data_dir, REGION, source=SOURCE).rows_written == 2


def test_import_never_modifies_the_workbook(book: Path, data_dir: Path) -> None:
    fill(book, {("海宁市", "recon_received"): 400})
    data = book.read_bytes()
    import_workbook(book, data_dir, REGION, source=SOURCE)
    assert book.read_bytes() == data


def test_values_keep_exact_decimals(book: Path, data_dir: Path) -> None:
    put(book, "海宁市", "inspection_reduction", 12.3)
    import_workbook(book, data_dir, REGION, source=SOURCE)
    assert Decimal(stored(data_dir, 2025)[("海宁市", "inspection_reduction")]) == Decimal("12.3")
