"""Hostile inputs: names that are paths or markup, YAML bombs and tags, bad ``-p`` values,
huge or broken CSV. Each is refused with InputError: one short line per problem naming
the file or field, quickly, with no traceback, nothing written and the inputs unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from annual_review.core.errors import InputError
from annual_review.inputs.parameters import parse_parameters
from annual_review.inputs.region import load_region, region_file

from .conftest import ROOT

MAX_LINE = 300
QUICK = 20.0  # seconds any refusal may take
CHECK = ("check", "--year", "2024")

BOMB = "bomb0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"bomb{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 9)
)


# ── helpers ──────────────────────────────────────────────────────────────────────


def snapshot(project: Path) -> dict[str, str]:
    """A hash of every input file, to show a refusal changed nothing."""
    return {
        p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("data", "params", "notebooks")
        for p in sorted((project / folder).rglob("*"))
        if p.is_file()
    }


def short_lines(text: str, project: Path | None = None) -> list[str]:
    """The problem lines, each checked to be short once the project's path is dropped."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        shown = line.replace(f"{project.as_posix()}/", "") if project else line
        assert len(shown) < MAX_LINE, shown[:400]
        assert "Traceback" not in line
    return lines


def check(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    """Run ``check --year 2024`` in-process; it must exit 2 quickly with short lines,
    write nothing and leave the inputs as they were. Returns the problem lines."""
    from annual_review.cli import main

    before = snapshot(project)
    start = time.monotonic()
    code = main(["--project", str(project), "check", "--year", "2024", *extra])
    took = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 2, err[-2000:]
    assert took < QUICK, f"refusal took {took:.1f} s"
    assert not (project / "outputs").exists()
    assert snapshot(project) == before
    lines = short_lines(err, project)
    assert lines[0] == "bad input:"
    return [line.replace(f"{project.as_posix()}/", "") for line in lines[1:]]


def cli_check(project: Path) -> str:
    """Run ``python -m annual_review.cli ... check`` as a process; exit 2, no traceback."""
    before = snapshot(project)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    done = subprocess.run(
        [sys.executable, "-m", "annual_review.cli", *("--project", str(project)), *CHECK],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert not (project / "outputs").exists() and snapshot(project) == before
    short_lines(done.stderr, project)
    return done.stderr


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def rename_township(project: Path, new: str, old: str = "盐官镇") -> None:
    """Rename a township everywhere it is named: region, values and its params."""
    region = project / "data" / "regions" / "haining.yaml"
    quoted = json.dumps(new, ensure_ascii=False)  # a YAML double-quoted string
    edit(region, lambda t: t.replace(f"{{name: {old},", f"{{name: {quoted},"))
    edit(project / "data" / "values" / "haining.csv", lambda t: t.replace(old, new))
    edit(
        project / "params" / "2024" / "yanguan.yaml",
        lambda t: t.replace(f"unit: {old}", f"unit: {quoted}"),
    )


def set_value(project: Path, indicator: str, unit: str, value: str) -> None:
    """Change the 2024 value of one row of the values file."""

    def change(text: str) -> str:
        lines = text.splitlines(keepends=True)
        for n, line in enumerate(lines):
            fields = line.split(",")
            if fields[:3] == ["2024", unit, indicator]:
                fields[3] = value
                lines[n] = ",".join(fields)
                return "".join(lines)
        raise AssertionError(f"no row {unit} {indicator}")

    edit(project / "data" / "values" / "haining.csv", change)


PARAMS = Path("params") / "2024" / "yanguan.yaml"


# ── names ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../../../../elsewhere/PWN", "path separator"),
        ("盐官镇</title><script>alert(1)</script>", "markup character"),
        ("盐官\u202e镇", "U+202E"),
        ("盐官\u2066镇", "U+2066"),
        ("盐官..镇", "'..'"),
        ("盐" * 200, "at most 40 characters"),
    ],
    ids=["path", "markup", "bidi", "isolate", "dots", "long"],
)
def test_township_names_that_are_paths_or_markup_are_refused(project, capsys, name, words):
    rename_township(project, name)
    lines = check(project, capsys)
    assert any(
        "data/regions/haining.yaml: field townships." in line and words in line for line in lines
    ), lines


