"""The city page printed to PDF by Chromium: A4 with the official margins, a page number
"— n —" on every page, no navigation, and no page left nearly empty by the layout."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_browser import open_page

pytestmark = pytest.mark.slow

MM = 72 / 25.4  # PDF points per millimetre
A4 = (210 * MM, 297 * MM)
TOP, BOTTOM, LEFT, RIGHT = 37 * MM, 35 * MM, 28 * MM, 26 * MM  # GB/T 9704 margins
MISSING_PDFTOTEXT = "pdftotext not found: install Debian's poppler-utils"
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_pages(pdf: Path) -> list[dict]:
    """Each page's size and words with their boxes (pdftotext -bbox, in points)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail(MISSING_PDFTOTEXT, pytrace=False)
    out = subprocess.run(
        [tool, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        {
            "size": (float(w), float(h)),
            "words": [
                (float(x0), float(y0), float(x1), float(y1), html.unescape(t))
                for x0, y0, x1, y1, t in _WORD.findall(body)
            ],
        }
        for w, h, body in _PAGE.findall(out)
    ]


@pytest.fixture(scope="module")
def printed(browser, site: Path, built: Path) -> list[dict]:
    context, page, log = open_page(browser, site, "index.html")
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        pdf = built / "outputs" / "haining" / "2024" / "index-print.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        context.close()
    assert log["blocked"] == [] and log["errors"] == [], log
    return pdf_pages(pdf)


def _middle(word: tuple) -> float:
    """A word's vertical middle: its box spans its font's whole ascent and descent, which
    for a CJK font is far taller than the line, so only the middle is placed exactly."""
    return (word[1] + word[3]) / 2


def _body(page: dict) -> list[tuple]:
    """The words of the text block (not the page number in the bottom margin)."""
    return [w for w in page["words"] if _middle(w) <= page["size"][1] - BOTTOM]


def test_pages_are_a4_with_the_text_inside_the_official_margins(printed) -> None:
    assert len(printed) >= 10
    for n, page in enumerate(printed, 1):
        width, height = page["size"]
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, (n, page["size"])
        body = _body(page)
        assert body, n
        assert min(w[0] for w in body) >= LEFT - 1, (n, "left margin")
        assert max(w[2] for w in body) <= width - RIGHT + 1, (n, "right margin")
        assert min(_middle(w) for w in body) >= TOP, (n, "top margin")


def test_every_page_is_numbered_in_the_footer(printed) -> None:
    for n, page in enumerate(printed, 1):
        height = page["size"][1]
        footer = "".join(w[4] for w in page["words"] if _middle(w) > height - BOTTOM)
        assert footer == f"—{n}—", (n, footer)


def test_no_page_but_the_last_is_less_than_a_third_full(printed) -> None:
    text_height = A4[1] - TOP - BOTTOM
    for n, page in enumerate(printed[:-1], 1):
        filled = (max(_middle(w) for w in _body(page)) - TOP) / text_height
        assert filled >= 1 / 3, (n, round(filled, 2))


def test_navigation_and_contents_are_not_printed(printed) -> None:
    text = "".join(w[4] for page in printed for w in page["words"])
    assert "本页目录" not in text and "镇街概览" not in text and "页面构建编号" not in text
    assert text.startswith("海宁市2024年法治政府建设年度报告")
