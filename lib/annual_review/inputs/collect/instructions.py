"""The 说明 sheet, first in the template: what to fill in and how, for the analysts.

:func:`fill_instructions` writes the rules an analyst needs on one printed page: which
sheet is whose, which cells to fill, whole numbers and units, a 来源 for every figure,
``n/a`` with a reason for a figure that does not apply, the 必填 mark, and blank cells
for the office to fill before sending (报送截止日期, 联系人, 联系电话).
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from annual_review.inputs.collect.common import LAYOUT, NOT_APPLICABLE, SOURCE_COL, VALUE_COL
from annual_review.inputs.collect.unit_sheet import (
    FILL_IN,
    LINE_HEIGHT,
    set_print_layout,
    text_lines,
)
from annual_review.inputs.region import Region, Unit

LABEL_WIDTH, TEXT_WIDTH = 16, 110
BLANKS = ("报送截止日期", "联系人", "联系电话")


def instruction_rows(region: Region, year: int, units: list[Unit]) -> list[tuple[str, str]]:
    """(heading, text) of each rule, in the order they are printed."""
    value, source = LAYOUT.headers[VALUE_COL - 1], LAYOUT.headers[SOURCE_COL - 1]
    names = "、".join(u.name for u in units)
    return [
        (
            "填报范围",
            f"本表收集{region.name}{year}年度法治政府建设指标数据，每个工作表对应一个填报单位"
            f"（共 {len(units)} 个：{names}）。各单位只填写以本单位名称命名的工作表。",
        ),
        ("统计期间", f"{year}年1月1日至{year}年12月31日。"),
        (
            "填写位置",
            f"只填写“{value}”和“{source}”两列（浅黄色单元格）；其余各列已锁定，请勿修改。"
            "不要增删行、列或工作表，不要重命名工作表，不要合并单元格，不要隐藏行、列或工作表。",
        ),
        (
            "数值",
            "按“单位”列的计量单位只填数字本身，不带单位，不写“约”“余”“以上”等字样，不填公式。"
            "件数、人数、次数等计数一律填整数，没有发生的填 0；百分比填数值部分，如 39 表示 39%。",
        ),
        (
            "来源",
            f"每一个填写的数值都必须在“{source}”中写明数据来源"
            "（如“市司法局行政复议案件台账”“市法院行政审判统计”），没有来源的数值不予接收。",
        ),
        (
            "不适用",
            f"本单位没有该项职能或工作、该指标不适用的，在“{value}”中填 {NOT_APPLICABLE}"
            f"（或“不适用”），并在“{source}”中写明原因；只填 {NOT_APPLICABLE} 不写原因的不予接收。",
        ),
        (
            "必填",
            f"“要求”列标“必填”的指标须全部填写（数值或 {NOT_APPLICABLE}）；"
            f"确实无法统计的请留空，并与联系人说明原因。",
        ),
        (
            "上年数值",
            f"为已入库的{year - 1}年数据，供核对统计口径。如发现上年数值有误，"
            f"请在“{source}”中说明，不要修改该列。",
        ),
        (
            "保存与报送",
            "填好后保存为 Excel 工作簿（.xlsx）报送，不要另存为 .xls 或启用宏的 .xlsm，"
            "不要设置打开密码。",
        ),
    ]


def fill_instructions(ws: Worksheet, region: Region, year: int, units: list[Unit]) -> None:
    """The rules, then blank lines for the deadline and the contact; one page landscape."""
    ws["A1"] = f"{region.name} {year}年法治政府建设指标填报说明"
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24
    row = 3
    for heading, text in instruction_rows(region, year, units):
        ws.cell(row=row, column=1, value=heading).font = Font(bold=True)
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = text_lines(text, TEXT_WIDTH) * LINE_HEIGHT + 6
        row += 1
    row += 1
    line = Border(bottom=Side(style="thin", color="808080"))
    for label in BLANKS:
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        blank = ws.cell(row=row, column=2)
        blank.border = line
        blank.fill = FILL_IN
        blank.protection = Protection(locked=False)  # filled by the office before sending
        ws.row_dimensions[row].height = 24
        row += 1
    ws.column_dimensions["A"].width = LABEL_WIDTH
    ws.column_dimensions["B"].width = TEXT_WIDTH
    set_print_layout(ws, f"A1:B{row - 1}")
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
