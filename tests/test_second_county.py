"""A second county beside Haining, set up from the READMEs: two years built, its words its
own (县级, not 市级), its published rates right under half-up and under truncation, and a
left-out figure refused until it is given or marked not applicable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .second_county import CITY, SLUG, add_second_county

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "annual_review.cli"]


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "--project", str(project), *args], capture_output=True, text=True, check=False
    )


def page(project: Path, year: int, name: str = "index.html") -> str:
    path = project / "outputs" / SLUG / str(year) / "site" / name
    return path.read_text(encoding="utf-8")


def test_a_second_county_builds_two_years_in_its_own_words_and_rounding(project: Path) -> None:
    add_second_county(project)
    for year in (2023, 2024):
        built = cli(project, "build", "--year", str(year), "--region", SLUG, "--final", "--quiet")
        assert built.returncode == 0, built.stderr
    html = page(project, 2024)
    assert f"{CITY}2024年法治政府建设年度报告" in html
    assert "新收行政复议案件151件，同比增长128.79%" in html  # half-up, the default
    assert "行政复议调解率92.72%" in html
    assert "上年计划落实情况" in html or "2023年报告提出的2024年" in html
    everything = html + "".join(
        page(project, 2024, f"{s}.html") for s in ("chengguan", "dongxi", "nanshan")
    )
    for word in ("市级", "市管", "海宁", "嘉兴", "示意"):
        assert word not in everything, word
    assert "审查县级文件" in html
    haining = project / "outputs" / "haining"
    assert not haining.exists()  # building one county leaves the other alone

    region = project / "data" / "regions" / f"{SLUG}.yaml"
    region.write_text(
        region.read_text(encoding="utf-8").replace("rounding: half-up", "rounding: truncate"),
        encoding="utf-8",
    )
    rebuilt = cli(project, "build", "--year", "2024", "--region", SLUG, "--quiet", "--no-word")
    assert rebuilt.returncode == 0, rebuilt.stderr
    html = page(project, 2024)
    assert "新收行政复议案件151件，同比增长128.78%" in html
    assert "行政复议调解率92.71%" in html and "92.72%" not in html
    definitions = page(project, 2024, "indicators.html")
    assert "其后各位舍去" in definitions


def test_a_left_out_figure_stops_the_build_until_given_or_marked(project: Path) -> None:
    add_second_county(project)
    values = project / "data" / "values" / f"{SLUG}.csv"
    text = values.read_text(encoding="utf-8")
    row = re.search(rf"(?m)^2024,{CITY},litigation_received,45,.*\n", text)
    assert row is not None
    values.write_text(text.replace(row.group(0), ""), encoding="utf-8")
    for command in ("check", "build"):
        refused = cli(project, command, "--year", "2024", "--region", SLUG)
        assert refused.returncode == 2, refused.stderr
        assert (
            f"{CITY} 2024 litigation_received（新收一审行政诉讼案件）: required figure missing"
            in (refused.stderr)
        )
        assert "Traceback" not in refused.stderr
    marked = f"2024,{CITY},litigation_received,n/a,本年起一审行政诉讼由市级法院集中管辖,false\n"
    values.write_text(text.replace(row.group(0), marked), encoding="utf-8")
    built = cli(project, "build", "--year", "2024", "--region", SLUG, "--quiet", "--no-word")
    assert built.returncode == 0, built.stderr
    html = page(project, 2024)
    assert "新收一审行政诉讼案件不适用（本年起一审行政诉讼由市级法院集中管辖）" in html
    assert "复议诉讼比" not in html.split("主要指标（")[0]  # no ratio without its base
