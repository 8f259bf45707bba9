"""Collecting the year's figures in Excel: a fill-in template and a checked import.

Each January the legal-affairs office sends every township (and the city's own
departments) a workbook made by :func:`write_template`: one sheet per unit listing the
stored indicators that unit reports, with last year's figure beside an empty cell for
this year's. :func:`import_workbook` reads the returned workbook, checks all of it, and
only then merges its figures into ``data/values/<region>.csv`` in one atomic write.

Import rules:

* values people really type are normalised when their meaning is certain: full-width
  digits (``３９１``), thousands separators (``14,908``, ``14，908``), surrounding spaces,
  numbers stored as text; a stated percentage may be typed as ``39%``;
* everything else (formulas, dates, ``约500``, ``391件``, Chinese numerals, negative or
  fractional counts, ...) is an error naming the sheet and cell, never a guess;
* nothing is written unless the whole workbook is clean *and* the merged values file
  passes :func:`annual_review.data.validate_values`;
* huge sheets are refused before they are read (at most 2,000 rows and 50 columns).

The workbook is read twice: a streaming ``read_only`` pass that refuses oversized files
and sheets early, then a normal load of the (now known to be small) workbook, which is
what exposes merged cells. The file is never modified.
"""

from __future__ import annotations

import csv
import fcntl
import io
import math
import os
import re
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from .catalog import Catalog, Indicator, load_catalog
from .data import COLUMNS, load_values, read_values_csv, validate_values, values_path
from .errors import InputError
from .region import Region, Unit, load_region
from .yamlio import read_text

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

FORMAT_NAME = "annual-review-collect"
FORMAT_VERSION = 1
META_SHEET = "_meta"
HEADERS = ("指标编号", "指标名称", "计量单位", "定义", "上年数值", "本年数值", "来源/备注")
ID_COL, NAME_COL, MEASURE_COL, DEFINITION_COL, LAST_COL, VALUE_COL, SOURCE_COL = range(1, 8)
WIDTHS = {"A": 30, "B": 30, "C": 9, "D": 60, "E": 12, "F": 12, "G": 40}
MAX_ROWS = 2000
MAX_COLUMNS = 50
MAX_SHEETS = 100
MAX_META_ROWS = 200
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 500
FIXED_TIME = datetime(2000, 1, 1)  # workbook properties and zip entries: same bytes every time
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
LEVEL_WORDS = {"city": "the city (县级市) only", "township": "townships (镇/街道) only"}

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "，": ",",
        "．": ".",
        "％": "%",
        "－": "-",
        "\u3000": " ",
        "\xa0": " ",
    }
)
_NUMBER_TEXT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
_CHINESE_NUMERALS = set("零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟")
_APPROXIMATE = ("约", "余", "多", "左右", "以上", "以下", "近", "超", "+", "~", "～")
_TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")


@dataclass
class ImportReport:
    """What :func:`import_workbook` did: rows written, warnings to read, the file written."""

    rows_written: int
    warnings: list[str]
    path: Path


@dataclass(frozen=True)
class _Entry:
    """One figure read from the workbook, already normalised."""

    sheet: str
    row: int
    unit: str
    indicator: Indicator
    value: str
    number: Decimal
    source: str | None

    @property
    def cell(self) -> str:
        """The value cell, e.g. ``海昌街道!F12``."""
        return f"{self.sheet}!F{self.row}"


@dataclass
class _Meta:
    """The ``_meta`` sheet: the year and the units the template was made for."""

    year: int | None = None
    units: list[str] = field(default_factory=list)


class _Bad(Exception):
    """A cell's content that cannot be accepted; the message says why."""


# -- the template -------------------------------------------------------------------------------


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
    _check_year(year, "year")
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
    _atomic_write(out, _xlsx_bytes(book))
    return out


