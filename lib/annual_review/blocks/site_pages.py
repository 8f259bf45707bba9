"""Two site pages made from data alone: the township overview and the indicator definitions.

Both are written as small notebooks of display outputs, so they are published through
the same template as the unit pages (navigation, fonts, print styles) and are cached
and reproduced the same way.

The overview ranks the townships on the indicators the catalogue (``rank``) and the
region (``rank_also``) choose, one indicator per chart. Whatever it says about
illustrative data comes from the ``illustrative`` flags of the figures it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import nbformat

from annual_review.blocks import charts, safe_html
from annual_review.blocks.block import ILLUSTRATIVE_MARK, Block, heading
from annual_review.figures.facts import Facts, Figure
from annual_review.figures.phrasing import (
    fmt_amount,
    fmt_count,
    fmt_percent,
    report_title,
    value_format,
)
from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.region import Region, Rounding

OVERVIEW = "overview"
DEFINITIONS = "indicators"
KIND_NAMES = {"count": "计数", "rate": "比率", "ratio": "比值", "stated_percent": "报告所述百分比"}
DIRECTION_NAMES = {"higher": "越高越好", "lower": "越低越好", "neutral": "不作高低评价"}
LEVEL_NAMES = {"city": "市", "township": "镇（街道）", "both": "市、镇（街道）"}
MARK = f'<sup class="ar-mark" title="示意数据">{ILLUSTRATIVE_MARK}</sup>'
TOWNSHIPS = "各镇（街道）"


def _notebook(blocks: list[Block], title: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.metadata["title"] = title
    for index, block in enumerate(blocks):
        cell = nbformat.v4.new_code_cell("")
        cell.id = f"block-{index:02d}"
        data, meta = block._repr_mimebundle_()
        cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=meta)]
        nb.cells.append(cell)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


# ── small pure helpers ───────────────────────────────────────────────


def names(units: Sequence[str]) -> str:
    """Unit names joined as Chinese lists them.

    >>> names(["硖石街道", "许村镇"])
    '硖石街道、许村镇'
    """
    return "、".join(units)


def notice_text(marked: int, shown: int) -> str:
    """The illustrative-data notice of a page showing ``shown`` figures, ``marked`` of
    them illustrative; empty when none is.

    >>> notice_text(0, 30)
    ''
    >>> "均为示意数据" in notice_text(30, 30), "标有" in notice_text(3, 30)
    (True, True)
    """
    if marked == 0:
        return ""
    scope = (
        f"本页{TOWNSHIPS}数字均为示意数据（标“{MARK}”）"
        if marked == shown
        else f"本页标有“{MARK}”的数字为示意数据"
    )
    return (
        '<aside class="ar-illustrative" role="note"><strong>示意数据说明：</strong>'
        f"{scope}，不是官方统计。</aside>"
    )


def chart_title(name: str, year: int, illustrative: bool) -> str:
    """The title of one indicator's ranking chart.

    >>> chart_title("合法性审查", 2024, False), chart_title("合法性审查", 2024, True)
    ('各镇（街道）合法性审查（2024年）', '各镇（街道）合法性审查（2024年，示意数据）')
    """
    return f"{TOWNSHIPS}{name}（{year}年{'，示意数据' if illustrative else ''}）"


def equal_sentence(name: str, value: str, missing: Sequence[str], present: Sequence[str]) -> str:
    """The one sentence that replaces a chart of equal bars.

    >>> equal_sentence("被复议纠错", "0件", [], ["甲镇", "乙镇"])
    '各镇（街道）被复议纠错均为0件。'
    >>> equal_sentence("被复议纠错", "0件", ["乙镇"], ["甲镇", "丙镇"])
    '乙镇无此数字；其余各镇（街道）被复议纠错均为0件。'
    >>> equal_sentence("被复议纠错", "0件", ["乙镇", "丙镇"], ["甲镇"])
    '仅甲镇有被复议纠错数字，为0件；乙镇、丙镇无此数字。'
    """
    if not missing:
        return f"{TOWNSHIPS}{name}均为{value}。"
    if len(present) == 1:
        return f"仅{present[0]}有{name}数字，为{value}；{names(missing)}无此数字。"
    return f"{names(missing)}无此数字；其余{TOWNSHIPS}{name}均为{value}。"


# ── the overview ─────────────────────────────────────────────────────


def _cell(figure: Figure) -> str:
    ind = figure.indicator
    text = (
        fmt_percent(figure.value, rounding=figure.rounding)
        if ind.measure == "%"
        else fmt_count(figure.value, True)
    )
    return text + (MARK if figure.illustrative and figure.value is not None else "")


def _one_indicator(figures: Sequence[Figure]) -> Indicator:
    """The single indicator of a chart's figures: a chart never mixes measures."""
    found = {f.indicator.id for f in figures}
    if len(found) != 1:
        raise ValueError(f"a ranking chart shows one indicator, not {sorted(found)}")
    return figures[0].indicator


