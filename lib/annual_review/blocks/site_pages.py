"""Two site pages made from data alone: the township overview and the indicator definitions.

Both are written as small notebooks of display outputs, so they are published through
the same template as the unit pages (navigation, fonts, print styles) and are cached
and reproduced the same way.
"""

from __future__ import annotations

import nbformat

from annual_review.blocks import charts, safe_html
from annual_review.blocks.block import ILLUSTRATIVE_MARK, Block, heading
from annual_review.figures.facts import Facts
from annual_review.figures.phrasing import fmt_count, fmt_percent, report_title
from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.region import Region

OVERVIEW = "overview"
DEFINITIONS = "indicators"
KIND_NAMES = {"count": "计数", "rate": "比率", "ratio": "比值", "stated_percent": "报告所述百分比"}
DIRECTION_NAMES = {"higher": "越高越好", "lower": "越低越好", "neutral": "不作高低评价"}
LEVEL_NAMES = {"city": "市", "township": "镇（街道）", "both": "市、镇（街道）"}


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


def _value(ind: Indicator, facts: Facts, unit: str, year: int) -> str:
    figure = facts.figure(ind.id, unit, year)
    text = fmt_percent(figure.value) if ind.measure == "%" else fmt_count(figure.value, True)
    return text + (ILLUSTRATIVE_MARK if figure.illustrative else "")


def _ranking(ind: Indicator, facts: Facts, region: Region, year: int) -> Block:
    names = [u.name for u in region.townships]
    values = [facts.value(ind.id, n, year) for n in names]
    pairs = sorted(
        ((n, v) for n, v in zip(names, values, strict=True) if v is not None),
        key=lambda p: p[1],
        reverse=ind.direction != "lower",
    )
    if not pairs:
        return Block("")
    fmt = "{:.2f}%" if ind.measure == "%" else "{:g}"
    title = f"各镇（街道）{ind.name}（{year}年，示意数据）"
    chart = charts.Chart.of(
        charts.ranked_bars,
        title,
        [p[0] for p in pairs],
        [float(p[1]) for p in pairs],
        ind.measure,
        value_format=fmt,
    )
    alt = "；".join(f"第{k}名{n}{fmt.format(float(v))}" for k, (n, v) in enumerate(pairs, 1))
    figure = charts.figure_html(
        chart, alt=f"{title}：{alt}", caption=title, figure_id=f"rank-{ind.id}"
    )
    head, entry = heading(3, f"rank-{ind.id}-title", f"{ind.name}排名")
    return Block(head + figure, [entry])


def overview_notebook(facts: Facts, catalog: Catalog, region: Region, year: int) -> bytes:
    """The overview page: the townships ranked and compared on their key indicators."""
    inds = [i for i in catalog.for_level("township", key_only=True)]
    head, entry = heading(2, "compare", f"{year}年各镇（街道）主要指标比较")
    header = "".join(f'<th scope="col">{safe_html.text(i.name)}（{i.measure}）</th>' for i in inds)
    rows = "".join(
        f'<tr><th scope="row"><a href="{u.slug}.html">{safe_html.text(u.name)}</a></th>'
        + "".join(f'<td class="num">{_value(i, facts, u.name, year)}</td>' for i in inds)
        + "</tr>"
        for u in region.townships
    )
    table = (
        f'<table class="ar-table ar-wide"><caption>{year}年各镇（街道）主要指标</caption>'
        f'<thead><tr><th scope="col">镇（街道）</th>{header}</tr></thead><tbody>{rows}</tbody>'
        "</table>"
    )
    title = f"{region.name}{year}年各镇（街道）法治政府建设指标概览"
    intro = Block(
        f'<h1 class="ar-title">{safe_html.text(title)}</h1>'
        '<aside class="ar-illustrative" role="note"><strong>示意数据提示：</strong>'
        f"本页各镇（街道）数字均为示意数据（标“{ILLUSTRATIVE_MARK}”），仅用于演示，"
        "编制时已与年度报告公布的总数保持一致。</aside>"
    )
    rankings = [
        _ranking(i, facts, region, year)
        for i in inds
        if i.applies_to == "township" or i.kind == "rate"
    ]
    rank_head, rank_entry = heading(2, "rankings", "分项排名")
    blocks = [intro, Block(head + table, [entry]), Block(rank_head, [rank_entry]), *rankings]
    return _notebook([b for b in blocks if b.html], title)


def _formula(ind: Indicator, catalog: Catalog) -> str:
    if ind.derived:
        # the catalog's validator gives every rate and ratio both parts
        assert ind.numerator is not None and ind.denominator is not None
        num, den = catalog[ind.numerator], catalog[ind.denominator]
        factor = " × 100%" if ind.kind == "rate" else ""
        return (
            f"{safe_html.text(num.name)}（{num.id}） ÷ {safe_html.text(den.name)}"
            f"（{den.id}）{factor}"
        )
    if ind.sum_of:
        return f"各镇（街道）{safe_html.text(catalog[ind.sum_of].name)}之和"
    return "直接统计"


def definitions_notebook(catalog: Catalog, region: Region, year: int) -> bytes:
    """The indicator definitions page, generated from the catalogue."""
    title = f"{report_title(region.name, year)}指标说明"
    blocks = [
        Block(
            f'<h1 class="ar-title">{safe_html.text(title)}</h1>'
            "<p>报告中的每个数字都来自下表所列指标。比率指标一律保存分子和分母、由程序计算，"
            "百分数保留两位小数，四舍五入。</p>"
        )
    ]
    for part, part_title in catalog.parts.items():
        inds = [i for i in catalog.indicators if i.part == part]
        if not inds:
            continue
        head, entry = heading(2, f"part-{part}", f"{'一二三四'[part - 1]}、{part_title}")
        rows = "".join(
            f'<tr id="ind-{i.id}"><th scope="row">{safe_html.text(i.name)}<br>'
            f"<code>{i.id}</code></th><td>{safe_html.text(i.measure)}</td>"
            f"<td>{KIND_NAMES[i.kind]}</td><td>{_formula(i, catalog)}</td>"
            f"<td>{safe_html.text(i.definition)}</td><td>{safe_html.text(i.basis)}</td>"
            f"<td>{LEVEL_NAMES[i.applies_to]}</td><td>{DIRECTION_NAMES[i.direction]}</td></tr>"
            for i in inds
        )
        table = (
            '<table class="ar-table ar-wide"><thead><tr>'
            + "".join(
                f'<th scope="col">{h}</th>'
                for h in ("指标", "单位", "类型", "计算公式", "定义", "依据", "适用", "方向")
            )
            + f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        blocks.append(Block(head + table, [entry]))
    return _notebook(blocks, title)
