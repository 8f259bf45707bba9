"""Merging the figures read into ``data/values/<region>.csv``, keeping the file's own text.

The values file is read as raw CSV records so that rows not touched keep their order,
text, line endings and byte-order mark; :func:`merge` replaces the rows of the same
(year, unit, indicator) and appends the rest, :func:`merged_problems` runs
``validate_values`` on the result with the workbook's rows named by their cells,
:func:`change_warnings` points out suspicious changes, and :func:`locked` serialises
imports on the data folder.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog
from annual_review.inputs.collect.common import Entry
from annual_review.inputs.region import Region
from annual_review.inputs.values import COLUMNS, read_values_csv, validate_values
from annual_review.inputs.yamlio import read_text


@dataclass
class _Record:
    """One CSV record as it stands in the file (its raw text) and its fields."""

    raw: str
    fields: list[str]


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on a folder: one import at a time per project."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_values_text(target: Path) -> tuple[str, str] | None:
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
    records: list[_Record] = []
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


def stored_rows(
    original: tuple[str, str] | None, where: str
) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(year, unit, indicator) → (value, source) of the rows in the values file."""
    if original is None:
        return {}
    records = _records(original[1], where)
    header_at, col = _key_index(records)
    found: dict[tuple[str, str, str], tuple[str, str]] = {}
    for record in records[(header_at or 0) + 1 :]:
        if _is_data(record):
            f = [x.strip() for x in record.fields]
            key = (f[col["year"]], f[col["unit"]], f[col["indicator"]])
            found.setdefault(key, (f[col["value"]], f[col["source"]]))
    return found


def merge(
    original: tuple[str, str] | None,
    entries: list[Entry],
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

    def fields(entry: Entry) -> list[str]:
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
    origin_of: list[Entry | None] = [None] * len(records)
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


def merged_problems(
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


def change_warnings(
    entries: list[Entry],
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
        if last and before is not None and before > 0 and entry.number is not None:
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
        if same and _decimal(same[0]) != entry.number:  # n/a in both: None == None
            notes.append(
                f"{label}: replaces the stored {year} figure {same[0]} (source: {same[1]})"
                f" with {entry.value}"
            )
    return notes
