"""Data-driven findings of part 3: rules, sentences, the analyst's verdict and the page."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from annual_review.blocks.review import Review
from annual_review.core.errors import InputError
from annual_review.figures.facts import Facts
from annual_review.figures.findings import evaluate
from annual_review.inputs.catalog import Indicator, load_catalog
from annual_review.inputs.params import FindingReview, parse_params
from pydantic import ValidationError

from .conftest import ROOT
from .conftest import facts_of as shared_facts_of

CATALOG = load_catalog(ROOT / "data")


def facts_of(rows: list[tuple[int, str, str, int]]) -> Facts:
    return shared_facts_of(rows, illustrative=True)


def load(year: int = 2024, unit: str = "海宁市", params_dir: Path | None = None) -> Review:
    return Review.load(
        year, unit, data_dir=str(ROOT / "data"), params_dir=str(params_dir or ROOT / "params")
    )


def with_reviews(review: Review, **verdicts: FindingReview) -> Review:
    params = review.params.model_copy(update={"findings": dict(verdicts)})
    return dataclasses.replace(review, params=params)


@pytest.fixture(scope="module")
def city() -> Review:
    return load()


def test_haining_2024_lists_the_seven_corrections_with_the_rate(city: Review) -> None:
    by_id = {f.id: f for f in city.data_findings()}
    finding = by_id["f-recon_corrected"]
    assert finding.indicator == "recon_corrected" and finding.value == 7
    assert finding.sentence == "行政复议纠错7件，纠错率1.96%（以结案数为分母）"
    assert not finding.illustrative  # 7 and 358 are both stated in the 2024 report


def test_part_3_writes_only_confirmed_findings_as_prose(city: Review) -> None:
    unreviewed = with_reviews(city).part(3)
    assert "行政复议纠错7件" not in unreviewed.html
    for word in ("数据提示", "数据生成", "待确认", "f-recon_corrected"):
        assert word not in unreviewed.html
    confirmed = with_reviews(city, **{"f-recon_corrected": FindingReview(status="confirmed")}).part(
        3
    )
    html = confirmed.html
    assert '<p class="ar-data-findings">从年度指标看，行政复议纠错7件，纠错率1.96%' in html
    assert "部分行政行为的合法性或适当性仍有欠缺。</p>" in html  # the catalogue's comment
    assert html.index("ar-data-findings") < html.index('class="ar-shortcoming"')
    assert [h[1] for h in confirmed.headings] == ["part-3"]  # no heading of its own


def test_dismissed_findings_are_not_shown(city: Review) -> None:
    review = with_reviews(city, **{"f-recon_corrected": FindingReview(status="dismissed")})
    html = review.part(3).html
    assert "行政复议纠错7件" not in html and "ar-data-findings" not in html
    assert 'class="ar-shortcoming"' in html  # the analyst's text stays


def test_a_confirmed_findings_note_replaces_the_catalogue_comment(city: Review) -> None:
    verdict = FindingReview(status="confirmed", note="程序意识不强<原因>。")
    html = with_reviews(city, **{"f-recon_corrected": verdict}).part(3).html
    assert "（以结案数为分母），程序意识不强&lt;原因&gt;。</p>" in html
    assert "合法性或适当性仍有欠缺" not in html


def test_confirmed_findings_lists_only_the_confirmed(city: Review) -> None:
    found = city.data_findings()
    confirmed = FindingReview(status="confirmed")
    assert with_reviews(city, **{"f-recon_corrected": confirmed}).confirmed_findings() == found
    assert with_reviews(city).confirmed_findings() == []


@pytest.mark.parametrize(
    ("settled_2024", "fires"),
    [(7000, True), (7499, True), (7500, False), (7501, False), (9000, False)],
    ids=["down-10pp", "down-5.01pp", "down-exactly-5pp", "down-4.99pp", "up"],
)
def test_a_rate_down_by_more_than_five_points_triggers(settled_2024: int, fires: bool) -> None:
    facts = facts_of(
        [
            (2023, "海宁市", "mediation_disputes", 10000),
            (2023, "海宁市", "mediation_settled", 8000),
            (2024, "海宁市", "mediation_disputes", 10000),
            (2024, "海宁市", "mediation_settled", settled_2024),
        ]
    )
    found = {f.id: f for f in evaluate(facts, CATALOG, "海宁市", "city", 2024)}
    assert ("f-mediation_success_rate" in found) is fires
    if settled_2024 == 7000:
        sentence = found["f-mediation_success_rate"].sentence
        assert sentence == "行政调解成功率70.00%（以调处纠纷数为分母），比上年下降10.00个百分点"
        assert found["f-mediation_success_rate"].illustrative


def test_reconsideration_mediation_rate_rule_fires_too() -> None:
    facts = facts_of(
        [
            (2023, "海宁市", "recon_closed", 200),
            (2023, "海宁市", "recon_mediated", 100),
            (2024, "海宁市", "recon_closed", 200),
            (2024, "海宁市", "recon_mediated", 80),
        ]
    )
    found = {f.id: f for f in evaluate(facts, CATALOG, "海宁市", "city", 2024)}
    assert "下降10.00个百分点" in found["f-recon_mediation_rate"].sentence


@pytest.mark.parametrize(
    ("last", "now", "phrase"),
    [(3, 5, "同比增长66.67%"), (1, 2, "同比增长100.00%"), (0, 2, "上年为0"), (4, 6, None)],
    ids=["up-two-thirds", "doubled", "from-zero", "up-exactly-half"],
)
def test_township_cases_up_by_more_than_half_trigger(last: int, now: int, phrase) -> None:
    facts = facts_of(
        [
            (2023, "许村镇", "recon_against", last),
            (2024, "许村镇", "recon_against", now),
            (2023, "许村镇", "litigation_against", last),
            (2024, "许村镇", "litigation_against", now),
        ]
    )
    found = {f.id: f for f in evaluate(facts, CATALOG, "许村镇", "township", 2024)}
    if phrase is None:
        assert not found
        return
    assert found["f-recon_against"].sentence == f"被申请行政复议{now}件，{phrase}"
    assert found["f-litigation_against"].sentence == f"被诉一审行政诉讼{now}件，{phrase}"


def test_losses_exam_and_appearance_rules() -> None:
    facts = facts_of(
        [
            (2024, "海宁市", "litigation_concluded", 90),
            (2024, "海宁市", "litigation_lost", 3),
            (2024, "海宁市", "exam_takers", 57),
            (2024, "海宁市", "exam_passed", 56),
            (2024, "海宁市", "hearings_requiring_head", 50),
            (2024, "海宁市", "head_appearances", 49),
            (2024, "黄湾镇", "litigation_against", 2),
            (2024, "黄湾镇", "litigation_against_lost", 1),
        ]
    )
    city = {f.id: f.sentence for f in evaluate(facts, CATALOG, "海宁市", "city", 2024)}
    assert city["f-litigation_lost"] == "一审行政诉讼败诉3件，败诉率3.33%（以一审审结件数为分母）"
    assert city["f-exam_pass_rate"] == "任前考试合格率98.25%（以参考人数为分母），低于100.00%"
    assert city["f-head_appearance_rate"].startswith("负责人出庭应诉率98.00%")
    town = {f.id: f.sentence for f in evaluate(facts, CATALOG, "黄湾镇", "township", 2024)}
    assert town == {"f-litigation_against_lost": "行政诉讼败诉1件"}  # township rules only


def test_a_real_township_page_lists_its_rise_in_cases() -> None:
    html = load(2024, "许村镇").part(3).html
    assert "被申请行政复议5件，同比增长66.67%" in html
    assert 'class="ar-mark"' in html  # township figures are illustrative


def test_unknown_finding_id_in_params_stops_loading(tmp_path: Path) -> None:
    params = shutil.copytree(ROOT / "params", tmp_path / "params")
    path = params / "2024" / "haining.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nfindings:\n" in text
    path.write_text(
        text.replace("\nfindings:\n", "\nfindings:\n  f-recon_corected: {status: dismissed}\n"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"field findings\.f-recon_corected: no rule"):
        load(params_dir=params)


def test_bad_finding_verdicts_are_named() -> None:
    text = (ROOT / "params" / "2024" / "haining.yaml").read_text(encoding="utf-8")
    text = text[: text.index("\nfindings:\n")] + "\n"  # the example's own verdicts
    with pytest.raises(InputError, match=r"field findings\.f-recon_corrected\.status"):
        parse_params(
            text + "findings:\n  f-recon_corrected: {status: maybe}\n", source="haining.yaml"
        )
    with pytest.raises(InputError, match=r"field findings"):
        parse_params(text + "findings:\n  recon_corrected: {status: confirmed}\n", source="x")


def test_catalogue_rules_must_fit_the_indicator() -> None:
    base = CATALOG["recon_received"].model_dump()
    with pytest.raises(ValidationError, match="needs a percentage"):
        Indicator.model_validate({**base, "findings": [{"when": "down_pp", "value": 5}]})
    rate = CATALOG["recon_mediation_rate"].model_dump()
    with pytest.raises(ValidationError, match="needs a count"):
        Indicator.model_validate({**rate, "findings": [{"when": "up_share", "value": 50}]})
    assert "f-recon_corrected" in CATALOG.finding_ids()
