"""One unit's sheet of the collection template, laid out to be filled in and printed.

:func:`fill_unit_sheet` writes the title rows (unit, region, year), the header row and
one row per stored indicator of the unit's level: 指标, 单位, 要求 (必填/选填), 定义/口径,
上年数值, 本年数值 (to fill in), 来源/备注, and the indicator id in a last, hidden column
that the import reads. Only the two columns to fill are unlocked; each value cell has
Excel data validation (a number ≥ 0, a whole one for counts, or ``n/a``/``不适用``).
:func:`set_print_layout` makes a sheet print landscape on A4, one page wide.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from annual_review.inputs.catalog import Catalog, Indicator
from annual_review.inputs.collect.common import (
    DEFINITION_COL,
    INSTRUCTIONS_SHEET,
    LAST_COL,
    LAYOUT,
    MEASURE_COL,
    REQUIRED_COL,
    SOURCE_COL,
    VALUE_COL,
    stored_indicators,
)
from annual_review.inputs.region import Region, Unit

WIDTHS = {"A": 22, "B": 6, "C": 6, "D": 48, "E": 10, "F": 10, "G": 30, "H": 24}
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
FILL_IN = PatternFill("solid", fgColor="FFF2CC")  # the cells to type in; light grey on paper
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
ROW_HEIGHT, LINE_HEIGHT = 20.0, 14.0  # points: room to write by hand on a printout

Figure = int | Decimal | str  # a stored figure, or n/a


def report_title(unit: Unit, year: int) -> str:
    """The title of a unit's sheet.

    >>> report_title(Unit(name="海昌街道", kind="街道", slug="haichang"), 2025)
    '海昌街道 2025年法治政府建设指标填报表'
    """
    return f"{unit.name} {year}年法治政府建设指标填报表"


def text_lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column ``width`` characters wide.

    A Chinese character is about two digits wide; spreadsheets do not grow a row for
    wrapped text by themselves, so the template sets each row's height from this.

    >>> text_lines("合法性审查", 22), text_lines("本镇（街道）合法性审查中心审查的件数" * 2, 22)
    (1, 4)
    """
    wide = sum(2.1 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)
    return max(1, math.ceil(wide / max(width - 1, 1)))


def row_height(texts: dict[str, str]) -> float:
    """A row's height in points for its wrapped texts, keyed by column letter.

    >>> row_height({"A": "合法性审查"}), row_height({"D": "很长的定义" * 12})
    (20.0, 48.0)
    """
    lines = max((text_lines(t, WIDTHS[letter]) for letter, t in texts.items()), default=1)
    return max(ROW_HEIGHT, lines * LINE_HEIGHT + 6)


def fill_unit_sheet(
    ws: Worksheet,
    region: Region,
    unit: Unit,
    catalog: Catalog,
    year: int,
    last: dict[tuple[str, str], Figure],
) -> None:
    """Title, header, one row per indicator, validation, print layout and protection."""
    indicators = stored_indicators(catalog, unit.level)
    required = sum(i.required for i in indicators)
    ws["A1"] = report_title(unit, year)
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24
    ws["A2"] = (
        f"地区：{region.parent}{region.name}　　填报单位：{unit.name}　　"
        f"统计期间：{year}年1月1日至12月31日　　"
        f"共 {len(indicators)} 项，其中必填 {required} 项（填报要求见“{INSTRUCTIONS_SHEET}”）"
    )
    ws.row_dimensions[2].height = 18
    top = LAYOUT.header_row
    for col, text in enumerate(LAYOUT.headers, start=1):
        cell = ws.cell(row=top, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row, ind in enumerate(indicators, start=LAYOUT.first_row):
        _indicator_row(ws, row, ind, year, last.get((unit.name, ind.id)))
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.column_dimensions[LAYOUT.last_letter].hidden = True  # the id: read by the import
    ws.freeze_panes = f"A{LAYOUT.first_row}"
    last_row = LAYOUT.header_row + len(indicators)
    set_print_layout(ws, f"A1:{LAYOUT.letter(SOURCE_COL)}{last_row}", title_rows=f"{top}:{top}")
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # column widths and row heights may still change
    ws.protection.formatRows = False


def _indicator_row(ws: Worksheet, row: int, ind: Indicator, year: int, previous: object) -> None:
    """One indicator's row: its texts, last year's figure, the cells to fill, validation."""
    if isinstance(previous, Decimal):
        previous = int(previous) if previous == previous.to_integral_value() else previous
    texts: dict[int, object] = {
        LAYOUT.name_col: ind.name,
        MEASURE_COL: ind.measure,
        REQUIRED_COL: "必填" if ind.required else "选填",
        DEFINITION_COL: ind.definition,
        LAST_COL: previous,
        VALUE_COL: None,
        SOURCE_COL: None,
        LAYOUT.id_col: ind.id,
    }
    for col, value in texts.items():
        cell = ws.cell(row=row, column=col, value=value)
        cell.border = BOX
        centred = col in (MEASURE_COL, REQUIRED_COL, LAST_COL, VALUE_COL)
        cell.alignment = CENTRE if centred else WRAP
        if col in (VALUE_COL, SOURCE_COL):
            cell.protection = Protection(locked=False)
            cell.fill = FILL_IN
    ws.row_dimensions[row].height = row_height({"A": ind.name, "D": ind.definition})
    ws.add_data_validation(_validation(ind, f"F{row}", year))


def _validation(ind: Indicator, cell: str, year: int) -> DataValidation:
    """Excel's check of one value cell: a number ≥ 0 (whole for a count) or n/a / 不适用."""
    count = ind.kind == "count"
    number = f"AND(ISNUMBER({cell}),{cell}>=0{f',INT({cell})={cell}' if count else ''})"
    words = f'LOWER(TRIM({cell}))="n/a",TRIM({cell})="不适用"'
    what = "不小于0的整数" if count else "不小于0的数值（百分比填数值部分，如 39 表示 39%）"
    dv = DataValidation(
        type="custom",
        formula1=f"OR({number},{words})",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="请填写整数" if count else "请填写数值",
        error=(
            f"请填写{what}；不适用的填 n/a，并在“来源/备注”中写明原因。"
            "不要填写公式、单位、“约”“余”等文字。"
        ),
        promptTitle=f"{year}年数值（{ind.measure}）",
        prompt=f"填写{what}。没有发生填 0；不适用填 n/a 并在“来源/备注”写明原因。",
    )
    dv.add(cell)
    return dv


def set_print_layout(ws: Worksheet, area: str, *, title_rows: str | None = None) -> None:
    """Landscape A4, one page wide (as many pages tall as needed), centred, page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_area = area
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
