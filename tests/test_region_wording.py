"""A region's words in the catalogue (placeholders and its own wording), its rounding
setting, and the indicators each level must report."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog, Indicator, load_catalog
from annual_review.inputs.region import LEVEL_WORDS, Region, Rounding, load_region

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TOWNSHIPS = "甲 乙 丙 丁 戊 己 庚 辛 壬".split()
SLUGS = "jia yi bing ding wu ji geng xin ren".split()
COUNTY = "\n".join(
    [
        'code: "330999"',
        "name: 演示县",
        "slug: demo",
        "kind: 县",
        "parent: 演示市",
        "rounding: truncate",
        "decimals: 1",
        "townships:",
        *(
            f"  - {{name: {n}镇, kind: 镇, slug: {s}}}"
            for n, s in zip(TOWNSHIPS, SLUGS, strict=True)
        ),
        "",
    ]
)
FOREIGN = ("市级", "市管", "海宁", "嘉兴")


def texts(catalog: Catalog) -> list[str]:
    """Every text of the catalogue a reader may see."""
    found = list(catalog.parts.values()) + [s.title for s in catalog.sections]
    for ind in catalog.indicators:
        found += [ind.name, ind.short or "", ind.definition, ind.basis]
        found += [rule.text for rule in ind.findings]
    return found


def data_copy(tmp_path: Path, region_text: str = COUNTY) -> Path:
    """A copy of ``data/`` (catalogue and regions) with the county's file beside Haining's."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "regions", data / "regions")
    shutil.copy(DATA / "indicators.yaml", data / "indicators.yaml")
    (data / "regions" / "demo.yaml").write_text(region_text, encoding="utf-8")
    return data


@pytest.fixture
def county(tmp_path: Path) -> tuple[Path, Region]:
    data = data_copy(tmp_path)
    return data, load_region(data, "demo")


# ── 1. the county's words ───────────────────────────────────────────


def test_a_county_reads_county_words_and_nothing_of_haining(county) -> None:
    data, region = county
    assert (region.level_word, len(region.townships)) == ("县", 9)
    catalog = load_catalog(data, region)
    assert catalog["city_documents_reviewed"].name == "审查县级文件"
    assert catalog["city_documents_reviewed"].definition == "县级合法性审查的文件数"
    assert catalog["normative_documents_reviewed"].definition.startswith("审查的县级文件")
    assert catalog["leaders_reporting_law"].definition == "参加年度述法的县管领导干部人数"
    for text in texts(catalog):
        assert not any(word in text for word in FOREIGN), text
        assert "{" not in text and "}" not in text, text


def test_the_shipped_catalogue_names_no_region_and_no_level() -> None:
    raw = load_catalog(DATA)
    joined = "\n".join(texts(raw))
    assert not any(word in joined for word in FOREIGN)
    assert not re.search(r"报告称|“\d", joined)  # no quote of one region's report
    assert "{级}" in raw["city_documents_reviewed"].name


def test_the_county_template_and_definitions_page_carry_its_words(county, tmp_path) -> None:
    from annual_review.blocks.site_pages import definitions_notebook
    from annual_review.inputs.collect.template import write_template

    data, region = county
    out = write_template(data, "demo", 2025, tmp_path / "demo.xlsx")
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert "审查县级文件" in cells
    assert not any("{" in c or "市级" in c or "市管" in c for c in cells)
    page = json.dumps(
        json.loads(definitions_notebook(load_catalog(data, region), region, 2025)),
        ensure_ascii=False,
    )
    assert "审查县级文件" in page and "县管领导干部" in page
    assert not any(word in page for word in ("{级}", "{管}", "市级", "市管"))


@pytest.mark.parametrize(
    ("kind", "word"), [("县级市", "市"), ("地级市", "市"), ("自治县", "县"), ("区", "区")]
)
def test_every_county_level_kind_has_its_word(tmp_path, kind, word) -> None:
    data = data_copy(tmp_path, COUNTY.replace("kind: 县\n", f"kind: {kind}\n"))
    catalog = load_catalog(data, load_region(data, "demo"))
    assert catalog["city_documents_reviewed"].name == f"审查{word}级文件"
    assert catalog["leaders_reporting_law"].definition == f"参加年度述法的{word}管领导干部人数"


