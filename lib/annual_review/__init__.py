"""annual-review: reproducible annual rule-of-law reports (法治政府建设年度报告) from data.

The stage packages, in pipeline order (later stages import earlier ones, never the
reverse): :mod:`.core` → :mod:`.inputs` → :mod:`.figures` → :mod:`.blocks` → :mod:`.runs`
→ :mod:`.publish` → :mod:`.build` → :mod:`.cli`. Notebooks use
``from annual_review.blocks import Review``.
"""

__version__ = "0.1.0"
