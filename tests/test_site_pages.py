"""The overview and indicator pages, built from the shipped data and from small changed
copies of it: which indicators are ranked, one indicator per chart, equal and missing
figures said in words, illustrative labels only where a figure shown is illustrative,
and an indicator page without English ids or squeezed columns."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from annual_review.blocks.site_pages import definitions_notebook, overview_notebook
from annual_review.core.errors import InputError
from annual_review.figures.facts import Facts
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.region import load_region
from annual_review.inputs.values import load_values

from .conftest import ROOT

YEAR = 2024
CSV = Path("values") / "haining.csv"
REGION = load_region(ROOT / "data", "haining")
TOWNSHIPS = [u.name for u in REGION.townships]
PAGE_CSS = ROOT / "lib" / "annual_review" / "templates" / "review" / "page.css"
Row = dict[str, str]


# ── helpers ──────────────────────────────────────────────────────────


def data_copy(tmp_path: Path, change: Callable[[list[Row]], list[Row]] | None = None) -> Path:
    """A copy of data/ whose values rows went through ``change``."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    if change is not None:
        path = data / CSV
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = list(reader.fieldnames or [])
            rows = change(list(reader))
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return data


def official(rows: list[Row]) -> list[Row]:
    """Every row an official figure: not illustrative, with an official source."""
    return [
        {**r, "illustrative": "false", "source": f"海宁市{r['year']}年法治政府建设年度报告"}
        for r in rows
    ]


def notebook_html(raw: bytes) -> str:
    """The HTML of every output of a site notebook, in order."""
    nb = json.loads(raw)
    parts = []
    for cell in nb["cells"]:
        for output in cell["outputs"]:
            text = output["data"]["text/html"]
            parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def build(data: Path, page: str = "overview") -> str:
    region = load_region(data, "haining")
    catalog = load_catalog(data, region)
    if page == "indicators":
        return notebook_html(definitions_notebook(catalog, region, YEAR))
    facts = Facts(load_values(data, region, catalog), catalog)
    return notebook_html(overview_notebook(facts, catalog, region, YEAR))


def charts_of(page: str) -> dict[str, dict]:
    """The chart recipes of a page by figure id."""
    found = re.findall(r'<figure class="ar-chart" id="([^"]+)" data-chart="([^"]+)"', page)
    return {fid: json.loads(html.unescape(recipe)) for fid, recipe in found}


def visible_text(page: str) -> str:
    """What a reader sees: the text outside tags and without the charts' drawing."""
    page = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def figure_block(page: str, figure_id: str) -> str:
    """The HTML from a ranking's heading to the next heading."""
    start = page.index(f'id="{figure_id}-title"')
    end = page.find("<h3", start)
    return page[start : end if end >= 0 else len(page)]


@pytest.fixture(scope="module")
def shipped() -> str:
    return build(ROOT / "data")


@pytest.fixture(scope="module")
def indicators_page() -> str:
    return build(ROOT / "data", "indicators")


# ── 1. which indicators are ranked ──────────────────────────────────


def test_work_volumes_are_ranked_and_adverse_outcomes_are_not(shipped: str) -> None:
    catalog = load_catalog(ROOT / "data")
    ranked = {i.id for i in catalog.ranked_townships()}
    # defaults: township work volumes ranked; adverse outcomes (direction lower) not
    for volume in ("legality_reviews", "empowered_items", "mediation_disputes"):
        assert catalog[volume].rank is None and volume in ranked, volume
    adverse = ("recon_against", "recon_against_corrected", "litigation_against")
    for outcome in (*adverse, "litigation_against_lost"):
        assert catalog[outcome].direction == "lower" and outcome not in ranked, outcome
    # a rate only when the catalogue says so
    assert all(i.rank is True for i in catalog.ranked_townships() if i.kind != "count")
    drawn = set(charts_of(shipped))
    assert drawn == {
        f"rank-{i}"
        for i in ranked
        if i != "adviser_coverage"  # 100.00% everywhere: a sentence, below
    }
    assert not any(f"rank-{i}" in shipped for i in adverse)


