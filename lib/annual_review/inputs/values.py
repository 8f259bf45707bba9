"""Load the tidy indicator values (``data/values/<region>.csv``) and validate them.

One row per (year, unit, indicator) with its value and source. Column checks and the
rules that relate rows (a part never larger than its whole, a city total equal to the
sum of its townships) are pandera checks; every failure becomes one message naming the
file, the line, the row's key and the value, and all of them stop the build together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pandas as pd
import pandera.pandas as pa

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog
from annual_review.inputs.region import Region
from annual_review.inputs.values_file import COLUMNS, csv_rows, values_path
from annual_review.inputs.yamlio import read_text

__all__ = ["COLUMNS", "load_values", "read_values_csv", "validate_values", "values_path"]

TRUE_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
YEAR_TEXT = re.compile(r"[0-9]{4}")
COUNT_TEXT = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")


def read_values_csv(path: Path) -> pd.DataFrame:
    """Read a values file as text, adding ``line`` (its line in the file) and ``file``."""
    path = Path(path)
    name = path.as_posix()
    if not path.is_file():
        raise InputError(f"{name}: values file missing")
    rows = csv_rows(read_text(path), name)
    if not rows:
        raise InputError(f"{name}: file is empty; expected the header {','.join(COLUMNS)}")
    (_, header), body = rows[0], rows[1:]
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    extra = [c or "(empty)" for c in header if c not in COLUMNS]
    twice = sorted({c for c in header if c in COLUMNS and header.count(c) > 1})
    if missing or extra or twice:
        raise InputError(
            f"{name}: columns must be {','.join(COLUMNS)}"
            + (f"; missing {','.join(missing)}" if missing else "")
            + (f"; unexpected {','.join(extra)}" if extra else "")
            + (f"; repeated {','.join(twice)}" if twice else "")
        )
    short_or_long = [
        f"{name}, line {line}: row has {len(fields)} fields instead of {len(header)}"
        f" ({','.join(header)}): {','.join(fields)!r:.120}"
        for line, fields in body
        if len(fields) != len(header)
    ]
    if short_or_long:
        raise InputError("\n".join(short_or_long))
    where = {c: header.index(c) for c in COLUMNS}
    frame = pd.DataFrame(
        {c: [fields[where[c]].strip() for _, fields in body] for c in COLUMNS},
        columns=COLUMNS,
        dtype=object,
    )
    frame.insert(0, "line", pd.Series([line for line, _ in body], dtype="int64"))
    frame.insert(0, "file", name)
    return frame


def _number(text: str) -> float | None:
    """The value as a float (``nan``/``inf`` included), or None when it is not a number."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _value_check(text: str, is_count: bool) -> str | None:
    """What is wrong with a value as written, before the table checks, if anything.

    >>> [_value_check(t, True) for t in ("391", "3,152", "x", "inf", "3.0", "-1")]
    [None, None, 'value_num', 'not_finite', 'plain', None]
    """
    number = _number(text)
    if number is None:
        return "value_num"
    if not math.isfinite(number):
        return "not_finite"
    if is_count and number >= 0 and number.is_integer() and not COUNT_TEXT.fullmatch(text):
        return "plain"
    return None


