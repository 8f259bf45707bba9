"""A second county, set up the way the READMEs tell a new office to: its region file, its
values for two years and its params, written into a scratch copy of the project.

青溪县 (a 县, not a 县级市) has three townships and publishes the figures of a district
that truncates: 151 reconsideration cases against 66 the year before (同比增长128.78%
truncated, 128.79% half-up) and 140 of 151 settled by mediation (92.71% / 92.72%).
Nothing here is real: the names and figures are made up for the tests.
"""

from __future__ import annotations

from pathlib import Path

SLUG = "qingxi"
CITY = "青溪县"
TOWNSHIPS = [("城关镇", "镇", "chengguan"), ("东溪镇", "镇", "dongxi"), ("南山乡", "乡", "nanshan")]

REGION = f"""# 青溪县：测试用的第二个县（名称和数字均为虚构）
code: "331199"
name: {CITY}
slug: {SLUG}
kind: 县
parent: 某市
rounding: half-up
decimals: 2
townships:
""" + "".join(f"  - {{name: {n}, kind: {k}, slug: {s}}}\n" for n, k, s in TOWNSHIPS)

TOWNSHIP_VALUES = {
    2023: {"law_study_sessions": 4, "empowered_items": 90, "legality_reviews": 120,
           "mediation_disputes": 300, "mediation_settled": 200, "recon_against": 2,
           "recon_against_corrected": 0, "litigation_against": 1, "litigation_against_lost": 0,
           "villages_total": 10, "villages_with_adviser": 10},
    2024: {"law_study_sessions": 5, "empowered_items": 96, "legality_reviews": 131,
           "mediation_disputes": 330, "mediation_settled": 231, "recon_against": 3,
           "recon_against_corrected": 1, "litigation_against": 1, "litigation_against_lost": 0,
           "villages_total": 10, "villages_with_adviser": 10},
}  # fmt: skip

CITY_VALUES = {
    2023: {"law_study_sessions": 6, "preappointment_exams": 2, "exam_takers": 30,
           "exam_passed": 30, "leaders_reporting_law": 210, "city_documents_reviewed": 40,
           "normative_documents_reviewed": 8, "legal_matters_reviewed": 20,
           "major_decisions": 3, "mediation_disputes": 2000, "mediation_settled": 1500,
           "recon_received": 66, "recon_closed": 60, "recon_mediated": 30,
           "recon_corrected": 3, "litigation_received": 40, "litigation_concluded": 38,
           "litigation_lost": 1, "hearings_requiring_head": 20, "head_appearances": 19},
    2024: {"law_study_sessions": 8, "preappointment_exams": 3, "exam_takers": 36,
           "exam_passed": 36, "leaders_reporting_law": 220, "city_documents_reviewed": 44,
           "normative_documents_reviewed": 9, "legal_matters_reviewed": 25,
           "major_decisions": 4, "mediation_disputes": 2100, "mediation_settled": 1700,
           "recon_received": 151, "recon_closed": 151, "recon_mediated": 140,
           "recon_corrected": 2, "litigation_received": 45, "litigation_concluded": 41,
           "litigation_lost": 0, "hearings_requiring_head": 22, "head_appearances": 22},
}  # fmt: skip


def values_csv() -> str:
    """Two years of the county's figures, every required one of every unit."""
    rows = ["year,unit,indicator,value,source,illustrative"]
    for year in (2023, 2024):
        town = TOWNSHIP_VALUES[year]
        city = {**CITY_VALUES[year], "township_legality_reviews": town["legality_reviews"] * 3}
        for unit, values in [(CITY, city), *((n, town) for n, _, _ in TOWNSHIPS)]:
            rows += [f"{year},{unit},{k},{v},县司法局年度统计,false" for k, v in values.items()]
    return "\n".join(rows) + "\n"


def params_yaml(year: int, unit: str, slug: str, last_plan: str | None) -> str:
    """One unit's words for a year, with the status of last year's plan when given."""
    issuer = f"{unit}人民政府"
    status = ""
    if last_plan:
        status = f"plan_status:\n  {last_plan}: {{status: done, text: 已按计划完成。}}\n"
    return f"""year: {year}
unit: {unit}
addressee: 中共某市委、某市人民政府
issuer: {issuer}
date: "{year + 1}-02-18"
intro: {year}年，{unit}坚持依法行政，现将法治政府建设情况报告如下。
sections:
  leadership:
    - title: 压实第一责任人职责
      text: 主要负责人定期听取法治政府建设工作汇报。
shortcomings:
  - title: 基层法治力量仍较薄弱
    detail: 部分单位法制审核人员不足。
plans:
  - id: p{year + 1}-{slug}-team
    title: 加强法治队伍建设
    detail: 充实法制审核力量。
findings: {FINDINGS.get((year, slug), "{}")}
{status}"""


FINDINGS = {
    (2023, SLUG): "{f-recon_corrected: {status: confirmed}, f-litigation_lost: {status: dismissed},"
    " f-head_appearance_rate: {status: confirmed}}",
    (2024, SLUG): "{f-recon_corrected: {status: confirmed}}",
    (2024, "chengguan"): "{f-recon_against_corrected: {status: confirmed}}",
    (2024, "dongxi"): "{f-recon_against_corrected: {status: confirmed}}",
    (2024, "nanshan"): "{f-recon_against_corrected: {status: confirmed}}",
}


def add_second_county(project: Path) -> None:
    """Write the county's region, values and two years of params into ``project``."""
    (project / "data" / "regions" / f"{SLUG}.yaml").write_text(REGION, encoding="utf-8")
    (project / "data" / "values" / f"{SLUG}.csv").write_text(values_csv(), encoding="utf-8")
    units = [(CITY, SLUG), *((n, s) for n, _, s in TOWNSHIPS)]
    for year in (2023, 2024):
        folder = project / "params" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        for unit, slug in units:
            last = f"p{year}-{slug}-team" if year == 2024 else None
            text = params_yaml(year, unit, slug, last)
            (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
