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
from annual_review.inputs.collect import (
    HEADERS,
    LAYOUT,
    ImportReport,
    import_workbook,
    workbook_region,
    write_template,
)
from annual_review.inputs.collect.common import INSTRUCTIONS_SHEET
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values, values_path
from openpyxl.worksheet.worksheet import Worksheet

from .bad_workbooks import CASES, Case, edit, put, row_of

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


def unit_sheets(book: openpyxl.Workbook) -> list[Worksheet]:
    """The workbook's unit sheets (not 说明, not _meta)."""
    return [ws for ws in book.worksheets if ws.title not in (INSTRUCTIONS_SHEET, "_meta")]


def test_template_has_instructions_a_sheet_per_unit_and_a_hidden_meta(template_2025: Path) -> None:
    region = load_region(ROOT / "data", REGION)
    book = openpyxl.load_workbook(template_2025)
    assert book.sheetnames == [INSTRUCTIONS_SHEET] + [u.name for u in region.units] + ["_meta"]
    assert book.active.title == INSTRUCTIONS_SHEET
    meta = book["_meta"]
    assert meta.sheet_state == "veryHidden"
    rows = [tuple(r) for r in meta.iter_rows(values_only=True)]
    assert rows[:4] == [
        ("format", "annual-review-collect"),
        ("version", 2),
        ("region", "haining"),
        ("year", 2025),
    ]
    assert [r[1] for r in rows[4:]] == [u.name for u in region.units]
    assert workbook_region(template_2025) == "haining"


def test_template_lists_every_stored_indicator_of_the_level(template_2025: Path) -> None:
    region = load_region(ROOT / "data", REGION)
    catalog = load_catalog(ROOT / "data", region)
    book = openpyxl.load_workbook(template_2025)
    for title, level in (("海宁市", "city"), ("海昌街道", "township")):
        ws = book[title]
        rows = list(ws.iter_rows(min_row=LAYOUT.first_row, values_only=True))
        ids = [r[LAYOUT.id_col - 1] for r in rows]
        assert ids == [i.id for i in catalog.for_level(level) if not i.derived]
        for row in rows:
            ind = catalog[row[LAYOUT.id_col - 1]]
            assert row[:4] == (
                ind.name,
                ind.measure,
                "必填" if ind.required else "选填",
                ind.definition,
            )
        required = {r[LAYOUT.id_col - 1] for r in rows if r[2] == "必填"}
        assert required == {i.id for i in catalog.required_for(level)}
    optional = [i for i in catalog.for_level("city") if not i.derived and not i.required]
    assert optional, "the catalogue marks some figures optional: the template must show it"