# ── 2. Haining unchanged ────────────────────────────────────────────


def test_haining_reads_as_before() -> None:
    region = load_region(DATA, "haining")
    catalog = load_catalog(DATA, region)
    assert region.level_word == "市"
    assert catalog["city_documents_reviewed"].name == "审查市级文件"
    assert catalog["city_documents_reviewed"].definition == "市级合法性审查的文件数"
    assert (
        catalog["normative_documents_reviewed"].definition
        == "审查的市级文件中属于行政规范性文件的件数"
    )
    assert catalog["leaders_reporting_law"].definition == "参加年度述法的市管领导干部人数"
    assert catalog["market_entities"].definition == "纳入行政检查统筹的市场主体数（报告称“4万”）"
    assert catalog["enterprise_problems_solved"].definition.endswith(
        "（报告称“550余个”，按下限记）"
    )
    raw = load_catalog(DATA)
    for ind in raw.indicators:  # only placeholders and Haining's own wording differ
        worded = catalog[ind.id]
        if ind.id not in region.indicators:
            for field in ("name", "short", "definition", "basis"):
                before = getattr(ind, field)
                if before is None or "{" not in before:
                    assert getattr(worded, field) == before, (ind.id, field)
        assert worded.findings == ind.findings or "{" in str(ind.findings)


# ── 3. the region's own wording ─────────────────────────────────────


def test_a_region_words_an_indicator_its_own_way(tmp_path) -> None:
    own = (
        "indicators:\n"
        "  city_documents_reviewed: {name: 审查县政府文件, short: 县文件,"
        ' definition: "{级}政府及其办公室合法性审查的文件数"}\n'
        "  ip_rules: {name: 裁决制度}\n"
    )
    data = data_copy(tmp_path, COUNTY + own)
    region = load_region(data, "demo")
    catalog = load_catalog(data, region)
    documents = catalog["city_documents_reviewed"]
    assert (documents.name, documents.short) == ("审查县政府文件", "县文件")
    assert documents.definition == "县级政府及其办公室合法性审查的文件数"
    assert catalog["ip_rules"].name == "裁决制度"
    assert catalog["ip_rules"].definition == load_catalog(data)["ip_rules"].definition
    assert load_catalog(data)["city_documents_reviewed"].name == "审查{级}文件"  # raw kept


# ── 4. bad settings are named ───────────────────────────────────────


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("rounding: truncate", "rounding: half-even"), "'half-even' is not supported"),
        (("rounding: truncate", "rounding: half-even"), "supported rules: half-up, truncate"),
        (("decimals: 1", "decimals: 5"), "decimals: 5 is not a whole number from 0 to 4"),
        (("decimals: 1", "decimals: -1"), "decimals: -1 is not a whole number"),
        (("decimals: 1", "decimals: 1.5"), "decimals: 1.5 is not a whole number"),
        (("decimals: 1", "decimals: '2'"), "decimals: '2' is not a whole number"),
        (("decimals: 1", "decimals: true"), "decimals: True is not a whole number"),
        (("kind: 县\n", "kind: 盟\n"), "field kind: Input should be '县级市', '地级市', '市'"),
        (
            ("parent: 演示市", "parent: 演示市\nindicators: {no_such: {name: 某}}"),
            "field indicators: unknown indicator 'no_such'",
        ),
        (
            ("parent: 演示市", "parent: 演示市\nindicators: {ip_rules: {nmae: 某}}"),
            "field indicators.ip_rules.nmae: Extra inputs are not permitted",
        ),
        (
            ("parent: 演示市", "parent: 演示市\nindicators: {ip_rules: {basis: 某}}"),
            "field indicators.ip_rules.basis",
        ),
        (
            ("parent: 演示市", 'parent: 演示市\nindicators: {ip_rules: {name: "{县级}制度"}}'),
            "unknown placeholder {县级} (known: {级}, {管}, {市})",
        ),
    ],
)
def test_bad_region_settings_are_named(tmp_path, change, words) -> None:
    old, new = change
    assert old in COUNTY
    data = data_copy(tmp_path, COUNTY.replace(old, new))
    with pytest.raises(InputError, match=re.escape(words)) as caught:
        load_region(data, "demo")
    assert str(caught.value).startswith((data / "regions" / "demo.yaml").as_posix())


