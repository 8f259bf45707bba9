"""What a person cannot see is not imported: hidden sheets, rows and columns are refused.

A figure in a hidden row, column or sheet would be merged without anyone having looked
at it, so :func:`hidden_sheet_problem` and :func:`hidden_cell_problems` name each hidden
part (file, sheet, which rows or columns) on one line. Only what the template itself
hides is allowed: the ``_meta`` sheet and, in the current layout, the indicator id column.
"""

from __future__ import annotations

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from annual_review.inputs.collect.common import INSTRUCTIONS_SHEET, META_SHEET, Layout, spans

UNHIDE = "unhide them (取消隐藏) and check what they hold"


def hidden_sheet_problem(name: str, title: str, state: str) -> str | None:
    """A problem for a hidden sheet the template does not hide itself, else None.

    >>> hidden_sheet_problem("t.xlsx", "海昌街道", "visible") is None
    True
    >>> hidden_sheet_problem("t.xlsx", "_meta", "veryHidden") is None
    True
    >>> print(hidden_sheet_problem("t.xlsx", "海昌街道", "hidden"))  # doctest: +ELLIPSIS
    t.xlsx: sheet '海昌街道' is hidden: ...
    """
    if state == "visible" or title in (META_SHEET, INSTRUCTIONS_SHEET):
        return None
    how = "very hidden (veryHidden)" if state == "veryHidden" else "hidden"
    return (
        f"{name}: sheet {title!r} is {how}: figures nobody can see are not imported;"
        " unhide it (右键 → 取消隐藏) and check it, or delete it if it is not a unit's sheet"
    )


def ranges(runs: list[tuple[int, int]], *, columns: bool) -> str:
    """Runs of rows or columns as Excel writes them.

    >>> ranges([(5, 5), (9, 11)], columns=False), ranges([(2, 4)], columns=True)
    ('5, 9:11', 'B:D')
    """

    def label(n: int) -> str:
        return get_column_letter(n) if columns else str(n)

    return ", ".join(label(a) if a == b else f"{label(a)}:{label(b)}" for a, b in runs)


def hidden_cell_problems(name: str, ws: Worksheet, layout: Layout) -> list[str]:
    """One problem for the hidden rows and one for the hidden columns of the table."""
    problems = []
    rows = [
        r
        for r, dim in ws.row_dimensions.items()
        if r <= ws.max_row and (dim.hidden or (dim.customHeight and dim.height == 0))
    ]
    if rows:
        problems.append(
            f"{name}: {ws.title}: hidden rows {ranges(spans(rows), columns=False)} in the table;"
            f" {UNHIDE} (选中整张表 → 右键 → 取消隐藏)"
        )
    cols: list[int] = []
    for key, dim in ws.column_dimensions.items():
        if not (dim.hidden or (dim.customWidth and dim.width == 0)):
            continue
        low = dim.min or column_index_from_string(key)
        high = dim.max or low
        cols += [c for c in range(low, high + 1) if c <= layout.width]
    cols = [c for c in cols if c not in layout.hidden_cols]
    if cols:
        problems.append(
            f"{name}: {ws.title}: hidden columns {ranges(spans(cols), columns=True)} in the table;"
            f" {UNHIDE} (选中整张表 → 右键 → 取消隐藏)"
        )
    return problems
