"""Compose one unit's review from facts and the analyst's params, block by block.

A notebook calls ``Review.load(...)`` with its parameters and displays the blocks in
outline order. Every block is HTML built from data (figures are never typed by hand)
plus escaped or sanitised analyst text; each block also carries its headings so the
published page can build a table of contents.

Part 3 adds the data-driven findings (:mod:`findings`) after the analyst's shortcomings;
part 4 opens with how last year's plans went (:mod:`plans`); :meth:`Review.trends` shows
the key indicators over every year of data (:mod:`trends`).
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field

from . import charts, safe_html
from .catalog import Catalog, Indicator, load_catalog
from .data import load_values
from .errors import InputError
from .facts import Facts, Figure
from .findings import Finding, check_finding_reviews, evaluate, shown
from .params import ReviewParams, load_params, params_path
from .plans import (
    PlanRow,
    check_plan_status,
    load_previous,
    plan_rows,
    status_summary,
    status_table,
)
from .region import Region, Unit, load_region
from .text import change_cell, count_sentence, fmt_count, fmt_percent, rate_change_phrase
from .trends import counts_chart, data_years, rates_chart, series_alt, trend_rows

CHINESE_NUMERALS = "一二三四五六七八九十"
ILLUSTRATIVE_MARK = "*"


@dataclass
class Block:
    """A piece of a report: HTML plus the headings it contains (level, anchor, text)."""

    html: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = re.sub(r"<[^>]+>", "", self.html)[:2000]
        meta = {"annual_review": {"headings": [list(h) for h in self.headings]}}
        return {"text/html": self.html, "text/plain": _html.unescape(plain)}, meta


def _heading(level: int, anchor: str, title: str) -> tuple[str, tuple[int, str, str]]:
    return f'<h{level} id="{anchor}">{safe_html.text(title)}</h{level}>', (level, anchor, title)


def _fmt(figure: Figure) -> str:
    if figure.indicator.measure == "%":
        return fmt_percent(figure.value)
    return fmt_count(figure.value, grouping=True)


def _change(now: Figure, last: Figure) -> str:
    return safe_html.text(change_cell(now.value, last.value, now.indicator.measure))


@dataclass
class Review:
    """Everything needed to write one unit's review of one year."""

    year: int
    unit: Unit
    region: Region
    catalog: Catalog
    facts: Facts
    params: ReviewParams
    previous_params: ReviewParams | None = None

    @classmethod
    def load(
        cls,
        year: int,
        unit: str,
        region: str = "haining",
        data_dir: str = "../data",
        params_dir: str = "../params",
    ) -> Review:
        """Read and validate the region, catalogue, values and params.

        Last year's params (``params/<year-1>/<slug>.yaml``) are read too when present,
        for the plan table of part 4. A ``plan_status`` that does not match last year's
        plans, or a ``findings`` key no rule can raise, stops with every problem named.
        """
        reg = load_region(data_dir, region)
        the_unit = reg.unit(unit)
        catalog = load_catalog(data_dir)
        facts = Facts(load_values(data_dir, reg, catalog), catalog)
        params = load_params(params_dir, year, the_unit.slug, the_unit.name)
        previous = load_previous(params_dir, year, the_unit.slug, the_unit.name)
        source = params_path(params_dir, year, the_unit.slug).as_posix()
        problems = check_plan_status(previous, params, source=source)
        problems += check_finding_reviews(params, catalog, source=source)
        if problems:
            raise InputError("\n".join(problems))
        return cls(year, the_unit, reg, catalog, facts, params, previous)

    # ── lookups ────────────────────────────────────────────────────────
    @property
    def is_city(self) -> bool:
        return self.unit.level == "city"

    @property
    def title(self) -> str:
        return f"{self.unit.name}{self.year}年法治政府建设年度报告"

    def fig(self, indicator_id: str, year: int | None = None, unit: str | None = None) -> Figure:
        return self.facts.figure(indicator_id, unit or self.unit.name, year or self.year)

    def _indicators(self, section: str | None = None, key_only: bool = False) -> list[Indicator]:
        found = self.catalog.for_level(self.unit.level, key_only=key_only)
        return [i for i in found if section is None or i.section == section]

    def shows_illustrative(self) -> bool:
        """Whether any figure on this page (or its text) is illustrative."""
        units = [u.name for u in self.region.units] if self.is_city else [self.unit.name]
        years = (self.year, self.year - 1)
        return self.params.illustrative or any(
            self.fig(i.id, y, u).illustrative
            for i in self.catalog.indicators
            for y in years
            for u in units
            if not i.derived
        )

    def _mark(self, figure: Figure) -> str:
        return (
            f'<sup class="ar-mark" title="示意数据">{ILLUSTRATIVE_MARK}</sup>'
            if figure.illustrative
            else ""
        )

    # ── sentences from data ───────────────────────────────────────────
    def clause(self, ind: Indicator) -> str | None:
        """One clause about an indicator this year, with its change from last year."""
        now, last = self.fig(ind.id), self.fig(ind.id, self.year - 1)
        if now.value is None:
            return None
        if ind.kind in ("rate", "stated_percent"):
            label = ind.name
            text = f"{label}{fmt_percent(now.value)}"
            change = rate_change_phrase(now.value, last.value) if ind.kind == "rate" else ""
            text = f"{text}，{change}" if change else text
        elif ind.kind == "ratio":
            text = f"{ind.name}为{now.value}:1"
        else:
            text = count_sentence(ind.name, now.value, ind.measure, last.value)
        return safe_html.text(text) + self._mark(now)

    def section_sentence(self, section: str) -> str:
        clauses = [c for ind in self._indicators(section) if (c := self.clause(ind))]
        return "；".join(clauses) + "。" if clauses else ""

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
        head, entry = _heading(2, f"part-{number}", f"{CHINESE_NUMERALS[number - 1]}、{title}")
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

    # ── part 3: findings from data ───────────────────────────────────
    def data_findings(self) -> list[Finding]:
        """Every finding the catalogue's rules raise for this unit and year (dismissed too)."""
        return evaluate(self.facts, self.catalog, self.unit.name, self.unit.level, self.year)

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

    # ── part 4: last year's plans, then next year's ──────────────────
    def last_year_plans(self) -> list[PlanRow]:
        """Last year's plans with this year's status (empty without last year's params)."""
        return plan_rows(self.previous_params, self.params)

    def _plans(self) -> list[str]:
        out = []
        rows = self.last_year_plans()
        if rows:
            head, _ = _heading(3, "plan-status", "上年计划落实情况")
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
        head, entry = _heading(3, "key-indicators", "主要指标一览")
        rows = []
        for ind in self._indicators(key_only=True):
            now, last = self.fig(ind.id), self.fig(ind.id, self.year - 1)
            if now.value is None and last.value is None:
                continue
            fmt = fmt_percent if ind.measure == "%" else (lambda v: fmt_count(v, grouping=True))
            rows.append(
                f'<tr><th scope="row">{safe_html.text(ind.name)}</th>'
                f"<td>{safe_html.text(ind.measure)}</td>"
                f'<td class="num">{fmt(now.value)}{self._mark(now)}</td>'
                f'<td class="num">{fmt(last.value)}{self._mark(last)}</td>'
                f'<td class="num">{_change(now, last)}</td></tr>'
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
        inds = self._indicators(key_only=True)
        years = data_years(self.facts, self.unit.name, inds, self.year)
        if len(years) < 2:
            return Block("")
        rows = trend_rows(self.facts, self.unit.name, inds, years)
        head, entry = _heading(3, "trends", "主要指标历年变化")
        span = f"{years[0]}—{years[-1]}年"
        intro = (
            f"<p>{safe_html.text(self.unit.name)}{span}主要指标如下表；“变化”栏为{years[-1]}年"
            "与上年相比：数量指标为同比增减幅度，比率指标为增减的百分点。</p>"
        )
        year_heads = "".join(f'<th scope="col">{y}年</th>' for y in years)
        body = "".join(
            f'<tr><th scope="row">{safe_html.text(r.indicator.name)}</th>'
            f"<td>{safe_html.text(r.indicator.measure)}</td>"
            + "".join(f'<td class="num">{r.shown(f)}{self._mark(f)}</td>' for f in r.figures)
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
        inds = [i for i in self._indicators(key_only=True) if i.kind == "rate"]
        pairs = [(i.name, self.fig(i.id).value) for i in inds if self.fig(i.id).value is not None]
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
        head, entry = _heading(3, "townships", "各镇（街道）主要指标比较（示意数据）")
        inds = self.catalog.for_level("township", key_only=True)
        inds = [i for i in inds if i.applies_to == "township" or i.kind == "rate"]
        header = "".join(f'<th scope="col">{safe_html.text(i.name)}</th>' for i in inds)
        body = []
        for town in self.region.townships:
            cells = []
            for ind in inds:
                f = self.fig(ind.id, unit=town.name)
                cells.append(f'<td class="num">{_fmt(f)}{self._mark(f)}</td>')
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
