"""Tracking last year's plans: the checks, the table and part 4 of the 2025 city report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from annual_review.blocks.plan_table import status_table
from annual_review.blocks.review import Review
from annual_review.core.errors import InputError
from annual_review.inputs.params import ReviewParams, load_params
from annual_review.inputs.plans import (
    PlanRow,
    check_plan_status,
    load_previous,
    plan_rows,
    status_summary,
)

from .conftest import ROOT

PLAN_IDS_2024 = ["p2025-preventive", "p2025-enforcement", "p2025-foreign", "p2025-disputes"]


def params(year: int, plans: list[str], status: dict | None = None) -> ReviewParams:
    return ReviewParams(
        year=year,
        unit="海宁市",
        issuer="海宁市人民政府",
        date=f"{year + 1}-02-20",
        shortcomings=[{"title": "t", "detail": "d"}],
        plans=[{"id": p, "title": f"计划{p}", "detail": "d"} for p in plans],
        plan_status=status or {},
    )


def load(year: int, params_dir: Path = ROOT / "params") -> Review:
    return Review.load(year, "海宁市", data_dir=str(ROOT / "data"), params_dir=str(params_dir))


def test_wrong_id_and_missing_status_are_both_named() -> None:
    last = params(2024, ["p2025-a", "p2025-b"])
    now = params(
        2025,
        ["p2026-a"],
        {
            "p2025-a": {"status": "done", "text": "完成。"},
            "p2025-x": {"status": "done", "text": "完成。"},
        },
    )
    problems = check_plan_status(last, now, source="params/2025/haining.yaml")
    assert problems == [
        "params/2025/haining.yaml: field plan_status.p2025-x: no plan p2025-x in 2024;"
        " known: p2025-a, p2025-b",
        "params/2025/haining.yaml: field plan_status: plan p2025-b of 2024 (计划p2025-b)"
        " has no status",
    ]


def test_status_without_last_years_params_is_a_problem() -> None:
    now = params(2025, ["p2026-a"], {"p2025-a": {"status": "done", "text": "完成。"}})
    [problem] = check_plan_status(None, now, source="s.yaml")
    assert "no plan p2025-a in 2024; known: none (no params of 2024)" in problem
    assert check_plan_status(None, params(2024, ["p2025-a"]), source="s.yaml") == []


def test_complete_statuses_pass() -> None:
    last = params(2024, ["p2025-a"])
    now = params(2025, ["p2026-a"], {"p2025-a": {"status": "not_done", "text": "未启动。"}})
    assert check_plan_status(last, now, source="s.yaml") == []


def test_bad_status_word_is_rejected() -> None:
    with pytest.raises(ValueError, match="plan_status"):
        params(2025, ["p2026-a"], {"p2025-a": {"status": "finished", "text": "完成。"}})


def test_shipped_2025_city_params_track_all_four_2024_plans() -> None:
    last = load_params(ROOT / "params", 2024, "haining", "海宁市")
    now = load_params(ROOT / "params", 2025, "haining", "海宁市")
    assert now.illustrative and [p.id for p in last.plans] == PLAN_IDS_2024
    assert sorted(now.plan_status) == sorted(PLAN_IDS_2024)
    assert check_plan_status(last, now, source="params/2025/haining.yaml") == []
    assert all(p.id.startswith("p2026-") for p in now.plans)
    assert load_previous(ROOT / "params", 2024, "haining", "海宁市") is None  # no 2023 file


def test_table_renders_statuses_in_chinese_and_escapes_text() -> None:
    rows = [
        PlanRow("a", "甲<计划>", "done", "完成<b>了</b>"),
        PlanRow("b", "乙", "in_progress", "推进"),
        PlanRow("c", "丙", "not_done", "未做"),
        PlanRow("d", "丁", None, ""),
    ]
    html = status_table(rows, 2025)
    for word in ("已完成", "推进中", "未完成", "未报告", "上年计划落实情况"):
        assert word in html
    assert "甲&lt;计划&gt;" in html and "完成&lt;b&gt;了&lt;/b&gt;" in html
    assert "<b>" not in html
    assert status_summary(rows, 2025) == (
        "2024年报告提出的2025年4项工作安排中，已完成1项、推进中1项、未完成1项、未报告1项。"
    )


def test_rows_follow_last_years_order_with_titles_from_last_year() -> None:
    last = params(2024, ["p2025-b", "p2025-a"])
    now = params(2025, ["p2026-a"], {"p2025-a": {"status": "done", "text": "完成。"}})
    rows = plan_rows(last, now)
    assert [(r.id, r.title, r.label) for r in rows] == [
        ("p2025-b", "计划p2025-b", "未报告"),
        ("p2025-a", "计划p2025-a", "已完成"),
    ]
    assert plan_rows(None, now) == []


def test_2025_city_report_opens_part_4_with_last_years_plans() -> None:
    review = load(2025)
    assert review.previous_params is not None and review.previous_params.year == 2024
    block = review.part(4)
    html = block.html
    assert "四、2026年推进法治政府建设的主要安排" in html
    assert html.index("上年计划落实情况") < html.index('class="ar-plan"')
    for title in ("深化预防性法治体系建设", "加强涉外法治工作体系和能力建设"):
        assert title in html  # titles come from the 2024 params
    assert "已完成" in html and "推进中" in html
    assert 'id="plan-status"' in html  # a sentence; the table is an exhibit
    assert '<section class="ar-exhibit" data-exhibit="table"><table class="ar-table ar-plan' in html
    assert '<h3 id="plan-p2026' in html  # next year's plans headed （一）… like part 2


def test_2024_report_has_no_plan_table() -> None:
    html = load(2024).part(4).html
    assert "上年计划落实情况" not in html and 'id="plan-p2025-preventive"' in html


def test_mismatched_plan_status_stops_loading(tmp_path: Path) -> None:
    copy = shutil.copytree(ROOT / "params", tmp_path / "params")
    path = copy / "2025" / "haining.yaml"
    text = path.read_text(encoding="utf-8").replace("  p2025-foreign:", "  p2025-foriegn:")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load(2025, copy)
    problems = caught.value.problems
    assert any("plan_status.p2025-foriegn: no plan p2025-foriegn in 2024" in p for p in problems)
    assert any("plan p2025-foreign of 2024" in p and "has no status" in p for p in problems)
