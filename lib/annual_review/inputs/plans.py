"""Tracking last year's plans: ``plan_status`` of this year's params against last year's plans.

Part 4 of a report lists next year's plans, each with a stable id (``p2025-preventive``).
The following year's params say how each went::

    plan_status:
      p2025-preventive: {status: done, text: 出台预防性法治体系建设实施方案。}

:func:`check_plan_status` lists what does not match (a status for an unknown plan, a plan
left without status); :func:`plan_rows` pairs each plan with its status (the table
上年计划落实情况 is drawn by :mod:`annual_review.blocks.plan_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annual_review.inputs.params import PlanStatus, ReviewParams, load_params, params_path

__all__ = [
    "STATUS_LABELS",
    "PlanRow",
    "check_plan_status",
    "load_previous",
    "plan_rows",
    "status_summary",
]

STATUS_LABELS = {"done": "已完成", "in_progress": "推进中", "not_done": "未完成"}
NO_STATUS = "未报告"


@dataclass(frozen=True)
class PlanRow:
    """One of last year's plans with this year's status (``status`` None when not given)."""

    id: str
    title: str
    status: str | None
    text: str

    @property
    def label(self) -> str:
        """The status in Chinese: 已完成, 推进中, 未完成 (or 未报告)."""
        return STATUS_LABELS.get(self.status or "", NO_STATUS)


def check_plan_status(
    previous: ReviewParams | None, current: ReviewParams, *, source: str
) -> list[str]:
    """Problems of ``current.plan_status`` against last year's plans, one message each.

    ``source`` names the current params file. A status for a plan id that last year's
    params do not have, and a plan of last year left without a status, are problems.

    >>> signed = {"issuer": "海宁市人民政府", "date": "2025-02-20"}
    >>> last = ReviewParams(year=2024, unit="海宁市", shortcomings=[{"title": "t", "detail": "d"}],
    ...     **signed, plans=[{"id": "p2025-a", "title": "甲", "detail": "d"},
    ...            {"id": "p2025-b", "title": "乙", "detail": "d"}])
    >>> now = ReviewParams(year=2025, unit="海宁市", shortcomings=[{"title": "t", "detail": "d"}],
    ...     **signed, plans=[{"id": "p2026-a", "title": "丙", "detail": "d"}],
    ...     plan_status={"p2025-c": {"status": "done", "text": "完成。"}})
    >>> for line in check_plan_status(last, now, source="2025.yaml"):
    ...     print(line)
    2025.yaml: field plan_status.p2025-c: no plan p2025-c in 2024; known: p2025-a, p2025-b
    2025.yaml: field plan_status: plan p2025-a of 2024 (甲) has no status
    2025.yaml: field plan_status: plan p2025-b of 2024 (乙) has no status
    """
    last_year = current.year - 1
    known = {} if previous is None else {p.id: p.title for p in previous.plans}
    listed = ", ".join(known) if known else f"none (no params of {last_year})"
    problems = [
        f"{source}: field plan_status.{pid}: no plan {pid} in {last_year}; known: {listed}"
        for pid in current.plan_status
        if pid not in known
    ]
    problems += [
        f"{source}: field plan_status: plan {pid} of {last_year} ({title}) has no status"
        for pid, title in known.items()
        if pid not in current.plan_status
    ]
    return problems


def load_previous(params_dir: Path | str, year: int, slug: str, unit: str) -> ReviewParams | None:
    """Last year's params of a unit (``params/<year-1>/<slug>.yaml``), or None if absent."""
    if not params_path(params_dir, year - 1, slug).is_file():
        return None
    return load_params(params_dir, year - 1, slug, unit)


def plan_rows(previous: ReviewParams | None, current: ReviewParams) -> list[PlanRow]:
    """Last year's plans in their order, each with this year's status (if given)."""
    if previous is None:
        return []
    rows = []
    for plan in previous.plans:
        given: PlanStatus | None = current.plan_status.get(plan.id)
        rows.append(
            PlanRow(
                plan.id,
                plan.title,
                given.status if given else None,
                given.text if given else "",
            )
        )
    return rows


def status_summary(rows: list[PlanRow], year: int) -> str:
    """One sentence counting the statuses, e.g. ``…4项安排中，已完成2项、推进中2项。``

    >>> rows = [PlanRow("a", "甲", "done", ""), PlanRow("b", "乙", "in_progress", ""),
    ...         PlanRow("c", "丙", "done", "")]
    >>> status_summary(rows, 2025)
    '2024年报告提出的2025年3项工作安排中，已完成2项、推进中1项。'
    """
    counts = {label: 0 for label in (*STATUS_LABELS.values(), NO_STATUS)}
    for row in rows:
        counts[row.label] += 1
    said = "、".join(f"{label}{n}项" for label, n in counts.items() if n)
    return f"{year - 1}年报告提出的{year}年{len(rows)}项工作安排中，{said}。"
