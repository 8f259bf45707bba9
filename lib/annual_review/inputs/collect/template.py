"""Writing the collection template: one protected sheet per unit and a hidden ``_meta`` sheet.

:func:`write_template` builds the workbook a unit fills in (the indicators of its level,
last year's stored figure beside an empty cell for this year's, data validation on the
value column) and writes it so that its bytes depend only on the inputs.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from annual_review.core.errors import InputError
from annual_review.core.files import write_atomic
from annual_review.inputs.catalog import Catalog, Indicator, load_catalog
from annual_review.inputs.collect.common import (
    DEFINITION_COL,
    FORMAT_NAME,
    FORMAT_VERSION,
    HEADERS,
    META_SHEET,
    SOURCE_COL,
    VALUE_COL,
    check_year,
    unit_list,
)
from annual_review.inputs.region import Region, Unit, load_region
from annual_review.inputs.values import load_values, values_path

WIDTHS = {"A": 30, "B": 30, "C": 9, "D": 60, "E": 12, "F": 12, "G": 40}
FIXED_TIME = datetime(2000, 1, 1)  # workbook properties and zip entries: same bytes every time


def write_template(
    data_dir: Path, region_slug: str, year: int, out: Path, units: list[str] | None = None
) -> Path:
    """Write the collection workbook of ``year`` to ``out`` (an ``.xlsx``) and return it.

    One sheet per unit (default: the city and every township, in the region's order),
    titled with the unit's Chinese name, listing every stored indicator of the unit's
    level: 指标编号, 指标名称, 计量单位, 定义, 上年数值 (from ``data/values`` when
    known), 本年数值 (to fill in) and 来源/备注. Only the last two columns are unlocked;
    the sheet is protected without a password, the value column has Excel data
    validation, and a very hidden ``_meta`` sheet records region, year, units and the
    format version for :func:`import_workbook`. The bytes depend only on the inputs; the
    file is written through a temporary file and ``os.replace``.
    """
    data_dir, out = Path(data_dir), Path(out)
    check_year(year, "year")
    if out.suffix.lower() != ".xlsx" or out.is_dir():
        raise InputError(f"{out.as_posix()}: a template must be written to an .xlsx file")
    region = load_region(data_dir, region_slug)
    catalog = load_catalog(data_dir)
    chosen = _choose_units(region, units)
    last = _stored_values(data_dir, region, catalog, year - 1)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for unit in chosen:
        _fill_unit_sheet(book.create_sheet(unit.name), unit, catalog, year, last)
    _fill_meta_sheet(book.create_sheet(META_SHEET), region, year, chosen)
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)
    write_atomic(out, _xlsx_bytes(book))
    return out


def _choose_units(region: Region, units: list[str] | None) -> list[Unit]:
    """The units asked for (names or slugs), in the order given, without repeats."""
    if units is None:
        return region.units
    chosen: list[Unit] = []
    unknown: list[str] = []
    for name in units:
        try:
            unit = region.unit(name)
        except InputError as exc:
            unknown.append(str(exc))
            continue
        if unit not in chosen:
            chosen.append(unit)
    if unknown:
        raise InputError("\n".join(unknown))
    if not chosen:
        raise InputError(f"no unit asked for; region {region.name} has {unit_list(region)}")
    return chosen


def _stored_values(
    data_dir: Path, region: Region, catalog: Catalog, year: int
) -> dict[tuple[str, str], int | Decimal]:
    """Validated stored values of one year, keyed by (unit, indicator); {} without a file."""
    if not values_path(data_dir, region.slug).is_file():
        return {}
    frame = load_values(data_dir, region, catalog)
    found: dict[tuple[str, str], int | Decimal] = {}
    for row in frame[frame["year"] == year].itertuples():
        number = Decimal(str(row.value).replace(",", ""))
        found[(row.unit, row.indicator)] = (
            int(number) if catalog[row.indicator].kind == "count" else number
        )
    return found


def _indicators_for(catalog: Catalog, unit: Unit) -> list[Indicator]:
    """The stored indicators a unit fills in, in catalogue order."""
    return [i for i in catalog.for_level(unit.level) if not i.derived]


def _fill_unit_sheet(
    ws: Worksheet,
    unit: Unit,
    catalog: Catalog,
    year: int,
    last: dict[tuple[str, str], int | Decimal],
) -> None:
    """Header, one row per indicator, validation, widths, frozen header and protection."""
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="请填写整数",
        error="本项是计数：请填写不小于0的整数，不要填写公式、文字、小数或百分号。",
        promptTitle=f"{year}年数值",
        prompt="填写不小于0的整数；没有发生填0，没有统计请留空并在“来源/备注”中说明。",
    )
    decimal = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="请填写数值",
        error="本项是百分比：请填写不小于0的数值（如 39 表示 39%），不要填写公式或文字。",
        promptTitle=f"{year}年数值",
        prompt="填写百分比的数值部分，如 39 表示 39%。",
    )
    ws.add_data_validation(whole)
    ws.add_data_validation(decimal)
    for row, ind in enumerate(_indicators_for(catalog, unit), start=2):
        previous = last.get((unit.name, ind.id))
        if isinstance(previous, Decimal):
            previous = int(previous) if previous == previous.to_integral_value() else previous
        ws.append([ind.id, ind.name, ind.measure, ind.definition, previous, None, None])
        (whole if ind.kind == "count" else decimal).add(f"F{row}")
        for col in (VALUE_COL, SOURCE_COL):
            ws.cell(row=row, column=col).protection = Protection(locked=False)
        ws.cell(row=row, column=DEFINITION_COL).alignment = Alignment(wrap_text=True)
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # column widths may still be changed
    ws.protection.formatRows = False


def _fill_meta_sheet(ws: Worksheet, region: Region, year: int, units: list[Unit]) -> None:
    """Key/value rows that let the import recognise the workbook."""
    ws.append(["format", FORMAT_NAME])
    ws.append(["version", FORMAT_VERSION])
    ws.append(["region", region.slug])
    ws.append(["year", year])
    for unit in units:
        ws.append(["unit", unit.name])
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def _xlsx_bytes(book: openpyxl.Workbook) -> bytes:
    """The workbook as bytes that depend only on its content (no clock in them)."""
    props = book.properties
    props.creator = "annual-review"
    props.lastModifiedBy = None
    props.created = FIXED_TIME
    raw = io.BytesIO()
    book.save(raw)  # openpyxl stamps the current time as 'modified': undone below
    props.modified = FIXED_TIME
    core = tostring(props.to_tree())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = core if info.filename == "docProps/core.xml" else src.read(info)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    return out.getvalue()
