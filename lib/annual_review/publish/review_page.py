"""The analyst's review page: every finding raised from the data, with its verdict and the
params lines that settle it, and the placeholder text still left.

The page is the analyst's working material and is written beside the site
(``outputs/<year>/review.html``), never into it. It is one self-contained HTML file (no
script, no request out); every text on it is escaped.
"""

from __future__ import annotations

import html

from annual_review.figures.gate import Gate, ReviewItem

__all__ = ["review_page"]

_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;line-height:1.6;color:#1a1a1a}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #999;padding:.35rem .5rem;vertical-align:top;text-align:left}
td.num{text-align:right;white-space:nowrap}
code,pre{font-family:"Noto Sans Mono CJK SC",monospace;font-size:.9em;background:#f3f3f3}
pre{padding:.3rem .5rem;margin:.2rem 0;white-space:pre-wrap}
.unreviewed{background:#fff4e5}.status{white-space:nowrap;font-weight:bold}
.summary{font-size:1.1rem}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _row(item: ReviewItem) -> str:
    lines = (
        f"<pre>{_e(item.confirm_line)}</pre><pre>{_e(item.dismiss_line)}</pre>"
        if item.status == "unreviewed"
        else f"<pre>  {_e(item.id)}: {{status: {_e(item.status)}}}</pre>"
    )
    note = f"<br>说明：{_e(item.note)}" if item.note else ""
    mark = "（示意数据）" if item.illustrative else ""
    return (
        f'<tr class="{_e(item.status)}" id="{_e(item.unit)}-{_e(item.id)}">'
        f"<td>{_e(item.unit)}</td><td><code>{_e(item.id)}</code></td>"
        f"<td>{_e(item.sentence)}{mark}{note}</td>"
        f'<td class="num">{_e(item.value)}</td><td class="num">{_e(item.previous)}</td>'
        f'<td class="status">{_e(item.status_name)}</td>'
        f"<td><code>{_e(item.params_file)}</code>{lines}</td></tr>"
    )


def review_page(gate: Gate, title: str) -> str:
    """The review page of one year's build as a complete HTML document."""
    open_items = gate.unreviewed()
    summary = (
        f"共{len(gate.items)}条数据提示，待审核{len(open_items)}条，"
        f"遗留占位文字{len(gate.placeholders)}处。"
    )
    ready = (
        "全部审核完毕，可以用 <code>annual-review build --final</code> 生成报送稿。"
        if not open_items and not gate.placeholders
        else "以下事项处理完之前，<code>annual-review build --final</code> 不会生成报送稿。"
    )
    head = (
        '<tr><th scope="col">单位</th><th scope="col">编号</th><th scope="col">提示</th>'
        '<th scope="col">本年</th><th scope="col">上年</th><th scope="col">状态</th>'
        '<th scope="col">在参数文件 findings 下填写</th></tr>'
    )
    ordered = sorted(gate.items, key=lambda i: i.status != "unreviewed")
    rows = "".join(_row(i) for i in ordered)
    table = (
        f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>本年没有由数据生成的提示。</p>"
    )
    left = "".join(f"<li><code>{_e(p)}</code></li>" for p in gate.placeholders)
    placeholders = f"<h2>遗留占位文字</h2><ul>{left}</ul>" if left else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>"
        "<p>本页供分析人员审核使用，不属于发布的报告。由数据按阈值生成的提示只有在参数文件中"
        "确认（confirmed）后才写入报告第三部分；排除（dismissed）的不写入。</p>"
        f'<p class="summary">{summary}{ready}</p>'
        f"<h2>数据提示</h2>{table}{placeholders}</main></body></html>\n"
    )
