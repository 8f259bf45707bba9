"""The values file read as CSV rows, without pandas: what the checks and the runs share.

The checks (:mod:`annual_review.inputs.values`) build their table from :func:`csv_rows`;
the runs cut each township's rows out with :func:`rows_of_unit`, so both read quoted
line breaks and any column order the same way. Light enough for a build that finds
nothing to do.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from annual_review.core.errors import InputError

COLUMNS = ["year", "unit", "indicator", "value", "source", "illustrative"]
# A values file beyond these is refused before any table is built (over MAX_VALUES_BYTES
# before it is even read): a region's file holds a few hundred rows a year (Haining: ~300
# for 13 units), so they leave room for a century of a large region's figures, while the
# checks of a file at the limit still finish in well under a minute.
MAX_VALUES_BYTES = 30_000_000
MAX_VALUES_ROWS = 100_000
NOT_APPLICABLE = re.compile(r"n/a|不适用", re.IGNORECASE)


def is_not_applicable(text: str) -> bool:
    """Whether a value cell marks the figure as not applicable.

    >>> [is_not_applicable(t) for t in ("n/a", "N/A", "不适用", "0", "")]
    [True, True, True, False, False]
    """
    return bool(NOT_APPLICABLE.fullmatch(text.strip()))


def values_path(data_dir: Path | str, region_slug: str) -> Path:
    """Where a region's values live."""
    return Path(data_dir) / "values" / f"{region_slug}.csv"


def csv_rows(
    text: str, name: str, *, max_rows: int = MAX_VALUES_ROWS
) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with the physical line each one starts on; more than
    ``max_rows`` rows below the header are refused as soon as the reader gets there.

    >>> csv_rows("a,b\\n\\n1,2\\n", "v.csv")
    [(1, ['a', 'b']), (3, ['1', '2'])]
    >>> try:
    ...     csv_rows("a\\n1\\n2\\n3\\n", "v.csv", max_rows=2)
    ... except InputError as exc:
    ...     print(exc)
    v.csv: more than 2 rows (the limit is 2); split the file or remove old years
    """
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"{name}, line {line}: holds a NUL byte; save the file as UTF-8 text")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise InputError(
                f"{name}, line {start}: not a readable CSV row: {str(exc)[:120]}"
            ) from None
        if fields and not (len(fields) == 1 and not fields[0].strip()):
            rows.append((start, fields))
            if len(rows) > max_rows + 1:
                raise InputError(
                    f"{name}: more than {max_rows:,} rows (the limit is {max_rows:,});"
                    " split the file or remove old years"
                )


def rows_of_unit(text: str, unit: str, name: str = "values.csv") -> str:
    """The values file cut down to one unit's rows: the header and every row whose
    ``unit`` column is ``unit``, read with the checks' own CSV reader (so quoted line
    breaks and any column order are understood) and written back as CSV.

    Every kept row stays on its line of the project's file (the other rows become blank
    lines, which the reader skips), so a run's figures table can name the line of
    ``data/values/<region>.csv`` each figure came from. Another unit's figure changing in
    place leaves this text as it is (the run is not repeated).

    >>> text = 'unit,year,indicator,value,source,illustrative\\n'
    >>> text += '乙镇,2024,a,2,x,false\\n甲镇,2024,a,1,"来源\\n第二行",false\\n'
    >>> print(rows_of_unit(text, "甲镇"), end="")
    unit,year,indicator,value,source,illustrative
    <BLANKLINE>
    甲镇,2024,a,1,"来源
    第二行",false
    """
    rows = csv_rows(text, name)
    if not rows:
        return ""
    header = [h.strip() for h in rows[0][1]]
    column = header.index("unit") if "unit" in header else 1
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    line = 1
    for start, fields in rows:
        if start != rows[0][0] and not (len(fields) > column and fields[column].strip() == unit):
            continue
        out.write("\n" * max(0, start - line))
        before = out.tell()
        writer.writerow(fields)
        line = start + out.getvalue()[before:].count("\n")
    return out.getvalue()
