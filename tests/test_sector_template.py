"""The sector statistics template (CSV and XLSX) and the CEC briefing, ingested as users do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from greenstat.settings import PROJECT_ROOT
from sources.cec_briefing import KIND_CEC, parse_cec, period_of, sniff_cec
from sources.ingest import IngestOptions, detect_kind
from sources.sector_template import KIND_TEMPLATE, TEMPLATES_DIR, parse_template
from sources.units import parse_unit
from tests.conftest import greenstat, query

TEMPLATE_CSV = TEMPLATES_DIR / "sector_statistics_template.csv"
TEMPLATE_XLSX = TEMPLATES_DIR / "sector_statistics_template.xlsx"
CEC_FILE = "cec_briefings/2020年1-10月份电力工业运行简况.csv"

ACCOUNTING = """
    SELECT f.original_name FROM raw.files f
    LEFT JOIN (SELECT archive_sha256, count(*) n FROM staging.observations GROUP BY 1) o
           ON o.archive_sha256 = f.sha256
    LEFT JOIN (SELECT archive_sha256, sum(cells) n FROM quality.quarantine GROUP BY 1) q
           ON q.archive_sha256 = f.sha256
    WHERE f.cells_in <> f.rows_loaded + f.rows_quarantined + f.cells_missing
       OR coalesce(o.n, 0) <> f.rows_loaded OR coalesce(q.n, 0) <> f.rows_quarantined"""


def _observations(home: Path, source_id: str) -> dict[tuple[str, str, str], tuple]:
    rows = query(
        home,
        "SELECT region_code, indicator_code, period, value, unit, data_kind, vintage "
        "FROM staging.observations WHERE source_id = ?",
        [source_id],
    )
    return {(r, i, p): tuple(rest) for r, i, p, *rest in rows}


# --------------------------------------------------------------------------- shipped templates


def test_both_shipped_templates_ingest_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = greenstat("ingest", str(TEMPLATE_CSV), str(TEMPLATE_XLSX), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"kind {KIND_TEMPLATE}, 5 rows loaded, 0 rows quarantined") == 2
    obs = _observations(home, KIND_TEMPLATE)
    # Both files hold the same five example rows (one observation each per file).
    assert len(obs) == 5
    # 规模以上工业单位增加值能耗比上年下降 3.2 (%): the change rate, signed
    assert obs[("CN-CQ", "energy_intensity_industry_change", "2023")] == (
        -3.2,
        "percent",
        "demo",
        "2024-03",
    )
    assert obs[("CN-BJ", "energy_intensity_industry", "2023")] == (
        0.25,
        "tce/10k yuan",
        "demo",
        "2024",
    )
    assert obs[("CN-BJ", "energy_consumption_total", "2023")][:2] == (70000000.0, "tce")
    assert obs[("CN-CQ", "electricity_consumption", "2023")][:2] == (160000000000.0, "kWh")
    assert obs[("CN", "wind_capacity", "2020-10")] == (230000000.0, "kW", "demo", "2020-11")
    assert query(home, ACCOUNTING) == []


def test_template_examples_are_marked_as_examples() -> None:
    for path in (TEMPLATE_CSV, TEMPLATE_XLSX):
        parsed = parse_template(path, IngestOptions())
        assert {c.data_kind for c in parsed.candidates} == {"demo"}
        assert all("example" in c.citation for c in parsed.candidates)
    assert parse_template(TEMPLATE_XLSX, IngestOptions()).meta["notes"] == ["header at row 2"]


# --------------------------------------------------------------------------- a mixed-unit file

MIXED = """地区,年份,时期,指标,数值,单位,来源,版本,数据类型,备注
全国,2020,2020-10,hydro_capacity,3.7亿千瓦,,中电联简况,2020-11,,
全国,2020,2020-10,燃气发电装机容量,9713万千瓦,万千瓦,中电联简况,2020-11,,
北京,2023,,工业用水重复利用率,12.5%,,北京统计年鉴,2024,,
北京,2023,,工业固废综合利用量,"1,234.5 万吨",,北京统计年鉴,2024,,
重庆,2023,,能源消费总量,—,万吨标准煤,重庆统计年鉴,2024,,
北京,,,能源消费总量,7000,万吨标准煤,北京统计年鉴,2024,,
北京,2023,,能源消费总量,7000,万吨标准煤,北京统计年鉴,24年,,
北京,2022,,能源消费总量,7000,万吨,北京统计年鉴,2024,,
北京,2021,,能源消费总量,7000,公顷,北京统计年鉴,2024,,
全国,2020,2020-10,风电装机容量,2.3亿千瓦,万千瓦,中电联简况,2020-11,,
全国,2020,2020-10,核电装机容量,约5000万千瓦,,中电联简况,2020-11,,
北京,2020,,能源消费总量,6762,万吨标准煤,北京统计年鉴,2021,guess,
北京,2019,,能源消费总量,6938,万吨标准煤,,2020,,
全国,2021,2020-12,wind_capacity,2.8亿千瓦,,中电联简况,2021-01,,
石家庄,2023,,能源消费总量,100,万吨标准煤,河北统计年鉴,2024,,
北京,2023,,no_such_indicator,1,万吨,北京统计年鉴,2024,,
北京,2023,,能源消费总量,7000,,北京统计年鉴,2024,,
"""

EXPECTED_REASONS = {
    7: "year (年份): empty",
    8: "vintage (版本): '24年' is not YYYY, YYYY-MM or YYYY-MM-DD",
    9: "unit '万吨' is t, but energy_consumption_total is measured in tce",
    10: "unknown unit '公顷'",
    11: "value (数值): '2.3亿千瓦' carries '亿千瓦' but unit (单位) says '万千瓦'",
    13: "data_kind (数据类型): 'guess' is not one of official, derived, demo",
    14: "source (来源): empty",
    15: "period (时期): '2020-12' is not in year 2021",
    16: "unknown region '石家庄'",
    17: "unknown indicator 'no_such_indicator'",
    18: "unit (单位): empty, and value '7000' carries none",
}


def test_mixed_unit_file_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "briefing_figures.csv"
    path.write_text(MIXED, encoding="utf-8-sig")
    home = tmp_path / "home"
    result = greenstat("ingest", str(path), home=home)
    assert result.returncode == 0, result.stderr
    counts = "5 rows loaded, 11 rows quarantined, 1 cells marked missing"
    assert counts in result.stdout, result.stdout
    obs = _observations(home, KIND_TEMPLATE)
    assert obs == {
        ("CN", "hydro_capacity", "2020-10"): (370000000.0, "kW", "official", "2020-11"),
        ("CN", "gas_capacity", "2020-10"): (97130000.0, "kW", "official", "2020-11"),
        ("CN-BJ", "industrial_water_reuse_rate", "2023"): (12.5, "percent", "official", "2024"),
        ("CN-BJ", "industrial_solid_waste_utilized", "2023"): (12345000.0, "t", "official", "2024"),
        # 约5000万千瓦: staged as the rounding it is, never as an exact figure (decision 31)
        ("CN", "nuclear_capacity", "2020-10"): (50000000.0, "kW", "official", "2020-11"),
    }
    qualified = query(
        home,
        "SELECT indicator_code, qualifier FROM staging.observations WHERE qualifier IS NOT NULL",
    )
    assert qualified == [("nuclear_capacity", "about")]
    written = query(
        home,
        "SELECT value_as_written, unit_as_written FROM staging.observations "
        "WHERE indicator_code = 'hydro_capacity'",
    )
    assert written == [("3.7亿千瓦", "亿千瓦")]
    reasons = dict(query(home, "SELECT source_row, reason FROM quality.quarantine"))
    assert set(reasons) == set(EXPECTED_REASONS)
    for row, expected in EXPECTED_REASONS.items():
        assert reasons[row].startswith(expected), (row, reasons[row])
        assert "\n" not in reasons[row]
    assert query(home, ACCOUNTING) == []


def test_year_may_come_from_the_period_and_options_fill_blanks(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "region,year,period,indicator,value,unit,source,vintage\n"
        ",,2020-10,wind_capacity,2.3亿千瓦,,CEC,\n"
        "CN,2020,2020年9月,wind_capacity,2.2亿千瓦,,CEC,2020-10\n",
        encoding="utf-8",
    )
    parsed = parse_template(path, IngestOptions(region="CN", vintage="2020-11"))
    got = [(c.region_label, c.year, c.period, c.vintage) for c in parsed.candidates]
    assert got == [("CN", 2020, "2020-10", "2020-11"), ("CN", 2020, "2020-09", "2020-10")]
    assert parse_template(path, IngestOptions()).rejects[0].reason.startswith("region (地区)")


def test_gb18030_csv_with_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    text = "region,year,indicator,value,unit,source,vintage,notes\r\n"
    text += "北京市,2023,能源消费总量,7000,万吨标准煤,《北京统计年鉴2024》,2024,初步数\r\n"
    path.write_bytes(text.encode("gb18030"))
    assert detect_kind(path) == KIND_TEMPLATE
    parsed = parse_template(path, IngestOptions())
    assert parsed.meta["encoding"] == "gb18030"
    (c,) = parsed.candidates
    assert (c.region_label, c.indicator, c.value, c.unit_as_written) == (
        "北京市",
        "能源消费总量",
        7000.0,
        "万吨标准煤",
    )
    assert c.citation == "《北京统计年鉴2024》 (初步数)" and not c.by_code


def test_xlsx_with_title_row_dates_and_numbers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["重庆市2023年能源数据"])
    ws.append([])
    ws.append(["地区", "年份", "指标", "数值", "单位", "来源", "版本", "备注", "审核人"])
    ws.append(["重庆", 2023, "能源消费总量", 8123.45, "万吨标准煤", "重庆统计年鉴", 2024, ""])
    ws.append(["500000", 2023, "全社会用电量", "1,600.5", "亿千瓦时", "公报", dt.date(2024, 3, 20)])
    ws.append([])
    ws.append(["CN-CQ", 2023, "工业增加值", "…", "亿元", "公报", 2024])
    path = tmp_path / "重庆.xlsx"
    wb.save(path)
    assert detect_kind(path) == KIND_TEMPLATE
    parsed = parse_template(path, IngestOptions())
    got = [(c.source_row, c.value, c.vintage, c.column) for c in parsed.candidates]
    assert got == [(4, 8123.45, "2024", "数值"), (5, 1600.5, "2024-03-20", "数值")]
    assert (parsed.cells_in, parsed.cells_missing, parsed.rejects) == (3, 1, [])
    assert parsed.meta["notes"] == [
        "header at row 3",
        "columns ignored (not template columns): 审核人",
    ]


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("region,year,indicator,value,unit,vintage", "has no source (来源) column"),
        ("地区,年份,指标,数值,来源,region", "column region (地区) appears twice"),
    ],
)
def test_unusable_header_is_refused_in_one_line(tmp_path: Path, header: str, says: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n北京,2023,能源消费总量,1,x,y\n", encoding="utf-8")
    home = tmp_path / "home"
    result = greenstat("ingest", str(path), home=home)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.csv" in lines[0] and says in lines[0], result.stderr


@pytest.mark.shared_data
def test_nbs_workbooks_are_not_claimed_by_the_template(nbs_dir: Path) -> None:
    assert detect_kind(nbs_dir / "data-collection_xls" / "分省年度数据.xls") == "nbs_portal_export"


# --------------------------------------------------------------------------- CEC briefing


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2020年1-10月份电力工业运行简况", (2020, "2020-10", "2020-11")),
        ("2020年1—12月份电力工业运行简况", (2020, "2020-12", "2021-01")),
        ("2021年3月份电力工业运行简况", (2021, "2021-03", "2021-04")),
        ("2019年电力工业运行简况", (2019, "2019", "2020")),
        ("电力工业运行简况", None),
        ("2020年1-13月份", None),
        ("2020年全年电力工业运行简况", (2020, "2020", "2021")),
        ("2020年上半年电力工业运行简况", None),
        ("2020年一季度电力工业运行简况", None),
        ("2020年前三季度电力工业运行简况", None),
        ("2020年10-12月电力工业运行简况", None),
    ],
)
def test_cec_period_from_title(title: str, expected: tuple[int, str, str] | None) -> None:
    assert period_of(title) == expected


def test_cec_bad_rows_are_rejected_with_the_column(tmp_path: Path) -> None:
    path = tmp_path / "cec.csv"
    path.write_text(
        "data,sector,source,title\n"
        "3.7亿千瓦,水电,https://cec.org.cn/x,2020年1-10月份电力工业运行简况\n"
        "3.1亿千瓦,抽水蓄能,https://cec.org.cn/x,2020年1-10月份电力工业运行简况\n"
        "4989,核电,https://cec.org.cn/x,2020年1-10月份电力工业运行简况\n"
        "2.3亿千瓦,风电,https://cec.org.cn/x,电力工业运行简况\n"
        "—,太阳能发电,https://cec.org.cn/x,2020年1-10月份电力工业运行简况\n",
        encoding="utf-8",
    )
    assert sniff_cec(path.read_bytes()) and detect_kind(path) == KIND_CEC
    parsed = parse_cec(path, IngestOptions(vintage="2020-11-20"))
    assert [(c.indicator, c.value, c.vintage) for c in parsed.candidates] == [
        ("hydro_capacity", 3.7, "2020-11-20")
    ]
    got = [(r.source_row, r.column, r.reason.split(" (")[0]) for r in parsed.rejects]
    assert got == [
        (3, "sector", "sector '抽水蓄能' is not mapped"),
        (4, "data", "data '4989' carries no unit"),
        (5, "title", "title '电力工业运行简况' names no period"),
    ]
    assert (parsed.cells_in, parsed.cells_missing) == (5, 1)


@pytest.mark.shared_data
def test_cec_real_briefing(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = greenstat("ingest", str(shared_data / CEC_FILE), home=home)
    assert result.returncode == 0, result.stderr
    assert f"kind {KIND_CEC}, 7 rows loaded, 0 rows quarantined" in result.stdout, result.stdout
    obs = _observations(home, KIND_CEC)
    assert len(obs) == 7
    assert obs[("CN", "hydro_capacity", "2020-10")] == (3.7e8, "kW", "official", "2020-11")
    assert obs[("CN", "gas_capacity", "2020-10")] == (9.713e7, "kW", "official", "2020-11")
    assert obs[("CN", "thermal_capacity", "2020-10")][0] == 1.23e9
    citation = query(
        home, "SELECT citation FROM staging.observations WHERE indicator_code = 'hydro_capacity'"
    )[0][0]
    assert "https://cec.org.cn/detail/index.html?3-290554" in citation
    assert "2020年1-10月份电力工业运行简况" in citation
    assert query(home, ACCOUNTING) == []


def test_units_listed_in_the_guide_convert_as_it_says() -> None:
    doc = (PROJECT_ROOT / "docs" / "sector_template.md").read_text(encoding="utf-8")
    table = doc.split("| Unit as written |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert len(table) > 20
    for line in table:
        unit, canonical, factor = (c.strip() for c in line.strip("|").split("|"))
        conv = parse_unit(unit)
        expected = 10 ** int(factor.split("^")[1]) if "^" in factor else int(factor)
        assert (conv.canonical, conv.factor) == (canonical, expected), unit
