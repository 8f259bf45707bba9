"""How complete a workbook is: per unit, the required figures filled and those missing.

A workbook with a handful of figures must not pass unnoticed, so
:func:`completeness_warnings` returns one line for the workbook and one per incomplete
unit sheet (``海昌街道: 8 of 11 required figures filled; missing: 合法性审查, …``). A
figure marked ``n/a`` with its reason counts as filled; a required figure the values
file already holds for the year is not reported missing. These are warnings: the import
writes what it has, the build refuses what is still missing.
"""

from __future__ import annotations

from annual_review.inputs.catalog import Catalog
from annual_review.inputs.collect.common import Entry
from annual_review.inputs.region import Unit

MAX_NAMES = 12


def missing_text(names: list[str]) -> str:
    """Names of missing figures, the first MAX_NAMES of a long list.

    >>> missing_text(["合法性审查", "赋权事项"])
    '合法性审查, 赋权事项'
    >>> missing_text([f"指标{i}" for i in range(14)]).endswith("指标11 and 2 more")
    True
    """
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def completeness_warnings(
    entries: list[Entry],
    units: list[Unit],
    catalog: Catalog,
    already: set[tuple[str, str]],
    name: str,
    year: int,
) -> list[str]:
    """A summary line and one line per unit sheet still missing required figures.

    ``already`` holds the (unit, indicator) keys the values file has for ``year``.
    Nothing when every required figure of every unit sheet is filled (or stored).
    """
    filled = {(e.unit, e.indicator.id) for e in entries}
    lines: list[str] = []
    total = done = 0
    for unit in units:
        required = catalog.required_for(unit.level)
        here = [i for i in required if (unit.name, i.id) in filled]
        missing = [i for i in required if (unit.name, i.id) not in filled | already]
        total += len(required)
        done += len(required) - len(missing)
        if not missing:
            continue
        stored = len(required) - len(here) - len(missing)
        also = f" ({stored} more already stored for {year})" if stored else ""
        lines.append(
            f"{name}: {unit.name}: {len(here)} of {len(required)} required figures filled{also};"
            f" missing: {missing_text([i.name for i in missing])}"
        )
    if lines:
        lines.insert(
            0,
            f"{name}: {done} of {total} required figures of {year} filled or stored;"
            f" {len(lines)} of {len(units)} unit sheets incomplete (the build refuses missing"
            " figures: fill them in, or write n/a with the reason in 来源/备注)",
        )
    return lines
