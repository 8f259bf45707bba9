"""The import of a filled-in workbook, end to end: check everything, then merge in one write.

:func:`import_workbook` runs the stages in order (the file checks of
:mod:`~annual_review.inputs.collect.workbook_file`, the ``_meta`` sheet of
:mod:`~annual_review.inputs.collect.meta`, the reading and cell checks of
:mod:`~annual_review.inputs.collect.reading`, the merge of
:mod:`~annual_review.inputs.collect.merging`), raises every problem found as one
:class:`InputError`, and otherwise replaces the values file atomically under a lock,
returning an :class:`ImportReport` whose warnings include how complete each unit is
(:mod:`~annual_review.inputs.collect.completeness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annual_review.core.errors import InputError
from annual_review.core.files import write_atomic
from annual_review.inputs.catalog import Catalog, load_catalog
from annual_review.inputs.collect.common import META_SHEET, check_year, error, raise_problems
from annual_review.inputs.collect.completeness import completeness_warnings
from annual_review.inputs.collect.merging import (
    change_warnings,
    locked,
    merge,
    merged_problems,
    read_values_text,
    stored_rows,
)
from annual_review.inputs.collect.meta import read_meta, workbook_region
from annual_review.inputs.collect.reading import read_unit_sheets
from annual_review.inputs.collect.workbook_file import check_container, check_sizes, load
from annual_review.inputs.region import load_region, region_path
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
    region_slug: str | None = None,
    *,
    source: str | None = None,
    year: int | None = None,
    catalog: Catalog | None = None,
) -> ImportReport:
    """Check a filled-in collection workbook and merge its figures into the values file.

    The whole workbook is checked first; every problem (naming the sheet and cell, the
    indicator and what is wrong) is collected and raised together as one
    :class:`InputError`, and then nothing is written. Refused outright: macros (an
    ``.xlsm`` file or a ``vbaProject`` part), hidden sheets, and hidden rows or columns in
    a unit's table (except what the template hides itself). Otherwise each figure
    replaces the row of the same (year, unit, indicator) in ``data/values/<region>.csv``
    or is appended; the other rows keep their order and text. The merged file must still
    pass :func:`annual_review.inputs.values.validate_values`. The source of a row is its
    来源/备注 cell, else ``source`` (``--source``); a figure with neither is a problem naming
    its cell (a blank source is never replaced by a guess such as the file name). A
    figure marked ``n/a`` (or ``不适用``) is written as ``n/a`` with the 来源/备注 text, the
    reason, as its source; without a reason it is a problem. Imported rows are not
    illustrative. ``year``, when given, must match the workbook's. Empty value cells are
    skipped; the warnings say, per unit sheet, how many required figures are filled and
    which are missing. ``region_slug`` defaults to the region the workbook records
    (:func:`~annual_review.inputs.collect.meta.workbook_region`), else the project's only
    region; given, it must be the workbook's. Texts come from ``catalog`` (default: the
    catalogue in the region's words). The values file is replaced atomically under a lock
    on the data folder.
    """
    path, data_dir = Path(path), Path(data_dir)
    if year is not None:
        check_year(year, "year")
    name = path.name
    check_container(path)
    check_sizes(path)
    region = load_region(data_dir, region_slug or _region_of(path, data_dir))
    catalog = catalog if catalog is not None else load_catalog(data_dir, region)
    book = load(path, read_only=False)
    problems: list[str] = []
    meta = read_meta(book, name, region, year, problems)
    entries, bad_keys, units = read_unit_sheets(book, name, region, catalog, meta, problems)
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
        stored = stored_rows(original, where)
        notes = change_warnings(entries, stored, meta.year, name)
        if not entries:
            notes.append(f"{name}: no figures filled in; {where} was not changed")
            return ImportReport(rows_written=0, warnings=notes, path=target)
        already = {(unit, ind) for (y, unit, ind) in stored if y == str(meta.year)}
        notes += completeness_warnings(entries, units, catalog, already, name, meta.year)
        write_atomic(target, merged.encode("utf-8"))
    return ImportReport(rows_written=len(entries), warnings=notes, path=target)


def _region_of(path: Path, data_dir: Path) -> str:
    """The region the workbook records, else the project's only region, else InputError."""
    recorded = workbook_region(path)
    if recorded is not None:
        return recorded
    regions = sorted(region_path(data_dir, "any").parent.glob("*.yaml"))
    if len(regions) == 1:
        return regions[0].stem
    raise InputError(
        f"{path.name}: the workbook does not say which region it is for (no readable"
        f" {META_SHEET} sheet); give --region"
    )
