"""Region, indicator catalogue and params files: the shipped ones are right, bad ones are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from annual_review.build.prepare import inputs_fingerprint
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.inputs.catalog import load_catalog
from annual_review.inputs.params import check_sections, load_params, parse_params
from annual_review.inputs.region import load_region

ROOT = Path(__file__).resolve().parents[1]
STREETS = "硖石街道 海洲街道 海昌街道 马桥街道".split()
TOWNS = "许村镇 长安镇 周王庙镇 丁桥镇 斜桥镇 黄湾镇 盐官镇 袁花镇".split()
TOWNSHIPS = [(n, "街道") for n in STREETS] + [(n, "镇") for n in TOWNS]
NEEDED = """recon_received recon_closed recon_mediated recon_mediation_rate recon_corrected
recon_correction_rate mediation_disputes mediation_settled mediation_success_rate
litigation_received litigation_concluded litigation_lost litigation_loss_rate head_appearance_rate
exam_pass_rate law_study_sessions leaders_reporting_law city_documents_reviewed
normative_documents_reviewed township_legality_reviews empowered_items legality_reviews
villages_with_adviser adviser_coverage recon_against litigation_against""".split()
DEMO = """code: "330999"\nname: 演示县\nslug: demo\nkind: 县\nparent: 演示市
townships:\n  - {name: 甲镇, kind: 镇, slug: jia}\n  - {name: 乙乡, kind: 乡, slug: yi}\n"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_region_has_the_twelve_townships():
    region = load_region(ROOT / "data", "haining")
    assert (region.city.name, region.city.level) == ("海宁市", "city")
    assert [(u.name, u.kind) for u in region.townships] == TOWNSHIPS
    assert {u.level for u in region.townships} == {"township"}
    slugs = [u.slug for u in region.units]
    assert len(set(slugs)) == 13 and all(re.fullmatch(r"[a-z][a-z0-9-]*", s) for s in slugs)
    with pytest.raises(InputError, match="unknown unit '袁花街道'") as caught:
        region.unit("袁花街道")
    assert all(name in str(caught.value) for name in ["海宁市", *STREETS, *TOWNS])


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("slug: yi}", "slug: jia}", "duplicate township slug: jia"),
        ("kind: 乡,", "kind: 村,", "townships.1.kind: Input should be"),
        ("kind: 镇,", "kind: 县级市,", "township 甲镇 (县级市) has a city kind"),
        ('code: "330999"', "code: [1,", "line 3: not valid YAML: expected ',' or ']'"),
        (
            "parent: 演示市",
            "parent: 演示市\nparent: 别市",
            "line 6: not valid YAML: found duplicate",
        ),
    ],
    ids=["duplicate-slug", "unknown-kind", "city-kind-township", "bad-yaml", "repeated-key"],
)
def test_bad_region_file_is_named(tmp_path, old, new, words):
    path = write(tmp_path / "regions" / "bad.yaml", DEMO.replace(old, new))
    with pytest.raises(InputError, match=re.escape(words)) as caught:
        load_region(tmp_path, "bad")
    assert path.as_posix() in str(caught.value)


