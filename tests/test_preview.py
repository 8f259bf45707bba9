"""``annual-review preview``: serves the site, rebuilds on an edit, reloads the open page
by itself, re-runs only the unit edited, shows bad input on the page, and stops cleanly
on SIGINT.

The preview starts from a copy of the session's built project, cache included (as an
analyst's project is after its first build), so its first build re-runs nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow

PARAMS = Path("params") / "2024" / "haichang.yaml"
INTRO_END = "现将有关情况报告如下。"
FIRST_BUILD_SECONDS = 180


class Preview:
    """A running ``annual-review preview`` subprocess and the URL it printed."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "annual_review.cli", "--project", str(root)]
        self.process = subprocess.Popen(
            [*command, "preview", "--year", "2024", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.errors: list[str] = []
        self._reader = threading.Thread(target=self._read_errors, daemon=True)
        self._reader.start()
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, f"no URL printed: {line!r} {self.errors}"
        self.url = found.group(0)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line.rstrip())

    def built(self) -> list[str]:
        """The preview's "built in … s (N run, M cached)" lines so far."""
        return [line for line in self.errors if line.startswith("built in ")]

    def builds(self) -> int:
        return len(self.built())

    def wait_builds(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.builds() < count:
            assert self.process.poll() is None, "\n".join(self.errors)
            assert time.monotonic() < deadline, "\n".join(self.errors)
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGINT, then check the process ended and left no child behind."""
        if self.process.poll() is not None:
            return
        me = psutil.Process(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            children = me.children(recursive=True)
            self.process.kill()
            for child in children:
                child.kill()
            raise
        assert code == 0, "\n".join(self.errors)
        self._reader.join(timeout=5)
        assert "preview stopped" in self.errors


@pytest.fixture(scope="module")
def copied(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's built project: inputs, outputs and the build cache."""
    return Path(shutil.copytree(built, tmp_path_factory.mktemp("preview") / "p", symlinks=True))


@pytest.fixture(scope="module")
def preview(copied: Path) -> Iterator[Preview]:
    running = Preview(copied)
    try:
        running.wait_builds(1, FIRST_BUILD_SECONDS)
        yield running
    finally:
        children = []
        if running.process.poll() is None:
            children = psutil.Process(running.process.pid).children(recursive=True)
        running.stop()
        time.sleep(0.5)
        left = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not left, f"processes left: {left}"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_the_first_build_reuses_the_copied_cache(preview: Preview) -> None:
    assert "(0 run, 13 cached)" in preview.built()[0], preview.errors


def test_an_edit_reloads_the_open_page(copied: Path, preview: Preview, browser) -> None:
    project = copied
    page = browser.new_page()
    try:
        page.goto(preview.url + "haichang.html")
        page.wait_for_selector("text=现将有关情况报告如下")
        # The page is marked; a reload of its own starts a fresh document without the mark.
        page.evaluate("window.__notReloaded = true")
        assert page.evaluate("typeof EventSource") == "function"
        started = time.monotonic()
        _edit(project / PARAMS, INTRO_END, INTRO_END + "预览改动已显示。")
        page.wait_for_selector("text=预览改动已显示", timeout=120_000)
        seconds = time.monotonic() - started
        assert page.evaluate("window.__notReloaded") is None
        print(f"edit to reload, one township: {seconds:.1f} s")
        # the township alone re-ran: the city's and the other townships' runs are reused
        assert "(1 run, 12 cached)" in preview.built()[-1], preview.errors
        html = (project / "outputs/haining/2024/site/haichang.html").read_text("utf-8")
        assert "EventSource" not in html, "the reload script must not be written to the site"
    finally:
        page.close()


def _served(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def test_a_pool_whose_zygote_died_is_replaced_before_the_next_build(
    copied: Path, preview: Preview
) -> None:
    """The preview keeps one worker pool; if its zygote is killed (for memory, say), the
    next edit still reaches the page, on a fresh pool."""
    children = psutil.Process(preview.process.pid).children(recursive=True)
    zygotes = [p for p in children if "annual_review.runs.warm" in " ".join(p.cmdline())]
    assert zygotes, [p.cmdline() for p in children]
    for zygote in zygotes:
        zygote.kill()
    psutil.wait_procs(zygotes, timeout=10)
    builds = preview.builds()
    _edit(copied / PARAMS, INTRO_END, INTRO_END + "进程池已更换。")
    deadline = time.monotonic() + 120
    while "进程池已更换" not in _served(preview.url + "haichang.html"):
        assert time.monotonic() < deadline, preview.errors
        time.sleep(0.2)
    assert preview.builds() > builds and "(1 run, 12 cached)" in preview.built()[-1]


def test_bad_input_shows_its_messages_on_the_page(copied: Path, preview: Preview, browser) -> None:
    project = copied
    page = browser.new_page()
    try:
        page.goto(preview.url + "haichang.html")
        page.wait_for_selector("text=现将有关情况报告如下")
        _edit(project / PARAMS, "year: 2024", "year: <b>abc</b>")
        overlay = page.wait_for_selector("#annual-review-preview-problems", timeout=120_000)
        text = overlay.inner_text()
        assert "params/2024/haichang.yaml" in text and "year" in text
        assert "<b>abc</b>" in text  # escaped: shown as text, not markup
        assert preview.process.poll() is None, "the server must keep running"
        _edit(project / PARAMS, "year: <b>abc</b>", "year: 2024")
        page.wait_for_selector("#annual-review-preview-problems", state="detached", timeout=120_000)
    finally:
        page.close()
