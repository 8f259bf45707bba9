"""Reading the loaded workbook's unit sheets and their rows.

:func:`read_unit_sheets` walks every unit sheet in the layout the ``_meta`` sheet names
(:mod:`~annual_review.inputs.collect.meta`): sheet names (with a guess for a misspelt
unit), hidden sheets, rows and columns (:mod:`~annual_review.inputs.collect.visibility`),
the header row, merged cells, stray cells outside the table, and each row's indicator
id and name. Each figure's cell goes to :mod:`~annual_review.inputs.collect.checking`; a
figure marked ``n/a`` needs its reason in 来源/备注. Problems are appended to a list,
never raised, so that one import reports all of them.
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.collect.checking import (
    Bad,
    cell_number,
    cell_source,
    check_parts,
    is_blank,
    plain,
)
from annual_review.inputs.collect.common import (
    FULL_WIDTH,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    NOT_APPLICABLE,
    SOURCE_COL,
    VALUE_COL,
    Entry,
    Layout,
    is_not_applicable,
    unit_list,
)
from annual_review.inputs.collect.meta import WorkbookMeta
from annual_review.inputs.collect.visibility import hidden_cell_problems, hidden_sheet_problem
from annual_review.inputs.region import Region, Unit

LEVEL_WORDS = {"city": "the city (县级市) only", "township": "townships (镇/街道) only"}

_TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")


def read_unit_sheets(
    book: openpyxl.Workbook,
    name: str,
    region: Region,
    catalog: Catalog,
    meta: WorkbookMeta,
    problems: list[str],
) -> tuple[list[Entry], set[tuple[str, str]], list[Unit]]:
    """Every unit sheet's figures, the (unit, indicator) keys of rows with problems, and
    the units whose sheets were read."""
    units = {u.name: u for u in region.units}
    entries: list[Entry] = []
    bad: set[tuple[str, str]] = set()
    found: list[str] = []
    for title in book.sheetnames:
        if title == META_SHEET:
            continue
        ws = book[title]
        hidden = hidden_sheet_problem(name, title, ws.sheet_state)
        if hidden:
            problems.append(hidden)
        if title == INSTRUCTIONS_SHEET:
            continue
        unit = units.get(title)
        if unit is None:
            if not hidden:
                problems.append(_unknown_sheet(name, title, region))
            continue
        if not isinstance(ws, Worksheet):
            problems.append(f"{name}: sheet {title!r} is a chart sheet, not a table")
            continue
        found.append(title)
        problems += hidden_cell_problems(name, ws, meta.layout)
        sheet_entries = _read_sheet(ws, name, unit, catalog, meta.layout, problems, bad)
        entries += check_parts(sheet_entries, name, problems, bad)
    for unit_name in meta.units:
        if unit_name not in found:
            problems.append(
                f"{name}: sheet {unit_name!r} is missing (the template had one for"
                f" {unit_name}); restore it from the template, with that exact name"
            )
    if not found:
        problems.append(
            f"{name}: no unit sheets: no sheet is named after a unit of {region.name}"
            f" ({unit_list(region)}); fill in the template made by `annual-review template`"
        )
    return entries, bad, [units[t] for t in found]


def _unknown_sheet(name: str, title: str, region: Region) -> str:
    """An extra sheet; when it looks like a misspelt unit name, say which one."""
    guess = _unit_variant(title, region)
    if guess is not None:
        return (
            f"{name}: sheet {title!r}: no such unit in {region.name}; did you mean {guess.name}?"
            f" rename the sheet to {guess.name} (use the official name)"
        )
    return (
        f"{name}: sheet {title!r}: not a unit of {region.name} ({unit_list(region)});"
        " delete the sheet or rename it to the unit it is for"
    )


def _unit_variant(title: str, region: Region) -> Unit | None:
    """The unit a sheet title probably means (袁花街道 → 袁花镇, ' 海昌街道' → 海昌街道)."""
    text = "".join(title.translate(FULL_WIDTH).split())
    if text.startswith(region.name) and text != region.name:
        text = text[len(region.name) :]
    for unit in region.units:
        if text in (unit.name, unit.slug) or text.lower() == unit.slug:
            return unit
    stem = _stem(text)
    matches = [u for u in region.townships if len(stem) >= 2 and _stem(u.name) == stem]
    return matches[0] if len(matches) == 1 else None


def _stem(name: str) -> str:
    """A township name without its 街道/镇/乡 suffix."""
    for suffix in _TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _read_sheet(
    ws: Worksheet,
    name: str,
    unit: Unit,
    catalog: Catalog,
    layout: Layout,
    problems: list[str],
    bad: set[tuple[str, str]],
) -> list[Entry]:
    """The figures of one unit sheet; problems are appended, bad keys added to ``bad``."""
    sheet = ws.title
    before = len(problems)
    for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if merged.max_row < layout.header_row:
            continue  # the title rows above the table hold no figure
        problems.append(
            f"{name}: {sheet}!{merged.coord}: merged cells in the table; unmerge them"
            " (取消合并单元格) so that every indicator has its own cells"
        )
    top = layout.header_row
    columns = range(1, max(ws.max_column, layout.width) + 1)
    header = [ws.cell(row=top, column=c).value for c in columns]
    for col, value in enumerate(header, start=1):
        expected = layout.headers[col - 1] if col <= layout.width else None
        text = value.strip() if isinstance(value, str) else value
        if text != expected and not (expected is None and text in (None, "")):
            cell = ws.cell(row=top, column=col).coordinate
            want = repr(expected) if expected else "nothing"
            problems.append(
                f"{name}: {sheet}!{cell}: header row changed: expected {want}, found {value!r};"
                f" the columns must stay {'、'.join(layout.headers)} (restore the template's"
                " header)"
            )
    if len(problems) > before:
        return []  # with moved columns or merged cells no figure can be read safely
    entries: list[Entry] = []
    first_row: dict[str, int] = {}
    for row in ws.iter_rows(min_row=layout.first_row, max_row=ws.max_row, max_col=ws.max_column):
        entry = _read_row(row, name, unit, catalog, layout, problems, bad, first_row)
        if entry is not None:
            entries.append(entry)
    duplicated = {e.indicator.id for e in entries if (unit.name, e.indicator.id) in bad}
    return [e for e in entries if e.indicator.id not in duplicated]


def _read_row(
    row: tuple[Cell, ...],
    name: str,
    unit: Unit,
    catalog: Catalog,
    layout: Layout,
    problems: list[str],
    bad: set[tuple[str, str]],
    first_row: dict[str, int],
) -> Entry | None:
    """One data row: its figure, or None (empty, skipped or wrong: problems appended)."""
    cells = {c.column: c for c in row}
    sheet, row_number = row[0].parent.title, row[0].row
    for col, cell in sorted(cells.items()):
        if col > layout.width and not is_blank(cell.value):
            problems.append(
                f"{name}: {sheet}!{cell.coordinate}: {cell.value!r} is outside the table"
                f" (columns A–{layout.last_letter}); type figures in column F"
                f" ({layout.headers[VALUE_COL - 1]}) and remarks in column G"
                f" ({layout.headers[SOURCE_COL - 1]})"
            )
    value_cell = cells[VALUE_COL]
    has_value = not is_blank(value_cell.value)
    ind, usable = _row_indicator(cells, name, unit, catalog, layout, problems, has_value)
    if ind is None:
        return None
    label = f"{ind.id}（{ind.name}）"
    if ind.id in first_row:
        first = first_row[ind.id]
        id_letter = layout.letter(layout.id_col)
        problems.append(
            f"{name}: {sheet}!{id_letter}{row_number}: {label}: duplicate row; the indicator is"
            f" already on row {first} ({sheet}!{id_letter}{first}); keep one row per indicator"
        )
        bad.add((unit.name, ind.id))
        return None
    first_row[ind.id] = row_number
    source_cell = cells[SOURCE_COL]
    try:
        source = cell_source(source_cell)
    except Bad as exc:
        problems.append(f"{name}: {sheet}!{source_cell.coordinate}: {label}: {exc}")
        usable = False
        source = None
    if is_not_applicable(value_cell.value):
        if not source and usable:
            problems.append(
                f"{name}: {sheet}!{value_cell.coordinate}: {label}: marked"
                f" {str(value_cell.value).strip()!r} without a reason; write why the figure"
                f" does not apply in 来源/备注 ({sheet}!{source_cell.coordinate})"
            )
            usable = False
        if not usable:
            bad.add((unit.name, ind.id))
            return None
        return Entry(sheet, row_number, unit.name, ind, NOT_APPLICABLE, None, source)
    number: Decimal | None = None
    try:
        number = cell_number(value_cell, ind)
    except Bad as exc:
        problems.append(f"{name}: {sheet}!{value_cell.coordinate}: {label}: {exc}")
        usable = False
    if not usable:
        bad.add((unit.name, ind.id))
        return None
    if number is None:
        return None
    return Entry(sheet, row_number, unit.name, ind, plain(number, ind), number, source)


def _row_indicator(
    cells: dict[int, Cell],
    name: str,
    unit: Unit,
    catalog: Catalog,
    layout: Layout,
    problems: list[str],
    has_value: bool,
) -> tuple[Indicator | None, bool]:
    """The row's indicator (None for an empty row or an unknown id) and whether it is usable."""
    id_cell, name_cell = cells[layout.id_col], cells[layout.name_col]
    sheet, row = id_cell.parent.title, id_cell.row
    where = f"{name}: {sheet}!{id_cell.coordinate}"
    id_column = f"column {layout.letter(layout.id_col)} ({layout.headers[layout.id_col - 1]})"
    raw = id_cell.value
    if is_blank(raw):
        if has_value:
            problems.append(
                f"{where}: a figure in {sheet}!F{row} without an indicator id in {id_column};"
                " add rows only by copying the template's rows"
            )
        return None, False
    if id_cell.data_type == "f" or not isinstance(raw, str):
        problems.append(f"{where}: indicator id {raw!r} must be the template's text id")
        return None, False
    text = raw.strip()
    ind = catalog.by_id.get(text)
    if ind is None:
        by_name = [i.id for i in catalog.indicators if i.name == text]
        hint = f" (the id of {text} is {by_name[0]})" if by_name else ""
        problems.append(
            f"{where}: unknown indicator id {raw!r} (not in data/indicators.yaml){hint};"
            f" do not change {id_column}"
        )
        return None, False
    label = f"{where}: {ind.id}（{ind.name}）"
    usable = True
    if ind.derived:
        problems.append(
            f"{label}: is computed ({ind.numerator} ÷ {ind.denominator}), not collected;"
            " fill in its two parts instead"
        )
        usable = False
    elif not ind.applies(unit.level):
        problems.append(
            f"{label}: applies to {LEVEL_WORDS.get(ind.applies_to, ind.applies_to)},"
            f" not to {unit.name}; delete the row"
        )
        usable = False
    shown = name_cell.value
    if not is_blank(shown) and (not isinstance(shown, str) or shown.strip() != ind.name):
        problems.append(
            f"{name}: {sheet}!{name_cell.coordinate}: name {shown!r} does not match id"
            f" {ind.id} ({ind.name}): the row is ambiguous; restore the template's row"
        )
        usable = False
    return ind, usable
