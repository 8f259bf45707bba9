"""Key indicators of one unit over every year the data has: table rows and charts.

:func:`data_years` finds the years with figures, :func:`trend_rows` lays each indicator out
over them with the latest change phrased as in the report text (同比增长/下降 for counts,
个百分点 for rates, 上年为0 or 上年无数据 in words), and :func:`counts_chart` /
:func:`rates_chart` draw small multiples of the counts (each panel on its own scale) and,
as a separate chart, of the rates (all on 0–100%). No HTML here except through :mod:`charts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure as MplFigure

from . import charts
from .catalog import Indicator
from .facts import Facts, Figure
from .text import count_change_phrase, fmt_count, fmt_percent, rate_change_phrase

__all__ = [
    "NO_LAST_YEAR",
    "TrendRow",
    "change_phrase",
    "counts_chart",
    "data_years",
    "rates_chart",
    "series_alt",
    "trend_rows",
]

NO_LAST_YEAR = "上年无数据"
NO_THIS_YEAR = "本年无数据"


@dataclass(frozen=True)
class TrendRow:
    """One indicator over the years, with the change of the latest year in words."""

    indicator: Indicator
    figures: tuple[Figure, ...]
    change: str

    @property
    def is_rate(self) -> bool:
        return self.indicator.measure == "%"

    def shown(self, figure: Figure) -> str:
        """A value as the tables show it (grouped counts, two-decimal percentages)."""
        if self.is_rate:
            return fmt_percent(figure.value)
        return fmt_count(figure.value, grouping=True)


def change_phrase(indicator: Indicator, now: Figure, last: Figure | None) -> str:
    """The change from last year in words, following the report's conventions.

    Counts: ``同比增长67.81%`` / ``同比下降20.00%`` / ``上年为0``; rates and stated
    percentages: ``上升4.90个百分点``; ``与上年持平``; ``上年无数据`` or ``本年无数据``
    when a figure is missing. A ratio has no change phrase (``—``).
    """
    if now.value is None:
        return NO_THIS_YEAR
    if last is None or last.value is None:
        return NO_LAST_YEAR
    if indicator.kind == "ratio":
        return "—"
    if indicator.measure == "%":
        return rate_change_phrase(now.value, last.value)
    return count_change_phrase(now.value, last.value)


def data_years(facts: Facts, unit: str, indicators: Sequence[Indicator], until: int) -> list[int]:
    """Years up to ``until`` in which the unit has a figure of at least one indicator."""
    return [
        y
        for y in facts.years
        if y <= until and any(facts.value(i.id, unit, y) is not None for i in indicators)
    ]


def trend_rows(
    facts: Facts, unit: str, indicators: Sequence[Indicator], years: Sequence[int]
) -> list[TrendRow]:
    """One row per indicator with a figure in any of ``years``; the change is of the last year.

    The change compares the last year with the year before it, and only if that is one
    of ``years`` (otherwise 上年无数据).
    """
    rows = []
    for ind in indicators:
        figures = tuple(facts.figure(ind.id, unit, y) for y in years)
        if all(f.value is None for f in figures):
            continue
        now = figures[-1]
        last = figures[-2] if len(years) > 1 and years[-2] == years[-1] - 1 else None
        rows.append(TrendRow(ind, figures, change_phrase(ind, now, last)))
    return rows


def series_alt(rows: Sequence[TrendRow], years: Sequence[int]) -> str:
    """Alt text: every indicator with its value in each year (missing ones left out)."""
    parts = []
    for row in rows:
        measure = "" if row.is_rate else row.indicator.measure
        values = "，".join(
            f"{y}年{fmt_percent(f.value) if row.is_rate else fmt_count(f.value)}{measure}"
            for y, f in zip(years, row.figures, strict=True)
            if f.value is not None
        )
        parts.append(f"{row.indicator.name}{values}")
    return "；".join(parts)


def _points(row: TrendRow, years: Sequence[int]) -> tuple[list[int], list[float]]:
    """The years with a figure and the figures as floats (for drawing only)."""
    pairs = [
        (y, float(f.value)) for y, f in zip(years, row.figures, strict=True) if f.value is not None
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _small_multiples(
    title: str,
    rows: Sequence[TrendRow],
    years: Sequence[int],
    label: Callable[[float], str],
    top: Callable[[list[float]], float],
) -> MplFigure:
    """One panel per row with a line over the years and the value written at each point.

    The panels are drawn in a single axes (one unit of width and height per panel, no
    axis of their own): a dozen real matplotlib axes, each with its ticks and spines,
    cost ten times as much to draw and the panels need none of it, since the values
    are written out.
    """
    charts.apply_style()
    ncols = min(4, max(len(rows), 1))
    nrows = max(1, math.ceil(len(rows) / ncols))
    height = 1.7 * nrows + 0.7
    fig = charts.new_figure(height)
    fig.suptitle(title, y=1 - 0.12 / height)
    ax = fig.add_axes((0.02, 0.2 / height, 0.96, 1 - 0.85 / height))
    ax.set_axis_off()
    ax.set_xlim(0, ncols)
    ax.set_ylim(-nrows, 0)
    span = max(years[-1] - years[0], 1)
    for n, row in enumerate(rows):
        left, bottom = n % ncols, -(n // ncols) - 1
        xs, ys = _points(row, years)
        ceiling = top(ys)

        def at(year: float, value: float, left=left, bottom=bottom, ceiling=ceiling):
            return (
                left + 0.12 + 0.76 * (year - years[0]) / span,
                bottom + 0.3 + 0.42 * value / ceiling,
            )

        ax.plot([left + 0.05, left + 0.95], [bottom + 0.3] * 2, color="#595959", linewidth=0.8)
        points = [at(x, y) for x, y in zip(xs, ys, strict=True)]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", color=charts.PALETTE[0], linewidth=1.5)
        for (px, py), y in zip(points, ys, strict=True):
            ax.text(px, py + 0.05, label(y), fontsize=7, ha="center", va="bottom")
        for year in years:
            ax.text(at(year, 0)[0], bottom + 0.24, str(year), fontsize=7, ha="center", va="top")
        ax.text(
            left + 0.5,
            bottom + 0.97,
            f"{row.indicator.name}（{row.indicator.measure}）",
            fontsize=8,
            ha="center",
            va="top",
        )
    return fig


def counts_chart(title: str, rows: Sequence[TrendRow], years: Sequence[int]) -> MplFigure:
    """Small multiples of counts, each panel on its own scale (they differ a thousandfold)."""
    return _small_multiples(title, rows, years, "{:g}".format, lambda ys: max([*ys, 1]) * 1.35)


def rates_chart(title: str, rows: Sequence[TrendRow], years: Sequence[int]) -> MplFigure:
    """Small multiples of rates, every panel on the same 0–100% scale."""
    return _small_multiples(title, rows, years, "{:.2f}%".format, lambda ys: 118.0)
