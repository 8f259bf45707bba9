"""The indicator catalogue (``data/indicators.yaml``): definitions, parts and formulas.

The catalogue's texts name no region and no level: ``{级}``, ``{管}`` and ``{市}`` stand
for the region's words (市级/县级/区级, 市管/县管/区管, 市/县/区), filled in by
:meth:`Catalog.worded` together with the region's own wording of an indicator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from annual_review.core.errors import InputError
from annual_review.inputs.yamlio import load_yaml_mapping, read_text, validation_problems

COUNT_KINDS = ("count",)
DERIVED_KINDS = ("rate", "ratio")


FINDING_ID = r"^f-[a-z0-9][a-z0-9_-]*$"
RATE_RULES = ("down_pp", "up_pp")
COUNT_RULES = ("up_share", "down_share")
MAX_CATALOG_BYTES = 2_000_000
STATED_RANGE = (0.0, 100.0)  # a stated percentage's values unless the catalogue says otherwise

# placeholder → what it becomes, ``{w}`` being the region's level word (市, 县 or 区)
PLACEHOLDERS = {"{级}": "{w}级", "{管}": "{w}管", "{市}": "{w}"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
WORDED_FIELDS = ("name", "short", "definition")


def placeholder_problems(text: str) -> list[str]:
    """The placeholders of ``text`` that are not known (a typo such as ``{县级}``).

    >>> placeholder_problems("审查{级}文件，{管}领导干部，全{市}")
    []
    >>> placeholder_problems("审查{县级}文件")
    ['unknown placeholder {县级} (known: {级}, {管}, {市})']
    """
    known = ", ".join(PLACEHOLDERS)
    return [
        f"unknown placeholder {found} (known: {known})"
        for found in PLACEHOLDER.findall(text)
        if found not in PLACEHOLDERS
    ]


def fill(text: str, level_word: str) -> str:
    """``text`` with every placeholder replaced by the region's word.

    >>> fill("审查{级}文件；{管}领导干部；全{市}", "县")
    '审查县级文件；县管领导干部；全县'
    >>> fill("审查{级}文件", "市")
    '审查市级文件'
    """
    for placeholder, word in PLACEHOLDERS.items():
        text = text.replace(placeholder, word.format(w=level_word))
    return text


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

    when: Literal["above", "below", "down_pp", "up_pp", "up_share", "down_share"] = Field(
        description="above/below: this year beyond value; down_pp/up_pp: a rate moved by"
        " more than value points; up_share/down_share: a count moved by more than value %"
    )
    value: Decimal = Field(ge=0, allow_inf_nan=False, description="the threshold")
    text: str = Field(default="", description="the comment written after the sentence")
    id: str | None = Field(
        default=None, pattern=FINDING_ID, description="f-<indicator id> unless given"
    )


class IndicatorWording(BaseModel):
    """A region's own wording of one indicator (``indicators:`` of a region file).

    Each field left out keeps the catalogue's text; placeholders may be used.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, min_length=1)
    short: str | None = Field(default=None, min_length=1)
    definition: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _placeholders_known(self) -> IndicatorWording:
        problems = [p for f in WORDED_FIELDS for p in placeholder_problems(getattr(self, f) or "")]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Wording(Protocol):
    """What :meth:`Catalog.worded` needs of a region (``inputs.region.Region``)."""

    @property
    def level_word(self) -> str: ...

    @property
    def indicators(self) -> Mapping[str, IndicatorWording]: ...


MEASURE_PATTERN = r"^(%|[\u4e00-\u9fff]{1,4})$"
"""A measure: ``%``, or 1–4 Chinese characters (a count's word, ``比`` for a ratio)."""


