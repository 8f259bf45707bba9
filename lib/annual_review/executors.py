"""Where runs execute: local worker processes (default) or a Dask cluster.

Both take :class:`RunSpec` objects that carry every input as bytes and give back
:class:`RunOutcome` objects with the executed notebook as bytes, so a Dask worker needs
the package installed but no shared file system. Results are handed to ``on_done`` as
they arrive and are not kept here, so memory does not grow with the number of units.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from .runner import RunOutcome, RunSpec, execute_run, warm_up

OnDone = Callable[[RunOutcome], None]


def run_local(
    specs: Iterable[RunSpec],
    *,
    jobs: int,
    timeout: float,
    shared_cache: str,
    on_done: OnDone,
    engine: str = "warm",
) -> None:
    """Execute runs in a pool of ``jobs`` worker processes, each with its warm zygote."""
    specs = list(specs)
    if not specs:
        return
    workers = min(jobs or os.cpu_count() or 1, len(specs))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=warm_up,
        initargs=(engine,),
    ) as pool:
        futures = {
            pool.submit(
                execute_run, spec, timeout=timeout, shared_cache=shared_cache, engine=engine
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
        raise RuntimeError("the dask executor needs the package 'distributed'") from None
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
