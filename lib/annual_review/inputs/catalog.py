"""The indicator catalogue (``data/indicators.yaml``): definitions, parts and formulas."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from annual_review.core.errors import InputError
from annual_review.inputs.yamlio import load_yaml_mapping, read_text, validation_problems

COUNT_KINDS = ("count",)
DERIVED_KINDS = ("rate", "ratio")


FINDING_ID = r"^f-[a-z0-9][a-z0-9_-]*$"
RATE_RULES = ("down_pp", "up_pp")
COUNT_RULES = ("up_share", "down_share")


def ranked_by_default(kind: str, direction: str) -> bool:
    """Whether the overview ranks the townships on an indicator whose ``rank`` is unset.

    Work volumes (counts that are better higher or not judged) are ranked; adverse
    outcomes (``lower``), rates, ratios and stated percentages only when asked.

    >>> ranked_by_default("count", "neutral"), ranked_by_default("count", "higher")
    (True, True)
    >>> ranked_by_default("count", "lower"), ranked_by_default("rate", "higher")
    (False, False)
    """
    return kind in COUNT_KINDS and direction != "lower"


class FindingRule(BaseModel):
    """A threshold that turns a figure into a data-driven finding (part 3).

    ``when`` is one of ``above`` / ``below`` (this year's value beyond ``value``),
    ``down_pp`` / ``up_pp`` (a rate down or up by more than ``value`` percentage points
    year on year) and ``up_share`` / ``down_share`` (a count up or down by more than
    ``value`` percent year on year; a rise from zero counts as up). ``text`` is an
    optional clause appended to the generated sentence; ``id`` defaults to
    ``f-<indicator id>`` and must be given when an indicator has several rules.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: Literal["above", "below", "down_pp", "up_pp", "up_share", "down_share"]
    value: Decimal = Field(ge=0, allow_inf_nan=False)
    text: str = ""
    id: str | None = Field(default=None, pattern=FINDING_ID)


class Indicator(BaseModel):
    """One indicator: a stored count, a stated percentage, or a derived rate/ratio."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    measure: Literal["件", "人", "次", "项", "个", "起", "场", "张", "份", "户", "%", "比"]
    kind: Literal["count", "rate", "ratio", "stated_percent"]
    part: Literal[1, 2, 3, 4]
    section: str
    direction: Literal["higher", "lower", "neutral"]
    applies_to: Literal["city", "township", "both"]
    key: bool = False
    part_of: str | None = None
    sum_of: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    definition: str
    basis: str
    short: str | None = Field(
        default=None, min_length=1, description="简称，如 纠错率（与全称同句出现时使用）"
    )
    findings: list[FindingRule] = Field(default_factory=list)
    rank: bool | None = Field(
        default=None,
        description=(
            "rank the townships on the overview page; unset: counts that are not"
            " direction lower are ranked, everything else is not"
        ),
    )

    @model_validator(mode="after")
    def _formula_matches_kind(self) -> Indicator:
        derived = self.kind in DERIVED_KINDS
        if derived != (self.numerator is not None and self.denominator is not None):
            raise ValueError(f"{self.id}: a rate or ratio needs numerator and denominator")
        return self

    @model_validator(mode="after")
    def _rules_fit_kind(self) -> Indicator:
        for rule in self.findings:
            if rule.when in RATE_RULES and self.measure != "%":
                raise ValueError(f"{self.id}: finding rule {rule.when} needs a percentage")
            if rule.when in COUNT_RULES and self.kind != "count":
                raise ValueError(f"{self.id}: finding rule {rule.when} needs a count")
        return self

    @model_validator(mode="after")
    def _ranked_only_among_townships(self) -> Indicator:
        if self.rank and not self.applies("township"):
            raise ValueError(f"{self.id}: rank: true needs an indicator townships report")
        return self

    def finding_id(self, rule: FindingRule) -> str:
        """The stable id of a finding from one of this indicator's rules."""
        return rule.id or f"f-{self.id}"

    @property
    def derived(self) -> bool:
        """True when computed from other indicators rather than stored."""
        return self.kind in DERIVED_KINDS

    def applies(self, level: str) -> bool:
        """Whether the indicator is reported by a unit of this level (city/township)."""
        return self.applies_to in ("both", level)

    @property
    def ranked(self) -> bool:
        """Whether the overview ranks the townships on it: ``rank``, or the default."""
        return ranked_by_default(self.kind, self.direction) if self.rank is None else self.rank


class Section(BaseModel):
    """A numbered section of the outline that indicators and highlights belong to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    part: Literal[1, 2, 3, 4]
    title: str


class Catalog(BaseModel):
    """All indicators and sections, with lookups by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parts: dict[int, str]
    sections: list[Section]
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _references_exist(self) -> Catalog:
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate indicator ids: {', '.join(dupes)}")
        section_ids = {s.id for s in self.sections}
        for ind in self.indicators:
            if ind.section not in section_ids:
                raise ValueError(f"{ind.id}: unknown section {ind.section!r}")
            for ref in (ind.part_of, ind.sum_of, ind.numerator, ind.denominator):
                if ref is not None and ref not in ids:
                    raise ValueError(f"{ind.id}: refers to unknown indicator {ref!r}")
        finding_ids = [ind.finding_id(rule) for ind in self.indicators for rule in ind.findings]
        dupes = sorted({f for f in finding_ids if finding_ids.count(f) > 1})
        if dupes:
            raise ValueError(f"duplicate finding ids (give the rules an id): {', '.join(dupes)}")
        return self

    @cached_property
    def by_id(self) -> dict[str, Indicator]:
        """Indicators keyed by id."""
        return {i.id: i for i in self.indicators}

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self.by_id[indicator_id]

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.by_id

    def stored(self) -> list[Indicator]:
        """Indicators whose values live in data files (everything not derived)."""
        return [i for i in self.indicators if not i.derived]

    def for_level(self, level: str, *, key_only: bool = False) -> list[Indicator]:
        """Indicators that a unit of ``level`` reports, in catalogue order."""
        return [i for i in self.indicators if i.applies(level) and (i.key or not key_only)]

    def ranked_townships(self, also: Iterable[str] = ()) -> list[Indicator]:
        """Township indicators the overview ranks: those ``ranked``, plus the ids in
        ``also`` (a region's ``rank_also``), in catalogue order."""
        extra = set(also)
        return [i for i in self.for_level("township") if i.ranked or i.id in extra]

    def finding_ids(self) -> set[str]:
        """Ids of every finding a rule of the catalogue can raise."""
        return {ind.finding_id(rule) for ind in self.indicators for rule in ind.findings}


def load_catalog(data_dir: Path | str) -> Catalog:
    """Read and validate ``<data_dir>/indicators.yaml``."""
    path = Path(data_dir) / "indicators.yaml"
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: indicator catalogue missing")
    raw = load_yaml_mapping(read_text(path), source=path.as_posix())
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise InputError("\n".join(validation_problems(exc, path.as_posix()))) from None
