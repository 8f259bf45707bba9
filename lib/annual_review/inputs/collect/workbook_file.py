"""The file itself: is it an .xlsx workbook at all, and a reasonably small one?

:func:`check_container` refuses what is not a zip-packaged Excel workbook (an ``.xls``,
a password-protected file, HTML or CSV renamed ``.xlsx``, a Word document, a zip bomb)
and any workbook with macros (an ``.xlsm`` file, a ``vbaProject`` part) with a reason a
person can act on; :func:`check_sizes` streams every sheet once in
read-only mode and refuses oversized ones before the full load; :func:`load` opens a
workbook with openpyxl, turning any failure of a damaged file into an :class:`InputError`.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl

from annual_review.core.errors import InputError
from annual_review.inputs.collect.common import raise_problems

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MAX_ROWS = 2000
MAX_COLUMNS = 50
MAX_SHEETS = 100
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
MACRO_PART = re.compile(r"(^|/)vbaProject[^/]*\.bin$|(^|/)vbaData\.xml$", re.IGNORECASE)
SAVE_AS = "'Excel 工作簿 (*.xlsx)'"


def check_container(path: Path) -> None:
    """Refuse anything that is not a zip-packaged Excel workbook, with a reason."""
    name = path.name
    if not path.exists():
        raise InputError(f"{path.as_posix()}: no such file")
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: not a file")
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise InputError(
            f"{name}: refused: a macro-enabled workbook ({path.suffix}); macros are never"
            f" opened here: open it in Excel, save it as {SAVE_AS} and import that file"
        )
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
    macros = sorted(n for n in names if MACRO_PART.search(n))
    if macros:
        raise InputError(
            f"{name}: refused: the workbook contains macros ({', '.join(macros)}); save it in"
            f" Excel as {SAVE_AS}, which leaves the macros out, and import that file"
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


def load(path: Path, *, read_only: bool) -> openpyxl.Workbook:
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


def check_sizes(path: Path) -> None:
    """Stream every sheet once (read-only) and refuse oversized ones before a full load."""
    book = load(path, read_only=True)
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
    raise_problems(problems)


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
