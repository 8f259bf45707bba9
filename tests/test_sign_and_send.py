"""What the office signs: confirmed findings only, 落款 and 成文日期, honest labels, and
missing figures that are never drawn as 0 (fast: blocks and the gate, no kernels)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from annual_review.blocks.review import Review
from annual_review.core.errors import InputError
from annual_review.figures.facts import Facts
from annual_review.figures.gate import Gate, final_problems, review_items
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.checks import check_inputs
from annual_review.inputs.params import parse_params, placeholders
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values
from annual_review.publish.review_page import review_page

from .conftest import ROOT

DATA = ROOT / "data"
CATALOG = load_catalog(DATA)
REGION = load_region(DATA, "haining")
VALUES = load_values(DATA, REGION, CATALOG)


def load(unit: str = "海宁市") -> Review:
    return Review.load(2024, unit, data_dir=str(DATA), params_dir=str(ROOT / "params"))


@pytest.fixture(scope="module")
def city() -> Review:
    return load()


def with_values(review: Review, frame) -> Review:
    return dataclasses.replace(review, facts=Facts(frame, CATALOG))


def official(review: Review) -> Review:
    """The same report with every figure and the text flagged as official."""
    frame = VALUES.copy()
    frame["illustrative"] = False
    frame["source"] = "市司法局统计"
    params = review.params.model_copy(update={"illustrative": False})
    return dataclasses.replace(with_values(review, frame), params=params)


def every_block(review: Review) -> str:
    """The HTML of every block the notebooks show, in their order."""
    blocks = [review.header(), review.part(1), review.part(2), review.key_table()]
    blocks += [
        review.chart_year_on_year(["recon_received", "recon_closed"], "案件", "c1"),
        review.chart_part_of_whole("mediation_settled", "调解", "c2"),
        review.chart_rates("比率", "c3"),
        review.trends(),
    ]
    if review.is_city:
        blocks += [
            review.township_comparison(),
            review.chart_townships("legality_reviews", "合法性审查", "c4"),
        ]
    blocks += [review.part(3), review.part(4), review.signature(), review.sources()]
    return "\n".join(b.html for b in blocks)


# ── 落款 and 成文日期 ───────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("unit", "issuer", "date"),
    [("海宁市", "海宁市人民政府", "2025年3月1日"), ("海昌街道", "海昌街道办事处", "2025年2月20日")],
)
def test_every_report_ends_with_its_issuer_and_date(unit: str, issuer: str, date: str) -> None:
    html = every_block(load(unit))
    signature = re.search(r'<section class="ar-signature".*?</section>', html)
    assert signature is not None
    assert f'<p class="ar-issuer">{issuer}</p>' in signature.group(0)
    assert f">{date}</time></p>" in signature.group(0)
    after = html[signature.end() :]
    assert after.strip().startswith('<aside class="ar-sources"') and after.count("<p") == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [("issuer: 海宁市人民政府\n", "issuer"), ('date: "2025-03-01"\n', "date")],
)
def test_a_report_without_issuer_or_date_is_refused(line: str, field: str) -> None:
    text = (ROOT / "params" / "2024" / "haining.yaml").read_text(encoding="utf-8")
    assert line in text
    with pytest.raises(InputError, match=rf"haining\.yaml: field {field}"):
        parse_params(text.replace(line, ""), source="haining.yaml")


def test_a_date_not_written_as_iso_is_refused() -> None:
    text = (ROOT / "params" / "2024" / "haining.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"field date.*YYYY-MM-DD"):
        parse_params(text.replace('"2025-03-01"', "2025年3月1日"), source="haining.yaml")


def test_sources_are_one_note_that_never_cites_the_report_itself(city: Review) -> None:
    html = city.sources().html
    assert html.count("<p>") == 1 and "<li>" not in html
    assert "海宁市2024年法治政府建设年度报告" not in html
    assert "海宁市2023年法治政府建设年度报告" in html


# ── the review gate ────────────────────────────────────────────────────
def test_unreviewed_findings_are_not_report_text(city: Review) -> None:
    unreviewed = dataclasses.replace(city, params=city.params.model_copy(update={"findings": {}}))
    html = every_block(unreviewed)
    for word in ("待确认", "数据提示", "数据生成", "f-recon_corrected", "ar-data-findings"):
        assert word not in html


def test_the_gate_lists_each_finding_with_the_params_line_that_settles_it() -> None:
    valid = check_inputs(_project(), 2024, "haining")
    gate = review_items(valid, Facts(valid.values, valid.catalog), 2024)
    assert gate.unreviewed() == [] and gate.placeholders == ()
    assert final_problems(gate) == []  # the shipped example is ready to send
    by_key = {(i.unit, i.id): i for i in gate.items}
    item = by_key[("海宁市", "f-recon_corrected")]
    assert item.status == "dismissed" and item.params_file == "params/2024/haining.yaml"
    assert (item.value, item.previous) == ("7", "9")
    open_item = dataclasses.replace(item, status="unreviewed")
    problems = final_problems(Gate((open_item,), ()))
    assert problems[0].startswith("params/2024/haining.yaml: finding f-recon_corrected (海宁市:")
    assert "  f-recon_corrected: {status: confirmed" in open_item.confirm_line
    assert Gate.from_json_data(json.loads(json.dumps(gate.to_json_data()))) == gate


def test_the_review_page_names_ids_units_figures_and_params_lines() -> None:
    valid = check_inputs(_project(), 2024, "haining")
    gate = review_items(valid, Facts(valid.values, valid.catalog), 2024)
    item = dataclasses.replace(gate.items[0], status="unreviewed", sentence="<b>纠错</b>")
    page = review_page(Gate((item, *gate.items[1:]), ("p.yaml: field intro: 'TODO'",)), "审核")
    assert "<code>f-recon_corrected</code>" in page and "&lt;b&gt;纠错&lt;/b&gt;" in page
    assert "f-recon_corrected: {status: confirmed" in page
    assert "params/2024/haining.yaml" in page and "待审核1条" in page
    assert "p.yaml: field intro" in page and "<script" not in page and "http" not in page


def test_placeholder_text_is_found_in_any_field() -> None:
    text = (ROOT / "params" / "2024" / "haining.yaml").read_text(encoding="utf-8")
    params = parse_params(text, source="x.yaml")
    assert placeholders(params, source="x.yaml") == []
    changed = params.model_copy(
        update={
            "intro": "2024年，XXX市坚持……",
            "plans": [params.plans[0].model_copy(update={"detail": "具体措施待补充"})],
        }
    )
    found = placeholders(changed, source="x.yaml")
    assert [f.split(":")[1].strip() for f in found] == ["field intro", "field plans.0.detail"]


# ── honest labels ──────────────────────────────────────────────────────
@pytest.mark.parametrize("unit", ["海宁市", "许村镇"])
def test_no_illustrative_label_when_no_figure_is_flagged(unit: str) -> None:
    html = every_block(official(load(unit)))
    assert "示意" not in html and 'class="ar-mark"' not in html


def test_illustrative_labels_come_from_the_flags(city: Review) -> None:
    html = every_block(city)
    assert "示意数据说明" in html  # the townships' figures are flagged in the data
    assert "各镇（街道）主要指标比较（示意数据）" in html
    assert "主要指标（2024年与2023年）（含示意数据）" in html  # 出庭 figures are flagged
    assert "本报告" in html and "本页" not in html


# ── missing is not zero ─────────────────────────────────────────────────
def test_a_township_without_the_figure_is_left_out_of_the_chart(city: Review) -> None:
    frame = VALUES[~((VALUES.unit == "盐官镇") & (VALUES.indicator == "legality_reviews"))]
    html = with_values(city, frame).chart_townships("legality_reviews", "合法性审查", "c").html
    recipe = json.loads(re.search(r'data-chart="([^"]+)"', html).group(1).replace("&quot;", '"'))
    assert "盐官镇" not in recipe["args"]["labels"] and len(recipe["args"]["labels"]) == 11
    assert 0.0 not in recipe["args"]["values"]
    assert "<figcaption>合法性审查（盐官镇无数据）" in html


def test_a_figure_equal_for_every_township_is_one_sentence(city: Review) -> None:
    frame = VALUES.copy()
    mask = (frame.year == 2024) & (frame.indicator == "legality_reviews") & (frame.unit != "海宁市")
    frame.loc[mask, "value"] = "0"
    html = with_values(city, frame).chart_townships("legality_reviews", "合法性审查", "c").html
    assert "<figure" not in html and "各镇（街道）2024年合法性审查均为0件" in html


def test_a_chart_with_nothing_to_draw_is_a_one_line_note(city: Review) -> None:
    frame = VALUES[VALUES.year != 2024]
    html = with_values(city, frame).chart_rates("主要比率指标", "c").html
    assert "<figure" not in html and "<svg" not in html
    assert html == '<p class="ar-chart-note">（主要比率指标：2024年无比率指标数据，未绘图。）</p>'


def test_a_missing_year_has_no_bars_and_a_missing_indicator_is_left_out(city: Review) -> None:
    frame = VALUES[~((VALUES.year == 2023) | (VALUES.indicator == "recon_closed"))]
    html = (
        with_values(city, frame)
        .chart_year_on_year(["recon_received", "recon_closed"], "案件", "c")
        .html
    )
    recipe = json.loads(re.search(r'data-chart="([^"]+)"', html).group(1).replace("&quot;", '"'))
    assert recipe["args"]["labels"] == ["新收行政复议案件"]
    assert recipe["args"]["series"] == {"2024年": [391.0]}


def test_one_chart_never_mixes_measures(city: Review) -> None:
    with pytest.raises(InputError, match=r"law_study_sessions, preappointment_exams.*one measure"):
        city.chart_year_on_year(["law_study_sessions", "preappointment_exams"], "学法", "c")


def test_charts_are_exhibits_with_one_caption_and_no_title_in_the_picture(city: Review) -> None:
    html = city.chart_year_on_year(["recon_received", "recon_closed"], "行政复议案件", "c").html
    assert html.startswith('<section class="ar-exhibit" data-exhibit="chart"><figure')
    assert html.count("<figcaption>行政复议案件") == 1 and html.count("<figcaption") == 1
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "行政复议案件<" not in svg.replace("新收行政复议案件", "")  # only its unit: 单位：件
    assert "单位：件" in svg


def _project():
    from annual_review.core.layout import Project

    return Project.find(ROOT)
