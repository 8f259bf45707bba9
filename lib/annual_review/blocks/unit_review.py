"""One unit's report material, loaded and looked up: the facts, the catalogue, the
analyst's params this year and last, and the sentences and findings made from them.

:class:`UnitReview` holds no HTML layout; :class:`annual_review.blocks.review.Review`
adds the blocks a notebook cell shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annual_review.blocks import safe_html
from annual_review.blocks.block import ILLUSTRATIVE_MARK
from annual_review.core.errors import InputError
from annual_review.core.layout import Project, region_params
from annual_review.figures.facts import Facts, Figure
from annual_review.figures.findings import Finding, evaluate
from annual_review.figures.phrasing import (
    count_sentence,
    fmt_percent,
    rate_change_phrase,
    report_title,
)
from annual_review.inputs.catalog import Catalog, Indicator, load_catalog
from annual_review.inputs.checks import check_finding_reviews
from annual_review.inputs.params import ReviewParams, load_params, params_path
from annual_review.inputs.plans import PlanRow, check_plan_status, load_previous, plan_rows
from annual_review.inputs.region import Region, Unit, load_region
from annual_review.inputs.values import load_values


def _default_region(data_dir: Path) -> str:
    """The only region file under ``data_dir``, whatever that folder is called; else the
    project's choice (``default_region`` in ``annual-review.yaml`` beside it)."""
    found = sorted(data_dir.glob("regions/*.yaml"))
    if len(found) == 1:
        return found[0].stem
    return Project(data_dir.parent).default_region()


@dataclass
class UnitReview:
    """Everything needed to write one unit's review of one year."""

    year: int
    unit: Unit
    region: Region
    catalog: Catalog
    facts: Facts
    params: ReviewParams
    previous_params: ReviewParams | None = None

    @classmethod
    def load(
        cls,
        year: int,
        unit: str = "",
        region: str = "",
        data_dir: str = "../data",
        params_dir: str = "../params",
    ) -> UnitReview:
        """Read and validate the region, catalogue, values and params.

        An empty ``region`` is the project's default region (the only file in
        ``data/regions/``, else ``default_region`` in ``annual-review.yaml``), as for the
        commands; an empty ``unit`` is the region's city. So a notebook's Run All works in
        any county's project without editing its parameters cell.

        Last year's params (``params/<year-1>/<slug>.yaml``) are read too when present,
        for the plan table of part 4. A ``plan_status`` that does not match last year's
        plans, or a ``findings`` key no rule can raise, stops with every problem named.
        """
        reg = load_region(data_dir, region or _default_region(Path(data_dir)))
        the_unit = reg.unit(unit) if unit else reg.city
        catalog = load_catalog(data_dir, reg)
        facts = Facts(load_values(data_dir, reg, catalog), catalog, reg.rounding)
        folder = region_params(params_dir, reg.slug)  # params/<region>/ when it exists
        params = load_params(folder, year, the_unit.slug, the_unit.name)
        previous = load_previous(folder, year, the_unit.slug, the_unit.name)
        source = params_path(folder, year, the_unit.slug).as_posix()
        problems = check_plan_status(previous, params, source=source)
        problems += check_finding_reviews(params, catalog, source=source)
        if problems:
            raise InputError("\n".join(problems))
        return cls(year, the_unit, reg, catalog, facts, params, previous)

    @property
    def is_city(self) -> bool:
        return self.unit.level == "city"

    @property
    def title(self) -> str:
        return report_title(self.unit.name, self.year)

    def fig(self, indicator_id: str, year: int | None = None, unit: str | None = None) -> Figure:
        return self.facts.figure(indicator_id, unit or self.unit.name, year or self.year)

    def indicators(self, section: str | None = None, key_only: bool = False) -> list[Indicator]:
        found = self.catalog.for_level(self.unit.level, key_only=key_only)
        return [i for i in found if section is None or i.section == section]

    def shows_illustrative_figures(self) -> bool:
        """Whether a figure this report can show is flagged illustrative in the data.

        The city's report shows its townships' figures too; every report shows the
        years up to its own (the trends table).
        """
        units = {u.name for u in self.region.units} if self.is_city else {self.unit.name}
        return self.facts.any_illustrative(units, self.year)

    def mark(self, figure: Figure) -> str:
        return (
            f'<sup class="ar-mark" title="示意数据">{ILLUSTRATIVE_MARK}</sup>'
            if figure.illustrative
            else ""
        )

    # ── sentences from data ───────────────────────────────────────────
    def clause(self, ind: Indicator) -> str | None:
        """One clause about an indicator this year, with its change from last year."""
        now, last = self.fig(ind.id), self.fig(ind.id, self.year - 1)
        if now.value is None:
            return None
        if ind.kind in ("rate", "stated_percent"):
            label = ind.name
            text = f"{label}{fmt_percent(now.value, rounding=now.rounding)}"
            change = (
                rate_change_phrase(now.value, last.value, now.rounding)
                if ind.kind == "rate"
                else ""
            )
            text = f"{text}，{change}" if change else text
        elif ind.kind == "ratio":
            text = f"{ind.name}为{now.value}:1"
        else:
            text = count_sentence(ind.name, now.value, ind.measure, last.value, now.rounding)
        return safe_html.text(text) + self.mark(now)

    def section_sentence(self, section: str) -> str:
        clauses = [c for ind in self.indicators(section) if (c := self.clause(ind))]
        return "；".join(clauses) + "。" if clauses else ""

    # ── part 3: findings from data ───────────────────────────────────
    def data_findings(self) -> list[Finding]:
        """Every finding the catalogue's rules raise for this unit and year (dismissed too)."""
        return evaluate(self.facts, self.catalog, self.unit.name, self.unit.level, self.year)

    def confirmed_findings(self) -> list[Finding]:
        """The findings the analyst confirmed in the params: the only ones reported."""
        reviews = self.params.findings
        return [
            f
            for f in self.data_findings()
            if f.id in reviews and reviews[f.id].status == "confirmed"
        ]

    # ── part 4: last year's plans, then next year's ──────────────────
    def last_year_plans(self) -> list[PlanRow]:
        """Last year's plans with this year's status (empty without last year's params)."""
        return plan_rows(self.previous_params, self.params)
