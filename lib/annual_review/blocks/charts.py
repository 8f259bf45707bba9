"""Charts for the reports: one matplotlib style, a real CJK font, inline SVG in the pages.

Chinese labels need a font with CJK glyphs; matplotlib's default has none and draws
boxes. We register the Noto Sans SC that ships in the ``pylopdf-fonts-zh-cn`` wheel,
fall back to an installed system CJK font, and stop with a clear error otherwise.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from annual_review.core.errors import AnnualReviewError

SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei")
PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6")


class CJKFontMissing(AnnualReviewError):
    """No font with Chinese glyphs could be found for the charts."""


def _shipped_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = pylopdf_fonts_zh_cn.sans_path()
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def cjk_font_family() -> str:
    """Register and return the family name of a CJK font for matplotlib."""
    shipped = _shipped_font()
    if shipped is not None:
        font_manager.fontManager.addfont(str(shipped))
        return font_manager.FontProperties(fname=str(shipped)).get_name()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family in installed:
            return family
    raise CJKFontMissing(
        "No Chinese font for charts: install the package pylopdf-fonts-zh-cn "
        "(pip install pylopdf-fonts-zh-cn) or a system font such as fonts-noto-cjk."
    )


def apply_style() -> None:
    """Set the report style: CJK font, quiet axes, fixed size and resolution."""
    rcParams.update(
        {
            "font.family": [cjk_font_family()],
            "font.size": 10,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.titleweight": "normal",
            "figure.figsize": (7.2, 3.8),
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "svg.fonttype": "none",  # SVG text stays text (set here: rc_context is not thread-safe)
            "svg.hashsalt": "annual-review",
        }
    )


FONT_PT = 10
WIDTH_IN = 7.2


def text_width(text: str, points: float = FONT_PT) -> float:
    """Approximate width of a label in inches: a CJK character is 1 em, others about ½.

    >>> round(text_width("海昌街道"), 3), round(text_width("2024年"), 3)
    (0.556, 0.444)
    """
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)
    return ems * points / 72


def _new(
    unit: str,
    height: float = 3.8,
    *,
    left: float = 0.75,
    right: float = 0.25,
    bottom: float = 0.55,
):
    """A figure with fixed margins in inches (matplotlib's constrained layout costs
    as much as drawing the chart, so margins are computed from the label lengths).

    The picture carries no title: the caption under it is the chart's one title (a
    report numbers its figures there). Only the unit is written, small, at the top left.
    """
    apply_style()
    fig, ax = figure_with_axes(height)
    top = 0.35
    fig.subplots_adjust(
        left=left / WIDTH_IN,
        right=1 - right / WIDTH_IN,
        bottom=bottom / height,
        top=1 - top / height,
    )
    ax.set_title(unit_note(unit), loc="left", fontsize=9, color="#404040")
    return fig, ax


def _values_written_out(ax, axis: str) -> None:
    """Drop the value axis: every bar carries its value, so ticks would only repeat them
    (and ticks are a third of the drawing time)."""
    getattr(ax, f"{axis}axis").set_visible(False)
    ax.spines["left" if axis == "y" else "bottom"].set_visible(False)


def unit_note(unit: str) -> str:
    """The unit written on a chart, if it has one.

    >>> unit_note("件"), unit_note("")
    ('单位：件', '')
    """
    return f"单位：{unit}" if unit else ""


def _legend_room(names) -> float:
    """Right margin for a legend outside the axes: handle, gap and the longest name."""
    return 0.8 + max((text_width(str(n)) for n in names), default=0.0)


def grouped_bars(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], unit: str
) -> Figure:
    """Vertical bars per label, one colour per series (e.g. last year and this year).

    ``title`` is kept in the recipe for the caption; a missing value (None) has no bar
    and is labelled "—", never drawn as 0.
    """
    fig, ax = _new(unit, left=0.2, right=_legend_room(series))
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        heights = [v if v is not None else 0 for v in values]
        bars = ax.bar(xs, heights, width=width * 0.95, label=name, color=PALETTE[k % len(PALETTE)])
        ax.bar_label(
            bars, labels=["—" if v is None else f"{v:.10g}" for v in values], padding=2, fontsize=8
        )
    ax.set_xticks(range(len(labels)), labels)
    _values_written_out(ax, "y")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.margins(y=0.15)
    return fig


def ranked_bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    value_format: str = "{:.10g}",
) -> Figure:
    """Horizontal bars sorted from largest to smallest (every value known: a caller
    leaves out the labels without a figure)."""
    order = sorted(range(len(labels)), key=lambda i: values[i])
    fig, ax = _new(
        unit,
        height=max(2.6, 0.32 * len(labels) + 0.8),
        left=0.25 + max((text_width(n) for n in labels), default=0.0),
        right=0.4,
        bottom=0.2,
    )
    names = [labels[i] for i in order]
    vals = [values[i] for i in order]
    colors = [PALETTE[0] for _ in names]
    bars = ax.barh(names, vals, color=colors)
    ax.bar_label(bars, labels=[value_format.format(v) for v in vals], padding=3, fontsize=8)
    _values_written_out(ax, "x")
    ax.margins(x=0.12)
    return fig


def rate_bars(
    title: str,
    labels: Sequence[str],
    rates: Sequence[float | None],
    value_format: str = "{:.2f}%",
) -> Figure:
    """Horizontal bars of percentages on a common 0–100 scale, each written out with
    ``value_format`` (the region's decimals)."""
    fig, ax = _new(
        "%",
        height=max(2.2, 0.45 * len(labels) + 0.6),
        left=0.25 + max((text_width(n) for n in labels), default=0.0),
        right=0.4,
        bottom=0.2,
    )
    vals = [r if r is not None else 0 for r in rates]
    bars = ax.barh(labels, vals, color=PALETTE[2])
    written = ["—" if r is None else value_format.format(r) for r in rates]
    ax.bar_label(bars, labels=written, padding=3, fontsize=8)
    ax.set_xlim(0, 115)
    _values_written_out(ax, "x")
    ax.invert_yaxis()
    return fig


def part_of_whole(
    title: str,
    labels: Sequence[str],
    parts: Sequence[float],
    wholes: Sequence[float],
    part_name: str,
    rest_name: str,
    unit: str,
) -> Figure:
    """Stacked bars: the part (e.g. settled) and the rest of each whole."""
    fig, ax = _new(unit, left=0.2, right=_legend_room([part_name, rest_name]))
    rest = [w - p for p, w in zip(parts, wholes, strict=True)]
    ax.bar(labels, parts, color=PALETTE[0], label=part_name)
    bars = ax.bar(labels, rest, bottom=parts, color="#bfbfbf", label=rest_name)
    ax.bar_label(bars, labels=[f"{w:.10g}" for w in wholes], padding=2, fontsize=8)
    _values_written_out(ax, "y")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.margins(y=0.15)
    return fig


def small_multiples(
    title: str,
    panels: Sequence[dict],
    years: Sequence[int],
    value_format: str,
    ceiling: float | None,
) -> Figure:
    """One panel per series with a line over the years and the value written at each point.

    ``panels`` are ``{"title": str, "points": [[year, value], ...]}``. Each panel is
    scaled to its own largest value when ``ceiling`` is None (counts that differ a
    thousandfold), else all to ``ceiling`` (rates). The panels are drawn in a single
    axes (one unit of width and height per panel, no axis of their own): a dozen real
    matplotlib axes, each with its ticks and spines, cost ten times as much to draw and
    the panels need none of it, since the values are written out.
    """
    apply_style()
    ncols = min(4, max(len(panels), 1))
    nrows = max(1, math.ceil(len(panels) / ncols))
    height = 1.7 * nrows + 0.3
    fig, ax = figure_with_axes(height)
    ax.set_position((0.02, 0.2 / height, 0.96, 1 - 0.4 / height))
    ax.set_axis_off()
    ax.set_xlim(0, ncols)
    ax.set_ylim(-nrows, 0)
    span = max(years[-1] - years[0], 1)
    baselines: list[tuple[float, float]] = []  # every panel's points, NaN between panels:
    series: list[tuple[float, float]] = []  # one line artist each, not two per panel
    for n, panel in enumerate(panels):
        left, bottom = n % ncols, -(n // ncols) - 1
        points = panel["points"]
        top = ceiling or max([*(v for _, v in points), 1]) * 1.35

        def at(year: float, value: float, left=left, bottom=bottom, top=top):
            return (
                left + 0.12 + 0.76 * (year - years[0]) / span,
                bottom + 0.3 + 0.42 * value / top,
            )

        baselines += [(left + 0.05, bottom + 0.3), (left + 0.95, bottom + 0.3), (math.nan,) * 2]
        drawn = [at(y, v) for y, v in points]
        series += [*drawn, (math.nan,) * 2]
        for (px, py), (_, value) in zip(drawn, points, strict=True):
            ax.text(px, py + 0.05, value_format.format(value), fontsize=7, ha="center", va="bottom")
        for year in years:
            ax.text(at(year, 0)[0], bottom + 0.24, str(year), fontsize=7, ha="center", va="top")
        ax.text(left + 0.5, bottom + 0.97, panel["title"], fontsize=8, ha="center", va="top")
    if baselines:
        ax.plot(*zip(*baselines, strict=True), color="#595959", linewidth=0.8)
        ax.plot(*zip(*series, strict=True), marker="o", color=PALETTE[0], linewidth=1.5)
    return fig


_STOCK: list[tuple[Figure, Axes]] = []


def stock_figures(count: int) -> None:
    """Make ``count`` blank figures with their axes ahead, for :func:`figure_with_axes`.

    A new matplotlib Axes costs about as much as drawing a small chart. The zygote
    stocks a few blank ones before it forks, so each run takes ready-made ones and
    pays only for what it draws.
    """
    apply_style()
    while len(_STOCK) < count:
        fig = new_figure(3.8)
        _STOCK.append((fig, fig.add_subplot()))


def figure_with_axes(height: float) -> tuple[Figure, Axes]:
    """A blank figure of the report's width and ``height`` inches with one axes."""
    if _STOCK:
        fig, ax = _STOCK.pop()
        fig.set_size_inches(WIDTH_IN, height)
        return fig, ax
    fig = new_figure(height)
    return fig, fig.add_subplot()


def new_figure(height: float) -> Figure:
    """A figure of the report's width outside pyplot: nothing global to register or
    close, and no figure manager to create (a fifth of a small chart's time)."""
    return Figure(figsize=(WIDTH_IN, height))


def png_bytes(fig: Figure, dpi: float | None = None, compress_level: int = 1) -> bytes:
    """Render a figure to PNG without timestamps or version metadata.

    By default zlib's fastest level: encoding at the default level takes as long as
    drawing the chart, for files only 7% smaller.
    """
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi or rcParams["savefig.dpi"],
        metadata={"Software": None},
        pil_kwargs={"compress_level": compress_level},
    )
    return buffer.getvalue()


SVG_SCALE = 110 / 72  # SVG user units are points; show charts at the PNG's 110 dpi size
_SVG_ROOT = re.compile(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt" viewBox="([^"]+)"[^>]*>')
_SVG_METADATA = ("Date", "Creator", "Format", "Type")
_SVG_STYLE = re.compile(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>", re.S)
_FIGURE_ID = re.compile(r"[\w-]+")
_SVG_ID = re.compile(r' id="([^"]+)"')
_SVG_REFERRED = re.compile(r'(?:url\(#|xlink:href="#)([^)"]+)')
_SVG_REFERENCE = re.compile(r'(\bid="|url\(#|xlink:href="#)')


def svg_markup(fig: Figure, *, figure_id: str, alt: str) -> str:
    """The figure as inline SVG for a web page: text kept as text, ids made unique.

    Text stays ``<text>`` (drawn by the browser with the page's embedded font, sharp
    at any zoom, selectable and found by the browser's search) instead of being
    rasterised; that also makes a chart about a third cheaper to produce than a PNG.
    The ids matplotlib refers to (clip paths, markers) get the figure's id as a prefix,
    so several charts share a page without clashing; its other ids and its page-wide
    ``*`` style rule are dropped (the page's stylesheet has the rule for charts), and so
    are the namespace declarations, which HTML's parser supplies for inline SVG.
    """
    if not _FIGURE_ID.fullmatch(figure_id):
        raise ValueError(f"figure id {figure_id!r}: use letters, digits, '-' and '_' only")
    apply_style()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=dict.fromkeys(_SVG_METADATA))
    svg = buffer.getvalue()
    svg = _SVG_STYLE.sub("", svg[svg.index("<svg") :], count=1)
    referred = set(_SVG_REFERRED.findall(svg))
    svg = _SVG_ID.sub(lambda m: m.group(0) if m.group(1) in referred else "", svg)
    svg = _SVG_REFERENCE.sub(lambda m: f"{m.group(1)}{figure_id}-", svg)
    root = _SVG_ROOT.match(svg)
    if root is None:
        raise ValueError("matplotlib wrote an SVG root this module does not know")
    width, height = (round(float(v) * SVG_SCALE) for v in root.group(1, 2))
    opening = (
        f'<svg width="{width}" height="{height}" viewBox="{root.group(3)}" role="img"'
        f' aria-label="{html.escape(alt)}">'
    )
    return opening + svg[root.end() :].strip()


@dataclass(frozen=True)
class Chart:
    """A chart as data: the name of one of this module's drawing functions and its
    arguments, all plain JSON values.

    Web pages show the chart as inline SVG, and a Word file needs a picture instead: the
    page keeps the recipe beside the SVG (``data-chart``) and the Word conversion draws
    it again, as a PNG at print resolution, with the same function.

    >>> chart = Chart.of(rate_bars, "比率", ["纠错率"], [12.5])
    >>> chart.args
    {'title': '比率', 'labels': ['纠错率'], 'rates': [12.5]}
    >>> Chart.from_json(chart.to_json()) == chart
    True
    """

    kind: str
    args: dict

    @classmethod
    def of(cls, draw: Callable[..., Figure], /, *args, **kwargs) -> Chart:
        """The recipe for ``draw(*args, **kwargs)``, arguments checked by its signature."""
        if KINDS.get(draw.__name__) is not draw:
            raise ValueError(f"{draw.__name__} is not one of the report's chart kinds")
        bound = inspect.signature(draw).bind(*args, **kwargs)
        return cls(draw.__name__, json.loads(json.dumps(bound.arguments, ensure_ascii=False)))

    def figure(self) -> Figure:
        return KINDS[self.kind](**self.args)

    def to_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "args": self.args}, ensure_ascii=False, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str) -> Chart:
        data = json.loads(text)
        if data.get("kind") not in KINDS:
            raise ValueError(f"unknown chart kind {data.get('kind')!r}")
        return cls(data["kind"], data["args"])


KINDS: dict[str, Callable[..., Figure]] = {
    f.__name__: f for f in (grouped_bars, ranked_bars, rate_bars, part_of_whole, small_multiples)
}
PRINT_DPI = 200  # pictures in the Word file are printed


def figure_html(chart: Chart, *, alt: str, caption: str, figure_id: str) -> str:
    """An accessible ``<figure>``: the chart as inline SVG (no external file) and its
    recipe, from which the Word conversion draws the picture it needs.

    The SVG sits in a box of its own (``ar-chart-box``) that scrolls sideways on a phone,
    where the chart keeps most of its drawn size so its labels stay readable (page.css);
    like a table's box it takes the keyboard focus and is named by the caption.
    """
    label = html.escape(caption, quote=True)
    return (
        f'<figure class="ar-chart" id="{html.escape(figure_id)}"'
        f' data-chart="{html.escape(chart.to_json())}">'
        f'<div class="ar-chart-box" tabindex="0" role="region" aria-label="{label}">'
        f"{svg_markup(chart.figure(), figure_id=figure_id, alt=alt)}</div>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def png_data_uri(chart: Chart, dpi: float = PRINT_DPI) -> str:
    """The chart drawn again as a PNG ``data:`` URI, for documents that take no SVG."""
    png = png_bytes(chart.figure(), dpi=dpi, compress_level=6)  # a file to send: keep it small
    data = base64.b64encode(png).decode("ascii")
    return f"data:image/png;base64,{data}"


_INLINE_SVG = re.compile(r'<svg width="(\d+)" height="(\d+)" ([^>]*)>(.*?)</svg>', re.S)
_ARIA_LABEL = re.compile(r'aria-label="([^"]*)"')
_STANDALONE = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="{w}" height="{h}" {rest}><style>* {{ stroke-linejoin: round;'
    " stroke-linecap: butt; }}</style>{body}</svg>"
)


def svg_as_images(page: str) -> str:
    """The charts of a block as ``<img>`` elements holding their SVG as a ``data:`` URI.

    A notebook shows HTML outputs through a sanitizer unless the notebook is trusted, and
    a built notebook is not: it strips inline SVG. An ``<img>`` with a ``data:`` URI passes,
    so the notebook shows every chart, trusted or not; the page keeps the inline SVG.

    >>> page = '<figure><svg width="2" height="1" viewBox="0 0 2 1" aria-label="图&amp;">'
    >>> img = svg_as_images(page + '<text>x</text></svg></figure>')
    >>> img[:57]
    '<figure><img width="2" height="1" alt="图&amp;" src="data:'
    >>> print(base64.b64decode(img.split("base64,")[1].split('"')[0]).decode()[-28:])
    </style><text>x</text></svg>
    """

    def image(match: re.Match) -> str:
        width, height, rest, body = match.groups()
        svg = _STANDALONE.format(w=width, h=height, rest=rest, body=body)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        alt = _ARIA_LABEL.search(rest)
        return (
            f'<img width="{width}" height="{height}" alt="{alt.group(1) if alt else ""}"'
            f' src="data:image/svg+xml;base64,{data}" class="ar-chart-image">'
        )

    return _INLINE_SVG.sub(image, page)
