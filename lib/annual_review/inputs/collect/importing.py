"""The import of a filled-in workbook, end to end: check everything, then merge in one write.

:func:`import_workbook` runs the stages in order (the file checks of
:mod:`~annual_review.inputs.collect.workbook_file`, the reading and cell checks of
:mod:`~annual_review.inputs.collect.reading`, the merge of
:mod:`~annual_review.inputs.collect.merging`), raises every problem found as one
:class:`InputError`, and otherwise replaces the values file atomically under a lock,
returning an :class:`ImportReport`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annual_review.core.files import write_atomic
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.collect.common import check_year, error, raise_problems
from annual_review.inputs.collect.merging import (
    change_warnings,
    locked,
    merge,
    merged_problems,
    read_values_text,
    stored_rows,
)
from annual_review.inputs.collect.reading import read_meta, read_unit_sheets
from annual_review.inputs.collect.workbook_file import check_container, check_sizes, load
from annual_review.inputs.region import load_region
from annual_review.inputs.values import values_path


@dataclass
class ImportReport:
    """What :func:`import_workbook` did: rows written, warnings to read, the file written."""

    rows_written: int
    warnings: list[str]
    path: Path


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
    :func:`annual_review.inputs.values.validate_values`. The source of a row is its 来源/备注
    cell, else ``source`` (``--source``); a figure with neither is a problem naming its cell
    (a blank source is never replaced by a guess such as the file name). Imported rows are not
    illustrative. ``year``, when given, must match the workbook's. Empty value cells are
    skipped. The values file is replaced atomically under a lock on the data folder.
    """
    path, data_dir = Path(path), Path(data_dir)
    if year is not None:
        check_year(year, "year")
    region = load_region(data_dir, region_slug)
    catalog = load_catalog(data_dir)
    name = path.name
    check_container(path)
    check_sizes(path)
    book = load(path, read_only=False)
    problems: list[str] = []
    meta = read_meta(book, name, region, year, problems)
    entries, bad_keys = read_unit_sheets(book, name, region, catalog, meta, problems)
    target = values_path(data_dir, region.slug)
    if meta.year is None:  # no year, no merge: report what the workbook itself has wrong
        raise error(problems or [f"{name}: the workbook's year is unknown"])
    fallback = source.strip() if source and source.strip() else ""
    if not fallback:
        problems += [
            f"{name}: {e.sheet}!G{e.row}: {e.indicator.id}（{e.indicator.name}）: 来源 is blank"
            f" for the value {e.value}; write where the figure comes from, or give --source"
            for e in entries
            if not e.source
        ]
    where = target.as_posix()
    with locked(data_dir):
        original = read_values_text(target)
        merged, origins = merge(original, entries, meta.year, fallback, name, where)
        problems += merged_problems(merged, origins, bad_keys, meta.year, target, catalog, region)
        raise_problems(problems)
        notes = change_warnings(entries, stored_rows(original, where), meta.year, name)
        if not entries:
            notes.append(f"{name}: no figures filled in; {where} was not changed")
            return ImportReport(rows_written=0, warnings=notes, path=target)
        write_atomic(target, merged.encode("utf-8"))
    return ImportReport(rows_written=len(entries), warnings=notes, path=target)
