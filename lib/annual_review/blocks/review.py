"""The blocks a notebook cell shows for one unit's review, in outline order.

A notebook calls ``Review.load(...)`` with its parameters and displays the blocks:
header, the four parts, the signature (落款 and 成文日期), the key-figure tables and
charts (exhibits), and the sources note. Every block is HTML built from data (figures are
never typed by hand) plus escaped or sanitised analyst text, and carries its headings so
the published page can build a table of contents.

Findings raised from data are the analyst's material: only those the params confirm are
written, as prose, in part 3; the others are listed on the analyst's review page (see
:mod:`annual_review.figures.gate`), never in the report.
"""

from __future__ import annotations

from annual_review.blocks import charts, safe_html
from annual_review.blocks.block import (
    ILLUSTRATIVE_MARK,
    Block,
    change_text,
    chinese_number,
    exhibit,
    figure_text,
    heading,
)
from annual_review.blocks.plan_table import status_table
from annual_review.blocks.review_charts import ReviewCharts, illustrative_suffix
from annual_review.blocks.trend_charts import counts_chart, rates_chart
from annual_review.figures.phrasing import fmt_date
from annual_review.figures.trends import data_years, series_alt, trend_rows
from annual_review.inputs.plans import status_summary

__all__ = ["Block", "Review"]


