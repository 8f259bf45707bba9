"""The shipped values load and match the report; every kind of bad row is named precisely."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from annual_review.core.errors import InputError
from annual_review.figures.facts import Facts
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values, read_values_csv

DATA = Path(__file__).resolve().parents[1] / "data"
CSV = DATA / "values" / "haining.csv"
CITY = "海宁市"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DATA)


@pytest.fixture(scope="module")
def region():
    return load_region(DATA, "haining")


@pytest.fixture(scope="module")
def values(region, catalog):
    return load_values(DATA, region, catalog)


@pytest.fixture
def csv_copy(tmp_path: Path) -> Path:
    path = tmp_path / "values" / "haining.csv"
    path.parent.mkdir()
    shutil.copyfile(CSV, path)
    return path


def edit(path: Path, change: str) -> int:
    """Append a line or apply ``old=>new`` to the first line holding ``old``; return its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if "=>" in change:
        old, new = change.split("=>")
        number = next(i for i, line in enumerate(lines, 1) if old in line)
        lines[number - 1] = lines[number - 1].replace(old, new)
    else:
        lines.append(change)
        number = len(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


def test_shipped_values_cover_both_years_and_all_units(values, region):
    names = {u.name for u in region.units}
    assert len(names) == 13
    assert sorted(values["year"].unique()) == [2023, 2024]
    for year in (2023, 2024):
        assert set(values.loc[values["year"] == year, "unit"]) == names


def test_shipped_values_match_the_report(values, region, catalog):
    v24 = values[values["year"] == 2024]
    towns = v24[v24["unit"].isin([u.name for u in region.townships])]
    reviews = towns[towns["indicator"] == "legality_reviews"]
    assert len(reviews) == 12 and reviews["value"].astype(int).sum() == 3152
    facts = Facts(values, catalog)
    assert facts.value("township_legality_reviews", CITY, 2024) == 3152
    items = towns.loc[towns["indicator"] == "empowered_items", "value"].astype(int)
    assert len(items) == 12 and items.between(110, 183).all()
    assert (items.min(), items.max()) == (110, 183)
    township_rows = values[values["unit"] != CITY]
    assert township_rows["illustrative"].all()
    assert township_rows["source"].str.startswith("示意数据").all()
    published = dict(
        recon_received=391,
        recon_closed=358,
        recon_mediated=152,
        mediation_disputes=14908,
        mediation_settled=9725,
    )
    for indicator, expected in published.items():
        figure = facts.figure(indicator, CITY, 2024)
        assert (figure.value, figure.illustrative) == (expected, False), indicator
    assert facts.value("recon_mediation_rate", CITY, 2024) == Decimal("42.46")
    assert facts.value("exam_pass_rate", CITY, 2024) == Decimal("100.00")
    assert isinstance(facts.value("exam_pass_rate", CITY, 2024), Decimal)
    assert facts.value("recon_received", CITY, 2023) == 233


BAD_ROWS = {
    "unit": ("2024,袁花街道,law_study_sessions,5,报告,true", "unknown unit '袁花街道'"),
    "indicator": ("2024,海宁市,recon_total,5,报告,false", "unknown indicator 'recon_total'"),
    "derived": ("2024,海宁市,recon_mediation_rate,42,报告,false", "rate is derived (recon_"),
    "duplicate": ("2024,海宁市,recon_received,391,报告,false", "recon_received): duplicate row"),
    "negative": ("2025,海宁市,recon_received,-3,报告,false", "value -3 is negative"),
    "fractional": ("2025,海宁市,recon_received,3.5,报告,false", "value 3.5 is fractional"),
    "text": ("2025,海宁市,recon_received,abc,报告,false", "value 'abc' is not a number"),
    "part": ("recon_mediated,152,=>recon_mediated,400,", "value 400 is larger than its whole"),
    "city-sum": ("reviews,3152,=>reviews,3153,", "3153 differs from the sum of the"),
    "level": ("2024,海宁市,legality_reviews,5,报告,false", "legality_reviews): 合法性审查 applies"),
    "flag": ("2025,海宁市,recon_received,5,报告,maybe", "true or false, not 'maybe'"),
    "source": ("2025,海宁市,recon_received,5,,false", "recon_received): source is empty"),
    # a year written differently must not replace a published figure
    "year-float": ("2024.0,海宁市,recon_received,1,S,false", "year '2024.0' must be a whole"),
    "year-half": ("2024.5,海宁市,recon_received,1,S,false", "year '2024.5' must be a whole"),
    "year-short": ("24,海宁市,recon_received,1,S,false", "year '24' must be a whole number"),
    **{
        f"{ind}-{word}": (f"2025,海宁市,{ind},{word},报告,false", f"'{word}' is not a finite")
        for ind in ("recon_received", "inspection_reduction")
        for word in ("inf", "1e400", "Infinity", "nan")
    },
    "count-exponent": ("2025,海宁市,recon_received,1e3,报告,false", "'1e3' is not a plain whole"),
    "count-point-zero": ("2025,海宁市,recon_received,3.0,报告,false", "'3.0' is not a plain whole"),
}


@pytest.mark.parametrize(("change", "message"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_named_with_file_line_and_value(csv_copy, region, catalog, change, message):
    number = edit(csv_copy, change)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    mine = [p for p in caught.value.problems if f"line {number} " in p]
    assert len(mine) == 1, caught.value.problems
    assert mine[0].startswith(f"{csv_copy.as_posix()}, line {number} (")
    assert "haining.csv" in mine[0] and message in mine[0]
    # a duplicate also names the row it repeats; every other case is exactly one problem
    assert len(caught.value.problems) == (2 if "duplicate" in message else 1)


def test_missing_column_and_missing_file(csv_copy, region, catalog):
    lines = csv_copy.read_text(encoding="utf-8").splitlines()
    csv_copy.write_text("\n".join(x.rsplit(",", 1)[0] for x in lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing illustrative") as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    assert csv_copy.as_posix() in str(caught.value)
    gone = csv_copy.with_name("gone.csv")
    with pytest.raises(InputError, match="values file missing") as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[gone])
    assert gone.as_posix() in str(caught.value)


def test_all_problems_are_reported_together(csv_copy, region, catalog):
    first = edit(csv_copy, "2024,袁花街道,law_study_sessions,5,示意数据,true")
    edit(csv_copy, "2025,海宁市,recon_received,-1,报告,false")
    edit(csv_copy, "2025,海宁市,recon_closed,abc,报告,false")
    with pytest.raises(InputError) as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    problems = caught.value.problems
    assert len(problems) == 3
    for offset, words in enumerate(["unknown unit '袁花街道'", "-1 is negative", "'abc' is not"]):
        assert f"line {first + offset} " in problems[offset] and words in problems[offset]


def test_loader_never_changes_its_input(csv_copy, region, catalog):
    edit(csv_copy, "2025,海宁市,recon_received, -1 ,报告,false")
    before = csv_copy.read_bytes()
    with pytest.raises(InputError):
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    assert csv_copy.read_bytes() == before


def with_tail(path: Path, tail: str) -> int:
    """Append ``tail`` after the file's last line; return the number of that last line."""
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path.write_text(text + tail, encoding="utf-8")
    return text.count("\n")


LAYOUT = {
    "blank-lines": ("\n\n2025,海宁市,recon_received,abc,报告,false\n", 3, "value 'abc' is not"),
    "two-line-field": (
        '2025,海宁市,recon_received,5,"报\n告",false\n2025,海宁市,recon_closed,abc,报告,false\n',
        3,
        "recon_closed): value 'abc' is not",
    ),
    "short-row": ("2025,海宁市,recon_received\n", 1, "row has 3 fields instead of 6"),
    "long-row": ("2025,海宁市,recon_received,1,S,false,x\n", 1, "row has 7 fields instead of 6"),
    "open-quote": ('2025,海宁市,recon_received,"1,S,false\n', 1, "not a readable CSV row"),
}


@pytest.mark.parametrize(("tail", "offset", "message"), LAYOUT.values(), ids=LAYOUT.keys())
def test_line_is_where_the_row_starts_in_the_file(csv_copy, region, catalog, tail, offset, message):
    last = with_tail(csv_copy, tail)
    with pytest.raises(InputError) as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    [problem] = caught.value.problems
    assert problem.startswith(f"{csv_copy.as_posix()}, line {last + offset}")
    assert message in problem


def test_rows_keep_their_columns_and_physical_lines(csv_copy):
    last = with_tail(csv_copy, "\n2025,海宁市,recon_received,5,报告,false\n")
    frame = read_values_csv(csv_copy)
    assert " ".join(frame.columns) == "file line year unit indicator value source illustrative"
    assert frame["line"].iloc[0] == 2 and frame["line"].iloc[-1] == last + 2
    assert frame["year"].iloc[-1] == "2025" and frame["file"].iloc[-1] == csv_copy.as_posix()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "file is empty"),
        (b"\n\n", "file is empty"),
        ("year,unit,indicator,value,source,illustrative\n2024,海宁市".encode("gbk"), "not UTF-8"),
    ],
    ids=["empty", "blank", "gbk"],
)
def test_unreadable_values_file_is_named(csv_copy, region, catalog, content, words):
    csv_copy.write_bytes(content)
    with pytest.raises(InputError, match=words) as caught:
        load_values(csv_copy.parent.parent, region, catalog, files=[csv_copy])
    assert str(caught.value).startswith(csv_copy.as_posix())
