"""A corpus of bad collection workbooks, built at test time from small damage functions.

Each case takes a fresh copy of the 2025 Haining template (``annual-review template``)
and damages it with openpyxl, or overwrites it with something that is not an .xlsx at
all. It returns where the import must point (``"海昌街道!F12"``, a sheet name, or None
for a problem of the whole file, which must then be named by its file name), and the
case carries a regular expression for the reason the message must give. No binary
files are committed: the corpus is rebuilt, identically, on every run.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
from annual_review.inputs.collect import LAYOUT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

Damage = Callable[[Path], "str | None"]


@dataclass(frozen=True)
class Case:
    """One bad workbook: how to make it and the reason its message must give."""

    name: str
    damage: Damage
    reason: str


CASES: list[Case] = []


def case(reason: str) -> Callable[[Damage], Damage]:
    """Register a damage function with the reason (a regex) its message must contain."""

    def register(damage: Damage) -> Damage:
        CASES.append(Case(damage.__name__, damage, reason))
        return damage

    return register


# -- helpers ------------------------------------------------------------------------------------


@contextmanager
def edit(path: Path) -> Iterator[openpyxl.Workbook]:
    """Open the workbook, let the caller change it, save it back."""
    book = openpyxl.load_workbook(path)
    yield book
    book.save(path)


ID = get_column_letter(LAYOUT.id_col)  # the (hidden) indicator id column
NAME = get_column_letter(LAYOUT.name_col)
HEADER_ROW = LAYOUT.header_row


def row_of(ws: Worksheet, indicator: str, id_column: str = ID) -> int:
    """The row of an indicator id in a unit sheet."""
    for cell in ws[id_column]:
        if cell.value == indicator:
            return cell.row
    raise KeyError(indicator)


def put(path: Path, sheet: str, indicator: str, value: object, column: str = "F") -> str:
    """Type ``value`` into an indicator's cell; return the cell as ``sheet!F12``."""
    with edit(path) as book:
        ws = book[sheet]
        row = row_of(ws, indicator)
        ws[f"{column}{row}"] = value
    return f"{sheet}!{column}{row}"


def append_row(path: Path, sheet: str, indicator: str | None, name: str, value: object) -> str:
    """Add a row below the table (id, name, figure); return its id cell as ``sheet!H40``."""
    with edit(path) as book:
        ws = book[sheet]
        row = ws.max_row + 1
        ws[f"{NAME}{row}"] = name
        ws[f"F{row}"] = value
        if indicator is not None:
            ws[f"{ID}{row}"] = indicator
    return f"{sheet}!{ID}{row}"


def rewrite_zip(path: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rewrite the package member by member (None drops a member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


# -- not an .xlsx at all ------------------------------------------------------------------------


@case(r"not an \.xlsx workbook")
def csv_text_named_xlsx(path: Path) -> None:
    path.write_text("year,unit,indicator,value\n2025,海宁市,recon_received,391\n", "utf-8")


@case(r"empty \(0 bytes\)")
def empty_file(path: Path) -> None:
    path.write_bytes(b"")


@case(r"not an \.xlsx workbook")
def html_table_named_xlsx(path: Path) -> None:
    path.write_text("<html><body><table><tr><td>391</td></tr></table></body></html>", "utf-8")


@case(r"97-2003 \(\.xls\)")
def old_xls_file(path: Path) -> None:
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))


@case(r"not an \.xlsx workbook")
def truncated_download(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@case(r"zip archive named \.xlsx")
def plain_zip_archive(path: Path) -> None:
    path.write_bytes(zip_of({"figures.txt": b"391\n"}))


@case(r"Word document")
def word_document_renamed(path: Path) -> None:
    path.write_bytes(
        zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    )


@case(r"cannot be read")
def damaged_sheet_xml(path: Path) -> None:
    rewrite_zip(
        path,
        lambda name, data: b"<worksheet><sheetData><row" if name.endswith("sheet1.xml") else data,
    )


@case(r"cannot be read")
def missing_workbook_part(path: Path) -> None:
    rewrite_zip(path, lambda name, data: None if name == "xl/workbook.xml" else data)


@case(r"unpacks to \d+ MB")
def unpacks_to_huge_size(path: Path) -> None:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(70 * 1024 * 1024))