def _check_year(year: object, what: str) -> int:
    """A year between 2000 and 2100, or InputError."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError(f"{what} {year!r} is not a year between 2000 and 2100")
    return year


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
        raise InputError(f"no unit asked for; region {region.name} has {_unit_list(region)}")
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


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# -- the import ---------------------------------------------------------------------------------


def import_workbook(
    path: Path,
    data_dir: Path,
    region_slug: str,
    *,
    source: str | None = None,
    year: int | None = None,
) -> ImportReport:
    """Check a filled-in collection workbook and merge its figures into the values file.

    The whole workbook is checked first; every problem (naming the sheet and cell, the
    indicator and what is wrong) is collected and raised together as one
    :class:`InputError`, and then nothing is written. Otherwise each figure replaces the
    row of the same (year, unit, indicator) in ``data/values/<region>.csv`` or is
    appended; the other rows keep their order and text. The merged file must still pass
    :func:`annual_review.data.validate_values`. The source of a row is its 来源/备注
    cell, else ``source``, else the workbook's file name; imported rows are not
    illustrative. ``year``, when given, must match the workbook's. Empty value cells are
    skipped. The values file is replaced atomically under a lock on the data folder.
    """
    path, data_dir = Path(path), Path(data_dir)
    if year is not None:
        _check_year(year, "year")
    region = load_region(data_dir, region_slug)
    catalog = load_catalog(data_dir)
    name = path.name
    _check_container(path)
    _check_sizes(path)
    book = _load(path, read_only=False)
    problems: list[str] = []
    meta = _read_meta(book, name, region, year, problems)
    entries, bad_keys = _read_unit_sheets(book, name, region, catalog, meta, problems)
    target = values_path(data_dir, region.slug)
    if meta.year is None:  # no year, no merge: report what the workbook itself has wrong
        raise _error(problems or [f"{name}: the workbook's year is unknown"])
    fallback = source.strip() if source and source.strip() else name
    where = target.as_posix()
    with _locked(data_dir):
        original = _read_values_text(target)
        merged, origins = _merge(original, entries, meta.year, fallback, name, where)
        problems += _merged_problems(merged, origins, bad_keys, meta.year, target, catalog, region)
        _raise(problems)
        notes = _warnings(entries, _stored_rows(original, where), meta.year, name)
        if not entries:
            notes.append(f"{name}: no figures filled in; {where} was not changed")
            return ImportReport(rows_written=0, warnings=notes, path=target)
        _atomic_write(target, merged.encode("utf-8"))
    return ImportReport(rows_written=len(entries), warnings=notes, path=target)


def _error(problems: list[str]) -> InputError:
    """One InputError listing the problems (the first MAX_PROBLEMS of a flood)."""
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
    return InputError("\n".join(shown))


def _raise(problems: list[str]) -> None:
    """Raise the problems as one InputError, if there are any."""
    if problems:
        raise _error(problems)


def _unit_list(region: Region) -> str:
    """The region's unit names, as a list to show in a message."""
    return "、".join(u.name for u in region.units)


# -- the file: is it an .xlsx at all, and a reasonably small one? --------------------------------


def _check_container(path: Path) -> None:
    """Refuse anything that is not a zip-packaged Excel workbook, with a reason."""
    name = path.name
    if not path.exists():
        raise InputError(f"{path.as_posix()}: no such file")
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: not a file")
    with path.open("rb") as handle:
        head = handle.read(512)
    if not head:
        raise InputError(f"{name}: the file is empty (0 bytes); it is not an Excel workbook")
    if head.startswith(OLE2_MAGIC):
        raise InputError(
            f"{name}: an Excel 97-2003 (.xls) file or a password-protected workbook, not .xlsx;"
            " open it in Excel and save it as 'Excel 工作簿 (*.xlsx)' without a password"
        )
    if not zipfile.is_zipfile(path):
        kind = "text (HTML, XML or CSV)" if _looks_like_text(head) else "damaged or another format"
        raise InputError(
            f"{name}: not an .xlsx workbook: the file is {kind}, not the zip package an"
            " .xlsx file is; open it in Excel and save it as 'Excel 工作簿 (*.xlsx)'"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook: broken zip ({exc})") from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        if any(n.startswith("word/") for n in names):
            kind = "a Word document"
        elif any(n.startswith("ppt/") for n in names):
            kind = "a PowerPoint file"
        elif "content.xml" in names:
            kind = "an OpenDocument (.ods/.odt) file"
        else:
            kind = "a zip archive"
        raise InputError(
            f"{name}: not an .xlsx workbook but {kind} named .xlsx;"
            " fill in the template made by `annual-review template`"
        )
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{name}: refused: the workbook unpacks to {unpacked / 1e6:.0f} MB"
            f" (at most {MAX_UNPACKED_BYTES / 1e6:.0f} MB); a collection template is tiny:"
            " copy the figures into a fresh template"
        )