class Indicator(BaseModel):
    """One indicator: a stored count, a stated percentage, or a derived rate/ratio."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stable ASCII id (values rows)")
    name: str = Field(description="the Chinese name readers see; may hold {级} {管} {市}")
    measure: str = Field(
        pattern=MEASURE_PATTERN,
        description="the unit of measure written after a count, 1–4 Chinese characters "
        "(件, 人, 家, 所, 人次…); % for rates and stated percentages; 比 for a ratio",
    )
    kind: Literal["count", "rate", "ratio", "stated_percent"] = Field(
        description="count and stated_percent are stored; rate and ratio are computed"
    )
    part: Literal[1, 2, 3, 4] = Field(description="the part of the four-part outline")
    section: str = Field(description="the id of its section under `sections`")
    direction: Literal["higher", "lower", "neutral"] = Field(
        description="whether more is better (higher), worse (lower) or neither"
    )
    applies_to: Literal["city", "township", "both"] = Field(description="who reports it")
    key: bool = Field(default=False, description="shown in the key-figure table and trends")
    part_of: str | None = Field(default=None, description="the count it is part of (≤ it)")
    sum_of: str | None = Field(
        default=None, description="the township figure whose sum it equals (city totals)"
    )
    numerator: str | None = Field(default=None, description="a rate's or ratio's numerator")
    denominator: str | None = Field(default=None, description="its denominator")
    definition: str = Field(description="what is counted, as the definitions page says it")
    basis: str = Field(description="the law or rule it rests on")
    short: str | None = Field(
        default=None, min_length=1, description="简称，如 纠错率（与全称同句出现时使用）"
    )
    findings: list[FindingRule] = Field(default_factory=list)
    range: tuple[float, float] | None = Field(
        default=None,
        description=(
            "stated_percent only: the lowest and highest value allowed, [low, high];"
            " 0 to 100 unless given (e.g. [-100, 100] for a change that can be negative)"
        ),
    )
    rank: bool | None = Field(
        default=None,
        description=(
            "rank the townships on the overview page; unset: counts that are not"
            " direction lower are ranked, everything else is not"
        ),
    )
    required: bool = Field(
        default=True,
        description=(
            "every unit of its level must report it each year; false for a figure an"
            " office may not have. A rate or ratio is computed, never required itself"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _derived_not_required(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in DERIVED_KINDS:
            if data.get("required") is True:
                raise ValueError(
                    f"{data.get('id')}: a {data['kind']} is computed, so required does not"
                    " apply; mark its numerator and denominator instead"
                )
            data = {**data, "required": False}
        return data

    @model_validator(mode="after")
    def _placeholders_known(self) -> Indicator:
        texts = [self.name, self.short or "", self.definition, self.basis]
        texts += [rule.text for rule in self.findings]
        problems = [p for text in texts for p in placeholder_problems(text)]
        if problems:
            raise ValueError(f"{self.id}: {'; '.join(problems)}")
        return self

    @model_validator(mode="after")
    def _formula_matches_kind(self) -> Indicator:
        derived = self.kind in DERIVED_KINDS
        if derived != (self.numerator is not None and self.denominator is not None):
            raise ValueError(f"{self.id}: a rate or ratio needs numerator and denominator")
        return self

    @model_validator(mode="after")
    def _measure_fits_kind(self) -> Indicator:
        wanted = {"rate": "%", "stated_percent": "%", "ratio": "比"}.get(self.kind)
        if wanted is not None and self.measure != wanted:
            raise ValueError(f"{self.id}: a {self.kind} is measured in {wanted}")
        if wanted is None and self.measure in ("%", "比"):
            raise ValueError(f"{self.id}: a count takes a word such as 件, not {self.measure}")
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
    def _range_fits_kind(self) -> Indicator:
        if self.range is None:
            return self
        if self.kind != "stated_percent":
            raise ValueError(f"{self.id}: range applies to a stated_percent only")
        low, high = self.range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{self.id}: range must be two finite numbers [low, high], low < high")
        return self

    @property
    def stated_range(self) -> tuple[float, float] | None:
        """The values a stated percentage may take (``range``, else 0 to 100); ``None``
        for other kinds.

        >>> one = {"id": "cut", "name": "降幅", "measure": "%", "part": 2, "section": "s",
        ...        "definition": "", "basis": "", "direction": "higher", "applies_to": "city"}
        >>> Indicator(**one, kind="stated_percent").stated_range
        (0.0, 100.0)
        >>> Indicator(**one, kind="stated_percent", range=[-100, 100]).stated_range
        (-100.0, 100.0)
        >>> Indicator(**{**one, "measure": "件"}, kind="count").stated_range is None
        True
        """
        if self.kind != "stated_percent":
            return None
        return self.range or STATED_RANGE

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

    def worded(self, level_word: str, own: IndicatorWording | None = None) -> Indicator:
        """This indicator in a region's words: ``own`` fields first, placeholders filled."""
        texts = {f: getattr(own, f, None) or getattr(self, f) for f in WORDED_FIELDS}
        texts["basis"] = self.basis
        update: dict[str, Any] = {
            f: None if text is None else fill(text, level_word) for f, text in texts.items()
        }
        update["findings"] = [
            rule.model_copy(update={"text": fill(rule.text, level_word)}) for rule in self.findings
        ]
        return self.model_copy(update=update)


class Section(BaseModel):
    """A numbered section of the outline that indicators and highlights belong to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="the key of highlights under `sections` in the params")
    part: Literal[1, 2, 3, 4] = Field(description="the part it belongs to")
    title: str = Field(description="its heading, written （一）…")


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

    def required_for(self, level: str) -> list[Indicator]:
        """Stored indicators a unit of ``level`` must report every year, in catalogue order."""
        return [i for i in self.stored() if i.required and i.applies(level)]

    def worded(self, region: Wording) -> Catalog:
        """The catalogue in a region's words: its own wording of indicators applied and
        every placeholder filled with its level word (see :func:`fill`)."""
        unknown = sorted(set(region.indicators) - set(self.by_id))
        if unknown:
            raise InputError(f"own wording of unknown indicators: {', '.join(unknown)}")
        word = region.level_word
        return Catalog(
            parts={n: fill(title, word) for n, title in self.parts.items()},
            sections=[s.model_copy(update={"title": fill(s.title, word)}) for s in self.sections],
            indicators=[i.worded(word, region.indicators.get(i.id)) for i in self.indicators],
        )

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


def load_catalog(data_dir: Path | str, region: Wording | None = None) -> Catalog:
    """Read and validate ``<data_dir>/indicators.yaml``.

    Without ``region`` the catalogue is returned as written, placeholders and all (for
    validation and ids); with it, in the region's words (:meth:`Catalog.worded`): what
    every page, Word file, workbook and message that readers see must use.
    """
    path = Path(data_dir) / "indicators.yaml"
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: indicator catalogue missing")
    raw = load_yaml_mapping(read_text(path, max_bytes=MAX_CATALOG_BYTES), source=path.as_posix())
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        raise InputError("\n".join(validation_problems(exc, path.as_posix()))) from None
    return catalog if region is None else catalog.worded(region)
