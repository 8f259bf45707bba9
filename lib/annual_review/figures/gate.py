"""The review gate: what the analyst must settle before a report is sent.

The catalogue's rules raise findings from the data (:mod:`annual_review.figures.findings`).
They are the analyst's material, not report text: a finding is written in part 3 only
once the unit's params confirm it. :func:`review_items` lists every finding of the units
checked with its verdict and the exact params lines that confirm or dismiss it; the build
writes them to the analyst's review page (outside the published site) and ``check``
prints them. :func:`final_problems` is what ``build --final`` refuses: an unreviewed
finding or placeholder text left in the params, each named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from annual_review.figures.facts import Facts
from annual_review.figures.findings import evaluate
from annual_review.figures.indicators import Rounding
from annual_review.figures.phrasing import fmt_count, fmt_percent
from annual_review.inputs.checks import ValidInputs
from annual_review.inputs.params import placeholders

__all__ = ["Gate", "ReviewItem", "final_problems", "review_items"]

STATUS_NAMES = {"unreviewed": "待审核", "confirmed": "已确认", "dismissed": "已排除"}


@dataclass(frozen=True)
class ReviewItem:
    """One finding of one unit, with the analyst's verdict so far."""

    unit: str
    params_file: str
    id: str
    indicator: str
    sentence: str
    value: str
    previous: str
    status: str  # unreviewed | confirmed | dismissed
    note: str
    comment: str
    illustrative: bool

    @property
    def confirm_line(self) -> str:
        """The params line (under ``findings:``) that confirms this finding."""
        return f"  {self.id}: {{status: confirmed, note: {self.comment or '（原因）'}}}"

    @property
    def dismiss_line(self) -> str:
        """The params line (under ``findings:``) that dismisses this finding."""
        return f"  {self.id}: {{status: dismissed, note: 待填写排除理由}}"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class Gate:
    """What the review gate found for a year's units: findings and placeholder text."""

    items: tuple[ReviewItem, ...]
    placeholders: tuple[str, ...]

    def to_json_data(self) -> dict:
        return {"items": [asdict(i) for i in self.items], "placeholders": list(self.placeholders)}

    @classmethod
    def from_json_data(cls, data: dict) -> Gate:
        return cls(tuple(ReviewItem(**i) for i in data["items"]), tuple(data["placeholders"]))

    def unreviewed(self) -> list[ReviewItem]:
        return [i for i in self.items if i.status == "unreviewed"]


def _shown(value, measure: str, rounding: Rounding) -> str:
    if measure == "%":
        return fmt_percent(value, rounding=rounding)
    return fmt_count(value, grouping=True)


def review_items(valid: ValidInputs, facts: Facts, year: int) -> Gate:
    """Every finding of the checked units with its verdict, and the placeholders left."""
    items: list[ReviewItem] = []
    left: list[str] = []
    for slug, params in valid.params.items():
        unit = valid.region.unit(slug)
        source = f"{valid.params_folder}/{year}/{slug}.yaml"
        left += placeholders(params, source=source, text=valid.params_text.get(slug))
        for finding in evaluate(facts, valid.catalog, unit.name, unit.level, year):
            review = params.findings.get(finding.id)
            measure = valid.catalog[finding.indicator].measure
            items.append(
                ReviewItem(
                    unit=unit.name,
                    params_file=source,
                    id=finding.id,
                    indicator=valid.catalog[finding.indicator].name,
                    sentence=finding.sentence,
                    value=_shown(finding.value, measure, facts.rounding),
                    previous=_shown(finding.previous, measure, facts.rounding),
                    status=review.status if review else "unreviewed",
                    note=review.note if review else "",
                    comment=finding.note,
                    illustrative=finding.illustrative,
                )
            )
    return Gate(tuple(items), tuple(left))


def final_problems(gate: Gate) -> list[str]:
    """One line per reason the reports are not ready to send (for ``build --final``).

    >>> item = ReviewItem("海宁市", "params/2024/haining.yaml", "f-recon_corrected",
    ...     "行政复议纠错", "行政复议纠错7件", "7", "—", "unreviewed", "", "", False)
    >>> final_problems(Gate((item,), ("params/2024/haining.yaml: field intro: placeholder",)))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['params/2024/haining.yaml: finding f-recon_corrected (海宁市: 行政复议纠错7件) is not
      reviewed; under findings: add "f-recon_corrected: {status: confirmed}" or
      "{status: dismissed}"', 'params/2024/haining.yaml: field intro: placeholder']
    """
    return [
        f"{i.params_file}: finding {i.id} ({i.unit}: {i.sentence}) is not reviewed; under "
        f'findings: add "{i.id}: {{status: confirmed}}" or "{{status: dismissed}}"'
        for i in gate.unreviewed()
    ] + list(gate.placeholders)