@pytest.mark.parametrize(
    ("slug", "words"),
    [("../x", "pattern"), ("Yanguan", "pattern"), ("y" * 41, "pattern"), ("a/b", "pattern")],
)
def test_township_slugs_are_plain_ascii(project, capsys, slug, words):
    edit(
        project / "data/regions/haining.yaml",
        lambda t: t.replace("slug: yanguan", f"slug: {slug!r}"),
    )
    lines = check(project, capsys)
    assert any("field townships.10.slug" in line and words in line for line in lines), lines


def test_region_name_with_a_path_is_refused(project, capsys):
    edit(
        project / "data/regions/haining.yaml",
        lambda t: t.replace("name: 海宁市", "name: ../海宁市"),
    )
    assert any(
        "field name: " in line and "path separator" in line for line in check(project, capsys)
    )


def test_a_region_slug_must_be_its_file_name(project, capsys):
    edit(project / "data/regions/haining.yaml", lambda t: t.replace("slug: haining", "slug: other"))
    lines = check(project, capsys)
    assert (
        lines
        == [
            "data/regions/haining.yaml: field slug: 'other' must be the file's name,"
            " 'haining' (rename the file or change the slug)"
        ]
        or "must be the file's name" in lines[0]
    ), lines


@pytest.mark.parametrize("slug", ["../../x", "/abs/path", "haining/../haining", "Haining", ""])
def test_region_file_takes_only_a_slug_of_data_regions(project, slug):
    with pytest.raises(InputError, match="is not a region slug") as caught:
        region_file(project / "data", slug)
    short_lines(str(caught.value))
    assert region_file(project / "data", "haining").name == "haining.yaml"
    with pytest.raises(InputError, match="region file missing; regions: haining"):
        region_file(project / "data", "elsewhere")


def test_a_region_file_named_other_than_a_slug_is_refused(project):
    (project / "data/regions/haining.yaml").rename(project / "data/regions/Bad Name.yaml")
    with pytest.raises(InputError, match="is not a region slug"):
        load_region(project / "data", "Bad Name")


def test_params_unit_with_a_path_is_refused(project, capsys):
    edit(project / PARAMS, lambda t: t.replace("unit: 盐官镇", "unit: ../盐官镇"))
    lines = check(project, capsys)
    assert any(line.startswith("params/2024/yanguan.yaml: field unit:") for line in lines), lines


def test_values_unit_that_is_a_path_or_huge_is_named_short(project, capsys):
    edit(
        project / "data/values/haining.csv", lambda t: t.replace("2024,盐官镇,", "2024,../../x,", 1)
    )
    edit(
        project / "data/values/haining.csv",
        lambda t: t.replace("2024,袁花镇,", f"2024,{'袁' * 100_000},", 1),
    )
    lines = check(project, capsys)
    assert any("unknown unit '../../x'" in line for line in lines), lines
    assert any("unknown unit '袁袁袁" in line for line in lines), lines


# ── YAML ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "where", ["params/2024/yanguan.yaml", "data/regions/haining.yaml", "data/indicators.yaml"]
)
def test_alias_bombs_are_refused_before_they_expand(project, capsys, where):
    edit(project / where, lambda t: BOMB + t)
    lines = check(project, capsys)
    assert any(
        line.startswith(f"{where}, line ") and "expand to more than 100,000 items" in line
        for line in lines
    ), lines


def test_alias_bomb_in_a_process_ends_with_exit_2(project):
    edit(project / PARAMS, lambda t: BOMB + t)
    assert "expand to more than 100,000 items" in cli_check(project)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x: !!python/object/apply:os.system [echo hi]\n", "could not determine a constructor"),
        ("x: !!python/name:os.system\n", "could not determine a constructor"),
        ("x: " + "[" * 1000 + "]" * 1000 + "\n", "nested"),
        ("x: " + "1" * 5000 + "\n", "a value cannot be read"),
        (f"{'k' * 1000}: 1\n{'k' * 1000}: 2\n", "found duplicate key"),
        (f"{'k' * 50_000}: 1\n", "not valid YAML"),
        ("x: " + "长" * 1_100_000 + "\n", "MB allowed"),
    ],
    ids=["object-tag", "name-tag", "deep", "long-int", "dup-key", "huge-key", "huge-scalar"],
)
def test_hostile_yaml_in_params_is_one_short_line(project, capsys, text, words):
    edit(project / PARAMS, lambda t: text + t)
    lines = check(project, capsys)
    assert any(line.startswith("params/2024/yanguan.yaml") and words in line for line in lines), (
        lines
    )


