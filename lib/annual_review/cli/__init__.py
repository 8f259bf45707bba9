"""Stage 8, the command line: ``annual-review`` and its subcommands.

``main`` parses the arguments and turns every :class:`AnnualReviewError` into its exit code
and its lines (never a traceback); ``common`` holds what the commands share; ``yearly`` the
analyst's yearly commands (template, import, new-year, check).

May import: every earlier stage.
"""

from __future__ import annotations

from annual_review.cli.main import main

__all__ = ["main"]
