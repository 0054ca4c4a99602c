"""Regressions for bugs found in review: each test failed before its fix."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from greenstat.settings import home
from tests.conftest import greenstat, query
from warehouse.lake import export_years
from warehouse.store import Warehouse
from warehouse.tables import INDICATOR_VALUES

BJ_POP_2024 = (
    "SELECT value_as_written FROM marts.indicator_values v JOIN staging.observations "
    "o USING (provenance) WHERE v.region_code = 'CN-BJ' AND v.indicator_code = "
    "'population_year_end' AND v.year = 2024"
)


@pytest.mark.slow
def test_a_rerun_does_not_change_which_source_wins(
    demo_home: Path, nbs_dir: Path, tmp_path: Path
) -> None:
    """A user's file of the same vintage, received after the embedded extract, keeps
    winning after `greenstat run` re-reads the embedded extract."""
    src = (nbs_dir / "1lmq" / "分省年度数据.csv").read_bytes().decode("gb18030")
    edited = tmp_path / "pop.csv"
    edited.write_bytes(src.replace("北京市,2183,", "北京市,2999,").encode("gb18030"))
    assert greenstat("ingest", str(edited), home=demo_home).returncode == 0
    assert query(demo_home, BJ_POP_2024) == [("2999",)]
    assert greenstat("run", home=demo_home).returncode == 0
    assert query(demo_home, BJ_POP_2024) == [("2999",)]
    conflicts = query(
        demo_home,
        "SELECT passed FROM quality.check_results WHERE check_name = "
        "'staging.observations.same_vintage_conflicts' ORDER BY checked_at DESC "
        "LIMIT 1",
    )
    assert conflicts == [(False,)]  # reported for review, not hidden


def test_same_region_twice_in_one_file_is_quarantined(nbs_dir: Path, tmp_path: Path) -> None:
    text = (nbs_dir / "1lmq" / "分省年度数据.csv").read_bytes().decode("gb18030")
    lines = text.splitlines()
    lines.insert(14, "北京市,9999,2186,2184,2189,2189,2190,2192,2194,2195,2188")
    path = tmp_path / "dup.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    h = tmp_path / "home"
    result = greenstat("ingest", str(path), home=h)
    assert result.returncode == 0, result.stderr
    assert query(h, "SELECT count(*) FROM staging.observations WHERE region_code = 'CN-BJ'") == [
        (0,)
    ]
    rows = query(
        h,
        "SELECT count(*), min(reason) FROM quality.quarantine WHERE reason LIKE '%more than once%'",
    )
    assert rows[0][0] == 20 and "CN-BJ" in rows[0][1]


def test_reingest_with_fewer_years_rebuilds_the_years_it_left(
    nbs_dir: Path, tmp_path: Path
) -> None:
    h = tmp_path / "home"
    path = nbs_dir / "tec_expenditure" / "分省年度数据_6.csv"  # GDP, inferred from its note
    assert greenstat("ingest", str(path), "--vintage", "2026", home=h).returncode == 0
    assert query(h, "SELECT count(*) FROM marts.indicator_values WHERE year = 2015") != [(0,)]
    # Same bytes, now told they hold an indicator greenstat does not know: nothing loads.
    again = greenstat("ingest", str(path), "--indicator", "火星产量(亿元)", home=h)
    assert again.returncode == 0, again.stderr
    assert query(h, "SELECT count(*) FROM staging.observations") == [(0,)]
    assert query(h, "SELECT count(*) FROM marts.indicator_values") == [(0,)]
    part = h / "lake" / "marts" / "indicator_values" / "year=2015"
    assert not part.exists()


def test_lake_is_untouched_when_a_write_fails(tmp_path: Path) -> None:
    wh = Warehouse(home(tmp_path / "h").ensure())
    with wh.write() as con:
        con.execute(
            "INSERT INTO marts.indicator_values (region_code, indicator_code, year, value, "
            "unit, data_kind, source, vintage, provenance) VALUES ('CN-BJ', 'gdp', 2024, 1.0, "
            "'yuan', 'official', 's', '2025', 'p')"
        )
        wh.after_publish(lambda ro: export_years(ro, wh.home.lake, INDICATOR_VALUES, [2024]))
    part = wh.home.lake / "marts" / "indicator_values" / "year=2024" / "data.parquet"
    assert part.exists()
    with pytest.raises(RuntimeError), wh.write() as con:
        con.execute("DELETE FROM marts.indicator_values")
        wh.after_publish(lambda ro: export_years(ro, wh.home.lake, INDICATOR_VALUES, [2024]))
        raise RuntimeError("fails before publish")
    assert part.exists()
    assert not list(part.parent.glob("*.tmp"))


def test_a_crashed_writer_leaves_no_copy_behind(tmp_path: Path) -> None:
    wh = Warehouse(home(tmp_path / "h").ensure())
    stale = wh.home.build / "warehouse-999999-dead.duckdb"
    stale.write_bytes(b"x" * 1000)
    with wh.write():
        pass
    assert not stale.exists()


def test_vintage_must_be_a_date(nbs_dir: Path, tmp_path: Path) -> None:
    result = greenstat(
        "ingest",
        str(nbs_dir / "1lmq" / "分省年度数据.csv"),
        "--vintage",
        "march 2024",
        home=tmp_path / "h",
    )
    assert result.returncode == 2 and "YYYY" in result.stderr


def test_truncated_csv_quarantines_the_cut_row(nbs_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes((nbs_dir / "1lmq" / "分省年度数据.csv").read_bytes()[:200])
    h = tmp_path / "h"
    result = greenstat("ingest", str(path), home=h)
    assert result.returncode == 0, result.stderr
    assert "0 cells marked missing" in result.stdout
    reasons = query(h, "SELECT DISTINCT reason FROM quality.quarantine")
    assert reasons and "truncated" in reasons[0][0]


def test_default_home_inside_the_checkout_is_the_checkout_data(monkeypatch) -> None:
    from greenstat.settings import PROJECT_ROOT

    monkeypatch.delenv("GREENSTAT_HOME", raising=False)
    monkeypatch.chdir(PROJECT_ROOT / "docs")
    assert home().root == PROJECT_ROOT / "data"
    os.chdir(PROJECT_ROOT)


def test_a_failed_warning_reads_as_rows_to_review_and_a_blocking_one_as_failed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Warnings never block, so they must not print as FAILED beside the blocking rules."""
    from quality.checks import Check, run_checks

    rows = "SELECT * FROM range(3)"
    warn, block = (Check(f"t.{s}", "t", s, rows) for s in ("warning", "blocking"))
    lines = [o.line() for o in run_checks(con, [warn, block], record=False)]
    assert lines == ["t.warning: 3 rows to review", "t.blocking: FAILED: 3 rows"]
