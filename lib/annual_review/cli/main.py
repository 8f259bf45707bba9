"""The ``annual-review`` command: the parser, ``build``, ``publish``, ``clean-cache``.

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
from annual_review.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    REGION_HELP,
    add_unit_option,
    parse_parameters,
    shown,
)
from annual_review.cli.preview import add_parser as add_preview_parser
from annual_review.cli.preview import preview_command
from annual_review.cli.yearly import (
    check_command,
    import_command,
    new_year_command,
    template_command,
)
from annual_review.core.errors import AnnualReviewError, CacheBusy, InputError, PublishError
from annual_review.core.imports import skip_unused_imports
from annual_review.core.layout import Project


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
        "and publish outputs/<region>/<year>/site/ and outputs/index.html. "
        "Unchanged units are reused.",
    )
    b.add_argument("--year", type=int, required=True, help="report year, e.g. 2024")
    b.add_argument("--region", default=None, help=REGION_HELP + "; all: every region file")
    add_unit_option(b, "build only this unit (name or slug); repeatable")
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
        description="Write outputs/<region>/<year>/quarto/ (a Quarto book project of the "
        "executed notebooks) or the Word files, from the last build's outputs.",
    )
    pub.add_argument("--year", type=int, required=True)
    pub.add_argument("--region", default=None, help=REGION_HELP + "; all: every region file")
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
    t.add_argument("--region", default=None, help=REGION_HELP)
    add_unit_option(t)
    t.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")

    imp = sub.add_parser(
        "import",
        help="check a filled workbook and write its figures into data/ (all or nothing)",
        description="Check the whole workbook; if anything is wrong, list every problem "
        "(sheet and cell) and change nothing; otherwise write its figures into data/values.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.xlsx")
    imp.add_argument(
        "--region", default=None, help="region slug; default: the one the workbook names"
    )
    imp.add_argument("--year", type=int, default=None, help="refuse a workbook of another year")
    imp.add_argument("--source", default=None, help="source to record for cells without one")

    ny = sub.add_parser(
        "new-year",
        help="write next year's params for every unit from this year's (never overwrites)",
        description="Write params/<year>/<slug>.yaml for every unit of a region from the "
        "year before: addressee and issuer kept, the date empty, every text a 待填写 "
        "placeholder that check lists by line, a plan_status entry for each of last year's "
        "plans. An existing file is never overwritten.",
    )
    ny.add_argument("--year", type=int, required=True, help="the new year, e.g. 2025")
    ny.add_argument("--region", default=None, help=REGION_HELP)
    add_unit_option(ny)

    add_preview_parser(sub)

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
    c.add_argument("--region", default=None, help=REGION_HELP + "; all: every region file")
    c.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    c.add_argument(
        "--final",
        action="store_true",
        help="also exit 2 while a finding is unreviewed or placeholder text is left",
    )
    add_unit_option(c, "check only this unit's params (name or slug); repeatable")
    return parser


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
    for old in project.legacy_year_dirs():
        print(
            f"{shown(project, old)}/ is left from an older layout (outputs are now in "
            f"outputs/<region>/<year>/); it is no longer updated and can be deleted",
            file=sys.stderr,
        )
    if report.failed:
        for slug in report.word_failures:
            print(f"failed: {slug}: {report.word_failures[slug]}", file=sys.stderr)
        folders = [site.parent for site in report.sites]
        kept = [
            f"{what} in {', '.join(f'{shown(project, f / sub)}/' for f in found)}"
            for what, sub in (("notebooks with the error", "failed"), ("logs", "logs"))
            if (found := [f for f in folders if (f / sub).is_dir()])
        ]
        print(f"failed units: {', '.join(report.failed)} ({'; '.join(kept)})", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        for site in report.sites:
            print(f"site: {shown(project, site / 'index.html')}")
        if report.front_door is not None:
            print(f"all reports: {shown(project, report.front_door)}")
    for page in report.review_pages:
        where = shown(project, page)
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
    jobs = []
    for slug in project.select_regions(args.region):
        region = load_region(project.data_dir, slug)
        year_dir = project.year_dir(args.year, slug)
        notebooks = {u.slug: year_dir / "notebooks" / f"{u.slug}.ipynb" for u in region.units}
        missing = [unit for unit, path in notebooks.items() if not path.is_file()]
        if missing:
            raise InputError(
                f"{shown(project, year_dir / 'notebooks')}: no executed notebook for "
                f"{', '.join(missing)}; run `annual-review build --year {args.year} "
                f"--region {slug}`"
            )
        jobs.append((region, year_dir, notebooks))
    failed = False
    for region, year_dir, notebooks in jobs:
        if args.format == "word":
            failed = _publish_word(project, region, args.year, year_dir) or failed
            continue
        from annual_review.publish.quarto import render_book, write_book

        book = write_book(notebooks, region, args.year, year_dir / "quarto")
        print(f"quarto project: {shown(project, book)}")
        if args.render:
            try:
                out = render_book(book)
            except PublishError as exc:
                print(str(exc), file=sys.stderr)
                failed = True
                continue
            print(f"rendered: {shown(project, out)}")
    return EXIT_FAILED if failed else EXIT_OK


def _publish_word(project: Project, region, year: int, year_dir: Path) -> bool:
    """Write a region's Word files from its site; True when one failed."""
    from annual_review.core.files import cache_lock
    from annual_review.publish.word_files import write_word_files

    with cache_lock(project.cache_dir):
        made = write_word_files(region, year, year_dir, project.cache_dir)
    for path in made.written:
        print(shown(project, path))
    for slug, reason in made.failed.items():
        print(f"failed: {slug}: {reason}", file=sys.stderr)
    return bool(made.failed)


def _clean_cache(args) -> int:
    from annual_review.core.cache import prune
    from annual_review.core.files import cache_lock

    if args.days < 0:
        raise InputError(f"--days must be 0 or more, not {args.days:g}")
    project = Project.find(args.project)
    folder = project.cache_dir
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``annual-review`` command."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    skip_unused_imports()
    args = _parser().parse_args(argv)
    try:
        return {
            "build": _build,
            "check": check_command,
            "publish": _publish,
            "template": template_command,
            "import": import_command,
            "new-year": new_year_command,
            "clean-cache": _clean_cache,
            "preview": preview_command,
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
