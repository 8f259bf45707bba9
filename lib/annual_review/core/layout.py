"""Where things live in a project: inputs (data, params, notebooks) and outputs.

Outputs have one layout whatever the number of regions: ``outputs/<region>/<year>/``
for each region and year built, ``outputs/index.html`` listing them all, and the cache
shared by all of them in ``outputs/.cache``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from annual_review.core.errors import InputError

NOTEBOOK_FOR_LEVEL = {"city": "city.ipynb", "township": "township.ipynb"}
SETTINGS_FILE = "annual-review.yaml"
SLUG_TEXT = re.compile(r"[a-z][a-z0-9-]{0,39}")
ALL_REGIONS = "all"


def region_params(params_dir: Path | str, region_slug: str) -> Path:
    """Where a region's params live: ``params/<region>/`` when that folder exists (a
    project of several regions whose townships share a slug keeps them apart), else
    ``params/`` itself, shared by every region (``params/<year>/<slug>.yaml``).

    A region slug starts with a letter, so it never names a year's folder.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> region_params(root, "qingxi") == root
    True
    >>> (root / "qingxi").mkdir()
    >>> region_params(root, "qingxi") == root / "qingxi", region_params(root, "demo") == root
    (True, True)
    """
    folder = Path(params_dir) / region_slug
    return folder if folder.is_dir() else Path(params_dir)


@dataclass(frozen=True)
class Project:
    """A project folder laid out as ``data/ params/ notebooks/ outputs/``."""

    root: Path

    @classmethod
    def find(cls, start: Path | str = ".") -> Project:
        """The project containing ``start``: the nearest folder with data/ and notebooks/."""
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            if (folder / "data").is_dir() and (folder / "notebooks").is_dir():
                return cls(folder)
        raise InputError(f"{start}: not inside an annual-review project (no data/ and notebooks/)")

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    def params_for(self, region_slug: str) -> Path:
        """The folder holding a region's ``<year>/<slug>.yaml`` params: see
        :func:`region_params`."""
        return region_params(self.params_dir, region_slug)

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    @property
    def cache_dir(self) -> Path:
        """The cache shared by every region and year: ``outputs/.cache``."""
        return self.outputs_dir / ".cache"

    @property
    def front_door(self) -> Path:
        """The page listing every region and year built: ``outputs/index.html``."""
        return self.outputs_dir / "index.html"

    @property
    def settings_file(self) -> Path:
        """Optional project settings (``default_region:``): ``annual-review.yaml``."""
        return self.root / SETTINGS_FILE

    def regions(self) -> list[str]:
        """The slugs of the region files under ``data/regions``."""
        return sorted(p.stem for p in (self.data_dir / "regions").glob("*.yaml"))

    def default_region(self) -> str:
        """The region a command uses without ``--region``.

        The only region file when there is one; else ``default_region`` in
        ``annual-review.yaml``; else an InputError listing the region slugs.
        """
        slugs = self.regions()
        if len(slugs) == 1:
            return slugs[0]
        configured = self._settings().get("default_region")
        if configured is not None:
            if configured not in slugs:
                raise InputError(
                    f"{SETTINGS_FILE}: default_region {configured!r} has no region file; "
                    f"regions: {', '.join(slugs) or 'none'}"
                )
            return str(configured)
        if not slugs:
            raise InputError("data/regions: no region file (data/regions/<slug>.yaml)")
        raise InputError(
            f"several regions, give --region SLUG or --region all "
            f"(or default_region: in {SETTINGS_FILE}); regions: {', '.join(slugs)}"
        )

    def select_regions(self, choice: str | None) -> list[str]:
        """The region slugs a command works on: ``None`` is the default region, ``all``
        every region file, anything else one region file's slug."""
        if choice is None:
            return [self.default_region()]
        slugs = self.regions()
        if choice == ALL_REGIONS:
            if not slugs:
                raise InputError("data/regions: no region file (data/regions/<slug>.yaml)")
            return slugs
        if choice not in slugs:
            raise InputError(
                f"--region {choice}: no data/regions/{choice}.yaml; "
                f"regions: {', '.join(slugs) or 'none'}"
            )
        return [choice]

    def _settings(self) -> dict[str, Any]:
        path = self.settings_file
        if not path.is_file():
            return {}
        if path.stat().st_size > 10_000:
            raise InputError(f"{SETTINGS_FILE}: over 10 KB; it holds one key, default_region")
        try:
            text = path.read_text(encoding="utf-8")
            if any(
                isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)
            ):
                raise InputError(f"{SETTINGS_FILE}: YAML aliases (*name) are not accepted")
            found = yaml.safe_load(text)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError(f"{SETTINGS_FILE}: not valid YAML: {str(exc)[:200]}") from None
        if found is None:
            return {}
        if not isinstance(found, dict) or set(found) - {"default_region"}:
            raise InputError(f"{SETTINGS_FILE}: expected a mapping with only default_region:")
        return found

    def region_dir(self, region: str) -> Path:
        """Where a region's outputs go: ``outputs/<region>``; the slug must be a plain ASCII
        name (a slug from a checked region file always is), so the folder stays under
        ``outputs/``."""
        if not SLUG_TEXT.fullmatch(region):
            raise InputError(f"region {region[:40]!r}: not a region slug (a-z, 0-9, -)")
        return self.outputs_dir / region

    def under_outputs(self, path: Path) -> Path:
        """``path`` if it lies inside ``outputs/``; an InputError otherwise (every file a
        build writes is named from checked slugs and titles; this is the last guard).

        >>> Project(Path("/p")).under_outputs(Path("/p/outputs/haining/2024/x.docx")).name
        'x.docx'
        """
        resolved = Path(os.path.normpath(path.absolute()))
        if not resolved.is_relative_to(Path(os.path.normpath(self.outputs_dir.absolute()))):
            raise InputError(f"{str(path)[:80]}: would be written outside outputs/")
        return path

    def year_dir(self, year: int, region: str) -> Path:
        """Where a year's outputs of a region go: ``outputs/<region>/<year>``, whatever the
        number of regions (site/, notebooks/, failed/, logs/, .docx, manifest.json,
        review.html)."""
        return self.region_dir(region) / str(year)

    def built(self) -> list[tuple[str, int, Path]]:
        """(region, year, folder) of every year built: folders holding a manifest.json."""
        found = []
        for manifest in self.outputs_dir.glob("*/*/manifest.json"):
            folder = manifest.parent
            if folder.name.isdigit() and not folder.parent.name.startswith("."):
                found.append((folder.parent.name, int(folder.name), folder))
        return sorted(found, key=lambda item: (item[0], -item[1]))

    def legacy_year_dirs(self) -> list[Path]:
        """Year folders of the older layout (``outputs/<year>/``), no longer written."""
        if not self.outputs_dir.is_dir():
            return []
        return sorted(p for p in self.outputs_dir.iterdir() if p.is_dir() and p.name.isdigit())

    def notebook_for(self, level: str) -> Path:
        """The notebook that writes a unit of this level."""
        return self.notebooks_dir / NOTEBOOK_FOR_LEVEL[level]