def test_template_titles_name_unit_region_and_year(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    ws = book["海昌街道"]
    assert ws["A1"].value == "海昌街道 2025年法治政府建设指标填报表"
    assert "嘉兴市海宁市" in ws["A2"].value and "2025年1月1日至12月31日" in ws["A2"].value
    assert book["海宁市"]["A1"].value == "海宁市 2025年法治政府建设指标填报表"
    assert not ws.merged_cells.ranges  # titles are plain cells: no merged cells anywhere


def test_template_header_validation_and_protection(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    ws = book["海宁市"]
    top = LAYOUT.header_row
    assert tuple(c.value for c in ws[top]) == HEADERS
    assert HEADERS[:7] == ("指标", "单位", "要求", "定义/口径", "上年数值", "本年数值", "来源/备注")
    assert all(c.font.b for c in ws[top])
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.protection.sheet
    assert ws.column_dimensions["H"].hidden and not ws.column_dimensions["G"].hidden
    last = ws.max_row
    for row in range(top + 1, last + 1):
        locked = {c.column_letter: c.protection.locked for c in ws[row]}
        assert locked == dict.fromkeys("ABCDEH", True) | {"F": False, "G": False}
        assert all(c.border.left.style == "thin" for c in ws[row][:7])
    formulas = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "custom" and dv.showErrorMessage
        (rng,) = dv.sqref.ranges
        assert rng.min_col == rng.max_col == 6 and rng.min_row == rng.max_row
        formulas[rng.min_row] = dv.formula1
    assert set(formulas) == set(range(top + 1, last + 1))
    count = formulas[row_of(ws, "recon_received")]
    stated = formulas[row_of(ws, "inspection_reduction")]
    assert "INT(" in count and "INT(" not in stated
    assert all('"n/a"' in f and '"不适用"' in f and ">=0" in f for f in (count, stated))


def test_template_prints_landscape_one_page_wide(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    for ws in book.worksheets[:-1]:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    ws = book["海宁市"]
    assert ws.print_title_rows == f"${LAYOUT.header_row}:${LAYOUT.header_row}"
    assert ws.print_area == f"'海宁市'!$A$1:$G${ws.max_row}"  # the hidden id is not printed
    assert ws.row_dimensions[ws.max_row].height >= 20  # room to write by hand


def test_instructions_say_what_to_fill_and_how(template_2025: Path) -> None:
    ws = openpyxl.load_workbook(template_2025)[INSTRUCTIONS_SHEET]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, max_col=2, values_only=True) if r[0]}
    assert ws["A1"].value == "海宁市 2025年法治政府建设指标填报说明"
    text = "\n".join(str(v) for v in rows.values() if v)
    for needed in ("本年数值", "来源/备注", "整数", "n/a", "写明原因", "必填", ".xlsx"):
        assert needed in text, needed
    for blank in ("报送截止日期", "联系人", "联系电话"):
        assert blank in rows and rows[blank] is None  # left for the office to fill
        row = next(c.row for c in ws["A"] if c.value == blank)
        assert ws.cell(row=row, column=2).protection.locked is False


def test_template_shows_last_years_figures(template_2025: Path) -> None:
    book = openpyxl.load_workbook(template_2025)
    last = stored(ROOT / "data", 2024)
    for ws in unit_sheets(book):
        for row in ws.iter_rows(min_row=LAYOUT.first_row, values_only=True):
            expected = last.get((ws.title, row[LAYOUT.id_col - 1]))
            assert row[4] == (None if expected is None else int(expected)), (ws.title, row)
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
    assert book.sheetnames == [INSTRUCTIONS_SHEET, "海昌街道", "袁花镇", "_meta"]
    assert "共 2 个：海昌街道、袁花镇" in book[INSTRUCTIONS_SHEET]["B3"].value
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
    changes = [w for w in report.warnings if "required figures" not in w]
    assert len(changes) == 2
    jump, fall = changes
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


# -- completeness, n/a, region, macros, the previous layout ---------------------------------------


def test_a_mostly_empty_workbook_is_not_silent(book: Path, data_dir: Path) -> None:
    region = load_region(data_dir, REGION)
    catalog = load_catalog(data_dir, region)
    township = catalog.required_for("township")
    filled = township[:8]
    fill(book, {("海昌街道", i.id): 5 for i in filled})
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert report.rows_written == 8
    lines = [w for w in report.warnings if "required figures" in w]
    total = len(catalog.required_for("city")) + len(township) * len(region.townships)
    assert lines[0].startswith(f"{book.name}: 8 of {total} required figures of 2025")
    assert f"{len(region.units)} of {len(region.units)} unit sheets incomplete" in lines[0]
    (haichang,) = [w for w in lines if ": 海昌街道: " in w]
    missing = township[8:]
    assert f"海昌街道: 8 of {len(township)} required figures filled; missing: " in haichang
    assert haichang.endswith(", ".join(i.name for i in missing))
    assert all(i.name not in haichang.split("missing:")[1] for i in filled)
    (city,) = [w for w in lines if ": 海宁市: 0 of " in w]
    assert "and " in city and "more" in city  # a long list is cut short
    assert len(lines) == 1 + len(region.units)


def test_figures_already_stored_are_not_reported_missing(data_dir: Path, tmp_path: Path) -> None:
    book = write_template(
        data_dir, REGION, 2024, tmp_path / "haining-2024.xlsx", units=["海昌街道"]
    )
    same = int(stored(data_dir, 2024)[("海昌街道", "legality_reviews")])
    fill(book, {("海昌街道", "legality_reviews"): same})
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert not [w for w in report.warnings if "required figures" in w]  # the rest is stored


def test_not_applicable_with_a_reason_is_written_as_n_a(book: Path, data_dir: Path) -> None:
    reason = "本镇无赋权事项（2025年未承接）"
    put(book, "黄湾镇", "empowered_items", " N/A ")
    put(book, "黄湾镇", "empowered_items", reason, column="G")
    put(book, "海宁市", "ip_rules", "不适用")
    put(book, "海宁市", "ip_rules", "本级未出台", column="G")
    fill(book, {("黄湾镇", "legality_reviews"): 80})
    report = import_workbook(book, data_dir, REGION, source=SOURCE)
    assert report.rows_written == 3
    with values_path(data_dir, REGION).open(encoding="utf-8") as handle:
        rows = {
            (r["unit"], r["indicator"]): (r["value"], r["source"])
            for r in csv.DictReader(handle)
            if r["year"] == "2025"
        }
    assert rows == {
        ("黄湾镇", "empowered_items"): ("n/a", reason),
        ("海宁市", "ip_rules"): ("n/a", "本级未出台"),
        ("黄湾镇", "legality_reviews"): ("80", SOURCE),
    }
    (huangwan,) = [w for w in report.warnings if ": 黄湾镇: " in w]
    assert "黄湾镇: 2 of " in huangwan and "赋权事项" not in huangwan  # n/a counts as filled
    region = load_region(data_dir, REGION)
    load_values(data_dir, region, load_catalog(data_dir, region))  # the values file still loads


def test_not_applicable_without_reason_is_not_covered_by_source_argument(
    book: Path, data_dir: Path
) -> None:
    cell = put(book, "黄湾镇", "empowered_items", "n/a")
    before = snapshot(data_dir)
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION, source=SOURCE)
    (problem,) = caught.value.problems
    assert cell in problem and "without a reason" in problem and "黄湾镇!G" in problem
    assert snapshot(data_dir) == before


