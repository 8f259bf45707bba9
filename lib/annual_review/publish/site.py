"""Write a site folder and swap it in: readers see the old site or the new, never a mix."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from annual_review.core.files import owner_tag, remove_stale, swap_in


@dataclass(frozen=True)
class NavLink:
    """One entry of the site navigation."""

    slug: str
    filename: str
    text: str


class SiteWriter:
    """Stream pages into a staging folder; on success name it by content and swap it in.

    Used as a context manager: if anything fails before the end, the staging folder is
    removed and the live site is untouched.
    """

    def __init__(self, year_dir: Path) -> None:
        self.year_dir = year_dir
        self.staging = year_dir / f".site-staging-{owner_tag()}"
        self._pages: dict[str, bytes] = {}

    def __enter__(self) -> SiteWriter:
        remove_stale(self.year_dir, ".site-staging-*")  # left by builds that were killed
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        return self

    def add(self, filename: str, text: str) -> None:
        """Write one page into the staging folder."""
        data = text.encode("utf-8")
        (self.staging / filename).write_bytes(data)
        self._pages[filename] = hashlib.sha256(data).digest()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        digest = hashlib.sha256()
        for filename in sorted(self._pages):
            digest.update(filename.encode() + b"\0" + self._pages[filename])
        final = self.year_dir / f"site-{digest.hexdigest()[:12]}"
        live = self.year_dir / "site"
        if live.is_symlink() and live.resolve() == final.resolve():
            shutil.rmtree(self.staging)  # the live site already is exactly this one
            return
        if final.exists():
            shutil.rmtree(final)
        os.rename(self.staging, final)
        swap_in(final, live)