# -- the workbook's structure ---------------------------------------------------------------------


@case(r"no unit sheets")
def brand_new_empty_workbook(path: Path) -> None:
    openpyxl.Workbook().save(path)


@case(r"no unit sheets")
def only_meta_left(path: Path) -> None:
    with edit(path) as book:
        for title in [t for t in book.sheetnames if t != "_meta"]:
            del book[title]
        book["_meta"].sheet_state = "visible"


@case(r"no _meta sheet")
def meta_sheet_deleted(path: Path) -> None:
    with edit(path) as book:
        del book["_meta"]


@case(r"not an annual-review collection workbook")
def meta_wrong_format(path: Path) -> str:
    with edit(path) as book:
        book["_meta"]["B1"] = "某某统计表"
    return "_meta!B1"


@case(r"version 3 is not supported")
def meta_newer_version(path: Path) -> str:
    with edit(path) as book:
        book["_meta"]["B2"] = 3
    return "_meta!B2"


@case(r"for region 'jiaxing', not haining")
def meta_wrong_region(path: Path) -> str:
    with edit(path) as book:
        book["_meta"]["B3"] = "jiaxing"
    return "_meta!B3"


@case(r"year '明年' is not a year")
def meta_year_text(path: Path) -> str:
    with edit(path) as book:
        book["_meta"]["B4"] = "明年"
    return "_meta!B4"


@case(r"year 1999 is not a year")
def meta_year_out_of_range(path: Path) -> str:
    with edit(path) as book:
        book["_meta"]["B4"] = 1999
    return "_meta!B4"


@case(r"year None is not a year")
def meta_year_deleted(path: Path) -> str:
    with edit(path) as book:
        book["_meta"].delete_rows(4)
    return "_meta"


@case(r"unknown unit '尖山新区'")
def meta_unknown_unit(path: Path) -> str:
    with edit(path) as book:
        ws = book["_meta"]
        ws.append(["unit", "尖山新区"])
        row = ws.max_row
    return f"_meta!B{row}"


@case(r"'海昌街道' is missing")
def unit_sheet_deleted(path: Path) -> str:
    with edit(path) as book:
        del book["海昌街道"]
    return "海昌街道"


@case(r"not a unit of 海宁市")
def extra_unknown_sheet(path: Path) -> str:
    with edit(path) as book:
        book.create_sheet("Sheet1")["A1"] = "汇总"
    return "Sheet1"


@case(r"not a unit of 海宁市")
def extra_chart_sheet(path: Path) -> str:
    from openpyxl.chart import BarChart, Reference

    with edit(path) as book:
        chart = BarChart()
        chart.add_data(Reference(book["海宁市"], min_col=5, min_row=1, max_row=5))
        book.create_chartsheet("图表").add_chart(chart)
    return "图表"


@case(r"did you mean 袁花镇")
def township_name_variant(path: Path) -> str:
    with edit(path) as book:
        book["袁花镇"].title = "袁花街道"
    return "袁花街道"


@case(r"did you mean 海昌街道")
def sheet_name_with_trailing_space(path: Path) -> str:
    with edit(path) as book:
        book["海昌街道"].title = "海昌街道 "
    return "海昌街道 "


@case(r"did you mean 盐官镇")
def sheet_named_with_city_prefix(path: Path) -> str:
    with edit(path) as book:
        book["盐官镇"].title = "海宁市盐官镇"
    return "海宁市盐官镇"


# -- size limits -------------------------------------------------------------------------------


