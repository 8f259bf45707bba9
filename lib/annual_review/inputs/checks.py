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
from annual_review.inputs.region import Region, Unit, load_region
from annual_review.inputs.values_file import values_path

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
    params_text: dict[str, str]  # the same files as written, for messages with lines
    params_folder: str = "params"  # the region's params folder, relative to the project


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
    from annual_review.inputs.params import load_params, params_path
    from annual_review.inputs.plans import check_plan_status, load_previous
    from annual_review.inputs.values import load_values
    from annual_review.inputs.yamlio import read_text

    region = load_region(project.data_dir, region_slug)
    catalog = load_catalog(project.data_dir, region)
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
    params_text = {}
    wanted = [region.unit(u) for u in units] if units else region.units
    params_dir = project.params_for(region.slug)
    for unit in wanted:
        try:
            params = load_params(params_dir, year, unit.slug, unit.name, section_ids=sections)
        except InputError as exc:
            problems.extend(p.replace(project.root.as_posix() + "/", "") for p in exc.problems)
            continue
        checked_params[unit.slug] = params
        path = params_path(params_dir, year, unit.slug)
        params_text[unit.slug] = read_text(path)
        source = path.relative_to(project.root).as_posix()
        try:
            previous = load_previous(params_dir, year, unit.slug, unit.name)
        except InputError as exc:
            problems.extend(p.replace(project.root.as_posix() + "/", "") for p in exc.problems)
            previous = None
        problems.extend(check_plan_status(previous, params, source=source))
        problems.extend(check_finding_reviews(params, catalog, source=source))
        given = {"year": year, "unit": unit.name, "region": region.slug}
        given.update(params.parameters)
        given.update(cli_parameters or {})
        run_parameters[unit.slug] = dict(sorted(given.items()))  # one order, cached or not
        if unit.level in declared:
            notebook = f"notebooks/{project.notebook_for(unit.level).name}"
            problems.extend(
                check_parameters(given, declared[unit.level], unit=unit.name, notebook=notebook)
            )
    if values is not None:
        where = values_path(project.data_dir, region.slug).relative_to(project.root).as_posix()
        problems.extend(missing_figures(values, catalog, wanted, year, where))
    if problems or values is None:
        raise InputError("\n".join(problems))
    folder = params_dir.relative_to(project.root).as_posix()
    return ValidInputs(region, catalog, values, run_parameters, checked_params, params_text, folder)


def missing_figures(
    values: pd.DataFrame, catalog: Catalog, units: list[Unit], year: int, where: str
) -> list[str]:
    """One message per required figure of a unit missing for the year (a row marked
    ``n/a`` with its reason counts as given); one message when the year has no figure.
    """
    present = set(zip(values["year"], values["unit"], values["indicator"], strict=True))
    if not any(y == year for y, _, _ in present):
        return [
            f"{where}: no figures for {year}: import the year's workbook "
            "(annual-review import) or add its rows before building"
        ]
    return [
        f"{where}: {unit.name} {year} {ind.id}（{ind.name}）: required figure missing;"
        " add it, or write n/a as its value with the reason as its source"
        for unit in units
        for ind in catalog.required_for(unit.level)
        if (year, unit.name, ind.id) not in present
    ]


def check_finding_reviews(params: ReviewParams, catalog: Catalog, *, source: str) -> list[str]:
    """One message per key of ``findings`` that no rule of the catalogue can raise (a typo)."""
    known = catalog.finding_ids()
    listed = ", ".join(sorted(known))
    return [
        f"{source}: field findings.{key}: no rule raises this finding; known: {listed}"
        for key in params.findings
        if key not in known
    ]
