"""Load the tidy indicator values (``data/values/<region>.csv``) and validate them.

One row per (year, unit, indicator) with its value and source. Column checks and the
rules that relate rows (a part never larger than its whole, a city total equal to the
sum of its townships) are pandera checks; every failure becomes one message naming the
file, the line, the row's key and the value, and all of them stop the build together.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .catalog import Catalog
from .errors import InputError
from .region import Region

COLUMNS = ["year", "unit", "indicator", "value", "source", "illustrative"]
TRUE_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def values_path(data_dir: Path | str, region_slug: str) -> Path:
    """Where a region's values live."""
    return Path(data_dir) / "values" / f"{region_slug}.csv"


def read_values_csv(path: Path) -> pd.DataFrame:
    """Read a values file as text, adding ``line`` (its line in the file) and ``file``."""
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: values file missing")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path.as_posix()}: not a readable UTF-8 CSV file: {exc}") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in COLUMNS]
    if missing or extra:
        raise InputError(
            f"{path.as_posix()}: columns must be {','.join(COLUMNS)}"
            + (f"; missing {','.join(missing)}" if missing else "")
            + (f"; unexpected {','.join(extra)}" if extra else "")
        )
    frame = frame[COLUMNS].apply(lambda col: col.str.strip())
    frame.insert(0, "line", range(2, len(frame) + 2))
    frame.insert(0, "file", path.as_posix())
    return frame


def _parse(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns beside the raw text: ``year_num``, ``value_num``, ``illustrative_flag``."""
    out = frame.copy()
    out["year_num"] = pd.to_numeric(out["year"], errors="coerce")
    out["value_num"] = pd.to_numeric(out["value"].str.replace(",", ""), errors="coerce")
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
        return any(p is None for p in parts) or sum(parts) == r.value_num

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
        unique=["year", "unit", "indicator"],
        report_duplicates="all",
    )


def _message(row: pd.Series, check: str, catalog: Catalog, region: Region, known) -> str:
    where = f"{row['file']}, line {row['line']} ({row['year']}, {row['unit']}, {row['indicator']})"
    value = row["value"]
    ind = catalog.by_id.get(row["indicator"])
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
    if check == "negative":
        return f"{where}: value {value} is negative; counts cannot be below 0"
    if check == "fractional":
        return f"{where}: value {value} is fractional; {ind.name if ind else ''} is a whole count"
    if check == "source":
        return f"{where}: source is empty; say where the figure comes from"
    if check == "illustrative_flag":
        return f"{where}: illustrative must be true or false, not {row['illustrative']!r}"
    if check == "applies":
        return f"{where}: {ind.name} applies to {ind.applies_to} units only, not {row['unit']}"
    if check == "part_of":
        whole = known.get((row["year_num"], row["unit"], ind.part_of))
        return (
            f"{where}: value {value} is larger than its whole {ind.part_of}"
            f" ({catalog[ind.part_of].name}) = {whole:g}"
        )
    if check == "sum_of":
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
    for column, check in (
        ("year_num", "year"),
        ("value_num", "value_num"),
        ("illustrative_flag", "illustrative_flag"),
    ):
        for idx in parsed.index[parsed[column].isna()]:
            problems[(idx, check)] = _message(
                parsed.loc[idx], check if column != "year_num" else "year", catalog, region, known
            )
    clean = parsed.drop(index=[i for i, _ in problems])
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
            problems[k] for k in sorted(problems, key=lambda k: (frame.loc[k[0], "line"], k[1]))
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
    frame = pd.concat([read_values_csv(p) for p in paths], ignore_index=True)
    return validate_values(frame, catalog, region)
