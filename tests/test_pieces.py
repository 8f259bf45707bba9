"""Fast tests of the run and publish pieces that whole builds otherwise reach: the rows a
run receives, notebook normalisation, the output sink, the site writer, page cache keys,
the file primitives, and a Word conversion that fails staying with its unit."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import nbformat
import pytest
from annual_review.core.errors import AnnualReviewError, CellTimeout, InputError
from annual_review.core.files import replace_folder, write_atomic, write_if_changed
from annual_review.core.layout import Project
from annual_review.inputs.region import load_region
from annual_review.inputs.values_file import COLUMNS, rows_of_unit
from annual_review.publish.pages import PageSource, SiteJob, publish_sites
from annual_review.publish.site import NavLink, SiteWriter
from annual_review.runs.cells import OutputSink
from annual_review.runs.normalise import normalise_notebook
from annual_review.runs.plan import RunSpec, plan_runs

from .conftest import ROOT, copy_project

# ── the rows a run receives ───────────────────────────────────────────


def reorder_columns(path: Path, order: list[str], *, source_suffix: str = "") -> None:
    """Rewrite a values file with its columns in ``order`` (and sources changed)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=order, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "source": row["source"] + source_suffix})
    path.write_text(out.getvalue(), encoding="utf-8")


def township_rows(project: Path, unit: str) -> list[dict[str, str]]:
    region = load_region(project / "data", "haining")
    spec = next(
        s
        for s in plan_runs(Project(project), region, region.units, 2024, "lib", _params(region))
        if s.unit_name == unit
    )
    text = spec.inputs["data/values/haining.csv"].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _params(region) -> dict[str, dict]:
    return {u.slug: {"year": 2024, "unit": u.name} for u in region.units}


