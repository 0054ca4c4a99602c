"""The corrections register: reviewed overrides and drops, applied in staging, visible in
the marts, reversible, and never silent (an approved entry matching nothing is reported)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from quality.checks import ACCOUNTING, MART_PROVENANCE, run_checks
from quality.corrections import (
    REPO_REGISTER,
    UNMATCHED,
    Correction,
    CorrectionsError,
    apply_corrections,
    load_register,
    mark_corrected_values,
    read_register,
)
from sources.ingest import ingest_file
from tests.conftest import greenstat, query
from warehouse.marts import build_indicator_values

HEADER = (
    "id,status,action,source_id,region_code,indicator_code,period,industry_code,"
    "source_sector,fuel,vintage,value,unit,reason,provider,date\n"
)
EXPORT = (
    "数据库：分省年度数据\n指标：地区生产总值(亿元)\n时间：最近2年\n"
    "地区,2024年,2023年\n北京市,49843.1,47760.6\n天津市,18024.3,16737.3\n"
    "数据来源：国家统计局\n"
)
BJ_2024 = (
    "SELECT value, correction_id, value_as_written FROM staging.observations "
    "WHERE region_code = 'CN-BJ' AND indicator_code = 'gdp' AND period = '2024'"
)
MART_BJ_2024 = (
    "SELECT value, correction, source FROM marts.indicator_values "
    "WHERE region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2024"
)


def _register(tmp_path: Path, rows: str, name: str = "corrections.csv") -> Path:
    path = tmp_path / name
    path.write_text("# a note\n" + HEADER + rows, encoding="utf-8")
    return path


def _entry(**kw: object) -> Correction:
    base: dict[str, object] = {
        "id": "C-1",
        "status": "approved",
        "action": "override",
        "region_code": "CN-BJ",
        "indicator_code": "gdp",
        "period": "2024",
        "reason": "typo in the release",
        "provider": "NBS Beijing team",
        "decided_on": date(2026, 1, 2),
    }
    base.update(kw)
    return Correction(**base)  # type: ignore[arg-type]


@pytest.fixture
def staged(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "gdp.csv"
    path.write_text(EXPORT, encoding="utf-8")
    ingest_file(con, path, tmp_path / "archive")
    return con


def _failing(con: duckdb.DuckDBPyConnection, check: object) -> int:
    return run_checks(con, [check], record=False)[0].failing_rows  # type: ignore[list-item]


def test_repo_register_is_valid_and_applies_nothing() -> None:
    entries = load_register([REPO_REGISTER])
    assert entries, "the shipped register illustrates the format"
    assert all(c.status != "approved" for c in entries)
    assert all(c.register == "repo" for c in entries)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("C-1,aproved,drop,,CN-BJ,gdp,2024,,,,,,,r,p,2026-01-01\n", "status 'aproved'"),
        ("C-1,approved,override,,CN-BJ,gdp,2024,,,,,,,r,p,2026-01-01\n", "needs a value"),
        ("C-1,approved,drop,,CN-BJ,gdp,2024,,,,,5,,r,p,2026-01-01\n", "takes no value"),
        ("C-1,approved,drop,,CN-BJ,gdp,24,,,,,,,r,p,2026-01-01\n", "period '24'"),
        ("C-1,approved,drop,,CN-BJ,gdp,2024,,,,,,,,p,2026-01-01\n", "reason is empty"),
        ("C-1,approved,drop,,CN-BJ,gdp,2024,,,,,,,r,p,01/02/2026\n", "date '01/02/2026'"),
        ("C-1,approved,drop,,CN-BJ,gdp,2024\n", "fields"),
    ],
)
def test_a_bad_entry_names_file_line_and_problem(tmp_path: Path, row: str, problem: str) -> None:
    path = _register(tmp_path, row)
    with pytest.raises(CorrectionsError) as info:
        read_register(path)
    message = str(info.value)
    assert "corrections.csv:3" in message and problem in message and "\n" not in message


def test_ids_are_unique_across_repo_and_home(tmp_path: Path) -> None:
    a = _register(tmp_path, "C-1,approved,drop,,CN-BJ,gdp,2024,,,,,,,r,p,2026-01-01\n", "a.csv")
    b = _register(tmp_path, "C-1,proposed,drop,,CN-TJ,gdp,2024,,,,,,,r,p,2026-01-01\n", "b.csv")
    with pytest.raises(CorrectionsError, match="C-1 is already used"):
        load_register([a, b])
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("id,status\nC-1,approved\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match="header"):
        read_register(bad_header)


def test_override_marks_the_row_keeps_the_original_and_reaches_the_marts(
    staged: duckdb.DuckDBPyConnection,
) -> None:
    con = staged
    ((published, _, written),) = con.execute(BJ_2024).fetchall()
    done = apply_corrections(con, [_entry(value=49900.0e8, unit="yuan")])
    assert done.changed_years == {2024}
    assert con.execute(BJ_2024).fetchall() == [(49900.0e8, "C-1", written)]
    (rec,) = con.execute(
        "SELECT applied, matched_rows, original_values, provenance, note FROM quality.corrections"
    ).fetchall()
    assert rec[0] is True and rec[1] == 1 and rec[2] == [published] and rec[4] is None
    # The other region and year are untouched.
    assert con.execute(
        "SELECT count(*) FROM staging.observations WHERE correction_id IS NOT NULL"
    ).fetchall() == [(1,)]
    build_indicator_values(con, [2023, 2024])
    value, correction, source = con.execute(MART_BJ_2024).fetchall()[0]
    assert (value, correction) == (49900.0e8, "C-1") and source.endswith("corrected: C-1")
    assert _failing(con, MART_PROVENANCE) == 0
    assert con.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE correction IS NOT NULL "
        "AND NOT (region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2024)"
    ).fetchall() == [(0,)]


def test_applying_twice_changes_nothing_and_withdrawing_restores(
    staged: duckdb.DuckDBPyConnection,
) -> None:
    con = staged
    before = con.execute("SELECT * FROM staging.observations ORDER BY provenance").fetchall()
    entry = _entry(value=1.0, unit="yuan")
    assert apply_corrections(con, [entry]).changed_years == {2024}
    assert apply_corrections(con, [entry]).changed_years == set()
    # The statistician rejects it on review: the published value comes back.
    undone = apply_corrections(con, [_entry(status="rejected", value=1.0, unit="yuan")])
    assert undone.changed_years == {2024}
    assert con.execute("SELECT * FROM staging.observations ORDER BY provenance").fetchall() == (
        before
    )
    assert con.execute("SELECT applied, note FROM quality.corrections").fetchall() == [
        (False, "status rejected")
    ]


def test_drop_moves_the_row_to_quarantine_and_back(staged: duckdb.DuckDBPyConnection) -> None:
    con = staged
    before = con.execute("SELECT * FROM staging.observations ORDER BY provenance").fetchall()
    files_before = con.execute("SELECT rows_loaded, rows_quarantined FROM raw.files").fetchall()
    done = apply_corrections(con, [_entry(action="drop", region_code="CN-TJ", period="2023")])
    assert done.changed_years == {2023}
    assert con.execute(
        "SELECT count(*) FROM staging.observations WHERE region_code = 'CN-TJ' AND period = '2023'"
    ).fetchall() == [(0,)]
    ((row, reason, raw),) = con.execute(
        "SELECT source_row, reason, raw_values FROM quality.quarantine"
    ).fetchall()
    assert row == 6 and reason.startswith("dropped by correction C-1: typo in the release")
    assert "NBS Beijing team" in reason and '"value_as_written":"16737.3"' in raw
    assert con.execute("SELECT rows_loaded, rows_quarantined FROM raw.files").fetchall() == [
        (files_before[0][0] - 1, files_before[0][1] + 1)
    ]
    assert _failing(con, ACCOUNTING) == 0  # every cell still accounted for
    build_indicator_values(con, [2023])
    assert con.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE region_code = 'CN-TJ' AND year = 2023"
    ).fetchall() == [(0,)]
    assert apply_corrections(con, []).changed_years == {2023}
    assert con.execute("SELECT * FROM staging.observations ORDER BY provenance").fetchall() == (
        before
    )
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchall() == [(0,)]
    assert con.execute("SELECT rows_loaded, rows_quarantined FROM raw.files").fetchall() == (
        files_before
    )
    assert _failing(con, ACCOUNTING) == 0


def test_an_approved_entry_matching_nothing_is_reported(staged: duckdb.DuckDBPyConnection) -> None:
    con = staged
    done = apply_corrections(
        con,
        [
            _entry(id="C-1", period="1999", value=1.0, unit="yuan"),
            _entry(id="C-2", value=1.0, unit="t"),  # wrong unit: not applied either
            _entry(id="C-3", status="proposed", period="1999", value=1.0, unit="yuan"),
            _entry(id="C-4", action="drop", vintage="1990"),
        ],
    )
    assert done.applied == [] and done.changed_years == set()
    notes = dict(con.execute("SELECT correction_id, note FROM quality.corrections").fetchall())
    assert notes["C-1"] == "its key matches no staged figure"
    assert notes["C-2"] == "unit t given, the staged rows are in yuan"
    assert notes["C-3"] == "status proposed"
    assert notes["C-4"] == "its key matches no staged figure"
    # Three approved entries not applied; the proposed one is not a finding.
    assert _failing(con, UNMATCHED) == 3


def test_two_corrections_of_one_row_do_not_stack(staged: duckdb.DuckDBPyConnection) -> None:
    con = staged
    apply_corrections(
        con,
        [_entry(id="A", value=1.0, unit="yuan"), _entry(id="B", value=2.0, unit="yuan")],
    )
    assert con.execute(BJ_2024).fetchall()[0][:2] == (1.0, "A")
    notes = dict(con.execute("SELECT correction_id, note FROM quality.corrections").fetchall())
    assert notes == {"A": None, "B": "the rows are already corrected by A"}


def test_a_derived_value_from_a_corrected_input_is_marked(
    staged: duckdb.DuckDBPyConnection,
) -> None:
    con = staged
    apply_corrections(con, [_entry(value=49900.0e8, unit="yuan")])
    build_indicator_values(con, [2024])
    con.execute(
        "UPDATE marts.indicator_values SET correction = NULL, source = 'x', "
        "provenance = 'derived:gdp', method = 'm', inputs = [provenance] "
        "WHERE region_code = 'CN-BJ' AND year = 2024"
    )
    mark_corrected_values(con, [2024])
    assert con.execute(MART_BJ_2024).fetchall()[0][1:] == ("C-1", "x; corrected: C-1")


def test_cli_ingest_applies_the_home_register(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _register(
        home, "L-1,approved,override,,CN-BJ,gdp,2024,,,,,4.99e12,yuan,local fix,me,2026-01-01\n"
    )
    export = tmp_path / "gdp.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = greenstat("ingest", str(export), home=home)
    assert result.returncode == 0, result.stderr
    assert query(home, MART_BJ_2024)[0][:2] == (4.99e12, "L-1")
    rec = query(
        home, "SELECT register, applied FROM quality.corrections WHERE correction_id = 'L-1'"
    )
    assert rec == [("home", True)]
    # A register that cannot be read stops the write in one line, publishing nothing.
    (home / "corrections.csv").write_text("id,status\n", encoding="utf-8")
    failed = greenstat("ingest", str(export), home=home)
    assert failed.returncode == 1 and "corrections register" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


def test_a_roll_up_without_a_dropped_sector_is_marked(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "INSERT INTO staging.observations (source_id, region_code, indicator_code, "
        "source_sector, period, year, value, unit, vintage, data_kind, provenance, "
        "archive_sha256, source_row) VALUES ('ceads', 'CN-BJ', 'co2_emissions', ?, '2019', "
        "2019, ?, 't CO2', '2022', 'official', ?, 'f', ?)",
        [["Power", 10.0, "p1", 1], ["Steel", 5.0, "p2", 2], ["Cement", 1.0, "p3", 3]],
    )
    con.execute(
        "INSERT INTO raw.files (sha256, original_name, archive_path, size_bytes, ingested_at, "
        "cells_in, rows_loaded, rows_quarantined, cells_missing) "
        "VALUES ('f', 'ceads.csv', 'a/f', 1, now(), 3, 3, 0, 0)"
    )
    apply_corrections(con, [_entry(action="drop", indicator_code="co2_emissions",
                                   period="2019", source_sector="Cement")])  # fmt: skip
    con.execute(
        "INSERT INTO marts.indicator_values (region_code, indicator_code, year, value, unit, "
        "data_kind, source, vintage, provenance, method, inputs) VALUES ('CN-BJ', "
        "'co2_emissions_industry', 2019, 15, 't CO2', 'derived', 's', '2022', "
        "'derived:co2_emissions_industry', 'sum', ['p1', 'p2'])"
    )
    mark_corrected_values(con, [2019])
    assert con.sql("SELECT correction FROM marts.indicator_values").fetchall() == [("C-1",)]
    assert _failing(con, ACCOUNTING) == 0


def test_marts_as_of_a_date_keep_the_marker(tmp_path: Path) -> None:
    from warehouse.as_of import marts_as_of
    from warehouse.ddl import ensure_schema
    from warehouse.ref import load_reference

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as w:
        ensure_schema(w)
        load_reference(w)
        export = tmp_path / "gdp.csv"
        export.write_text(EXPORT, encoding="utf-8")
        ingest_file(w, export, tmp_path / "archive")
        apply_corrections(w, [_entry(value=5.0e12, unit="yuan")])
    with marts_as_of(path, "2026-01-01") as past:
        assert past.execute(MART_BJ_2024).fetchall()[0][:2] == (5.0e12, "C-1")
