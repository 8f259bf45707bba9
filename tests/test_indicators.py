"""Tests for the indicator formulas and their half-up rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from annual_review.figures.indicators import half_up, pp_change, rate, ratio, to_decimal, yoy_change

D = Decimal


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (152, 358, "42.46"),  # 复议调解率
        (57, 57, "100.00"),
        (0, 90, "0.00"),
        (9725, 14908, "65.23"),
        ("152", D("358"), "42.46"),
    ],
)
def test_rate_reproduces_published_figures(numerator, denominator, expected):
    result = rate(numerator, denominator)
    assert result == D(expected)
    assert str(result) == expected


def test_yoy_change_published_figure():
    assert yoy_change(391, 233) == D("67.81")
    assert yoy_change(8, 10) == D("-20.00")
    assert str(yoy_change(8, 10)) == "-20.00"


@pytest.mark.parametrize(
    ("value", "expected", "float_round_is_wrong"),
    [
        ("0.125", "0.13", True),  # banker's rounding gives 0.12
        ("0.135", "0.14", False),
        ("2.675", "2.68", True),  # the float is 2.67499999...
        ("1.005", "1.01", True),  # the float is 1.00499999...
        ("-0.125", "-0.13", True),  # half away from zero
        ("0.124999", "0.12", False),
    ],
)
def test_half_up_ties(value, expected, float_round_is_wrong):
    assert half_up(value) == D(expected)
    assert half_up(D(value)) == D(expected)
    assert (round(float(value), 2) != float(expected)) is float_round_is_wrong


def test_half_up_places_and_padding():
    assert str(half_up(5)) == "5.00"
    assert half_up("12.45", places=1) == D("12.5")
    assert half_up("12.5", places=0) == D("13")
    with pytest.raises(ValueError):
        half_up("1.5", places=-1)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: rate(1, 8, places=1), "12.5"),  # exact tie 12.5
        (lambda: rate(1, 8, places=0), "13"),
        (lambda: rate(1, 800), "0.13"),  # 0.125 -> 0.13
        (lambda: rate(1, 3), "33.33"),
        (lambda: rate(2, 3), "66.67"),
        (lambda: rate(391, 233), "167.81"),  # numerator may exceed denominator
        (lambda: ratio(391, 100), "3.91"),
        (lambda: ratio(1, 8), "0.13"),
        (lambda: yoy_change(1, 800), "-99.88"),  # -99.875 away from zero
        (lambda: pp_change("42.46", "40.96"), "1.50"),
        (lambda: pp_change("0.125", "0", places=2), "0.13"),
    ],
)
def test_quotient_ties_round_half_up(call, expected):
    assert call() == D(expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda: rate(0.5, 1),
        lambda: rate(1, 2.0),
        lambda: ratio(3.91, 1),
        lambda: yoy_change(1.0, 2),
        lambda: pp_change(42.46, "40"),
        lambda: half_up(2.675),
        lambda: to_decimal(True),
        lambda: rate(None, 1),
    ],
)
def test_floats_and_other_types_rejected(call):
    with pytest.raises(TypeError):
        call()


def test_error_messages_and_bad_strings():
    with pytest.raises(TypeError, match="pass int, str or Decimal"):
        rate(0.5, 1)
    for bad in ("abc", "NaN", "Infinity", ""):
        with pytest.raises(ValueError):
            to_decimal(bad)


def test_zero_denominators_give_none():
    assert rate(0, 0) is None
    assert rate(5, 0) is None
    assert ratio(5, "0.00") is None
    assert yoy_change(5, 0) is None
    assert yoy_change(5, None) is None
    assert yoy_change(None, 5) is None
    assert pp_change(None, "1") is None
    assert pp_change("1", None) is None


def test_negative_inputs_rejected():
    for call in (lambda: rate(-1, 10), lambda: rate(1, -10), lambda: yoy_change(1, -1)):
        with pytest.raises(ValueError):
            call()
