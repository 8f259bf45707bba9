"""The table 上年计划落实情况: last year's plans with this year's status, as HTML."""

from __future__ import annotations

from annual_review.blocks import safe_html
from annual_review.inputs.plans import PlanRow


def status_table(rows: list[PlanRow], year: int) -> str:
    """The table 上年计划落实情况 (HTML): plan, status in Chinese and the sentence."""
    body = "".join(
        f'<tr id="status-{safe_html.text(r.id)}"><td class="num">{k}</td>'
        f'<th scope="row">{safe_html.text(r.title)}</th>'
        f'<td class="ar-status ar-status-{r.status or "missing"}">{r.label}</td>'
        f"<td>{safe_html.text(r.text) if r.text else '—'}</td></tr>"
        for k, r in enumerate(rows, start=1)
    )
    return (
        f'<table class="ar-table ar-plan-status"><caption>上年计划落实情况（{year - 1}年报告所列'
        f"{year}年工作安排）</caption><thead><tr>"
        '<th scope="col">序号</th><th scope="col">工作安排</th>'
        '<th scope="col">落实情况</th><th scope="col">说明</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )
