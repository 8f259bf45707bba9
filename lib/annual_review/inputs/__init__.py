"""Stage 1, inputs: reading and checking what people write. The region file, the indicator
catalogue, the values (:mod:`.values`, with :mod:`.values_file` for the plain CSV rows),
the analyst's params, last year's plans, the notebooks' ``parameters`` cells, the Excel
collection workbook (:mod:`.collect`) and :func:`.checks.check_inputs`, which checks all
of them at once.

May import: ``annual_review.core``.
"""
