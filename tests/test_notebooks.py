"""Each notebook runs with real papermill and a real kernel, as an analyst's Run All would."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def html_of(nb) -> str:
    return "".join(
        o.get("data", {}).get("text/html", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.output_type in ("display_data", "execute_result")
    )


def parameters_cells(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("name", ["city.ipynb", "township.ipynb"])
def test_notebook_has_one_parameters_cell_and_no_outputs(name: str) -> None:
    assert len(parameters_cells(ROOT / "notebooks" / name)) == 1
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_city_notebook_defaults_build_haining_2024(project: Path, tmp_path: Path) -> None:
    """Run All with the defaults, from the notebooks folder, like JupyterLab does."""
    out = tmp_path / "city.ipynb"
    papermill.execute_notebook(
        str(project / "notebooks" / "city.ipynb"),
        str(out),
        cwd=str(project / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    html = html_of(nbformat.read(out, as_version=4))
    assert "海宁市2024年法治政府建设年度报告" in html
    assert "新收行政复议案件391件，同比增长67.81%" in html
    assert "42.46%" in html and html.count('<figure class="ar-chart"') >= 4


def test_township_notebook_runs_for_another_unit(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "huangwan.ipynb"
    papermill.execute_notebook(
        str(project / "notebooks" / "township.ipynb"),
        str(out),
        parameters={"unit": "黄湾镇"},
        cwd=str(project / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    html = html_of(nbformat.read(out, as_version=4))
    assert "黄湾镇2024年法治政府建设年度报告" in html
    assert "示意数据说明" in html
    assert "100.00%" in html  # 11 of 11 villages have a legal adviser
    assert html.count('<figure class="ar-chart"') >= 4


def test_a_failing_unit_raises_with_the_error_in_the_notebook(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bad.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match="unknown unit"):
        papermill.execute_notebook(
            str(project / "notebooks" / "township.ipynb"),
            str(out),
            parameters={"unit": "袁花街道"},
            cwd=str(project / "notebooks"),
            progress_bar=False,
            kernel_name="python3",
        )
    assert "unknown unit" in out.read_text(encoding="utf-8")