def test_the_known_kinds_are_the_level_words_kinds() -> None:
    assert set(Region.model_fields["kind"].annotation.__args__) == set(LEVEL_WORDS)


def test_an_unknown_placeholder_in_the_catalogue_is_named(tmp_path) -> None:
    data = data_copy(tmp_path)
    path = data / "indicators.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("审查{级}文件", "审查{县级}文件"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=re.escape("unknown placeholder {县级}")) as caught:
        load_catalog(data)
    assert path.as_posix() in str(caught.value) and "city_documents_reviewed" in str(caught.value)


# ── 5. rounding ─────────────────────────────────────────────────────


def test_rounding_is_read_with_its_defaults(county) -> None:
    _, region = county
    assert region.rounding == Rounding(rule="truncate", places=1)
    assert load_region(DATA, "haining").rounding == Rounding() == Rounding(rule="half-up", places=2)
    bare = COUNTY.replace("rounding: truncate\n", "").replace("decimals: 1\n", "")
    assert Region.model_validate(yaml.safe_load(bare)).rounding == Rounding()
    only_places = yaml.safe_load(bare + "decimals: 0\n")
    assert Region.model_validate(only_places).rounding == Rounding(places=0)
    again = Region.model_validate(json.loads(region.model_dump_json()))
    assert again.rounding == region.rounding and hash(again.rounding) == hash(region.rounding)


# ── 6. which figures are required ───────────────────────────────────


def test_required_for_lists_the_stored_required_indicators_of_a_level() -> None:
    catalog = load_catalog(DATA)
    city = [i.id for i in catalog.required_for("city")]
    township = [i.id for i in catalog.required_for("township")]
    assert {"recon_received", "recon_closed", "litigation_concluded", "law_study_sessions"} <= set(
        city
    )
    assert {"legality_reviews", "recon_against", "villages_total"} <= set(township)
    assert "loss_risks_resolved" not in city and "ip_rules" not in city
    assert "legality_reviews" not in city and "recon_received" not in township
    assert not any(catalog[i].derived for i in city + township)
    assert all(catalog[i].required for i in city + township)
    assert not any(i.required for i in catalog.indicators if i.derived)
    stored_city = [i.id for i in catalog.stored() if i.applies("city")]
    assert city == [i for i in stored_city if catalog[i].required]  # catalogue order


def test_a_rate_may_not_be_required(tmp_path) -> None:
    data = data_copy(tmp_path)
    path = data / "indicators.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    rate = next(i for i in raw["indicators"] if i["id"] == "recon_mediation_rate")
    rate["required"] = True
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="recon_mediation_rate: a rate is computed") as caught:
        load_catalog(data)
    assert path.as_posix() in str(caught.value)
    rate["required"] = False  # says what it is anyway: accepted
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_catalog(data)["recon_mediation_rate"].required is False
    assert Indicator.model_validate({**rate, "required": False}).required is False


@pytest.mark.parametrize("level", ["city", "township"])
def test_the_readme_lists_what_each_level_must_report(level: str) -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(
        rf"<!-- required: {level} -->\n(.*?)<!-- /required: {level} -->", readme, re.S
    )
    assert block, f"data/README.md has no list of the figures a {level} must report"
    listed = re.findall(r"^- `([a-z0-9_]+)` (.+)$", block.group(1), re.M)
    expected = [(i.id, i.name) for i in load_catalog(DATA).required_for(level)]
    assert listed == expected
