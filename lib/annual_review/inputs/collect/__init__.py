"""Collecting the year's figures in Excel: a fill-in template and a checked import.

Each January the legal-affairs office sends every township (and the city's own
departments) a workbook made by :func:`write_template`: a 说明 sheet with the rules, then
one sheet per unit listing the stored indicators that unit reports (必填 or 选填), with
last year's figure beside an empty cell for this year's, laid out to print landscape on
A4, one page wide. :func:`import_workbook` reads the returned workbook, checks all of it,
and only then merges its figures into ``data/values/<region>.csv`` in one atomic write;
:func:`workbook_region` tells which region a workbook was made for.

Import rules:

* values people really type are normalised when their meaning is certain: full-width
  digits (``３９１``), thousands separators (``14,908``, ``14，908``), surrounding spaces,
  numbers stored as text; a stated percentage may be typed as ``39%``;
* ``n/a`` (or ``不适用``) with the reason in 来源/备注 records a figure that does not
  apply (value ``n/a``, the reason as its source); without a reason it is an error;
* everything else (formulas, dates, ``约500``, ``391件``, Chinese numerals, negative or
  fractional counts, ...) is an error naming the sheet and cell, never a guess;
* macros (``.xlsm``, a ``vbaProject`` part), hidden sheets and hidden rows or columns in
  a table are refused: nothing is imported that nobody could see;
* nothing is written unless the whole workbook is clean *and* the merged values file
  passes :func:`annual_review.inputs.values.validate_values`;
* huge sheets are refused before they are read (at most 2,000 rows and 50 columns);
* the warnings say, per unit sheet, how many required figures are filled and which
  are missing.

The workbook is read twice: a streaming ``read_only`` pass that refuses oversized files
and sheets early, then a normal load of the (now known to be small) workbook, which is
what exposes merged cells and hidden rows. The file is never modified. Workbooks of the
previous template layout (version 1: header in row 1, the id in column A) are still read.

This package owns the Excel collection workbook from end to end: writing the template
(:mod:`~annual_review.inputs.collect.template` with
:mod:`~annual_review.inputs.collect.instructions` and
:mod:`~annual_review.inputs.collect.unit_sheet`), refusing files that are not a small
``.xlsx`` workbook without macros (:mod:`~annual_review.inputs.collect.workbook_file`),
the ``_meta`` sheet (:mod:`~annual_review.inputs.collect.meta`), reading its sheets and
rows (:mod:`~annual_review.inputs.collect.reading`, hidden parts in
:mod:`~annual_review.inputs.collect.visibility`), checking each figure
(:mod:`~annual_review.inputs.collect.checking`), merging the figures into the values file
(:mod:`~annual_review.inputs.collect.merging`), how complete it is
(:mod:`~annual_review.inputs.collect.completeness`) and running the import
(:mod:`~annual_review.inputs.collect.importing`); what several of them share is in
:mod:`~annual_review.inputs.collect.common`. It imports only from ``annual_review.core``
and ``annual_review.inputs`` modules (and openpyxl), never from a later stage.
"""

from annual_review.inputs.collect.common import HEADERS, LAYOUT, Layout
from annual_review.inputs.collect.importing import ImportReport, import_workbook
from annual_review.inputs.collect.meta import workbook_region
from annual_review.inputs.collect.template import write_template

__all__ = [
    "HEADERS",
    "LAYOUT",
    "ImportReport",
    "Layout",
    "import_workbook",
    "workbook_region",
    "write_template",
]
