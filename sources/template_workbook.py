"""The sector statistics template as files: the columns users see, and the writers of
the shipped example templates and of the data requests (`greenstat request-data`).

Both spellings of the headers are accepted by ``sources.sector_template``; the CSV uses
the English ones, the workbook the Chinese ones below a title row.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

COLUMNS = (
    ("region", "地区", "Region: ISO code (CN-BJ), GB/T 2260 code (110000) or name (北京, 北京市)"),
    ("year", "年份", "Year the figure refers to (YYYY)"),
    ("period", "时期", "Optional: YYYY-MM for a sub-annual figure; 2016-2020 (or 十三五) for a "
     "change over a span of years"),
    ("indicator", "指标", "Indicator code (energy_consumption_total) or name (能源消费总量); a "
     "change rate as published (规模以上工业单位增加值能耗比上年下降)"),
    ("value", "数值", "The figure as printed, may carry its unit (3.7亿千瓦); —, … = missing; "
     "约20 / 180以上 are kept as a rounding / bound"),
    ("unit", "单位", "Unit as printed (万吨标准煤, 亿千瓦时, %); blank if the value carries it"),
    ("price_basis", "价格口径", "Optional, for intensities and growth: 可比价, 2020年价格 or "
     "当年价"),
    ("source", "来源", "Publication, table and page (or URL) the figure was copied from"),
    ("vintage", "版本", "Release of the figure: YYYY, YYYY-MM or YYYY-MM-DD"),
    ("data_kind", "数据类型", "Optional: official (default), derived or demo"),
    ("notes", "备注", "Optional: anything a reader should know (revised, preliminary ...)"),
)  # fmt: skip
FIELDS = tuple(en for en, _, _ in COLUMNS)
TEXT_COLUMNS = ("region", "year", "period", "value", "vintage")  # kept as typed, not dates
_WIDTHS = {"indicator": 36, "source": 48, "notes": 60, "price_basis": 12, "unit": 14}
TITLE = "绿色低碳统计数据录入模板 Sector statistics template (greenstat ingest FILE)"


def write_csv(path: Path, rows: Sequence[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows([[r.get(f, "") for f in FIELDS] for r in rows])


def write_xlsx(path: Path, rows: Sequence[dict[str, str]], title: str = TITLE) -> None:
    """The workbook: a title row, the Chinese headers, the rows, and a help sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "数据 data"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([zh for _, zh, _ in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(f, "") for f in FIELDS])
    last = max(500, len(rows) + 100)
    for i, field in enumerate(FIELDS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _WIDTHS.get(field, 10)
        if field in TEXT_COLUMNS:  # Excel keeps 2020-10 and 2024-03-20 as typed
            for r in range(3, last + 1):
                ws[f"{letter}{r}"].number_format = "@"
        if field == "data_kind":
            kinds = DataValidation(
                type="list", formula1='"official,derived,demo"', allow_blank=True
            )
            kinds.add(f"{letter}3:{letter}{last}")
            ws.add_data_validation(kinds)
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
