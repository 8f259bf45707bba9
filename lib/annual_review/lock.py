"""Advisory locks: one build of a year at a time (``outputs/<year>/.lock``), and the shared
cache kept from a prune while builds use it (``outputs/.cache/.lock``)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def year_lock(year_dir: Path, on_waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the year's lock; if another build holds it, say so and wait for it.

    The lock is released by the operating system when the process ends, so a killed
    build never leaves a stale lock behind.
    """
    year_dir.mkdir(parents=True, exist_ok=True)
    path = year_dir / ".lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            if on_waiting:
                on_waiting(f"another build of {year_dir.name} is running (pid {holder}); waiting")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


class CacheBusy(RuntimeError):
    """A build is using the cache, so it cannot be pruned now."""


@contextmanager
def cache_lock(cache_dir: Path, *, exclusive: bool = False) -> Iterator[None]:
    """Builds hold the cache's lock together; a prune needs it alone.

    A build waits while a prune runs (a prune is short); a prune does not wait for
    builds, which can take minutes, and raises :class:`CacheBusy` instead.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "a+") as handle:
        if exclusive:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CacheBusy(f"{cache_dir.name}: a build is using the cache") from None
        else:
            fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
