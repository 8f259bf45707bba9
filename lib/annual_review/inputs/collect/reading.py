"""Reading the loaded workbook: the ``_meta`` sheet, the unit sheets and their rows.

:func:`read_meta` recognises the workbook (format, version, region, year, units) and
:func:`read_unit_sheets` walks every unit sheet: sheet names (with a guess for a misspelt
unit), the header row, merged cells, stray cells outside the table, and each row's
indicator id and name. Each figure's cell goes to
:mod:`~annual_review.inputs.collect.checking`. Problems are appended to a list, never
raised, so that one import reports all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    FORMAT_NAME,
    FORMAT_VERSION,
    FULL_WIDTH,
    HEADERS,
    ID_COL,
    META_SHEET,
    NAME_COL,
    SOURCE_COL,
    VALUE_COL,
    Entry,
    unit_list,
)
from annual_review.inputs.region import Region, Unit

MAX_META_ROWS = 200
LEVEL_WORDS = {"city": "the city (县级市) only", "township": "townships (镇/街道) only"}

_TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")


@dataclass
class _Meta:
    """The ``_meta`` sheet: the year and the units the template was made for."""

    year: int | None = None
    units: list[str] = field(default_factory=list)


def read_meta(
    book: openpyxl.Workbook, name: str, region: Region, year: int | None, problems: list[str]
) -> _Meta:
    """The ``_meta`` sheet's year and units; problems are appended, not raised."""
    meta = _Meta()
    if META_SHEET not in book.sheetnames:
        problems.append(
            f"{name}: no {META_SHEET} sheet: the workbook was not made by"
            " `annual-review template` or the sheet was deleted; fill in a fresh template"
        )
        return meta
    ws = book[META_SHEET]
    if not isinstance(ws, Worksheet):
        problems.append(f"{name}: {META_SHEET} is a chart sheet; fill in a fresh template")
        return meta
    seen: dict[str, tuple[object, str]] = {}
    units: list[tuple[object, str]] = []
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, MAX_META_ROWS), max_col=2):
        key, cell = row[0].value, row[1]
        where = f"{name}: {META_SHEET}!{cell.coordinate}"
        if key == "unit":
            units.append((cell.value, where))
        elif isinstance(key, str):
            seen.setdefault(key, (cell.value, where))
    at = f"{name}: {META_SHEET}"
    fmt, where = seen.get("format", (None, at))
    if fmt != FORMAT_NAME:
        problems.append(f"{where}: not an annual-review collection workbook (format {fmt!r})")
        return meta
    version, where = seen.get("version", (None, at))
    if version != FORMAT_VERSION:
        problems.append(
            f"{where}: template format version {version!r} is not supported"
            f" (this program reads version {FORMAT_VERSION}); make a new template"
        )
    slug, where = seen.get("region", (None, at))
    if slug != region.slug:
        problems.append(
            f"{where}: the workbook is for region {slug!r}, not {region.slug} ({region.name});"
            " import it into its own region"
        )
    value, where = seen.get("year", (None, at))
    found = _meta_year(value)
    if found is None:
        problems.append(f"{where}: year {value!r} is not a year between 2000 and 2100")
    elif year is not None and found != year:
        problems.append(
            f"{where}: the workbook collects {found}, not {year}; use the {year} template"
        )
    else:
        meta.year = found
    known = {u.name for u in region.units}
    for unit, where in units:
        if unit in known:
            meta.units.append(str(unit))
        else:
            problems.append(
                f"{where}: unknown unit {unit!r}; region {region.name} has {unit_list(region)}"
            )
    if slug != region.slug:
        meta.year = None  # a workbook of another region is not merged at all
    return meta


def _meta_year(value: object) -> int | None:
    """The year recorded in ``_meta`` as an int, or None when it is not a year."""
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        return None
    return value


