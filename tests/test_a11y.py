"""Accessibility of every page of the built site: axe-core's WCAG 2.1 A and AA rules at a
desktop and a phone width, and charts whose text alternative carries their figures."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from .test_browser import DESKTOP, PAGES, PHONE, open_page

pytestmark = pytest.mark.slow

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_FIGURE = re.compile(
    r'<figure class="ar-chart"[^>]*data-chart="([^"]*)">'
    r'(?:<div[^>]*>)?<svg[^>]*aria-label="([^"]*)"'
)


def _violations(results: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
    ]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_violation(browser, site: Path, name: str, size: dict) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, page, _ = open_page(browser, site, name, viewport=size)
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        options = {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
        results = Axe().run(page, options=options).response
    finally:
        context.close()
    assert _violations(results) == [], (name, size["width"])


def _figures(args: dict) -> list[float]:
    """The numbers a chart draws (not its axis settings)."""
    found = [*args.get("rates", []), *args.get("values", []), *args.get("parts", [])]
    found += args.get("wholes", [])
    found += [v for values in args.get("series", {}).values() for v in values]
    found += [v for panel in args.get("panels", []) for _, v in panel["points"]]
    return [float(v) for v in found if v is not None]


@pytest.mark.parametrize("name", PAGES)
def test_every_chart_says_its_figures_in_words(site: Path, name: str) -> None:
    page = (site / name).read_text(encoding="utf-8")
    assert len(_FIGURE.findall(page)) == page.count('<figure class="ar-chart"'), name
    for recipe, label in _FIGURE.findall(page):
        chart = json.loads(html.unescape(recipe))
        label = html.unescape(label)
        said = {
            round(float(n.replace(",", "")), 2) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", label)
        }
        missing = [v for v in _figures(chart["args"]) if round(v, 2) not in said]
        assert missing == [], (name, chart["args"]["title"], label, missing)
        names = chart["args"].get("labels", [])
        assert all(n in label for n in names), (name, label, names)
