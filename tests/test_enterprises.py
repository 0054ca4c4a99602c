"""Issue 5: MIIT green manufacturing lists, enterprise filings, their marts and checks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from sources.archive import archive_file
from sources.errors import SourceFormatError
from sources.extracts.build_miit_extract import build_extract, build_notices
from sources.filing_columns import FILING_HEADER
from sources.ingest import detect_kind, ingest_file
from tests.conftest import greenstat, query
from warehouse.build import refresh_years
from warehouse.enterprises import build_enterprises, build_green_manufacturing
from warehouse.marts import build_indicator_values

EXTRACTS = Path(__file__).resolve().parent.parent / "sources" / "extracts"
GOOD = "91110000600037341L"  # a real code: both check characters hold
GOOD_CQ = "91500000202804007F"  # built with sources.credit_code.make_code


def _filing(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "credit_code": GOOD,
        "enterprise_name": "北京示例制造有限公司",
        "region_code": "110105",
        "industry_code": "C3011",
        "year": 2023,
        "energy_tce": 12000,
        "electricity_kwh": 5_000_000,
        "green_electricity_kwh": 1_000_000,
        "coal_t": 3000,
        "natural_gas_m3": "",
        "oil_t": "",
        "heat_gj": "",
        "new_water_m3": 100_000,
        "reused_water_m3": 900_000,
        "value_added_yuan": 50_000_000,
        "co2_t": 30_000,
        "env_grade": "A",
    }
    row.update(over)
    return row


def _write_csv(path: Path, rows: list[dict[str, object]], header: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header or FILING_HEADER)
        for r in rows:
            w.writerow([r.get(c, "") for c in FILING_HEADER])
    return path


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, tmp_path: Path):
    return ingest_file(con, path, tmp_path / "archive")


def _reasons(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return dict(
        con.execute("SELECT source_row, reason FROM quality.quarantine ORDER BY 1").fetchall()
    )


# --- filings: every rule, every row accounted for ---------------------------------------

BAD_ROWS = {
    3: (_filing(credit_code="91110000600037342L"), "organisation code check character"),
    4: (_filing(credit_code="91110000600037341K"), "check character 'K' should be 'L' (GB 32100)"),
    5: (_filing(region_code="119999"), "is not a GB/T 2260 code"),
    6: (_filing(region_code="110103", year=2015), "was not in use in 2015"),
    7: (_filing(industry_code="D3011"), "is not a GB/T 4754-2017"),
    8: (_filing(year=2999), "year 2999 is in the future"),
    9: (_filing(coal_t=-1), "coal_t is negative"),
    10: (_filing(green_electricity_kwh=6_000_000), "green_electricity_kwh exceeds electricity_kwh"),
    11: (_filing(env_grade="E"), "env_grade 'E' is not one of A, B, B-, C, D"),
    12: (_filing(energy_tce=13000), "second filing for 91110000600037341L 2023 with different"),
    13: (_filing(), "repeats the filing for 91110000600037341L 2023 at row 2"),
    14: (_filing(electricity_kwh="12a"), 'converting column "electricity_kwh". Could not convert'),
    15: (_filing(energy_tce=""), "energy_tce is empty"),
}


def test_good_rows_staged_bad_rows_quarantined_with_reasons(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [_filing()] + [r for r, _ in BAD_ROWS.values()]
    rows.append(_filing(credit_code=GOOD_CQ, region_code="500105", year=2022, env_grade="b级"))
    path = _write_csv(tmp_path / "filings.csv", rows)
    assert detect_kind(path) == "enterprise_filing"
    result = _ingest(con, path, tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (15, 2, 13)
    reasons = _reasons(con)
    for row, (_, expected) in BAD_ROWS.items():
        assert expected in reasons[row], (row, reasons[row])
    staged = con.execute(
        "SELECT credit_code, year, region_code, province_code, industry_division, env_grade, "
        "provenance FROM staging.enterprise_filings ORDER BY year"
    ).fetchall()
    assert [s[:6] for s in staged] == [
        (GOOD_CQ, 2022, "CN-CQ", "CN-CQ", "C30", "B"),
        (GOOD, 2023, "CN-BJ", "CN-BJ", "C30", "A"),
    ]
    assert staged[1][6] == f"sha256:{result.sha256}#row=2"
    # Raw values kept as read, for the row a statistician has to fix.
    # A record the reader cannot type keeps its line as written; others their values.
    raw = dict(con.execute("SELECT source_row, raw_values FROM quality.quarantine").fetchall())
    assert ",12a," in raw[14]
    assert json.loads(raw[9])["coal_t"] == -1


def test_a_row_lists_every_rule_it_breaks(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = _filing(coal_t=-5, env_grade="Z", region_code="12345", credit_code="91110000600037342L")
    _ingest(con, _write_csv(tmp_path / "f.csv", [bad]), tmp_path)
    reason = _reasons(con)[2]
    for part in ("coal_t is negative", "env_grade 'Z'", "is not six digits", "(GB 11714)"):
        assert part in reason


@pytest.mark.parametrize("coal", [3000, "N/A"], ids=["text-columns-only", "number-column-too"])
def test_missing_value_markers_are_missing_not_values(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, coal: object
) -> None:
    """A marker in a text column is cleared in SQL; one in a number column makes the fast
    read fail and the file is read again with the reader matching markers itself."""
    rows = [
        _filing(year=2021, industry_code="—", coal_t=coal),
        _filing(year=2022, env_grade="N/A", coal_t=coal),
        _filing(year=2023, enterprise_name="NULL"),
    ]
    result = _ingest(con, _write_csv(tmp_path / "f.csv", rows), tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (3, 1, 2)
    reasons = _reasons(con)
    assert reasons[2] == "industry_code is empty"
    assert reasons[4] == "enterprise_name is empty"
    ((grade, coal_t),) = con.execute(
        "SELECT env_grade, coal_t FROM staging.enterprise_filings"
    ).fetchall()
    assert grade is None and coal_t == (None if coal == "N/A" else 3000)


def test_rows_in_equal_staged_plus_quarantined_also_for_malformed_lines(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "f.csv", [_filing(year=y) for y in (2019, 2020, 2021)])
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(2, "91110000600037341L,too,few")  # record 3 is malformed
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = _ingest(con, path, tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    assert "malformed record" in _reasons(con)[3]
    # Rows after the malformed one keep their own record numbers.
    assert con.execute(
        "SELECT year, source_row FROM staging.enterprise_filings ORDER BY year"
    ).fetchall() == [(2019, 2), (2020, 4), (2021, 5)]


def test_rows_after_consecutive_malformed_lines_keep_their_numbers(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "f.csv", [_filing(year=y) for y in (2019, 2020, 2021)])
    text = path.read_text(encoding="utf-8").splitlines()
    text[2:2] = ["91110000600037341L,too,few", "x,y"]  # records 3 and 4 are malformed
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    _ingest(con, path, tmp_path)
    assert con.execute(
        "SELECT year, source_row FROM staging.enterprise_filings ORDER BY year"
    ).fetchall() == [(2019, 2), (2020, 5), (2021, 6)]
    ((rows_in, loaded, quarantined, n_staged, n_quarantined),) = con.execute(
        "SELECT cells_in, rows_loaded, rows_quarantined, "
        "(SELECT count(*) FROM staging.enterprise_filings), "
        "(SELECT count(*) FROM quality.quarantine) FROM raw.files"
    ).fetchall()
    assert rows_in == loaded + quarantined == n_staged + n_quarantined


def test_a_second_file_cannot_file_the_same_enterprise_year_again(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _ingest(con, _write_csv(tmp_path / "a.csv", [_filing()]), tmp_path)
    _ingest(
        con,
        _write_csv(
            tmp_path / "b.csv",
            [_filing(energy_tce=1), _filing(year=2022), _filing(industry_code="3011")],
        ),
        tmp_path,
    )
    reasons = _reasons(con)
    assert reasons[2] == (
        f"second filing for {GOOD} 2023 with different figures (first staged from a.csv row 2)"
    )
    # The same figures (the industry written without its section letter is the same code).
    assert reasons[4] == f"repeats the filing for {GOOD} 2023 already staged from a.csv row 2"
    # Row 4 also repeats row 2 of its own file: still one quarantine row, one reason.
    assert con.execute(
        "SELECT count(*), count(DISTINCT source_row) FROM quality.quarantine "
        "WHERE source_file = 'b.csv'"
    ).fetchall() == [(2, 2)]
    assert con.execute("SELECT count(*) FROM staging.enterprise_filings").fetchall() == [(2,)]
    # Re-ingesting the first file is idempotent: still one filing for 2023.
    _ingest(con, tmp_path / "a.csv", tmp_path)
    assert con.execute(
        "SELECT count(*) FROM staging.enterprise_filings WHERE year = 2023"
    ).fetchall() == [(1,)]


CHINESE_HEADER = [
    "统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "年份",
    "综合能源消费量(吨标准煤)", "电力消费量(万千瓦时)", "绿色电力消费量(万千瓦时)",
    "煤炭消费量(万吨)", "天然气消费量(立方米)", "油品消费量(吨)", "热力消费量(吉焦)",
    "新鲜水取用量(立方米)", "重复用水量(立方米)", "工业增加值(万元)",
    "二氧化碳排放量(吨)", "环保绩效等级",
]  # fmt: skip


def test_chinese_headers_with_units_in_gb18030(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    row = _filing(electricity_kwh=500, green_electricity_kwh=100, coal_t=0.3, value_added_yuan=5000)
    path = _write_csv(tmp_path / "报送.csv", [row], header=CHINESE_HEADER)
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    result = _ingest(con, path, tmp_path)
    assert result.kind == "enterprise_filing" and result.rows_loaded == 1
    assert con.execute(
        "SELECT electricity_kwh, green_electricity_kwh, coal_t, value_added_yuan "
        "FROM staging.enterprise_filings"
    ).fetchall() == [(5_000_000.0, 1_000_000.0, 3000.0, 50_000_000.0)]


def test_xlsx_and_json_lines(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([*CHINESE_HEADER[:6], "环保绩效等级"])
    ws.append([GOOD, "北京示例制造有限公司", "110105", "C3011", 2021, 12000.5, "B-"])
    ws.append([GOOD, "北京示例制造有限公司", "110105", "C3011", 2020, -1, "B"])
    wb.save(tmp_path / "filing.xlsx")
    result = _ingest(con, tmp_path / "filing.xlsx", tmp_path)
    assert (result.kind, result.rows_loaded, result.rows_quarantined) == ("enterprise_filing", 1, 1)
    lines = [
        json.dumps({"统一社会信用代码": GOOD_CQ, "企业名称": "重庆示例", "行政区划代码": "500105",
                    "行业代码": "3011", "年份": 2021, "综合能源消费量": 8000}, ensure_ascii=False),
        "{not json",
        json.dumps({"credit_code": GOOD_CQ, "enterprise_name": "重庆示例", "region_code": "500105",
                    "industry_code": "C30", "year": 2022, "energy_tce": 9000.0}),
    ]  # fmt: skip
    (tmp_path / "filing.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _ingest(con, tmp_path / "filing.jsonl", tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert "not a JSON object" in _reasons(con)[2]
    assert con.execute(
        "SELECT year, energy_tce, industry_code FROM staging.enterprise_filings "
        "WHERE credit_code = ? ORDER BY year",
        [GOOD_CQ],
    ).fetchall() == [(2021, 8000.0, "C3011"), (2022, 9000.0, "C30")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["credit_code", "enterprise_name", "region_code", "industry_code", "year", "energy",
          "x"], "column 'energy' is not a filing column"),
        (["credit_code", "enterprise_name", "region_code", "industry_code", "year"],
         "no column for energy_tce"),
        (["credit_code", "enterprise_name", "region_code", "industry_code", "year",
          "综合能源消费量(千瓦时)"], "kWh, but energy_tce is measured in tce"),
    ],
)  # fmt: skip
def test_unreadable_headers_fail_in_one_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, header: list[str], message: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n")
    with pytest.raises(SourceFormatError, match=message) as exc:
        _ingest(con, path, tmp_path)
    assert "\n" not in str(exc.value) and "f.csv" in str(exc.value)


def test_cli_ingest_prints_the_counts(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "filings.csv", [_filing(), _filing(coal_t=-1, year=2022)])
    result = greenstat("ingest", str(path), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "kind enterprise_filing" in result.stdout
    assert "1 rows loaded" in result.stdout and "1 rows quarantined" in result.stdout
    assert query(
        tmp_path / "home",
        "SELECT value FROM marts.indicator_values WHERE indicator_code = 'filers_count' "
        "AND region_code = 'CN-BJ' AND year = 2023",
    ) == [(1.0,)]


def test_a_revised_filing_file_replaces_the_one_it_revises(tmp_path: Path) -> None:
    """`--replaces`: the revision is staged whole and the old file's rows move to the
    quarantine with the reason; a revision that fails leaves the old one staged."""
    home = tmp_path / "home"
    first = _write_csv(tmp_path / "filing_2023.csv", [_filing(year=2022), _filing()])
    assert greenstat("ingest", str(first), home=home).returncode == 0
    revised = _write_csv(
        tmp_path / "filing_2023_rev.csv", [_filing(energy_tce=13000), _filing(year=2024)]
    )
    # Without --replaces the revision is a second filing, row by row.
    out = greenstat("ingest", str(revised), home=home)
    assert "1 rows loaded, 1 rows quarantined" in out.stdout, out.stdout + out.stderr
    out = greenstat("ingest", str(revised), "--replaces", "filing_2023.csv", home=home)
    assert out.returncode == 0, out.stderr
    assert "filing_2023.csv: replaced, its 2 staged rows moved to quality.quarantine" in (
        out.stdout
    )
    assert "2 rows loaded, 0 rows quarantined" in out.stdout
    assert query(home, "SELECT year, energy_tce FROM staging.enterprise_filings ORDER BY year") == [
        (2023, 13000.0),
        (2024, 12000.0),
    ]
    withdrawn = query(
        home,
        "SELECT q.source_row, q.reason, f.rows_loaded, f.rows_quarantined, f.notes[-1] "
        "FROM quality.quarantine q JOIN raw.files f ON f.sha256 = q.archive_sha256 "
        "WHERE q.source_file = 'filing_2023.csv' ORDER BY 1",
    )
    assert [r[0] for r in withdrawn] == [2, 3]
    assert all(r[1].startswith("withdrawn: replaced by filing_2023_rev.csv on ") for r in withdrawn)
    assert withdrawn[0][2:4] == (0, 2) and withdrawn[0][4] == withdrawn[0][1]
    # Rows in = staged + quarantined, for both files, and the tables agree with raw.files.
    assert query(
        home,
        "SELECT f.original_name, f.cells_in, f.rows_loaded, coalesce(v.rows, 0), "
        "f.rows_quarantined, (SELECT count(*) FROM quality.quarantine q "
        "WHERE q.archive_sha256 = f.sha256) FROM raw.files f "
        "LEFT JOIN staging.enterprise_filings_files v ON v.archive_sha256 = f.sha256 "
        "ORDER BY 1",
    ) == [("filing_2023.csv", 2, 0, 0, 2, 2), ("filing_2023_rev.csv", 2, 2, 2, 0, 0)]
    lake = home / "lake" / "staging" / "enterprise_filings"
    assert len(list(lake.iterdir())) == 1
    # A revision that cannot be read: nothing changes, the staged file stays in place.
    broken = tmp_path / "broken.csv"
    broken.write_text("credit_code,oops\n1,2\n", encoding="utf-8")
    out = greenstat("ingest", str(broken), "--replaces", "filing_2023_rev.csv", home=home)
    assert out.returncode == 1 and "oops" in out.stderr, out.stderr
    assert query(home, "SELECT count(*) FROM staging.enterprise_filings") == [(2,)]
    assert len(list(lake.iterdir())) == 1
    out = greenstat("ingest", str(revised), "--replaces", "nosuch.csv", home=home)
    assert out.returncode == 1
    assert "--replaces nosuch.csv: no file of that name or sha256 received" in out.stderr


# --- filing indicators -------------------------------------------------------------------


def test_filing_indicators_by_region_and_year(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from sources.credit_code import make_code

    sz = make_code("9", "1", "440305", "MA5D4L8X")
    rows = [
        _filing(),  # Beijing, A, 1e6 of 5e6 kWh green, reuse 90 %
        _filing(credit_code=GOOD_CQ, region_code="500105", env_grade="D",
                green_electricity_kwh=0, new_water_m3=300_000, reused_water_m3=700_000),
        _filing(credit_code=sz, region_code="440305", env_grade="B-"),
    ]  # fmt: skip
    _ingest(con, _write_csv(tmp_path / "f.csv", rows), tmp_path)
    build_enterprises(con)
    build_green_manufacturing(con)
    build_indicator_values(con, [2023])
    got = {
        (r, i): (v, k, inputs)
        for r, i, v, k, inputs in con.execute(
            "SELECT region_code, indicator_code, value, data_kind, inputs "
            "FROM marts.indicator_values WHERE indicator_code LIKE 'filers%'"
        ).fetchall()
    }
    assert got[("CN", "filers_count")][0] == 3
    assert got[("CN", "filers_water_reuse_rate")][0] == pytest.approx(100 * 2.5e6 / 3.0e6)
    assert got[("CN", "filers_green_electricity_share")][0] == pytest.approx(100 * 2e6 / 15e6)
    assert got[("CN", "filers_env_grade_ab_share")][0] == pytest.approx(100 / 3)
    assert got[("CN", "filers_env_grade_d_count")][0] == 1
    assert got[("CN-CQ", "filers_env_grade_d_count")][0] == 1
    # Shenzhen counts on its own and in Guangdong.
    assert got[("CN-GD-SZ", "filers_count")][0] == got[("CN-GD", "filers_count")][0] == 1
    value, kind, inputs = got[("CN-BJ", "filers_water_reuse_rate")]
    assert value == pytest.approx(90.0) and kind == "derived"
    assert inputs and all(i.startswith("sha256:") for i in inputs)


# --- MIIT lists ----------------------------------------------------------------------------


def _green(home_or_con: Path | duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    if isinstance(home_or_con, Path):
        return query(home_or_con, sql)
    return home_or_con.execute(sql).fetchall()


DONE_WHEN = """
SELECT region_code, max(cumulative_count) FILTER (WHERE year <= {year})
FROM marts.green_manufacturing
WHERE designation = '{designation}' AND level = 'national'
  AND region_code IN ('CN', 'CN-BJ', 'CN-CQ')