@case(r"refused: 2500 rows")
def more_than_2000_rows(path: Path) -> str:
    with edit(path) as book:
        book["海宁市"]["G2500"] = "x"
    return "海宁市"


@case(r"refused: \d+ rows × 60 columns")
def more_than_50_columns(path: Path) -> str:
    with edit(path) as book:
        book["海昌街道"].cell(row=2, column=60, value=1)
    return "海昌街道"


@case(r"refused: at least 2001 rows")
def more_than_2000_rows_without_dimension(path: Path) -> str:
    with edit(path) as book:
        ws = book["海宁市"]
        for row in range(60, 3000):
            ws.cell(row=row, column=7, value="备注")
    rewrite_zip(
        path,
        lambda name, data: (
            re.sub(rb"<dimension [^>]*/>", b"", data) if name.startswith("xl/worksheets/") else data
        ),
    )
    return "海宁市"


# -- the header and the table ----------------------------------------------------------------


@case(r"header row changed: expected '本年数值', found '2025年数值'")
def value_header_renamed(path: Path) -> str:
    with edit(path) as book:
        book["海昌街道"][f"F{HEADER_ROW}"] = "2025年数值"
    return f"海昌街道!F{HEADER_ROW}"


@case(r"header row changed: expected '上年数值'")
def value_columns_swapped(path: Path) -> str:
    with edit(path) as book:
        ws = book["许村镇"]
        ws[f"E{HEADER_ROW}"], ws[f"F{HEADER_ROW}"] = "本年数值", "上年数值"
    return f"许村镇!E{HEADER_ROW}"


@case(r"header row changed")
def header_row_deleted(path: Path) -> str:
    with edit(path) as book:
        book["长安镇"].delete_rows(HEADER_ROW)
    return f"长安镇!A{HEADER_ROW}"


@case(r"header row changed: expected nothing, found '备注2'")
def extra_header_column(path: Path) -> str:
    with edit(path) as book:
        book["丁桥镇"][f"I{HEADER_ROW}"] = "备注2"
    return f"丁桥镇!I{HEADER_ROW}"


@case(r"merged cells")
def merged_value_cells(path: Path) -> str:
    with edit(path) as book:
        ws = book["海昌街道"]
        ws["F5"] = 5
        ws.merge_cells("F5:F6")
    return "海昌街道!F5:F6"


@case(r"merged cells")
def merged_header_cells(path: Path) -> str:
    with edit(path) as book:
        book["斜桥镇"].merge_cells(f"A{HEADER_ROW}:B{HEADER_ROW}")
    return f"斜桥镇!A{HEADER_ROW}:B{HEADER_ROW}"


@case(r"is outside the table")
def figure_typed_in_column_h(path: Path) -> str:
    with edit(path) as book:
        ws = book["黄湾镇"]
        row = row_of(ws, "legality_reviews")
        ws[f"I{row}"] = 280
    return f"黄湾镇!I{row}"


@case(r"without an indicator id")
def figure_without_id(path: Path) -> str:
    return append_row(path, "马桥街道", None, "新增指标", 12)


@case(r"unknown indicator id 'mediation_dispute'")
def misspelt_indicator_id(path: Path) -> str:
    return put(path, "海洲街道", "mediation_disputes", "mediation_dispute", column=ID)


@case(r"unknown indicator id '行政调解纠纷'.*mediation_disputes")
def chinese_name_typed_as_id(path: Path) -> str:
    return put(path, "硖石街道", "mediation_disputes", "行政调解纠纷", column=ID)


@case(r"must be the template's text id")
def formula_as_id(path: Path) -> str:
    return put(path, "硖石街道", "villages_total", '="villages_total"', column=ID)


@case(r"is computed \(mediation_settled ÷ mediation_disputes\)")
def derived_rate_row(path: Path) -> str:
    return append_row(path, "海昌街道", "mediation_success_rate", "行政调解成功率", 95)


