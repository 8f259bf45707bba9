"""The analyst's words for one report: ``params/<year>/<unit-slug>.yaml``.

A params file holds what data cannot say: the narrative highlights of parts 1
and 2, the shortcomings with their causes (part 3) and next year's plans
(part 4); also the analyst's verdict on the data-driven findings (``findings``)
and, from the second year on, how last year's plans went (``plan_status``). It is
validated with pydantic before any kernel starts, so a typo stops the build with the
file and the field named.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from annual_review.core.errors import InputError
from annual_review.inputs.catalog import FINDING_ID
from annual_review.inputs.parameters import plain_value_problem, reserved_problem
from annual_review.inputs.region import name_problem
from annual_review.inputs.yamlio import (
    SHORT,
    bounded,
    capped,
    load_yaml_mapping,
    read_text,
    validation_problems,
)

PLAN_ID = r"^[a-z0-9][a-z0-9-]*$"
MAX_ITEMS = 20  # shortcomings and plans each: an outline numbers them 一 … 二十
MAX_PARAMS_BYTES = 1_000_000  # a params file is a few KB


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Highlight(_Strict):
    """One narrative paragraph under a section of part 1 or part 2."""

    title: str = Field(min_length=1, description="小标题，如 “全力推进涉企法治服务体系建设”")
    text: str = Field(min_length=1, description="正文段落（Markdown，渲染前净化）")


class Shortcoming(_Strict):
    """One shortcoming of part 3 with its cause."""

    title: str = Field(min_length=1, description="不足，如 “依法行政理念有待进一步提升”")
    detail: str = Field(min_length=1, description="表现与原因")


class Plan(_Strict):
    """One plan for next year (part 4); ``id`` lets next year's report track it."""

    id: str = Field(
        pattern=PLAN_ID, description="稳定的计划编号（小写字母、数字、连字符），如 p2025-preventive"
    )
    title: str = Field(min_length=1, description="安排的标题，页面写作（一）……")
    detail: str = Field(min_length=1, description="具体措施（Markdown）")


class FindingReview(_Strict):
    """The analyst's verdict on one data-driven finding of part 3."""

    status: Literal["confirmed", "dismissed"] = Field(
        description="confirmed 已确认（写入第三部分）；dismissed 已排除（不写入）"
    )
    note: str = Field(
        default="", description="说明：确认时为原因（替代目录的评语写入报告），排除时为理由"
    )


class PlanStatus(_Strict):
    """How one of last year's plans went (``plan_status`` of next year's params)."""

    status: Literal["done", "in_progress", "not_done"] = Field(
        description="done 已完成；in_progress 推进中；not_done 未完成"
    )
    text: str = Field(min_length=1, description="落实情况，一两句话")


class ReviewParams(_Strict):
    """Everything an analyst writes for one unit's report of one year."""

    year: int = Field(ge=2000, le=2100, description="报告年度，须与文件所在文件夹一致")
    unit: str = Field(min_length=1, description="单位名称，须与地区文件一致")
    illustrative: bool = Field(
        default=False, description="文字为示意内容（非正式发布稿）时为 true，页面将醒目标注"
    )
    addressee: str = Field(default="", description="报送对象，如 中共嘉兴市委、嘉兴市人民政府")
    issuer: str = Field(min_length=1, description="落款：发文机关署名，如 海宁市人民政府")
    date: str = Field(description="成文日期，YYYY-MM-DD，页面写作 2025年2月20日")
    intro: str = Field(default="", description="导语（Markdown）")
    sections: dict[str, list[Highlight]] = Field(
        default_factory=dict, description="按目录章节编号归类的工作亮点"
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="本单位运行笔记本时额外传入的参数（须在参数单元格中声明）"
    )
    shortcomings_intro: str = Field(default="", description="第三部分的导语")
    shortcomings: list[Shortcoming] = Field(
        min_length=1, max_length=MAX_ITEMS, description="存在的不足（一是、二是……），1–20条"
    )
    plans: list[Plan] = Field(
        min_length=1, max_length=MAX_ITEMS, description="下一年度工作安排（（一）（二）……），1–20条"
    )
    findings: dict[str, FindingReview] = Field(
        default_factory=dict, description="数据提示的确认或排除，键为提示编号，如 f-recon_corrected"
    )
    plan_status: dict[str, PlanStatus] = Field(
        default_factory=dict, description="上年计划的落实情况，键为上年 plans 的编号"
    )

    @field_validator("unit")
    @classmethod
    def _unit_name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem is not None:
            raise ValueError(f"单位名称 {SHORT.repr(value)} {problem}")
        return value

    @field_validator("parameters")
    @classmethod
    def _run_parameters(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        for name, value in parameters.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"参数名 {SHORT.repr(name)} 应为标识符（字母、数字、下划线）")
            problem = reserved_problem(name) or plain_value_problem(value)
            if problem is not None:
                raise ValueError(f"参数 {name}: {problem}")
        return parameters

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        from datetime import date

        if not value.strip():
            raise ValueError("成文日期未填写：写作 YYYY-MM-DD，如 2025-02-20")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"成文日期 {value[:20]!r} 应写作 YYYY-MM-DD，如 2025-02-20")
        date.fromisoformat(value)
        return value

    @field_validator("findings")
    @classmethod
    def _finding_ids(cls, findings: dict[str, FindingReview]) -> dict[str, FindingReview]:
        for key in findings:
            if not re.match(FINDING_ID, key):
                raise ValueError(f"提示编号 {bounded(key, 40)} 格式不对，应形如 f-recon_corrected")
        return findings

    @field_validator("plan_status")
    @classmethod
    def _status_ids(cls, status: dict[str, PlanStatus]) -> dict[str, PlanStatus]:
        for key in status:
            if not re.match(PLAN_ID, key):
                raise ValueError(f"计划编号 {bounded(key, 40)} 格式不对，应形如 p2025-preventive")
        return status

    @field_validator("plans")
    @classmethod
    def _unique_plan_ids(cls, plans: list[Plan]) -> list[Plan]:
        seen: set[str] = set()
        for plan in plans:
            if plan.id in seen:
                raise ValueError(f"计划编号 {bounded(plan.id, 40)} 重复")
            seen.add(plan.id)
        return plans


