"""The shared cache: entries marked when used, pruned by age, never while a build runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from annual_review.cli import main
from annual_review.core.cache import Cache, prune
from annual_review.core.errors import CacheBusy
from annual_review.core.files import cache_lock

DAY = 86400


def _entry(folder: Path, name: str, age_days: float, size: int = 10) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


def test_prune_deletes_only_what_no_build_used_lately(tmp_path: Path) -> None:
    old_run = _entry(tmp_path, "runs/2023-haining-a.ipynb", 40, size=100)
    old_page = _entry(tmp_path, "pages/old.html", 31)
    fresh = _entry(tmp_path, "runs/2024-haining-b.ipynb", 2, size=7)
    font_list = _entry(tmp_path, "matplotlib/fontlist.json", 400)
    lock = _entry(tmp_path, ".lock", 400, size=0)

    dry = prune(tmp_path, 30, dry_run=True)
    assert (dry.removed_files, dry.removed_bytes, dry.kept_files) == (2, 110, 1)
    assert old_run.is_file() and old_page.is_file()

    report = prune(tmp_path, 30)
    assert report == dry
    assert not old_run.exists() and not old_page.exists() and not old_page.parent.exists()
    assert fresh.is_file() and font_list.is_file() and lock.is_file()


def test_reading_an_entry_marks_it_as_used(tmp_path: Path) -> None:
    entry = _entry(tmp_path, "fonts/abc.css", 60)
    assert Cache(tmp_path).get("fonts/abc.css") == "x" * 10
    assert time.time() - entry.stat().st_mtime < 60
    assert prune(tmp_path, 30).removed_files == 0


def test_a_prune_is_refused_while_a_build_holds_the_cache(tmp_path: Path) -> None:
    _entry(tmp_path / "outputs" / ".cache", "runs/old.ipynb", 90)
    for folder in ("data", "notebooks"):
        (tmp_path / folder).mkdir()
    args = ["--project", str(tmp_path), "clean-cache", "--days", "30"]
    with cache_lock(tmp_path / "outputs" / ".cache"):  # as a build does
        with pytest.raises(CacheBusy):
            with cache_lock(tmp_path / "outputs" / ".cache", exclusive=True):
                pass
        assert main(args) == 1
    assert (tmp_path / "outputs/.cache/runs/old.ipynb").is_file()
    assert main(args) == 0
    assert not (tmp_path / "outputs/.cache/runs/old.ipynb").exists()


def test_negative_days_are_bad_input(tmp_path: Path, capsys) -> None:
    for folder in ("data", "notebooks"):
        (tmp_path / folder).mkdir()
    assert main(["--project", str(tmp_path), "clean-cache", "--days", "-1"]) == 2
    assert "--days must be 0 or more" in capsys.readouterr().err