def test_a_township_run_gets_exactly_its_rows_in_any_column_order(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    original = township_rows(project, "盐官镇")
    assert original and {r["unit"] for r in original} == {"盐官镇"}
    reorder_columns(project / "data/values/haining.csv", list(reversed(COLUMNS)))
    reordered = township_rows(project, "盐官镇")
    assert reordered == original  # same rows, same values, whatever the file's order


def test_a_quoted_line_break_in_a_source_stays_inside_its_row(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    reorder_columns(project / "data/values/haining.csv", COLUMNS, source_suffix="\n（续）")
    rows = township_rows(project, "盐官镇")
    assert rows and all(r["source"].endswith("\n（续）") for r in rows)
    assert {r["unit"] for r in rows} == {"盐官镇"}


def test_rows_of_unit_keeps_the_header_for_a_unit_with_no_rows() -> None:
    text = "year,unit,indicator,value,source,illustrative\n2024,甲镇,a,1,x,false\n"
    assert rows_of_unit(text, "乙镇") == "year,unit,indicator,value,source,illustrative\n"


# ── normalising an executed notebook ──────────────────────────────────


RUN_DIR = Path(tempfile.gettempdir()) / "annual-review-run-123"  # a run's temporary folder


def executed(start: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {
        "start_time": start,
        "end_time": start,
        "duration": 1.5,
        "input_path": str(RUN_DIR / "notebooks" / "township.ipynb"),
        "output_path": str(RUN_DIR / "executed.ipynb"),
        "environment_variables": {"HOME": str(Path.home())},
    }
    injected = nbformat.v4.new_code_cell("unit = '盐官镇'")
    injected.metadata["tags"] = ["injected-parameters"]
    injected.metadata["papermill"] = {"start_time": start, "status": "completed"}
    injected.metadata["execution"] = {"iopub.status.busy": start}
    injected.id = f"random-{start[-2:]}"  # papermill's injected cell gets a new id each run
    nb.cells = [injected, nbformat.v4.new_code_cell("1 + 1")]
    nb.cells[1].id = "cell-01"
    return nbformat.writes(nb).encode()


def test_normalised_notebooks_of_two_runs_are_the_same_bytes() -> None:
    spec = RunSpec(2024, "盐官镇", "yanguan", "township.ipynb", {}, {}, output_path="o/y.ipynb")
    first = normalise_notebook(executed("2024-01-01T00:00:01"), spec)
    second = normalise_notebook(executed("2025-06-30T12:00:59"), spec)
    assert first == second
    nb = json.loads(first)
    assert nb["metadata"]["papermill"] == {
        "input_path": "notebooks/township.ipynb",
        "output_path": "o/y.ipynb",
    }
    assert [c["id"] for c in nb["cells"]] == ["injected-parameters", "cell-01"]
    assert str(RUN_DIR).encode() not in first and str(Path.home()).encode() not in first


# ── the output sink of the in-process shell ───────────────────────────


def test_the_sink_joins_streams_and_clears_on_the_next_output() -> None:
    sink = OutputSink()
    sink.stream("stdout", "a")
    sink.stream("stdout", "b")
    sink.stream("stderr", "!")
    sink.clear(wait=True)
    assert len(sink.outputs) == 2  # clear_output(wait=True) waits for the next output
    sink.display({"text/plain": "x"}, None)
    assert sink.take() == [
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    ]


def test_update_display_replaces_in_this_cell_and_in_earlier_ones() -> None:
    sink = OutputSink()
    sink.display({"text/plain": "1"}, None, display_id="progress")
    sink.update({"text/plain": "2"}, None, "progress")
    first = sink.take()
    assert [o["data"]["text/plain"] for o in first] == ["2"]
    sink.stream("stdout", "next cell\n")
    sink.update({"text/plain": "3"}, {"m": 1}, "progress")
    second = sink.take()
    assert [o["output_type"] for o in second] == ["stream"]
    assert sink.take_updates() == [
        (0, 0, {"output_type": "display_data", "data": {"text/plain": "3"}, "metadata": {"m": 1}})
    ]
    sink.update({"text/plain": "?"}, None, "never-shown")  # like Jupyter: nothing to update
    sink.display({"text/plain": "gone"}, None, display_id="cleared")
    sink.clear(wait=False)
    sink.take()
    sink.update({"text/plain": "?"}, None, "cleared")  # cleared before its cell ended
    assert sink.take() == [] and sink.take_updates() == []


# ── the site writer and page cache ────────────────────────────────────


def test_the_site_writer_swaps_in_whole_sites_and_leaves_the_live_one_on_failure(
    tmp_path: Path,
) -> None:
    with SiteWriter(tmp_path) as writer:
        writer.add("index.html", "一")
    live = tmp_path / "site"
    assert live.is_symlink() and (live / "index.html").read_text(encoding="utf-8") == "一"
    with pytest.raises(KeyError), SiteWriter(tmp_path) as writer:
        writer.add("index.html", "二")
        raise KeyError("a page failed")
    assert (live / "index.html").read_text(encoding="utf-8") == "一"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-staging")] == []
    with SiteWriter(tmp_path) as writer:
        writer.add("index.html", "二")
    assert (live / "index.html").read_text(encoding="utf-8") == "二"
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("site-")]) == 1


def page_notebook(text: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.id = "only-cell"
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f"<h1>{text}</h1>"})]
    nb.cells = [cell]
    return nbformat.writes(nb).encode()


