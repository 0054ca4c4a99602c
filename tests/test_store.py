"""The warehouse file: atomic publish, one writer at a time, readers never blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from greenstat.settings import home
from tests.conftest import greenstat
from warehouse.ddl import full_ddl
from warehouse.store import Warehouse, WarehouseError
from warehouse.tables import TABLES


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(home(tmp_path / "home").ensure())


def test_write_creates_every_table_with_bilingual_comments(wh: Warehouse) -> None:
    with wh.write():
        pass
    with wh.connect_read() as con:
        tables = {
            (s, t)
            for s, t in con.sql("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        }
        views = {
            (s, t)
            for s, t in con.sql("SELECT schema_name, view_name FROM duckdb_views()").fetchall()
        }
        # Tables in the warehouse file; lake-backed ones (hourly metering) are views.
        assert {(t.schema, t.name) for t in TABLES if t.storage == "table"} <= tables
        assert {(t.schema, t.name) for t in TABLES if t.storage == "lake"} <= views
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE schema_name = 'staging' "
            "AND table_name = 'observations' AND column_name = 'data_kind'"
        ).fetchone()
    assert comment is not None and "official" in comment[0] and "数据性质" in comment[0]


def test_failed_write_publishes_nothing(wh: Warehouse) -> None:
    with wh.write() as con:
        con.execute(
            "INSERT INTO ref.indicators (indicator_code, name_zh, name_en, unit, "
            "direction) VALUES ('a', '甲', 'A', 'count', 'higher')"
        )
    with pytest.raises(RuntimeError), wh.write() as con:
        con.execute("DELETE FROM ref.indicators")
        raise RuntimeError("boom")
    with wh.connect_read() as con:
        assert con.execute("SELECT count(*) FROM ref.indicators").fetchone() == (1,)
    assert list(wh.home.build.glob("*.duckdb")) == []


def test_reader_keeps_its_snapshot_while_a_writer_publishes(wh: Warehouse) -> None:
    with wh.write() as con:
        con.execute("CREATE TABLE ref.t AS SELECT 1 AS v")
    reader = wh.connect_read()
    with wh.write() as con:
        con.execute("UPDATE ref.t SET v = 2")
    assert reader.execute("SELECT v FROM ref.t").fetchone() == (1,)  # old, complete snapshot
    reader.close()
    with wh.connect_read() as fresh:
        assert fresh.execute("SELECT v FROM ref.t").fetchone() == (2,)


def test_writers_are_serialised(wh: Warehouse) -> None:
    with wh.write() as con:
        con.execute("CREATE TABLE ref.counter AS SELECT 0 AS n")

    def bump() -> None:
        for _ in range(5):
            with wh.write() as con:
                con.execute("UPDATE ref.counter SET n = n + 1")

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with wh.connect_read() as con:
        assert con.execute("SELECT n FROM ref.counter").fetchone() == (15,)


def test_foreign_writer_is_detected(wh: Warehouse) -> None:
    with wh.write():
        pass
    wal = wh.path.with_name(wh.path.name + ".wal")
    wal.write_bytes(b"x")
    with pytest.raises(WarehouseError, match="outside greenstat"), wh.write():
        pass


def test_read_without_warehouse_says_what_to_do(wh: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="greenstat run"):
        wh.connect_read()


def test_ddl_script_runs_on_a_fresh_database() -> None:
    con = duckdb.connect()
    con.execute(full_ddl())
    n = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    assert n == (len([t for t in TABLES if t.storage == "table"]),)


READER = textwrap.dedent("""
    import sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    con = duckdb.connect(path, read_only=True)
    import os
    answers = 0
    while not os.path.exists(stop):
        n = con.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0]
        assert n > 0, "reader saw an empty mart"
        answers += 1
        time.sleep(0.02)
    print(answers)
