"""Tests for the Chinese number phrasing of report sentences."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from annual_review.figures.phrasing import (
    change_cell,
    count_change_phrase,
    count_sentence,
    fmt_count,
    fmt_date,
    fmt_percent,
    rate_change_phrase,
    rate_sentence,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "grouping", "expected"),
    [
        (14908, False, "14908"),
        (14908, True, "14,908"),
        (D("14908"), True, "14,908"),
        (D("391.00"), False, "391"),
        (D("3.91"), False, "3.91"),
        (None, False, "—"),
    ],
)
def test_fmt_count(value, grouping, expected):
    assert fmt_count(value, grouping=grouping) == expected


@pytest.mark.parametrize(("value", "expected"), [(D("42.46"), "42.46%"), (100, "100.00%")])
def test_fmt_percent(value, expected):
    assert fmt_percent(value) == expected
    assert fmt_percent(None) == "—"
    with pytest.raises(TypeError):
        fmt_count(3.91)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (391, 233, "同比增长67.81%"),
        (8, 10, "同比下降20.00%"),
        (10, 10, "与上年持平"),
        (5, 0, "上年为0"),
        (5, None, ""),
        (100001, 1000000, "同比下降90.00%"),
        (1000001, 1000000, "与上年基本持平"),
    ],
)
def test_count_change_phrase(current, previous, expected):
    assert count_change_phrase(current, previous) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (D("42.46"), D("40.96"), "上升1.50个百分点"),
        (D("97.75"), D("98.00"), "下降0.25个百分点"),
        (D("100.00"), D("100"), "与上年持平"),
        (D("42.46"), None, ""),
    ],
)
def test_rate_change_phrase(current, previous, expected):
    result = rate_change_phrase(current, previous)
    assert result == expected
    assert "倍" not in result


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        (233, "新收行政复议案件391件，同比增长67.81%"),
        (None, "新收行政复议案件391件"),
        (0, "新收行政复议案件391件，上年为0"),
        (391, "新收行政复议案件391件，与上年持平"),
    ],
)
def test_count_sentence(previous, expected):
    assert count_sentence("新收行政复议案件", 391, "件", previous) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "previous_rate", "expected"),
    [
        (152, 358, None, "复议调解率42.46%"),
        (152, 358, D("40.00"), "复议调解率42.46%，上升2.46个百分点"),
        (152, 358, D("42.71"), "复议调解率42.46%，下降0.25个百分点"),
        (152, 358, D("42.46"), "复议调解率42.46%，与上年持平"),
        (0, 0, D("40.00"), "复议调解率无法计算（分母为0）"),
    ],
)
def test_rate_sentence(numerator, denominator, previous_rate, expected):
    assert rate_sentence("复议调解率", numerator, denominator, previous_rate) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (datetime.date(2025, 3, 1), "2025年3月1日"),
        (datetime.datetime(2025, 1, 9, 8, 30), "2025年1月9日"),
    ],
)
def test_fmt_date(d, expected):
    assert fmt_date(d) == expected


@pytest.mark.parametrize(
    ("current", "previous", "measure", "expected"),
    [
        (D("42.46"), D("40.00"), "%", "+2.46个百分点"),
        (D("97.75"), D("98.00"), "%", "-0.25个百分点"),
        (D("42.46"), D("42.46"), "%", "持平"),
        (D("42.46"), None, "%", "—"),
        (391, 233, "件", "+67.81%"),
        (8, 10, "件", "-20.00%"),
        (10, 10, "件", "持平"),
        (5, 0, "件", "上年为0"),
        (5, None, "件", "—"),
    ],
)
def test_change_cell(current, previous, measure, expected):
    assert change_cell(current, previous, measure) == expected
