"""Each notebook runs with real papermill and a real kernel, as an analyst's Run All would."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest
from annual_review.blocks.block import NOT_PUBLISHED, PAGE_HTML, Block
from annual_review.blocks.charts import Chart, figure_html, rate_bars
from annual_review.publish.render import StripProvenance, render_page

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


def run_all_with_defaults(project: Path, tmp_path: Path, name: str) -> str:
    """Run All with the defaults, from the notebooks folder, like JupyterLab does; the
    HTML the notebook shows."""
    out = tmp_path / name
    papermill.execute_notebook(
        str(project / "notebooks" / name),
        str(out),
        cwd=str(project / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    return html_of(nbformat.read(out, as_version=4))


def test_city_notebook_defaults_build_haining_2024(project: Path, tmp_path: Path) -> None:
    html = run_all_with_defaults(project, tmp_path, "city.ipynb")
    assert "海宁市2024年法治政府建设年度报告" in html
    assert "新收行政复议案件391件，同比增长67.81%" in html
    assert "42.46%" in html and html.count('<figure class="ar-chart"') >= 4


def test_run_all_with_the_defaults_works_in_another_countys_project(
    project: Path, tmp_path: Path
) -> None:
    """The parameters cell names no county: an empty region is the project's only region
    file and an empty unit its city, so Run All needs no edit in another county."""
    from .second_county import CITY, add_second_county

    add_second_county(project)
    (project / "data" / "regions" / "haining.yaml").unlink()
    html = run_all_with_defaults(project, tmp_path, "city.ipynb")
    assert f"{CITY}2024年法治政府建设年度报告" in html and "海宁" not in html


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
    nb = nbformat.read(out, as_version=4)
    html = html_of(nb)
    assert "黄湾镇2024年法治政府建设年度报告" in html
    assert "示意数据说明" in html
    assert "100.00%" in html  # 11 of 11 villages have a legal adviser
    assert html.count('<figure class="ar-chart"') >= 4
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'unit = "黄湾镇"' in injected.source and "\\u" not in injected.source
    first = next(o for c in nb.cells for o in c.get("outputs", []))
    assert "文字取自 <code>params/2024/huangwan.yaml</code>" in first["data"]["text/html"]
    assert "数字取自 <code>data/values/haining.csv</code>" in first["data"]["text/html"]
    assert first["metadata"]["annual_review"][NOT_PUBLISHED] is True
    assert re.search(r"<td>合法性审查</td><td>2024年</td><td>\d+</td><td>[^<]+</td>"
                     r"<td>data/values/haining.csv:\d+</td>", html)  # fmt: skip
    page = render_page(nb, slug="huangwan", title="黄湾镇", site_title="海宁市",
                       nav=[], build_id="test")  # fmt: skip
    assert "数字来源" not in page and "文字取自" not in page  # the analyst's, not published
    assert page.count("<svg ") >= 4 and "data:image/svg+xml" not in page


def test_a_chart_block_shows_an_image_in_notebooks_and_inline_svg_on_pages() -> None:
    """A notebook that is not trusted strips inline SVG from HTML, but not images."""
    chart = Chart.of(rate_bars, "比率", ["纠错率"], [12.5])
    block = Block(figure_html(chart, alt="纠错率12.5%", caption="比率", figure_id="c"))
    data, meta = block._repr_mimebundle_()
    assert "<svg" not in data["text/html"] and '<img width="792"' in data["text/html"]
    assert 'src="data:image/svg+xml;base64,' in data["text/html"]
    assert data[PAGE_HTML] == block.html and "<svg " in block.html
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=meta)]
    nb, _ = StripProvenance().preprocess(nbformat.v4.new_notebook(cells=[cell]), {})
    assert nb.cells[0].outputs[0].data["text/html"] == block.html
    assert "<svg" not in Block("<p>正文</p>")._repr_mimebundle_()[0]["text/html"]


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
