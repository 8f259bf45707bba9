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

    def console(message) -> None:
        if message.type == "error":
            log["errors"].append(message.text)

    page.on("console", console)
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
        folder = built / "outputs" / "haining" / "2024" / "screenshots"
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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LAYOUT = """() => {
  const box = (sel) => { const e = document.querySelector(sel);
    if (!e) return null; const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
            height: r.height, shown: getComputedStyle(e).display !== 'none'}; };
  const paragraphs = [...document.querySelectorAll('main p')]
    .filter((p) => p.offsetParent !== null && p.textContent.trim().length >= 15)
    .map((p) => { const s = getComputedStyle(p);
      const width = p.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return {text: p.textContent.trim().slice(0, 20), chars: width / parseFloat(s.fontSize)}; });
  const tables = [...document.querySelectorAll('table.ar-table')].map((t) => {
    const room = t.closest('.ar-scroll'); const r = (room || t).getBoundingClientRect();
    return {boxed: !!room, focusable: !!room && room.tabIndex === 0, right: r.right,
            scrolls: !!room && room.scrollWidth > room.clientWidth + 1,
            columns: t.querySelector('tr').children.length};
  });
  const charts = [...document.querySelectorAll('figure.ar-chart svg')]
    .map((s) => s.getBoundingClientRect().width);
  const chartBoxes = [...document.querySelectorAll('figure.ar-chart')].map((f) => {
    const box = f.querySelector('.ar-chart-box'); const svg = f.querySelector('svg');
    return {focusable: !!box && box.tabIndex === 0 && !!box.getAttribute('aria-label'),
            scale: svg.getBoundingClientRect().width / svg.width.baseVal.value,
            right: (box || f).getBoundingClientRect().right};
  });
  const link = document.querySelector('.ar-nav a');
  return {
    scrollWidth: document.documentElement.scrollWidth, paragraphs, tables, charts, chartBoxes,
    nav: box('.ar-nav ul'), link: link.getBoundingClientRect().height,
    toc: box('.ar-toc'), tocList: box('.ar-toc > ol'), fold: box('.ar-toc-fold'),
    foldOpen: document.querySelector('.ar-toc-fold').open, main: box('main'),
  };
}"""


@pytest.fixture(scope="module", params=["phone", "desktop"])
def layouts(request, browser, site: Path) -> dict[str, dict]:
    """Every page's layout at one width: {page: measurements}."""
    size = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=size)
    page = context.new_page()
    found = {}
    for name in PAGES:
        page.goto(site_url(site) + name, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        found[name] = {"width": size["width"], **page.evaluate(LAYOUT)}
    context.close()
    return found


def test_no_page_scrolls_sideways_and_lines_hold_enough_characters(layouts) -> None:
    for name, at in layouts.items():
        assert at["scrollWidth"] <= at["width"], (name, at["width"], at["scrollWidth"])
        assert at["paragraphs"], name
        short = [p for p in at["paragraphs"] if p["chars"] < 15]
        assert short == [], (name, at["width"], short[:3])


def test_tables_scroll_in_a_box_of_their_own(layouts) -> None:
    for name, at in layouts.items():
        for table in at["tables"]:
            assert table["boxed"] and table["focusable"], (name, table)
            assert table["right"] <= at["width"], (name, table)
    # the overview's comparison table (a column per indicator) is wider than a phone
    widest = max(layouts["overview.html"]["tables"], key=lambda t: t["columns"])
    assert widest["columns"] >= 10
    assert widest["scrolls"] == (layouts["overview.html"]["width"] < 800), widest


def test_charts_keep_readable_labels_and_scroll_in_their_box_on_a_phone(layouts) -> None:
    for name, at in layouts.items():
        for chart in at["chartBoxes"]:
            assert chart["focusable"] and chart["right"] <= at["width"] + 1, (name, chart)
            if at["width"] < 768:  # drawn 792 px wide: at least three quarters of that
                assert chart["scale"] >= 0.75, (name, chart)
    assert any(at["chartBoxes"] for at in layouts.values())


def test_navigation_contents_and_charts_fit_the_width(layouts) -> None:
    for name, at in layouts.items():
        nav, toc, main = at["nav"], at["toc"], at["main"]
        if at["width"] < 768:  # narrow: contents folded above the text, text full width
            assert nav["height"] < 2 * at["link"], (name, "the navigation is one row", nav)
            assert at["fold"]["shown"] and not at["foldOpen"] and not at["tocList"]["shown"]
            assert toc["bottom"] <= main["top"] and main["width"] >= at["width"] - 40, name
            assert all(w >= main["width"] - 1 for w in at["charts"]), (name, at["charts"])
        else:  # wide: the desktop layout, contents beside the text
            assert not at["fold"]["shown"] and at["tocList"]["shown"], name
            assert toc["right"] <= main["left"] and main["width"] == 768, (name, main)
