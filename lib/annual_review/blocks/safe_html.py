"""Turning analysts' text into HTML that cannot run code or reach outside the page."""

from __future__ import annotations

import html
from typing import cast

import mistune
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "blockquote"}
_markdown = mistune.create_markdown(escape=True)


def text(value: object) -> str:
    """Escape plain text for HTML.

    >>> text('<script>alert(1)</script>')
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def markdown(value: str) -> str:
    """Render a Markdown field, then keep only harmless tags (no links, images or scripts).

    >>> markdown('**重点**<img src=x onerror=alert(1)>')
    '<p><strong>重点</strong>&lt;img src=x onerror=alert(1)&gt;</p>'
    """
    # With its default HTML renderer mistune returns a str; its stubs say str | AST tokens.
    rendered = cast(str, _markdown(value))
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes={}, link_rel=None).strip()
