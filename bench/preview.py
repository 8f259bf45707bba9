"""Edit-to-page time of ``annual-review preview`` for one township.

    .venv/bin/python bench/preview.py [--unit 海昌街道] [--repeat 3]

Copies the inputs to a scratch folder, starts the preview, and after its first build
edits the township's params several times; each time it measures the seconds from the
write until the server serves the page with the new text (what an open page shows
after its reload, less the browser's own few milliseconds).
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
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "现将有关情况报告如下。"


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
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="海昌街道")
    parser.add_argument("--slug", default="haichang")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name in ("data", "params", "notebooks"):
            shutil.copytree(ROOT / name, root / name)
        command = [sys.executable, "-m", "annual_review.cli", "--project", str(root)]
        process = subprocess.Popen(
            [*command, "preview", "--year", "2024", "--port", "0", "--unit", args.unit],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            found = re.search(r"http://\S+/", process.stdout.readline())
            assert found, "the preview printed no URL"
            url = f"{found.group(0)}{args.slug}.html"
            first = _wait_for(url, MARK, 300)
            print(f"first build served after {first:.1f} s")
            params = root / "params" / "2024" / f"{args.slug}.yaml"
            times = []
            for n in range(args.repeat):
                time.sleep(1.0)
                text = f"基准修改{n}。"
                params.write_text(params.read_text("utf-8").replace(MARK, MARK + text, 1), "utf-8")
                seconds = _wait_for(url, text, 300)
                times.append(seconds)
                print(f"edit {n + 1}: served after {seconds:.2f} s")
            print(
                f"edit to page, {args.unit}: median {statistics.median(times):.2f} s, "
                f"min {min(times):.2f} s over {len(times)} edits"
            )
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
