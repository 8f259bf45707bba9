"""The ``annual-review`` command.

Exit codes: 0 everything built; 1 some unit failed (the others are built and published);
2 bad input (nothing was executed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm import tqdm

from annual_review import __version__
from annual_review.build.orchestrate import BuildOptions, build
from annual_review.core.errors import AnnualReviewError, CacheBusy, InputError, PublishError
from annual_review.core.imports import skip_unused_imports
from annual_review.core.layout import Project
from annual_review.inputs.checks import check_inputs

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annual-review",
        description="Write annual rule-of-law government reports (法治政府建设年度报告) "
        "from data: one papermill run per unit, published as a self-contained site.",
        epilog="Exit codes: 0 all built, 1 some unit failed, 2 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"annual-review {__version__}")
    parser.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="project folder with data/ params/ notebooks/ (default: here)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser(
        "build",
        help="run every unit's notebook and publish the site",
        description="Run the notebooks of one year (the city and each township) "
        "and publish outputs/<year>/site/. Unchanged units are reused.",
    )
    b.add_argument("--year", type=int, required=True, help="report year, e.g. 2024")
    b.add_argument("--region", default="haining", help="region file slug (default: haining)")
    b.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="NAME",
        help="build only this unit (name or slug); repeatable",
    )
    b.add_argument("--jobs", type=int, default=0, help="parallel runs (default: one per core)")
    b.add_argument("--force", action="store_true", help="re-run every unit, ignoring the cache")
    b.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds a cell may run before its unit fails (default: 600)",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar, only problems")
    b.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra notebook parameter for every unit (YAML value); repeatable",
    )
    b.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="local worker processes (default) or a Dask cluster",
    )
    b.add_argument("--no-word", action="store_true", help="skip the Word (.docx) files")
    b.add_argument(
        "--final",
        action="store_true",
        help="the build to send: exit 2 while a finding is unreviewed or placeholder text is left",
    )
    b.add_argument(
        "--engine",
        choices=["warm", "papermill"],
        default="warm",
        help="warm: cells run in a process forked from one with everything imported "
        "(default); papermill: a fresh kernel started per run",
    )
    b.add_argument(
        "--scheduler",
        default="",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)",
    )

    pub = sub.add_parser(
        "publish",
        help="write another format from the last build (Quarto book, Word files)",
        description="Write outputs/<year>/quarto/ (a Quarto book project of the executed "
        "notebooks) or the Word files, from the last build's outputs.",
    )
    pub.add_argument("--year", type=int, required=True)
    pub.add_argument("--region", default="haining")
    pub.add_argument("--format", choices=["quarto", "word"], required=True)
    pub.add_argument(
        "--render",
        action="store_true",
        help="also run `quarto render` (needs Quarto on PATH; optional)",
    )

    t = sub.add_parser(
        "template",
        help="write an Excel workbook for collecting a year's figures",
        description="Write an .xlsx workbook with a sheet per unit: each indicator with its "
        "definition and last year's value, and a protected sheet with one cell to fill.",
    )
    t.add_argument("--year", type=int, required=True, help="the year to collect, e.g. 2025")
    t.add_argument("--region", default="haining")
    t.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="NAME",
        help="only this unit (name or slug); repeatable; default: all units",
    )
    t.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")

    imp = sub.add_parser(
        "import",
        help="check a filled workbook and write its figures into data/ (all or nothing)",
        description="Check the whole workbook; if anything is wrong, list every problem "
        "(sheet and cell) and change nothing; otherwise write its figures into data/values.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.xlsx")
    imp.add_argument("--region", default="haining")
    imp.add_argument("--year", type=int, default=None, help="refuse a workbook of another year")
    imp.add_argument("--source", default=None, help="source to record for cells without one")

    cc = sub.add_parser(
        "clean-cache",
        help="delete cached runs, pages, fonts and Word files no build has used lately",
        description="Delete what no build has used for --days days from outputs/.cache. "
        "Builds mark every entry they reuse, so only what no current input needs ages. "
        "Refuses to run while a build is using the cache.",
    )
    cc.add_argument(
        "--days", type=float, default=30, help="unused for this many days (default: 30)"
    )
    cc.add_argument("--dry-run", action="store_true", help="only say what would be deleted")

    c = sub.add_parser("check", help="check data, params and notebooks without running kernels")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--region", default="haining")
    c.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    c.add_argument(
        "--final",
        action="store_true",
        help="also exit 2 while a finding is unreviewed or placeholder text is left",
    )
    c.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="NAME",
        help="check only this unit's params (name or slug); repeatable",
    )
    return parser


def parse_parameters(items: list[str]) -> dict:
    """``NAME=VALUE`` pairs with VALUE read as YAML (``-p year=2024`` gives an int)."""
    import yaml

    found = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise InputError(f"--parameter {item!r}: expected NAME=VALUE")
        found[name] = yaml.safe_load(value) if value else ""
    return found


def _summary(report, quiet: bool) -> None:
    if quiet and not report.failed:
        return
    rows = [("单位 unit", "状态 status", "秒 s", "")]
    for slug, outcome in report.outcomes.items():
        status = "cached" if outcome.cached else ("ok" if outcome.ok else "FAILED")
        rows.append((slug, status, f"{outcome.seconds:.1f}", outcome.error[:100]))
    width = max(len(r[0]) for r in rows)
    for r in rows:
        print(f"  {r[0]:<{width}}  {r[1]:<11} {r[2]:>6}  {r[3]}".rstrip())
    if report.pages and not quiet:
        print("  pages:")
        for page in report.pages:
            notes = [
                n for n in (page.status != "ok" and page.status, page.reused and "reused") if n
            ]
            print(
                f"    {page.filename:<20} {page.size / 1024:7.0f} KB  {', '.join(notes)}".rstrip()
            )
        total = sum(p.size for p in report.pages)
        print(f"  site: {len(report.pages)} pages, {total / 1e6:.2f} MB")


def _build(args) -> int:
    project = Project.find(args.project)
    if args.executor == "dask" and not args.scheduler:
        raise InputError("--executor dask needs --scheduler ADDRESS")
    options = BuildOptions(
        year=args.year,
        region=args.region,
        units=args.unit,
        jobs=args.jobs,
        force=args.force,
        timeout=args.timeout,
        parameters=parse_parameters(args.parameter),
        executor=args.executor,
        scheduler=args.scheduler,
        engine=args.engine,
        word=not args.no_word,
        final=args.final,
    )
    bar = None
    counts = {"done": 0, "failed": 0, "cached": 0}

    def planned(total: int, cached: int) -> None:
        nonlocal bar
        if not args.quiet:
            print(f"building {args.year}: {total} units, {cached} unchanged", file=sys.stderr)
            bar = tqdm(total=total, unit="unit", file=sys.stderr, dynamic_ncols=True)

    def done(outcome) -> None:
        key = "cached" if outcome.cached else ("done" if outcome.ok else "failed")
        counts[key] += 1
        if bar is not None:
            bar.set_postfix(counts, refresh=False)
            bar.update(1)
        if not outcome.ok:
            tqdm.write(f"failed: {outcome.slug}: {outcome.error}", file=sys.stderr)

    def waiting(message: str) -> None:
        print(message, file=sys.stderr)

    report = build(project, options, on_planned=planned, on_done=done, on_waiting=waiting)
    if bar is not None:
        bar.close()
    _summary(report, args.quiet)
    site = report.site.relative_to(project.root) if report.site else None
    if report.failed:
        for slug in report.word_failures:
            print(f"failed: {slug}: {report.word_failures[slug]}", file=sys.stderr)
        print(
            f"failed units: {', '.join(report.failed)} (notebooks with the error in "
            f"outputs/{args.year}/failed/, logs in outputs/{args.year}/logs/)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not args.quiet:
        print(f"site: {site}/index.html")
    for page in report.review_pages:
        where = page.relative_to(project.root).as_posix()
        if report.unreviewed:
            print(
                f"findings from the data awaiting review (left out of the report): "
                f"{report.unreviewed}; see {where}",
                file=sys.stderr,
            )
        elif not args.quiet:
            print(f"review: {where}")
    return EXIT_OK


def _publish(args) -> int:
    from annual_review.inputs.region import load_region

    project = Project.find(args.project)
    region = load_region(project.data_dir, args.region)
    year_dir = project.year_dir(args.year)
    notebooks = {u.slug: year_dir / "notebooks" / f"{u.slug}.ipynb" for u in region.units}
    missing = [slug for slug, path in notebooks.items() if not path.is_file()]
    if missing:
        raise InputError(
            f"outputs/{args.year}/notebooks: no executed notebook for "
            f"{', '.join(missing)}; run `annual-review build --year {args.year}`"
        )
    if args.format == "word":
        from annual_review.core.files import cache_lock
        from annual_review.publish.word_files import write_word_files

        cache_dir = project.outputs_dir / ".cache"
        with cache_lock(cache_dir):
            made = write_word_files(region, args.year, year_dir, cache_dir)
        for path in made.written:
            print(path.relative_to(project.root))
        for slug, reason in made.failed.items():
            print(f"failed: {slug}: {reason}", file=sys.stderr)
        return EXIT_FAILED if made.failed else EXIT_OK
    from annual_review.publish.quarto import render_book, write_book

    book = write_book(notebooks, region, args.year, year_dir / "quarto")
    print(f"quarto project: {book.relative_to(project.root)}")
    if args.render:
        try:
            out = render_book(book)
        except PublishError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILED
        print(f"rendered: {out.relative_to(project.root)}")
    return EXIT_OK


def _template(args) -> int:
    from annual_review.inputs.collect import write_template

    project = Project.find(args.project)
    out = write_template(
        project.data_dir, args.region, args.year, args.output, units=args.unit or None
    )
    print(f"template: {out}")
    return EXIT_OK


def _import(args) -> int:
    from annual_review.inputs.collect import import_workbook

    project = Project.find(args.project)
    try:
        report = import_workbook(
            args.file, project.data_dir, args.region, source=args.source, year=args.year
        )
    except OSError as exc:
        print(f"import failed, data/ unchanged: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{report.rows_written} figures written to {report.path}")
    return EXIT_OK


def _clean_cache(args) -> int:
    from annual_review.core.cache import prune
    from annual_review.core.files import cache_lock

    if args.days < 0:
        raise InputError(f"--days must be 0 or more, not {args.days:g}")
    project = Project.find(args.project)
    folder = project.outputs_dir / ".cache"
    try:
        with cache_lock(folder, exclusive=True):
            report = prune(folder, args.days, dry_run=args.dry_run)
    except CacheBusy:
        print("a build is using the cache; run clean-cache when it has finished", file=sys.stderr)
        return EXIT_FAILED
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {report.removed_files} files ({report.removed_bytes / 2**20:.1f} MiB) unused"
        f" for {args.days:g} days; kept {report.kept_files} ({report.kept_bytes / 2**20:.1f} MiB)"
    )
    return EXIT_OK


def _check(args) -> int:
    from annual_review.figures.facts import Facts
    from annual_review.figures.gate import final_problems, review_items

    project = Project.find(args.project)
    valid = check_inputs(
        project, args.year, args.region, parse_parameters(args.parameter), args.unit or None
    )
    gate = review_items(valid, Facts(valid.values, valid.catalog), args.year)
    print(f"{args.year}: data, params and notebooks are valid")
    for item in gate.items:
        print(f"  {item.params_file}: {item.id} [{item.status_name}] {item.unit}：{item.sentence}")
        if item.status == "unreviewed":
            print(f"      findings:\n      {item.confirm_line}\n   or {item.dismiss_line}")
    for line in gate.placeholders:
        print(f"  {line}")
    open_items = len(gate.unreviewed())
    print(
        f"findings: {len(gate.items)}, unreviewed: {open_items}; "
        f"placeholders left: {len(gate.placeholders)}"
    )
    if args.final and (problems := final_problems(gate)):
        raise InputError("\n".join(["not ready to send (--final):", *problems]))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``annual-review`` command."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    skip_unused_imports()
    args = _parser().parse_args(argv)
    try:
        return {
            "build": _build,
            "check": _check,
            "publish": _publish,
            "template": _template,
            "import": _import,
            "clean-cache": _clean_cache,
        }[args.command](args)
    except InputError as exc:
        print("bad input:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AnnualReviewError as exc:  # a known failure: its message, never a traceback
        for problem in exc.problems or [type(exc).__name__]:
            print(problem, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; the previous outputs are intact", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