def test_binary_junk_params_are_not_utf8(project, capsys):
    (project / PARAMS).write_bytes(bytes(range(256)) * 8)
    lines = check(project, capsys)
    assert any("params/2024/yanguan.yaml" in line and "not UTF-8" in line for line in lines), lines


@pytest.mark.parametrize("name", ["data_dir", "params_dir", "year", "unit", "region"])
def test_params_cannot_set_what_the_build_sets(project, capsys, name):
    edit(project / PARAMS, lambda t: t + f"parameters:\n  {name}: /elsewhere\n")
    lines = check(project, capsys)
    assert any("field parameters" in line and f"{name} cannot be given" in line for line in lines)


def test_a_huge_section_key_is_shown_short(project, capsys):
    edit(project / PARAMS, lambda t: t.replace("  decisions:\n", f"  {'d' * 1000}:\n", 1))
    assert any("unknown section" in line for line in check(project, capsys))


# ── -p NAME=VALUE ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ("x=[", "not valid YAML"),
        ("x=!!python/name:os.system", "could not determine a constructor"),
        ("x=!!python/object/apply:os.system [ls]", "could not determine a constructor"),
        ("data_dir=2024-01-01", "data_dir cannot be given"),
        ("data_dir=[&a [1, 2], *a]", "data_dir cannot be given"),
        ("x=[&a [1, 2], *a, *a]", "anchors and aliases"),
        ("data_dir=/elsewhere", "data_dir cannot be given"),
        ("params_dir=../../x", "params_dir cannot be given"),
        ("unit=盐官镇", "unit cannot be given"),
        ("year=2024", "year cannot be given"),
        ("region=haining", "region cannot be given"),
        ("x=" + "a" * 10_000, "more than the 4,000 allowed"),
        ("x=" + "[" * 100 + "]" * 100, "nested more than 40"),
        ("x=!!binary aGVsbG8=", "not plain data"),
        ("x=!!timestamp 2024-01-01", "not plain data"),
        ("x=.inf", "not a finite number"),
        ("1x=2", "Python identifier"),
        ("class=2", "Python identifier"),
        ("novalue", "expected NAME=VALUE"),
        ("x=a\x00b", "NUL"),
    ],
)
def test_bad_parameters_are_one_line_naming_the_item(item, words):
    start = time.monotonic()
    with pytest.raises(InputError) as caught:
        parse_parameters(["ok=1", item])
    assert time.monotonic() - start < 1
    lines = short_lines(str(caught.value))
    assert len(lines) == 1 and lines[0].startswith("-p '") and words in lines[0], lines


def test_good_parameters_keep_their_yaml_types():
    given = ["threshold=2024", "ratio=0.5", "on=true", "labels=[a, b]", "day=2025-02-20", "note="]
    assert parse_parameters(given) == {
        "threshold": 2024,
        "ratio": 0.5,
        "on": True,
        "labels": ["a", "b"],
        "day": "2025-02-20",
        "note": "",
    }


def test_every_bad_parameter_is_listed():
    with pytest.raises(InputError) as caught:
        parse_parameters(["x=[", "data_dir=/x", "y=1"])
    assert len(caught.value.problems) == 2


# ── CSV ───────────────────────────────────────────────────────────────────────────

VALUES = Path("data") / "values" / "haining.csv"
HEADER = "year,unit,indicator,value,source,illustrative\n"


def test_a_million_row_values_file_is_refused_quickly_and_small(project):
    rows = "".join(f"2024,x{i % 1000},y,1,s,false\n" for i in range(1_000_000))
    (project / VALUES).write_text(HEADER + rows, encoding="utf-8")
    probe = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from annual_review.core.errors import InputError\n"
        "from annual_review.inputs.values import read_values_csv\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    read_values_csv(Path(sys.argv[1]))\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
        "print(time.monotonic() - start)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(project / VALUES)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    message, seconds, max_kb = done.stdout.splitlines()
    assert "more than 100,000 rows" in message, done.stdout + done.stderr
    assert float(seconds) < QUICK
    assert int(max_kb) < 1_000_000, f"{int(max_kb) / 1000:.0f} MB"  # seen: ~250 MB


def test_a_values_file_over_the_size_limit_is_not_read(project, capsys):
    with (project / VALUES).open("a", encoding="utf-8") as handle:
        handle.truncate(31_000_000)
    lines = check(project, capsys)
    assert any(
        "data/values/haining.csv: 31.0 MB, more than the 30 MB allowed" in line for line in lines
    )


