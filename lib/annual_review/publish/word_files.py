"""A year's Word files: one official-format .docx per unit, made from its published page.

Each file is cached by its page's hash and :func:`word_format` (a hash of the Word
package's own source and of the chart module that draws its pictures: any change to the
conversion converts every page again, with no version number to remember). A conversion
that fails stays with its unit: the other units' files are written, and the unit's reason
is returned for the build's manifest and summary, like a failed notebook.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from annual_review.core.cache import touch
from annual_review.core.files import write_atomic, write_if_changed
from annual_review.figures.phrasing import report_title
from annual_review.inputs.region import Region
from annual_review.publish.pages import page_filename


@lru_cache(maxsize=1)
def word_format() -> str:
    """A hash of the code that makes a Word file: part of each cached file's key."""
    from annual_review.blocks import charts
    from annual_review.publish import word

    digest = hashlib.sha256()
    sources = [*sorted(Path(word.__file__).parent.glob("*.py")), Path(charts.__file__)]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class Submitter(Protocol):
    """Anything with ``submit`` (an executor, the build's worker pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future: ...


@dataclass
class WordFiles:
    """The Word files written, and the units whose conversion failed, with the reason."""

    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def convert_page(page: str, out: str) -> str:
    """Convert one published page into a .docx at ``out`` (run on a worker)."""
    from annual_review.publish.word import page_to_docx

    page_to_docx(Path(page).read_text(encoding="utf-8"), Path(out))
    return out


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"Word: {type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def write_word_files(
    region: Region,
    year: int,
    year_dir: Path,
    shared_cache: Path,
    pool: Submitter | None = None,
) -> WordFiles:
    """One official-format .docx per unit with a page; a failure is kept with its unit,
    its whole traceback in ``logs/<slug>.word.log``."""
    site = year_dir / "site"
    jobs = []
    for unit in region.units:
        page = site / page_filename(unit)
        if page.is_file():
            key = hashlib.sha256(word_format().encode("ascii") + b"\0" + page.read_bytes())
            digest = key.hexdigest()[:32]
            jobs.append((unit, page, shared_cache / "word" / f"{digest}.docx"))
    result = WordFiles()
    todo = [(unit.slug, page, cached) for unit, page, cached in jobs if not cached.is_file()]
    for _, _, cached in jobs:
        touch(cached)
    futures: dict[str, Future] = {}
    if pool is not None and len(todo) > 1:
        futures = {s: pool.submit(convert_page, str(p), str(c)) for s, p, c in todo}
    for slug, page, cached in todo:
        try:
            if slug in futures:
                futures[slug].result()
            else:
                convert_page(str(page), str(cached))
        except Exception as exc:  # pandoc, python-docx or a worker that died
            result.failed[slug] = _reason(exc)
            trace = "".join(traceback.format_exception(exc))
            write_atomic(year_dir / "logs" / f"{slug}.word.log", trace.encode("utf-8"))
    for unit, _, cached in jobs:
        if unit.slug in result.failed:
            continue
        from annual_review.publish.word.convert import docx_name  # pandoc only when needed

        target = year_dir / docx_name(report_title(unit.name, year))
        if target.resolve().parent != year_dir.resolve():  # a name is never a path
            raise ValueError(f"{unit.slug}: the Word file would leave {year_dir.name}/")
        write_if_changed(target, cached.read_bytes())
        result.written.append(target)
    return result
