"""Look up a unit's figures by indicator and year, computing derived ones exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from annual_review.figures.indicators import HALF_UP, Rounding, rate, ratio, rounded
from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.values_file import is_not_applicable

Value = int | Decimal


@dataclass(frozen=True)
class Figure:
    """One figure with where it came from."""

    indicator: Indicator
    unit: str
    year: int
    value: Value | None
    illustrative: bool
    sources: tuple[str, ...]
    not_applicable: bool = False  # marked n/a in the data; ``sources`` holds the reason
    rounding: Rounding = HALF_UP  # the region's rule, for every number said about it

    @property
    def reason(self) -> str:
        """Why the figure is not applicable (empty when it is)."""
        return "；".join(self.sources) if self.not_applicable else ""

    @property
    def drawn(self) -> float:
        """The value a chart draws and writes beside its bar: a percentage rounded by the
        region's rule, as the text prints it (a stated one is stored as written), a count
        as it is. Python's own float formatting would round half to even instead."""
        if self.value is None:
            raise ValueError(f"{self.unit} {self.year} {self.indicator.id}: no value to draw")
        if self.indicator.measure == "%":
            return float(rounded(self.value, self.rounding))
        return float(self.value)


class Facts:
    """Validated values of one region with exact lookups.

    Stored counts come back as ``int``; stated percentages as ``Decimal``; rates and
    ratios are computed from their numerator and denominator, rounded by the region's
    rule (``rounding``, half-up to two decimals by default).
    """

    def __init__(
        self, values: pd.DataFrame, catalog: Catalog, rounding: Rounding = HALF_UP
    ) -> None:
        self.catalog = catalog
        self.rounding = rounding
        self._rows = {
            (int(r.year), r.unit, r.indicator): (r.value, bool(r.illustrative), r.source)
            for r in values.itertuples()
        }
        self.years = sorted({k[0] for k in self._rows})
        self._lines: dict[tuple[int, str, str], tuple[str, int]] = (
            {(int(r.year), r.unit, r.indicator): (r.file, int(r.line)) for r in values.itertuples()}
            if {"file", "line"} <= set(values.columns)
            else {}
        )

    def figure(self, indicator_id: str, unit: str, year: int) -> Figure:
        """The figure of an indicator for a unit and year (value None when unknown)."""
        ind = self.catalog[indicator_id]
        if ind.derived:
            # the catalog's validator gives every rate and ratio both parts
            assert ind.numerator is not None and ind.denominator is not None
            num = self.figure(ind.numerator, unit, year)
            den = self.figure(ind.denominator, unit, year)
            value: Value | None = None
            if num.value is not None and den.value is not None:
                compute = rate if ind.kind == "rate" else ratio
                value = compute(num.value, den.value, self.rounding.places, self.rounding.rule)
            return Figure(
                ind,
                unit,
                year,
                value,
                num.illustrative or den.illustrative,
                tuple(dict.fromkeys(num.sources + den.sources)),
                num.not_applicable or den.not_applicable,
                self.rounding,
            )
        row = self._rows.get((year, unit, indicator_id))
        if row is None:
            return Figure(ind, unit, year, None, False, (), rounding=self.rounding)
        text, illustrative, source = row
        if is_not_applicable(text):
            return Figure(ind, unit, year, None, illustrative, (source,), True, self.rounding)
        value = Decimal(text.replace(",", ""))
        if ind.kind == "count":
            value = int(value)
        return Figure(ind, unit, year, value, illustrative, (source,), rounding=self.rounding)

    def lines(self, indicator_id: str, unit: str, year: int) -> list[tuple[str, int]]:
        """The values-file lines a figure comes from (a rate's: its two parts), as
        ``(file, line)``; empty when unknown or not stored."""
        ind = self.catalog[indicator_id]
        if ind.derived:
            assert ind.numerator is not None and ind.denominator is not None
            parts = (ind.numerator, ind.denominator)
            return [w for p in parts for w in self.lines(p, unit, year)]
        where = self._lines.get((year, unit, indicator_id))
        return [where] if where else []

    def value(self, indicator_id: str, unit: str, year: int) -> Value | None:
        """Just the value of :meth:`figure`."""
        return self.figure(indicator_id, unit, year).value

    def any_illustrative(self, units: set[str], up_to: int) -> bool:
        """Whether a stored figure of these units, of a year up to ``up_to``, is illustrative."""
        return any(
            flag for (y, u, _), (_, flag, _) in self._rows.items() if u in units and y <= up_to
        )

    def sources(self, unit: str | None = None) -> list[str]:
        """Distinct sources of the stored rows (of one unit, or all)."""
        found = (s for (_, u, _), (_, _, s) in self._rows.items() if unit in (None, u))
        return sorted(set(found))
