"""A synthetic province for benchmarks: about 90 counties and 1,000+ units of plausible data.

Every figure is random but consistent with the catalogue's rules (a part never exceeds
its whole, a city total equals the sum of its townships), from a fixed seed, so two runs
produce the same project. All of it is marked illustrative. The notebooks and the
indicator catalogue are copied from a real project, so the benchmark runs the same code.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

import yaml

from annual_review.inputs.catalog import load_catalog

SYLLABLES = (
    "安平宁远清和丰乐长兴永嘉新昌临海东阳武义江山龙泉庆元"
    "云和松阳遂昌德清桐乡嘉善平湖余姚慈溪奉化象山宁海"
)
SOURCE = "合成数据：基准测试用，非真实统计"


def _name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(2)) + suffix
        if name not in used:
            used.add(name)
            return name


def _township_values(rng: random.Random) -> dict[str, int]:
    disputes = rng.randint(200, 1200)
    recon = rng.randint(0, 12)
    litigation = rng.randint(0, 8)
    villages = rng.randint(8, 25)
    return {
        "law_study_sessions": rng.randint(3, 9),
        "legality_reviews": rng.randint(120, 380),
        "empowered_items": rng.randint(100, 190),
        "mediation_disputes": disputes,
        "mediation_settled": rng.randint(disputes // 2, disputes),
        "recon_against": recon,
        "recon_against_corrected": rng.randint(0, recon // 3),
        "litigation_against": litigation,
        "litigation_against_lost": rng.randint(0, litigation // 4),
        "villages_total": villages,
        "villages_with_adviser": rng.randint(villages - 2, villages),
    }


def _city_values(rng: random.Random, township_reviews: int) -> dict[str, int]:
    takers = rng.randint(30, 90)
    closed = rng.randint(150, 420)
    concluded = rng.randint(50, 120)
    hearings = rng.randint(20, 60)
    disputes = rng.randint(5000, 16000)
    return {
        "law_study_sessions": rng.randint(6, 12),
        "preappointment_exams": rng.randint(3, 8),
        "exam_takers": takers,
        "exam_passed": rng.randint(takers - 3, takers),
        "leaders_reporting_law": rng.randint(300, 700),
        "city_documents_reviewed": rng.randint(60, 140),
        "normative_documents_reviewed": rng.randint(10, 40),
        "legal_matters_reviewed": rng.randint(20, 80),
        "major_decisions": rng.randint(2, 8),
        "township_legality_reviews": township_reviews,
        "mediation_disputes": disputes,
        "mediation_settled": rng.randint(disputes // 2, disputes),
        "recon_received": rng.randint(closed, closed + 60),
        "recon_closed": closed,
        "recon_mediated": rng.randint(closed // 5, closed // 2),
        "recon_corrected": rng.randint(0, closed // 20),
        "litigation_received": rng.randint(concluded, concluded + 20),
        "litigation_concluded": concluded,
        "litigation_lost": rng.randint(0, 3),
        "hearings_requiring_head": hearings,
        "head_appearances": rng.randint(hearings - 2, hearings),
    }


def _params(year: int, unit: str, slug: str, addressee: str) -> dict:
    office = "办事处" if unit.endswith("街道") else "人民政府"
    return {
        "year": year,
        "unit": unit,
        "illustrative": True,
        "addressee": addressee,
        "issuer": f"{unit}{office}",
        "date": f"{year + 1}-02-20",
        "intro": f"{unit}{year}年法治政府建设情况（合成示例文本）。",
        "sections": {"leadership": [{"title": "落实第一责任人职责", "text": "合成示例文本。"}]},
        "shortcomings": [{"title": "基层法治力量有待加强", "detail": "合成示例文本。"}],
        "plans": [
            {
                "id": f"p{year + 1}-{slug}-team",
                "title": "加强法治队伍建设",
                "detail": "合成示例文本。",
            }
        ],
    }


def generate_province(
    source_project: Path, out: Path, *, counties: int = 90, seed: int = 20250301, year: int = 2024
) -> int:
    """Write a project with ``counties`` regions into ``out``; return the number of units."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("data/regions", "data/values", f"params/{year}"):
        (out / folder).mkdir(parents=True)
    shutil.copy(source_project / "data" / "indicators.yaml", out / "data" / "indicators.yaml")
    shutil.copytree(source_project / "notebooks", out / "notebooks")
    stored = {i.id for i in load_catalog(out / "data").stored()}
    used: set[str] = set()
    units = 0
    for number in range(1, counties + 1):
        slug = f"c{number:03d}"
        city = _name(rng, used, "市")
        towns = [
            (_name(rng, used, rng.choice(["镇", "镇", "街道"])), f"{slug}-t{k:02d}")
            for k in range(1, rng.randint(10, 13) + 1)
        ]
        region = {
            "code": f"{339000 + number:06d}",
            "name": city,
            "slug": slug,
            "kind": "县级市",
            "parent": "合成省",
            "townships": [
                {"name": n, "kind": "街道" if n.endswith("街道") else "镇", "slug": s}
                for n, s in towns
            ],
        }
        (out / "data" / "regions" / f"{slug}.yaml").write_text(
            yaml.safe_dump(region, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        rows = io.StringIO()
        writer = csv.writer(rows, lineterminator="\n")
        writer.writerow(["year", "unit", "indicator", "value", "source", "illustrative"])
        for y in (year - 1, year):
            town_values = {n: _township_values(rng) for n, _ in towns}
            reviews = sum(v["legality_reviews"] for v in town_values.values())
            for name, values in [(city, _city_values(rng, reviews)), *town_values.items()]:
                for indicator, value in values.items():
                    if indicator in stored:
                        writer.writerow([y, name, indicator, value, SOURCE, "true"])
        (out / "data" / "values" / f"{slug}.csv").write_text(rows.getvalue(), encoding="utf-8")
        for name, unit_slug, addressee in [
            (city, slug, "合成省人民政府"),
            *((n, s, f"{city}人民政府") for n, s in towns),
        ]:
            path = out / "params" / str(year) / f"{unit_slug}.yaml"
            path.write_text(
                yaml.safe_dump(
                    _params(year, name, unit_slug, addressee), allow_unicode=True, sort_keys=False
                ),
                encoding="utf-8",
            )
        units += 1 + len(towns)
    return units
