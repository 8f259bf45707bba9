"""Stage 3, report blocks: what a notebook cell shows. :class:`Review` (the notebooks'
entry point: ``from annual_review.blocks import Review``) loads one unit's material
(:mod:`.unit_review`) and gives its blocks in outline order (:mod:`.review`): HTML built
from figures and escaped analyst text (:mod:`.safe_html`), tables, and charts
(:mod:`.charts`, :mod:`.trend_charts`). :mod:`.site_pages` draws the overview and
definitions pages as notebooks.

May import: ``core``, ``inputs``, ``figures``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Review"]


def __getattr__(name: str) -> Any:
    """``Review`` on first use: importing a block module alone stays light."""
    if name == "Review":
        from annual_review.blocks.review import Review

        return Review
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
