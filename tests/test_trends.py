"""Trends over all years, and the notebooks' calls run directly (no kernel)."""

from __future__ import annotations

import re

import nbformat
import pytest
from annual_review.blocks.review import Block, Review
from annual_review.figures.facts import Facts
from annual_review.figures.trends import NO_LAST_YEAR, change_phrase, data_years, trend_rows
from annual_review.inputs.catalog import load_catalog
from annual_review.runs.cells import NotebookShell

from .conftest import ROOT
from .conftest import facts_of as shared_facts_of

CATALOG = load_catalog(ROOT / "data")


def facts_of(rows: list[tuple[int, str, str, int]]) -> Facts:
    return shared_facts_of(rows, illustrative=False)


def load(year: int = 2024, unit: str = "海宁市") -> Review:
    return Review.load(year, unit, data_dir=str(ROOT / "data"), params_dir=str(ROOT / "params"))


def cells_of(html: str, label: str) -> list[str]:
    """The cells of the trend-table row headed ``label``."""
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', html).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    return [re.sub(r"<sup[^>]*>(.*?)</sup>", r"\1", c) for c in cells]


@pytest.fixture(scope="module")
def city_trends() -> Block:
    return load().trends()


def test_city_trend_table_has_both_years_and_phrased_changes(city_trends: Block) -> None:
    html = city_trends.html
    assert '<th scope="col">2023年</th><th scope="col">2024年</th>' in html
    assert cells_of(html, "新收行政复议案件") == ["件", "233", "391", "同比增长67.81%"]
    assert cells_of(html, "行政复议调解率") == ["%", "37.56%*", "42.46%", "上升4.90个百分点"]
    assert cells_of(html, "行政复议纠错率")[-1] == "下降2.11个百分点"
    assert cells_of(html, "任前考试合格率")[-1] == "与上年持平"
    assert "倍" not in html
    assert city_trends.headings == [(3, "trends", "主要指标历年变化")]


def test_city_trend_charts_are_embedded_with_alt_text(city_trends: Block) -> None:
    html = city_trends.html
    assert html.count('<svg width="792"') == 2 and "http" not in html
    assert html.count('role="img" aria-label="主要') == 2
    assert 'id="chart-trend-counts"' in html and 'id="chart-trend-rates"' in html
    assert "新收行政复议案件2023年233件，2024年391件" in html
    assert "行政复议调解率2023年37.56%，2024年42.46%" in html


def test_township_trends_mark_illustrative_figures() -> None:
    html = load(2024, "黄湾镇").trends().html
    assert cells_of(html, "被申请行政复议") == ["件", "1*", "2*", "同比增长100.00%"]
    assert "村（社区）法律顾问覆盖率" in html


def test_one_year_of_data_gives_no_trend_block() -> None:
    facts = facts_of([(2024, "海宁市", "recon_received", 391)])
    assert data_years(facts, "海宁市", CATALOG.for_level("city", key_only=True), 2024) == [2024]
    review = load()
    review.facts = facts
    assert review.trends().html == ""


def test_changes_with_zero_or_missing_last_year_are_plain_words() -> None:
    facts = facts_of(
        [
            (2022, "海宁市", "recon_received", 100),
            (2023, "海宁市", "recon_received", 0),
            (2024, "海宁市", "recon_received", 5),
            (2024, "海宁市", "litigation_received", 9),
            (2022, "海宁市", "recon_closed", 80),
            (2022, "海宁市", "recon_mediated", 40),
            (2024, "海宁市", "recon_closed", 100),
            (2024, "海宁市", "recon_mediated", 45),
        ]
    )
    inds = [CATALOG[i] for i in ("recon_received", "litigation_received", "recon_mediation_rate")]
    years = data_years(facts, "海宁市", inds, 2024)
    assert years == [2022, 2023, 2024]
    rows = {r.indicator.id: r for r in trend_rows(facts, "海宁市", inds, years)}
    assert rows["recon_received"].change == "上年为0"
    assert rows["litigation_received"].change == NO_LAST_YEAR
    assert rows["recon_mediation_rate"].change == NO_LAST_YEAR  # 2023 has no rate
    rate = rows["recon_mediation_rate"]
    assert [rate.shown(f) for f in rate.figures] == ["50.00%", "—", "45.00%"]
    now, last = (facts.figure("recon_received", "海宁市", y) for y in (2024, 2022))
    assert change_phrase(CATALOG["recon_received"], now, last) == "同比下降95.00%"


def test_years_after_the_report_year_are_left_out() -> None:
    facts = facts_of([(y, "海宁市", "recon_received", 10 * y) for y in (2023, 2024, 2025)])
    assert data_years(facts, "海宁市", [CATALOG["recon_received"]], 2024) == [2023, 2024]


# ── the notebooks' calls, run directly ────────────────────────────────
def notebook_calls(name: str) -> list[str]:
    """The code of a notebook's cells after the parameters cell."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    start = next(k for k, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    return [c.source for c in code[start + 1 :]]


def run_without_kernel(name: str, year: int, unit: str) -> str:
    """The HTML of every block a notebook displays, with these parameters, its cells run
    by the project's own in-process shell (the one the warm engine uses)."""
    shell = NotebookShell.instance()
    try:
        shell.user_ns.update(
            year=year,
            unit=unit,
            region="haining",
            data_dir=str(ROOT / "data"),
            params_dir=str(ROOT / "params"),
        )
        html = []
        for source in notebook_calls(name):
            _, outputs, ok = shell.execute(source)
            assert ok, outputs
            html += [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    finally:
        NotebookShell.clear_instance()
    return "\n".join(html)


@pytest.mark.parametrize("name", ["city.ipynb", "township.ipynb"])
def test_both_notebooks_call_trends_before_part_3(name: str) -> None:
    calls = [c.strip() for c in notebook_calls(name)]
    assert calls.index("review.trends()") < calls.index("review.part(3)")


def test_city_notebook_calls_run_without_a_kernel() -> None:
    html = run_without_kernel("city.ipynb", 2024, "海宁市")
    assert "海宁市2024年法治政府建设年度报告" in html
    assert "新收行政复议案件391件，同比增长67.81%" in html
    assert html.index('id="trends"') < html.index('id="part-3"') < html.index("ar-signature")
    assert "ar-data-findings" not in html  # the one finding is dismissed in the params
    assert "2025年3月1日" in html  # the 落款, then the sources note
    assert html.index("ar-signature") < html.index('class="ar-sources"')
    assert "上年计划落实情况" not in html


def test_city_notebook_runs_for_2025_with_the_plan_table() -> None:
    html = run_without_kernel("city.ipynb", 2025, "海宁市")
    assert "海宁市2025年法治政府建设年度报告" in html and "示意数据说明" in html
    assert "上年计划落实情况" in html and "已完成" in html


def test_township_notebook_calls_run_without_a_kernel() -> None:
    html = run_without_kernel("township.ipynb", 2024, "许村镇")
    assert "许村镇2024年法治政府建设年度报告" in html and 'id="trends"' in html
    assert "被申请行政复议5件，同比增长66.67%" in html
