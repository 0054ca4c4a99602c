"""Plausibility warnings: each passes on a small clean staging table, fails (listing the
offending rows) on a single planted anomaly, and fails on the real PyPSA-China files
where they hold an anomaly a generic rule can see."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from quality import plausibility as pl
from quality.checks import Check, run_checks
from sources.ingest import ingest_file

STOCK_FILE, ADDED_FILE, OFFSHORE_FILE = "a" * 64, "b" * 64, "c" * 64
# region, indicator, period, value (kW), file: a clean, consistent little warehouse.
CLEAN: list[tuple[str, str, str, float, str]] = [
    ("CN", "solar_capacity", "2015", 43.2e6, STOCK_FILE),
    ("CN", "solar_capacity", "2020", 253.4e6, STOCK_FILE),
    ("CN-BJ", "solar_capacity", "2015", 0.16e6, STOCK_FILE),
    ("CN-BJ", "solar_capacity", "2020", 0.61e6, STOCK_FILE),
    ("CN-TJ", "solar_capacity", "2015", 0.12e6, STOCK_FILE),
    ("CN-TJ", "solar_capacity", "2020", 1.5e6, STOCK_FILE),
    ("CN-HE", "solar_capacity", "2015", 2.4e6, STOCK_FILE),
    ("CN-HE", "solar_capacity", "2020", 21.9e6, STOCK_FILE),
    ("CN-SD", "solar_capacity", "2015", 1.3e6, STOCK_FILE),
    ("CN-SD", "solar_capacity", "2020", 22.7e6, STOCK_FILE),
    ("CN-BJ", "solar_capacity_added", "2020", 0.45e6, ADDED_FILE),
    ("CN-HE", "solar_capacity_added", "2020", 19.5e6, ADDED_FILE),
    ("CN-JS", "offshore_wind_capacity", "2020", 5.7e6, OFFSHORE_FILE),
    ("CN-SD-QD", "offshore_wind_capacity", "2020", 0.1e6, OFFSHORE_FILE),  # Qingdao: coastal
    ("CN-SC", "offshore_wind_capacity", "2020", 0.0, OFFSHORE_FILE),  # a zero is no anomaly
]
STAGING_CHECKS = [c for c in pl.PLAUSIBILITY_CHECKS if c.table == "staging.observations"]


def _stage(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, float, str]]) -> None:
    for n, (region, indicator, period, value, sha) in enumerate(rows, start=2):
        con.execute(
            """INSERT INTO staging.observations BY NAME SELECT 'test' AS source_id,
               ? AS region_code, ? AS indicator_code, ? AS period, ? AS year, ? AS value,
               'kW' AS unit, '2021' AS vintage, 'official' AS data_kind, ? AS provenance,
               ? AS archive_sha256, ? AS source_row""",
            [region, indicator, period, int(period[:4]), value, f"sha256:{sha}#row={n}", sha, n],
        )


def _rows(con: duckdb.DuckDBPyConnection, check: Check) -> list[dict[str, object]]:
    cur = con.execute(check.rows_query)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _failing(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        o.check.name: o.failing_rows
        for o in run_checks(con, pl.PLAUSIBILITY_CHECKS, record=False)
        if not o.passed
    }


def test_all_pass_on_a_clean_table_and_are_recorded_as_warnings(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _stage(con, CLEAN)
    outcomes = run_checks(con, pl.PLAUSIBILITY_CHECKS, run_id="t")
    assert [o.line() for o in outcomes if not o.passed] == []
    recorded = con.execute(
        "SELECT count(*), bool_and(severity = 'warning') FROM quality.check_results "
        "WHERE check_name LIKE 'plausibility.%'"
    ).fetchone()
    assert recorded == (len(pl.PLAUSIBILITY_CHECKS), True)


@pytest.mark.parametrize("check", STAGING_CHECKS, ids=lambda c: c.name)
def test_staging_checks_list_region_indicator_period_value_provenance(
    con: duckdb.DuckDBPyConnection, check: Check
) -> None:
    cur = con.execute(check.rows_query)
    names = {d[0] for d in cur.description}
    assert {"region_code", "indicator_code", "period", "value", "provenance", "detail"} <= names


PLANTED = [
    (
        pl.NEGATIVE_CAPACITY,
        "UPDATE staging.observations SET value = -5 WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'solar_capacity_added'",
        {("CN-BJ", "2020")},
    ),
    (
        pl.PART_EXCEEDS_WHOLE,  # national 2020 written as 20 GW: below two provinces
        "UPDATE staging.observations SET value = 20e6 WHERE region_code = 'CN' AND period = '2020'",
        {("CN-HE", "2020"), ("CN-SD", "2020"), ("CN", "2020")},
    ),
    (
        pl.ADDED_EXCEEDS_STOCK,
        "UPDATE staging.observations SET value = 0.9e6 WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'solar_capacity_added'",
        {("CN-BJ", "2020")},
    ),
    (
        pl.JUMP_OR_COLLAPSE,  # Tianjin loses 60%
        "UPDATE staging.observations SET value = 0.05e6 WHERE region_code = 'CN-TJ' "
        "AND period = '2020'",
        {("CN-TJ", "2020")},
    ),
    (
        pl.JUMP_OR_COLLAPSE,  # Shandong's 22.7 GW written in MW as if kW: x1000
        "UPDATE staging.observations SET value = 22.7e9 WHERE region_code = 'CN-SD' "
        "AND indicator_code = 'solar_capacity' AND period = '2020'",
        {("CN-SD", "2020")},
    ),
    (
        pl.OFFSHORE_INLAND,  # Sichuan, and the XPCC judged by Xinjiang
        "UPDATE staging.observations SET value = 1e5 WHERE region_code = 'CN-SC'; "
        "UPDATE staging.observations SET region_code = 'CN-XJ-BT' WHERE region_code = 'CN-SD-QD'",
        {("CN-SC", "2020"), ("CN-XJ-BT", "2020")},
    ),
]


@pytest.mark.parametrize(
    ("check", "mutation", "expected"),
    PLANTED,
    ids=[f"{c.name}-{i}" for i, (c, _, _) in enumerate(PLANTED)],
)
def test_each_check_fails_on_its_planted_anomaly(
    con: duckdb.DuckDBPyConnection, check: Check, mutation: str, expected: set[tuple[str, str]]
) -> None:
    _stage(con, CLEAN)
    for statement in mutation.split(";"):
        con.execute(statement)
    rows = _rows(con, check)
    assert {(r["region_code"], r["period"]) for r in rows} == expected
    assert all(r["provenance"] and r["detail"] for r in rows)
    assert _failing(con)[check.name] == len(expected)


def test_duplicates_check_lists_quarantined_duplicates_per_file(
    con: duckdb.DuckDBPyConnection,
) -> None:
    quarantine = """INSERT INTO quality.quarantine BY NAME SELECT ? AS archive_sha256,
        ? AS source_file, ? AS source_row, 3 AS cells, ? AS reason, 'x' AS raw_values,
        now() AS quarantined_at"""
    con.execute(quarantine, [STOCK_FILE, "f.csv", 4, "not a number: 'x'"])
    assert pl.DUPLICATES_QUARANTINED.name not in _failing(con)
    for row in (2, 9):
        reason = f"province 'Beijing' {pl.DUPLICATE_PHRASE} (rows 2, 9): identical values"
        con.execute(quarantine, [STOCK_FILE, "f.csv", row, reason])
    rows = _rows(con, pl.DUPLICATES_QUARANTINED)
    assert [(r["source_row"], r["duplicate_rows_in_file"]) for r in rows] == [(2, 2), (9, 2)]
    assert rows[0]["provenance"] == f"sha256:{STOCK_FILE}#row=2"


def test_duplicate_phrase_is_the_one_the_connector_and_ingest_write() -> None:
    import inspect

    from sources import ingest, pypsa_capacity

    assert pypsa_capacity.DUPLICATE_PHRASE == pl.DUPLICATE_PHRASE
    assert pl.DUPLICATE_PHRASE in inspect.getsource(ingest)


# --- the real PyPSA-China files ------------------------------------------------------------

CAPACITY_FILES = (
    "solar capacity.csv", "onwind capacity.csv", "offwind capacity.csv", "coal capacity.csv",
    "nuclear capacity.csv", "hydroelectricity capacity.csv",
)  # fmt: skip
# CEC, 2020 national power industry statistics (全国电力工业统计快报): nuclear 4989万千瓦 at
# the end of 2020, the figure of the CEC Jan-Oct 2020 briefing in ../shared/data too.
NATIONAL_NUCLEAR_2020_KW = 4989e4


@pytest.fixture
def real(
    shared_data: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> duckdb.DuckDBPyConnection:
    for name in CAPACITY_FILES:
        ingest_file(con, shared_data / "pypsa_china_pik" / name, tmp_path / "archive")
    return con


@pytest.mark.shared_data
def test_real_files_read_as_build_year_additions_raise_no_generic_warning(
    real: duckdb.DuckDBPyConnection,
) -> None:
    """No negatives, no duplicates, offshore wind only in the 7 coastal provinces given."""
    assert _failing(real) == {}
    offshore = real.execute(
        "SELECT DISTINCT region_code FROM staging.observations "
        "WHERE indicator_code = 'offshore_wind_capacity_added' ORDER BY 1"
    ).fetchall()
    assert len(offshore) == 7


@pytest.mark.shared_data
def test_real_nuclear_provinces_sum_above_the_national_2020_total(
    real: duckdb.DuckDBPyConnection,
) -> None:
    """The nuclear file's "2020" column sums to 54.6 GW, 9% above the 49.89 GW in service
    at the end of 2020: units connected in 2021-2022 appear to be included."""
    _stage(real, [("CN", "nuclear_capacity", "2020", NATIONAL_NUCLEAR_2020_KW, "d" * 64)])
    rows = _rows(real, pl.PART_EXCEEDS_WHOLE)
    assert [(r["region_code"], r["indicator_code"], r["period"]) for r in rows] == [
        ("CN", "nuclear_capacity", "2020")
    ]
    assert rows[0]["value"] == pytest.approx(54.647e6)
    assert "sum of 31 provinces" in str(rows[0]["detail"])


@pytest.mark.shared_data
def test_real_build_year_files_read_as_stocks_collapse(real: duckdb.DuckDBPyConnection) -> None:
    """What a reader taking the columns for stocks would load: Beijing onshore wind
    136 -> 50 -> 0 MW, Zhejiang coal 10,990 -> 1,320 MW. The collapse rule reports it."""
    real.execute(
        "UPDATE staging.observations SET indicator_code = replace(indicator_code, '_added', '')"
    )
    found = {
        (r["region_code"], r["indicator_code"], r["period"])
        for r in _rows(real, pl.JUMP_OR_COLLAPSE)
    }
    assert {
        ("CN-BJ", "onshore_wind_capacity", "2015"),
        ("CN-BJ", "onshore_wind_capacity", "2020"),
        ("CN-ZJ", "coal_capacity", "2020"),
        ("CN-SH", "onshore_wind_capacity", "2020"),
    } <= found
    assert len(found) >= 30


@pytest.mark.shared_data
def test_real_cec_briefing_bounds_the_real_nuclear_file(
    real: duckdb.DuckDBPyConnection, shared_data: Path, tmp_path: Path
) -> None:
    """Both real files, nothing planted: the CEC Jan-Oct 2020 national nuclear figure
    (4989万千瓦, period 2020-10) is the year's latest national stock, and the PyPSA
    provinces' 2020 column sums 9% above it."""
    briefing = shared_data / "cec_briefings" / "2020年1-10月份电力工业运行简况.csv"
    ingest_file(real, briefing, tmp_path / "archive")
    rows = _rows(real, pl.PART_EXCEEDS_WHOLE)
    assert [(r["indicator_code"], r["period"]) for r in rows] == [("nuclear_capacity", "2020")]
    assert "2020-10" in str(rows[0]["detail"]) and "49890000" in str(rows[0]["detail"])
