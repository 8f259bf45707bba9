"""Indicator formulas with exact rounding: half-up (四舍五入) by default, or truncation.

Every formula takes ``rule`` (``"half-up"`` or ``"truncate"``, toward zero: some offices
publish 151 against 66 as 128.78%, where half-up gives 128.79%) and ``places``; a region
chooses both in its file (:class:`annual_review.inputs.region.Rounding`).

Every function takes ``int``, ``str`` or :class:`~decimal.Decimal` values and
returns a :class:`~decimal.Decimal` (or ``None`` when the figure is undefined).
Floats are rejected: a binary float such as ``2.675`` is really
``2.67499999...`` and would round the wrong way, and Python's built-in
``round()`` uses banker's rounding (``round(0.125, 2) == 0.12``).

Quotients are computed by truncating at a generous precision and then
quantizing with ``ROUND_HALF_UP``. Because the truncated quotient is never
larger in magnitude than the true one, and an inexact truncation means the
true value lies strictly above it, the final rounding is exact even for ties
such as ``1/8 = 0.125``.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TypeAlias

from annual_review.inputs.region import Rounding

__all__ = [
    "HALF_UP",
    "Number",
    "Rounding",
    "half_up",
    "pp_change",
    "rate",
    "ratio",
    "rounded",
    "to_decimal",
    "yoy_change",
]

Number: TypeAlias = "int | str | Decimal"

_MIN_PREC = 28
_MODES = {"half-up": ROUND_HALF_UP, "truncate": ROUND_DOWN}
HALF_UP = Rounding()
"""The default: two decimals, half-up."""


def to_decimal(value: Number) -> Decimal:
    """Convert an exact number to ``Decimal``.

    Parameters
    ----------
    value : int, str or Decimal
        The number. ``int`` and ``str`` go through ``Decimal(str(value))``.

    Returns
    -------
    Decimal
        The same number as a finite ``Decimal``.

    Raises
    ------
    TypeError
        If `value` is a float, a bool or any other type.
    ValueError
        If `value` is not a finite number (bad string, NaN, Infinity).

    Examples
    --------
    >>> to_decimal(152)
    Decimal('152')
    >>> to_decimal("42.46")
    Decimal('42.46')
    >>> to_decimal(0.1)
    Traceback (most recent call last):
    ...
    TypeError: float values are not accepted (got 0.1); pass int, str or Decimal
    """
    if isinstance(value, float):
        raise TypeError(f"float values are not accepted (got {value!r}); pass int, str or Decimal")
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise TypeError(f"expected int, str or Decimal, got {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _check_places(places: int) -> None:
    if isinstance(places, bool) or not isinstance(places, int):
        raise TypeError(f"places must be an int, got {type(places).__name__}")
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")


def _quantize(value: Decimal, places: int, rule: str = "half-up") -> Decimal:
    if rule not in _MODES:
        raise ValueError(f"unknown rounding rule {rule!r}; known: {', '.join(_MODES)}")
    with decimal.localcontext() as ctx:
        ctx.prec = max(_MIN_PREC, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=_MODES[rule])


def rounded(value: Number, rounding: Rounding = HALF_UP) -> Decimal:
    """A value rounded by a region's rule to its decimals.

    >>> rounded(Decimal("128.7878"), Rounding(rule="truncate"))
    Decimal('128.78')
    >>> rounded("128.7878"), rounded("-2.345", Rounding(rule="truncate", places=1))
    (Decimal('128.79'), Decimal('-2.3'))
    """
    return _quantize(to_decimal(value), rounding.places, rounding.rule)


def _work_prec(*values: Decimal, places: int) -> int:
    """Precision that keeps sums and products of `values` exact and quotients long enough.

    A quotient truncated at this precision keeps several digits beyond
    `places`, which is all half-up rounding needs (see the module docstring).
    """
    span = sum(abs(v.adjusted()) + len(v.as_tuple().digits) for v in values)
    return max(_MIN_PREC, span + places + 10)


def _divide(numerator: Decimal, denominator: Decimal, places: int, rule: str) -> Decimal:
    """Return ``numerator / denominator`` rounded by ``rule`` to `places` decimals.

    The quotient is truncated at a precision well beyond ``places``: exact for half-up
    (see the module docstring) and for truncation (cutting a truncated quotient again
    gives the cut of the true one)."""
    with decimal.localcontext() as ctx:
        ctx.prec = _work_prec(numerator, denominator, places=places)
        ctx.rounding = ROUND_DOWN
        quotient = numerator / denominator
    return _quantize(quotient, places, rule)


def half_up(value: Number, places: int = 2) -> Decimal:
    """Round half away from zero (四舍五入) to `places` decimals.

    Parameters
    ----------
    value : int, str or Decimal
        The number to round.
    places : int, default 2
        Number of decimal places to keep.

    Returns
    -------
    Decimal
        `value` quantized to ``10 ** -places``.

    Examples
    --------
    >>> half_up(Decimal("0.125"))
    Decimal('0.13')
    >>> half_up("2.675")
    Decimal('2.68')
    >>> half_up("-0.125")
    Decimal('-0.13')
    >>> half_up(5, places=1)
    Decimal('5.0')
    """
    _check_places(places)
    return _quantize(to_decimal(value), places)


def rate(
    numerator: Number, denominator: Number, places: int = 2, rule: str = "half-up"
) -> Decimal | None:
    """Percentage ``numerator / denominator * 100``, rounded half-up.

    Parameters
    ----------
    numerator, denominator : int, str or Decimal
        Non-negative amounts. The numerator may exceed the denominator.
    places : int, default 2
        Decimal places of the percentage.

    Returns
    -------
    Decimal or None
        The percentage, or ``None`` when `denominator` is 0.

    Raises
    ------
    ValueError
        If either input is negative.

    Examples
    --------
    >>> rate(152, 358)
    Decimal('42.46')
    >>> rate(57, 57)
    Decimal('100.00')
    >>> rate(140, 151), rate(140, 151, rule="truncate")
    (Decimal('92.72'), Decimal('92.71'))
    >>> rate(1, 8, places=1)
    Decimal('12.5')
    >>> rate(3, 0) is None
    True
    """
    _check_places(places)
    num, den = to_decimal(numerator), to_decimal(denominator)
    if num < 0 or den < 0:
        raise ValueError(f"rate inputs must be non-negative, got {numerator!r}/{denominator!r}")
    if den == 0:
        return None
    with decimal.localcontext() as ctx:
        ctx.prec = _work_prec(num, places=places)
        scaled = num * 100
    return _divide(scaled, den, places, rule)


def ratio(
    numerator: Number, denominator: Number, places: int = 2, rule: str = "half-up"
) -> Decimal | None:
    """Plain quotient ``numerator / denominator``, rounded half-up.

    Parameters
    ----------
    numerator, denominator : int, str or Decimal
        The two amounts.
    places : int, default 2
        Decimal places of the quotient.

    Returns
    -------
    Decimal or None
        The quotient, or ``None`` when `denominator` is 0.

    Examples
    --------
    >>> ratio(391, 100)
    Decimal('3.91')
    >>> ratio(1, 3, places=4)
    Decimal('0.3333')
    >>> ratio(1, 0) is None
    True
    """
    _check_places(places)
    num, den = to_decimal(numerator), to_decimal(denominator)
    if den == 0:
        return None
    return _divide(num, den, places, rule)


def yoy_change(
    current: Number | None, previous: Number | None, places: int = 2, rule: str = "half-up"
) -> Decimal | None:
    """Year-on-year change in percent: ``(current - previous) / previous * 100``.

    Parameters
    ----------
    current : int, str, Decimal or None
        This year's amount.
    previous : int, str, Decimal or None
        Last year's amount.
    places : int, default 2
        Decimal places of the percentage.

    Returns
    -------
    Decimal or None
        The signed change, or ``None`` when either amount is missing or
        `previous` is 0 (growth from zero is undefined).

    Raises
    ------
    ValueError
        If `previous` is negative (a change relative to a negative base has
        no meaningful sign).

    Examples
    --------
    >>> yoy_change(391, 233)
    Decimal('67.81')
    >>> yoy_change(151, 66), yoy_change(151, 66, rule="truncate")
    (Decimal('128.79'), Decimal('128.78'))
    >>> yoy_change(8, 10)
    Decimal('-20.00')
    >>> yoy_change(5, 0) is None
    True
    >>> yoy_change(5, None) is None
    True
    """
    _check_places(places)
    if current is None or previous is None:
        return None
    cur, prev = to_decimal(current), to_decimal(previous)
    if prev < 0:
        raise ValueError(f"previous must be non-negative, got {previous!r}")
    if prev == 0:
        return None
    with decimal.localcontext() as ctx:
        ctx.prec = _work_prec(cur, prev, places=places)
        scaled = (cur - prev) * 100
    return _divide(scaled, prev, places, rule)


def pp_change(
    current_rate: Number | None,
    previous_rate: Number | None,
    places: int = 2,
    rule: str = "half-up",
) -> Decimal | None:
    """Change between two percentages, in percentage points.

    Parameters
    ----------
    current_rate, previous_rate : int, str, Decimal or None
        The two percentages (e.g. ``Decimal("42.46")`` for 42.46%).
    places : int, default 2
        Decimal places of the difference.

    Returns
    -------
    Decimal or None
        ``current_rate - previous_rate`` rounded half-up, or ``None`` if
        either rate is missing.

    Examples
    --------
    >>> pp_change(Decimal("42.46"), Decimal("40.96"))
    Decimal('1.50')
    >>> pp_change("97.75", "98")
    Decimal('-0.25')
    >>> pp_change(Decimal("42.46"), None) is None
    True
    """
    _check_places(places)
    if current_rate is None or previous_rate is None:
        return None
    cur, prev = to_decimal(current_rate), to_decimal(previous_rate)
    with decimal.localcontext() as ctx:
        ctx.prec = _work_prec(cur, prev, places=places)
        diff = cur - prev
    return _quantize(diff, places, rule)
