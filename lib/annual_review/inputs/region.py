"""A region: the city and its townships, read from ``data/regions/<slug>.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog, load_catalog
from annual_review.inputs.yamlio import load_yaml_mapping, read_text, validation_problems

Slug = Field(pattern=r"^[a-z][a-z0-9-]*$")
TOWNSHIP_KINDS = ("街道", "镇", "乡")


class Unit(BaseModel):
    """One reporting unit: the city itself or one township."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2)
    kind: Literal["县级市", "市", "区", "县", "街道", "镇", "乡"]
    slug: str = Slug

    @property
    def level(self) -> Literal["city", "township"]:
        """``city`` for the county-level unit, ``township`` for 街道/镇/乡."""
        return "township" if self.kind in TOWNSHIP_KINDS else "city"


class Region(BaseModel):
    """A county-level city with its townships, in the order reports list them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    slug: str = Slug
    kind: Literal["县级市", "市", "区", "县"]
    parent: str
    townships: list[Unit] = Field(min_length=1)
    rank_also: list[str] = Field(
        default_factory=list,
        description="indicator ids the overview ranks besides those the catalogue ranks",
    )

    @field_validator("townships")
    @classmethod
    def _townships_are_townships(cls, townships: list[Unit]) -> list[Unit]:
        wrong = [f"{u.name} ({u.kind})" for u in townships if u.level != "township"]
        if wrong:
            raise ValueError(
                f"township {', '.join(wrong)} has a city kind;"
                f" a township's kind must be {', '.join(TOWNSHIP_KINDS)}"
            )
        return townships

    @model_validator(mode="after")
    def _unique(self) -> Region:
        for attr in ("name", "slug"):
            values = [getattr(u, attr) for u in self.units]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate township {attr}: {', '.join(dupes)}")
        return self

    @property
    def city(self) -> Unit:
        """The county-level unit itself."""
        return Unit(name=self.name, kind=self.kind, slug=self.slug)

    @property
    def units(self) -> list[Unit]:
        """The city first, then the townships."""
        return [self.city, *self.townships]

    def unit(self, name_or_slug: str) -> Unit:
        """Find a unit by its Chinese name or its slug."""
        for unit in self.units:
            if name_or_slug in (unit.name, unit.slug):
                return unit
        known = "、".join(u.name for u in self.units)
        raise InputError(f"unknown unit {name_or_slug!r} in region {self.name}; known: {known}")


def region_path(data_dir: Path | str, slug: str) -> Path:
    """Where a region file lives below the data folder."""
    return Path(data_dir) / "regions" / f"{slug}.yaml"


def rank_problems(rank_also: list[str], catalog: Catalog, *, source: str) -> list[str]:
    """One message per ``rank_also`` entry that is not a township indicator of the catalogue.

    >>> one = {"measure": "件", "kind": "count", "part": 2, "section": "s", "definition": "",
    ...        "basis": "", "direction": "lower"}
    >>> catalog = Catalog.model_validate({"parts": {2: "举措"},
    ...     "sections": [{"id": "s", "part": 2, "title": "节"}],
    ...     "indicators": [{**one, "id": "sued", "name": "被诉", "applies_to": "township"},
    ...                    {**one, "id": "lost", "name": "败诉", "applies_to": "city"}]})
    >>> for problem in rank_problems(["sued", "lost", "sude"], catalog, source="r.yaml"):
    ...     print(problem)
    r.yaml: field rank_also: 'lost' (败诉) is not reported by townships
    r.yaml: field rank_also: unknown indicator 'sude'
    """
    problems = []
    for value in rank_also:
        if value not in catalog:
            problems.append(f"{source}: field rank_also: unknown indicator {value!r}")
        elif not catalog[value].applies("township"):
            problems.append(
                f"{source}: field rank_also: {value!r} ({catalog[value].name})"
                " is not reported by townships"
            )
    return problems


def load_region(data_dir: Path | str, slug: str = "haining") -> Region:
    """Read and validate a region file; its ``rank_also`` against the catalogue beside it."""
    path = region_path(data_dir, slug)
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: region file missing")
    raw = load_yaml_mapping(read_text(path), source=path.as_posix())
    try:
        region = Region.model_validate(raw)
    except ValidationError as exc:
        raise InputError("\n".join(validation_problems(exc, path.as_posix()))) from None
    if region.rank_also:
        problems = rank_problems(region.rank_also, load_catalog(data_dir), source=path.as_posix())
        if problems:
            raise InputError("\n".join(problems))
    return region
