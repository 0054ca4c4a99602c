"""Reconciliations: both numbers and the difference reported as warnings, neither altered;
each result a row of quality.check_results whose rows_query lists the rows behind it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from quality.reconcile import (
    PROVINCES_TOLERANCE_PCT,
    ceads_vs_cui,
    provinces_vs_national,
    revisions_between_vintages,
    run_reconciliations,
    year_over_year_jumps,
)
from tests.conftest import greenstat, query


def _provinces(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.sql(
            "SELECT region_code FROM ref.regions WHERE level = 'province' "
            "AND region_code NOT IN ('CN-TW', 'CN-HK', 'CN-MO') ORDER BY 1"
        ).fetchall()
    ]


def _mart(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[str, str, int, float]],
    unit: str = "t CO2",
    kind: str = "official",
) -> None:
    con.executemany(
        "INSERT INTO marts.indicator_values (region_code, indicator_code, year, value, unit, "
        "data_kind, source, vintage, provenance) VALUES (?, ?, ?, ?, ?, ?, 'test', '2025', ?)",
        [[r, i, y, v, unit, kind, f"sha256:t#row={n}"] for n, (r, i, y, v) in enumerate(rows)],
    )


def _staged(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int, float]]) -> None:
    con.executemany(
        "INSERT INTO staging.observations (source_id, region_code, indicator_code, period, "
        "year, value, unit, vintage, data_kind, provenance, archive_sha256, source_row) "
        "VALUES ('nbs_portal_export', ?, ?, CAST(? AS VARCHAR), ?, ?, 'persons', '2025', "
        "'official', ?, 'abc', ?)",
        [[r, i, y, y, v, f"sha256:abc#row={n}", n] for n, (r, i, y, v) in enumerate(rows, 1)],
    )


def test_provinces_against_the_nation_report_both_numbers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    provs = _provinces(con)
    assert len(provs) == 31
    # 2018: 30 provinces (no Tibet) sum to 3000 against a national 2900: within tolerance.
    # 2019: the provinces sum 20% above the nation: reported. 2017: 10 provinces only.
    rows = [(p, "co2_emissions", 2018, 100.0) for p in provs if p != "CN-XZ"]
    rows += [(p, "co2_emissions", 2019, 100.0) for p in provs]
    rows += [(p, "co2_emissions", 2017, 100.0) for p in provs[:10]]
    rows += [("CN", "co2_emissions", 2018, 2900.0), ("CN", "co2_emissions", 2019, 2583.0)]
    rows += [("CN", "co2_emissions", 2017, 1000.0)]
    _mart(con, rows)
    # Shares never sum; demo figures are not reconciled.
    _mart(con, [(p, "renewables_share_electricity", 2019, 50.0) for p in provs], "percent")
    _mart(con, [("CN", "renewables_share_electricity", 2019, 30.0)], "percent")
    _mart(con, [(p, "gdp", 2019, 1.0) for p in provs] + [("CN", "gdp", 2019, 9.0)], "yuan", "demo")
    found = {f.partition: f for f in provinces_vs_national(con)}
    assert set(found) == {"2018", "2019"}
    ok, bad = found["2018"], found["2019"]
    assert ok.passed and "3,000" in ok.observed and "2,900" in ok.observed
    assert "+100" in ok.observed and "(+3.4%)" in ok.observed and "missing CN-XZ" in ok.observed
    assert not bad.passed and "3,100" in bad.observed and "+20.0%" in bad.observed
    assert f"{PROVINCES_TOLERANCE_PCT:g}%" in bad.threshold
    listed = con.sql(bad.rows_query).fetchall()
    assert len(listed) == 32 and {r[0] for r in listed} == {"CN", *provs}
    # Neither side altered.
    assert con.sql("SELECT sum(value) FROM marts.indicator_values WHERE year = 2019 AND "
                   "indicator_code = 'co2_emissions'").fetchall() == [(5683.0,)]  # fmt: skip


def test_a_sample_survey_year_jump_is_flagged_with_the_file_note(
    con: duckdb.DuckDBPyConnection,
) -> None:
    series = {2013: 17454.0, 2014: 17757.0, 2015: 335775.0, 2016: 18132.0, 2017: 17801.0}
    _staged(con, [("CN-BJ", "population_sample", y, v) for y, v in series.items()])
    smooth = {2013: 100.0, 2014: 103.0, 2015: 110.0, 2016: 330.0}  # x3: real growth, not flagged
    _staged(con, [("CN-TJ", "population_year_end", y, v) for y, v in smooth.items()])
    con.execute(
        "INSERT INTO raw.files (sha256, original_name, archive_path, size_bytes, notes, "
        "ingested_at) VALUES ('abc', 'pop.csv', 'archive/abc', 1, "
        "['注：1.2005年、2015年为1%人口抽样调查样本数据'], now())"
    )
    found = {f.check_name: f for f in year_over_year_jumps(con)}
    jump = found["reconcile.year_over_year.population_sample"]
    assert not jump.passed
    assert (
        "2015: 1 region(s) x18.91" in jump.observed and "2016: 1 region(s) x0.05" in jump.observed
    )
    assert "pop.csv" in jump.observed and "2015年为1%人口抽样调查" in jump.observed
    flagged = con.sql(jump.rows_query).fetchall()
    assert [(r[2], r[4]) for r in flagged] == [(2014, 2015), (2015, 2016)]
    assert found["reconcile.year_over_year.population_year_end"].passed
    # Nothing was changed: the jump stays staged as published.
    assert con.sql("SELECT value FROM staging.observations WHERE year = 2015 "
                   "AND region_code = 'CN-BJ'").fetchall() == [(335775.0,)]  # fmt: skip


def test_revisions_and_co2_sources_surface_as_checks(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """INSERT INTO marts.revisions (region_code, indicator_code, period, year, unit,
                  data_kind, previous_vintage, previous_value, vintage, value, change,
                  change_pct, previous_provenance, provenance)
           VALUES ('CN-TJ', 'gdp', '2016', 2016, 'yuan', 'official', '2020', 100, '2025', 64,
                   -36, -36, 'a', 'b'),
                  ('CN-BJ', 'gdp', '2016', 2016, 'yuan', 'official', '2020', 100, '2025', 101,
                   1, 1, 'c', 'd'),
                  ('CN-BJ', 'population_year_end', '2016', 2016, 'persons', 'official', '2020',
                   100, '2025', 101, 1, 1, 'e', 'f')"""
    )
    rev = {f.check_name: f for f in revisions_between_vintages(con)}
    gdp = rev["reconcile.revisions.gdp"]
    assert not gdp.passed and gdp.partition == "2020 -> 2025"
    assert "2 figures revised, 1 by more than 10%" in gdp.observed and "CN-TJ 2016" in gdp.observed
    assert len(con.sql(gdp.rows_query).fetchall()) == 2
    assert rev["reconcile.revisions.population_year_end"].passed
    con.execute(
        """INSERT INTO marts.co2_reconciliation (region_code, year, scope, ceads_t, cui_t, gap_t,
                  gap_pct, note)
           VALUES ('CN-BJ', 2019, 'total', 89.2, 66.0, 23.2, 26.0, 'n'),
                  ('CN-YN', 2019, 'total', 186.0, 284.3, -98.3, -52.8, 'n'),
                  ('CN-BJ', 2019, 'power', 31.9, 37.6, -5.7, -17.9, 'n')"""
    )
    co2 = {f.check_name: f for f in ceads_vs_cui(con)}
    total = co2["reconcile.ceads_vs_cui.total"]
    # CEADs above the narrower Cui scope is expected; Cui above CEADs is a contradiction.
    assert not total.passed and "1 of 2" in total.observed and "CN-YN" in total.observed
    assert "CN-BJ" not in total.observed
    assert con.sql(total.rows_query).fetchall()[0][0] == "CN-YN"
    assert co2["reconcile.ceads_vs_cui.power"].passed


def test_results_are_recorded_as_warnings_with_the_run(con: duckdb.DuckDBPyConnection) -> None:
    _staged(con, [("CN-BJ", "population_sample", 2014, 1.0), ("CN-BJ", "population_sample",
                                                              2015, 20.0)])  # fmt: skip
    found = run_reconciliations(con, run_id="run-1")
    rows = con.sql(
        "SELECT check_name, severity, passed, run_id, observed, threshold, rows_query "
        "FROM quality.check_results"
    ).fetchall()
    assert len(rows) == len(found) >= 1
    assert all(r[1] == "warning" and r[3] == "run-1" and r[4] and r[5] and r[6] for r in rows)
    for r in rows:
        con.sql(r[6]).fetchall()  # every rows_query runs


def test_reconciliations_are_non_blocking_dagster_checks() -> None:
    from pipelines.assets import ALL_CHECKS

    specs = {s.name: s for c in ALL_CHECKS for s in c.check_specs}
    for name in ("indicator_values_reconciliations", "green_manufacturing_vs_stated",
                 "corrections_matched"):  # fmt: skip
        assert name in specs and not specs[name].blocking


def test_demo_run_records_the_reconciliations(demo_home_built: Path) -> None:
    rows = query(
        demo_home_built,
        "SELECT check_name, partition, passed, observed FROM quality.check_results "
        "WHERE check_name LIKE 'reconcile.%' ORDER BY check_name, partition",
    )
    names = {r[0].split(".")[1] for r in rows}
    assert {"provinces_vs_national", "year_over_year", "revisions", "ceads_vs_cui"} <= names
    co2_2019 = [r for r in rows if r[:2] == ("reconcile.provinces_vs_national.co2_emissions",
                                              "2019")]  # fmt: skip
    # CEADs: 30 provincial inventories (no Tibet) against the national inventory.
    assert co2_2019 and "30 provinces" in co2_2019[0][3] and "missing CN-XZ" in co2_2019[0][3]
    # CEADs' Ningxia 2000-2003 (no energy balance) is a real jump in the embedded data.
    yoy = [r for r in rows if r[0] == "reconcile.year_over_year.co2_emissions"]
    assert yoy and not yoy[0][2] and "CN-NX" in yoy[0][3]


def test_the_2015_sample_survey_in_the_real_export_is_flagged(
    nbs_dir: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    export = nbs_dir / "RenJiyi163_gbk" / "分省年度数据 (1).csv"
    result = greenstat("ingest", str(export), home=home)
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        found = {f.check_name: f for f in year_over_year_jumps(con)}
        jump = found["reconcile.year_over_year.population_sample"]
        flagged = con.sql(jump.rows_query).fetchall()
    assert not jump.passed
    # Every province jumps about twentyfold into 2015 and back in 2016; nothing else.
    assert {r[4] for r in flagged} == {2015, 2016} and len(flagged) == 62
    assert "1%人口抽样调查" in jump.observed
    bj = [r for r in flagged if r[0] == "CN-BJ" and r[4] == 2015]
    assert bj and bj[0][3] == 17757 and bj[0][5] == 335775


@pytest.mark.parametrize("factor", [4.9, 5.1])
def test_the_jump_bar_is_fivefold(con: duckdb.DuckDBPyConnection, factor: float) -> None:
    _staged(con, [("CN-BJ", "gdp", 2020, 10.0), ("CN-BJ", "gdp", 2021, 10.0 * factor)])
    (f,) = year_over_year_jumps(con)
    assert f.passed is (factor < 5)