def _looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file look like text (HTML, XML, CSV)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return head.lstrip().startswith(b"<")
    return True


def _load(path: Path, *, read_only: bool) -> openpyxl.Workbook:
    """openpyxl's workbook; any failure of a damaged file becomes an InputError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, odd styles
            return openpyxl.load_workbook(
                path, read_only=read_only, data_only=False, keep_links=False, keep_vba=False
            )
    except Exception as exc:  # openpyxl raises many kinds of errors for damaged files
        raise InputError(
            f"{path.name}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc});"
            " open it in Excel and save it again as .xlsx"
        ) from None


def _check_sizes(path: Path) -> None:
    """Stream every sheet once (read-only) and refuse oversized ones before a full load."""
    book = _load(path, read_only=True)
    problems: list[str] = []
    try:
        if len(book.sheetnames) > MAX_SHEETS:
            raise InputError(
                f"{path.name}: refused: {len(book.sheetnames)} sheets (at most {MAX_SHEETS})"
            )
        for ws in book.worksheets:
            declared_rows, declared_cols = ws.max_row or 0, ws.max_column or 0
            if declared_rows > MAX_ROWS or declared_cols > MAX_COLUMNS:
                problems.append(_too_big(path.name, ws.title, declared_rows, declared_cols))
                continue
            ws.reset_dimensions()  # do not trust the recorded size: count while streaming
            try:
                problem = _stream_size(path.name, ws)
            except Exception as exc:  # a damaged sheet part fails while it is parsed
                problem = (
                    f"{path.name}: sheet {ws.title!r} cannot be read ({type(exc).__name__}:"
                    f" {exc}); open the workbook in Excel and save it again as .xlsx"
                )
            if problem:
                problems.append(problem)
    finally:
        book.close()
    _raise(problems)


def _stream_size(name: str, ws: ReadOnlyWorksheet) -> str | None:
    """A problem if the sheet, read row by row, exceeds the limits; stops reading there."""
    widest = 0
    for count, row in enumerate(ws.iter_rows(values_only=True), start=1):
        widest = max(widest, len(row))
        if count > MAX_ROWS or widest > MAX_COLUMNS:
            return _too_big(name, ws.title, count, widest, at_least=True)
    return None


def _too_big(name: str, sheet: str, rows: int, cols: int, *, at_least: bool = False) -> str:
    """The message refusing an oversized sheet."""
    more = "at least " if at_least else ""
    return (
        f"{name}: sheet {sheet!r} refused: {more}{rows} rows × {cols} columns"
        f" (a template sheet has at most {MAX_ROWS} rows and {MAX_COLUMNS} columns);"
        " delete the rows and columns below and right of the table, or use a fresh template"
    )


# -- reading the workbook ------------------------------------------------------------------------


def _read_meta(
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
                f"{where}: unknown unit {unit!r}; region {region.name} has {_unit_list(region)}"
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


def _read_unit_sheets(
    book: openpyxl.Workbook,
    name: str,
    region: Region,
    catalog: Catalog,
    meta: _Meta,
    problems: list[str],
) -> tuple[list[_Entry], set[tuple[str, str]]]:
    """Every unit sheet's figures, plus the (unit, indicator) keys of rows with problems."""
    units = {u.name: u for u in region.units}
    entries: list[_Entry] = []
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
        entries += _check_parts(sheet_entries, name, problems, bad)
    for unit_name in meta.units:
        if unit_name not in found:
            problems.append(
                f"{name}: sheet {unit_name!r} is missing (the template had one for"
                f" {unit_name}); restore it from the template, with that exact name"
            )
    if not found:
        problems.append(
            f"{name}: no unit sheets: no sheet is named after a unit of {region.name}"
            f" ({_unit_list(region)}); fill in the template made by `annual-review template`"
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
        f"{name}: sheet {title!r}: not a unit of {region.name} ({_unit_list(region)});"
        " delete the sheet or rename it to the unit it is for"
    )