def test_a_macro_enabled_file_is_refused(book: Path, data_dir: Path) -> None:
    macro = book.with_suffix(".xlsm")
    shutil.copyfile(book, macro)
    before = snapshot(data_dir)
    with pytest.raises(InputError) as caught:
        import_workbook(macro, data_dir, REGION, source=SOURCE)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{macro.name}: refused: a macro-enabled workbook (.xlsm)")
    assert snapshot(data_dir) == before


def test_hidden_sheet_rows_and_columns_each_one_line(book: Path, data_dir: Path) -> None:
    with edit(book) as opened:
        opened["海昌街道"].sheet_state = "hidden"
        ws = opened["许村镇"]
        for indicator in ("legality_reviews", "empowered_items", "villages_total"):
            ws.row_dimensions[row_of(ws, indicator)].hidden = True
        ws.column_dimensions["D"].hidden = True
    with pytest.raises(InputError) as caught:
        import_workbook(book, data_dir, REGION, source=SOURCE)
    problems = caught.value.problems
    assert len(problems) == 3
    assert sum("sheet '海昌街道' is hidden" in p for p in problems) == 1
    (rows,) = [p for p in problems if "hidden rows" in p]
    (cols,) = [p for p in problems if "hidden columns" in p]
    assert rows.startswith(f"{book.name}: 许村镇: hidden rows ") and "," in rows
    assert cols.startswith(f"{book.name}: 许村镇: hidden columns D in the table")


def test_region_comes_from_the_workbook(book: Path, data_dir: Path, tmp_path: Path) -> None:
    fill(book, {("海宁市", "recon_received"): 400})
    assert workbook_region(book) == REGION
    report = import_workbook(book, data_dir, source=SOURCE)
    assert report.rows_written == 1 and report.path == values_path(data_dir, REGION)
    assert workbook_region(tmp_path / "missing.xlsx") is None
    (tmp_path / "text.xlsx").write_text("not a workbook", encoding="utf-8")
    assert workbook_region(tmp_path / "text.xlsx") is None
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    assert workbook_region(plain) is None


def test_a_region_other_than_the_workbooks_is_a_problem(book: Path, data_dir: Path) -> None:
    other = (data_dir / "regions" / "haining.yaml").read_text(encoding="utf-8")
    other = other.replace("slug: haining", "slug: other").replace(
        'code: "330481"', 'code: "330482"'
    )
    (data_dir / "regions" / "other.yaml").write_text(other, encoding="utf-8")
    fill(book, {("海宁市", "recon_received"): 400})
    before = snapshot(data_dir)
    with pytest.raises(
        InputError, match=r"_meta!B3: the workbook is for region 'haining', not other"
    ):
        import_workbook(book, data_dir, "other", source=SOURCE)
    assert snapshot(data_dir) == before
    with edit(book) as opened:  # no _meta: with two regions the import cannot tell which
        del opened["_meta"]
    with pytest.raises(InputError, match="does not say which region"):
        import_workbook(book, data_dir, source=SOURCE)


def old_layout_workbook(path: Path, figures: dict[str, object]) -> Path:
    """A workbook as the version 1 template wrote it: header in row 1, the id in column A."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "海宁市"
    ws.append(["指标编号", "指标名称", "计量单位", "定义", "上年数值", "本年数值", "来源/备注"])
    catalog = load_catalog(ROOT / "data", load_region(ROOT / "data", REGION))
    for ind in catalog.for_level("city"):
        if not ind.derived:
            ws.append([ind.id, ind.name, ind.measure, ind.definition, None, figures.get(ind.id)])
    meta = book.create_sheet("_meta")
    for row in (("format", "annual-review-collect"), ("version", 1), ("region", REGION)):
        meta.append(row)
    meta.append(("year", 2025))
    meta.append(("unit", "海宁市"))
    meta.sheet_state = "veryHidden"
    book.save(path)
    return path


def test_a_workbook_of_the_previous_layout_still_imports(data_dir: Path, tmp_path: Path) -> None:
    book = old_layout_workbook(tmp_path / "old.xlsx", {"recon_received": 400, "recon_closed": 350})
    report = import_workbook(book, data_dir, source=SOURCE)
    assert report.rows_written == 2
    assert stored(data_dir, 2025) == {
        ("海宁市", "recon_received"): "400",
        ("海宁市", "recon_closed"): "350",
    }
    with edit(book) as opened:
        opened["海宁市"]["F3"] = "约5"
    with pytest.raises(InputError, match=r"海宁市!F3: .*'约5' is not an exact number"):
        import_workbook(book, data_dir, source=SOURCE)
