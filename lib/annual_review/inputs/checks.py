"""Check every input of a year before any kernel starts, listing all problems at once.

:func:`check_inputs` validates the region, the catalogue, the values (pandera), every
unit's params (pydantic), last year's plans and the findings the params review, and the
parameters each run will get against its notebook's ``parameters`` cell. It returns what
was read, for the build to plan with; one :class:`InputError` names every problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.inputs.region import Region, load_region

if TYPE_CHECKING:  # pandas and pydantic are imported when a check runs, not before
    import pandas as pd

    from annual_review.inputs.catalog import Catalog
    from annual_review.inputs.params import ReviewParams


@dataclass
class ValidInputs:
    """What :func:`check_inputs` read and found valid."""

    region: Region
    catalog: Catalog
    values: pd.DataFrame
    run_parameters: dict[str, dict[str, Any]]
    params: dict[str, ReviewParams]  # by unit slug, the units checked


def check_inputs(
    project: Project,
    year: int,
    region_slug: str,
    cli_parameters: dict[str, Any] | None = None,
    units: list[str] | None = None,
) -> ValidInputs:
    """Check everything; raise one InputError listing every problem.

    ``units`` (names or slugs) limits the params checks to the units being built.
    """
    from annual_review.inputs.catalog import load_catalog
    from annual_review.inputs.notebook_params import check_parameters, notebook_parameters
    from annual_review.inputs.params import load_params
    from annual_review.inputs.plans import check_plan_status, load_previous
    from annual_review.inputs.values import load_values

    region = load_region(project.data_dir, region_slug)
    catalog = load_catalog(project.data_dir)
    sections = {s.id for s in catalog.sections}
    problems: list[str] = []
    values = None
    try:
        values = load_values(project.data_dir, region, catalog)
    except InputError as exc:
        problems.extend(exc.problems)
    declared = {}
    for level in ("city", "township"):
        path = project.notebook_for(level)
        try:
            declared[level] = notebook_parameters(path)
        except (InputError, OSError) as exc:
            problems.append(f"notebooks/{path.name}: {exc}")
    run_parameters = {}
    checked_params = {}
    wanted = [region.unit(u) for u in units] if units else region.units
    for unit in wanted:
        try:
            params = load_params(
                project.params_dir, year, unit.slug, unit.name, section_ids=sections
            )
        except InputError as exc:
            problems.extend(p.replace(project.root.as_posix() + "/", "") for p in exc.problems)
            continue
        checked_params[unit.slug] = params
        source = f"params/{year}/{unit.slug}.yaml"
        try:
            previous = load_previous(project.params_dir, year, unit.slug, unit.name)
        except InputError as exc:
            problems.extend(p.replace(project.root.as_posix() + "/", "") for p in exc.problems)
            previous = None
        problems.extend(check_plan_status(previous, params, source=source))
        problems.extend(check_finding_reviews(params, catalog, source=source))
        given = {"year": year, "unit": unit.name, "region": region.slug}
        given.update(params.parameters)
        given.update(cli_parameters or {})
        run_parameters[unit.slug] = given
        if unit.level in declared:
            notebook = f"notebooks/{project.notebook_for(unit.level).name}"
            problems.extend(
                check_parameters(given, declared[unit.level], unit=unit.name, notebook=notebook)
            )
    if problems or values is None:
        raise InputError("\n".join(problems))
    return ValidInputs(region, catalog, values, run_parameters, checked_params)


def check_finding_reviews(params: ReviewParams, catalog: Catalog, *, source: str) -> list[str]:
    """One message per key of ``findings`` that no rule of the catalogue can raise (a typo)."""
    known = catalog.finding_ids()
    listed = ", ".join(sorted(known))
    return [
        f"{source}: field findings.{key}: no rule raises this finding; known: {listed}"
        for key in params.findings
        if key not in known
    ]