@case(r"applies to townships \(镇/街道\) only, not to 海宁市")
def township_indicator_in_city_sheet(path: Path) -> str:
    return append_row(path, "海宁市", "legality_reviews", "合法性审查", 5)


@case(r"applies to the city \(县级市\) only, not to 海昌街道")
def city_indicator_in_township_sheet(path: Path) -> str:
    return append_row(path, "海昌街道", "recon_received", "新收行政复议案件", 3)


@case(r"does not match id mediation_settled")
def name_changed_beside_id(path: Path) -> str:
    return put(path, "周王庙镇", "mediation_settled", "行政调解纠纷", column=NAME)


@case(r"duplicate row")
def indicator_row_repeated(path: Path) -> str:
    put(path, "盐官镇", "mediation_disputes", 300)
    return append_row(path, "盐官镇", "mediation_disputes", "行政调解纠纷", 310)


# -- the figures --------------------------------------------------------------------------------


@case(r"'约500' is not an exact number")
def approximate_text(path: Path) -> str:
    return put(path, "海宁市", "enterprise_problems_solved", "约500")


@case(r"'550余' is not an exact number")
def lower_bound_text(path: Path) -> str:
    return put(path, "海宁市", "enterprise_problems_solved", "550余")


@case(r"'无' is not a number")
def word_instead_of_figure(path: Path) -> str:
    return put(path, "丁桥镇", "recon_against", "无")


@case(r"Chinese numerals")
def chinese_numerals(path: Path) -> str:
    return put(path, "海宁市", "recon_received", "三百九十一")


@case(r"text after the number")
def unit_typed_after_number(path: Path) -> str:
    return put(path, "海宁市", "recon_received", "391件")


@case(r"not a well-formed number")
def wrong_thousands_grouping(path: Path) -> str:
    return put(path, "海宁市", "mediation_disputes", "1,49,08")


@case(r"not a well-formed number")
def decimal_comma_percent(path: Path) -> str:
    return put(path, "海宁市", "inspection_reduction", "12,5")


@case(r"'1e3' is not a number")
def scientific_notation_text(path: Path) -> str:
    return put(path, "海宁市", "market_entities", "1e3")


@case(r"'14 908' is not a number")
def space_as_thousands_separator(path: Path) -> str:
    return put(path, "海宁市", "mediation_disputes", "14 908")


@case(r"-3 is negative")
def negative_number(path: Path) -> str:
    return put(path, "海昌街道", "recon_against", -3)


@case(r"'－3' is negative")
def negative_full_width_text(path: Path) -> str:
    return put(path, "海昌街道", "litigation_against", "－3")


@case(r"12\.5 is fractional")
def fractional_count(path: Path) -> str:
    return put(path, "许村镇", "legality_reviews", 12.5)


@case(r"'12\.5' is fractional")
def fractional_count_as_text(path: Path) -> str:
    return put(path, "许村镇", "empowered_items", "12.5")


@case(r"'45%' is a percentage, but 行政调解成功 is a count")
def percent_text_in_count(path: Path) -> str:
    put(path, "长安镇", "mediation_disputes", 100)
    return put(path, "长安镇", "mediation_settled", "45%")


@case(r"formatted as a percentage")
def percent_formatted_count(path: Path) -> str:
    with edit(path) as book:
        ws = book["海宁市"]
        row = row_of(ws, "law_study_sessions")
        ws[f"F{row}"] = 0.45
        ws[f"F{row}"].number_format = "0%"
    return f"海宁市!F{row}"


@case(r"formula '=1\+1': formulas are not accepted")
def formula_in_value(path: Path) -> str:
    return put(path, "海宁市", "law_study_sessions", "=1+1")


@case(r"formula '=SUM\(F2:F3\)'")
def sum_formula_in_value(path: Path) -> str:
    return put(path, "海宁市", "exam_takers", "=SUM(F2:F3)")


