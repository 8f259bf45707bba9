"""The charts of one unit's review: this year against last, rates, a part within its whole
and, for the city, one indicator across its townships.

Every chart is an exhibit (:func:`annual_review.blocks.block.exhibit`): the page shows it
in place and the Word file moves it into an attachment. A missing figure is never drawn
as 0: it is left out, and a chart with nothing left to draw becomes a one-line note. A
chart never puts two measures (件 and 次) on one axis. The caption is the chart's only
title and says "示意数据" only when a figure drawn is flagged illustrative in the data.
"""

from __future__ import annotations

from collections.abc import Sequence

from annual_review.blocks import charts, safe_html
from annual_review.blocks.block import Block, chart_note, exhibit
from annual_review.blocks.unit_review import UnitReview
from annual_review.core.errors import InputError
from annual_review.figures.facts import Figure
from annual_review.figures.phrasing import fmt_amount, fmt_count, fmt_percent, value_format

__all__ = ["ReviewCharts", "illustrative_suffix"]


def illustrative_suffix(figures: Sequence[Figure]) -> str:
    """What a caption adds for the illustrative figures it shows, from their flags.

    >>> from types import SimpleNamespace as F
    >>> illustrative_suffix([F(illustrative=True), F(illustrative=True)])
    '（示意数据）'
    >>> illustrative_suffix([F(illustrative=True), F(illustrative=False)])
    '（含示意数据）'
    >>> illustrative_suffix([F(illustrative=False)]), illustrative_suffix([])
    ('', '')
    """
    flags = [f.illustrative for f in figures]
    if flags and all(flags):
        return "（示意数据）"
    return "（含示意数据）" if any(flags) else ""


