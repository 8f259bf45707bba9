"""Where runs execute: local worker processes (default) or a Dask cluster.

Both take :class:`RunSpec` objects that carry every input as bytes and give back
:class:`RunOutcome` objects with the executed notebook as bytes, so a Dask worker needs
the package installed but no shared file system. Results are handed to ``on_done`` as
they arrive and are not kept here, so memory does not grow with the number of units.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context, resource_tracker
from pathlib import Path
from typing import Any

from annual_review.core.errors import InputError
from annual_review.core.files import remove_stale
from annual_review.runs.execute import execute_run, warm_up
from annual_review.runs.plan import RunOutcome, RunSpec
from annual_review.runs.procs import POOL_MARKER, RUN_FOLDERS, Guard, exit_with_parent, new_marker

OnDone = Callable[[RunOutcome], None]


class LocalPool:
    """One pool of worker processes for a whole build: runs, page rendering, Word files.

    With the warm engine the pool starts one zygote (which imports pandas, matplotlib
    and the library while the build is still checking its inputs) and every worker sends
    its runs there. A pool broken by a worker that died is replaced on the next submit.

    Nothing it starts outlives it, however the build ends: every process it starts
    (workers, zygote, runs, kernels and what they start) carries the environment marker
    ``ANNUAL_REVIEW_POOL``, and a :class:`~annual_review.runs.procs.Guard` kills the
    marked processes when the pool closes or the build process dies. Workers also end
    with the build process on their own.
    """

    def __init__(self, jobs: int = 0, engine: str = "warm") -> None:
        self.workers = jobs or os.cpu_count() or 1
        self.engine = engine
        self._zygote = None
        self._drawing = threading.Lock()  # one region's site pages at a time
        remove_stale(Path(tempfile.gettempdir()), RUN_FOLDERS)  # left by killed workers
        # the build's own, unmarked: it ends once the build and the workers have gone
        resource_tracker.ensure_running()
        self._marker = new_marker()
        self._guard = Guard(self._marker)
        self._saved_marker = os.environ.get(POOL_MARKER)
        os.environ[POOL_MARKER] = self._marker  # inherited by all the pool starts
        if engine == "warm":
            from annual_review.runs.warm import Zygote, use_zygote

            self._zygote = Zygote(wait=False)  # it starts while the build goes on
            use_zygote(self._zygote.address)  # for the site pages drawn from this process
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        address = self._zygote.address if self._zygote else ""
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.engine, address),
        )
        for _ in range(self.workers):
            pool.submit(os.getpid)  # start every worker now, not at the first real task
        return pool

    @property
    def has_zygote(self) -> bool:
        return self._zygote is not None

    @property
    def alive(self) -> bool:
        """False once the zygote has died (killed for memory, say): the workers would
        keep sending runs to it, so a pool kept across builds must be replaced then."""
        return self._zygote is None or self._zygote.process.poll() is None

    def call_forked(self, function: str, *args: Any) -> Any:
        """``module:function`` called in a process forked from the zygote, one call at a
        time (the build draws its data-made site pages this way, beside the runs)."""
        from annual_review.runs.warm import call_forked

        with self._drawing:  # beside the runs, not ninety regions' worth at once
            return call_forked(function, *args)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(fn, *args, **kwargs)

    def close(self) -> None:
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
            if self._zygote is not None:
                from annual_review.runs.warm import use_zygote

                use_zygote("")
                self._zygote.close()
        finally:
            if self._saved_marker is None:
                os.environ.pop(POOL_MARKER, None)
            else:
                os.environ[POOL_MARKER] = self._saved_marker
            self._guard.close()  # whatever a crashed worker left

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(
        self, specs: Iterable[RunSpec], *, timeout: float, shared_cache: str, on_done: OnDone
    ) -> None:
        """Execute runs, handing each outcome to ``on_done`` as it arrives."""
        futures = {
            self.submit(
                execute_run, spec, timeout=timeout, shared_cache=shared_cache, engine=self.engine
            ): spec
            for spec in specs
        }
        for future in as_completed(futures):
            spec = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # the worker process itself died
                outcome = RunOutcome(
                    spec.slug, False, None, 0.0, f"worker died: {exc!r}", region=spec.region
                )
            on_done(outcome)


def _start_worker(engine: str, zygote: str) -> None:
    """A pool worker's start: end with the build process, then get ready for runs."""
    exit_with_parent()
    warm_up(engine, zygote)


def run_dask(
    specs: Iterable[RunSpec],
    *,
    scheduler: str,
    timeout: float,
    on_done: OnDone,
    engine: str = "warm",
) -> None:
    """Execute runs as tasks on a Dask distributed cluster at ``scheduler``."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("--executor dask needs the package 'distributed'") from None
    specs = list(specs)
    if not specs:
        return
    with Client(scheduler, set_as_default=False) as client:
        futures = {
            client.submit(
                execute_run,
                spec,
                timeout=timeout,
                engine=engine,
                key=f"run-{spec.slug}-{spec.key[:16]}",
                pure=False,
            ): spec
            for spec in specs
        }
        for future in dask_completed(list(futures), loop=client.loop):
            spec = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = RunOutcome(
                    spec.slug, False, None, 0.0, f"dask task failed: {exc!r}", region=spec.region
                )
            future.release()
            on_done(outcome)
