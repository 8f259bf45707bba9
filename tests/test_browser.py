"""The published site in headless Chromium: self-contained, complete, drawn with its own font."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from annual_review.build.orchestrate import site_navigation
from annual_review.inputs.region import load_region

from .conftest import MISSING_CHROMIUM, ROOT, chromium_path

pytestmark = pytest.mark.slow

REGION = load_region(ROOT / "data")
UNIT_PAGES = ["index.html", *(f"{u.slug}.html" for u in REGION.townships)]
UNIT_NAMES = dict(zip(UNIT_PAGES, (u.name for u in REGION.units), strict=True))
PAGES = [link.filename for link in site_navigation(REGION)]
SCREENSHOT_PAGES = ["index.html", "haichang.html"]
# Screenshots stay in the test's own build; set this to keep copies for a person to look at.
KEEP_SCREENSHOTS = os.environ.get("ANNUAL_REVIEW_SCREENSHOTS", "")
FONT = "AR Fallback SC"
FONT_PROBE = """async ([family, text]) => {
  await document.fonts.ready;
  const ctx = document.createElement("canvas").getContext("2d");
  const width = (font) => { ctx.font = font; return ctx.measureText(text).width; };
  return {
    check: document.fonts.check(`16px "${family}"`, "法治政府"),
    faces: [...document.fonts].filter((f) => f.family.replace(/["']/g, "") === family)
      .map((f) => f.status),
    embedded: width(`16px "${family}"`),
    missing: width('16px "NoSuchFontXYZ", monospace'),
    body: getComputedStyle(document.body).fontFamily,
  };
}"""


def site_url(site: Path) -> str:
    return site.resolve().as_uri() + "/"


def open_page(browser, site: Path, name: str, **context_options):
    """A new context showing ``name``; requests outside the site are aborted and logged."""
    base = site_url(site)
    log: dict[str, list[str]] = {"blocked": [], "errors": []}

    def route(r) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:
            log["blocked"].append(r.request.url)
            r.abort()

    context = browser.new_context(**context_options)
    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log["errors"].append(m.text))
    page.on("pageerror", lambda e: log["errors"].append(f"page error: {e}"))
    page.goto(base + name, wait_until="load")
    return context, page, log


@pytest.fixture(scope="module", params=PAGES)
def loaded(request, browser, site: Path):
    context, page, log = open_page(browser, site, request.param)
    yield request.param, page, log
    context.close()


def test_chromium_is_installed() -> None:
    assert chromium_path() is not None, MISSING_CHROMIUM


def test_page_loads_nothing_from_outside_without_errors(loaded) -> None:
    name, _, log = loaded
    assert log["blocked"] == [], (name, log["blocked"][:5])
    assert log["errors"] == [], (name, log["errors"][:5])


def test_every_image_is_loaded(loaded) -> None:
    name, page, _ = loaded
    images = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.alt, i.complete && i.naturalWidth > 0])"
    )
    assert [alt for alt, ok in images if not ok] == [], name


CHARTS = """svgs => svgs.map(s => {
  const box = s.getBoundingClientRect(), room = s.parentElement.getBoundingClientRect();
  const texts = [...s.querySelectorAll('text')];
  return {
    label: s.getAttribute('aria-label'), width: box.width, height: box.height,
    fits: box.left >= room.left - 1 && box.right <= room.right + 1,
    texts: texts.length, drawn: texts.filter((t) => t.getComputedTextLength() > 0).length,
    font: texts.length ? getComputedStyle(texts[0]).fontFamily : '',
  };
})"""


def test_every_chart_is_drawn_with_its_labels_in_the_embedded_font(loaded) -> None:
    name, page, _ = loaded
    charts = page.eval_on_selector_all("figure.ar-chart svg", CHARTS)
    assert len(charts) >= (0 if name == "indicators.html" else 4), name
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100 and chart["fits"], (name, chart)
        assert chart["texts"] >= 3 and chart["drawn"] == chart["texts"], (name, chart)
        assert chart["font"].startswith(f'"{FONT}"'), (name, chart)


def test_links_lead_to_site_files_and_anchors_to_ids(loaded, site: Path) -> None:
    name, page, _ = loaded
    links = page.eval_on_selector_all(
        "a[href]", "as => as.map(a => [a.getAttribute('href'), a.href.split('#')[0]])"
    )
    assert links, name
    base = site_url(site)
    for href, target in links:
        if href.startswith("#"):
            assert page.evaluate("id => !!document.getElementById(id)", href[1:]), (name, href)
        else:
            assert target.startswith(base), (name, href)
            assert (site / target[len(base) :]).is_file(), (name, href)


def test_chinese_is_drawn_by_the_embedded_font(loaded) -> None:
    name, page, _ = loaded
    probe = page.evaluate(FONT_PROBE, [FONT, "法治政府建设年度报告"])
    assert probe["check"] and probe["faces"] == ["loaded"], (name, probe)
    assert 140 <= probe["embedded"] <= 180, (name, probe)
    assert FONT in probe["body"], (name, probe["body"])


def test_title_and_four_parts(loaded) -> None:
    name, page, _ = loaded
    if name not in UNIT_NAMES:
        pytest.skip("not a unit's report page")
    title = page.locator("h1.ar-title").inner_text()
    assert title.startswith(UNIT_NAMES[name]) and "年法治政府建设年度报告" in title, title
    parts = [t.strip()[:2] for t in page.locator("main h2").all_inner_texts()]
    assert parts == ["一、", "二、", "三、", "四、"], (name, parts)


@pytest.mark.parametrize("media", ["screen", "print"])
@pytest.mark.parametrize("name", SCREENSHOT_PAGES)
def test_screenshots_for_review(browser, site: Path, built: Path, name: str, media: str) -> None:
    size = {"width": 1280, "height": 800} if media == "screen" else {"width": 794, "height": 1123}
    context, page, log = open_page(browser, site, name, viewport=size)
    try:
        page.emulate_media(media=media)
        page.evaluate("document.fonts.ready.then(() => true)")
        folder = built / "outputs" / "2024" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{Path(name).stem}-{media}.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert log["blocked"] == [] and log["errors"] == [], log
    assert shot.stat().st_size > 1000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
    if KEEP_SCREENSHOTS:
        Path(KEEP_SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy2(shot, Path(KEEP_SCREENSHOTS) / shot.name)
