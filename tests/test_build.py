"""A full build of Haining 2024: 13 pages with the report's figures, safe to publish."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import nbformat
import pytest
from annual_review.blocks.charts import KINDS, Chart
from annual_review.inputs.region import load_region
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont

from .conftest import ROOT

pytestmark = pytest.mark.slow

REGION = load_region(ROOT / "data")
TOWNSHIP_PAGES = [f"{u.slug}.html" for u in REGION.townships]


UNIT_PAGES = ["index.html", *TOWNSHIP_PAGES]


def pages(site: Path, *, units_only: bool = False) -> dict[str, str]:
    found = {p.name: p.read_text(encoding="utf-8") for p in sorted(site.glob("*.html"))}
    return {n: t for n, t in found.items() if n in UNIT_PAGES or not units_only}


def test_site_has_the_city_and_twelve_township_pages(site: Path) -> None:
    assert sorted(pages(site)) == sorted([*UNIT_PAGES, "overview.html", "indicators.html"])


@pytest.mark.parametrize(
    "figure",
    ["391", "67.81%", "358", "152", "42.46%", "14908", "9725", "3152", "57", "100.00%"],
)
def test_city_page_states_the_reports_figures(site: Path, figure: str) -> None:
    text = re.sub(r"<[^>]+>", "", (site / "index.html").read_text(encoding="utf-8"))
    assert figure in text


def test_city_page_has_the_generated_reconsideration_sentence(site: Path) -> None:
    assert "新收行政复议案件391件，同比增长67.81%" in (site / "index.html").read_text("utf-8")


def test_city_page_links_to_twelve_existing_township_pages(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([a-z0-9-]+\.html)"', html))
    assert set(TOWNSHIP_PAGES) <= links
    for link in links:
        assert (site / link).is_file(), link


@pytest.mark.parametrize("section", ["一、", "二、", "三、存在的不足和原因", "四、2025年"])
def test_every_page_has_the_four_parts(site: Path, section: str) -> None:
    for name, html in pages(site, units_only=True).items():
        assert re.search(f"<h2[^>]*>{section}", html), (name, section)


def test_pages_load_nothing_from_outside_and_leak_nothing(site: Path, built: Path) -> None:
    for name, html in pages(site).items():
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I), name
        html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", html)  # the font
        assert "injected-parameters" not in html, name
        assert "papermill" not in html.lower(), name
        assert str(built) not in html and str(ROOT) not in html, name
        assert "/tmp/" not in html and "<script" not in html.lower(), name


def test_township_pages_say_their_figures_are_illustrative(site: Path) -> None:
    for name in [*TOWNSHIP_PAGES, "index.html"]:
        assert "示意数据说明" in (site / name).read_text(encoding="utf-8"), name


def test_each_page_has_at_least_four_charts_with_alt_text(site: Path) -> None:
    for name, html in pages(site, units_only=True).items():
        figures = BeautifulSoup(html, "html.parser").find_all("figure", class_="ar-chart")
        assert len(figures) >= 4, name
        for figure in figures:
            svg = figure.find("svg")
            assert svg["role"] == "img" and len(svg["aria-label"]) >= 4, name
            assert svg.find("text") and not svg.find("image"), name  # text, not pixels
            assert Chart.from_json(figure["data-chart"]).kind in KINDS, name


def test_ids_are_unique_and_every_chart_reference_resolves(site: Path) -> None:
    for name, html in pages(site).items():
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))
        referred = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', html))
        assert referred - set(ids) == set(), name


def test_chart_labels_are_all_in_the_embedded_font(site: Path) -> None:
    """Chart text is drawn by the reader's browser: the page's own font must cover it."""
    for name, html in pages(site, units_only=True).items():
        woff = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html).group(1)
        covered = set(TTFont(io.BytesIO(base64.b64decode(woff))).getBestCmap())
        labels = [t.get_text() for t in BeautifulSoup(html, "html.parser").find_all("text")]
        assert len(labels) > 20, name
        missing = {ch for label in labels for ch in label} - {" "}
        assert sorted(ch for ch in missing if ord(ch) not in covered) == [], name


def test_executed_notebooks_are_kept_without_machine_paths(built: Path) -> None:
    folder = built / "outputs" / "haining" / "2024" / "notebooks"
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    assert names == sorted(u.slug for u in REGION.units)
    for path in folder.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert str(built) not in text and "/tmp/" not in text
        nb = nbformat.reads(text, as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        streams = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"]
        assert not errors and not streams, (path.name, streams[:1])


def test_manifest_records_every_unit(built: Path) -> None:
    manifest = json.loads(
        (built / "outputs" / "haining" / "2024" / "manifest.json").read_text("utf-8")
    )
    assert {u["status"] for u in manifest["units"].values()} == {"ok"}
    assert len(manifest["units"]) == 13
    assert manifest["packages"]["papermill"]


def test_pages_hold_only_confirmed_findings_and_end_with_the_signature(built: Path) -> None:
    site = built / "outputs" / "haining" / "2024" / "site"
    for unit in REGION.units:
        html = (site / ("index.html" if unit.level == "city" else f"{unit.slug}.html")).read_text(
            encoding="utf-8"
        )
        for word in ("待确认", "数据提示", "数据生成"):
            assert word not in html, (unit.slug, word)
        main = html[html.index('<main class="ar-main"') : html.index("</main>")]
        signature = main[main.rindex('<section class="ar-signature"') :]
        assert f'<p class="ar-issuer">{unit.name.replace("街道", "街道办事处")}' in signature or (
            f'<p class="ar-issuer">{unit.name}人民政府' in signature
        )
        assert re.search(r"2025年\d{1,2}月\d{1,2}日</time>", signature), unit.slug
    xucun = (site / "xucun.html").read_text(encoding="utf-8")
    assert '<p class="ar-data-findings">从年度指标看，被申请行政复议5件' in xucun  # confirmed
    assert "行政复议纠错7件，纠错率" not in (site / "index.html").read_text(encoding="utf-8")
    review = (built / "outputs" / "haining" / "2024" / "review.html").read_text(encoding="utf-8")
    assert "<code>f-recon_corrected</code>" in review and "已排除" in review
    assert not (site / "review.html").exists()  # the analyst's page is not published


def test_pages_weigh_at_most_one_and_a_half_megabytes(built: Path) -> None:
    manifest = json.loads(
        (built / "outputs" / "haining" / "2024" / "manifest.json").read_text("utf-8")
    )
    sizes = {name: page["bytes"] for name, page in manifest["pages"].items()}
    assert len(sizes) == 15 and max(sizes.values()) <= 1_500_000, sizes


def test_word_files_are_written_for_every_unit(built: Path) -> None:
    names = sorted(p.name for p in (built / "outputs" / "haining" / "2024").glob("*.docx"))
    assert len(names) == 13 and "海宁市2024年法治政府建设年度报告.docx" in names


def test_a_values_file_with_its_columns_in_another_order_builds_the_same_pages(
    site: Path, tmp_path: Path
) -> None:
    import csv

    from annual_review.cli import main
    from annual_review.inputs.values_file import COLUMNS

    from .conftest import copy_project

    root = copy_project(tmp_path / "project")
    values = root / "data" / "values" / "haining.csv"
    with values.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    order = ["indicator", "source", "value", "illustrative", "unit", "year"]
    assert sorted(order) == sorted(COLUMNS)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=order, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    values.write_text(out.getvalue(), encoding="utf-8")
    code = main(["--project", str(root), "build", "--year", "2024", "--quiet", "--no-word"])
    assert code == 0
    rebuilt = pages(root / "outputs" / "haining" / "2024" / "site")
    assert rebuilt.keys() == pages(site).keys()
    for name, text in pages(site).items():
        assert rebuilt[name] == text, name