class Review(ReviewCharts):
    """Everything needed to write one unit's review of one year, block by block."""

    # ── blocks in outline order ───────────────────────────────────────
    def header(self) -> Block:
        """Title, addressee, the illustrative-data notice and the introduction."""
        p = self.params
        parts = [f'<h1 class="ar-title">{safe_html.text(self.title)}</h1>']
        if p.addressee:
            parts.append(f'<p class="ar-addressee">{safe_html.text(p.addressee)}：</p>')
        figures, words = self.shows_illustrative_figures(), p.illustrative
        if figures or words:
            what = "、".join(
                x
                for x, on in ((f"标有“{ILLUSTRATIVE_MARK}”的数字", figures), ("文字内容", words))
                if on
            )
            parts.append(
                '<aside class="ar-illustrative" role="note"><strong>示意数据说明：</strong>'
                f"本报告中{what}为示意，不是官方统计或正式发布的内容。</aside>"
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
                f'<h3 id="s-{section.id}">（{chinese_number(number)}）'
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
        head, entry = heading(2, f"part-{number}", f"{chinese_number(number)}、{title}")
        body: list[str] = []
        entries = [entry]
        if number in (1, 2):
            body = self._section_blocks(number)
        elif number == 3:
            body = self._shortcomings()
        else:
            body = self._plans()
        return Block("\n".join([head, *body]), entries)

    def _shortcomings(self) -> list[str]:
        out = []
        if self.params.shortcomings_intro:
            out.append(safe_html.markdown(self.params.shortcomings_intro))
        out += self._confirmed_findings()
        for k, item in enumerate(self.params.shortcomings):
            out.append(
                f'<div class="ar-shortcoming"><p><strong>{chinese_number(k + 1)}是'
                f"{safe_html.text(item.title)}。</strong></p>{safe_html.markdown(item.detail)}</div>"
            )
        return out

    def _confirmed_findings(self) -> list[str]:
        """The findings the analyst confirmed, as one paragraph of part 3.

        Each is the sentence made from the data followed by the analyst's note, or the
        catalogue's comment when there is no note. Unreviewed and dismissed findings are
        not report text: they are on the review page only.
        """
        said = []
        for finding in self.confirmed_findings():
            review = self.params.findings[finding.id]
            mark = ILLUSTRATIVE_MARK if finding.illustrative else ""
            comment = review.note or finding.note
            said.append(
                safe_html.text(finding.sentence)
                + (f'<sup class="ar-mark" title="示意数据">{mark}</sup>' if mark else "")
                + (f"，{safe_html.text(comment.rstrip('。；;'))}" if comment else "")
            )
        if not said:
            return []
        return [f'<p class="ar-data-findings">从年度指标看，{"；".join(said)}。</p>']

    def _plans(self) -> list[str]:
        """Last year's plans with how they went (a sentence and a table), then next
        year's plans, each headed （一）… like the sections of part 2."""
        out = []
        rows = self.last_year_plans()
        if rows:
            out += [
                f'<p id="plan-status">{safe_html.text(status_summary(rows, self.year))}</p>',
                exhibit("table", status_table(rows, self.year)),
                f"<p>{self.year + 1}年，重点抓好以下工作：</p>",
            ]
        for k, item in enumerate(self.params.plans):
            head, _ = heading(
                3, f"plan-{item.id}", f"（{chinese_number(k + 1)}）{item.title.rstrip('。')}"
            )
            out.append(f'<div class="ar-plan">{head}{safe_html.markdown(item.detail)}</div>')
        return out

    def signature(self) -> Block:
        """The issuing body and, under it, the date of writing (落款 and 成文日期)."""
        from datetime import date

        written = fmt_date(date.fromisoformat(self.params.date))
        return Block(
            '<section class="ar-signature" aria-label="落款">'
            f'<p class="ar-issuer">{safe_html.text(self.params.issuer)}</p>'
            f'<p class="ar-date"><time datetime="{self.params.date}">{written}</time></p>'
            "</section>"
        )

    def key_table(self) -> Block:
        """The key indicators with this year, last year and the change."""
        head, entry = heading(3, "key-indicators", "主要指标一览")
        rows = []
        shown = []
        for ind in self.indicators(key_only=True):
            now, last = self.fig(ind.id), self.fig(ind.id, self.year - 1)
            if now.value is None and last.value is None:
                continue
            shown += [now, last]
            rows.append(
                f'<tr><th scope="row">{safe_html.text(ind.name)}</th>'
                f"<td>{safe_html.text(ind.measure)}</td>"
                f'<td class="num">{self.cell(now)}</td>'
                f'<td class="num">{self.cell(last)}</td>'
                f'<td class="num">{change_text(now, last)}</td></tr>'
            )
        table = (
            '<table class="ar-table"><caption>主要指标（'
            f"{self.year}年与{self.year - 1}年）{self._suffix_of_table(shown)}</caption><thead><tr>"
            f'<th scope="col">指标</th><th scope="col">单位</th><th scope="col">{self.year}年</th>'
            f'<th scope="col">{self.year - 1}年</th><th scope="col">变化</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        return Block(exhibit("table", head + table + self.reasons_note(shown)), [entry])

    def cell(self, figure) -> str:
        """A figure as a table cell: its value and mark, or "—" with a note mark when the
        data say it does not apply."""
        if figure.not_applicable:
            return '—<sup class="ar-note-ref">注</sup>'
        return f"{figure_text(figure)}{self.mark(figure)}"

    @staticmethod
    def reasons_note(figures) -> str:
        """The note under a table that says why its "—注" figures do not apply."""
        said = dict.fromkeys(
            f"{f.unit}{f.year}年{f.indicator.name}不适用（{f.reason}）"
            for f in figures
            if f.not_applicable
        )
        if not said:
            return ""
        return f'<p class="ar-table-note">注：{safe_html.text("；".join(said))}。</p>'

    @staticmethod
    def _suffix_of_table(figures) -> str:
        return illustrative_suffix([f for f in figures if f.value is not None])

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
        parts = [exhibit("table", head + intro + table)]
        counts = [r for r in rows if r.indicator.kind == "count"]
        rates = [r for r in rows if r.indicator.kind == "rate"]
        for chosen, draw, title, anchor in (
            (counts, counts_chart, f"主要数量指标历年变化（{span}）", "chart-trend-counts"),
            (rates, rates_chart, f"主要比率指标历年变化（{span}）", "chart-trend-rates"),
        ):
            if chosen:
                chart = draw(title, chosen, years)
                alt = f"{title}：{series_alt(chosen, years)}"
                drawn = [f for r in chosen for f in r.figures if f.value is not None]
                caption = title + illustrative_suffix(drawn)
                figure = charts.figure_html(chart, alt=alt, caption=caption, figure_id=anchor)
                parts.append(exhibit("chart", figure))
        return Block("\n".join(parts), [entry])

    def township_comparison(self) -> Block:
        """City only: a table comparing the townships on their key indicators."""
        inds = self.catalog.for_level("township", key_only=True)
        inds = [i for i in inds if i.applies_to == "township" or i.kind == "rate"]
        header = "".join(f'<th scope="col">{safe_html.text(i.name)}</th>' for i in inds)
        body = []
        shown = []
        for town in self.region.townships:
            cells = []
            for ind in inds:
                f = self.fig(ind.id, unit=town.name)
                shown.append(f)
                cells.append(f'<td class="num">{self.cell(f)}</td>')
            body.append(
                f'<tr><th scope="row"><a href="{town.slug}.html">{safe_html.text(town.name)}</a>'
                f"</th>{''.join(cells)}</tr>"
            )
        suffix = self._suffix_of_table(shown)
        head, entry = heading(3, "townships", f"各镇（街道）主要指标比较{suffix}")
        table = (
            f'<table class="ar-table ar-wide"><caption>{self.year}年各镇（街道）主要指标{suffix}'
            f'</caption><thead><tr><th scope="col">镇（街道）</th>{header}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
        )
        return Block(exhibit("table", head + table + self.reasons_note(shown)), [entry])

    def sources(self) -> Block:
        """Where the figures come from, as one compact note after the report.

        A source naming this very report (the figures of the example are transcribed
        from the published report) is not listed: a report is not its own source.
        """
        units = None if self.is_city else self.unit.name
        listed = [s for s in self.facts.sources(units) if not s.startswith(self.title)]
        if not listed:
            return Block("")
        said = "；".join(safe_html.text(s.rstrip("。；;")) for s in listed)
        return Block(
            f'<aside class="ar-sources" aria-label="数据来源"><p>数据来源：{said}。</p></aside>'
        )
