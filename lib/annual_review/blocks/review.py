"""The blocks a notebook cell shows for one unit's review, in outline order.

A notebook calls ``Review.load(...)`` with its parameters and displays the blocks:
header, the four parts, the key-figure table, trends and charts, sources. Every block is
HTML built from data (figures are never typed by hand) plus escaped or sanitised analyst
text, and carries its headings so the published page can build a table of contents.
"""

from __future__ import annotations

from annual_review.blocks import charts, safe_html
from annual_review.blocks.block import (
    CHINESE_NUMERALS,
    ILLUSTRATIVE_MARK,
    Block,
    change_text,
    figure_text,
    heading,
)
from annual_review.blocks.plan_table import status_table
from annual_review.blocks.trend_charts import counts_chart, rates_chart
from annual_review.blocks.unit_review import UnitReview
from annual_review.figures.findings import shown
from annual_review.figures.phrasing import fmt_count, fmt_percent
from annual_review.figures.trends import data_years, series_alt, trend_rows
from annual_review.inputs.plans import status_summary

__all__ = ["Block", "Review"]


class Review(UnitReview):
    """Everything needed to write one unit's review of one year, block by block."""

    # ── blocks in outline order ───────────────────────────────────────
    def header(self) -> Block:
        """Title, addressee, the illustrative-data notice and the introduction."""
        p = self.params
        parts = [f'<h1 class="ar-title">{safe_html.text(self.title)}</h1>']
        if p.addressee:
            parts.append(f'<p class="ar-addressee">{safe_html.text(p.addressee)}：</p>')
        if self.shows_illustrative():
            parts.append(
                '<aside class="ar-illustrative" role="note"><strong>示意数据提示：</strong>'
                f"本页标有“{ILLUSTRATIVE_MARK}”的数字"
                + ("及文字内容" if p.illustrative else "")
                + "为示意数据，仅用于演示报告的生成方式，不是官方统计，"
                "编制时已与年度报告公布的总数保持一致。</aside>"
            )
        if p.intro:
            parts.append(safe_html.markdown(p.intro))
        return Block("\n".join(parts))

    def _section_blocks(self, part: int) -> list[str]:
        out: list[str] = []
        sections = [s for s in self.catalog.sections if s.part == part]
        number = 0
        for section in sections:
            sentence = self.section_sentence(section.id)
            highlights = self.params.sections.get(section.id, [])
            if not sentence and not highlights:
                continue
            number += 1
            out.append(
                f'<h3 id="s-{section.id}">（{CHINESE_NUMERALS[number - 1]}）'
                f"{safe_html.text(section.title)}</h3>"
            )
            if sentence:
                out.append(f'<p class="ar-figures">{sentence}</p>')
            for k, item in enumerate(highlights, start=1):
                out.append(
                    f'<div class="ar-highlight"><p><strong>{k}.{safe_html.text(item.title)}。'
                    "</strong></p>"
                    f"{safe_html.markdown(item.text)}</div>"
                )
        return out

    def part(self, number: int) -> Block:
        """One of the four mandated parts, headed as in the outline."""
        title = self.catalog.parts[number]
        if number == 4:
            title = f"{self.year + 1}年推进法治政府建设的主要安排"
        head, entry = heading(2, f"part-{number}", f"{CHINESE_NUMERALS[number - 1]}、{title}")
        body: list[str] = []
        entries = [entry]
        if number in (1, 2):
            body = self._section_blocks(number)
        elif number == 3:
            found = self._findings()
            body = self._shortcomings() + found
            if found:
                entries.append((3, "findings", "（数据提示）"))
        else:
            body = self._plans()
            if self.last_year_plans():
                entries.append((3, "plan-status", "上年计划落实情况"))
        return Block("\n".join([head, *body]), entries)

    def _shortcomings(self) -> list[str]:
        out = []
        if self.params.shortcomings_intro:
            out.append(safe_html.markdown(self.params.shortcomings_intro))
        for k, item in enumerate(self.params.shortcomings):
            out.append(
                f'<div class="ar-shortcoming"><p><strong>{CHINESE_NUMERALS[k]}是'
                f"{safe_html.text(item.title)}。</strong></p>{safe_html.markdown(item.detail)}</div>"
            )
        return out

    def _findings(self) -> list[str]:
        """The findings not dismissed, apart from the analyst's text, each marked as from data."""
        listed = shown(self.data_findings(), self.params.findings)
        if not listed:
            return []
        out = [
            '<section class="ar-findings" aria-labelledby="findings">'
            '<h3 id="findings">（数据提示）</h3>'
            '<p class="ar-findings-intro">以下各条由指标数据按预设阈值自动生成，供对照分析；'
            "经分析人员核实的标注“已确认”，已排除的不再列出。</p>"
        ]
        for finding, review in listed:
            status = review.status if review else "unreviewed"
            badge = "已确认" if status == "confirmed" else "待确认"
            mark = (
                f'<sup class="ar-mark" title="示意数据">{ILLUSTRATIVE_MARK}</sup>'
                if finding.illustrative
                else ""
            )
            note = (
                f'<p class="ar-finding-note">说明：{safe_html.text(review.note)}</p>'
                if review and review.note
                else ""
            )
            out.append(
                f'<div class="ar-finding" id="{safe_html.text(finding.id)}" '
                f'data-status="{status}" data-generated="data">'
                '<p><span class="ar-finding-source">［数据生成］</span>'
                f"{safe_html.text(finding.sentence)}{mark}"
                + (f"，{safe_html.text(finding.note)}" if finding.note else "")
                + f'。<span class="ar-finding-status">（{badge}）</span></p>{note}</div>'
            )
        out.append("</section>")
        return out

    def _plans(self) -> list[str]:
        out = []
        rows = self.last_year_plans()
        if rows:
            head, _ = heading(3, "plan-status", "上年计划落实情况")
            out += [
                head,
                f"<p>{safe_html.text(status_summary(rows, self.year))}</p>",
                status_table(rows, self.year),
                f"<p>{self.year + 1}年，重点抓好以下工作：</p>",
            ]
        return out + [
            f'<div class="ar-plan" id="plan-{safe_html.text(item.id)}">'
            f"<p><strong>（{CHINESE_NUMERALS[k]}）"
            f"{safe_html.text(item.title)}。</strong></p>{safe_html.markdown(item.detail)}</div>"
            for k, item in enumerate(self.params.plans)
        ]

    def key_table(self) -> Block:
        """The key indicators with this year, last year and the change."""
        head, entry = heading(3, "key-indicators", "主要指标一览")
        rows = []
        for ind in self.indicators(key_only=True):
            now, last = self.fig(ind.id), self.fig(ind.id, self.year - 1)
            if now.value is None and last.value is None:
                continue
            fmt = fmt_percent if ind.measure == "%" else (lambda v: fmt_count(v, grouping=True))
            rows.append(
                f'<tr><th scope="row">{safe_html.text(ind.name)}</th>'
                f"<td>{safe_html.text(ind.measure)}</td>"
                f'<td class="num">{fmt(now.value)}{self.mark(now)}</td>'
                f'<td class="num">{fmt(last.value)}{self.mark(last)}</td>'
                f'<td class="num">{change_text(now, last)}</td></tr>'
            )
        table = (
            '<table class="ar-table"><caption>主要指标（'
            f"{self.year}年与{self.year - 1}年）</caption><thead><tr>"
            f'<th scope="col">指标</th><th scope="col">单位</th><th scope="col">{self.year}年</th>'
            f'<th scope="col">{self.year - 1}年</th><th scope="col">变化</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        return Block(head + table, [entry])

    # ── trends over all years ─────────────────────────────────────────
    def trends(self) -> Block:
        """The key indicators over every year of data, with charts; empty for one year."""
        inds = self.indicators(key_only=True)
        years = data_years(self.facts, self.unit.name, inds, self.year)
        if len(years) < 2:
            return Block("")
        rows = trend_rows(self.facts, self.unit.name, inds, years)
        head, entry = heading(3, "trends", "主要指标历年变化")
        span = f"{years[0]}—{years[-1]}年"
        intro = (
            f"<p>{safe_html.text(self.unit.name)}{span}主要指标如下表；“变化”栏为{years[-1]}年"
            "与上年相比：数量指标为同比增减幅度，比率指标为增减的百分点。</p>"
        )
        year_heads = "".join(f'<th scope="col">{y}年</th>' for y in years)
        body = "".join(
            f'<tr><th scope="row">{safe_html.text(r.indicator.name)}</th>'
            f"<td>{safe_html.text(r.indicator.measure)}</td>"
            + "".join(f'<td class="num">{r.shown(f)}{self.mark(f)}</td>' for f in r.figures)
            + f'<td class="num">{safe_html.text(r.change)}</td></tr>'
            for r in rows
        )
        table = (
            f'<table class="ar-table ar-wide ar-trends"><caption>主要指标历年变化（{span}）'
            f'</caption><thead><tr><th scope="col">指标</th><th scope="col">单位</th>{year_heads}'
            f'<th scope="col">变化</th></tr></thead><tbody>{body}</tbody></table>'
        )
        parts = [head, intro, table]
        counts = [r for r in rows if r.indicator.kind == "count"]
        rates = [r for r in rows if r.indicator.kind == "rate"]
        for chosen, draw, title, anchor in (
            (counts, counts_chart, f"主要数量指标历年变化（{span}）", "chart-trend-counts"),
            (rates, rates_chart, f"主要比率指标历年变化（{span}）", "chart-trend-rates"),
        ):
            if chosen:
                chart = draw(title, chosen, years)
                alt = f"{title}：{series_alt(chosen, years)}"
                parts.append(charts.figure_html(chart, alt=alt, caption=title, figure_id=anchor))
        return Block("\n".join(parts), [entry])

    # ── charts ─────────────────────────────────────────────────────────
    def _chart(self, chart: charts.Chart, alt: str, caption: str, anchor: str) -> Block:
        return Block(charts.figure_html(chart, alt=alt, caption=caption, figure_id=anchor))

    def chart_year_on_year(self, indicator_ids: list[str], title: str, anchor: str) -> Block:
        """Grouped bars of some counts, last year beside this year."""
        inds = [self.catalog[i] for i in indicator_ids]
        labels = [i.name for i in inds]
        series = {
            f"{y}年": [self._float(self.fig(i.id, y).value) for i in inds]
            for y in (self.year - 1, self.year)
        }
        measure = inds[0].measure
        described = "；".join(
            f"{lab}{'—' if y is None else f'{y:g}'}{'' if y is None else measure}"
            for lab, y in zip(labels, series[f"{self.year}年"], strict=True)
        )
        chart = charts.Chart.of(charts.grouped_bars, title, labels, series, measure)
        return self._chart(chart, f"{title}：{self.year}年{described}", title, anchor)

    def chart_rates(self, title: str, anchor: str) -> Block:
        """Bars of this year's key rates."""
        inds = [i for i in self.indicators(key_only=True) if i.kind == "rate"]
        pairs = [(i.name, v) for i in inds if (v := self.fig(i.id).value) is not None]
        chart = charts.Chart.of(
            charts.rate_bars, title, [p[0] for p in pairs], [float(p[1]) for p in pairs]
        )
        alt = "；".join(f"{n}{fmt_percent(v)}" for n, v in pairs)
        return self._chart(chart, f"{title}：{alt}", title, anchor)

    def chart_townships(self, indicator_id: str, title: str, anchor: str) -> Block:
        """City only: one indicator across the townships, ranked."""
        ind = self.catalog[indicator_id]
        names = [u.name for u in self.region.townships]
        values = [self._float(self.fig(ind.id, unit=n).value) or 0.0 for n in names]
        fmt = "{:.2f}%" if ind.measure == "%" else "{:g}"
        chart = charts.Chart.of(
            charts.ranked_bars, f"{title}（示意数据）", names, values, ind.measure, value_format=fmt
        )
        alt = "；".join(f"{n}{fmt.format(v)}" for n, v in zip(names, values, strict=True))
        return self._chart(chart, f"{title}（示意数据）：{alt}", f"{title}（示意数据）", anchor)

    def chart_part_of_whole(self, part_id: str, title: str, anchor: str) -> Block:
        """Stacked bars of a part within its whole for the last two years."""
        part = self.catalog[part_id]
        assert part.part_of is not None  # only asked for an indicator that is part of another
        whole = self.catalog[part.part_of]
        years = [self.year - 1, self.year]
        parts = [self._float(self.fig(part.id, y).value) or 0.0 for y in years]
        wholes = [self._float(self.fig(whole.id, y).value) or 0.0 for y in years]
        chart = charts.Chart.of(
            charts.part_of_whole,
            title,
            [f"{y}年" for y in years],
            parts,
            wholes,
            part.name,
            f"其余{whole.name}",
            part.measure,
        )
        alt = "；".join(
            f"{y}年{whole.name}{w:g}{whole.measure}，其中{part.name}{p:g}"
            for y, p, w in zip(years, parts, wholes, strict=True)
        )
        return self._chart(chart, f"{title}：{alt}", title, anchor)

    def township_comparison(self) -> Block:
        """City only: a table comparing the townships on their key indicators."""
        head, entry = heading(3, "townships", "各镇（街道）主要指标比较（示意数据）")
        inds = self.catalog.for_level("township", key_only=True)
        inds = [i for i in inds if i.applies_to == "township" or i.kind == "rate"]
        header = "".join(f'<th scope="col">{safe_html.text(i.name)}</th>' for i in inds)
        body = []
        for town in self.region.townships:
            cells = []
            for ind in inds:
                f = self.fig(ind.id, unit=town.name)
                cells.append(f'<td class="num">{figure_text(f)}{self.mark(f)}</td>')
            body.append(
                f'<tr><th scope="row"><a href="{town.slug}.html">{safe_html.text(town.name)}</a>'
                f"</th>{''.join(cells)}</tr>"
            )
        table = (
            f'<table class="ar-table ar-wide"><caption>{self.year}年各镇（街道）主要指标</caption>'
            f'<thead><tr><th scope="col">镇（街道）</th>{header}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
        )
        return Block(head + table, [entry])

    def sources(self) -> Block:
        """Where the figures come from."""
        units = None if self.is_city else self.unit.name
        items = "".join(f"<li>{safe_html.text(s)}</li>" for s in self.facts.sources(units))
        return Block(f'<section class="ar-sources"><h4>数据来源</h4><ul>{items}</ul></section>')

    @staticmethod
    def _float(value) -> float | None:
        return None if value is None else float(value)
