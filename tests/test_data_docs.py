"""Data Docs: built from quality.check_results, in GX's result format, readable offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from quality.checks import CONFLICTS, run_checks, suite_checks
from quality.data_docs import build_data_docs, offline, suite_page, validation_page
from quality.suites import SUITE_TABLES
from warehouse.tables import INDICATOR_VALUES

IV = "marts.indicator_values"


@pytest.fixture
def checked(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A warehouse with one run of checks: the mart's suite on two year partitions (one
    with a share of 280%), a hand-written SQL check, and a row written by other code."""
    for region, year, value in (("CN", 2019, 26.0), ("CN", 2020, 28.8), ("CN-CQ", 2020, 280.0)):
        con.execute(
            f"INSERT INTO {IV} BY NAME SELECT ? AS region_code, "
            "'renewables_share_electricity' AS indicator_code, ? AS year, ? AS value, "
            "'percent' AS unit, 'official' AS data_kind, 'src' AS source, '2024' AS vintage, "
            "'sha256:x#row=1' AS provenance",
            [region, year, value],
        )
    for year in (2019, 2020):
        checks = suite_checks(INDICATOR_VALUES, f"year = {year}", partition=str(year))
        run_checks(con, checks, run_id="run-a")
    run_checks(con, [CONFLICTS], run_id="run-a")
    con.execute(
        "INSERT INTO quality.check_results (check_name, table_name, partition, run_id, "
        "severity, passed, observed, threshold, rows_query, checked_at) VALUES "
        "('reconcile.example', 'marts.green_manufacturing', 'CN 2020', 'run-a', 'warning', "
        "false, '172 vs 171', 'equal', 'SELECT 1', now()::TIMESTAMP)"
    )
    return con


def test_pages_for_every_validation_and_suite(checked: duckdb.DuckDBPyConnection, tmp_path: Path):
    index = build_data_docs(checked, tmp_path / "docs")
    assert index == tmp_path / "docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    for table, part in ((IV, "2019"), (IV, "2020"), ("staging.observations", None),
                        ("marts.green_manufacturing", "CN 2020")):  # fmt: skip
        page = tmp_path / "docs" / validation_page(table, part)
        assert page.exists(), page
        assert validation_page(table, part) in html
    for t in SUITE_TABLES:
        assert (tmp_path / "docs" / suite_page(t.qualified)).exists()
    failed = (tmp_path / "docs" / validation_page(IV, "2020")).read_text(encoding="utf-8")
    assert "share_within_0_100" in failed and "280.0" in failed
    assert "value is between 0 and 100 where unit = &#x27;percent&#x27; AND" in failed
    passed = (tmp_path / "docs" / validation_page(IV, "2019")).read_text(encoding="utf-8")
    assert "Succeeded" in passed
    other = tmp_path / "docs" / validation_page("marts.green_manufacturing", "CN 2020")
    assert "172 vs 171" in other.read_text(encoding="utf-8")


def test_results_are_written_as_gx_validation_results(
    checked: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    build_data_docs(checked, tmp_path / "docs")
    doc = json.loads(
        (tmp_path / "docs" / validation_page(IV, "2020")).with_suffix(".json").read_text()
    )
    assert doc["suite_name"] == IV and doc["success"] is False
    assert doc["statistics"]["unsuccessful_expectations"] == 1
    gx = pytest.importorskip("great_expectations")
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )

    loaded = ExpectationSuiteValidationResultSchema().load(doc)
    (bad,) = [r for r in loaded.results if not r.success]
    assert bad.expectation_config.type == "expect_column_values_to_be_between"
    assert bad.result["partial_unexpected_list"] == [280.0]
    suite = json.loads((tmp_path / "docs" / "expectations" / f"{IV}.json").read_text())
    gx.get_context(mode="ephemeral")
    assert gx.ExpectationSuite(**suite).name == IV


def test_data_docs_work_offline(checked: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """No web address anywhere, styles and scripts inline, every local link resolves."""
    out = tmp_path / "site" / "quality" / "docs"
    build_data_docs(checked, out)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 2 * len(SUITE_TABLES)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path
        if path.suffix != ".html":
            continue
        assert "<style>" in text and "<link" not in text and "<script src" not in text
        for href in re.findall(r"href='([^'#]+)'", text):
            target = (path.parent / href).resolve()
            # Links out of the Data Docs go to the quality summary and the site index,
            # which their own builders write; every link inside must resolve.
            if out.resolve() in target.parents or target == out.resolve():
                assert target.exists(), (path, href)


def test_offline_removes_web_addresses() -> None:
    text = offline("see https://cdn.example.org/x.js and http://a.b/c?d=1, not ftp://x")
    assert "http" not in text and "ftp://x" in text