def test_a_region_can_rank_more_and_a_wrong_id_is_named(tmp_path: Path) -> None:
    data = data_copy(tmp_path)
    path = data / "regions" / "haining.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "rank_also: [recon_against]\n", encoding="utf-8")
    page = build(data)
    recipe = charts_of(page)["rank-recon_against"]
    assert recipe["args"]["unit"] == "件" and len(recipe["args"]["labels"]) == 12
    labels = recipe["args"]["labels"]
    assert labels[0] in ("丁桥镇", "黄湾镇")  # fewest cases first: lower is better
    definitions = build(data, "indicators")
    start = definitions.index('id="ind-recon_against"')
    assert "<dt>概览排名</dt><dd>参加排名</dd>" in definitions[start : start + 2000]
    for wrong, words in [
        ("recon_agianst", "field rank_also: unknown indicator 'recon_agianst'"),
        ("recon_corrected", "field rank_also: 'recon_corrected' (行政复议纠错) is not reported"),
    ]:
        path.write_text(text + f"rank_also: [{wrong}]\n", encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(words)) as caught:
            load_region(data, "haining")
        assert str(caught.value).startswith(path.as_posix())


def test_the_catalogue_ranks_only_what_townships_report(tmp_path: Path) -> None:
    data = data_copy(tmp_path)
    path = data / "indicators.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    city_only = next(i for i in raw["indicators"] if i["id"] == "recon_mediation_rate")
    city_only["rank"] = True
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="recon_mediation_rate: rank: true needs") as caught:
        load_catalog(data)
    assert path.as_posix() in str(caught.value)


def test_the_indicator_page_says_which_are_ranked(indicators_page: str) -> None:
    def ranking_of(indicator_id: str) -> str:
        start = indicators_page.index(f'id="ind-{indicator_id}"')
        section = indicators_page[start : indicators_page.index("</section>", start)]
        found = re.search(r"<dt>概览排名</dt><dd>([^<]+)</dd>", section)
        return found.group(1) if found else ""

    assert ranking_of("legality_reviews") == "参加排名"
    assert ranking_of("recon_against") == "不排名"
    assert ranking_of("recon_mediation_rate") == ""  # a city indicator: no township ranking


# ── 2. equal and missing figures ─────────────────────────────────────


def test_a_figure_equal_everywhere_is_one_sentence(tmp_path: Path, shipped: str) -> None:
    assert "各镇（街道）村（社区）法律顾问覆盖率均为100.00%" in visible_text(shipped)
    assert "rank-adviser_coverage" not in charts_of(shipped)

    def same(rows: list[Row]) -> list[Row]:
        return [
            {**r, "value": "120"}
            if r["indicator"] == "empowered_items" and r["year"] == str(YEAR)
            else r
            for r in rows
        ]

    page = build(data_copy(tmp_path, same))
    assert "rank-empowered_items" not in charts_of(page)
    assert "各镇（街道）赋权事项均为120项" in visible_text(page)
    assert "rank-legality_reviews" in charts_of(page)  # the others are still charts


def test_a_missing_figure_is_left_out_and_named(tmp_path: Path) -> None:
    def without_huangwan(rows: list[Row]) -> list[Row]:
        return [
            r
            for r in rows
            if not (r["indicator"] == "empowered_items" and r["unit"] == "黄湾镇")
            or r["year"] != str(YEAR)
        ]

    page = build(data_copy(tmp_path, without_huangwan))
    args = charts_of(page)["rank-empowered_items"]["args"]
    assert "黄湾镇" not in args["labels"] and len(args["labels"]) == 11
    assert 0 not in args["values"]
    block = visible_text(figure_block(page, "rank-empowered_items"))
    assert "黄湾镇无2024年赋权事项数字，未列入排名" in block
    assert len(charts_of(page)["rank-legality_reviews"]["args"]["labels"]) == 12


def test_no_township_with_the_figure_is_one_line_and_no_chart(tmp_path: Path) -> None:
    def without(rows: list[Row]) -> list[Row]:
        return [
            r for r in rows if not (r["indicator"] == "empowered_items" and r["year"] == str(YEAR))
        ]

    page = build(data_copy(tmp_path, without))
    assert "rank-empowered_items" not in charts_of(page)
    block = visible_text(figure_block(page, "rank-empowered_items"))
    assert "各镇（街道）均无2024年赋权事项数字" in block


# ── 3. one indicator, one measure per chart ──────────────────────────