@case(r"formula in 来源/备注")
def formula_in_source(path: Path) -> str:
    put(path, "海宁市", "ip_rules", 3)
    return put(path, "海宁市", "ip_rules", "=A1", column="G")


@case(r"TRUE/FALSE")
def boolean_value(path: Path) -> str:
    return put(path, "斜桥镇", "villages_total", True)


@case(r"is a date or time, not a number")
def date_value(path: Path) -> str:
    return put(path, "斜桥镇", "villages_with_adviser", datetime(2025, 3, 1))


@case(r"Excel error '#DIV/0!'")
def excel_error_value(path: Path) -> str:
    return put(path, "黄湾镇", "empowered_items", "#DIV/0!")


# -- figures that contradict each other -------------------------------------------------------


@case(r"larger than its whole mediation_disputes")
def part_larger_than_whole(path: Path) -> str:
    put(path, "海昌街道", "mediation_disputes", 10)
    return put(path, "海昌街道", "mediation_settled", 20)


@case(r"larger than its whole recon_closed")
def corrections_larger_than_closed(path: Path) -> str:
    put(path, "海宁市", "recon_closed", "300")
    return put(path, "海宁市", "recon_corrected", "３０１")


@case(r"differs from the sum of the townships' legality_reviews")
def city_total_not_sum_of_townships(path: Path) -> str:
    with edit(path) as book:
        for ws in book.worksheets:
            if ws.title not in ("说明", "海宁市", "_meta"):
                ws[f"F{row_of(ws, 'legality_reviews')}"] = 10
        ws = book["海宁市"]
        row = row_of(ws, "township_legality_reviews")
        ws[f"F{row}"] = 999
    return f"海宁市!F{row}"


# -- what nobody can see, and macros ------------------------------------------------------------


@case(r"sheet '海昌街道' is hidden: figures nobody can see are not imported")
def unit_sheet_hidden(path: Path) -> str:
    with edit(path) as book:
        book["海昌街道"].sheet_state = "hidden"
    return "海昌街道"


@case(r"sheet '许村镇' is very hidden \(veryHidden\)")
def unit_sheet_very_hidden(path: Path) -> str:
    with edit(path) as book:
        book["许村镇"].sheet_state = "veryHidden"
    return "许村镇"


@case(r"sheet '备用' is hidden")
def extra_hidden_sheet(path: Path) -> str:
    with edit(path) as book:
        ws = book.create_sheet("备用")
        ws["A1"] = 5
        ws.sheet_state = "hidden"
    return "备用"


@case(r"hidden rows \d+ in the table")
def figure_in_hidden_row(path: Path) -> str:
    with edit(path) as book:
        ws = book["长安镇"]
        row = row_of(ws, "legality_reviews")
        ws[f"F{row}"] = 40
        ws.row_dimensions[row].hidden = True
    return "长安镇: hidden rows"


@case(r"hidden columns D:E in the table")
def hidden_columns_in_table(path: Path) -> str:
    with edit(path) as book:
        book["丁桥镇"].column_dimensions.group("D", "E", hidden=True)
    return "丁桥镇: hidden columns"


@case(r"hidden columns G in the table")
def source_column_hidden(path: Path) -> str:
    with edit(path) as book:
        book["斜桥镇"].column_dimensions["G"].hidden = True
    return "斜桥镇: hidden columns"


@case(r"contains macros \(xl/vbaProject\.bin\)")
def macro_part_in_package(path: Path) -> None:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a VBA project")


# -- figures marked not applicable --------------------------------------------------------------


@case(r"marked 'n/a' without a reason; write why .* \(黄湾镇!G\d+\)")
def not_applicable_without_reason(path: Path) -> str:
    return put(path, "黄湾镇", "empowered_items", "n/a")


@case(r"marked '不适用' without a reason")
def not_applicable_in_chinese_without_reason(path: Path) -> str:
    put(path, "海宁市", "ip_rules", "   ", column="G")
    return put(path, "海宁市", "ip_rules", "不适用")
