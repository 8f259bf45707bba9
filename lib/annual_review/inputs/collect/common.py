"""What several stages of the collection workbook share: its layout, one figure, messages.

The constants that both the template and the import rely on (the ``_meta`` sheet's
format name and version, the header row and its column numbers), the one limit on how
many problems a message lists, :data:`FULL_WIDTH` for normalising typed text,
:class:`Entry` (one figure read from a workbook), and the small helpers the template,
the file checks, the reading and the import all use: checking a year, listing a region's
units, raising collected problems as one :class:`InputError`, and writing a file
atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Indicator
from annual_review.inputs.region import Region

FORMAT_NAME = "annual-review-collect"
FORMAT_VERSION = 1
META_SHEET = "_meta"
HEADERS = ("指标编号", "指标名称", "计量单位", "定义", "上年数值", "本年数值", "来源/备注")
ID_COL, NAME_COL, MEASURE_COL, DEFINITION_COL, LAST_COL, VALUE_COL, SOURCE_COL = range(1, 8)
MAX_PROBLEMS = 500

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
    """One figure read from the workbook, already normalised."""

    sheet: str
    row: int
    unit: str
    indicator: Indicator
    value: str
    number: Decimal
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
