"""A region: the city and its townships, read from ``data/regions/<slug>.yaml``, with
how it rounds percentages and the words its reports use for its level."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import Catalog, IndicatorWording, load_catalog
from annual_review.inputs.yamlio import (
    SHORT,
    capped,
    load_yaml_mapping,
    read_text,
    validation_problems,
)

SLUG = r"^[a-z][a-z0-9-]{0,39}$"
NAME_LENGTH = (2, 40)
# what a name may not hold: it becomes part of file names (Word files) and of pages
PATH_CHARACTERS = "/\\"
MARKUP_CHARACTERS = "<>&\"'"
HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # control, bidi, unassigned
TOWNSHIP_KINDS = ("街道", "镇", "乡")
CityKind = Literal["县级市", "地级市", "市", "县", "自治县", "区"]
# a county-level unit's kind → its level word: 市级/县级/区级, 市管/县管/区管
LEVEL_WORDS = {"县级市": "市", "地级市": "市", "市": "市", "县": "县", "自治县": "县", "区": "区"}
RoundingRule = Literal["half-up", "truncate"]
ROUNDING_RULES: tuple[str, ...] = get_args(RoundingRule)
MAX_PLACES = 4
MAX_REGION_BYTES = 1_000_000


class Rounding(BaseModel):
    """How a region prints computed percentages: ``half-up`` (四舍五入) or ``truncate``
    (digits beyond ``places`` dropped, toward zero: 151 vs 66 → 128.78%), to ``places``
    decimals (0–4).

    >>> Rounding()
    Rounding(rule='half-up', places=2)
    >>> cut = Rounding(rule="truncate", places=1)
    >>> cut.model_dump(), cut == Rounding.model_validate_json('{"rule": "truncate", "places": 1}')
    ({'rule': 'truncate', 'places': 1}, True)
    >>> len({cut, Rounding(rule="truncate", places=1), Rounding()})
    2
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: RoundingRule = "half-up"
    places: int = Field(default=2, ge=0, le=MAX_PLACES, strict=True)


def rounding_setting(rule: object = "half-up", decimals: object = 2) -> Rounding:
    """The :class:`Rounding` of a region file's ``rounding`` and ``decimals`` keys.

    >>> rounding_setting("truncate", 1)
    Rounding(rule='truncate', places=1)
    >>> rounding_setting("half-even")
    Traceback (most recent call last):
    ...
    ValueError: rounding: 'half-even' is not supported; supported rules: half-up, truncate
    >>> rounding_setting("half-up", 5)
    Traceback (most recent call last):
    ...
    ValueError: decimals: 5 is not a whole number from 0 to 4
    """
    if not isinstance(rule, str) or rule not in ROUNDING_RULES:
        raise ValueError(
            f"rounding: {rule!r} is not supported; supported rules: {', '.join(ROUNDING_RULES)}"
        )
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_PLACES
    ):
        raise ValueError(f"decimals: {decimals!r} is not a whole number from 0 to {MAX_PLACES}")
    return Rounding.model_validate({"rule": rule, "places": decimals})


def name_problem(name: str) -> str | None:
    """What makes ``name`` unfit as a unit's, township's or region's name, if anything.

    Names become parts of file names and of pages, so they hold no path separator, no
    ``..``, no control, invisible or bidirectional character and no markup character.

    >>> [name_problem(n) for n in ("海昌街道", "盐官镇", "Haining City")]
    [None, None, None]
    >>> print(name_problem("../../x/PWN"))
    holds '/' (a path separator); a name holds no / or \\
    >>> print(name_problem("盐官镇</title>"))
    holds '<' (a markup character); a name holds none of < > & " '
    >>> print(name_problem("海宁\u202e市"))
    holds U+202E (a control, invisible or direction character)
    >>> print(name_problem("镇"))
    has 1 characters; a name has 2 to 40
    """
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        return f"has {len(name):,} characters; a name has {low} to {high}"
    if name != name.strip():
        return "starts or ends with a space"
    for char in name:
        if char in PATH_CHARACTERS:
            return f"holds {char!r} (a path separator); a name holds no / or \\"
        if char in MARKUP_CHARACTERS:
            return f"holds {char!r} (a markup character); a name holds none of < > & \" '"
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            return f"holds U+{ord(char):04X} (a control, invisible or direction character)"
    if ".." in name:
        return "holds '..'; a name is not a path"
    return None


def _check_name(name: str) -> str:
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(f"name {SHORT.repr(name)} {problem}")
    return name


