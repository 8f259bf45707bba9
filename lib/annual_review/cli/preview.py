"""``annual-review preview``: build, serve the site locally, rebuild and reload on edits.

The server (:mod:`annual_review.publish.live`) runs in a thread; a watcher thread
(``watchfiles``) marks the inputs dirty; the main thread runs the normal incremental
build each time, so only what an edit touches is re-run. One worker pool, with its warm
zygote, serves every rebuild: a township's edit re-runs one notebook in about a second
instead of paying the pool's start and stop each time (``bench/preview.py``). Bad input
is shown on the page and the server keeps running. Ctrl-C or SIGTERM stops everything,
the pool's processes included.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from annual_review.build.orchestrate import BuildOptions, build
from annual_review.cli.common import EXIT_OK, REGION_HELP, add_unit_option, one_region
from annual_review.core.errors import AnnualReviewError, RunDied
from annual_review.core.layout import Project
from annual_review.publish.live import LiveState, PreviewServer
from annual_review.runs.executors import LocalPool

IGNORED_DIRS = (".ipynb_checkpoints",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``preview`` on the command's subparsers."""
    p = sub.add_parser(
        "preview",
        help="serve the site on this computer and rebuild it as inputs change",
        description="Build one year (without Word files), serve its site on 127.0.0.1 and "
        "watch data/, params/ and notebooks/: each change runs the normal incremental build "
        "and reloads the open page. Bad input is shown on the page. Ctrl-C stops.",
    )
    p.add_argument("--year", type=int, required=True, help="report year, e.g. 2024")
    p.add_argument("--region", default=None, help=REGION_HELP)
    add_unit_option(p, "build only this unit (name or slug); repeatable")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    p.add_argument("--jobs", type=int, default=0, help="parallel runs (default: one per core)")


class _Stop(Exception):
    """SIGTERM: leave the way Ctrl-C does."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _watch(folders: list[Path], dirty: threading.Event, stop: threading.Event) -> None:
    """Set ``dirty`` whenever a file under ``folders`` changes, until ``stop``."""
    from watchfiles import DefaultFilter, watch

    keep = DefaultFilter(ignore_dirs=(*DefaultFilter.ignore_dirs, *IGNORED_DIRS))
    for _changes in watch(*folders, watch_filter=keep, stop_event=stop, raise_interrupt=False):
        dirty.set()


def _build_once(project: Project, options: BuildOptions, state: LiveState, pool: LocalPool) -> bool:
    """One normal build on the preview's pool; its problems go to the page instead of
    ending the preview. False when the build broke in a way that may have hurt the pool."""
    started = time.monotonic()
    problems: list[str] = []
    healthy = True
    try:
        report = build(project, options, pool=pool)
    except RunDied as exc:  # a process of the pool died: not the analyst's input
        problems = exc.problems or [type(exc).__name__]
        verdict = "error"
        healthy = False
    except AnnualReviewError as exc:
        problems = exc.problems or [type(exc).__name__]
        verdict = "bad input"
    except (KeyboardInterrupt, _Stop):
        raise
    except Exception as exc:  # the preview stays up; the page says what went wrong
        traceback.print_exc()
        problems = [f"{type(exc).__name__}: {exc}"]
        verdict = "error"
        healthy = False
    else:
        problems = [f"{slug}: {report.reason(slug)}" for slug in report.failed]
        ran = sum(1 for o in report.outcomes.values() if not o.cached)
        verdict = f"{ran} run, {len(report.outcomes) - ran} cached"
        if problems:
            verdict += f", failed: {', '.join(report.failed)}"
    seconds = time.monotonic() - started
    print(f"built in {seconds:.1f} s ({verdict})", file=sys.stderr, flush=True)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr, flush=True)
    state.published(problems)
    return healthy


def preview_command(args: argparse.Namespace) -> int:
    project = Project.find(args.project)
    region = one_region(project, args.region, "preview")
    options = BuildOptions(
        year=args.year, region=region, units=args.unit, jobs=args.jobs, word=False
    )
    state = LiveState(project.year_dir(args.year, region) / "site")
    server = PreviewServer(state, args.port)
    dirty, stop = threading.Event(), threading.Event()
    folders = [project.data_dir, project.params_dir, project.notebooks_dir]
    watcher = threading.Thread(
        target=_watch, args=(folders, dirty, stop), name="preview-watch", daemon=True
    )
    pool: LocalPool | None = None
    with _sigterm_stops():
        try:
            server.start()
            watcher.start()  # before the first build: edits made during it are not lost
            print(f"preview: {server.url} (Ctrl-C to stop)", flush=True)
            pool = LocalPool(args.jobs, "warm")
            # An edit usually renders one or two pages, here rather than on the pool:
            # import the renderer now, not at the first edit (about 0.8 s).
            importlib.import_module("annual_review.publish.render")
            healthy = True
            while True:
                dirty.clear()
                if not (healthy and pool.alive):  # a fresh pool for this build
                    pool.close()
                    pool = LocalPool(args.jobs, "warm")
                healthy = _build_once(project, options, state, pool)
                while not dirty.wait(0.5):
                    pass
        except (KeyboardInterrupt, _Stop):
            print("preview stopped", file=sys.stderr, flush=True)
        finally:
            stop.set()
            if pool is not None:
                pool.close()
            server.close()
            watcher.join(timeout=5)
    return EXIT_OK