@pytest.mark.parametrize(
    ("relative", "load"),
    [
        ("regions/demo.yaml", lambda root: load_region(root, "demo")),
        ("indicators.yaml", load_catalog),
        ("2024/haining.yaml", lambda root: load_params(root, 2024, "haining", "海宁市")),
    ],
    ids=["region", "catalogue", "params"],
)
def test_yaml_that_is_not_utf8_or_not_yaml_is_named(tmp_path, relative, load):
    path = write(tmp_path / relative, "")
    path.write_bytes("unit: 海宁市\n".encode("gbk"))
    with pytest.raises(InputError, match="line 1: not UTF-8 text") as caught:
        load(tmp_path)
    assert str(caught.value).startswith(path.as_posix())
    path.write_text("parts: [1,\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as caught:
        load(tmp_path)
    assert str(caught.value).startswith(path.as_posix())


def test_another_county_is_just_a_region_file(tmp_path):
    write(tmp_path / "regions" / "demo.yaml", DEMO)
    region = load_region(tmp_path, "demo")
    assert [u.name for u in region.units] == ["演示县", "甲镇", "乙乡"]
    assert region.unit("yi").level == "township" and region.city.level == "city"


def test_catalogue_has_every_needed_indicator_and_complete_formulas():
    catalog = load_catalog(ROOT / "data")
    assert [i for i in NEEDED if i not in catalog] == []
    for ind in catalog.indicators:
        fields = (ind.name, ind.measure, ind.part, ind.section, ind.direction, ind.applies_to)
        assert all(fields), ind.id
        if ind.derived:
            assert ind.numerator in catalog and ind.denominator in catalog, ind.id
    assert catalog["recon_mediation_rate"].denominator == "recon_closed"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"denominator": None}, "needs numerator and denominator"),
        ({"denominator": "recon_total"}, "unknown indicator 'recon_total'"),
    ],
)
def test_bad_catalogue_is_named(tmp_path, change, words):
    raw = yaml.safe_load((ROOT / "data" / "indicators.yaml").read_text(encoding="utf-8"))
    rate = next(i for i in raw["indicators"] if i["id"] == "recon_mediation_rate")
    rate.update(change)
    path = write(tmp_path / "indicators.yaml", yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(InputError, match=words) as caught:
        load_catalog(tmp_path)
    assert path.as_posix() in str(caught.value) and "recon_mediation_rate" in str(caught.value)


def test_all_shipped_params_validate():
    region = load_region(ROOT / "data", "haining")
    files = sorted((ROOT / "params" / "2024").glob("*.yaml"))
    assert sorted(p.stem for p in files) == sorted(u.slug for u in region.units)
    for unit in region.units:
        assert load_params(ROOT / "params", 2024, unit.slug, unit.name).unit == unit.name
    city = load_params(ROOT / "params", 2024, "haining", "海宁市")
    ids = [p.id for p in city.plans]
    assert len(city.shortcomings) >= 3 and len(ids) >= 4 and len(set(ids)) == len(ids)


CITY_PARAMS = (ROOT / "params" / "2024" / "haining.yaml").read_text(encoding="utf-8")


def changed(**fields) -> str:
    raw = yaml.safe_load(CITY_PARAMS)
    raw.update(fields)
    return yaml.safe_dump({k: v for k, v in raw.items() if v is not None}, allow_unicode=True)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (changed(summary="x"), "summary", "Extra inputs are not permitted"),
        (changed(shortcomings="没有不足"), "shortcomings", "should be a valid list"),
        (changed(plans=None), "plans", "Field required"),
        (changed(plans=[{"id": "p1", "title": "t", "detail": "d"}] * 2), "plans", "p1 重复"),
    ],
    ids=["unknown", "type", "missing", "duplicate-id"],
)
def test_bad_params_name_file_and_field(text, field, words):
    with pytest.raises(InputError, match=f"field {field}: ") as caught:
        parse_params(text, source="params/2024/haining.yaml")
    assert caught.value.problems == [p for p in caught.value.problems if words in p]
    assert str(caught.value).startswith(f"params/2024/haining.yaml: field {field}: ")


@pytest.mark.parametrize(
    ("fields", "field"), [({"year": 2023}, "year"), ({"unit": "许村镇"}, "unit")]
)
def test_params_must_match_their_place(tmp_path, fields, field):
    path = write(tmp_path / "2024" / "haining.yaml", changed(**fields))
    with pytest.raises(InputError, match=f"field {field} is") as caught:
        load_params(tmp_path, 2024, "haining", "海宁市")
    assert path.as_posix() in str(caught.value)


def test_repeated_params_key_is_an_error():
    text = CITY_PARAMS + "intro: 第二段导语\n"
    line = text.count("\n")
    with pytest.raises(InputError, match="found duplicate key 'intro'") as caught:
        parse_params(text, source="params/2024/haining.yaml")
    assert str(caught.value).startswith(f"params/2024/haining.yaml, line {line}: ")


def test_misspelt_section_is_named(tmp_path):
    raw = yaml.safe_load(CITY_PARAMS)
    raw["sections"]["leadershp"] = raw["sections"].pop("leadership")
    path = write(tmp_path / "2024" / "haining.yaml", yaml.safe_dump(raw, allow_unicode=True))
    ids = {s.id for s in load_catalog(ROOT / "data").sections}
    params = load_params(tmp_path, 2024, "haining", "海宁市")  # no ids given: not checked
    expected = f"{path.as_posix()}: field sections.leadershp: unknown section; known: business, "
    [message] = check_sections(params, ids, source=path.as_posix())
    assert message.startswith(expected) and "leadership" in message
    with pytest.raises(InputError) as caught:
        load_params(tmp_path, 2024, "haining", "海宁市", section_ids=ids)
    assert caught.value.problems == [message]
    city = load_params(ROOT / "params", 2024, "haining", "海宁市", section_ids=ids)
    assert check_sections(city, ids, source="x") == []


def test_a_regions_fingerprint_covers_its_own_params_only(project: Path) -> None:
    """Another region's params leave a region's checked inputs valid; its own do not."""
    proj = Project(project)

    def print_() -> str:
        return inputs_fingerprint(proj, 2024, "haining", {}, "lib")

    first = print_()
    (project / "params" / "2024" / "another-county.yaml").write_text("unit: 别处\n", "utf-8")
    assert print_() == first
    own = project / "params" / "2024" / "huangwan.yaml"
    text = own.read_text("utf-8")
    own.unlink()
    assert print_() != first  # a unit's params going missing counts
    own.write_text(text + "\n", "utf-8")
    assert print_() != first
    own.write_text(text, "utf-8")
    assert print_() == first