def _unit_variant(title: str, region: Region) -> Unit | None:
    """The unit a sheet title probably means (袁花街道 → 袁花镇, ' 海昌街道' → 海昌街道)."""
    text = "".join(title.translate(_FULL_WIDTH).split())
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
) -> list[_Entry]:
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
    entries: list[_Entry] = []
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
) -> _Entry | None:
    """One data row: its figure, or None (empty, skipped or wrong: problems appended)."""
    cells = {c.column: c for c in row}
    sheet, row_number = row[0].parent.title, row[0].row
    for col, cell in sorted(cells.items()):
        if col > SOURCE_COL and not _is_blank(cell.value):
            problems.append(
                f"{name}: {sheet}!{cell.coordinate}: {cell.value!r} is outside the table"
                f" (columns A–G); type figures in column F ({HEADERS[VALUE_COL - 1]}) and"
                f" remarks in column G ({HEADERS[SOURCE_COL - 1]})"
            )
    value_cell = cells[VALUE_COL]
    has_value = not _is_blank(value_cell.value)
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
        number = _cell_number(value_cell, ind)
    except _Bad as exc:
        problems.append(f"{name}: {sheet}!{value_cell.coordinate}: {label}: {exc}")
        usable = False
    try:
        cell_source = _cell_source(cells[SOURCE_COL])
    except _Bad as exc:
        problems.append(f"{name}: {sheet}!{cells[SOURCE_COL].coordinate}: {label}: {exc}")
        usable = False
    if not usable:
        bad.add((unit.name, ind.id))
        return None
    if number is None:
        return None
    return _Entry(sheet, row_number, unit.name, ind, _plain(number, ind), number, cell_source)


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
    if _is_blank(raw):
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
    if not _is_blank(shown) and (not isinstance(shown, str) or shown.strip() != ind.name):
        problems.append(
            f"{name}: {sheet}!{name_cell.coordinate}: name {shown!r} does not match id"
            f" {ind.id} ({ind.name}): the row is ambiguous; restore the template's row"
        )
        usable = False
    return ind, usable


def _is_blank(value: object) -> bool:
    """An empty cell, or one holding only (full-width) spaces."""
    return value is None or (isinstance(value, str) and not value.translate(_FULL_WIDTH).strip())


def _is_formula(cell: Cell) -> bool:
    """Whether the cell holds a formula rather than a value."""
    return cell.data_type == "f" or isinstance(cell.value, (ArrayFormula, DataTableFormula))


