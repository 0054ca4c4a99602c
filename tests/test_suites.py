"""Expectation suites: committed, derived from the table descriptions, loadable by GX,
and run natively in DuckDB with the same verdicts as GX itself."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from quality.checks import (
    BlockingCheckError,
    audit_checks,
    gate,
    run_checks,
    structural_checks,
    suite_checks,
)
from quality.expectations import Batch, Expectation, record, validate
from quality.suites import (
    SUITES_DIR,
    build_suite,
    derive_expectations,
    stale_suites,
    suite_for,
    write_suites,
)
from warehouse.tables import ENTERPRISE_METER_HOURLY, INDICATOR_VALUES, TABLES


def test_committed_suites_are_current() -> None:
    assert stale_suites() == [], "run: .venv/bin/python -m quality.suites"


def test_every_staged_table_and_mart_has_a_suite_with_its_declared_rules() -> None:
    for t in TABLES:
        if t.schema not in ("staging", "marts"):
            continue
        suite = suite_for(t)
        kinds = {(e.type, e.column) for e in suite.expectations}
        for c in t.columns:
            assert ("expect_column_values_to_be_of_type", c.name) in kinds, (t.qualified, c.name)
            if not c.nullable:
                assert ("expect_column_values_to_not_be_null", c.name) in kinds
            if c.values:
                (in_set,) = [
                    e
                    for e in suite.expectations
                    if e.type == "expect_column_values_to_be_in_set" and e.column == c.name
                ]
                assert in_set.kwargs["value_set"] == list(c.values) and in_set.blocking
        if t.primary_key:
            (pk,) = [e for e in suite.expectations if e.name == "primary_key_unique"]
            assert pk.blocking
            assert pk.kwargs.get("column_list", [pk.column]) == list(t.primary_key)


def test_statistical_expectations_are_hand_written_warnings() -> None:
    hand = {
        t.qualified: [e.name for e in suite_for(t).expectations if e.meta.get("origin") == "hand"]
        for t in TABLES
    }
    assert "share_within_0_100" in hand["marts.indicator_values"]
    assert "year_over_year_change_bounds" in hand["marts.indicator_values"]
    assert "provinces_sum_to_national" in hand["marts.region_metered_electricity"]
    assert "cumulative_is_previous_plus_new" in hand["marts.green_manufacturing"]
    for t in TABLES:
        for e in suite_for(t).expectations:
            if e.meta.get("origin") == "hand":
                assert e.severity == "warning" and e.description, (t.qualified, e.name)


def test_regeneration_keeps_hand_written_expectations(tmp_path: Path) -> None:
    write_suites(tmp_path)
    path = tmp_path / "marts.green_power.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    mine = {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "value", "max_value": 1e15},
        "description": "a statistician's bound",
        "severity": "warning",
        "meta": {"origin": "hand", "check": "value.below_a_petawatt_hour"},
    }
    suite["expectations"].insert(0, mine)  # hand-written first: regeneration moves it last
    path.write_text(json.dumps(suite), encoding="utf-8")
    write_suites(tmp_path)
    again = json.loads(path.read_text(encoding="utf-8"))["expectations"]
    assert again[-1] == mine
    green_power = next(t for t in TABLES if t.qualified == "marts.green_power")
    derived = [e for e in again if e["meta"]["origin"] == "derived"]
    assert derived == [e.to_json() for e in derive_expectations(green_power)]
    # A hand edit of a derived rule is stale: the description is where rules change.
    edited = json.loads(path.read_text(encoding="utf-8"))
    edited["expectations"][0]["kwargs"]["column"] = "renamed"
    path.write_text(json.dumps(edited, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "marts.green_power" in stale_suites(tmp_path)


def test_a_hand_written_expectation_needs_a_name(tmp_path: Path) -> None:
    write_suites(tmp_path)
    path = tmp_path / "marts.green_power.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    suite["expectations"].append(
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "value"},
         "meta": {"origin": "hand"}}
    )  # fmt: skip
    path.write_text(json.dumps(suite), encoding="utf-8")
    green_power = next(t for t in TABLES if t.qualified == "marts.green_power")
    with pytest.raises(ValueError, match=r"meta\.check"):
        build_suite(green_power, tmp_path)


def test_suites_load_in_great_expectations() -> None:
    gx = pytest.importorskip("great_expectations")
    gx.get_context(mode="ephemeral")
    for path in sorted(SUITES_DIR.glob("*.json")):
        suite = gx.ExpectationSuite(**json.loads(path.read_text(encoding="utf-8")))
        assert suite.name == path.stem and suite.expectations
        assert {str(e.severity.value) for e in suite.expectations} <= {"critical", "warning"}


# --- native execution -----------------------------------------------------------------

IV = "marts.indicator_values"
SHARE = {
    "type": "comparison",
    "column": {"name": "unit"},
    "operator": "==",
    "parameter": "percent",
}


def _iv(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    for region, indicator, year, value, unit in rows:
        con.execute(
            f"INSERT INTO {IV} BY NAME SELECT ? AS region_code, ? AS indicator_code, "
            "? AS year, ? AS value, ? AS unit, 'official' AS data_kind, 'src' AS source, "
            "'2024' AS vintage, 'sha256:x#row=1' AS provenance",
            [region, indicator, year, value, unit],
        )


GOOD = [
    ("CN", "population_year_end", 2019, 1.400e9, "persons"),
    ("CN", "population_year_end", 2020, 1.412e9, "persons"),
    ("CN", "renewables_share_electricity", 2020, 28.8, "percent"),
    ("CN-BJ", "renewables_share_electricity", 2020, 12.0, "percent"),
]


def test_a_clean_table_passes_its_whole_suite(con: duckdb.DuckDBPyConnection) -> None:
    _iv(con, GOOD)
    results = validate(con, suite_for(IV).expectations, Batch(IV))
    assert [r.line() for r in results if not r.success] == []
    by_name = {r.expectation.name: r for r in results}
    assert by_name["value.not_null"].element_count == 4
    assert by_name["share_within_0_100"].element_count == 2  # the row condition applies
    assert by_name["value.type"].observed_value == "DOUBLE"


def test_failures_name_table_expectation_and_observed_value(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _iv(
        con,
        [
            *GOOD,
            ("CN-CQ", "renewables_share_electricity", 2020, 280.0, "percent"),  # share > 100
            ("CN", "population_year_end", 2021, 2.9e9, "persons"),  # doubles in a year
        ],
    )
    con.execute(f"UPDATE {IV} SET data_kind = 'guessed' WHERE region_code = 'CN-BJ'")
    results = {r.expectation.name: r for r in validate(con, suite_for(IV).expectations, Batch(IV))}
    failed = {n for n, r in results.items() if not r.success}
    assert failed == {"data_kind.in_set", "share_within_0_100", "year_over_year_change_bounds"}
    share = results["share_within_0_100"]
    assert (share.unexpected_count, share.partial) == (1, [280.0])
    assert share.severity == "warning" and results["data_kind.in_set"].severity == "blocking"
    line = results["data_kind.in_set"].line()
    assert line.startswith("marts.indicator_values.data_kind.in_set")
    assert "expect_column_values_to_be_in_set" in line and "'guessed'" in line
    # Each rows_query is runnable and lists exactly the offending rows.
    assert con.execute(share.rows_query).fetchall()[0][0] == "CN-CQ"
    yoy = con.execute(results["year_over_year_change_bounds"].rows_query).fetchall()
    assert [(r[0], r[2]) for r in yoy] == [("CN", 2021)]


def test_primary_key_duplicates_and_partitions(con: duckdb.DuckDBPyConnection) -> None:
    _iv(con, GOOD)
    # The mart's DDL holds the key; a copy without it shows what the rule sees.
    con.execute(f"CREATE TABLE main.iv AS FROM {IV}")
    con.execute(f"INSERT INTO main.iv FROM {IV} WHERE year = 2019")
    pk = next(e for e in suite_for(IV).expectations if e.name == "primary_key_unique")
    (whole,) = validate(con, [pk], Batch("main.iv"))
    assert (whole.success, whole.unexpected_count, whole.groups) == (False, 2, 1)
    assert whole.partial == [
        {"region_code": "CN", "indicator_code": "population_year_end", "year": 2019}
    ]
    (other_year,) = validate(con, [pk], Batch("main.iv", "year = 2020", "2020"))
    assert other_year.success and other_year.batch.partition == "2020"
    assert con.execute(whole.rows_query).fetchall() == [("CN", "population_year_end", 2019, 2)]


def test_structural_gate_comes_from_the_suite_and_fails_in_one_line(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _iv(con, GOOD)
    checks = structural_checks(INDICATOR_VALUES)
    assert {c.name for c in checks} == {
        f"{IV}.{e.name}" for e in suite_for(IV).expectations if e.blocking
    }
    assert all(c.severity == "blocking" for c in checks)
    gate(con, checks)
    con.execute(f"UPDATE {IV} SET data_kind = 'guessed' WHERE region_code = 'CN-BJ'")
    with pytest.raises(BlockingCheckError) as err:
        gate(con, checks)
    message = str(err.value)
    assert "\n" not in message
    assert "marts.indicator_values.data_kind.in_set" in message
    assert "expect_column_values_to_be_in_set" in message and "1 of 4 rows" in message


def test_results_are_recorded_one_row_per_check_in_gx_format(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _iv(con, [*GOOD, ("CN-CQ", "renewables_share_electricity", 2020, -5.0, "percent")])
    outcomes = run_checks(con, suite_checks(INDICATOR_VALUES, "year = 2020", partition="2020"),
                          run_id="run-1")  # fmt: skip
    rows = con.execute(
        "SELECT check_name, partition, run_id, severity, passed, observed, threshold, "
        "rows_query, gx_result FROM quality.check_results ORDER BY check_name"
    ).fetchall()
    assert len(rows) == len(outcomes) == len(suite_for(IV).expectations)
    assert {r[1] for r in rows} == {"2020"} and {r[2] for r in rows} == {"run-1"}
    failed = [r for r in rows if not r[4]]
    assert [(r[0], r[3], r[5]) for r in failed] == [
        (f"{IV}.share_within_0_100", "warning", "1 of 3 rows, e.g. -5.0")
    ]
    assert con.execute(failed[0][7]).fetchall()[0][:3] == (
        "CN-CQ",
        "renewables_share_electricity",
        2020,
    )
    gx_result = json.loads(failed[0][8])
    assert gx_result["success"] is False
    assert gx_result["expectation_config"]["type"] == "expect_column_values_to_be_between"
    assert gx_result["result"]["unexpected_count"] == 1
    assert gx_result["result"]["partial_unexpected_list"] == [-5.0]


def test_native_verdicts_match_great_expectations(con: duckdb.DuckDBPyConnection) -> None:
    """The same expectations, run by GX (pandas) and natively, on the same rows: same
    success and unexpected counts, and GX loads the native results."""
    gx = pytest.importorskip("great_expectations")
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "('CN', 2019, 10.0, 8.0, 'percent', 'a'), ('CN', 2020, 150.0, 9.0, 'percent', 'a'), "
        "('CN-BJ', 2020, NULL, 1.0, 'kWh', 'b'), ('CN-BJ', 2020, -3.0, NULL, 'kWh', 'z'), "
        "('CN-CQ', 2021, 5.0, 7.0, 'percent', NULL)) v(region, year, value, part, unit, kind)"
    )
    exps = [
        Expectation("expect_column_values_to_not_be_null", {"column": "value"}, {"check": "a"}),
        Expectation(
            "expect_column_values_to_be_in_set",
            {"column": "kind", "value_set": ["a", "b"]},
            {"check": "b"},
        ),
        Expectation(
            "expect_column_values_to_be_between",
            {
                "column": "value",
                "min_value": 0,
                "max_value": 100,
                "row_condition": SHARE,
                "condition_parser": "great_expectations",
            },
            {"check": "c"},
        ),
        Expectation(
            "expect_column_values_to_be_between",
            {"column": "value", "min_value": 0, "mostly": 0.6},
            {"check": "d"},
        ),
        Expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "value",
                "column_B": "part",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            {"check": "e"},
        ),
        Expectation(
            "expect_compound_columns_to_be_unique",
            {"column_list": ["region", "year"]},
            {"check": "f"},
        ),
        Expectation("expect_column_values_to_be_unique", {"column": "year"}, {"check": "g"}),
        Expectation(
            "expect_table_row_count_to_be_between",
            {"min_value": 1, "max_value": 4},
            {"check": "h"},
        ),
    ]
    native = validate(con, exps, Batch("t"))
    ctx = gx.get_context(mode="ephemeral")
    batch = (
        ctx.data_sources.add_pandas("p")
        .add_dataframe_asset("t")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": con.sql("SELECT * FROM t").df()})
    )
    for e, mine in zip(exps, native, strict=True):
        config = {k: v for k, v in e.to_json().items() if k != "meta"}
        theirs = batch.validate(gx.expectations.core.__dict__[_class(e.type)](**config["kwargs"]))
        assert mine.success == theirs.success, e.type
        if "unexpected_count" in theirs.result:
            assert mine.unexpected_count == theirs.result["unexpected_count"], e.type
            assert math.isclose(
                mine.gx()["result"]["unexpected_percent"], theirs.result["unexpected_percent"]
            ), e.type
        else:
            assert mine.observed_value == theirs.result["observed_value"], e.type
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    from quality.expectations import now_utc, suite_result

    doc = suite_result("t", [r.gx("r") for r in native], run_id="r", checked_at=now_utc(),
                       partition=None, table="t")  # fmt: skip
    loaded = ExpectationSuiteValidationResultSchema().load(json.loads(json.dumps(doc)))
    assert loaded.statistics["unsuccessful_expectations"] == sum(not r.success for r in native)
    assert ValidationResultsPageRenderer().render(loaded).sections


def _class(kind: str) -> str:
    names = {
        "expect_column_pair_values_a_to_be_greater_than_b": (
            "ExpectColumnPairValuesAToBeGreaterThanB"
        )
    }
    return names.get(kind, "".join(p.title() for p in kind.split("_")))


def test_a_broken_hand_written_query_fails_its_own_check_only(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _iv(con, GOOD)
    broken = Expectation(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": "SELECT * FROM {batch} WHERE no_such_column > 1"},
        {"check": "broken"},
        "warning",
    )
    typo = Expectation(
        "expect_column_values_to_be_between",
        {"column": "valeu", "min_value": 0},
        {"check": "typo"},
        "warning",
    )
    not_null = next(e for e in suite_for(IV).expectations if e.name == "value.not_null")
    ok, bad, bad_row, still_ok = validate(con, [suite_for(IV).expectations[0], broken, typo,
                                                not_null], Batch(IV))  # fmt: skip
    assert ok.success and not bad.success and "no_such_column" in (bad.error or "")
    # A broken row rule fails alone; the others of the same scan still run.
    assert not bad_row.success and "valeu" in (bad_row.error or "")
    assert still_ok.success and still_ok.element_count == 4
    assert record(con, [ok, bad, bad_row, still_ok], run_id="r") == 4
    (observed,) = con.execute(
        "SELECT observed FROM quality.check_results WHERE check_name = ?", [f"{IV}.typo"]
    ).fetchone()
    assert observed.startswith("error: ")


def test_the_audit_never_scans_a_lake_table_whole(con: duckdb.DuckDBPyConnection) -> None:
    """Lake partitions are audited one at a time, and only when a file is newer than the
    partition's last check."""
    con.execute(
        "CREATE OR REPLACE VIEW staging.enterprise_meter_hourly_files AS SELECT * FROM (VALUES "
        "('a', DATE '2024-01-01', 10::BIGINT, 'f1'), ('b', DATE '2024-02-01', 10::BIGINT, 'f2'))"
        " v(archive_sha256, month, rows, file)"
    )
    con.execute(
        "INSERT INTO raw.files (sha256, original_name, archive_path, size_bytes, ingested_at, "
        "staged_at) VALUES ('a', 'a.csv', 'x', 1, now()::TIMESTAMP, now()::TIMESTAMP), "
        "('b', 'b.csv', 'y', 1, now()::TIMESTAMP, now()::TIMESTAMP)"
    )
    checks = audit_checks(con, [ENTERPRISE_METER_HOURLY])
    assert {(c.batch.partition, c.batch.where) for c in checks if c.batch} == {
        ("2024-01", "month = DATE '2024-01-01'"),
        ("2024-02", "month = DATE '2024-02-01'"),
    }
    assert all(c.batch and c.batch.where for c in checks)
    run_checks(con, [c for c in checks if c.batch and c.batch.partition == "2024-01"])
    later = audit_checks(con, [ENTERPRISE_METER_HOURLY])
    assert {c.batch.partition for c in later if c.batch} == {"2024-02"}