def test_every_chart_is_one_indicator_in_its_own_measure(shipped: str) -> None:
    catalog = load_catalog(ROOT / "data")
    recipes = charts_of(shipped)
    assert len(recipes) >= 4
    for figure_id, recipe in recipes.items():
        ind = catalog[figure_id.removeprefix("rank-")]
        args = recipe["args"]
        assert recipe["kind"] == "ranked_bars" and args["unit"] == ind.measure, figure_id
        assert set(args["labels"]) <= set(TOWNSHIPS), figure_id  # no indicator names mixed in
        assert len(args["labels"]) == len(set(args["labels"])) == len(args["values"])
        if ind.measure == "%":
            assert all(0 <= v <= 100 for v in args["values"]), figure_id


# ── 4. honest labels ─────────────────────────────────────────────────


def test_illustrative_figures_are_labelled(shipped: str) -> None:
    assert '<aside class="ar-illustrative"' in shipped
    assert "本页各镇（街道）数字均为示意数据" in visible_text(shipped)
    assert shipped.count('title="示意数据"') > 100  # every illustrative cell
    for recipe in charts_of(shipped).values():
        assert recipe["args"]["title"].endswith("，示意数据）")


def test_official_figures_carry_no_illustrative_label(tmp_path: Path) -> None:
    page = build(data_copy(tmp_path, official))
    assert "示意" not in page  # text, captions, alt text, chart recipes and title attributes
    assert "ar-mark" not in page and "ar-illustrative" not in page
    assert len(charts_of(page)) >= 4
    assert "示意" not in build(data_copy(tmp_path / "again", official), "indicators")


def test_only_the_illustrative_figures_are_labelled(tmp_path: Path) -> None:
    def one_illustrative(rows: list[Row]) -> list[Row]:
        marked = ("硖石街道", "legality_reviews", str(YEAR))
        return [
            {
                **r,
                "illustrative": "true"
                if (r["unit"], r["indicator"], r["year"]) == marked
                else "false",
            }
            for r in rows
        ]

    page = build(data_copy(tmp_path, one_illustrative))
    text = visible_text(page)
    assert "本页标有“*”的数字为示意数据" in text and "均为示意数据" not in text
    assert page.count('title="示意数据"') == 2  # the notice's mark and the one table cell
    titles = {fid: r["args"]["title"] for fid, r in charts_of(page).items()}
    assert titles.pop("rank-legality_reviews") == "各镇（街道）合法性审查（2024年，示意数据）"
    assert titles and all("示意" not in t for t in titles.values()), titles


# ── 5. the indicator page ────────────────────────────────────────────


def test_readers_see_chinese_names_and_written_formulas(indicators_page: str) -> None:
    catalog = load_catalog(ROOT / "data")
    text = visible_text(indicators_page)
    shown_ids = [i.id for i in catalog.indicators if re.search(rf"\b{i.id}\b", text)]
    assert shown_ids == []
    assert re.findall(r"[A-Za-z_]{3,}", text) == []
    assert "行政复议调解率 = 行政复议调解 ÷ 行政复议结案 × 100%" in text
    assert "复议诉讼比 = 新收行政复议案件 ÷ 新收一审行政诉讼案件" in text
    assert "镇街合法性审查合计 = 各镇（街道）合法性审查之和" in text
    for ind in catalog.indicators:  # anchors other pages may link to stay as they were
        assert f'id="ind-{ind.id}"' in indicators_page, ind.id
    assert "<table" not in indicators_page  # no eight squeezed columns


LAYOUT = """() => {
  const narrow = [];
  for (const dd of document.querySelectorAll('.ar-ind-long dd')) {
    const room = dd.parentElement.getBoundingClientRect().right - dd.getBoundingClientRect().left;
    if (room < 12 * 16) narrow.push([dd.previousElementSibling.textContent, room]);
  }
  return {narrow, dds: document.querySelectorAll('.ar-ind-long dd').length,
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_no_column_is_squeezed_on_desktop_or_phone(browser, tmp_path: Path, width: int) -> None:
    page_html = build(ROOT / "data", "indicators")
    document = tmp_path / "indicators.html"
    document.write_text(
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><style>{PAGE_CSS.read_text()}'
        f'</style></head><body class="ar-page"><div class="ar-layout">'
        f'<aside class="ar-toc"><ol><li>一、目录</li></ol></aside>'
        f'<main class="ar-main">{page_html}</main></div></body></html>',
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(document.as_uri())
        found = page.evaluate(LAYOUT)
    finally:
        context.close()
    assert found["dds"] >= 3 * 40
    assert found["narrow"] == [], found["narrow"][:5]  # each text has 12 characters' room
    assert found["overflow"] <= 0