def _cell_number(cell: Cell, ind: Indicator) -> Decimal | None:
    """The cell's figure, normalised; None when empty; :class:`_Bad` when not acceptable."""
    value = cell.value
    if _is_blank(value):
        return None
    if _is_formula(cell):
        text = str(getattr(value, "text", None) or value)
        raise _Bad(
            f"formula {text!r:.60}: formulas are not accepted; copy the cells and paste"
            " them back as values only (选择性粘贴 → 数值)"
        )
    if cell.data_type == "e":
        raise _Bad(f"Excel error {value!r} instead of a figure; type the figure itself")
    if isinstance(value, bool):
        raise _Bad(f"{value} (a TRUE/FALSE cell) is not a number")
    if isinstance(value, (datetime, date, time, timedelta)):
        if isinstance(value, datetime) and value.time() == time():
            value = value.date()
        raise _Bad(
            f"{value!s} is a date or time, not a number (Excel turned the entry into a date);"
            " format the cell as 常规 (General) and type the figure"
        )
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Bad(f"{value!r} is not a finite number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            if ind.kind == "count":
                raise _Bad(
                    f"{value!r} is formatted as a percentage ({_shown_percent(number)}),"
                    f" but {ind.name} is a count of {ind.measure}; format the cell as 常规"
                    f" (General) and type the number of {ind.measure}"
                )
            number *= 100  # 39% typed into a percentage cell is stored as 0.39
        return _checked(number, value, ind)
    if isinstance(value, str):
        return _text_number(value, ind)
    raise _Bad(f"{value!r} is not a number")


def _shown_percent(fraction: Decimal) -> str:
    """A fraction as Excel shows it with a percentage format (0.45 → 45%)."""
    return f"{format((fraction * 100).normalize(), 'f')}%"


def _text_number(value: str, ind: Indicator) -> Decimal:
    """A number typed or stored as text: full-width digits and separators, spaces, ``39%``."""
    text = value.translate(_FULL_WIDTH).strip()
    core, percent = text, text.endswith("%")
    if percent:
        core = core[:-1].rstrip()
    negative = core.startswith("-")
    digits = core[1:].lstrip() if negative else core
    if not _NUMBER_TEXT.fullmatch(digits):
        raise _Bad(_not_a_number(value, text))
    if percent and ind.kind == "count":
        raise _Bad(
            f"{value!r} is a percentage, but {ind.name} is a count of {ind.measure};"
            f" type the number of {ind.measure}, e.g. 391"
        )
    number = Decimal(digits.replace(",", ""))
    return _checked(-number if negative else number, value, ind)


def _not_a_number(value: str, text: str) -> str:
    """Why a text is not accepted as a number, as specifically as can be said."""
    if any(ch in _CHINESE_NUMERALS for ch in text):
        reason = "is written in Chinese numerals, not a number; type Arabic digits, e.g. 391"
    elif any(word in text for word in _APPROXIMATE):
        reason = (
            "is not an exact number; type the figure alone (e.g. 550) and explain"
            " 约/余/以上 in 来源/备注"
        )
    elif re.fullmatch(r"-?[0-9][0-9,.]*\s*[\u4e00-\u9fff]+", text):
        reason = (
            "is not a plain number: text after the number; type the number alone"
            " (the unit is in column C)"
        )
    elif re.fullmatch(r"-?[0-9][0-9,.]*", text):
        reason = (
            "is not a well-formed number (thousands separators go every three digits,"
            " e.g. 14,908; decimals take a point, e.g. 12.5)"
        )
    else:
        reason = "is not a number; type digits only, e.g. 391 or 14,908"
    return f"{value!r} {reason}"


def _checked(number: Decimal, shown: object, ind: Indicator) -> Decimal:
    """The number, unless negative or (for a count) fractional."""
    if number < 0:
        raise _Bad(f"{shown!r} is negative; {ind.name} cannot be below 0")
    if ind.kind == "count" and number != number.to_integral_value():
        raise _Bad(f"{shown!r} is fractional; {ind.name} is a whole count of {ind.measure}")
    return number


def _plain(number: Decimal, ind: Indicator) -> str:
    """The figure as the values file writes it: ``14908``, ``39``, ``12.5``."""
    if ind.kind == "count":
        return str(int(number))
    return format(number.normalize(), "f")


def _cell_source(cell: Cell) -> str | None:
    """The 来源/备注 text on one line, or None when empty."""
    value = cell.value
    if _is_blank(value):
        return None
    if _is_formula(cell):
        raise _Bad("formula in 来源/备注; type the source as text")
    if cell.data_type == "e":
        raise _Bad(f"Excel error {value!r} in 来源/备注; type the source as text")
    if isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return " ".join(text.translate(_FULL_WIDTH).split())


def _check_parts(
    entries: list[_Entry], name: str, problems: list[str], bad: set[tuple[str, str]]
) -> list[_Entry]:
    """Drop (and report) a part larger than its whole in the same sheet."""
    by_id = {e.indicator.id: e for e in entries}
    kept = []
    for entry in entries:
        ind = entry.indicator
        whole = by_id.get(ind.part_of) if ind.part_of else None
        if whole is not None and entry.number > whole.number:
            problems.append(
                f"{name}: {entry.cell}: {ind.id}（{ind.name}）: {entry.value} is larger than"
                f" its whole {whole.indicator.id}（{whole.indicator.name}）= {whole.value}"
                f" in {whole.cell}; a part cannot exceed its whole"
            )
            bad.add((entry.unit, ind.id))
            continue
        kept.append(entry)
    return kept


# -- merging into the values file ----------------------------------------------------------------


@dataclass
class _Record:
    """One CSV record as it stands in the file (its raw text) and its fields."""

    raw: str
    fields: list[str]


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on a folder: one import at a time per project."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read_values_text(target: Path) -> tuple[str, str] | None:
    """The values file as (byte-order mark or "", text), checked; None if there is none."""
    if not target.exists():
        return None
    read_values_csv(target)  # columns and field counts: the usual messages
    bom = "\ufeff" if target.read_bytes().startswith(b"\xef\xbb\xbf") else ""
    return bom, read_text(target)


def _records(text: str, where: str) -> list[_Record]:
    """The CSV records of a text, each with its raw lines (blank lines included)."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    while True:
        start = reader.line_num
        try:
            fields = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            raise InputError(f"{where}, line {start + 1}: not a readable CSV row: {exc}") from None
        records.append(_Record("".join(lines[start : reader.line_num]), fields))


def _csv_line(fields: list[str]) -> str:
    """One CSV record without its line break."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def _is_data(record: _Record) -> bool:
    """Whether a record has any content (not a blank line)."""
    return any(f.strip() for f in record.fields)


def _key_index(records: list[_Record]) -> tuple[int | None, dict[str, int]]:
    """The header record's position and where each column is."""
    for pos, record in enumerate(records):
        if _is_data(record):
            header = [f.strip() for f in record.fields]
            return pos, {c: header.index(c) for c in COLUMNS if c in header}
    return None, {c: i for i, c in enumerate(COLUMNS)}


def _stored_rows(
    original: tuple[str, str] | None, where: str
) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(year, unit, indicator) → (value, source) of the rows in the values file."""
    if original is None:
        return {}
    records = _records(original[1], where)
    header_at, col = _key_index(records)
    found = {}
    for record in records[(header_at or 0) + 1 :]:
        if _is_data(record):
            f = [x.strip() for x in record.fields]
            key = (f[col["year"]], f[col["unit"]], f[col["indicator"]])
            found.setdefault(key, (f[col["value"]], f[col["source"]]))
    return found


def _merge(
    original: tuple[str, str] | None,
    entries: list[_Entry],
    year: int,
    fallback: str,
    name: str,
    where: str,
) -> tuple[str, dict[int, str]]:
    """The new values text and, for each line taken from the workbook, its cell."""
    bom, text = original or ("", "")
    records = _records(text, where)
    eol = "\r\n" if records and records[0].raw.endswith("\r\n") else "\n"
    header_at, col = _key_index(records)
    if header_at is None:
        records = [_Record(",".join(COLUMNS) + eol, list(COLUMNS)), *records]
        header_at = 0
    width = len(records[header_at].fields)

    def fields(entry: _Entry) -> list[str]:
        """The entry as a record in the file's column order."""
        row = [""] * width
        values = {
            "year": str(year),
            "unit": entry.unit,
            "indicator": entry.indicator.id,
            "value": entry.value,
            "source": entry.source or fallback,
            "illustrative": "false",
        }
        for column, value in values.items():
            row[col[column]] = value
        return row

    wanted = {(str(year), e.unit, e.indicator.id): e for e in entries}
    used: set[tuple[str, str, str]] = set()
    origin_of: list[_Entry | None] = [None] * len(records)
    for pos in range(header_at + 1, len(records)):
        record = records[pos]
        if not _is_data(record):
            continue
        f = [x.strip() for x in record.fields]
        key = (f[col["year"]], f[col["unit"]], f[col["indicator"]])
        entry = wanted.get(key)
        if entry is not None:
            ending = record.raw[len(record.raw.rstrip("\r\n")) :]
            records[pos] = _Record(_csv_line(fields(entry)) + ending, fields(entry))
            origin_of[pos] = entry
            used.add(key)
    added = [e for key, e in wanted.items() if key not in used]
    if added:
        open_end = not records[-1].raw.endswith(("\n", "\r"))
        if open_end:
            records[-1] = _Record(records[-1].raw + eol, records[-1].fields)
        for entry in added:
            records.append(_Record(_csv_line(fields(entry)) + eol, fields(entry)))
            origin_of.append(entry)
        if open_end:  # keep the file's style: no line break after the last row
            records[-1] = _Record(records[-1].raw[: -len(eol)], records[-1].fields)
    origins: dict[int, str] = {}
    line = 1
    for record, entry in zip(records, origin_of, strict=True):
        if entry is not None:
            origins[line] = f"{name}: {entry.cell}"
        line += len(io.StringIO(record.raw, newline="").readlines())
    return bom + "".join(r.raw for r in records), origins


def _merged_problems(
    text: str,
    origins: dict[int, str],
    bad_keys: set[tuple[str, str]],
    year: int,
    target: Path,
    catalog: Catalog,
    region: Region,
) -> list[str]:
    """validate_values on the merged text, with the workbook's rows named by their cells.

    Stored rows of the year for indicators whose cell had a problem are left out of the
    check, so that an old figure does not produce a second, misleading message.
    """
    with tempfile.TemporaryDirectory(prefix="annual-review-import-") as tmp:
        check = Path(tmp) / target.name
        check.write_text(text, encoding="utf-8", newline="")
        frame = read_values_csv(check)
    from_book = frame["line"].isin(list(origins))
    skipped = {(str(year), unit, ind) for unit, ind in bad_keys}
    stale = [
        (r.year, r.unit, r.indicator) in skipped and not r.from_book
        for r in frame.assign(from_book=from_book).itertuples()
    ]
    frame = frame.assign(
        file=[origins.get(line, target.as_posix()) for line in frame["line"]],
        line=[0 if line in origins else line for line in frame["line"]],
    )
    frame = frame[[not s for s in stale]].reset_index(drop=True)
    try:
        validate_values(frame, catalog, region)
    except InputError as exc:
        return [p.replace(", line 0 (", " (", 1) for p in exc.problems]
    return []


def _decimal(text: str) -> Decimal | None:
    """A stored value as a finite Decimal (``14,908`` included), or None."""
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _warnings(
    entries: list[_Entry],
    stored: dict[tuple[str, str, str], tuple[str, str]],
    year: int,
    name: str,
) -> list[str]:
    """Suspicious changes against last year, and stored figures being replaced."""
    notes = []
    for entry in entries:
        ind = entry.indicator
        label = f"{name}: {entry.cell}: {ind.id}（{ind.name}）"
        last = stored.get((str(year - 1), entry.unit, ind.id))
        before = _decimal(last[0]) if last else None
        if last and before is not None and before > 0:
            if entry.number > 3 * before:
                notes.append(
                    f"{label}: {year} figure {entry.value} is more than three times"
                    f" {year - 1}'s {last[0]}; check it"
                )
            elif entry.number == 0:
                notes.append(
                    f"{label}: falls to 0 from {last[0]} in {year - 1}; check it (leave the"
                    " cell empty if the figure was not counted)"
                )
        same = stored.get((str(year), entry.unit, ind.id))
        if same and _decimal(same[0]) != entry.number:
            notes.append(
                f"{label}: replaces the stored {year} figure {same[0]} (source: {same[1]})"
                f" with {entry.value}"
            )
    return notes
