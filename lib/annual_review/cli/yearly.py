"""The analyst's yearly commands: ``template``, ``import``, ``new-year`` and ``check``."""

from __future__ import annotations

import sys

from annual_review.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    one_region,
    parse_parameters,
    shown,
)
from annual_review.core.errors import InputError
from annual_review.core.layout import Project
from annual_review.inputs.checks import check_inputs


def template_command(args) -> int:
    from annual_review.inputs.collect import write_template

    project = Project.find(args.project)
    region = one_region(project, args.region, "template")
    out = write_template(project.data_dir, region, args.year, args.output, units=args.unit or None)
    print(f"template: {out}")
    return EXIT_OK


def import_command(args) -> int:
    from annual_review.inputs.collect import import_workbook

    project = Project.find(args.project)
    try:
        region = None if args.region is None else one_region(project, args.region, "import")
        report = import_workbook(
            args.file,
            project.data_dir,
            region,  # None: the region the workbook names
            source=args.source,
            year=args.year,
        )
    except OSError as exc:
        print(f"import failed, data/ unchanged: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{report.rows_written} figures written to {report.path}")
    return EXIT_OK


def check_command(args) -> int:
    from annual_review.figures.facts import Facts
    from annual_review.figures.gate import final_problems, review_items

    project = Project.find(args.project)
    slugs = project.select_regions(args.region)
    problems = []
    for slug in slugs:
        valid = check_inputs(
            project, args.year, slug, parse_parameters(args.parameter), args.unit or None
        )
        gate = review_items(
            valid, Facts(valid.values, valid.catalog, valid.region.rounding), args.year
        )
        label = str(args.year) if len(slugs) == 1 else f"{slug} {args.year}"
        print(f"{label}: data, params and notebooks are valid")
        for item in gate.items:
            print(
                f"  {item.params_file}: {item.id} [{item.status_name}] {item.unit}：{item.sentence}"
            )
            if item.status == "unreviewed":
                print(f"      findings:\n      {item.confirm_line}\n   or {item.dismiss_line}")
        for line in gate.placeholders:
            print(f"  {line}")
        open_items = len(gate.unreviewed())
        print(
            f"findings: {len(gate.items)}, unreviewed: {open_items}; "
            f"placeholders left: {len(gate.placeholders)}"
        )
        problems += final_problems(gate) if args.final else []
    if problems:
        raise InputError("\n".join(["not ready to send (--final):", *problems]))
    return EXIT_OK


def new_year_command(args) -> int:
    from annual_review.inputs.catalog import load_catalog
    from annual_review.inputs.new_year import new_year
    from annual_review.inputs.region import load_region

    project = Project.find(args.project)
    region = load_region(project.data_dir, one_region(project, args.region, "new-year"))
    units = [region.unit(u) for u in args.unit] or None
    done = new_year(
        project.params_for(region.slug),
        args.year,
        region,
        load_catalog(project.data_dir, region),
        units,
    )
    for path in done.written:
        print(f"written: {shown(project, path)}")
    for path in done.kept:
        print(f"kept (exists): {shown(project, path)}")
    print(
        f"{len(done.written)} params files written for {args.year}; fill in every 待填写 and "
        f"the date, then: annual-review check --year {args.year}"
    )
    return EXIT_OK
