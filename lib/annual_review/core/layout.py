"""Where things live in a project: inputs (data, params, notebooks) and outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annual_review.core.errors import InputError

NOTEBOOK_FOR_LEVEL = {"city": "city.ipynb", "township": "township.ipynb"}


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

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    def regions(self) -> list[str]:
        """The slugs of the region files under ``data/regions``."""
        return sorted(p.stem for p in (self.data_dir / "regions").glob("*.yaml"))

    def year_dir(self, year: int, region: str | None = None) -> Path:
        """Where a year's outputs go: ``outputs/<year>`` for a project of one region,
        ``outputs/<year>/<region>`` when the project has several."""
        base = self.outputs_dir / str(year)
        if region is None or len(self.regions()) <= 1:
            return base
        return base / region

    def notebook_for(self, level: str) -> Path:
        """The notebook that writes a unit of this level."""
        return self.notebooks_dir / NOTEBOOK_FOR_LEVEL[level]
