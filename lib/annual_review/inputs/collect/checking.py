"""The checks on the figures read: one cell's value, its 来源/备注 text, parts and wholes.

:func:`cell_number` accepts what people really type when its meaning is certain
(full-width digits, thousands separators, surrounding spaces, numbers stored as text, a
stated percentage typed as ``39%``) and raises :class:`Bad` with a specific reason for
everything else (formulas, dates, ``约500``, ``391件``, Chinese numerals, negative or
fractional counts, ...); :func:`plain` writes a figure as the values file does;
:func:`cell_source` reads the source cell; :func:`check_parts` drops a part larger than
its whole (a figure marked ``n/a`` is neither part nor whole here).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from annual_review.inputs.catalog import Indicator
from annual_review.inputs.collect.common import FULL_WIDTH, Entry

_NUMBER_TEXT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
_CHINESE_NUMERALS = set("零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟")
_APPROXIMATE = ("约", "余", "多", "左右", "以上", "以下", "近", "超", "+", "~", "～")


class Bad(Exception):
    """A cell's content that cannot be accepted; the message says why."""


def is_blank(value: object) -> bool:
    """An empty cell, or one holding only (full-width) spaces."""
    return value is None or (isinstance(value, str) and not value.translate(FULL_WIDTH).strip())


def _is_formula(cell: Cell) -> bool:
    """Whether the cell holds a formula rather than a value."""
    return cell.data_type == "f" or isinstance(cell.value, (ArrayFormula, DataTableFormula))


def cell_number(cell: Cell, ind: Indicator) -> Decimal | None:
    """The cell's figure, normalised; None when empty; :class:`Bad` when not acceptable."""
    value = cell.value
    if is_blank(value):
        return None
    if _is_formula(cell):
        text = str(getattr(value, "text", None) or value)
        raise Bad(
            f"formula {text!r:.60}: formulas are not accepted; copy the cells and paste"
            " them back as values only (选择性粘贴 → 数值)"
        )
    if cell.data_type == "e":
        raise Bad(f"Excel error {value!r} instead of a figure; type the figure itself")
    if isinstance(value, bool):
        raise Bad(f"{value} (a TRUE/FALSE cell) is not a number")
    if isinstance(value, (datetime, date, time, timedelta)):
        if isinstance(value, datetime) and value.time() == time():
            value = value.date()
        raise Bad(
            f"{value!s} is a date or time, not a number (Excel turned the entry into a date);"
            " format the cell as 常规 (General) and type the figure"
        )
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            raise Bad(f"{value!r} is not a finite number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            if ind.kind == "count":
                raise Bad(
                    f"{value!r} is formatted as a percentage ({_shown_percent(number)}),"
                    f" but {ind.name} is a count of {ind.measure}; format the cell as 常规"
                    f" (General) and type the number of {ind.measure}"
                )
            number *= 100  # 39% typed into a percentage cell is stored as 0.39
        return _checked(number, value, ind)
    if isinstance(value, str):
        return _text_number(value, ind)
    raise Bad(f"{value!r} is not a number")


def _shown_percent(fraction: Decimal) -> str:
    """A fraction as Excel shows it with a percentage format (0.45 → 45%)."""
    return f"{format((fraction * 100).normalize(), 'f')}%"


def _text_number(value: str, ind: Indicator) -> Decimal:
    """A number typed or stored as text: full-width digits and separators, spaces, ``39%``."""
    text = value.translate(FULL_WIDTH).strip()
    core, percent = text, text.endswith("%")
    if percent:
        core = core[:-1].rstrip()
    negative = core.startswith("-")
    digits = core[1:].lstrip() if negative else core
    if not _NUMBER_TEXT.fullmatch(digits):
        raise Bad(_not_a_number(value, text))
    if percent and ind.kind == "count":
        raise Bad(
            f"{value!r} is a percentage, but {ind.name} is a count of {ind.measure};"
            f" type the number of {ind.measure}, e.g. 391"
        )
    number = Decimal(digits.replace(",", ""))
    return _checked(-number if negative else number, value, ind)


def _not_a_number(value: str, text: str) -> str:
    """Why a text is not accepted as a number, as specifically as can be said."""
    if any(ch in _CHINESE_NUMERALS for ch in text):
        reason = "is written in Chinese numerals, not a number; type Arabic digits, e.g. 391"
    elif any(word in text for word in _APPROXIMATE):
        reason = (
            "is not an exact number; type the figure alone (e.g. 550) and explain"
            " 约/余/以上 in 来源/备注"
        )
    elif re.fullmatch(r"-?[0-9][0-9,.]*\s*[\u4e00-\u9fff]+", text):
        reason = (
            "is not a plain number: text after the number; type the number alone"
            " (the unit is in column C)"
        )
    elif re.fullmatch(r"-?[0-9][0-9,.]*", text):
        reason = (
            "is not a well-formed number (thousands separators go every three digits,"
            " e.g. 14,908; decimals take a point, e.g. 12.5)"
        )
    else:
        reason = "is not a number; type digits only, e.g. 391 or 14,908"
    return f"{value!r} {reason}"


def _checked(number: Decimal, shown: object, ind: Indicator) -> Decimal:
    """The number, unless negative or (for a count) fractional."""
    if number < 0:
        raise Bad(f"{shown!r} is negative; {ind.name} cannot be below 0")
    if ind.kind == "count" and number != number.to_integral_value():
        raise Bad(f"{shown!r} is fractional; {ind.name} is a whole count of {ind.measure}")
    return number


def plain(number: Decimal, ind: Indicator) -> str:
    """The figure as the values file writes it: ``14908``, ``39``, ``12.5``."""
    if ind.kind == "count":
        return str(int(number))
    return format(number.normalize(), "f")


def cell_source(cell: Cell) -> str | None:
    """The 来源/备注 text on one line, or None when empty."""
    value = cell.value
    if is_blank(value):
        return None
    if _is_formula(cell):
        raise Bad("formula in 来源/备注; type the source as text")
    if cell.data_type == "e":
        raise Bad(f"Excel error {value!r} in 来源/备注; type the source as text")
    if isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return " ".join(text.translate(FULL_WIDTH).split())


def check_parts(
    entries: list[Entry], name: str, problems: list[str], bad: set[tuple[str, str]]
) -> list[Entry]:
    """Drop (and report) a part larger than its whole in the same sheet."""
    by_id = {e.indicator.id: e for e in entries}
    kept = []
    for entry in entries:
        ind = entry.indicator
        whole = by_id.get(ind.part_of) if ind.part_of else None
        if (
            whole is not None
            and entry.number is not None
            and whole.number is not None
            and entry.number > whole.number
        ):
            problems.append(
                f"{name}: {entry.cell}: {ind.id}（{ind.name}）: {entry.value} is larger than"
                f" its whole {whole.indicator.id}（{whole.indicator.name}）= {whole.value}"
                f" in {whole.cell}; a part cannot exceed its whole"
            )
            bad.add((entry.unit, ind.id))
            continue
        kept.append(entry)
    return kept