def _parse(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns beside the raw text: ``year_num``, ``value_num``, ``illustrative_flag``."""
    out = frame.copy()
    out["year_num"] = [
        float(y) if YEAR_TEXT.fullmatch(y) else math.nan for y in out["year"].astype(str)
    ]
    numbers = [_number(v) for v in out["value"].astype(str)]
    out["value_num"] = [v if v is not None and math.isfinite(v) else math.nan for v in numbers]
    out["illustrative_flag"] = out["illustrative"].str.lower().map(TRUE_WORDS)
    return out


def _lookup(frame: pd.DataFrame) -> dict[tuple[float, str, str], float]:
    return {
        (r.year_num, r.unit, r.indicator): r.value_num
        for r in frame.itertuples()
        if pd.notna(r.value_num)
    }


def _part_not_larger(frame: pd.DataFrame, catalog: Catalog) -> pd.Series:
    known = _lookup(frame)

    def ok(r) -> bool:
        ind = catalog.by_id.get(r.indicator)
        if ind is None or ind.part_of is None or pd.isna(r.value_num):
            return True
        whole = known.get((r.year_num, r.unit, ind.part_of))
        return whole is None or r.value_num <= whole

    return pd.Series([ok(r) for r in frame.itertuples()], index=frame.index)


def _sum_matches(frame: pd.DataFrame, catalog: Catalog, region: Region) -> pd.Series:
    known = _lookup(frame)
    townships = [u.name for u in region.townships]

    def ok(r) -> bool:
        ind = catalog.by_id.get(r.indicator)
        if ind is None or ind.sum_of is None or r.unit != region.name or pd.isna(r.value_num):
            return True
        parts = [known.get((r.year_num, t, ind.sum_of)) for t in townships]
        # sum() only runs when every part is known
        return any(p is None for p in parts) or sum(cast(list[float], parts)) == r.value_num

    return pd.Series([ok(r) for r in frame.itertuples()], index=frame.index)


def _schema(catalog: Catalog, region: Region) -> pa.DataFrameSchema:
    units = {u.name: u.level for u in region.units}
    stored = {i.id for i in catalog.stored()}
    counts = {i.id for i in catalog.indicators if i.kind == "count"}

    def applies(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(
            [
                r.indicator not in catalog
                or r.unit not in units
                or catalog[r.indicator].applies(units[r.unit])
                for r in frame.itertuples()
            ],
            index=frame.index,
        )

    def whole_counts(frame: pd.DataFrame) -> pd.Series:
        v = frame["value_num"]
        return ~frame["indicator"].isin(counts) | v.isna() | (v == v.round())

    return pa.DataFrameSchema(
        {
            "year_num": pa.Column(
                float,
                [pa.Check.in_range(2000, 2100, name="year")],
                nullable=False,
                coerce=True,
            ),
            "unit": pa.Column(str, pa.Check.isin(list(units), name="unit")),
            "indicator": pa.Column(str, pa.Check.isin(sorted(stored), name="indicator")),
            "value_num": pa.Column(
                float, pa.Check.ge(0, name="negative"), nullable=False, coerce=True
            ),
            "source": pa.Column(str, pa.Check.str_length(min_value=1, name="source")),
            "illustrative_flag": pa.Column(bool, nullable=False, coerce=False),
        },
        checks=[
            pa.Check(whole_counts, name="fractional"),
            pa.Check(applies, name="applies"),
            pa.Check(lambda f: _part_not_larger(f, catalog), name="part_of"),
            pa.Check(lambda f: _sum_matches(f, catalog, region), name="sum_of"),
        ],
        unique=["year_num", "unit", "indicator"],
        report_duplicates="all",
    )


def _message(row: pd.Series, check: str, catalog: Catalog, region: Region, known) -> str:
    where = f"{row['file']}, line {row['line']} ({row['year']}, {row['unit']}, {row['indicator']})"
    value = row["value"]
    ind = catalog.by_id.get(row["indicator"])
    if check == "year_text":
        return f"{where}: year {row['year']!r} must be a whole number written as 4 digits"
    if check == "year":
        return f"{where}: year {row['year']!r} is not a year between 2000 and 2100"
    if check == "unit":
        known_units = "、".join(u.name for u in region.units)
        return f"{where}: unknown unit {row['unit']!r}; region {region.name} has {known_units}"
    if check == "indicator":
        if ind is not None and ind.derived:
            return (
                f"{where}: {row['indicator']} is derived ({ind.numerator} ÷ {ind.denominator});"
                " store its numerator and denominator, not the rate"
            )
        return f"{where}: unknown indicator {row['indicator']!r} (not in data/indicators.yaml)"
    if check == "value_num":
        return f"{where}: value {value!r} is not a number"
    if check == "not_finite":
        return f"{where}: value {value!r} is not a finite number"
    if check == "plain":
        return (
            f"{where}: value {value!r} is not a plain whole number;"
            f" {ind.name if ind else row['indicator']} is a count (write e.g. 391)"
        )
    if check == "negative":
        return f"{where}: value {value} is negative; counts cannot be below 0"
    if check == "fractional":
        return f"{where}: value {value} is fractional; {ind.name if ind else ''} is a whole count"
    if check == "source":
        return f"{where}: source is empty; say where the figure comes from"
    if check == "illustrative_flag":
        return f"{where}: illustrative must be true or false, not {row['illustrative']!r}"
    if check == "applies":
        assert ind is not None  # the check only fails for an indicator of the catalog
        return f"{where}: {ind.name} applies to {ind.applies_to} units only, not {row['unit']}"
    if check == "part_of":
        assert ind is not None and ind.part_of is not None  # else the check passes
        whole = known.get((row["year_num"], row["unit"], ind.part_of))
        return (
            f"{where}: value {value} is larger than its whole {ind.part_of}"
            f" ({catalog[ind.part_of].name}) = {whole:g}"
        )
    if check == "sum_of":
        assert ind is not None  # else the check passes
        return (
            f"{where}: value {value} differs from the sum of the townships' {ind.sum_of};"
            " a city total must equal its parts"
        )
    if check == "duplicate":
        key = f"({row['year']}, {row['unit']}, {row['indicator']})"
        return f"{where}: duplicate row: {key} appears more than once"
    return f"{where}: fails check {check} with value {value!r}"


_COLUMN_CHECKS = {
    "year_num": "year",
    "unit": "unit",
    "indicator": "indicator",
    "value_num": "negative",
    "source": "source",
    "illustrative_flag": "illustrative_flag",
}


def _check_name(case) -> str:
    """Our name for a pandera failure case: a column's rule, a frame rule, or a duplicate."""
    if "uniqueness" in str(case.check) or "duplicate" in str(case.check):
        return "duplicate"
    if case.schema_context == "Column":
        return _COLUMN_CHECKS.get(case.column, str(case.check))
    return str(case.check)


def validate_values(frame: pd.DataFrame, catalog: Catalog, region: Region) -> pd.DataFrame:
    """Validate raw rows; return the typed frame or raise InputError listing every problem."""
    parsed = _parse(frame)
    problems: dict[tuple[int, str], str] = {}
    known = _lookup(parsed)
    counts = {i.id for i in catalog.indicators if i.kind == "count"}
    columns = zip(
        parsed.index,
        parsed["value"].astype(str),
        parsed["indicator"],
        parsed["year_num"].isna(),
        parsed["illustrative_flag"].isna(),
        strict=True,
    )
    for idx, text, indicator, bad_year, bad_flag in columns:
        check = _value_check(text, indicator in counts)
        if not (bad_year or check or bad_flag):
            continue  # most rows: nothing to word, so no row object is made
        row = parsed.loc[idx]
        if bad_year:
            problems[(idx, "year")] = _message(row, "year_text", catalog, region, known)
        if check:
            problems[(idx, check)] = _message(row, check, catalog, region, known)
        if bad_flag:
            problems[(idx, "illustrative_flag")] = _message(
                row, "illustrative_flag", catalog, region, known
            )
    clean = parsed.drop(index=list({i for i, _ in problems}))
    try:
        _schema(catalog, region).validate(clean, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples():
            if pd.isna(case.index):
                continue
            name = _check_name(case)
            idx = int(case.index)
            problems.setdefault((idx, name), _message(clean.loc[idx], name, catalog, region, known))
    if problems:
        ordered = [
            problems[k]
            for k in sorted(
                problems, key=lambda k: (frame.loc[k[0], "file"], frame.loc[k[0], "line"], k[1])
            )
        ]
        raise InputError("\n".join(ordered))
    out = parsed.assign(
        year=parsed["year_num"].astype(int), illustrative=parsed["illustrative_flag"]
    )
    return out.drop(columns=["year_num", "illustrative_flag"]).reset_index(drop=True)


def load_values(
    data_dir: Path | str, region: Region, catalog: Catalog, *, files: Iterable[Path] | None = None
) -> pd.DataFrame:
    """Read and validate a region's values; raise InputError naming every bad row."""
    paths = list(files) if files is not None else [values_path(data_dir, region.slug)]
    if not paths:
        raise InputError("no values files given")
    frame = pd.concat([read_values_csv(p) for p in paths], ignore_index=True)
    return validate_values(frame, catalog, region)
