"""Chinese number phrasing for report sentences and tables.

Conventions:

* percentages carry two decimals and a half-width ``%`` (``42.46%``), rounded half-up,
  unless the region chooses another rule or number of decimals: every function that
  rounds takes the region's :class:`Rounding`;
* counts in running text have no digit grouping (``14908``); tables may
  use grouping (``14,908``);
* year-on-year changes of counts are given in percent (``同比增长67.81%``),
  changes of rates in percentage points (``上升1.50个百分点``), never as
  multiples (``倍``);
* when last year's count is 0 no percentage is given (``上年为0``); when
  last year's figure is missing nothing is said;
* a change that is not zero but rounds to 0.00 is called ``基本持平``;
  ``持平`` is reserved for equal figures;
* clauses are joined with a full-width comma ``，``; missing values are
  shown as an em dash ``—``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from annual_review.figures.indicators import (
    HALF_UP,
    Number,
    Rounding,
    pp_change,
    rate,
    rounded,
    to_decimal,
    yoy_change,
)

__all__ = [
    "MISSING",
    "change_cell",
    "count_change_phrase",
    "count_sentence",
    "fmt_amount",
    "fmt_count",
    "fmt_date",
    "fmt_percent",
    "rate_change_phrase",
    "rate_sentence",
    "value_format",
]

MISSING = "—"
"""Placeholder for a figure that is missing or undefined."""


def _plain(value: Decimal) -> str:
    """Format without exponent notation and without a negative zero."""
    if value == 0:
        value = abs(value)
    return format(value, "f")


def fmt_percent(
    value: Number | None, places: int | None = None, rounding: Rounding = HALF_UP
) -> str:
    """Format a percentage with `places` decimals and a ``%`` sign.

    Parameters
    ----------
    value : int, str, Decimal or None
        The percentage, e.g. ``Decimal("42.46")`` for 42.46%.
    places : int, optional
        Decimal places shown; by default those of ``rounding``.
    rounding : Rounding, default two decimals half-up
        The region's rule and decimals.

    Returns
    -------
    str
        ``"42.46%"``, or ``"—"`` when `value` is None.

    Examples
    --------
    >>> fmt_percent(Decimal("42.46"))
    '42.46%'
    >>> fmt_percent(100)
    '100.00%'
    >>> fmt_percent("92.716"), fmt_percent("92.716", rounding=Rounding(rule="truncate", places=1))
    ('92.72%', '92.7%')
    >>> fmt_percent(None)
    '—'
    """
    if value is None:
        return MISSING
    if places is not None:
        rounding = rounding.model_copy(update={"places": places})
    return f"{_plain(rounded(value, rounding))}%"


def fmt_count(value: int | Decimal | None, grouping: bool = False) -> str:
    """Format a count for running text or, with `grouping`, for tables.

    Parameters
    ----------
    value : int, Decimal or None
        The count. A ``Decimal`` with an integral value is shown as an
        integer; any other ``Decimal`` is shown plainly as it is.
    grouping : bool, default False
        Insert thousands separators (``14,908``).

    Returns
    -------
    str
        The formatted number, or ``"—"`` when `value` is None.

    Examples
    --------
    >>> fmt_count(14908)
    '14908'
    >>> fmt_count(14908, grouping=True)
    '14,908'
    >>> fmt_count(Decimal("391.00"))
    '391'
    >>> fmt_count(Decimal("3.91"))
    '3.91'
    >>> fmt_count(None)
    '—'
    """
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"count must be int or Decimal, got {type(value).__name__}")
    number = to_decimal(value)
    spec = ",f" if grouping else "f"
    if number == number.to_integral_value():
        return format(int(number), "," if grouping else "d")
    return format(number, spec)


def count_change_phrase(
    current: Number | None, previous: Number | None, rounding: Rounding = HALF_UP
) -> str:
    """Describe the year-on-year change of a count.

    Parameters
    ----------
    current, previous : int, str, Decimal or None
        This year's and last year's counts.

    Returns
    -------
    str
        ``"同比增长67.81%"``, ``"同比下降20.00%"``, ``"与上年持平"``,
        ``"与上年基本持平"`` (change rounds to 0.00%), ``"上年为0"``, or
        ``""`` when either count is missing.

    Examples
    --------
    >>> count_change_phrase(391, 233)
    '同比增长67.81%'
    >>> count_change_phrase(8, 10)
    '同比下降20.00%'
    >>> count_change_phrase(151, 66, Rounding(rule="truncate"))
    '同比增长128.78%'
    >>> count_change_phrase(10, 10)
    '与上年持平'
    >>> count_change_phrase(5, 0)
    '上年为0'
    >>> count_change_phrase(5, None)
    ''
    """
    if current is None or previous is None:
        return ""
    if to_decimal(previous) == 0:
        return "上年为0"
    if to_decimal(current) == to_decimal(previous):
        return "与上年持平"
    change = yoy_change(current, previous, rounding.places, rounding.rule)
    assert change is not None  # previous is non-zero here
    if change > 0:
        return f"同比增长{_plain(change)}%"
    if change < 0:
        return f"同比下降{_plain(-change)}%"
    return "与上年基本持平"


def rate_change_phrase(
    current_rate: Number | None, previous_rate: Number | None, rounding: Rounding = HALF_UP
) -> str:
    """Describe the change of a rate in percentage points.

    Parameters
    ----------
    current_rate, previous_rate : int, str, Decimal or None
        This year's and last year's percentages.

    Returns
    -------
    str
        ``"上升1.50个百分点"``, ``"下降0.25个百分点"``, ``"与上年持平"``,
        ``"与上年基本持平"`` (difference rounds to 0.00), or ``""`` when
        either rate is missing.

    Examples
    --------
    >>> rate_change_phrase(Decimal("42.46"), Decimal("40.96"))
    '上升1.50个百分点'
    >>> rate_change_phrase("97.75", "98.00")
    '下降0.25个百分点'
    >>> rate_change_phrase("100.00", 100)
    '与上年持平'
    >>> rate_change_phrase("42.46", None)
    ''
    """
    if current_rate is None or previous_rate is None:
        return ""
    if to_decimal(current_rate) == to_decimal(previous_rate):
        return "与上年持平"
    diff = pp_change(current_rate, previous_rate, rounding.places, rounding.rule)
    assert diff is not None  # both rates are present here
    if diff > 0:
        return f"上升{_plain(diff)}个百分点"
    if diff < 0:
        return f"下降{_plain(-diff)}个百分点"
    return "与上年基本持平"


def _join(*clauses: str) -> str:
    return "，".join(clause for clause in clauses if clause)


def count_sentence(
    label: str,
    current: int | Decimal,
    measure: str,
    previous: Number | None = None,
    rounding: Rounding = HALF_UP,
) -> str:
    """Sentence fragment stating a count and its year-on-year change.

    Parameters
    ----------
    label : str
        What is counted, e.g. ``"新收行政复议案件"``.
    current : int or Decimal
        This year's count.
    measure : str
        The measure word or unit, e.g. ``"件"``.
    previous : int, str, Decimal or None, optional
        Last year's count; without it no change is stated.

    Returns
    -------
    str
        E.g. ``"新收行政复议案件391件，同比增长67.81%"``.

    Examples
    --------
    >>> count_sentence("新收行政复议案件", 391, "件", 233)
    '新收行政复议案件391件，同比增长67.81%'
    >>> count_sentence("新收行政复议案件", 391, "件")
    '新收行政复议案件391件'
    >>> count_sentence("新收行政复议案件", 391, "件", 0)
    '新收行政复议案件391件，上年为0'
    """
    change = count_change_phrase(current, previous, rounding)
    return _join(f"{label}{fmt_count(current)}{measure}", change)


def rate_sentence(
    label: str,
    numerator: Number,
    denominator: Number,
    previous_rate: Number | None = None,
    rounding: Rounding = HALF_UP,
) -> str:
    """Sentence fragment stating a rate and its change in percentage points.

    Parameters
    ----------
    label : str
        The rate's name, e.g. ``"复议调解率"``.
    numerator, denominator : int, str or Decimal
        Raw counts the rate is computed from (see :func:`indicators.rate`).
    previous_rate : int, str, Decimal or None, optional
        Last year's rate in percent; without it no change is stated.

    Returns
    -------
    str
        E.g. ``"复议调解率42.46%，上升2.46个百分点"``, or
        ``"复议调解率无法计算（分母为0）"`` when `denominator` is 0.

    Examples
    --------
    >>> rate_sentence("复议调解率", 152, 358)
    '复议调解率42.46%'
    >>> rate_sentence("复议调解率", 152, 358, Decimal("40.00"))
    '复议调解率42.46%，上升2.46个百分点'
    >>> rate_sentence("复议调解率", 0, 0)
    '复议调解率无法计算（分母为0）'
    """
    value = rate(numerator, denominator, rounding.places, rounding.rule)
    if value is None:
        return f"{label}无法计算（分母为0）"
    change = rate_change_phrase(value, previous_rate, rounding)
    return _join(f"{label}{fmt_percent(value, rounding=rounding)}", change)


def fmt_amount(value: Number | None, measure: str, rounding: Rounding = HALF_UP) -> str:
    """A figure as a sentence or a chart's text states it: a percentage with the region's
    decimals, or a grouped count followed by its measure (``比`` is a bare number).

    >>> fmt_amount(0, "件"), fmt_amount(Decimal("100"), "%"), fmt_amount(12345, "户")
    ('0件', '100.00%', '12,345户')
    >>> fmt_amount(Decimal("92.7"), "%", Rounding(places=1)), fmt_amount(3, "比")
    ('92.7%', '3')
    >>> fmt_amount(None, "件")
    '—'
    """
    if value is None:
        return MISSING
    if measure == "%":
        return fmt_percent(value, rounding=rounding)
    return fmt_count(to_decimal(value), grouping=True) + ("" if measure == "比" else measure)


def value_format(measure: str, rounding: Rounding = HALF_UP) -> str:
    """The ``str.format`` pattern a chart writes its values with: percentages with the
    region's decimals (the values are already rounded by its rule), counts as they are.

    >>> value_format("%"), value_format("%", Rounding(places=1)), value_format("件")
    ('{:.2f}%', '{:.1f}%', '{:.10g}')
    >>> value_format("%", Rounding(rule="truncate", places=0)).format(92.0)
    '92%'
    """
    if measure == "%":
        return "{:." + str(rounding.places) + "f}%"
    return "{:.10g}"


def fmt_date(d: datetime.date) -> str:
    """Format a date as ``YYYY年M月D日`` without leading zeros.

    Parameters
    ----------
    d : datetime.date
        The date (a ``datetime`` is accepted; its time is ignored).

    Returns
    -------
    str
        E.g. ``"2025年3月1日"``.

    Examples
    --------
    >>> fmt_date(datetime.date(2025, 3, 1))
    '2025年3月1日'
    >>> fmt_date(datetime.date(2024, 12, 31))
    '2024年12月31日'
    """
    if not isinstance(d, datetime.date):
        raise TypeError(f"expected datetime.date, got {type(d).__name__}")
    return f"{d.year}年{d.month}月{d.day}日"


def change_cell(
    current: Number | None, previous: Number | None, measure: str, rounding: Rounding = HALF_UP
) -> str:
    """Text for the change column of the key-indicator table.

    Parameters
    ----------
    current, previous : int, str, Decimal or None
        This year's and last year's values of the indicator.
    measure : str
        The indicator's unit. ``"%"`` means the values are rates and the
        change is given in signed percentage points; anything else means
        counts and the change is a signed year-on-year percentage.

    Returns
    -------
    str
        ``"+2.46个百分点"``, ``"-0.25个百分点"``, ``"+67.81%"``,
        ``"-20.00%"``, ``"持平"``, ``"基本持平"`` (change rounds to 0.00),
        ``"上年为0"`` (counts only) or ``"—"`` when a value is missing.

    Examples
    --------
    >>> change_cell(Decimal("42.46"), Decimal("40.00"), "%")
    '+2.46个百分点'
    >>> change_cell("97.75", "98.00", "%")
    '-0.25个百分点'
    >>> change_cell(391, 233, "件")
    '+67.81%'
    >>> change_cell(8, 10, "件")
    '-20.00%'
    >>> change_cell(10, 10, "件")
    '持平'
    >>> change_cell(5, 0, "件")
    '上年为0'
    >>> change_cell(5, None, "件")
    '—'
    """
    if current is None or previous is None:
        return MISSING
    if measure == "%":
        change = pp_change(current, previous, rounding.places, rounding.rule)
        suffix = "个百分点"
    else:
        if to_decimal(previous) == 0:
            return "上年为0"
        change = yoy_change(current, previous, rounding.places, rounding.rule)
        suffix = "%"
    assert change is not None  # both values present, previous non-zero
    if to_decimal(current) == to_decimal(previous):
        return "持平"
    if change == 0:
        return "基本持平"
    return f"{format(change, '+f')}{suffix}"


def report_title(unit_name: str, year: int) -> str:
    """The title of a unit's report (also its Word file's name and the site's title).

    >>> report_title("海宁市", 2024)
    '海宁市2024年法治政府建设年度报告'
    """
    return f"{unit_name}{year}年法治政府建设年度报告"
