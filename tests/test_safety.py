"""Text from params and data cannot run in a page: markup shows as text, nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from annual_review.build.orchestrate import BuildOptions, build
from annual_review.core.layout import Project

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[点此查看](javascript:alert(1))"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    from .conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    params = root / "params" / "2024" / "haichang.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["intro"] = f"导语{SCRIPT}结束"
    data["shortcomings"][0]["detail"] = f"原因{IMG}以及{LINK}"
    data["plans"][0]["title"] = f"计划{SCRIPT}"
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    values = root / "data" / "values" / "haining.csv"
    lines = values.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [
        line.replace("示意数据：", f"示意数据{IMG}{SCRIPT}：", 1) if ",海昌街道," in line else line
        for line in lines
    ]
    values.write_text("".join(lines), encoding="utf-8")
    report = build(Project(root), BuildOptions(year=2024, units=["海昌街道"]))
    assert not report.failed
    return root / "outputs" / "haining" / "2024" / "site"


def test_markup_in_params_and_data_is_escaped_in_the_html(hostile_site: Path) -> None:
    page = (hostile_site / "haichang.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "javascript:" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_dialog_opens_and_the_text_shows(browser, hostile_site: Path) -> None:
    dialogs: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((hostile_site / "haichang.html").as_uri(), wait_until="load")
    page.wait_for_function("document.readyState === 'complete'")
    text = page.inner_text("body")
    context.close()
    assert dialogs == []
    assert SCRIPT in text and IMG in text and "点此查看" in text
