"""Write sector_statistics_template.csv and .xlsx from one list of example rows.

Run from the repository root: ``.venv/bin/python sources/templates/build_templates.py``.
Example rows are ``demo`` figures: ingested by mistake, they are never shown as official.
"""

from __future__ import annotations

from pathlib import Path

from sources.template_workbook import FIELDS, write_csv, write_xlsx

HERE = Path(__file__).resolve().parent
_EXAMPLE = "示例行 example row: illustrative figure; replace or delete before use"
_ROWS = (
    ("北京", "2023", "", "规模以上工业单位增加值能耗", "0.25", "吨标准煤/万元", "2020年价格",
     "示例 example: publication, table and page (《北京统计年鉴》 表号, 页码)", "2024", "demo",
     _EXAMPLE),
    ("CN-BJ", "2023", "", "能源消费总量", "7000", "万吨标准煤", "",
     "示例 example: publication, table and page", "2024-09", "demo", _EXAMPLE),
    ("500000", "2023", "", "electricity_consumption", "1600", "亿千瓦时", "",
     "示例 example: communiqué (统计公报) and its date", "2024-03-20", "demo",
     f"{_EXAMPLE}; region as a GB/T 2260 code, indicator as a code"),
    ("全国", "2020", "2020-10", "风电装机容量", "2.3亿千瓦", "", "",
     "示例 example: briefing (中电联 电力工业运行简况) and its URL", "2020-11", "demo",
     f"{_EXAMPLE}; the value carries its unit, so unit is blank; period for January-October"),
    ("重庆", "2023", "", "规模以上工业单位增加值能耗比上年下降", "3.2", "%", "可比价",
     "示例 example: 重庆市国民经济和社会发展统计公报, 能源 section", "2024-03", "demo",
     f"{_EXAMPLE}; a change rate as the communiqué states it: 下降 3.2% is stored as -3.2"),
)  # fmt: skip
EXAMPLES = [dict(zip(FIELDS, row, strict=True)) for row in _ROWS]


if __name__ == "__main__":
    write_csv(HERE / "sector_statistics_template.csv", EXAMPLES)
    write_xlsx(HERE / "sector_statistics_template.xlsx", EXAMPLES)
    print(f"wrote the templates to {HERE}")