def test_unchanged_pages_are_reused_and_a_changed_one_is_rendered(tmp_path: Path) -> None:
    nav = [NavLink("a", "index.html", "甲"), NavLink("b", "b.html", "乙")]

    def job(b_text: str) -> SiteJob:
        sources = [
            PageSource("a", "index.html", "甲报告", content=page_notebook("甲")),
            PageSource("b", "b.html", "乙报告", content=page_notebook(b_text)),
        ]
        return SiteJob(sources, "测试站点", nav, tmp_path / "year")

    cache = tmp_path / "cache"
    first = publish_sites([job("乙")], cache_dir=cache, characters="甲乙报告测试站点")[0]
    again = publish_sites([job("乙")], cache_dir=cache, characters="甲乙报告测试站点")[0]
    changed = publish_sites([job("丙")], cache_dir=cache, characters="甲乙丙报告测试站点")[0]
    assert [p.reused for p in first] == [False, False]
    assert [p.reused for p in again] == [True, True]
    # a new character changes the shared font, so both pages are drawn again with it
    assert [p.reused for p in changed] == [False, False]
    assert "丙" in (tmp_path / "year" / "site" / "b.html").read_text(encoding="utf-8")
    same_font = publish_sites([job("乙")], cache_dir=cache, characters="甲乙丙报告测试站点")[0]
    assert [p.reused for p in same_font] == [True, False]


# ── file primitives and errors ────────────────────────────────────────


def test_write_atomic_keeps_permissions_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["values.csv"]
    mtime = path.stat().st_mtime_ns
    assert write_if_changed(path, b"new") is False and path.stat().st_mtime_ns == mtime
    assert write_if_changed(path, b"newer") is True and path.read_bytes() == b"newer"


def test_replace_folder_swaps_a_whole_folder(tmp_path: Path) -> None:
    out, staging = tmp_path / "book", tmp_path / ".book.new"
    out.mkdir()
    (out / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    replace_folder(staging, out)
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book"]


def test_every_known_failure_is_one_family() -> None:
    assert issubclass(InputError, AnnualReviewError) and InputError.exit_code == 2
    assert issubclass(CellTimeout, TimeoutError) and issubclass(CellTimeout, AnnualReviewError)
    with pytest.raises(TimeoutError):
        raise CellTimeout("cell 3 did not finish within 1 s")


# ── a Word conversion that fails stays with its unit ──────────────────


@pytest.mark.slow
def test_a_failed_word_conversion_fails_its_unit_only(tmp_path: Path, monkeypatch) -> None:
    """pandoc fails on one unit's page (a wrapper around the real pandoc): that unit fails,
    the others get their Word files, the manifest says why, the build goes on."""
    import pypandoc
    from annual_review.cli import main

    project = copy_project(tmp_path / "p")
    wrapper = tmp_path / "pandoc"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then exec "{pypandoc.get_pandoc_path()}" "$@"; fi\n'
        "input=$(cat)\n"
        'case "$input" in *盐官镇2024年法治政府建设年度报告*)\n'
        '  echo "pandoc: cannot convert this page" >&2; exit 1;;\nesac\n'
        f'printf "%s" "$input" | exec "{pypandoc.get_pandoc_path()}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PYPANDOC_PANDOC", str(wrapper))  # read by the build's workers
    code = main(["--project", str(project), "build", "--year", "2024", "--quiet"])
    assert code == 1
    year = project / "outputs" / "haining" / "2024"
    manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    failed = {s for s, u in manifest["units"].items() if u["status"] == "failed"}
    assert failed == {"yanguan"}
    assert manifest["units"]["yanguan"]["error"].startswith("Word: ")
    assert (year / "site" / "yanguan.html").is_file()  # the page is published all the same
    assert "Traceback" in (year / "logs" / "yanguan.word.log").read_text(encoding="utf-8")
    docx = sorted(p.name for p in year.glob("*.docx"))
    assert len(docx) == 12 and not any(name.startswith("盐官镇") for name in docx)


def test_rows_of_unit_keep_their_line_of_the_project_file() -> None:
    text = (ROOT / "data" / "values" / "haining.csv").read_text(encoding="utf-8")
    cut = rows_of_unit(text, "盐官镇")
    original = text.splitlines()
    kept = cut.splitlines()
    rows = [n for n, line in enumerate(kept, 1) if line]
    assert len(rows) == 1 + sum(1 for line in original if ",盐官镇," in line)
    assert all(kept[n - 1] == original[n - 1] for n in rows)
