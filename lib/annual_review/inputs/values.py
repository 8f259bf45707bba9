"""Load the tidy indicator values (``data/values/<region>.csv``) and validate them.

One row per (year, unit, indicator) with its value and source. A figure that does not
apply to a unit in a year is a row with the value ``n/a`` (or ``不适用``) and the reason in
its source column; the report shows it as "—" with that reason. Column checks and the
rules that relate rows (a part never larger than its whole, a city total equal to the sum
of its townships, named when a township's figure is missing) are pandera checks; every
failure becomes one message naming the file, the line, the row's key and the value, and
all of them stop the build together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog
from annual_review.inputs.region import Region
from annual_review.inputs.values_file import (
    COLUMNS,
    MAX_VALUES_BYTES,
    csv_rows,
    is_not_applicable,
    values_path,
)
from annual_review.inputs.yamlio import MAX_PROBLEMS, SHORT, bounded, capped, read_text

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
    rows = csv_rows(read_text(path, max_bytes=MAX_VALUES_BYTES), name)
    if not rows:
        raise InputError(f"{name}: file is empty; expected the header {','.join(COLUMNS)}")
    (_, header), body = rows[0], rows[1:]
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    extra = [bounded(c, 30) or "(empty)" for c in header if c not in COLUMNS][:10]
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
        raise InputError("\n".join(capped(short_or_long)))
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

    >>> [_value_check(t, True) for t in ("391", "3,152", "x", "inf", "3.0", "-1", "n/a")]
    [None, None, 'value_num', 'not_finite', 'plain', None, None]
    """
    if is_not_applicable(text):
        return None
    number = _number(text)
    if number is None:
        return "value_num"
    if not math.isfinite(number):
        return "not_finite"
    if is_count and number >= 0 and number.is_integer() and not COUNT_TEXT.fullmatch(text):
        return "plain"
    return None


def _range_check(text: str, allowed: tuple[float, float] | None) -> str | None:
    """``stated_range`` when a stated percentage is outside its range (else None).

    >>> [_range_check(t, (0.0, 100.0)) for t in ("35", "250", "1e308", "-1", "n/a")]
    [None, 'stated_range', 'stated_range', 'stated_range', None]
    >>> _range_check("-12.5", (-100.0, 100.0)) is None
    True
    """
    number = _number(text)
    if allowed is None or number is None or not math.isfinite(number):
        return None
    low, high = allowed
    return None if low <= number <= high else "stated_range"


