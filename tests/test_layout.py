"""Where outputs go (``outputs/<region>/<year>/`` whatever the number of regions), how the
region of a command is chosen, the front door ``outputs/index.html``, and two regions
sharing a township slug."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from annual_review.cli import main
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.publish.front_door import front_door_html

DEMO_REGION = """\
code: "330999"
name: 示例市
slug: demo
kind: 县级市
parent: 嘉兴市
townships:
  - {name: 海昌镇, kind: 镇, slug: haichang}
  - {name: 示例镇, kind: 镇, slug: shili}
"""


def add_demo_region(root: Path) -> None:
    """A second region: 示例市 with 海昌镇 (slug ``haichang``, as Haining's 海昌街道) and
    示例镇.

    Its rows are Haining's rows of 海昌街道 and 硖石街道 (one figure changed) and of the
    city (its sum of the townships recomputed); its params are copies of theirs, kept in
    its own folder ``params/demo/2024/`` since the two ``haichang`` differ in name.
    """
    (root / "data" / "regions" / "demo.yaml").write_text(DEMO_REGION, encoding="utf-8")
    with open(root / "data" / "values" / "haining.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = {"海宁市": "示例市", "海昌街道": "海昌镇", "硖石街道": "示例镇"}
    demo = [{**r, "unit": names[r["unit"]]} for r in rows if r["unit"] in names]
    for row in demo:
        if (row["year"], row["unit"], row["indicator"]) == (
            "2024",
            "海昌镇",
            "mediation_settled",
        ):
            row["value"] = "539"  # Haining's 海昌街道 settled 540
    totals: dict[str, int] = {}
    for row in demo:
        if row["unit"] != "示例市" and row["indicator"] == "legality_reviews":
            totals[row["year"]] = totals.get(row["year"], 0) + int(row["value"])
    for row in demo:
        if row["unit"] == "示例市" and row["indicator"] == "township_legality_reviews":
            row["value"] = str(totals[row["year"]])
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(demo)
    (root / "data" / "values" / "demo.csv").write_text(out.getvalue(), encoding="utf-8")
    params = root / "params" / "2024"
    own = root / "params" / "demo" / "2024"
    own.mkdir(parents=True)
    for source, target, old, new in [
        ("haining", "demo", "海宁市", "示例市"),
        ("xiashi", "shili", "硖石街道", "示例镇"),
        ("haichang", "haichang", "海昌街道", "海昌镇"),
    ]:
        text = (params / f"{source}.yaml").read_text(encoding="utf-8")
        (own / f"{target}.yaml").write_text(text.replace(old, new), encoding="utf-8")


def printed_paths(text: str) -> list[str]:
    """Every ``outputs/...`` path a command printed."""
    return [m.rstrip("/.,;:)") for m in re.findall(r"outputs/[^\s,;:)]+", text)]


# Fast checks: layout, region choice, front door.


def test_outputs_go_to_region_then_year(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.year_dir(2024, "haining") == tmp_path / "outputs" / "haining" / "2024"
    assert project.cache_dir == tmp_path / "outputs" / ".cache"
    assert project.front_door == tmp_path / "outputs" / "index.html"


def test_the_only_region_file_is_the_default(project: Path) -> None:
    assert Project(project).default_region() == "haining"
    assert Project(project).select_regions(None) == ["haining"]
    assert Project(project).select_regions("all") == ["haining"]


def test_several_regions_need_a_choice_or_a_project_default(project: Path, capsys) -> None:
    (project / "data" / "regions" / "demo.yaml").write_text(DEMO_REGION, encoding="utf-8")
    with pytest.raises(InputError, match="regions: demo, haining"):
        Project(project).default_region()
    assert main(["--project", str(project), "check", "--year", "2024"]) == 2
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "regions: demo, haining" in line]
    with pytest.raises(InputError, match=r"--region nowhere: no data/regions/nowhere\.yaml"):
        Project(project).select_regions("nowhere")
    assert Project(project).select_regions("all") == ["demo", "haining"]
    (project / "annual-review.yaml").write_text("default_region: haining\n", encoding="utf-8")
    assert Project(project).default_region() == "haining"
    (project / "annual-review.yaml").write_text("default_region: nowhere\n", encoding="utf-8")
    with pytest.raises(InputError, match="default_region 'nowhere' has no region file"):
        Project(project).default_region()
    (project / "annual-review.yaml").write_text("default_regoin: haining\n", encoding="utf-8")
    with pytest.raises(InputError, match="only default_region"):
        Project(project).default_region()


def test_the_front_door_lists_each_region_and_year_escaped_and_self_contained(
    tmp_path: Path,
) -> None:
    project = Project(tmp_path)
    assert "尚未生成任何报告" in front_door_html(project)
    for region, year, status in [("haining", 2024, "ok"), ("demo", 2025, "failed")]:
        folder = project.year_dir(year, region)
        (folder / "site").mkdir(parents=True)
        (folder / "site" / "index.html").write_text("<p>x</p>", encoding="utf-8")
        manifest = {
            "built_at": "2025-03-01T09:30:00+08:00",
            "region_name": "<script>alert(1)</script>",
            "title": f"{region}{year}年法治政府建设年度报告",
            "units": {"a": {"status": "ok"}, "b": {"status": status}},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "outputs" / "2023").mkdir()  # an older layout's folder is not listed
    html = front_door_html(project)
    assert '<html lang="zh-CN">' in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "@import" not in html
    assert html.index("demo/2025/site/index.html") < html.index("haining/2024/site/index.html")
    assert "2025-03-01 09:30" in html and "1个单位生成失败" in html and "全部生成" in html
    assert "2023" not in html


# A real build of two regions sharing a township slug.


@pytest.mark.slow
def test_a_region_with_a_params_folder_of_its_own_reads_and_writes_there(
    project: Path, capsys
) -> None:
    from annual_review.inputs.checks import check_inputs

    add_demo_region(project)
    demo = check_inputs(Project(project), 2024, "demo")
    haining = check_inputs(Project(project), 2024, "haining", units=["haichang"])
    assert demo.params_folder == "params/demo" and haining.params_folder == "params"
    assert "海昌镇" in demo.params_text["haichang"]
    assert "海昌镇" not in haining.params_text["haichang"]
    root = ["--project", str(project)]
    assert main([*root, "new-year", "--year", "2025", "--region", "demo"]) == 0
    assert "written: params/demo/2025/haichang.yaml" in capsys.readouterr().out
    assert sorted(p.name for p in (project / "params" / "demo" / "2025").iterdir()) == [
        "demo.yaml",
        "haichang.yaml",
        "shili.yaml",
    ]
    assert not any((project / "params" / "2025" / f"{s}.yaml").exists() for s in ("demo", "shili"))


def test_two_regions_sharing_a_township_slug_both_build(project: Path, capsys) -> None:
    add_demo_region(project)
    root = ["--project", str(project)]
    assert main([*root, "build", "--year", "2024", "--region", "all", "--no-word"]) == 0
    out, err = capsys.readouterr()
    shown = printed_paths(out + err)
    assert "outputs/demo/2024/site/index.html" in shown
    assert "outputs/haining/2024/site/index.html" in shown
    assert "outputs/index.html" in shown
    for path in shown:
        assert (project / path).exists(), path

    outputs = project / "outputs"
    for region, units in [("demo", 3), ("haining", 13)]:
        year = outputs / region / "2024"
        manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["units"]) == units and manifest["status"] == "ok"
        assert manifest["region"] == region and manifest["year"] == 2024
        assert (year / "logs" / "haichang.log").is_file()
        assert (year / "notebooks" / "haichang.ipynb").is_file()
        assert (year / "review.html").is_file()
    runs = {p.name.rsplit("-", 1)[0] for p in (outputs / ".cache" / "runs").glob("*.ipynb")}
    assert {"2024-demo-haichang", "2024-haining-haichang"} <= runs
    demo_page = (outputs / "demo/2024/site/haichang.html").read_text(encoding="utf-8")
    haining_page = (outputs / "haining/2024/site/haichang.html").read_text(encoding="utf-8")
    assert "行政调解成功539起" in demo_page and "行政调解成功540起" in haining_page
    assert "示例市" in demo_page and "示例市" not in haining_page
    assert "海昌镇2024年" in demo_page and "海昌镇" not in haining_page
    assert "海昌街道2024年" in haining_page
    assert not (outputs / "2024").exists()

    door = (outputs / "index.html").read_text(encoding="utf-8")
    assert 'href="demo/2024/site/index.html"' in door
    assert 'href="haining/2024/site/index.html"' in door

    # publish honours --region and prints paths that exist
    assert main([*root, "publish", "--year", "2024", "--region", "demo", "--format", "quarto"]) == 0
    out = capsys.readouterr().out
    assert printed_paths(out) == ["outputs/demo/2024/quarto"]
    assert (outputs / "demo/2024/quarto/_quarto.yml").is_file()

    # a build of one region keeps the other listed at the front door; nothing re-runs
    library = json.loads((outputs / "demo/2024/manifest.json").read_text("utf-8"))
    assert main([*root, "build", "--year", "2024", "--region", "demo", "--no-word"]) == 0
    out, err = capsys.readouterr()
    rebuilt = json.loads((outputs / "demo/2024/manifest.json").read_text("utf-8"))
    if rebuilt["library_fingerprint"] == library["library_fingerprint"]:  # no edit meanwhile
        assert "3 units, 3 unchanged" in err
    assert "outputs/haining/2024/site/index.html" not in printed_paths(out)
    assert 'href="haining/2024/site/index.html"' in (outputs / "index.html").read_text("utf-8")
    shutil.rmtree(outputs / "demo")
    assert main([*root, "build", "--year", "2024", "--region", "haining", "--no-word"]) == 0
    assert "demo/2024" not in (outputs / "index.html").read_text(encoding="utf-8")
