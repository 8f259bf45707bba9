"""A small content-addressed cache of text and bytes under ``outputs/.cache``.

Every entry a build reads or writes has its modification time set to that moment, so an
entry's age is the time since a build last used it and :func:`prune` can drop what no
build has needed for a while.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from annual_review.core.files import write_text_atomic

KEPT_BY_PRUNE = {".lock", "matplotlib"}  # the lock, and matplotlib's own font list


def fingerprint(*parts: bytes | str) -> str:
    """A sha256 over several parts, each kept apart from the next.

    >>> fingerprint("a", "b") != fingerprint("ab")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


class Cache:
    """Files in one folder named by key; a missing folder means nothing is cached."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def path(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / name

    def get(self, name: str) -> str | None:
        path = self.path(name)
        if path is None:
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            return None  # not cached (or pruned just now)
        touch(path)
        return text

    def put(self, name: str, text: str) -> None:
        path = self.path(name)
        if path is None:
            return
        write_text_atomic(path, text)


def touch(path: Path) -> None:
    """Mark a cache entry as used now (a prune goes by the time since last use)."""
    try:
        os.utime(path)
    except OSError:
        pass  # gone meanwhile, or read-only: it only ages


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed (or would remove) and what it kept, in files and bytes."""

    removed_files: int
    removed_bytes: int
    kept_files: int
    kept_bytes: int


def prune(folder: Path, older_than_days: float, *, dry_run: bool = False) -> PruneReport:
    """Delete the entries no build has used for ``older_than_days`` days; return the count.

    Call it holding the cache's lock alone (:func:`annual_review.core.files.cache_lock`), so no
    build is between finding an entry and reading it.
    """
    cutoff = time.time() - older_than_days * 86400
    removed = removed_bytes = kept = kept_bytes = 0
    if not folder.is_dir():
        return PruneReport(0, 0, 0, 0)
    for entry in sorted(folder.iterdir()):
        if entry.name in KEPT_BY_PRUNE:
            continue
        files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
        for path in files:
            info = path.stat()
            if info.st_mtime >= cutoff:
                kept, kept_bytes = kept + 1, kept_bytes + info.st_size
                continue
            removed, removed_bytes = removed + 1, removed_bytes + info.st_size
            if not dry_run:
                path.unlink(missing_ok=True)
        if entry.is_dir() and not dry_run:  # and the folders it left empty
            for sub in [*sorted((d for d in entry.rglob("*") if d.is_dir()), reverse=True), entry]:
                if not any(sub.iterdir()):
                    sub.rmdir()
    return PruneReport(removed, removed_bytes, kept, kept_bytes)