def _parse(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns beside the raw text: ``year_num``, ``value_num``, ``illustrative_flag``."""
    out = frame.copy()
    out["year_num"] = [
        float(y) if YEAR_TEXT.fullmatch(y) else math.nan for y in out["year"].astype(str)
    ]
    numbers = [_number(v) for v in out["value"].astype(str)]
    out["value_num"] = [v if v is not None and math.isfinite(v) else math.nan for v in numbers]
    out["not_applicable"] = [is_not_applicable(v) for v in out["value"].astype(str)]
    out["illustrative_flag"] = out["illustrative"].str.lower().map(TRUE_WORDS)
    return out


def _lookup(frame: pd.DataFrame) -> dict[tuple[float, str, str], float]:
    """(year, unit, indicator) → value; a figure marked not applicable counts as 0."""
    return {
        (r.year_num, r.unit, r.indicator): 0.0 if r.not_applicable else r.value_num
        for r in frame.itertuples()
        if pd.notna(r.value_num) or r.not_applicable
    }


def township_sum(
    known: dict[tuple[float, str, str], float], year: float, townships: list[str], part: str
) -> tuple[float, list[str]]:
    """The townships' sum of a figure and the townships without one.

    >>> known = {(2024.0, "甲镇", "x"): 3.0, (2024.0, "乙镇", "x"): 4.0}
    >>> township_sum(known, 2024.0, ["甲镇", "乙镇", "丙镇"], "x")
    (7.0, ['丙镇'])
    """
    found = [(t, known.get((year, t, part))) for t in townships]
    return sum(v for _, v in found if v is not None), [t for t, v in found if v is None]


def _part_not_larger(frame: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """A part is never larger than its whole; a part with a figure needs its whole to have
    one too (a whole marked n/a counts as 0, so a part above 0 fails)."""
    known = _lookup(frame)

    def ok(r) -> bool:
        ind = catalog.by_id.get(r.indicator)
        if ind is None or ind.part_of is None or pd.isna(r.value_num) or r.not_applicable:
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
        total, missing = township_sum(known, r.year_num, townships, ind.sum_of)
        return not missing and total == r.value_num

    return pd.Series([ok(r) for r in frame.itertuples()], index=frame.index)


def _schema(catalog: Catalog, region: Region) -> pa.DataFrameSchema:
    units = {u.name: u.level for u in region.units}
    stored = {i.id for i in catalog.stored()}
    counts = {i.id for i in catalog.indicators if i.kind == "count"}
    stated = {i.id for i in catalog.indicators if i.stated_range is not None}

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

    def not_negative(frame: pd.DataFrame) -> pd.Series:
        # a stated percentage has its own range, checked with the values as written
        v = frame["value_num"]
        return frame["indicator"].isin(stated) | v.isna() | (v >= 0)

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
            "value_num": pa.Column(float, nullable=True, coerce=True),
            "source": pa.Column(str, pa.Check.str_length(min_value=1, name="source")),
            "illustrative_flag": pa.Column(bool, nullable=False, coerce=False),
        },
        checks=[
            pa.Check(whole_counts, name="fractional"),
            pa.Check(not_negative, name="negative"),
            pa.Check(applies, name="applies"),
            pa.Check(lambda f: _part_not_larger(f, catalog), name="part_of"),
            pa.Check(lambda f: _sum_matches(f, catalog, region), name="sum_of"),
        ],
        unique=["year_num", "unit", "indicator"],
        report_duplicates="all",
    )


def _message(row: pd.Series, check: str, catalog: Catalog, region: Region, known) -> str:
    key = ", ".join(bounded(str(row[c]), 30) for c in ("year", "unit", "indicator"))
    where = f"{row['file']}, line {row['line']} ({key})"
    value = SHORT.repr(row["value"])[1:-1] if isinstance(row["value"], str) else row["value"]
    ind = catalog.by_id.get(row["indicator"])
    if check == "year_text":
        return f"{where}: year {SHORT.repr(row['year'])} must be a whole number written as 4 digits"
    if check == "year":
        return f"{where}: year {SHORT.repr(row['year'])} is not a year between 2000 and 2100"
    if check == "stated_range":
        assert ind is not None and ind.stated_range is not None  # else the check passes
        low, high = ind.stated_range
        return (
            f"{where}: value {value} is outside {low:g} to {high:g}, the range of"
            f" {ind.name} (a stated percentage; data/indicators.yaml may give another range)"
        )
    if check == "unit":
        known_units = "、".join(u.name for u in region.units)
        return (
            f"{where}: unknown unit {SHORT.repr(row['unit'])};"
            f" region {region.name} has {known_units}"
        )
    if check == "indicator":
        if ind is not None and ind.derived:
            return (
                f"{where}: {row['indicator']} is derived ({ind.numerator} ÷ {ind.denominator});"
                " store its numerator and denominator, not the rate"
            )
        return (
            f"{where}: unknown indicator {SHORT.repr(row['indicator'])}"
            " (not in data/indicators.yaml)"
        )
    if check == "value_num":
        return f"{where}: value {SHORT.repr(row['value'])} is not a number"
    if check == "not_finite":
        return f"{where}: value {SHORT.repr(row['value'])} is not a finite number"
    if check == "plain":
        return (
            f"{where}: value {SHORT.repr(row['value'])} is not a plain whole number;"
            f" {ind.name if ind else row['indicator']} is a count (write e.g. 391)"
        )
    if check == "negative":
        return f"{where}: value {value} is negative; counts cannot be below 0"
    if check == "fractional":
        return f"{where}: value {value} is fractional; {ind.name if ind else ''} is a whole count"
    if check == "source":
        return f"{where}: source is empty; say where the figure comes from"
    if check == "illustrative_flag":
        return f"{where}: illustrative must be true or false, not {SHORT.repr(row['illustrative'])}"
    if check == "applies":
        assert ind is not None  # the check only fails for an indicator of the catalog
        return f"{where}: {ind.name} applies to {ind.applies_to} units only, not {row['unit']}"
    if check == "part_of":
        assert ind is not None and ind.part_of is not None  # else the check passes
        whole = known.get((row["year_num"], row["unit"], ind.part_of))
        shown = f"{whole:g}" if whole else "0 (a whole marked n/a counts as 0)"
        return (
            f"{where}: value {value} is larger than its whole {ind.part_of}"
            f" ({catalog[ind.part_of].name}) = {shown}"
        )
    if check == "sum_of":
        assert ind is not None and ind.sum_of is not None  # else the check passes
        townships = [u.name for u in region.townships]
        total, missing = township_sum(known, row["year_num"], townships, ind.sum_of)
        part = f"{ind.sum_of} ({catalog[ind.sum_of].name})"
        if missing:
            return (
                f"{where}: the city total {value} cannot be checked against the townships'"
                f" {part}: no {row['year']} figure for {'、'.join(missing)}"
                " (give it, or n/a with the reason)"
            )
        return (
            f"{where}: value {value} differs from the sum of the townships' {part},"
            f" which is {total:g}; a city total must equal its parts"
        )
    if check == "duplicate":
        return f"{where}: duplicate row: ({key}) appears more than once"
    return f"{where}: fails check {bounded(check, 60)} with value {value!r}"


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
    # (row, check) → the check to word: only the first MAX_PROBLEMS are worded, so a
    # file of 200,000 bad rows is refused in seconds, the rest counted
    problems: dict[tuple[int, str], str] = {}
    counts = {i.id for i in catalog.indicators if i.kind == "count"}
    ranges = {i.id: i.stated_range for i in catalog.indicators if i.stated_range is not None}
    columns = zip(
        parsed.index,
        parsed["value"].astype(str),
        parsed["indicator"],
        parsed["year_num"].isna(),
        parsed["illustrative_flag"].isna(),
        strict=True,
    )
    for idx, text, indicator, bad_year, bad_flag in columns:
        check = _value_check(text, indicator in counts) or _range_check(text, ranges.get(indicator))
        if bad_year:
            problems[(idx, "year")] = "year_text"
        if check:
            problems[(idx, check)] = check
        if bad_flag:
            problems[(idx, "illustrative_flag")] = "illustrative_flag"
    clean = parsed.drop(index=list({i for i, _ in problems}))
    try:
        _schema(catalog, region).validate(clean, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples():
            if pd.isna(case.index):
                continue
            name = _check_name(case)
            problems.setdefault((int(case.index), name), name)
    if problems:
        where = dict(zip(frame.index, zip(frame["file"], frame["line"], strict=True), strict=True))
        ordered = sorted(problems, key=lambda k: (*where[k[0]], k[1]))
        known = _lookup(parsed)
        worded = [
            _message(parsed.loc[idx], problems[(idx, name)], catalog, region, known)
            for idx, name in ordered[:MAX_PROBLEMS]
        ]
        rest = len(ordered) - len(worded)
        raise InputError("\n".join(worded + ([f"… and {rest:,} more problems"] if rest else [])))
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
