"""Data-driven findings for part 3 (存在的不足和原因): threshold rules applied to the facts.

The catalogue gives some indicators ``findings:`` rules (see :class:`catalog.FindingRule`).
:func:`evaluate` applies them to one unit and year and returns one :class:`Finding` per
rule that fires, with a sentence phrased by :mod:`text`. The analyst confirms or dismisses a
finding by its id in the params (``findings: {f-recon_corrected: {status: confirmed}}``);
only confirmed findings are written in the report (:mod:`.gate` lists them all for
review). Everything here is pure: no files, no HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from annual_review.figures.facts import Facts, Figure
from annual_review.figures.indicators import HALF_UP, Rounding, pp_change, to_decimal, yoy_change
from annual_review.figures.phrasing import (
    count_sentence,
    fmt_count,
    fmt_percent,
    rate_change_phrase,
)
from annual_review.inputs.catalog import Catalog, FindingRule, Indicator

__all__ = [
    "Finding",
    "evaluate",
    "fires",
]


@dataclass(frozen=True)
class Finding:
    """One rule that fired: what it is about and the sentence that says so."""

    id: str
    indicator: str
    unit: str
    year: int
    rule: FindingRule
    value: int | Decimal
    previous: int | Decimal | None
    sentence: str
    illustrative: bool

    @property
    def note(self) -> str:
        """The catalogue's comment on this kind of finding (may be empty)."""
        return self.rule.text


def fires(
    rule: FindingRule,
    now: int | Decimal | None,
    last: int | Decimal | None,
    rounding: Rounding = HALF_UP,
) -> bool:
    """Whether a rule fires for this year's and last year's values.

    >>> from annual_review.inputs.catalog import FindingRule
    >>> fires(FindingRule(when="above", value=0), 7, 9)
    True
    >>> fires(FindingRule(when="below", value=100), Decimal("100.00"), None)
    False
    >>> fires(FindingRule(when="down_pp", value=5), Decimal("60.00"), Decimal("65.01"))
    True
    >>> fires(FindingRule(when="down_pp", value=5), Decimal("60.00"), Decimal("65.00"))
    False
    >>> up_half = FindingRule(when="up_share", value=50)
    >>> fires(up_half, 5, 3), fires(up_half, 6, 4)
    (True, False)
    >>> fires(up_half, 2, 0)
    True
    """
    if now is None:
        return False
    limit = rule.value
    if rule.when == "above":
        return to_decimal(now) > limit
    if rule.when == "below":
        return to_decimal(now) < limit
    if last is None:
        return False
    if rule.when in ("down_pp", "up_pp"):
        diff = pp_change(now, last, rounding.places, rounding.rule)
        assert diff is not None  # both values are known here
        return diff < -limit if rule.when == "down_pp" else diff > limit
    if to_decimal(last) == 0:
        return rule.when == "up_share" and to_decimal(now) > 0
    change = yoy_change(now, last, rounding.places, rounding.rule)
    assert change is not None  # both values are known and last year's is not 0
    return change > limit if rule.when == "up_share" else change < -limit


def _denominator_label(rate_ind: Indicator, catalog: Catalog) -> str:
    """What a rate is divided by, as its definition says (``纠错件数 ÷ 结案数（…）`` → 结案数)."""
    if "÷" in rate_ind.definition:
        label = rate_ind.definition.split("÷", 1)[1].strip()
        return label.split("（", 1)[0].split("(", 1)[0].strip()
    assert rate_ind.denominator is not None  # the catalog gives every rate a denominator
    return catalog[rate_ind.denominator].name


def _companion_rate(ind: Indicator, catalog: Catalog, level: str) -> Indicator | None:
    """The rate whose numerator is this count (行政复议纠错 → 行政复议纠错率), if any."""
    return next(
        (
            i
            for i in catalog.indicators
            if i.kind == "rate" and i.numerator == ind.id and i.applies(level)
        ),
        None,
    )


def _limit_text(rule: FindingRule, measure: str) -> str:
    shown = fmt_percent(rule.value) if measure == "%" else f"{fmt_count(rule.value)}{measure}"
    if rule.when == "above" and rule.value != 0:
        return f"高于{shown}"
    if rule.when == "below":
        return f"低于{shown}"
    return ""


def _rate_text(ind: Indicator, catalog: Catalog, now: Figure) -> str:
    base = f"{ind.name}{fmt_percent(now.value, rounding=now.rounding)}"
    if ind.kind == "rate":
        base += f"（以{_denominator_label(ind, catalog)}为分母）"
    return base


def sentence(
    ind: Indicator,
    rule: FindingRule,
    catalog: Catalog,
    facts: Facts,
    now: Figure,
    last: Figure,
    level: str,
) -> tuple[str, bool]:
    """The sentence of a finding (no final 。) and whether a figure in it is illustrative.

    A rate names its denominator; a change is phrased as everywhere else (个百分点 for
    rates, 同比增长 for counts, 上年为0 without a percentage); a count above its limit
    comes with the rate it is the numerator of, if the unit reports one.
    """
    illustrative = now.illustrative
    if rule.when in ("down_pp", "up_pp", "up_share", "down_share"):
        illustrative = illustrative or last.illustrative
    if ind.measure == "%":
        parts = [_rate_text(ind, catalog, now), _limit_text(rule, ind.measure)]
        if rule.when in ("down_pp", "up_pp"):
            parts[1] = f"比上年{rate_change_phrase(now.value, last.value, now.rounding)}"
        return "，".join(p for p in parts if p), illustrative
    if rule.when in ("up_share", "down_share"):
        assert now.value is not None  # the rule fired, so this year's value is known
        sentence = count_sentence(ind.name, now.value, ind.measure, last.value, now.rounding)
        return sentence, illustrative
    parts = [f"{ind.name}{fmt_count(now.value)}{ind.measure}", _limit_text(rule, ind.measure)]
    companion = _companion_rate(ind, catalog, level)
    rate_fig = facts.figure(companion.id, now.unit, now.year) if companion else None
    if companion is not None and rate_fig is not None and rate_fig.value is not None:
        parts.append(
            f"{companion.short or companion.name}"
            f"{fmt_percent(rate_fig.value, rounding=rate_fig.rounding)}"
            f"（以{_denominator_label(companion, catalog)}为分母）"
        )
        illustrative = illustrative or rate_fig.illustrative
    return "，".join(p for p in parts if p), illustrative


def evaluate(facts: Facts, catalog: Catalog, unit: str, level: str, year: int) -> list[Finding]:
    """Every finding the catalogue's rules raise for a unit (of ``level``) and year.

    Findings come in catalogue order; an indicator the unit does not report is skipped.
    """
    found: list[Finding] = []
    for ind in catalog.for_level(level):
        for rule in ind.findings:
            now = facts.figure(ind.id, unit, year)
            last = facts.figure(ind.id, unit, year - 1)
            if not fires(rule, now.value, last.value, facts.rounding):
                continue
            assert now.value is not None  # a rule never fires without this year's value
            text, illustrative = sentence(ind, rule, catalog, facts, now, last, level)
            found.append(
                Finding(
                    ind.finding_id(rule),
                    ind.id,
                    unit,
                    year,
                    rule,
                    now.value,
                    last.value,
                    text,
                    illustrative,
                )
            )
    return found