GROUP BY 1 ORDER BY 1
"""


def _assert_done_when(source: Path | duckdb.DuckDBPyConnection) -> None:
    through_2021 = dict(_green(source, DONE_WHEN.format(year=2021, designation="factory")))
    through_2020 = dict(_green(source, DONE_WHEN.format(year=2020, designation="factory")))
    assert through_2021["CN-BJ"] == 96 and through_2021["CN-CQ"] == 52
    assert through_2020["CN"] == 2121
    chains = dict(_green(source, DONE_WHEN.format(year=2020, designation="supply_chain")))
    assert chains["CN"] == 189


def test_green_manufacturing_done_when_on_the_embedded_extract(demo_home_built: Path) -> None:
    _assert_done_when(demo_home_built)
    # A separately-planned city is visible on its own and inside its province.
    rows = dict(
        query(
            demo_home_built,
            "SELECT region_code, cumulative_count FROM marts.green_manufacturing WHERE "
            "designation = 'factory' AND year = 2021 AND region_code IN ('CN-GD', 'CN-GD-SZ')",
        )
    )
    assert rows["CN-GD-SZ"] == 62 and rows["CN-GD"] > rows["CN-GD-SZ"]
    # New counts add up to the cumulative ones, and the mart is labelled as computed.
    assert query(
        demo_home_built,
        "SELECT count(*) FROM (SELECT region_code, designation, sum(new_count) s, "
        "max(cumulative_count) c FROM marts.green_manufacturing GROUP BY ALL) WHERE s <> c",
    ) == [(0,)]
    assert query(demo_home_built, "SELECT DISTINCT data_kind FROM marts.green_manufacturing") == [
        ("derived",)
    ]


def test_stated_counts_reconciled_with_both_numbers(demo_home_built: Path) -> None:
    rows = query(
        demo_home_built,
        "SELECT check_name, passed, observed, threshold FROM quality.check_results "
        "WHERE check_name LIKE 'reconcile.miit_lists_vs_stated.%' AND partition LIKE 'CN %' "
        "ORDER BY check_name",
    )
    by_name = {r[0].rsplit(".", 1)[1]: r[1:] for r in rows}
    assert by_name["green_factories_national"][0] is True
    assert by_name["green_supply_chain_national"][0] is True
    passed, observed, threshold = by_name["green_parks_national"]
    assert not passed and "172" in observed and "+1" in observed and "171" in threshold
    # Neither side is altered: the mart keeps the stated 171 for 2020, the lists 172.
    assert query(
        demo_home_built,
        "SELECT value, data_kind FROM marts.indicator_values WHERE region_code = 'CN' "
        "AND indicator_code = 'green_parks_national' AND year = 2020",
    ) == [(171.0, "official")]
    assert query(
        demo_home_built,
        "SELECT cumulative_count FROM marts.green_manufacturing WHERE region_code = 'CN' "
        "AND designation = 'park' AND year = 2020",
    ) == [(172,)]
    # A count stated in a cited official figure is reconciled too: Chongqing's economy
    # commission says 35 national green factories by 2021, the lists name 52.
    ((passed, observed, threshold),) = query(
        demo_home_built,
        "SELECT passed, observed, threshold FROM quality.check_results WHERE check_name = "
        "'reconcile.miit_lists_vs_stated.green_factories_national' AND partition = 'CN-CQ 2021'",
    )
    assert not passed and "52" in observed and "+17" in observed and "35" in threshold


def test_list_counts_feed_the_targets_and_demo_only_continues_them(demo_home_built: Path) -> None:
    rows = query(
        demo_home_built,
        "SELECT year, value, data_kind FROM marts.indicator_values WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'green_factories_national' ORDER BY year",
    )
    assert [r[0] for r in rows] == list(range(2017, 2026))
    assert {r[2] for r in rows if r[0] <= 2021} == {"derived"}
    assert {r[2] for r in rows if r[0] > 2021} == {"demo"}
    assert dict((r[0], r[1]) for r in rows)[2021] == 96
    values = [r[1] for r in rows]
    assert values == sorted(values)  # a cumulative count never falls


def test_list_rows_quarantined_with_reasons(demo_home_built: Path) -> None:
    reasons = [
        r[0]
        for r in query(
            demo_home_built,
            "SELECT q.reason FROM quality.quarantine q JOIN raw.files f "
            "ON f.sha256 = q.archive_sha256 WHERE f.kind = 'miit_green_list'",
        )
    ]
    assert len(reasons) == 24
    assert sum("'海信' names no region" in r for r in reasons) == 8
    assert sum("no entity named" in r for r in reasons) == 9
    assert sum("is already listed at row" in r for r in reasons) == 3


def test_as_of_keeps_only_the_batches_published_by_then(demo_home_built: Path) -> None:
    from warehouse.as_of import marts_as_of

    con = marts_as_of(demo_home_built / "warehouse.duckdb", "2021-12-31")
    try:
        assert con.execute(
            "SELECT max(cumulative_count) FROM marts.green_manufacturing "
            "WHERE region_code = 'CN-BJ' AND designation = 'factory'"
        ).fetchall() == [(67,)]
    finally:
        con.close()


def test_as_of_reads_the_filings_from_the_lake(demo_home_built: Path) -> None:
    """The filings live in the lake (decision 29): a past view of the marts still has
    them, so the enterprise indicators of a date are computed, not missing."""
    from warehouse.as_of import marts_as_of

    filers = (
        "SELECT year, value FROM marts.indicator_values WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'filers_count' ORDER BY year"
    )
    published = query(demo_home_built, filers)
    n = query(demo_home_built, "SELECT count(*) FROM staging.enterprise_filings")
    con = marts_as_of(demo_home_built / "warehouse.duckdb", "2030-01-01")
    try:
        assert con.execute("SELECT count(*) FROM staging.enterprise_filings").fetchall() == n
        assert n[0][0] > 10_000
        assert published and con.execute(filers).fetchall() == published
    finally:
        con.close()


def test_filings_are_one_lake_file_per_filing_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lake = tmp_path / "lake" / "staging" / "enterprise_filings"
    a = _ingest(con, _write_csv(tmp_path / "a.csv", [_filing(), _filing(year=2022)]), tmp_path)
    b = _ingest(con, _write_csv(tmp_path / "b.csv", [_filing(year=2021)]), tmp_path)
    assert sorted(f.name for f in lake.iterdir()) == sorted(
        [f"{a.sha256}.parquet", f"{b.sha256}.parquet"]
    )
    assert con.execute(
        "SELECT archive_sha256, rows FROM staging.enterprise_filings_files ORDER BY rows"
    ).fetchall() == [(b.sha256, 1), (a.sha256, 2)]
    # The view gives each row its file and number, read from the file's name and rows.
    assert con.execute(
        "SELECT year, archive_sha256, source_row, provenance FROM staging.enterprise_filings "
        "ORDER BY year"
    ).fetchall() == [
        (2021, b.sha256, 2, f"sha256:{b.sha256}#row=2"),
        (2022, a.sha256, 3, f"sha256:{a.sha256}#row=3"),
        (2023, a.sha256, 2, f"sha256:{a.sha256}#row=2"),
    ]
    # Restaging replaces the file; a file that stages nothing leaves none behind.
    _ingest(con, tmp_path / "a.csv", tmp_path)
    assert len(list(lake.iterdir())) == 2
    c = _ingest(con, _write_csv(tmp_path / "c.csv", [_filing(year=2999)]), tmp_path)
    assert (c.rows_loaded, c.rows_quarantined) == (0, 1)
    assert not (lake / f"{c.sha256}.parquet").exists()
    assert con.execute("SELECT count(*) FROM staging.enterprise_filings").fetchall() == [(3,)]


def test_a_filer_is_linked_to_its_list_entry(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _ingest(con, EXTRACTS / "miit_green_lists.csv", tmp_path)
    _ingest(
        con,
        _write_csv(tmp_path / "f.csv", [_filing(enterprise_name="北京奔驰汽车有限公司")]),
        tmp_path,
    )
    build_enterprises(con)
    assert con.execute(
        "SELECT enterprise_id, listed_id, designations FROM staging.enterprises "
        "WHERE credit_code = ?",
        [GOOD],
    ).fetchall() == [(GOOD, "name:北京奔驰汽车有限公司", ["factory", "supply_chain"])]
    # The listed entry is not repeated as an enterprise of its own.
    assert con.execute(
        "SELECT count(*) FROM staging.enterprises WHERE listed_id = 'name:北京奔驰汽车有限公司'"
    ).fetchall() == [(1,)]


@pytest.mark.shared_data
def test_real_lists_give_the_done_when_counts(
    shared_data: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lists = shared_data / "miit_green_manufacturing"
    for name in (
        "绿色工厂名单",
        "绿色工业园区名单",
        "绿色供应链管理示范企业名单",
        "绿色设计产品名单",
    ):
        result = _ingest(con, lists / f"{name}.csv", tmp_path)
        assert result.kind == "miit_green_list"
        assert result.cells_in == result.rows_loaded + result.rows_quarantined
    build_green_manufacturing(con)
    _assert_done_when(con)
    # The notices index gives each batch its date.
    assert con.execute(
        "SELECT DISTINCT batch, published_on::VARCHAR, year FROM staging.enterprise_designations "
        "WHERE designation = 'factory' ORDER BY 2"
    ).fetchall() == [
        ("1", "2017-08-23", 2017),
        ("2", "2018-02-11", 2018),
        ("3", "2018-10-29", 2018),
        ("4", "2019-09-02", 2019),
        ("5", "2020-10-16", 2020),
        ("2021", "2022-01-15", 2021),
    ]


@pytest.mark.shared_data
def test_extract_and_notices_rebuild_from_the_real_lists(shared_data: Path, tmp_path: Path) -> None:
    from sources.miit_lists import NOTICES_CSV

    src = shared_data / "miit_green_manufacturing"
    build_extract(src, tmp_path / "extract.csv")
    build_notices(src, tmp_path / "notices.csv")
    assert (tmp_path / "extract.csv").read_bytes() == (
        EXTRACTS / "miit_green_lists.csv"
    ).read_bytes()
    assert (tmp_path / "notices.csv").read_bytes() == NOTICES_CSV.read_bytes()


def test_refresh_after_ingest_rebuilds_enterprise_marts(demo_home: Path, tmp_path: Path) -> None:
    from greenstat.settings import home
    from sources.ingest import IngestOptions, register_archived, stage_archived
    from warehouse.store import Warehouse

    filers = (
        "SELECT value, data_kind FROM marts.indicator_values WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'filers_count' AND year = 2024"
    )
    ((before, kind_before),) = query(demo_home, filers)
    wh = Warehouse(home(str(demo_home)))
    with wh.write() as c:
        path = _write_csv(tmp_path / "f.csv", [_filing(year=2024)])
        archived = archive_file(path, wh.home.archive)
        register_archived(c, archived, "enterprise_filing", IngestOptions())
        stage_archived(c, archived)
        refresh_years(wh, c, [2024])
    # The official filing joins the demo ones: one more filer, and still labelled demo.
    assert kind_before == "demo"
    assert query(demo_home, filers) == [(before + 1, "demo")]
    assert query(
        demo_home, "SELECT count(*) FROM staging.enterprises WHERE enterprise_id = ?", [GOOD]
    ) == [(1,)]
