"""What a build keeps of each run: the executed notebook, its log and cache entry as
each outcome arrives, and ``manifest.json`` at the end (input hashes, package versions,
each unit's status, duration, cache use and Word file)."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from annual_review import __version__
from annual_review.core.cache import touch
from annual_review.core.files import write_atomic, write_if_changed
from annual_review.core.layout import Project
from annual_review.figures.phrasing import report_title
from annual_review.inputs.region import Region
from annual_review.publish.pages import PageResult
from annual_review.runs.plan import RunOutcome, RunSpec

PACKAGES = (
    "annual-review",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "jupyter-client",
    "pandas",
    "matplotlib",
    "pandera",
    "pydantic",
    "fonttools",
    "nh3",
    "pypandoc-binary",
    "python-docx",
)


def notebook_path(project: Project, year_dir: Path, slug: str) -> str:
    """Where a unit's executed notebook is kept, relative to the project."""
    return (year_dir / "notebooks" / f"{slug}.ipynb").relative_to(project.root).as_posix()


def cache_path(shared_cache: Path, spec: RunSpec) -> Path:
    """The cache entry of a run's executed notebook.

    >>> from annual_review.runs.plan import RunSpec
    >>> spec = RunSpec(2024, "盐官镇", "yanguan", "township.ipynb", {}, {}, "ab" * 32, "haining")
    >>> cache_path(Path("c"), spec).as_posix()
    'c/runs/2024-haining-yanguan-abababababababababababababababab.ipynb'
    """
    name = f"{spec.year}-{spec.region}-{spec.slug}-{spec.key[:32]}.ipynb"
    return shared_cache / "runs" / name


class Recorder:
    """Stores each outcome as it arrives (notebook, log, cache) and keeps only its status.

    A run that failed leaves its notebook in ``failed/``; one that succeeded (run now or
    taken from the cache) removes any failed notebook left from before.
    """

    def __init__(
        self,
        year_dirs: dict[str, Path],
        shared_cache: Path,
        specs: list[RunSpec],
        on_done: Callable[[RunOutcome], None] | None,
    ) -> None:
        self.year_dirs, self.shared_cache = year_dirs, shared_cache
        self.specs = {(s.region, s.slug): s for s in specs}
        self.on_done = on_done
        self.outcomes: dict[tuple[str, str], RunOutcome] = {}

    def reuse(self, spec: RunSpec) -> bool:
        """Record the run from the cache if it is there; False when it must run."""
        cached = cache_path(self.shared_cache, spec)
        try:
            content = cached.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return False
        touch(cached)
        self(RunOutcome(spec.slug, True, content, 0.0, cached=True, region=spec.region))
        return True

    def __call__(self, outcome: RunOutcome) -> None:
        spec = self.specs[(outcome.region, outcome.slug)]
        year_dir = self.year_dirs[spec.region]
        if outcome.cached and outcome.notebook is not None:
            write_if_changed(year_dir / "notebooks" / f"{spec.slug}.ipynb", outcome.notebook)
            (year_dir / "failed" / f"{spec.slug}.ipynb").unlink(missing_ok=True)
        else:
            write_atomic(year_dir / "logs" / f"{spec.slug}.log", outcome.log.encode())
            if outcome.notebook is not None:
                self._store(outcome, spec, year_dir)
        outcome.notebook, outcome.log = None, ""  # streamed to disk: keep only the status
        self.outcomes[(spec.region, spec.slug)] = outcome
        if self.on_done:
            self.on_done(outcome)

    def _store(self, outcome: RunOutcome, spec: RunSpec, year_dir: Path) -> None:
        content = outcome.notebook  # normalised by the worker (see RunSpec.output_path)
        assert content is not None
        target = "notebooks" if outcome.ok else "failed"
        write_atomic(year_dir / target / f"{spec.slug}.ipynb", content)
        if outcome.ok:
            write_atomic(cache_path(self.shared_cache, spec), content)
            (year_dir / "failed" / f"{spec.slug}.ipynb").unlink(missing_ok=True)

    def of_region(self, region: str) -> dict[str, RunOutcome]:
        return {slug: o for (r, slug), o in self.outcomes.items() if r == region}


@cache
def package_versions() -> dict[str, str]:
    """Versions of the packages a build depends on (read once per process: a province's
    manifests would otherwise each ask importlib.metadata again)."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def build_id(specs: list[RunSpec]) -> str:
    """A short id that is the same for the same inputs."""
    return hashlib.sha256("".join(sorted(s.key for s in specs)).encode()).hexdigest()[:12]


def write_manifest(
    year_dir: Path,
    specs: list[RunSpec],
    outcomes: dict[str, RunOutcome],
    pages: list[PageResult],
    library: str,
    word_failures: dict[str, str] | None = None,
    *,
    region: Region | None = None,
    year: int | None = None,
) -> None:
    """``manifest.json``: what this build of a region used and did, unit by unit, with
    the region, year, report title, build time and overall status (for the front door)."""
    word_failures = word_failures or {}
    units = {}
    for s in specs:
        if s.slug not in outcomes:
            continue
        outcome = outcomes[s.slug]
        units[s.slug] = {
            "unit": s.unit_name,
            "key": s.key,
            "parameters": s.parameters,
            "inputs": s.input_hashes,
            "status": "ok" if outcome.ok and s.slug not in word_failures else "failed",
            "cached": outcome.cached,
            "seconds": round(outcome.seconds, 2),
            "error": outcome.error or word_failures.get(s.slug, ""),
        }
    manifest: dict[str, Any] = {
        "build_id": build_id(specs),
        "built_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "status": "ok" if all(u["status"] == "ok" for u in units.values()) else "failed",
        "annual_review": __version__,
        "library_fingerprint": library,
        "packages": dict(package_versions()),
        "units": units,
        "pages": {
            p.filename: {"unit": p.slug, "bytes": p.size, "status": p.status, "reused": p.reused}
            for p in pages
        },
    }
    if region is not None and year is not None:
        title = report_title(region.name, year)
        manifest.update(region=region.slug, region_name=region.name, year=year, title=title)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(year_dir / "manifest.json", text.encode("utf-8"))
