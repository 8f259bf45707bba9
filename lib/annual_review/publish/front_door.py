"""``outputs/index.html``: the front door listing every region and year built.

Rewritten after every build from the folders present (``outputs/<region>/<year>/`` with
their ``manifest.json``), so a region or year built earlier stays listed. The page is
self-contained (inline style, no script, nothing loaded from outside) and every text
from a manifest is escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from annual_review.core.files import write_if_changed
from annual_review.core.layout import Project

STYLE = """
body { font-family: "仿宋_GB2312", "FangSong", "STFangsong", serif; margin: 2em auto;
  max-width: 56em; padding: 0 1em; color: #222; }
h1 { font-family: "黑体", "SimHei", "Heiti SC", sans-serif; font-size: 1.6em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .4em .6em; text-align: left; }
th { background: #f2f2f2; }
.failed { color: #a00; }
.none { color: #777; }
"""


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _status(manifest: dict[str, Any]) -> tuple[str, str]:
    """The Chinese status of a build and its CSS class."""
    units = manifest.get("units")
    if not isinstance(units, dict) or not units:
        return "状态不明", "none"
    failed = [u for u in units.values() if isinstance(u, dict) and u.get("status") != "ok"]
    if failed:
        return f"{len(failed)}个单位生成失败", "failed"
    return f"全部生成（{len(units)}个单位）", "ok"


def _built_at(manifest: dict[str, Any]) -> str:
    """``2025-03-01 09:30`` from the manifest's ISO time, or a dash."""
    value = manifest.get("built_at")
    if not isinstance(value, str) or len(value) < 16:
        return "—"
    return value[:10] + " " + value[11:16]


def _row(project: Project, region: str, year: int, folder: Path) -> str:
    manifest = _manifest(folder)
    name = manifest.get("region_name") if isinstance(manifest.get("region_name"), str) else ""
    title = manifest.get("title") if isinstance(manifest.get("title"), str) else ""
    label = escape(str(title or f"{name or region} {year}"))
    site = folder / "site" / "index.html"
    if site.is_file():
        href = escape(site.relative_to(project.outputs_dir).as_posix(), quote=True)
        report = f'<a href="{href}">{label}</a>'
    else:
        report = f'{label}<span class="none">（网站未生成）</span>'
    status, css = _status(manifest)
    cells = [
        escape(str(name or region)),
        f"{year}年",
        report,
        escape(_built_at(manifest)),
        f'<span class="{css}">{escape(status)}</span>',
    ]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def front_door_html(project: Project) -> str:
    """The page: one row per region and year built, newest year first within a region."""
    rows = [_row(project, region, year, folder) for region, year, folder in project.built()]
    if rows:
        body = (
            "<table><thead><tr><th>地区</th><th>年度</th><th>报告</th><th>生成时间</th>"
            "<th>状态</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
        )
    else:
        body = '<p class="none">尚未生成任何报告。</p>'
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>法治政府建设年度报告</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>法治政府建设年度报告</h1>\n{body}\n</body>\n</html>\n"
    )


def write_front_door(project: Project) -> Path:
    """Write ``outputs/index.html`` from the folders present and return its path."""
    path = project.front_door
    write_if_changed(path, front_door_html(project).encode("utf-8"))
    return path
