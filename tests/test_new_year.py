"""The yearly cycle: next year's params written from this year's, placeholders named by
``check`` with file and line, and a year that builds once they are filled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.checks import check_inputs
from annual_review.inputs.new_year import new_year
from annual_review.inputs.params import PLACEHOLDER, load_params
from annual_review.inputs.region import load_region


def copy_year_of_values(project: Path, source: int, target: int) -> None:
    """Give ``target`` the figures of ``source`` (the test needs a year with data)."""
    path = project / "data" / "values" / "haining.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    extra = [re.sub(rf"^{source},", f"{target},", x) for x in lines if x.startswith(f"{source},")]
    body = "".join(lines)
    path.write_text(body + ("" if body.endswith("\n") else "\n") + "".join(extra), "utf-8")


@pytest.fixture
def fresh(project: Path) -> Path:
    shutil.rmtree(project / "params" / "2025")
    return project


def test_new_year_writes_every_unit_from_last_years_params(fresh: Path) -> None:
    region = load_region(fresh / "data", "haining")
    catalog = load_catalog(fresh / "data", region)
    done = new_year(fresh / "params", 2025, region, catalog)
    assert len(done.written) == 13 and not done.kept
    city = (fresh / "params" / "2025" / "haining.yaml").read_text(encoding="utf-8")
    assert 'addressee: "中共嘉兴市委、嘉兴市人民政府"' in city
    assert 'issuer: "海宁市人民政府"' in city and 'date: ""' in city
    for plan in ("p2025-preventive", "p2025-enforcement", "p2025-foreign", "p2025-disputes"):
        assert f"  {plan}:\n    status: in_progress\n" in city
    assert "  business:\n" in city  # last year's sections
    # never overwritten: a second run keeps every file as it is
    again = new_year(fresh / "params", 2025, region, catalog)
    assert not again.written and len(again.kept) == 13


def test_check_names_each_placeholder_with_its_line_and_filled_files_pass(fresh: Path) -> None:
    region = load_region(fresh / "data", "haining")
    new_year(fresh / "params", 2025, region, load_catalog(fresh / "data", region))
    copy_year_of_values(fresh, 2024, 2025)
    project = Project.find(fresh)
    with pytest.raises(InputError) as caught:
        check_inputs(project, 2025, "haining")
    undated = [p for p in caught.value.problems if "field date" in p]
    assert len(undated) == 13 and "成文日期未填写" in undated[0]

    path = fresh / "params" / "2025" / "xucun.yaml"
    for file in (fresh / "params" / "2025").glob("*.yaml"):
        file.write_text(
            file.read_text(encoding="utf-8").replace('date: ""', 'date: "2026-02-20"'), "utf-8"
        )
    from annual_review.figures.facts import Facts
    from annual_review.figures.gate import final_problems, review_items

    valid = check_inputs(project, 2025, "haining")  # placeholders do not stop a draft build
    gate = review_items(valid, Facts(valid.values, valid.catalog, valid.region.rounding), 2025)
    text = path.read_text(encoding="utf-8")
    expected = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if PLACEHOLDER.search(line) and not line.lstrip().startswith("#")
    ]
    named = [p for p in gate.placeholders if p.startswith("params/2025/xucun.yaml, line ")]
    assert [int(re.search(r"line (\d+)", p).group(1)) for p in named] == expected
    assert len(expected) >= 8
    assert any(p.startswith("params/2025/xucun.yaml, line") for p in final_problems(gate))

    for file in (fresh / "params" / "2025").glob("*.yaml"):
        filled = PLACEHOLDER.sub("已完成", file.read_text(encoding="utf-8"))
        file.write_text(filled, encoding="utf-8")
    valid = check_inputs(project, 2025, "haining")
    gate = review_items(valid, Facts(valid.values, valid.catalog, valid.region.rounding), 2025)
    assert gate.placeholders == ()
    assert load_params(fresh / "params", 2025, "xucun", "许村镇").plan_status


def test_a_bad_file_of_last_year_stops_new_year_before_writing(fresh: Path) -> None:
    bad = fresh / "params" / "2024" / "xucun.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("issuer:", "isuer:"), "utf-8")
    region = load_region(fresh / "data", "haining")
    with pytest.raises(InputError, match=r"params/2024/xucun\.yaml"):
        new_year(fresh / "params", 2025, region, load_catalog(fresh / "data", region))
    assert not (fresh / "params" / "2025").exists()


def test_the_params_readme_lists_the_fields_of_the_models() -> None:
    from annual_review.inputs.field_guide import params_guide

    from .conftest import ROOT

    readme = (ROOT / "params" / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- fields: begin -->\n", 1)[1].split("<!-- fields: end -->", 1)[0]
    assert section == params_guide(), "regenerate the tables with field_guide.params_guide()"


def test_the_data_readme_lists_the_fields_of_the_region_and_catalogue() -> None:
    from annual_review.inputs.field_guide import data_guide

    from .conftest import ROOT

    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- fields: begin -->\n", 1)[1].split("<!-- fields: end -->", 1)[0]
    assert section == data_guide(), "regenerate the tables with field_guide.data_guide()"
