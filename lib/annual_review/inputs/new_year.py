"""``annual-review new-year``: next year's params files, written from this year's.

An office starts each year from the last one: the same units, the same addressee and
issuing body, and last year's plans to report on. :func:`new_year` writes
``params/<Y>/<slug>.yaml`` for every unit of a region from ``params/<Y-1>/<slug>.yaml``:
addressee, issuer and run parameters kept; the date left empty (``check`` refuses a
report without one); every text the analyst must write holding a Chinese placeholder
(待填写…) that ``check`` lists with its file and line and ``build --final`` refuses; and
a ``plan_status`` entry for each of last year's plan ids. An existing file is never
overwritten. The files are written as commented YAML, every value quoted as a JSON
string (valid YAML whatever the text holds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from annual_review.core.errors import InputError
from annual_review.core.files import write_atomic
from annual_review.inputs.catalog import Catalog
from annual_review.inputs.params import ReviewParams, load_params, params_path
from annual_review.inputs.region import Region, Unit

__all__ = ["NewYear", "new_year", "scaffold"]

TODO = "待填写"


def _q(text: str) -> str:
    """A YAML scalar for any text: a JSON string.

    >>> _q('中共嘉兴市委、嘉兴市人民政府'), _q('a: "b"')
    ('"中共嘉兴市委、嘉兴市人民政府"', '"a: \\\\"b\\\\""')
    """
    return json.dumps(text, ensure_ascii=False)


def _section_ids(catalog: Catalog, unit: Unit, last: ReviewParams | None) -> list[str]:
    """The sections to write: last year's, else those with an indicator of the unit's level."""
    if last is not None and last.sections:
        return [s for s in last.sections if s in {x.id for x in catalog.sections}]
    return [
        s.id
        for s in catalog.sections
        if s.part in (1, 2) and any(i.section == s.id for i in catalog.for_level(unit.level))
    ]


def scaffold(
    year: int, unit: Unit, catalog: Catalog, last: ReviewParams | None, region: Region
) -> str:
    """The params text of ``unit`` for ``year``, from last year's params (or none)."""
    titles = {s.id: s.title for s in catalog.sections}
    addressee = last.addressee if last else ""
    issuer = last.issuer if last else f"{TODO}：落款单位"
    lines = [
        f"# {unit.name}{year}年法治政府建设年度报告的文字。由 annual-review new-year 从"
        f"{year - 1}年的参数生成：",
        "# 把每一处“待填写”换成正式文字，填好成文日期；annual-review check 列出尚未填写之处。",
        f"year: {year}",
        f"unit: {_q(unit.name)}",
        f"illustrative: {'true' if last and last.illustrative else 'false'}",
        f"addressee: {_q(addressee)}",
        f"issuer: {_q(issuer)}",
        '# 成文日期，写作 YYYY-MM-DD，例如 "2026-02-20"',
        'date: ""',
        f"intro: {_q(f'{TODO}：导语，概述{year}年法治政府建设的总体情况')}",
        "sections:",
    ]
    for section in _section_ids(catalog, unit, last):
        lines += [
            f"  # {titles[section]}",
            f"  {section}:",
            f"    - title: {_q(f'{TODO}：小标题')}",
            f"      text: {_q(f'{TODO}：本方面的主要做法和成效')}",
        ]
    if last and last.parameters:
        lines.append(f"parameters: {json.dumps(last.parameters, ensure_ascii=False)}")
    lines += [
        f"shortcomings_intro: {_q(f'{TODO}：对照要求，概括存在的差距')}",
        "shortcomings:",
        f"  - title: {_q(f'{TODO}：不足')}",
        f"    detail: {_q(f'{TODO}：具体表现和原因')}",
        "plans:",
        f"  - id: p{year + 1}-1",
        f"    title: {_q(f'{TODO}：{year + 1}年工作安排')}",
        f"    detail: {_q(f'{TODO}：具体措施')}",
        "# 数据提示的审核结论：annual-review check 列出全部提示及确认、排除的写法",
        "findings: {}",
    ]
    if last and last.plans:
        lines += [
            f"# {year - 1}年报告所列{year}年工作安排的落实情况；status 为 done（已完成）、"
            "in_progress（推进中）或 not_done（未完成）",
            "plan_status:",
        ]
        for plan in last.plans:
            lines += [
                f"  # {plan.title}",
                f"  {plan.id}:",
                "    status: in_progress",
                f"    text: {_q(f'{TODO}：落实情况')}",
            ]
    return "\n".join(lines) + "\n"


@dataclass
class NewYear:
    """What :func:`new_year` wrote and what it left alone."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def new_year(
    params_dir: Path, year: int, region: Region, catalog: Catalog, units: list[Unit] | None = None
) -> NewYear:
    """Write next year's params for the region's units; never overwrite a file.

    Last year's files are read and validated first; a bad one stops everything with its
    problems named, before anything is written.
    """
    chosen = units or region.units
    texts: dict[Path, str] = {}
    problems: list[str] = []
    done = NewYear()
    for unit in chosen:
        target = params_path(params_dir, year, unit.slug)
        if target.exists():
            done.kept.append(target)
            continue
        last = None
        if params_path(params_dir, year - 1, unit.slug).is_file():
            try:
                last = load_params(params_dir, year - 1, unit.slug, unit.name)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
        texts[target] = scaffold(year, unit, catalog, last, region)
    if problems:
        raise InputError("\n".join(problems))
    for target, text in texts.items():
        write_atomic(target, text.encode("utf-8"))
        done.written.append(target)
    return done