def test_a_blocking_failure_stops_the_assets_downstream(tmp_path: Path) -> None:
    """Run as Dagster asset checks: the structure check fails on a value outside its set,
    says why in one line, and the asset downstream is not materialised; the statistics
    check only warns."""
    import dagster as dg

    from pipelines.resources import WarehouseResource
    from pipelines.suite_checks import suite_asset_checks
    from warehouse.tables import GREEN_MANUFACTURING

    @dg.asset(name="green_manufacturing", required_resource_keys={"warehouse"})
    def gm(context) -> None:  # untyped: annotations are strings in this module
        with context.resources.warehouse.warehouse().write() as con:
            con.execute(
                "INSERT INTO marts.green_manufacturing VALUES "
                "('CN', 'factory', 'national', 2020, 5, 5, [], 'official'), "
                "('CN', 'garden', 'national', 2021, 2, 7, [], 'official'), "
                "('CN', 'park', 'national', 2021, 1, 3, [], 'official')"
            )

    @dg.asset(deps=[gm])
    def downstream_mart() -> None:
        return None

    checks = suite_asset_checks(gm, [GREEN_MANUFACTURING])
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [gm, downstream_mart, checks],
            instance=instance,
            resources={"warehouse": WarehouseResource(home_dir=str(tmp_path / "home"))},
            raise_on_error=False,
        )
    done = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()
            if m.materialization}  # fmt: skip
    assert done == {"green_manufacturing"}
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    structure, stats = (
        evals["green_manufacturing_structure"],
        evals["green_manufacturing_statistics"],
    )
    assert not structure.passed and structure.severity == dg.AssetCheckSeverity.ERROR
    reason = structure.description or ""
    assert "\n" not in reason
    assert reason.startswith("marts.green_manufacturing.designation.in_set: FAILED")
    assert "expect_column_values_to_be_in_set" in reason and "'garden'" in reason
    # The park's cumulative count (3) is not its new designations (1): a warning only.
    assert not stats.passed and stats.severity == dg.AssetCheckSeverity.WARN
    assert "cumulative_is_previous_plus_new" in (stats.description or "")


def test_the_pipeline_never_imports_great_expectations() -> None:
    """GX costs seconds to import; the pipeline, its checks and the Data Docs run without it."""
    import subprocess
    import sys

    code = (
        "import sys, pipelines.definitions, quality.data_docs, quality.checks\n"
        "assert not [m for m in sys.modules if m.startswith('great_expectations')]"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
