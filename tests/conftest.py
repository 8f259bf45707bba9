"""Shared fixtures: a scratch copy of the project and one real build of Haining 2024."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("data", "params", "notebooks")


def copy_project(target: Path) -> Path:
    """Copy the project's inputs (not outputs) into ``target`` and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in INPUTS:
        shutil.copytree(ROOT / name, target / name)
    return target


def facts_of(rows: list[tuple[int, str, str, int]], *, illustrative: bool = False):
    """Facts made from (year, unit, indicator, value) rows with the project's catalogue."""
    import pandas as pd
    from annual_review.figures.facts import Facts
    from annual_review.inputs.catalog import load_catalog

    frame = pd.DataFrame(
        [
            {
                "year": y,
                "unit": u,
                "indicator": i,
                "value": str(v),
                "source": "测试",
                "illustrative": illustrative,
            }
            for y, u, i, v in rows
        ]
    )
    return Facts(frame, load_catalog(ROOT / "data"))


@pytest.fixture(autouse=True, scope="session")
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep matplotlib's and Jupyter's state out of the home folder."""
    state = tmp_path_factory.mktemp("state")
    os.environ.setdefault("MPLCONFIGDIR", str(state / "matplotlib"))
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(state / "jupyter-runtime"))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project's inputs to change freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with Haining 2024 built once for the whole session."""
    from annual_review.cli import main

    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    code = main(["--project", str(root), "build", "--year", "2024", "--quiet"])
    assert code == 0, "the Haining 2024 build failed"
    return root


@pytest.fixture(scope="session")
def site(built: Path) -> Path:
    """The published site of the session build."""
    return built / "outputs" / "haining" / "2024" / "site"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
MISSING_CHROMIUM = "chromium not found: install Debian's chromium (`make test` does it)"


def chromium_path() -> str | None:
    """Debian's chromium (test tools cannot download their own browser here)."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).is_file() else None


LATIN_FONTS = "/usr/share/fonts/truetype/dejavu"


def fontconfig_without_chinese(folder: Path) -> Path:
    """A fontconfig file that shows Chromium Latin fonts only, whatever the machine has.

    Pages must then draw Chinese with the font they embed, as on a reader's PC without
    any Chinese font.
    """
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{LATIN_FONTS}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return conf


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """One headless Chromium for the session, driven by playwright, seeing no Chinese font."""
    executable = chromium_path()
    if executable is None:
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    from playwright.sync_api import sync_playwright

    conf = fontconfig_without_chinese(tmp_path_factory.mktemp("fontconfig"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        )
        yield browser
        browser.close()