def _ranking(ind: Indicator, facts: Facts, region: Region, year: int) -> tuple[Block, list[Figure]]:
    """One indicator across the townships: a chart, or one sentence when a chart would
    say nothing (no figure, or the same figure everywhere); and the figures it shows."""
    figures = [facts.figure(ind.id, u.name, year) for u in region.townships]
    present = [f for f in figures if f.value is not None]
    missing = [safe_html.text(f.unit) for f in figures if f.value is None]
    anchor = f"rank-{ind.id}"
    if not present:
        head, entry = heading(3, f"{anchor}-title", ind.name)
        note = f"{TOWNSHIPS}均无{year}年{safe_html.text(ind.name)}数字，不作排名。"
        return Block(f'{head}<p class="ar-rank-note">{note}</p>', [entry]), []
    mark = MARK if any(f.illustrative for f in present) else ""
    values = {f.value for f in present}
    if len(values) == 1:
        head, entry = heading(3, f"{anchor}-title", ind.name)
        (first,) = values
        assert first is not None  # present holds known values only
        sentence = equal_sentence(
            safe_html.text(ind.name),
            fmt_amount(first, ind.measure, present[0].rounding) + mark,
            missing,
            [safe_html.text(f.unit) for f in present],
        )
        return Block(f'{head}<p class="ar-rank-equal">{sentence}</p>', [entry]), present
    pairs = sorted(
        ((f.unit, f.drawn) for f in present if f.value is not None),
        key=lambda p: p[1],
        reverse=ind.direction != "lower",
    )
    measure = _one_indicator(present).measure
    fmt = value_format(measure, present[0].rounding)
    title = chart_title(ind.name, year, bool(mark))
    chart = charts.Chart.of(
        charts.ranked_bars,
        title,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        measure,
        value_format=fmt,
    )
    alt = "；".join(f"第{k}名{n}{fmt.format(v)}" for k, (n, v) in enumerate(pairs, 1))
    figure = charts.figure_html(chart, alt=f"{title}：{alt}", caption=title, figure_id=anchor)
    if missing:
        figure += (
            f'<p class="ar-rank-note">{names(missing)}无{year}年'
            f"{safe_html.text(ind.name)}数字，未列入排名。</p>"
        )
    head, entry = heading(3, f"{anchor}-title", f"{ind.name}排名")
    return Block(head + figure, [entry]), present


def overview_notebook(facts: Facts, catalog: Catalog, region: Region, year: int) -> bytes:
    """The overview page: the townships compared on their key indicators and ranked on
    those the catalogue and the region choose."""
    inds = catalog.for_level("township", key_only=True)
    table_figures = {
        (i.id, u.name): facts.figure(i.id, u.name, year) for i in inds for u in region.townships
    }
    head, entry = heading(2, "compare", f"{year}年{TOWNSHIPS}主要指标比较")
    header = "".join(f'<th scope="col">{safe_html.text(i.name)}（{i.measure}）</th>' for i in inds)
    rows = "".join(
        f'<tr><th scope="row"><a href="{u.slug}.html">{safe_html.text(u.name)}</a></th>'
        + "".join(f'<td class="num">{_cell(table_figures[i.id, u.name])}</td>' for i in inds)
        + "</tr>"
        for u in region.townships
    )
    table = (
        f'<table class="ar-table ar-wide"><caption>{year}年{TOWNSHIPS}主要指标</caption>'
        f'<thead><tr><th scope="col">镇（街道）</th>{header}</tr></thead><tbody>{rows}</tbody>'
        "</table>"
    )
    ranked = [_ranking(i, facts, region, year) for i in catalog.ranked_townships(region.rank_also)]
    shown = [f for f in table_figures.values() if f.value is not None]
    shown += [f for _, figures in ranked for f in figures]
    title = f"{region.name}{year}年{TOWNSHIPS}法治政府建设指标概览"
    notice = notice_text(sum(f.illustrative for f in shown), len(shown))
    intro = Block(f'<h1 class="ar-title">{safe_html.text(title)}</h1>{notice}')
    blocks = [intro, Block(head + table, [entry])]
    if ranked:
        rank_head, rank_entry = heading(2, "rankings", "分项排名")
        explain = (
            "<p>每图只比较一个指标。排名哪些指标由指标目录设定"
            '（见<a href="indicators.html">指标说明</a>）；'
            f"{TOWNSHIPS}数字相同的指标用一句话说明，缺少数字的镇（街道）不列入排名。</p>"
        )
        blocks += [Block(rank_head + explain, [rank_entry]), *(b for b, _ in ranked)]
    return _notebook(blocks, title)


