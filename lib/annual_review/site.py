"""Write a site folder and swap it in: readers see the old site or the new, never a mix."""

from __future__ import annotations

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


def write_site(pages: dict[str, str], year_dir: Path, site_id: str) -> Path:
    """Write pages into ``site-<site_id>`` beside the live site and swap it in.

    ``site_id`` is a hash of the pages, so when the live site already is this one
    nothing is written.
    """
    staging = year_dir / f"site-{site_id}"
    live = year_dir / "site"
    if live.is_symlink() and live.resolve() == staging.resolve():
        return live
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for filename, text in pages.items():
        (staging / filename).write_text(text, encoding="utf-8")
    swap_in(staging, live)
    return live
