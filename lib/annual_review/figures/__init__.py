"""Stage 2, figures: pure functions from checked inputs to numbers and words. Indicator
formulas with exact rounding (:mod:`.indicators`), the facts table (:mod:`.facts`),
data-driven findings (:mod:`.findings`) and the analyst's review gate over them
(:mod:`.gate`), trends over the years (:mod:`.trends`) and the
Chinese phrasing of all of them (:mod:`.phrasing`). No files, no HTML.

May import: ``annual_review.core`` and ``annual_review.inputs``.
"""
