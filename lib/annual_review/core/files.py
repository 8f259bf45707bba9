"""File-system primitives every writer uses: atomic writes, a folder swapped in by a
link, the advisory locks of a year's build and of the shared cache, and the removal of
working folders whose owner died.

Readers of any file written here see its old content or its new, never a part, and a
power cut leaves one of the two on disk (the data is flushed before the rename).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from annual_review.core.errors import CacheBusy


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file beside it, flushed to disk,
    then renamed; a file that existed keeps its permissions.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a" / "b.txt", b"new")
    >>> (folder / "a" / "b.txt").read_bytes(), sorted(p.name for p in (folder / "a").iterdir())
    (b'new', ['b.txt'])
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """:func:`write_atomic` for UTF-8 text."""
    write_atomic(path, text.encode("utf-8"))


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write atomically unless the file already holds ``content``; True if written."""
    if path.is_file() and path.read_bytes() == content:
        return False
    write_atomic(path, content)
    return True


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk; some file systems cannot."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def swap_in(new_folder: Path, link: Path) -> None:
    """Point ``link`` (e.g. outputs/2024/site) at ``new_folder`` atomically, then remove
    the folder it pointed at before."""
    old_target = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.link")
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(new_folder.name if new_folder.parent == link.parent else new_folder)
    os.replace(tmp_link, link)
    _sync_folder(link.parent)
    if old_target is not None and old_target != new_folder.resolve() and old_target.exists():
        shutil.rmtree(old_target, ignore_errors=True)


def replace_folder(staging: Path, out_dir: Path) -> None:
    """Replace the folder ``out_dir`` by the finished ``staging`` folder (a sibling),
    putting the old one back if the rename fails."""
    old = None
    if out_dir.is_symlink() or out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.urandom(6).hex()}")
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except OSError:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


@contextmanager
def year_lock(year_dir: Path, on_waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the year's lock (``outputs/<year>/.lock``); if another build holds it, say so
    and wait for it.

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


@contextmanager
def cache_lock(cache_dir: Path, *, exclusive: bool = False) -> Iterator[None]:
    """Builds hold the cache's lock (``outputs/.cache/.lock``) together; a prune needs it
    alone.

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


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, Linux), None if it is not
    running (a zombie counts as ended) or if the system cannot say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
    except OSError:
        return None
    if not fields or fields[0] == b"Z":
        return None
    return int(fields[19])  # field 22 of stat(5), counted after "pid (comm)"


def owner_tag() -> str:
    """``<pid>.<start>`` of this process, to put in a working folder's name so that
    :func:`remove_stale` can tell when its owner has ended (``<pid>`` alone where the
    start time is unknown)."""
    pid = os.getpid()
    start = process_start(pid)
    return f"{pid}" if start is None else f"{pid}.{start}"


def _is_alive(pid: int, start: int | None) -> bool:
    if pid == os.getpid():
        return True
    if Path("/proc/self/stat").is_file():
        started = process_start(pid)
        return started is not None and (start is None or started == start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


OWNER = re.compile(r"(\d+)(?:\.(\d+))?(?!\d)")


def remove_stale(folder: Path, pattern: str) -> list[Path]:
    """Remove the entries of ``folder`` matching ``pattern`` whose owner has ended;
    return them.

    The owner is named where the pattern's first ``*`` starts: ``<pid>`` or
    ``<pid>.<start>`` (see :func:`owner_tag`), e.g. ``.site-staging-4242`` for
    ``.site-staging-*``. An entry whose name gives no owner, or whose owner still runs
    (the same process, when the start time is given), is kept.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> dead = folder / "work-999999999.1-x"  # no such process
    >>> mine = folder / f"work-{owner_tag()}-y"
    >>> for path in (dead, mine, folder / "work-unnamed"):
    ...     path.mkdir()
    >>> [p.name for p in remove_stale(folder, "work-*")]
    ['work-999999999.1-x']
    >>> sorted(p.name == mine.name for p in folder.iterdir())
    [False, True]
    """
    prefix = pattern.partition("*")[0]
    removed = []
    try:
        candidates = sorted(folder.glob(pattern))
    except OSError:
        return []
    for path in candidates:
        found = OWNER.match(path.name[len(prefix) :])
        if found is None:
            continue
        start = int(found.group(2)) if found.group(2) else None
        if _is_alive(int(found.group(1)), start):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except OSError:
                continue
        removed.append(path)
    return removed