class ReviewCharts(UnitReview):
    """The chart blocks of :class:`annual_review.blocks.review.Review`."""

    def _chart(
        self, chart: charts.Chart, alt: str, caption: str, anchor: str, drawn: list[Figure]
    ) -> Block:
        caption += illustrative_suffix(drawn)
        figure = charts.figure_html(
            chart, alt=f"{caption}：{alt}", caption=caption, figure_id=anchor
        )
        return Block(exhibit("chart", figure))

    def chart_year_on_year(self, indicator_ids: list[str], title: str, anchor: str) -> Block:
        """Grouped bars of some counts of one measure, last year beside this year.

        An indicator without a figure in either year is left out; a year without any
        figure has no bars.
        """
        inds = [self.catalog[i] for i in indicator_ids]
        measures = sorted({i.measure for i in inds})
        if len(measures) > 1:
            raise InputError(
                f"chart {anchor}: {', '.join(i.id for i in inds)} are counted in "
                f"{'、'.join(measures)}; one chart takes one measure: draw them apart"
            )
        years = (self.year - 1, self.year)
        figs = {i.id: [self.fig(i.id, y) for y in years] for i in inds}
        inds = [i for i in inds if any(f.value is not None for f in figs[i.id])]
        if not inds:
            return Block(chart_note(f"{title}：{self.year - 1}、{self.year}年均无数据"))
        series = {
            f"{y}年": [self._float(figs[i.id][k].value) for i in inds]
            for k, y in enumerate(years)
            if any(figs[i.id][k].value is not None for i in inds)
        }
        measure = inds[0].measure
        drawn_years = [k for k, y in enumerate(years) if f"{y}年" in series]
        described = "；".join(  # every bar's figure, both years, for readers of the text alone
            i.name
            + "、".join(
                f"{years[k]}年"
                + ("无数据" if (v := figs[i.id][k].value) is None else f"{fmt_count(v)}{measure}")
                for k in drawn_years
            )
            for i in inds
        )
        chart = charts.Chart.of(charts.grouped_bars, title, [i.name for i in inds], series, measure)
        drawn = [f for i in inds for f in figs[i.id] if f.value is not None]
        return self._chart(chart, described, title, anchor, drawn)

    def chart_rates(self, title: str, anchor: str) -> Block:
        """Bars of this year's key rates (those with a figure)."""
        inds = [i for i in self.indicators(key_only=True) if i.kind == "rate"]
        shown = [(i, f) for i in inds if (f := self.fig(i.id)).value is not None]
        if not shown:
            return Block(chart_note(f"{title}：{self.year}年无比率指标数据"))
        chart = charts.Chart.of(
            charts.rate_bars,
            title,
            [i.name for i, _ in shown],
            [f.drawn for _, f in shown],
            value_format("%", shown[0][1].rounding),
        )
        alt = "；".join(f"{i.name}{fmt_percent(f.value, rounding=f.rounding)}" for i, f in shown)
        return self._chart(chart, alt, title, anchor, [f for _, f in shown])

    def chart_townships(self, indicator_id: str, title: str, anchor: str) -> Block:
        """City only: one indicator across the townships, ranked.

        Townships without the figure are left out and named in the caption; a figure
        equal for every township is one sentence, not a chart of equal bars.
        """
        ind = self.catalog[indicator_id]
        figs = [(u.name, self.fig(ind.id, unit=u.name)) for u in self.region.townships]
        known = [(n, f) for n, f in figs if f.value is not None]
        missing = [n for n, f in figs if f.value is None]
        if not known:
            return Block(chart_note(f"{title}：各镇（街道）均无{self.year}年数据"))
        values = [f.drawn for _, f in known]
        if len(known) > 1 and len(set(values)) == 1:
            suffix = illustrative_suffix([f for _, f in known])
            who = "各镇（街道）" if not missing else "、".join(n for n, _ in known)
            return Block(
                f'<p class="ar-figures">{safe_html.text(who)}{self.year}年{ind.name}均为'
                f"{fmt_amount(known[0][1].value, ind.measure, known[0][1].rounding)}{suffix}。</p>"
            )
        caption = title + (f"（{'、'.join(missing)}无数据）" if missing else "")
        fmt = value_format(ind.measure, known[0][1].rounding)
        chart = charts.Chart.of(
            charts.ranked_bars,
            title,
            [n for n, _ in known],
            values,
            ind.measure,
            value_format=fmt,
        )
        alt = "；".join(f"{n}{fmt_amount(f.value, ind.measure, f.rounding)}" for n, f in known)
        return self._chart(chart, alt, caption, anchor, [f for _, f in known])

    def chart_part_of_whole(self, part_id: str, title: str, anchor: str) -> Block:
        """Stacked bars of a part within its whole for the last two years (the years
        with both figures)."""
        part = self.catalog[part_id]
        assert part.part_of is not None  # only asked for an indicator that is part of another
        whole = self.catalog[part.part_of]
        years = [
            (y, p, w)
            for y in (self.year - 1, self.year)
            if (p := self.fig(part.id, y)).value is not None
            and (w := self.fig(whole.id, y)).value is not None
        ]
        if not years:
            return Block(chart_note(f"{title}：无{part.name}与{whole.name}数据"))
        parts = [float(p.value) for _, p, _ in years]  # type: ignore[arg-type]
        wholes = [float(w.value) for _, _, w in years]  # type: ignore[arg-type]
        chart = charts.Chart.of(
            charts.part_of_whole,
            title,
            [f"{y}年" for y, _, _ in years],
            parts,
            wholes,
            part.name,
            f"其余{whole.name}",
            part.measure,
        )
        alt = "；".join(
            f"{y}年{whole.name}{w:.10g}{whole.measure}，其中{part.name}{p:.10g}"
            for (y, _, _), p, w in zip(years, parts, wholes, strict=True)
        )
        drawn = [f for _, p, w in years for f in (p, w)]
        return self._chart(chart, alt, title, anchor, drawn)

    @staticmethod
    def _float(value) -> float | None:
        return None if value is None else float(value)
