"""What a notebook shows its analyst and the page leaves out: where this unit's words and
figures come from, and the markers the page renderer reads on a block's output.

Kept light (no pandas, no matplotlib at import): the page renderer imports the markers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annual_review.blocks.block import Block
    from annual_review.blocks.unit_review import UnitReview


def project_relative(path: str | Path, folder: str | Path) -> str:
    """``path`` as seen from the project holding ``folder`` (its parent), else as given.

    >>> project_relative("../data/values/haining.csv", "../data")
    'data/values/haining.csv'
    >>> project_relative("/elsewhere/v.csv", "../data")
    '/elsewhere/v.csv'
    """
    root = Path(folder).resolve().parent
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def where_from(review: UnitReview, *, data_dir: str | Path, params_dir: str | Path) -> Block:
    """For the analyst, not the page: which files hold this report's words and figures."""
    from annual_review.blocks import safe_html
    from annual_review.blocks.block import Block
    from annual_review.core.layout import region_params
    from annual_review.inputs.params import params_path
    from annual_review.inputs.values_file import values_path

    name = safe_html.text(review.unit.name)
    folder = region_params(params_dir, review.region.slug)
    words = project_relative(params_path(folder, review.year, review.unit.slug), params_dir)
    figures = project_relative(values_path(data_dir, review.region.slug), data_dir)
    text = (
        f"<p>本笔记本生成{name}{review.year}年报告：文字取自 <code>{safe_html.text(words)}</code>，"
        f"数字取自 <code>{safe_html.text(figures)}</code>（每个数字的出处见文末“数字来源”表）。"
        "本段与该表只在笔记本中显示，不发布。</p>"
    )
    return Block(f'<div class="ar-provenance">{text}</div>', notebook_only=True)


def _lines_text(lines: list[tuple[str, int]], data_dir: str | Path) -> str:
    return "、".join(f"{project_relative(f, data_dir)}:{n}" for f, n in lines) or "—"


def sources_table(review: UnitReview, *, data_dir: str | Path) -> Block:
    """For the analyst, not the page: each figure of this unit, this year and last, with
    its source and the values-file line (a rate: the lines of its two parts)."""
    from annual_review.blocks import safe_html
    from annual_review.blocks.block import Block, figure_text

    rows = []
    for ind in review.indicators():
        for year in (review.year - 1, review.year):
            fig = review.fig(ind.id, year)
            if fig.value is None and not fig.not_applicable:
                continue
            shown = "不适用" if fig.not_applicable else figure_text(fig)
            where = review.facts.lines(ind.id, review.unit.name, year)
            cells = (
                ind.name,
                f"{year}年",
                shown,
                "；".join(fig.sources),
                _lines_text(where, data_dir),
            )
            rows.append("<tr>" + "".join(f"<td>{safe_html.text(c)}</td>" for c in cells) + "</tr>")
    heads = "".join(
        f'<th scope="col">{h}</th>' for h in ("指标", "年度", "数值", "来源", "数据文件:行")
    )
    name = safe_html.text(review.unit.name)
    table = (
        f'<table class="ar-table ar-sources"><caption>数字来源（{name}，'
        f"只在笔记本中显示，不发布）</caption><thead><tr>{heads}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return Block(table, notebook_only=True)