def test_many_bad_rows_are_counted_not_listed(project, capsys):
    bad = "".join(f"2024,盐官镇,unknown_{i},1,s,false\n" for i in range(5_000))
    edit(project / VALUES, lambda t: t + "\n" + bad)
    lines = check(project, capsys)
    from_values = [line for line in lines if line.startswith("data/values/haining.csv")]
    assert len(from_values) == 100
    assert "… and 4,900 more problems" in lines


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b.replace(b"2024,", b"2024\x00,", 1), b"holds a NUL byte"),
        (lambda b: b.decode("utf-8").encode("gb18030"), b"not UTF-8 text"),
        (lambda b: b + b'\n2024,"unclosed,x,1,s,false\n', b"line 311"),
        (lambda b: b + b'\n2024,a"b,x,1,s,false,extra\n', b"row has 7 fields"),
    ],
    ids=["nul", "gbk", "open-quote", "long-row"],
)
def test_broken_csv_is_one_line_naming_the_line(project, capsys, change, words):
    path = project / VALUES
    path.write_bytes(change(path.read_bytes()))
    lines = check(project, capsys)
    assert any(
        line.startswith("data/values/haining.csv") and words.decode() in line for line in lines
    ), lines


def test_a_byte_order_mark_is_accepted(project):
    from annual_review.cli import main

    path = project / VALUES
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["--project", str(project), "check", "--year", "2024"]) == 0


@pytest.mark.parametrize(
    ("indicator", "unit", "value", "words"),
    [
        ("inspection_reduction", "海宁市", "1e308", "outside 0 to 100"),
        ("inspection_reduction", "海宁市", "250", "outside 0 to 100"),
        ("inspection_reduction", "海宁市", "-5", "outside 0 to 100"),
        ("legality_reviews", "盐官镇", "1e308", "not a plain whole number"),
        ("legality_reviews", "盐官镇", "-3", "negative"),
        ("legality_reviews", "盐官镇", "inf", "not a finite number"),
    ],
)
def test_out_of_range_values_are_refused(project, capsys, indicator, unit, value, words):
    set_value(project, indicator, unit, value)
    lines = check(project, capsys)
    assert any(f"({unit}" not in line and words in line for line in lines) or any(
        words in line for line in lines
    ), lines
    assert all(len(line) < MAX_LINE for line in lines)


def test_stated_percent_in_a_process_ends_with_exit_2(project):
    set_value(project, "inspection_reduction", "海宁市", "1e308")
    assert "outside 0 to 100" in cli_check(project)


def test_the_catalogue_may_declare_a_range(project, capsys):
    from annual_review.cli import main

    catalogue = project / "data" / "indicators.yaml"
    edit(
        catalogue,
        lambda t: t.replace("kind: stated_percent,", "kind: stated_percent, range: [-100, 100],"),
    )
    set_value(project, "inspection_reduction", "海宁市", "-12.5")
    assert main(["--project", str(project), "check", "--year", "2024"]) == 0
    capsys.readouterr()
    set_value(project, "inspection_reduction", "海宁市", "-150")
    assert any("outside -100 to 100" in line for line in check(project, capsys))


def test_a_range_on_a_count_is_refused(project, capsys):
    catalogue = project / "data" / "indicators.yaml"
    edit(
        catalogue,
        lambda t: t.replace("id: legality_reviews,", "id: legality_reviews, range: [0, 5],"),
    )
    assert any("range applies to a stated_percent only" in line for line in check(project, capsys))


def test_a_path_name_in_a_process_ends_with_exit_2(project):
    rename_township(project, "../../../../elsewhere/PWN")
    assert "path separator" in cli_check(project)


# ── Excel ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("slug", ["../../../elsewhere/x", "/abs/path"])
def test_a_workbook_import_for_a_region_that_is_a_path_is_refused(project, tmp_path, slug):
    from annual_review.inputs.collect import import_workbook, write_template

    book = write_template(project / "data", "haining", 2025, tmp_path / "book.xlsx")
    before = snapshot(project)
    with pytest.raises(InputError, match="is not a region slug") as caught:
        import_workbook(book, project / "data", slug, source="测试")
    short_lines(str(caught.value))
    assert snapshot(project) == before
