"""Key indicators of one unit over every year the data has: table rows and charts.

:func:`data_years` finds the years with figures, :func:`trend_rows` lays each indicator out
over them with the latest change phrased as in the report text (同比增长/下降 for counts,
个百分点 for rates, 上年为0 or 上年无数据 in words). The charts of those rows are report
blocks (:mod:`annual_review.blocks.trend_charts`). Pure: no HTML, no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annual_review.figures.facts import Facts, Figure
from annual_review.figures.phrasing import (
    count_change_phrase,
    fmt_count,
    fmt_percent,
    rate_change_phrase,
)
from annual_review.inputs.catalog import Indicator

__all__ = [
    "NO_LAST_YEAR",
    "TrendRow",
    "change_phrase",
    "data_years",
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
            return fmt_percent(figure.value, rounding=figure.rounding)
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
        return rate_change_phrase(now.value, last.value, now.rounding)
    return count_change_phrase(now.value, last.value, now.rounding)


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
            f"{y}年{row.shown(f) if row.is_rate else fmt_count(f.value)}{measure}"
            for y, f in zip(years, row.figures, strict=True)
            if f.value is not None
        )
        parts.append(f"{row.indicator.name}{values}")
    return "；".join(parts)
