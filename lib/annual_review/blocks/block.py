"""The unit of a report: a :class:`Block` of HTML with the headings it declares, shown
by a notebook cell; and the small pieces every block uses (headings, figures as text)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from annual_review.blocks import safe_html
from annual_review.figures.facts import Figure
from annual_review.figures.phrasing import change_cell, fmt_count, fmt_percent

PAGE_HTML = "application/vnd.annual-review.page+html"
"""The page's HTML of a block whose notebook HTML differs (charts as images)."""

NOT_PUBLISHED = "notebook_only"
"""Key in an output's ``annual_review`` metadata: the page leaves the output out."""
CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """A whole number from 1 to 99 as an outline numbers it (一, 十一, 二十三).

    >>> [chinese_number(n) for n in (1, 10, 11, 20, 23, 99)]
    ['一', '十', '十一', '二十', '二十三', '九十九']
    """
    if not 1 <= n <= 99:
        raise ValueError(f"an outline number between 1 and 99, not {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_NUMERALS[tens - 1] + "十")
    return head + ("" if ones == 0 else CHINESE_NUMERALS[ones - 1])


ILLUSTRATIVE_MARK = "*"
CHART_MARK = '<figure class="ar-chart"'


@dataclass
class Block:
    """A piece of a report: HTML plus the headings it contains (level, anchor, text)."""

    html: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    notebook_only: bool = False  # for the analyst: the page and the book leave it out

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """The block for a notebook. A block with charts shows them as images in the
        notebook (``text/html``) and keeps the page's inline SVG under
        :data:`PAGE_HTML`, which the page renderer uses."""
        from annual_review.blocks.charts import svg_as_images

        plain = re.sub(r"<[^>]+>", "", self.html)[:2000]
        meta: dict[str, Any] = {"annual_review": {"headings": [list(h) for h in self.headings]}}
        if self.notebook_only:
            meta["annual_review"][NOT_PUBLISHED] = True
        data = {"text/html": self.html, "text/plain": html.unescape(plain)}
        if CHART_MARK in self.html:
            data.update({"text/html": svg_as_images(self.html), PAGE_HTML: self.html})
        return data, meta


def heading(level: int, anchor: str, title: str) -> tuple[str, tuple[int, str, str]]:
    """An ``<h{level}>`` with its anchor, and the entry for the table of contents.

    >>> heading(2, "part-1", "一、<主要举措>")[0]
    '<h2 id="part-1">一、&lt;主要举措&gt;</h2>'
    """
    return f'<h{level} id="{anchor}">{safe_html.text(title)}</h{level}>', (level, anchor, title)


def figure_text(figure: Figure) -> str:
    """A figure as a table shows it: a percentage, or a count with thousands separators."""
    if figure.indicator.measure == "%":
        return fmt_percent(figure.value, rounding=figure.rounding)
    return fmt_count(figure.value, grouping=True)


def change_text(now: Figure, last: Figure) -> str:
    """The change from last year as a table cell, escaped."""
    return safe_html.text(
        change_cell(now.value, last.value, now.indicator.measure, rounding=now.rounding)
    )


def exhibit(kind: str, content: str) -> str:
    """Wrap a key table or a chart as an exhibit: the page shows it where it stands, the
    Word file moves it into a numbered attachment after the signature (GB/T 9704).

    >>> exhibit("table", "<table></table>")
    '<section class="ar-exhibit" data-exhibit="table"><table></table></section>'
    """
    if kind not in ("table", "chart"):
        raise ValueError(f"unknown exhibit kind {kind!r}")
    return f'<section class="ar-exhibit" data-exhibit="{kind}">{content}</section>'


def chart_note(text: str) -> str:
    """The one line that stands for a chart with nothing to draw (escaped).

    >>> chart_note("本年无比率指标数据")
    '<p class="ar-chart-note">（本年无比率指标数据，未绘图。）</p>'
    """
    return f'<p class="ar-chart-note">（{safe_html.text(text)}，未绘图。）</p>'
