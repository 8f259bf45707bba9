"""The indicator catalogue (``data/indicators.yaml``): definitions, parts and formulas."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InputError
from .yamlio import load_yaml_mapping, read_text, validation_problems

COUNT_KINDS = ("count",)
DERIVED_KINDS = ("rate", "ratio")


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

    @model_validator(mode="after")
    def _formula_matches_kind(self) -> Indicator:
        derived = self.kind in DERIVED_KINDS
        if derived != (self.numerator is not None and self.denominator is not None):
            raise ValueError(f"{self.id}: a rate or ratio needs numerator and denominator")
        return self

    @property
    def derived(self) -> bool:
        """True when computed from other indicators rather than stored."""
        return self.kind in DERIVED_KINDS

    def applies(self, level: str) -> bool:
        """Whether the indicator is reported by a unit of this level (city/township)."""
        return self.applies_to in ("both", level)


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

    def section(self, section_id: str) -> Section:
        """A section by id."""
        return next(s for s in self.sections if s.id == section_id)


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
