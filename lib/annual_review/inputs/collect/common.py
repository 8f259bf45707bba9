"""What several stages of the collection workbook share: its layout, one figure, messages.

The constants that both the template and the import rely on (the ``_meta`` sheet's
format name and version, the sheet names, and each template version's :class:`Layout`:
where the header row is and which column holds what), the one limit on how many problems
a message lists, :data:`FULL_WIDTH` for normalising typed text, :class:`Entry` (one
figure read from a workbook), and the small helpers the template, the file checks, the
reading and the import all use: checking a year, the stored indicators of a level,
recognising ``n/a``, listing a region's units, raising collected problems as one
:class:`InputError`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.region import Region

FORMAT_NAME = "annual-review-collect"
META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "说明"
MAX_PROBLEMS = 500
NOT_APPLICABLE = "n/a"
_NOT_APPLICABLE_WORDS = ("n/a", "不适用")

# The figure and its source stay in columns F and G in every layout, so that a cell
# named in a message (海昌街道!F12) is where the analyst typed.
VALUE_COL, SOURCE_COL = 6, 7


@dataclass(frozen=True)
class Layout:
    """Where a unit sheet of one template version keeps its header and columns."""

    version: int
    header_row: int
    headers: tuple[str, ...]
    id_col: int
    name_col: int
    hidden_cols: frozenset[int] = frozenset()

    @property
    def first_row(self) -> int:
        """The first indicator row."""
        return self.header_row + 1

    @property
    def width(self) -> int:
        """The number of table columns."""
        return len(self.headers)

    @property
    def last_letter(self) -> str:
        """The letter of the table's last column."""
        return get_column_letter(self.width)

    def letter(self, col: int) -> str:
        """A column's letter, e.g. ``F``."""
        return get_column_letter(col)


# Version 1 (until 2025): the header in row 1, the indicator id in column A.
LAYOUT_V1 = Layout(
    version=1,
    header_row=1,
    headers=("指标编号", "指标名称", "计量单位", "定义", "上年数值", "本年数值", "来源/备注"),
    id_col=1,
    name_col=2,
)
# Version 2: two title rows, the Chinese columns first, the id last and hidden.
LAYOUT = Layout(
    version=2,
    header_row=3,
    headers=(
        "指标",
        "单位",
        "要求",
        "定义/口径",
        "上年数值",
        "本年数值",
        "来源/备注",
        "指标编号",
    ),
    id_col=8,
    name_col=1,
    hidden_cols=frozenset({8}),
)
LAYOUTS = {layout.version: layout for layout in (LAYOUT_V1, LAYOUT)}
FORMAT_VERSION = LAYOUT.version
HEADERS = LAYOUT.headers
# the current layout's other columns (its name and id columns are in LAYOUT)
MEASURE_COL, REQUIRED_COL, DEFINITION_COL, LAST_COL = 2, 3, 4, 5

FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "，": ",",
        "．": ".",
        "％": "%",
        "－": "-",
        "\u3000": " ",
        "\xa0": " ",
    }
)


@dataclass(frozen=True)
class Entry:
    """One figure read from the workbook, already normalised.

    ``number`` is None for a figure marked ``n/a`` (``value`` is then ``n/a`` and
    ``source`` the reason it does not apply).
    """

    sheet: str
    row: int
    unit: str
    indicator: Indicator
    value: str
    number: Decimal | None
    source: str | None

    @property
    def cell(self) -> str:
        """The value cell, e.g. ``海昌街道!F12``."""
        return f"{self.sheet}!F{self.row}"


def check_year(year: object, what: str) -> int:
    """A year between 2000 and 2100, or InputError."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError(f"{what} {year!r} is not a year between 2000 and 2100")
    return year


def stored_indicators(catalog: Catalog, level: str) -> list[Indicator]:
    """The stored (not derived) indicators a unit of ``level`` fills in, in catalogue order."""
    return [i for i in catalog.for_level(level) if not i.derived]


def is_not_applicable(value: object) -> bool:
    """Whether a value cell says the figure does not apply: ``n/a`` or ``不适用``.

    >>> [is_not_applicable(v) for v in ("n/a", " N/A ", "不适用", "ｎ／ａ", "na", 0, None)]
    [True, True, True, True, False, False, False]
    """
    if not isinstance(value, str):
        return False
    return unicodedata.normalize("NFKC", value).strip().lower() in _NOT_APPLICABLE_WORDS


def spans(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive ones.

    >>> spans([9, 5, 10, 11, 2])
    [(2, 2), (5, 5), (9, 11)]
    """
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def error(problems: list[str]) -> InputError:
    """One InputError listing the problems (the first MAX_PROBLEMS of a flood)."""
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
    return InputError("\n".join(shown))


def raise_problems(problems: list[str]) -> None:
    """Raise the problems as one InputError, if there are any."""
    if problems:
        raise error(problems)


def unit_list(region: Region) -> str:
    """The region's unit names, as a list to show in a message."""
    return "、".join(u.name for u in region.units)