# ── the indicator definitions ────────────────────────────────────────


def _formula(ind: Indicator, catalog: Catalog) -> str:
    name = safe_html.text(ind.name)
    if ind.derived:
        # the catalog's validator gives every rate and ratio both parts
        assert ind.numerator is not None and ind.denominator is not None
        num, den = catalog[ind.numerator], catalog[ind.denominator]
        factor = " × 100%" if ind.kind == "rate" else ""
        return f"{name} = {safe_html.text(num.name)} ÷ {safe_html.text(den.name)}{factor}"
    if ind.sum_of:
        return f"{name} = {TOWNSHIPS}{safe_html.text(catalog[ind.sum_of].name)}之和"
    if ind.kind == "stated_percent":
        return "按年度报告所述百分比记录，不由其他指标计算"
    return "直接统计"


def _item(term: str, detail: str, kind: str) -> str:
    return f'<div class="ar-ind-{kind}"><dt>{term}</dt><dd>{detail}</dd></div>'


def _definition(ind: Indicator, catalog: Catalog, ranked: set[str]) -> str:
    short = [
        ("单位", safe_html.text(ind.measure)),
        ("类型", KIND_NAMES[ind.kind]),
        ("适用", LEVEL_NAMES[ind.applies_to]),
        ("方向", DIRECTION_NAMES[ind.direction]),
    ]
    if ind.applies("township"):
        short.append(("概览排名", "参加排名" if ind.id in ranked else "不排名"))
    long = [
        ("计算公式", _formula(ind, catalog)),
        ("定义", safe_html.text(ind.definition)),
        ("依据", safe_html.text(ind.basis)),
    ]
    items = "".join(_item(t, d, "short") for t, d in short)
    items += "".join(_item(t, d, "long") for t, d in long)
    return (
        f'<section class="ar-ind" id="ind-{ind.id}" aria-labelledby="ind-{ind.id}-name">'
        f'<h3 id="ind-{ind.id}-name">{safe_html.text(ind.name)}</h3>'
        f'<dl class="ar-ind-facts">{items}</dl></section>'
    )


def rounding_sentence(rounding: Rounding) -> str:
    """How the region rounds, as the definitions page says it.

    >>> rounding_sentence(Rounding())
    '百分数、增减幅度和百分点保留两位小数，四舍五入。'
    >>> rounding_sentence(Rounding(rule="truncate", places=1))
    '百分数、增减幅度和百分点保留一位小数，其后各位舍去（不四舍五入）。'
    """
    places = ("零", "一", "两", "三", "四")[rounding.places]
    how = "四舍五入" if rounding.rule == "half-up" else "其后各位舍去（不四舍五入）"
    kept = "取整数" if rounding.places == 0 else f"保留{places}位小数"
    return f"百分数、增减幅度和百分点{kept}，{how}。"


def definitions_notebook(catalog: Catalog, region: Region, year: int) -> bytes:
    """The indicator definitions page, generated from the catalogue."""
    title = f"{report_title(region.name, year)}指标说明"
    ranked = {i.id for i in catalog.ranked_townships(region.rank_also)}
    blocks = [
        Block(
            f'<h1 class="ar-title">{safe_html.text(title)}</h1>'
            "<p>报告中的每个数字都来自下列指标。比率指标一律保存分子和分母、由程序计算，"
            f"{rounding_sentence(region.rounding)}“概览排名”指镇街概览页是否按该指标"
            f"对{TOWNSHIPS}排名。</p>"
        )
    ]
    for part, part_title in catalog.parts.items():
        inds = [i for i in catalog.indicators if i.part == part]
        if not inds:
            continue
        head, entry = heading(2, f"part-{part}", f"{'一二三四'[part - 1]}、{part_title}")
        body = "".join(_definition(i, catalog, ranked) for i in inds)
        blocks.append(Block(head + body, [entry]))
    return _notebook(blocks, title)
