"""The ``_meta`` sheet: which workbook this is, for which region, year and units.

The template records, in a very hidden ``_meta`` sheet, key/value rows: ``format``,
``version`` (which :class:`~annual_review.inputs.collect.common.Layout` the unit sheets
have), ``region`` (the region file's slug), ``year`` and one ``unit`` row per unit sheet.
:func:`workbook_region` reads the region alone, so that ``import`` needs no ``--region``;
:func:`read_meta` checks everything against the region being imported into.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from annual_review.core.errors import InputError
from annual_review.inputs.collect.common import (
    FORMAT_NAME,
    FORMAT_VERSION,
    LAYOUT,
    LAYOUTS,
    META_SHEET,
    Layout,
    unit_list,
)
from annual_review.inputs.collect.workbook_file import check_container, load
from annual_review.inputs.region import Region

MAX_META_ROWS = 200
SLUG = re.compile(r"[a-z][a-z0-9-]*")


@dataclass
class WorkbookMeta:
    """The ``_meta`` sheet: the year, the units and the layout of the unit sheets."""

    year: int | None = None
    units: list[str] = field(default_factory=list)
    layout: Layout = LAYOUT


def workbook_region(path: Path) -> str | None:
    """The region slug the template recorded in the workbook, or None when it cannot tell.

    None for a file that is not a readable collection workbook (no ``_meta`` sheet, another
    format, no region row): the import then says what is wrong with it.
    """
    path = Path(path)
    try:
        check_container(path)
        book = load(path, read_only=True)
    except InputError:
        return None
    try:
        if META_SHEET not in book.sheetnames:
            return None
        rows = book[META_SHEET].iter_rows(max_row=MAX_META_ROWS, max_col=2, values_only=True)
        found: dict[object, object] = {}
        for row in rows:
            if len(row) == 2:
                found.setdefault(row[0], row[1])
    except Exception:  # a damaged _meta part: the import reports the file as unreadable
        return None
    finally:
        book.close()
    slug = found.get("region")
    if found.get("format") != FORMAT_NAME or not isinstance(slug, str):
        return None
    return slug if SLUG.fullmatch(slug) else None


def read_meta(
    book: openpyxl.Workbook, name: str, region: Region, year: int | None, problems: list[str]
) -> WorkbookMeta:
    """The ``_meta`` sheet's year, units and layout; problems are appended, not raised."""
    meta = WorkbookMeta()
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
    if isinstance(version, int) and not isinstance(version, bool) and version in LAYOUTS:
        meta.layout = LAYOUTS[version]
    else:
        problems.append(
            f"{where}: template format version {version!r} is not supported"
            f" (this program reads versions {', '.join(map(str, LAYOUTS))},"
            f" writes {FORMAT_VERSION}); make a new template"
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
    """The year recorded in ``_meta`` as an int, or None when it is not a year.

    >>> _meta_year(2025), _meta_year(" 2025 "), _meta_year(2025.0), _meta_year("明年")
    (2025, 2025, 2025, None)
    """
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        return None
    return value
