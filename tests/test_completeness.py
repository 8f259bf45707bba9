"""Any county, any year: required figures, explicit "not applicable", sum and part rules that
are never skipped, and the region's rounding rule (fast: the checks and the blocks)."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from annual_review.blocks.review import Review
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.figures.facts import Facts
from annual_review.figures.indicators import Rounding
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.checks import check_inputs
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values

from .conftest import ROOT

VALUES = Path("data") / "values" / "haining.csv"
TRUNCATE = Rounding(rule="truncate")


def edit_values(project: Path, edit) -> None:
    path = project / VALUES
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")


def drop(*prefixes: str):
    def edit(lines: list[str]) -> list[str]:
        kept = [line for line in lines if not line.startswith(prefixes)]
        assert len(kept) == len(lines) - len(prefixes), "each prefix names one row"
        return kept

    return edit


def set_key(path: Path, key: str, value: str) -> None:
    """Set a top-level key of a YAML file, replacing the line that holds it if there is one."""
    text = path.read_text(encoding="utf-8")
    line = f"{key}: {value}\n"
    changed, found = re.subn(rf"(?m)^{key}:.*\n", line, text)
    path.write_text(changed if found else line + text, encoding="utf-8")


def problems_of(project: Path, year: int = 2024, units: list[str] | None = None) -> list[str]:
    with pytest.raises(InputError) as caught:
        check_inputs(Project.find(project), year, "haining", units=units)
    return caught.value.problems


# ── required figures ──────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("row", "unit", "indicator"),
    [
        ("2024,海宁市,recon_closed,", "海宁市", "recon_closed（行政复议结案）"),
        ("2024,海宁市,law_study_sessions,", "海宁市", "law_study_sessions"),
        ("2024,黄湾镇,empowered_items,", "黄湾镇", "empowered_items（赋权事项）"),
    ],
)
def test_a_missing_required_figure_is_named(
    project: Path, row: str, unit: str, indicator: str
) -> None:
    edit_values(project, drop(row))
    found = problems_of(project)
    missing = [p for p in found if "required figure missing" in p]
    assert len(missing) == 1, found
    assert missing[0].startswith(f"data/values/haining.csv: {unit} 2024 {indicator}")


def test_a_township_missing_its_part_of_a_city_total_is_named_with_the_sum(
    project: Path,
) -> None:
    edit_values(project, drop("2024,盐官镇,legality_reviews,"))
    found = "\n".join(problems_of(project))
    assert "cannot be checked against the townships' legality_reviews" in found
    assert "no 2024 figure for 盐官镇" in found


def test_a_sum_mismatch_says_the_computed_sum(project: Path) -> None:
    def change(lines: list[str]) -> list[str]:
        return [re.sub(r"^(2024,盐官镇,legality_reviews,)\d+", r"\g<1>1", line) for line in lines]

    edit_values(project, change)
    found = "\n".join(problems_of(project))
    assert re.search(
        r"differs from the sum of the townships' legality_reviews .*which is 2912", found
    )


def test_a_year_without_figures_is_refused_in_one_line(project: Path) -> None:
    found = problems_of(project, 2025, ["海宁市"])
    assert found == [
        "data/values/haining.csv: no figures for 2025: import the year's workbook "
        "(annual-review import) or add its rows before building"
    ]


def test_not_applicable_with_a_reason_passes_and_shows_a_dash_and_the_reason(
    project: Path,
) -> None:
    def mark(lines: list[str]) -> list[str]:
        return [
            "2024,海宁市,ip_adjudications,n/a,本年起由上级市场监管部门统一裁决,false\n"
            if line.startswith("2024,海宁市,ip_adjudications,")
            else line
            for line in lines
        ]

    edit_values(project, mark)
    check_inputs(Project.find(project), 2024, "haining")  # no problem
    review = Review.load(
        2024, "海宁市", data_dir=str(project / "data"), params_dir=str(ROOT / "params")
    )
    figure = review.fig("ip_adjudications")
    assert figure.value is None and figure.not_applicable
    assert figure.reason == "本年起由上级市场监管部门统一裁决"
    assert "知识产权侵权纠纷行政裁决" not in review.part(2).html  # left out of the sentence
    cell = review.cell(figure)
    assert cell.startswith("—") and "注" in cell
    note = review.reasons_note([figure])
    assert "海宁市2024年知识产权侵权纠纷行政裁决不适用（本年起由上级市场监管部门统一裁决）" in note


def test_not_applicable_without_a_reason_is_a_problem(project: Path) -> None:
    def mark(lines: list[str]) -> list[str]:
        return [
            "2024,海宁市,ip_adjudications,n/a,,false\n"
            if line.startswith("2024,海宁市,ip_adjudications,")
            else line
            for line in lines
        ]

    edit_values(project, mark)
    assert any("ip_adjudications): source is empty" in p for p in problems_of(project))


# ── rounding as a region setting ──────────────────────────────────────
@pytest.mark.parametrize(
    ("rounding", "change", "share"),
    [(Rounding(), "同比增长128.79%", "92.72%"), (TRUNCATE, "同比增长128.78%", "92.71%")],
    ids=["half-up", "truncate"],
)
def test_the_published_district_figures_under_both_rules(
    rounding: Rounding, change: str, share: str
) -> None:
    rows = [
        (2023, "海宁市", "recon_received", 66),
        (2024, "海宁市", "recon_received", 151),
        (2024, "海宁市", "recon_closed", 151),
        (2024, "海宁市", "recon_mediated", 140),
    ]
    frame = pd.DataFrame(
        [
            {"year": y, "unit": u, "indicator": i, "value": str(v), "source": "测试"}
            for y, u, i, v in rows
        ]
    ).assign(illustrative=False)
    facts = Facts(frame, load_catalog(ROOT / "data"), rounding)
    assert facts.value("recon_mediation_rate", "海宁市", 2024) == Decimal(share[:-1])
    review = Review.load(
        2024, "海宁市", data_dir=str(ROOT / "data"), params_dir=str(ROOT / "params")
    )
    review = dataclasses.replace(review, facts=facts)
    sentence = review.clause(review.catalog["recon_received"])
    assert sentence is not None and change in sentence
    rate = review.clause(review.catalog["recon_mediation_rate"])
    assert rate is not None and share in rate


def test_a_region_file_chooses_truncation_for_every_computed_figure(project: Path) -> None:
    region_file = project / "data" / "regions" / "haining.yaml"
    set_key(region_file, "rounding", "truncate")
    region = load_region(project / "data", "haining")
    assert region.rounding == TRUNCATE
    catalog = load_catalog(project / "data", region)
    facts = Facts(load_values(project / "data", region, catalog), catalog, region.rounding)
    # 152 / 358 = 42.4581…: half-up 42.46, truncated 42.45
    assert facts.value("recon_mediation_rate", "海宁市", 2024) == Decimal("42.45")
    review = Review.load(
        2024, "海宁市", data_dir=str(project / "data"), params_dir=str(ROOT / "params")
    )
    assert "行政复议调解率42.45%" in review.part(2).html
    assert "67.81%" in review.part(2).html  # 391 vs 233 = 67.811…: the same either way


def test_one_decimal_is_a_region_setting_too(project: Path) -> None:
    region_file = project / "data" / "regions" / "haining.yaml"
    set_key(region_file, "decimals", "1")
    review = Review.load(
        2024, "海宁市", data_dir=str(project / "data"), params_dir=str(ROOT / "params")
    )
    html = review.part(2).html
    assert "行政复议调解率42.5%" in html and "同比增长67.8%" in html
    assert "42.46%" not in html


def test_one_decimal_reaches_every_table_chart_and_sentence(project: Path) -> None:
    """No percentage anywhere in the city's report keeps two decimals: the parts, the key
    table, the trend table and charts (their SVG text) and the township comparison."""
    region_file = project / "data" / "regions" / "haining.yaml"
    set_key(region_file, "decimals", "1")
    review = Review.load(
        2024, "海宁市", data_dir=str(project / "data"), params_dir=str(ROOT / "params")
    )
    blocks = [review.part(n) for n in (1, 2, 3, 4)]
    blocks += [review.key_table(), review.trends(), review.township_comparison()]
    blocks.append(review.chart_rates("主要比率指标", "chart-rates"))
    html = "\n".join(block.html for block in blocks)
    assert "<svg" in html and "42.5%" in html
    two_places = sorted(set(re.findall(r"\d+\.\d\d%", html)))
    assert not two_places, two_places


def test_a_catalogue_may_measure_counts_in_its_own_words() -> None:
    from annual_review.inputs.catalog import Indicator

    base = {
        "id": "firms",
        "name": "法治示范企业",
        "kind": "count",
        "part": 1,
        "section": "s",
        "definition": "年末认定的法治示范企业数",
        "basis": "司法局台账",
        "direction": "higher",
        "applies_to": "both",
    }
    for measure in ("家", "所", "人次", "万元"):
        assert Indicator(**{**base, "measure": measure}).measure == measure
    for measure, why in (
        ("%", "a count takes a word"),
        ("pcs", "should match pattern"),
        ("五个字单位", "should match pattern"),
    ):
        with pytest.raises(ValueError, match=why):
            Indicator(**{**base, "measure": measure})
    rate = {**base, "kind": "rate", "numerator": "a", "denominator": "b", "measure": "件"}
    with pytest.raises(ValueError, match="a rate is measured in %"):
        Indicator(**rate)


@pytest.mark.parametrize(
    ("value", "rounding", "shown"),
    [
        ("2.675", Rounding(), "2.68%"),
        ("92.5", Rounding(places=0), "93%"),
        ("87.69", Rounding(rule="truncate", places=1), "87.6%"),
    ],
)
def test_a_chart_writes_a_stated_percentage_as_the_text_does(
    value: str, rounding: Rounding, shown: str
) -> None:
    """A stated percentage is stored as written; its chart label follows the region's
    rule as the sentence does (Python's float formatting alone would give 2.67%, 92%
    and 87.7%)."""
    from annual_review.figures.facts import Figure
    from annual_review.figures.phrasing import fmt_percent, value_format
    from annual_review.inputs.catalog import Indicator

    indicator = Indicator(
        id="coverage",
        name="覆盖率",
        measure="%",
        kind="stated_percent",
        part=2,
        section="s",
        definition="",
        basis="",
        direction="higher",
        applies_to="city",
    )
    figure = Figure(indicator, "某县", 2024, Decimal(value), False, (), rounding=rounding)
    assert value_format("%", rounding).format(figure.drawn) == shown
    assert fmt_percent(figure.value, rounding=rounding) == shown


def test_an_empty_region_is_the_only_region_file_whatever_the_data_folder_is_called(
    project: Path,
) -> None:
    """A notebook's empty ``region`` and ``unit``: the only region file and its city."""
    renamed = project / "figures"
    (project / "data").rename(renamed)
    review = Review.load(2024, "", "", data_dir=str(renamed), params_dir=str(project / "params"))
    assert review.region.slug == "haining" and review.unit.name == "海宁市"
