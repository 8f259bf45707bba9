"""The build to send, end to end: ``build --final`` refuses an unreviewed finding before
anything is written, a plain build publishes without it, and with every figure and text
flagged official no page and no Word file says "示意"."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "annual_review.cli"]


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "--project", str(project), *args], capture_output=True, text=True, check=False
    )


def make_official(project: Path) -> None:
    """Flag every figure and every params text as official (no illustrative data)."""
    path = project / "data" / "values" / "haining.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row["illustrative"] = "false"
        row["source"] = "市司法局统计"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    for params in (project / "params").rglob("*.yaml"):
        text = params.read_text(encoding="utf-8")
        params.write_text(text.replace("illustrative: true", "illustrative: false"), "utf-8")


def unreview(project: Path) -> None:
    """Take the example's verdict on the city's one finding away."""
    path = project / "params" / "2024" / "haining.yaml"
    text = path.read_text(encoding="utf-8")
    cut = re.sub(r"(?m)^  f-recon_corrected: .*\n", "", text)
    assert cut != text
    path.write_text(cut.replace("findings:\n", "findings: {}\n"), encoding="utf-8")


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return "".join(
            docx.read(name).decode("utf-8")
            for name in docx.namelist()
            if name.startswith("word/") and name.endswith(".xml")
        )


def test_final_refuses_an_unreviewed_finding_and_official_data_has_no_labels(
    project: Path,
) -> None:
    make_official(project)
    unreview(project)
    outputs = project / "outputs" / "haining" / "2024"

    refused = cli(project, "build", "--year", "2024", "--final", "--quiet")
    assert refused.returncode == 2, refused.stderr
    assert "params/2024/haining.yaml: finding f-recon_corrected (海宁市:" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not outputs.exists() or not any(outputs.glob("*.docx"))  # nothing was published
    checked = cli(project, "check", "--year", "2024", "--final")
    assert checked.returncode == 2 and "f-recon_corrected" in checked.stderr
    assert "f-recon_corrected: {status: confirmed" in checked.stdout

    plain = cli(project, "build", "--year", "2024", "--quiet")
    assert plain.returncode == 0, plain.stderr
    assert "awaiting review (left out of the report): 1; see outputs/haining/2024/review.html" in (
        plain.stderr
    )
    review = (outputs / "review.html").read_text(encoding="utf-8")
    assert "<code>f-recon_corrected</code>" in review and "待审核1条" in review
    pages = sorted((outputs / "site").glob("*.html"))
    words = sorted(outputs.glob("*.docx"))
    assert len(pages) == 15 and len(words) == 13
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for word in ("示意", "待确认", "数据提示", "数据生成", "行政复议纠错7件，纠错率"):
            assert word not in html, (page.name, word)
    for docx in words:
        text = docx_text(docx)
        for word in ("示意", "待确认", "数据提示", "数据生成"):
            assert word not in text, (docx.name, word)
    first = produced(outputs)

    # --force over a warm cache (the checked inputs now come from the cache): same bytes
    rebuilt = cli(project, "build", "--year", "2024", "--force", "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = produced(outputs)
    assert again.keys() == first.keys() and len(first) == 13 + 15 + 13
    assert [name for name in first if first[name] != again[name]] == []


def produced(outputs: Path) -> dict[str, bytes]:
    """Every Word file, page and executed notebook of a build, by name."""
    found = {p.name: p.read_bytes() for p in outputs.glob("*.docx")}
    found |= {f"site/{p.name}": p.read_bytes() for p in (outputs / "site").glob("*.html")}
    notebooks = (outputs / "notebooks").glob("*.ipynb")
    return found | {f"notebooks/{p.name}": p.read_bytes() for p in notebooks}
