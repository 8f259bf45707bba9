"""Write a site folder and swap it in: readers see the old site or the new, never a mix."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def swap_in(new_site: Path, link: Path) -> None:
    """Point ``link`` (e.g. outputs/2024/site) at ``new_site`` atomically, then tidy up."""
    old_target = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.link")
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(new_site.name if new_site.parent == link.parent else new_site)
    os.replace(tmp_link, link)
    if old_target is not None and old_target != new_site.resolve() and old_target.exists():
        shutil.rmtree(old_target, ignore_errors=True)


class SiteWriter:
    """Stream pages into a staging folder; on success name it by content and swap it in.

    Used as a context manager: if anything fails before the end, the staging folder is
    removed and the live site is untouched.
    """

    def __init__(self, year_dir: Path) -> None:
        self.year_dir = year_dir
        self.staging = year_dir / f".site-staging-{os.getpid()}"
        self._pages: dict[str, bytes] = {}

    def __enter__(self) -> SiteWriter:
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