""")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hold", "reconnect"])
def test_analyst_holding_the_file_does_not_fail_a_run(
    demo_home: Path, tmp_path: Path, mode: str
) -> None:
    """A read-only reader in another process holds warehouse.duckdb open through a whole
    `greenstat run` (or reconnects every few milliseconds); the run succeeds and the
    reader keeps getting complete answers throughout."""
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(demo_home / "warehouse.duckdb"), str(stop), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    assert reader.poll() is None, reader.stderr.read() if reader.stderr else ""
    run = greenstat("run", home=demo_home)
    still_reading = reader.poll() is None
    stop.touch()
    out, err = reader.communicate(timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    assert still_reading, err
    assert reader.returncode == 0, err
    assert int(out.strip()) > 10
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0] > 0


def test_filings_held_as_a_table_move_to_the_lake_on_the_next_write(wh: Warehouse) -> None:
    """A warehouse from before decision 29 holds the filings as a table and exports them
    by year: the next write moves each file's rows to its lake file, drops the table and
    the exports, and the view gives the same rows."""
    import dataclasses

    from warehouse.ddl import create_table_sql, ensure_schema
    from warehouse.tables import ENTERPRISE_FILINGS

    with wh.write():
        pass
    old = dataclasses.replace(ENTERPRISE_FILINGS, storage="table", lake_partition="year")
    row = (
        "'91110000600037341L', '示例', '110105', 'CN-BJ', 'CN-BJ', 'C3011', 'C30', 2023, "
        "12000, 5e6, 1e6, 3000, NULL, NULL, NULL, 1e5, 9e5, 5e7, 3e4, 'A', 'official'"
    )
    with duckdb.connect(str(wh.path)) as con:
        con.execute(f"DROP VIEW {ENTERPRISE_FILINGS.qualified}")
        con.execute(f"DROP VIEW {ENTERPRISE_FILINGS.qualified}_files")
        con.execute(create_table_sql(old))
        for sha, n in (("a" * 64, 2), ("b" * 64, 7)):
            con.execute(f"INSERT INTO {old.qualified} BY NAME SELECT * FROM (VALUES ({row}, "
                        f"'{sha}', {n})) v({', '.join(old.stored_column_names)})")  # fmt: skip
        with pytest.raises(RuntimeError, match="holds 2 rows from before it moved"):
            ensure_schema(con)  # no lake to move them to: refused, nothing dropped
    export = wh.home.lake / "staging" / "enterprise_filings" / "year=2023" / "data.parquet"
    export.parent.mkdir(parents=True)
    export.write_bytes(b"PAR1")
    with wh.write():
        pass
    with wh.connect_read() as con:
        assert con.execute(
            "SELECT archive_sha256, source_row, provenance, energy_tce "
            "FROM staging.enterprise_filings ORDER BY 1"
        ).fetchall() == [
            ("a" * 64, 2, f"sha256:{'a' * 64}#row=2", 12000.0),
            ("b" * 64, 7, f"sha256:{'b' * 64}#row=7", 12000.0),
        ]
        kinds = con.execute(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_schema = 'staging' AND table_name = 'enterprise_filings'"
        ).fetchall()
    assert kinds == [("VIEW",)]
    lake = wh.home.lake / "staging" / "enterprise_filings"
    assert sorted(p.name for p in lake.iterdir()) == [f"{'a' * 64}.parquet", f"{'b' * 64}.parquet"]


def test_a_copied_data_home_reads_its_own_lake_and_archive(wh: Warehouse, tmp_path: Path) -> None:
    """Lake views and raw.files name files by absolute path: the first read or write in a
    copied or moved home points them at the copy's own files, so the original can go."""
    import shutil

    from sources.ingest import ingest_file
    from warehouse.ref import load_reference

    filing = tmp_path / "filing.csv"
    filing.write_text(
        "credit_code,enterprise_name,region_code,industry_code,year,energy_tce\n"
        "91110000600037341L,示例,110105,C3011,2023,12000\n",
        encoding="utf-8",
    )
    with wh.write() as con:
        load_reference(con)
        ingest_file(con, filing, wh.home.archive)
    moved = home(tmp_path / "elsewhere")
    shutil.copytree(wh.home.root, moved.root)
    shutil.rmtree(wh.home.root)
    # Reading is enough: greenstat's read (progress, report) re-points them first.
    with Warehouse(moved).connect_read() as con:
        (path,) = con.execute("SELECT archive_path FROM raw.files").fetchone()
        assert Path(path).is_relative_to(moved.archive) and Path(path).exists()
        assert con.execute(
            "SELECT count(*), min(file) FROM staging.enterprise_filings_files"
        ).fetchone() == (1, str(next((moved.lake / "staging" / "enterprise_filings").iterdir())))
        assert con.execute("SELECT energy_tce FROM staging.enterprise_filings").fetchall() == [
            (12000.0,)
        ]