PLACEHOLDER = re.compile(r"待补充|待填写|待完善|待确认|请填写|TODO|TBD|XXX|×××|○○|〇〇", re.I)


def placeholders(params: ReviewParams | None, *, source: str, text: str | None = None) -> list[str]:
    """One message per text field that still holds placeholder text (待填写, TODO, ×××…).

    A report with such text is not ready to send: ``build --final`` refuses it. With the
    file's ``text``, each message names the line instead of the field (comment lines are
    not text of the report).

    >>> placeholders(None, source="p.yaml", text="# 把待填写换掉\\nintro: 待填写导语\\n")
    ["p.yaml, line 2: placeholder text '待填写' left: intro: 待填写导语"]
    """
    if text is not None:
        return [
            f"{source}, line {number}: placeholder text {hit.group(0)!r} left: {line.strip()[:60]}"
            for number, line in enumerate(text.splitlines(), start=1)
            if not line.lstrip().startswith("#") and (hit := PLACEHOLDER.search(line))
        ]
    assert params is not None  # without the text, the params are walked field by field
    found = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            hit = PLACEHOLDER.search(value)
            if hit:
                start = max(0, hit.start() - 12)
                excerpt = value[start : hit.end() + 12]
                found.append(
                    f"{source}: field {path}: placeholder text {hit.group(0)!r} left in {excerpt!r}"
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}")

    walk(params.model_dump(exclude={"parameters"}), "")
    return found


def params_path(params_dir: Path | str, year: int, slug: str) -> Path:
    """Where the params of one unit and year live.

    >>> params_path("params", 2024, "haining").as_posix()
    'params/2024/haining.yaml'
    """
    return Path(params_dir) / str(year) / f"{slug}.yaml"


def parse_params(text: str, *, source: str) -> ReviewParams:
    """Validate params YAML text; ``source`` names the file in error messages."""
    raw = load_yaml_mapping(text, source=source)
    try:
        return ReviewParams.model_validate(raw)
    except ValidationError as exc:
        raise InputError("\n".join(validation_problems(exc, source))) from None


def check_sections(params: ReviewParams, known_section_ids: set[str], *, source: str) -> list[str]:
    """One message per key of ``sections`` that is not a known section id.

    >>> p = ReviewParams(year=2024, unit="海宁市", sections={"leadershp": []},
    ...     issuer="海宁市人民政府", date="2025-02-20",
    ...     shortcomings=[{"title": "t", "detail": "d"}],
    ...     plans=[{"id": "p1", "title": "t", "detail": "d"}])
    >>> check_sections(p, {"leadership", "business"}, source="p.yaml")
    ['p.yaml: field sections.leadershp: unknown section; known: business, leadership']
    """
    known = set(known_section_ids)
    listed = ", ".join(sorted(known))
    return [
        f"{source}: field sections.{bounded(section_id, 40)}: unknown section; known: {listed}"
        for section_id in params.sections
        if section_id not in known
    ]


def load_params(
    params_dir: Path | str,
    year: int,
    slug: str,
    unit: str,
    *,
    section_ids: set[str] | None = None,
) -> ReviewParams:
    """Read and validate the params of one unit, checking year and unit match the file's place.

    With ``section_ids`` (the catalogue's section ids) every key of ``sections`` must be one.
    """
    path = params_path(params_dir, year, slug)
    if not path.is_file():
        raise InputError(f"{path.as_posix()}: params file missing for {unit} {year}")
    params = parse_params(read_text(path, max_bytes=MAX_PARAMS_BYTES), source=path.as_posix())
    if params.year != year:
        raise InputError(f"{path.as_posix()}: field year is {params.year}, expected {year}")
    if params.unit != unit:
        raise InputError(f"{path.as_posix()}: field unit is {params.unit!r}, expected {unit!r}")
    if section_ids is not None:
        unknown = check_sections(params, section_ids, source=path.as_posix())
        if unknown:
            raise InputError("\n".join(capped(unknown)))
    return params
