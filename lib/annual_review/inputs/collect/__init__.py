"""Collecting the year's figures in Excel: a fill-in template and a checked import.

Each January the legal-affairs office sends every township (and the city's own
departments) a workbook made by :func:`write_template`: one sheet per unit listing the
stored indicators that unit reports, with last year's figure beside an empty cell for
this year's. :func:`import_workbook` reads the returned workbook, checks all of it, and
only then merges its figures into ``data/values/<region>.csv`` in one atomic write.

Import rules:

* values people really type are normalised when their meaning is certain: full-width
  digits (``３９１``), thousands separators (``14,908``, ``14，908``), surrounding spaces,
  numbers stored as text; a stated percentage may be typed as ``39%``;
* everything else (formulas, dates, ``约500``, ``391件``, Chinese numerals, negative or
  fractional counts, ...) is an error naming the sheet and cell, never a guess;
* nothing is written unless the whole workbook is clean *and* the merged values file
  passes :func:`annual_review.inputs.values.validate_values`;
* huge sheets are refused before they are read (at most 2,000 rows and 50 columns).

The workbook is read twice: a streaming ``read_only`` pass that refuses oversized files
and sheets early, then a normal load of the (now known to be small) workbook, which is
what exposes merged cells. The file is never modified.

This package owns the Excel collection workbook from end to end: writing the template
(:mod:`~annual_review.inputs.collect.template`), refusing files that are not a small
``.xlsx`` workbook (:mod:`~annual_review.inputs.collect.workbook_file`), reading its
sheets and rows (:mod:`~annual_review.inputs.collect.reading`), checking each figure
(:mod:`~annual_review.inputs.collect.checking`), merging the figures into the values file
(:mod:`~annual_review.inputs.collect.merging`) and running the import
(:mod:`~annual_review.inputs.collect.importing`); what several of them share is in
:mod:`~annual_review.inputs.collect.common`. It imports only from ``annual_review.core``
and ``annual_review.inputs`` modules (and openpyxl), never from a later stage.
"""

from annual_review.inputs.collect.common import HEADERS
from annual_review.inputs.collect.importing import ImportReport, import_workbook
from annual_review.inputs.collect.template import write_template

__all__ = ["HEADERS", "ImportReport", "import_workbook", "write_template"]