class Unit(BaseModel):
    """One reporting unit: the city itself or one township."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        min_length=NAME_LENGTH[0],
        max_length=NAME_LENGTH[1],
        description="the unit's official name, e.g. 海昌街道 (no path or markup characters)",
    )
    kind: Literal["县级市", "地级市", "市", "县", "自治县", "区", "街道", "镇", "乡"] = Field(
        description="街道, 镇 or 乡 for a township"
    )
    slug: str = Field(
        pattern=SLUG, description="ASCII name of its files: params/<year>/<slug>.yaml, <slug>.html"
    )

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return _check_name(name)

    @property
    def level(self) -> Literal["city", "township"]:
        """``city`` for the county-level unit, ``township`` for 街道/镇/乡."""
        return "township" if self.kind in TOWNSHIP_KINDS else "city"


class Region(BaseModel):
    """A county-level city with its townships, in the order reports list them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$", description="the six-digit administrative code")
    name: str = Field(
        min_length=NAME_LENGTH[0],
        max_length=NAME_LENGTH[1],
        description="the county-level unit's name, e.g. 海宁市",
    )
    slug: str = Field(pattern=SLUG, description="its ASCII name; must be the file's name")
    kind: CityKind = Field(description="县级市, 地级市, 市, 县, 自治县 or 区: gives 市级/县级/区级")
    parent: str = Field(
        min_length=NAME_LENGTH[0],
        max_length=NAME_LENGTH[1],
        description="the level above, e.g. 嘉兴市",
    )
    townships: list[Unit] = Field(min_length=1, description="its townships, in report order")
    rank_also: list[str] = Field(
        default_factory=list,
        description="indicator ids the overview ranks besides those the catalogue ranks",
    )
    rounding: Rounding = Field(
        default_factory=Rounding,
        description="file keys rounding: half-up | truncate and decimals: 0..4",
    )
    indicators: dict[str, IndicatorWording] = Field(
        default_factory=dict,
        description="the region's own name, short or definition of catalogue indicators",
    )

    @model_validator(mode="before")
    @classmethod
    def _rounding_keys(cls, data: Any) -> Any:
        """The file's ``rounding: <rule>`` and ``decimals: <n>`` make one :class:`Rounding`."""
        if not isinstance(data, dict):
            return data
        rule, decimals = data.get("rounding", "half-up"), data.get("decimals", 2)
        if "decimals" in data or not isinstance(rule, (dict, Rounding)):
            data = {k: v for k, v in data.items() if k != "decimals"}
            data["rounding"] = rounding_setting(rule, decimals)
        return data

    @field_validator("name", "parent")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return _check_name(name)

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
    def level_word(self) -> str:
        """The word of the region's level: 市 (县级市, 地级市, 市), 县 (县, 自治县) or 区,
        as in 市级 and 市管 (the catalogue's ``{级}`` and ``{管}``)."""
        return LEVEL_WORDS[self.kind]

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
        raise InputError(
            f"unknown unit {SHORT.repr(name_or_slug)} in region {self.name}; known: {known}"
        )


def region_path(data_dir: Path | str, slug: str) -> Path:
    """Where a region file lives below the data folder."""
    return Path(data_dir) / "regions" / f"{slug}.yaml"


def is_slug(text: str) -> bool:
    """Whether ``text`` is a slug: lower-case ASCII letters, digits and ``-``, a letter
    first, at most 40 characters.

    >>> [is_slug(t) for t in ("haining", "x-2", "../x", "/abs/path", "Haining", "a" * 41)]
    [True, True, False, False, False, False]
    """
    return re.fullmatch(SLUG[1:-1], text) is not None


def region_file(data_dir: Path | str, slug: str) -> Path:
    """The region file of ``slug``: one of ``data/regions/*.yaml``, never a path given
    from outside (``--region ../x`` or ``--region /abs/path`` is an InputError).

    >>> try:
    ...     region_file("data", "../../x")
    ... except InputError as exc:
    ...     print(str(exc)[:40])
    region '../../x' is not a region slug (l
    """
    if not isinstance(slug, str) or not is_slug(slug):
        raise InputError(
            f"region {SHORT.repr(slug)} is not a region slug (lower-case ASCII letters,"
            " digits and -, a letter first, at most 40 characters)"
        )
    folder = Path(data_dir) / "regions"
    known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    if slug not in known:
        listed = ", ".join(SHORT.repr(k) if not is_slug(k) else k for k in known[:20])
        raise InputError(
            f"{region_path(data_dir, slug).as_posix()}: region file missing;"
            f" regions: {listed or 'none'}"
        )
    return region_path(data_dir, slug)


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
            problems.append(f"{source}: field rank_also: unknown indicator {SHORT.repr(value)}")
        elif not catalog[value].applies("township"):
            problems.append(
                f"{source}: field rank_also: {value!r} ({catalog[value].name})"
                " is not reported by townships"
            )
    return problems


def wording_problems(
    wording: dict[str, IndicatorWording], catalog: Catalog, *, source: str
) -> list[str]:
    """One message per indicator of a region's own ``indicators`` wording not in the catalogue.

    >>> one = {"measure": "件", "kind": "count", "part": 2, "section": "s", "definition": "",
    ...        "basis": "", "direction": "lower", "applies_to": "city"}
    >>> catalog = Catalog.model_validate({"parts": {2: "举措"},
    ...     "sections": [{"id": "s", "part": 2, "title": "节"}],
    ...     "indicators": [{**one, "id": "sued", "name": "被诉"}]})
    >>> own = {"sued": IndicatorWording(name="被起诉"), "sude": IndicatorWording(name="x")}
    >>> wording_problems(own, catalog, source="r.yaml")
    ["r.yaml: field indicators: unknown indicator 'sude'"]
    """
    return [
        f"{source}: field indicators: unknown indicator {SHORT.repr(value)}"
        for value in wording
        if value not in catalog
    ]


def load_region(data_dir: Path | str, slug: str = "haining") -> Region:
    """Read and validate a region file; its ``rank_also`` and own ``indicators`` wording
    against the catalogue beside it."""
    path = region_file(data_dir, slug)
    raw = load_yaml_mapping(read_text(path, max_bytes=MAX_REGION_BYTES), source=path.as_posix())
    try:
        region = Region.model_validate(raw)
    except ValidationError as exc:
        raise InputError("\n".join(validation_problems(exc, path.as_posix()))) from None
    if region.slug != slug:
        raise InputError(
            f"{path.as_posix()}: field slug: {region.slug!r} must be the file's name,"
            f" {slug!r} (rename the file or change the slug)"
        )
    if region.rank_also or region.indicators:
        catalog, source = load_catalog(data_dir), path.as_posix()
        problems = rank_problems(region.rank_also, catalog, source=source)
        problems += wording_problems(region.indicators, catalog, source=source)
        if problems:
            raise InputError("\n".join(capped(problems)))
    return region
