"""Edit-to-page time of ``annual-review preview``: a township's words, the city's words.

    .venv/bin/python bench/preview.py [--repeat 3]

Copies the inputs to a scratch folder and starts the preview twice: once for one
township (``--unit 海昌街道``), once for the whole region. After the first build it edits
a params file several times and measures the seconds from the write until the server
serves the page with the new text (what an open page shows after its reload, less the
browser's own few milliseconds). It also prints what each rebuild re-ran, from the
preview's own "built in" lines.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP_MARK = "现将有关情况报告如下。"
SCENARIOS = (  # (label, preview's --unit, params file edited, page, text edited after)
    (
        "township 海昌街道, preview --unit 海昌街道",
        "海昌街道",
        "haichang",
        "haichang.html",
        TOWNSHIP_MARK,
    ),
    ("township 海昌街道, whole region", "", "haichang", "haichang.html", TOWNSHIP_MARK),
    ("city 海宁市, whole region", "", "haining", "index.html", "现将全年工作情况报告如下。"),
)


def _page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, text: str, timeout: float) -> float:
    started = time.monotonic()
    while text not in _page(url):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{text!r} not served after {timeout:.0f} s")
        time.sleep(0.02)
    return time.monotonic() - started


def _scenario(root: Path, unit: str, slug: str, page: str, mark: str, repeat: int) -> list[float]:
    command = [sys.executable, "-m", "annual_review.cli", "--project", str(root), "preview"]
    command += ["--year", "2024", "--port", "0"] + (["--unit", unit] if unit else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    built: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        built.extend(line.strip() for line in process.stderr if line.startswith("built in"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert process.stdout is not None
        found = re.search(r"http://\S+/", process.stdout.readline())
        assert found, "the preview printed no URL"
        url = f"{found.group(0)}{page}"
        first = _wait_for(url, mark, 600)
        print(f"  first build served after {first:.1f} s", flush=True)
        params = root / "params" / "2024" / f"{slug}.yaml"
        times = []
        for n in range(repeat):
            time.sleep(1.0)
            text = f"基准修改{time.monotonic_ns()}。"
            params.write_text(params.read_text("utf-8").replace(mark, mark + text, 1), "utf-8")
            seconds = _wait_for(url, text, 300)
            times.append(seconds)
            time.sleep(0.2)
            print(f"  edit {n + 1}: served after {seconds:.2f} s; preview: {built[-1]}", flush=True)
        return times
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = []
    for label, unit, slug, page, mark in SCENARIOS:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            for name in ("data", "params", "notebooks"):
                shutil.copytree(ROOT / name, root / name)
            print(label, flush=True)
            times = _scenario(root, unit, slug, page, mark, args.repeat)
            results.append((label, times))
    print()
    for label, times in results:
        print(
            f"edit to page, {label}: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} edits"
        )


if __name__ == "__main__":
    main()