def read_unit_sheets(
    book: openpyxl.Workbook,
    name: str,
    region: Region,
    catalog: Catalog,
    meta: _Meta,
    problems: list[str],
) -> tuple[list[Entry], set[tuple[str, str]]]:
    """Every unit sheet's figures, plus the (unit, indicator) keys of rows with problems."""
    units = {u.name: u for u in region.units}
    entries: list[Entry] = []
    bad: set[tuple[str, str]] = set()
    found: list[str] = []
    for title in book.sheetnames:
        if title == META_SHEET:
            continue
        ws = book[title]
        unit = units.get(title)
        if unit is None:
            problems.append(_unknown_sheet(name, title, region))
            continue
        if not isinstance(ws, Worksheet):
            problems.append(f"{name}: sheet {title!r} is a chart sheet, not a table")
            continue
        found.append(title)
        sheet_entries = _read_sheet(ws, name, unit, catalog, problems, bad)
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
    return entries, bad


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
    problems: list[str],
    bad: set[tuple[str, str]],
) -> list[Entry]:
    """The figures of one unit sheet; problems are appended, bad keys added to ``bad``."""
    sheet = ws.title
    before = len(problems)
    for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        problems.append(
            f"{name}: {sheet}!{merged.coord}: merged cells in the table; unmerge them"
            " (取消合并单元格) so that every indicator has its own cells"
        )
    header = [ws.cell(row=1, column=c).value for c in range(1, max(ws.max_column, 7) + 1)]
    for col, value in enumerate(header, start=1):
        expected = HEADERS[col - 1] if col <= len(HEADERS) else None
        text = value.strip() if isinstance(value, str) else value
        if text != expected and not (expected is None and text in (None, "")):
            cell = ws.cell(row=1, column=col).coordinate
            want = repr(expected) if expected else "nothing"
            problems.append(
                f"{name}: {sheet}!{cell}: header row changed: expected {want}, found {value!r};"
                f" the columns must stay {'、'.join(HEADERS)} (restore the template's header)"
            )
    if len(problems) > before:
        return []  # with moved columns or merged cells no figure can be read safely
    entries: list[Entry] = []
    first_row: dict[str, int] = {}
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=ws.max_column):
        entry = _read_row(row, name, unit, catalog, problems, bad, first_row)
        if entry is not None:
            entries.append(entry)
    duplicated = {e.indicator.id for e in entries if (unit.name, e.indicator.id) in bad}
    return [e for e in entries if e.indicator.id not in duplicated]


def _read_row(
    row: tuple[Cell, ...],
    name: str,
    unit: Unit,
    catalog: Catalog,
    problems: list[str],
    bad: set[tuple[str, str]],
    first_row: dict[str, int],
) -> Entry | None:
    """One data row: its figure, or None (empty, skipped or wrong: problems appended)."""
    cells = {c.column: c for c in row}
    sheet, row_number = row[0].parent.title, row[0].row
    for col, cell in sorted(cells.items()):
        if col > SOURCE_COL and not is_blank(cell.value):
            problems.append(
                f"{name}: {sheet}!{cell.coordinate}: {cell.value!r} is outside the table"
                f" (columns A–G); type figures in column F ({HEADERS[VALUE_COL - 1]}) and"
                f" remarks in column G ({HEADERS[SOURCE_COL - 1]})"
            )
    value_cell = cells[VALUE_COL]
    has_value = not is_blank(value_cell.value)
    ind, usable = _row_indicator(cells, name, unit, catalog, problems, has_value)
    if ind is None:
        return None
    label = f"{ind.id}（{ind.name}）"
    if ind.id in first_row:
        first = first_row[ind.id]
        problems.append(
            f"{name}: {sheet}!A{row_number}: {label}: duplicate row; the indicator is already"
            f" on row {first} ({sheet}!A{first}); keep one row per indicator"
        )
        bad.add((unit.name, ind.id))
        return None
    first_row[ind.id] = row_number
    number: Decimal | None = None
    try:
        number = cell_number(value_cell, ind)
    except Bad as exc:
        problems.append(f"{name}: {sheet}!{value_cell.coordinate}: {label}: {exc}")
        usable = False
    try:
        source = cell_source(cells[SOURCE_COL])
    except Bad as exc:
        problems.append(f"{name}: {sheet}!{cells[SOURCE_COL].coordinate}: {label}: {exc}")
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
    problems: list[str],
    has_value: bool,
) -> tuple[Indicator | None, bool]:
    """The row's indicator (None for an empty row or an unknown id) and whether it is usable."""
    id_cell, name_cell = cells[ID_COL], cells[NAME_COL]
    sheet, row = id_cell.parent.title, id_cell.row
    where = f"{name}: {sheet}!{id_cell.coordinate}"
    raw = id_cell.value
    if is_blank(raw):
        if has_value:
            problems.append(
                f"{where}: a figure in {sheet}!F{row} without an indicator id in column A;"
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
            " do not change column A"
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
