"""Write sector_statistics_template.csv and .xlsx from one list of example rows.

Run from the repository root: ``.venv/bin/python sources/templates/build_templates.py``.
The CSV uses the English headers, the workbook the Chinese ones below a title row (both
are accepted), so each file also shows users one of the two spellings. Example rows are
``demo`` figures: ingested by mistake, they are never shown as official.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
COLUMNS = (
    ("region", "地区", "Region: ISO code (CN-BJ), GB/T 2260 code (110000) or name (北京, 北京市)"),
    ("year", "年份", "Year the figure refers to (YYYY)"),
    ("period", "时期", "Optional: YYYY-MM for a sub-annual figure (e.g. January-October)"),
    ("indicator", "指标", "Indicator code (energy_consumption_total) or name (能源消费总量)"),
    ("value", "数值", "The figure as printed, may carry its unit (3.7亿千瓦); —, … = missing"),
    ("unit", "单位", "Unit as printed (万吨标准煤, 亿千瓦时, %); blank if the value carries it"),
    ("source", "来源", "Publication, table and page (or URL) the figure was copied from"),
    ("vintage", "版本", "Release of the figure: YYYY, YYYY-MM or YYYY-MM-DD"),
    ("data_kind", "数据类型", "Optional: official (default), derived or demo"),
    ("notes", "备注", "Optional: anything a reader should know (revised, preliminary ...)"),
)
_EXAMPLE = "示例行 example row: illustrative figure; replace or delete before use"
EXAMPLES = (
    ("北京", "2023", "", "规模以上工业单位增加值能耗", "0.25", "吨标准煤/万元",
     "示例 example: publication, table and page (《北京统计年鉴》 表号, 页码)", "2024", "demo",
     _EXAMPLE),
    ("CN-BJ", "2023", "", "能源消费总量", "7000", "万吨标准煤",
     "示例 example: publication, table and page", "2024-09", "demo", _EXAMPLE),
    ("500000", "2023", "", "electricity_consumption", "1600", "亿千瓦时",
     "示例 example: communiqué (统计公报) and its date", "2024-03-20", "demo",
     f"{_EXAMPLE}; region as a GB/T 2260 code, indicator as a code"),
    ("全国", "2020", "2020-10", "风电装机容量", "2.3亿千瓦", "",
     "示例 example: briefing (中电联 电力工业运行简况) and its URL", "2020-11", "demo",
     f"{_EXAMPLE}; the value carries its unit, so unit is blank; period for January-October"),
)  # fmt: skip
TITLE = "绿色低碳统计数据录入模板 Sector statistics template (greenstat ingest FILE)"


def write_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([en for en, _, _ in COLUMNS])
        writer.writerows(EXAMPLES)


def write_xlsx(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据 data"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([zh for _, zh, _ in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in EXAMPLES:
        ws.append(list(row))
    # Text cells, so Excel keeps 2020-10 and 2024-03-20 as typed instead of making dates.
    for col in ("A", "B", "C", "E", "H"):
        for r in range(3, 501):
            ws[f"{col}{r}"].number_format = "@"
    kinds = DataValidation(type="list", formula1='"official,derived,demo"', allow_blank=True)
    kinds.add("I3:I500")
    ws.add_data_validation(kinds)
    for col, width in zip("ABCDEFGHIJ", (10, 8, 9, 30, 12, 14, 48, 12, 10, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    help_ws = wb.create_sheet("说明 help")
    help_ws.append(["列 column", "英文表头 English header", "说明 meaning"])
    for en, zh, meaning in COLUMNS:
        help_ws.append([zh, en, meaning])
    help_ws.append([])
    help_ws.append(["Only the first sheet is read. See docs/sector_template.md."])
    for col, width in zip("ABC", (12, 22, 90), strict=True):
        help_ws.column_dimensions[col].width = width
    wb.save(path)


if __name__ == "__main__":
    write_csv(HERE / "sector_statistics_template.csv")
    write_xlsx(HERE / "sector_statistics_template.xlsx")
    print(f"wrote the templates to {HERE}")
