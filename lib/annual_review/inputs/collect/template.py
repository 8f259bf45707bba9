"""Writing the collection template: 说明, one protected sheet per unit, a hidden ``_meta``.

:func:`write_template` builds the workbook the units fill in (the instructions of
:mod:`~annual_review.inputs.collect.instructions`, then a sheet per unit from
:mod:`~annual_review.inputs.collect.unit_sheet`, then the very hidden ``_meta`` sheet
that lets the import recognise the workbook, its region and its year) and writes it so
that its bytes depend only on the inputs.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from annual_review.core.errors import InputError
from annual_review.core.files import write_atomic
from annual_review.inputs.catalog import Catalog, load_catalog
from annual_review.inputs.collect.common import (
    FORMAT_NAME,
    FORMAT_VERSION,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    NOT_APPLICABLE,
    check_year,
    is_not_applicable,
    unit_list,
)
from annual_review.inputs.collect.instructions import fill_instructions
from annual_review.inputs.collect.unit_sheet import Figure, fill_unit_sheet
from annual_review.inputs.region import Region, Unit, load_region
from annual_review.inputs.values import load_values, values_path

FIXED_TIME = datetime(2000, 1, 1)  # workbook properties and zip entries: same bytes every time


def write_template(
    data_dir: Path,
    region_slug: str,
    year: int,
    out: Path,
    units: list[str] | None = None,
    *,
    catalog: Catalog | None = None,
) -> Path:
    """Write the collection workbook of ``year`` to ``out`` (an ``.xlsx``) and return it.

    First a 说明 sheet (the rules for filling in, with blank cells for the deadline and
    the contact), then one sheet per unit (default: the city and every township, in the
    region's order) named with the unit's Chinese name: two title rows (unit, region,
    year), then every stored indicator of the unit's level: 指标, 单位, 要求 (必填/选填),
    定义/口径, 上年数值 (from ``data/values`` when known), 本年数值 (to fill in),
    来源/备注 and, hidden, 指标编号 (what the import reads). Only 本年数值 and 来源/备注
    are unlocked; the sheets are protected without a password, each value cell has Excel
    data validation, and every sheet prints landscape on A4, one page wide, the header
    repeated on each page. A very hidden ``_meta`` sheet records region, year, units and
    the format version for :func:`import_workbook`. Texts come from ``catalog`` (default:
    the project's catalogue). The bytes depend only on the inputs; the file is written
    through a temporary file and ``os.replace``.
    """
    data_dir, out = Path(data_dir), Path(out)
    check_year(year, "year")
    if out.suffix.lower() != ".xlsx" or out.is_dir():
        raise InputError(f"{out.as_posix()}: a template must be written to an .xlsx file")
    region = load_region(data_dir, region_slug)
    catalog = catalog if catalog is not None else load_catalog(data_dir, region)
    chosen = _choose_units(region, units)
    last = _stored_values(data_dir, region, catalog, year - 1)
    book = openpyxl.Workbook()
    book.remove(book.active)
    fill_instructions(book.create_sheet(INSTRUCTIONS_SHEET), region, year, chosen)
    for unit in chosen:
        fill_unit_sheet(book.create_sheet(unit.name), region, unit, catalog, year, last)
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
) -> dict[tuple[str, str], Figure]:
    """Validated stored values of one year, keyed by (unit, indicator); {} without a file."""
    if not values_path(data_dir, region.slug).is_file():
        return {}
    frame = load_values(data_dir, region, catalog)
    found: dict[tuple[str, str], Figure] = {}
    for row in frame[frame["year"] == year].itertuples():
        if is_not_applicable(row.value):
            found[(row.unit, row.indicator)] = NOT_APPLICABLE
            continue
        number = Decimal(str(row.value).replace(",", ""))
        found[(row.unit, row.indicator)] = (
            int(number) if catalog[row.indicator].kind == "count" else number
        )
    return found


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
