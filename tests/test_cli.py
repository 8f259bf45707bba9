"""The analyst's year through the command line: collect in Excel, import, check, build."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from annual_review.inputs.collect import LAYOUT

from .bad_workbooks import put
from .conftest import ROOT

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "annual_review.cli"]


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "--project", str(project), *args], capture_output=True, text=True, check=False
    )


def values_2024(project: Path) -> dict[tuple[str, str], str]:
    with open(project / "data" / "values" / "haining.csv", encoding="utf-8") as handle:
        return {
            (r["unit"], r["indicator"]): r["value"]
            for r in csv.DictReader(handle)
            if r["year"] == "2024"
        }


def test_template_filled_with_2024_values_imports_and_builds(project: Path, tmp_path) -> None:
    workbook = tmp_path / "t.xlsx"
    made = cli(project, "template", "--year", "2025", "-o", str(workbook))
    assert made.returncode == 0, made.stderr
    known = values_2024(project)
    book = openpyxl.load_workbook(workbook)
    filled = 0
    for sheet in book.worksheets:
        if sheet.title.startswith("_") or sheet.title == "说明":
            continue
        header = [c.value for c in sheet[LAYOUT.header_row]]
        id_col, value_col = header.index("指标编号") + 1, header.index("本年数值") + 1
        for row in range(LAYOUT.first_row, sheet.max_row + 1):
            value = known.get((sheet.title, sheet.cell(row, id_col).value))
            if value is not None:
                sheet.cell(row, value_col).value = int(value)
                filled += 1
    book.save(workbook)
    assert filled > 100

    imported = cli(project, "import", str(workbook), "--source", "2025年1月各单位报送")
    assert imported.returncode == 0, imported.stderr
    text = (project / "data" / "values" / "haining.csv").read_text(encoding="utf-8")
    assert "2025,海宁市,recon_received,391," in text

    built = cli(project, "build", "--year", "2025", "--unit", "海宁市", "--no-word", "--quiet")
    assert built.returncode == 0, built.stderr
    page = (project / "outputs" / "haining" / "2025" / "site" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "新收行政复议案件391件，与上年持平" in page
    assert "上年计划落实情况" in page and "已完成" in page  # the 2024 plans, tracked


def test_a_bad_workbook_changes_nothing_and_exits_2(project: Path, tmp_path) -> None:
    workbook = tmp_path / "t.xlsx"
    assert cli(project, "template", "--year", "2025", "-o", str(workbook)).returncode == 0
    cell = put(workbook, "海昌街道", "legality_reviews", "三百")
    before = (project / "data" / "values" / "haining.csv").read_bytes()
    result = cli(project, "import", str(workbook))
    assert result.returncode == 2 and cell in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "data" / "values" / "haining.csv").read_bytes() == before


def test_help_lists_every_command_and_the_readme_options() -> None:
    result = subprocess.run([*CLI, "--help"], capture_output=True, text=True, check=True)
    listed = re.search(r"\{([a-z,-]+)\}", result.stdout)
    assert listed, result.stdout
    commands = set(listed.group(1).split(","))
    assert commands == {
        "build",
        "check",
        "publish",
        "template",
        "import",
        "new-year",
        "preview",
        "clean-cache",
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in sorted(commands):
        usage = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True)
        assert usage.returncode == 0, usage.stderr
        # every option the README shows with this command exists in its --help
        shown = re.findall(rf"annual-review {command} [^\n`]*", readme)
        for option in {o for line in shown for o in re.findall(r"--[a-z][a-z-]+", line)}:
            assert option in usage.stdout, (command, option)


def test_check_catches_a_wrong_plan_id_in_next_years_params(project: Path) -> None:
    path = project / "params" / "2025" / "haining.yaml"
    first = cli(project, "check", "--year", "2025", "--unit", "海宁市")
    # the example has 2025 params (plans followed up) but no 2025 figures yet
    assert first.returncode == 2 and first.stderr.count("\n  ") == 1, first.stderr
    assert "data/values/haining.csv: no figures for 2025" in first.stderr
    text = path.read_text(encoding="utf-8")
    assert "p2025-foreign" in text
    path.write_text(text.replace("p2025-foreign", "p2025-foriegn", 1), encoding="utf-8")
    result = cli(project, "check", "--year", "2025", "--unit", "海宁市")
    assert result.returncode == 2
    assert "plan_status.p2025-foriegn" in result.stderr
    assert "p2025-foreign of 2024" in result.stderr  # and the real plan is left without status
