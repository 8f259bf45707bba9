"""Charts of the key indicators over the years: small multiples of the counts (each panel
on its own scale) and, apart, of the rates (all on 0–100%), as chart recipes."""

from __future__ import annotations

from collections.abc import Sequence

from annual_review.blocks import charts
from annual_review.figures.indicators import Rounding
from annual_review.figures.phrasing import value_format
from annual_review.figures.trends import TrendRow


def panels(rows: Sequence[TrendRow], years: Sequence[int]) -> list[dict]:
    """Each row as a panel of plain values: its title and the years with a figure."""
    return [
        {
            "title": f"{row.indicator.name}（{row.indicator.measure}）",
            "points": [
                [y, f.drawn] for y, f in zip(years, row.figures, strict=True) if f.value is not None
            ],
        }
        for row in rows
    ]


def counts_chart(title: str, rows: Sequence[TrendRow], years: Sequence[int]) -> charts.Chart:
    """Small multiples of counts, each panel on its own scale (they differ a thousandfold)."""
    return charts.Chart.of(
        charts.small_multiples, title, panels(rows, years), list(years), "{:.10g}", None
    )


def rates_chart(title: str, rows: Sequence[TrendRow], years: Sequence[int]) -> charts.Chart:
    """Small multiples of rates, every panel on the same 0–100% scale, written with the
    region's decimals."""
    rounding = rows[0].figures[0].rounding if rows and rows[0].figures else Rounding()
    return charts.Chart.of(
        charts.small_multiples,
        title,
        panels(rows, years),
        list(years),
        value_format("%", rounding),
        118.0,
    )
