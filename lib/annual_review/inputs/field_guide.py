"""Field guides made from the models themselves, so the documentation cannot drift.

:func:`field_table` writes a Markdown table of a pydantic model's fields (name, required,
type and limits, what it is, from the field's description); ``params/README.md`` holds
the tables of the params file and ``data/README.md`` those of the region file and the
catalogue, between markers, and a test checks they are current.
"""

from __future__ import annotations

import re
import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = ["data_guide", "field_table", "params_guide"]


def _type_name(annotation: object) -> str:
    """A short, readable type: ``list[Shortcoming]``, ``'done' | 'in_progress'``, ``int``."""
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    text = getattr(annotation, "__name__", None) if not typing.get_args(annotation) else None
    text = text or str(annotation)
    return re.sub(r"[\w.]+\.(\w+)", r"\1", text.replace("typing.", ""))


def _limits(info: FieldInfo) -> str:
    found = []
    for item in info.metadata:
        for name, word in (("ge", "≥"), ("le", "≤"), ("min_length", "min"), ("max_length", "max")):
            value = getattr(item, name, None)
            if value is not None:
                found.append(f"{word} {value}")
        pattern = getattr(item, "pattern", None)
        if pattern:
            found.append(f"pattern `{pattern}`".replace("|", "\\|"))  # a table cell
    return ", ".join(found)


def field_table(model: type[BaseModel]) -> str:
    """The fields of ``model`` as a Markdown table.

    >>> from pydantic import Field
    >>> class Demo(BaseModel):
    ...     year: int = Field(ge=2000, description="年度")
    ...     note: str = ""
    >>> print(field_table(Demo))
    | field | required | type, limits | what it is |
    |---|---|---|---|
    | `year` | yes | int (≥ 2000) | 年度 |
    | `note` | no | str |  |
    """
    rows = ["| field | required | type, limits | what it is |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        limits = _limits(info)
        kind = _type_name(info.annotation) + (f" ({limits})" if limits else "")
        needed = "yes" if info.is_required() else "no"
        rows.append(f"| `{name}` | {needed} | {kind} | {info.description or ''} |")
    return "\n".join(rows)


def params_guide() -> str:
    """The field tables of a params file: the file, then each kind of item in it."""
    from annual_review.inputs import params

    parts = [f"### The file\n\n{field_table(params.ReviewParams)}"]
    for model, where in (
        (params.Highlight, "each item of `sections.<section id>`"),
        (params.Shortcoming, "each item of `shortcomings`"),
        (params.Plan, "each item of `plans`"),
        (params.FindingReview, "each value of `findings`"),
        (params.PlanStatus, "each value of `plan_status`"),
    ):
        parts.append(f"### {model.__name__}: {where}\n\n{field_table(model)}")
    return "\n\n".join(parts) + "\n"


def data_guide() -> str:
    """The field tables of a region file and of the indicator catalogue."""
    from annual_review.inputs import catalog, region

    parts = []
    for model, where in (
        (region.Region, "a region file, `data/regions/<slug>.yaml`"),
        (region.Unit, "each item of `townships`"),
        (catalog.IndicatorWording, "each value of a region's `indicators`"),
        (catalog.Section, "each item of the catalogue's `sections`"),
        (catalog.Indicator, "each item of the catalogue's `indicators`"),
        (catalog.FindingRule, "each item of an indicator's `findings`"),
    ):
        parts.append(f"### {model.__name__}: {where}\n\n{field_table(model)}")
    return "\n\n".join(parts) + "\n"
