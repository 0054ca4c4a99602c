"""Hourly metering: every quarantine rule, accounting, the lake partitions and view,
rollups checked by hand, the gaps check, the demo generator and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from quality.checks import ACCOUNTING, run_checks
from quality.meter_checks import gaps_check, run_gap_checks
from sources import meter_hourly
from sources.archive import archive_file
from sources.credit_code import make_code, problem
from sources.ingest import detect_kind
from sources.meter_hourly import FULL_MONTH_SHARE, months_in_name, stage
from tests.conftest import greenstat, query
from warehouse.meter import build_meter_marts, meter_months

A = make_code("9", "1", "110105", "MA01AAAA")  # Beijing, demo
B = make_code("9", "1", "500103", "MA01BBBB")  # Chongqing, official
C = make_code("9", "1", "440300", "MA01CCCC")  # valid, but not in the register
HEADER = "credit_code,hour,kwh,green_kwh"


@pytest.fixture
def wh(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The warehouse fixture with two enterprises in the register."""
    con.execute(
        "INSERT INTO staging.enterprises (enterprise_id, credit_code, name_zh, kind, "
        "region_code, province_code, data_kind) VALUES "
        "(?, ?, 'A', 'enterprise', 'CN-BJ', 'CN-BJ', 'demo'), "
        "(?, ?, 'B', 'enterprise', 'CN-CQ', 'CN-CQ', 'official')",
        [A, A, B, B],
    )
    return con


def _stage(con: duckdb.DuckDBPyConnection, home: Path, name: str, lines: list[str]):
    path = home.parent / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    archived = archive_file(path, home / "archive")
    staged = stage(con, archived)
    # raw.files as ingest records it, so the blocking accounting check can run
    con.execute("DELETE FROM raw.files WHERE sha256 = ?", [archived.sha256])
    con.execute(
        "INSERT INTO raw.files BY NAME SELECT ? AS sha256, ? AS original_name, "
        "? AS archive_path, 0 AS size_bytes, 'enterprise_meter_hourly' AS kind, "
        "? AS cells_in, ? AS rows_loaded, ? AS rows_quarantined, 0 AS cells_missing, "
        "? AS ingested_at",
        [
            archived.sha256,
            name,
            str(archived.archive_path),
            staged.rows_in,
            staged.staged,
            staged.quarantined,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
    return archived, staged


def _reasons(con: duckdb.DuckDBPyConnection, sha: str) -> dict[int, str]:
    rows = con.execute(
        "SELECT source_row, reason FROM quality.quarantine WHERE archive_sha256 = ?", [sha]
    ).fetchall()
    return dict(rows)


def _accounted(con: duckdb.DuckDBPyConnection) -> bool:
    return run_checks(con, [ACCOUNTING], record=False)[0].passed


def test_every_rule_quarantines_with_its_row_and_reason(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    lines = [
        HEADER,
        f"{A},2024-03-01 00:00:00,10,2",  # 2 ok
        f"{A},2024-03-01 01:00:00,11,3",  # 3 ok
        f"{A},2024-03-01 01:00:00,11,3",  # 4 repeats row 3
        f"{A},2024-03-01 02:00:00,-1,0",  # 5 negative kwh (and green above kwh)
        f"{A},2024-03-01 03:00:00,5,-2",  # 6 negative green
        f"{A},2024-03-01 04:00:00,5,6",  # 7 green above kwh
        f"{A},2024-04-01 00:00:00,5,1",  # 8 outside the file's month
        f"{C},2024-03-01 00:00:00,1,0",  # 9 not in the register
        "91110000XXXXXXXXXX,2024-03-01 00:00:00,1,0",  # 10 bad check character
        f"{A},2024-03-01 xx:00:00,1,0",  # 11 unparseable hour
        f"{A},2024-03-01 05:00:00,abc,0",  # 12 unparseable number
        f"{A},2024-03-01 06:00:00,1",  # 13 too few fields
        f"{A},2024-03-01 07:30:00,1,0",  # 14 not the start of an hour
        f"{B},2024-03-31 23:00:00,7,0",  # 15 ok
        ",2024-03-01 08:00:00,1,0",  # 16 empty code
        f"{B},2024-03-01 08:00:00,,0",  # 17 empty kwh
    ]
    archived, staged = _stage(wh, home, "meter_2024-03.csv", lines)
    reasons = _reasons(wh, archived.sha256)
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17]
    assert reasons[4] == f"repeats the hour 2024-03-01 01:00:00 of {A} at row 3"
    assert "kwh is negative (-1.0)" in reasons[5]
    assert reasons[6] == "green_kwh is negative (-2.0)"
    assert reasons[7] == "green_kwh (6.0) exceeds kwh (5.0)"
    assert reasons[8] == "hour 2024-04-01 00:00:00 is outside the file's months (2024-03)"
    assert "is not in the enterprise register" in reasons[9] and C in reasons[9]
    assert "check character" in reasons[10] and "should be" in reasons[10]
    assert reasons[11].startswith("malformed record") and "TIMESTAMP" in reasons[11]
    assert reasons[12].startswith("malformed record") and "DOUBLE" in reasons[12]
    assert reasons[13].startswith("malformed record") and "Columns" in reasons[13]
    assert reasons[14] == "hour 2024-03-01 07:30:00 is not the start of an hour"
    assert "credit_code is empty" in reasons[16]
    assert reasons[17] == "kwh is empty"
    assert (staged.rows_in, staged.staged, staged.quarantined) == (16, 3, 13)
    view = wh.sql(
        "SELECT source_row, strftime(timezone('Asia/Shanghai', hour), '%Y-%m-%d %H'), month, "
        "year, kwh, data_kind, provenance FROM staging.enterprise_meter_hourly ORDER BY 1"
    ).fetchall()
    assert [(r[0], r[1]) for r in view] == [(2, "2024-03-01 00"), (3, "2024-03-01 01"),
                                            (15, "2024-03-31 23")]  # fmt: skip
    assert view[0][2:6] == (datetime(2024, 3, 1).date(), 2024, 10.0, "official")
    assert view[0][6] == f"sha256:{archived.sha256}#row=2"
    assert _accounted(wh)


def test_clean_monthly_file_streams_in_one_pass_with_its_rows_numbered(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [HEADER + ",data_kind"]
    for h in range(48):  # the two enterprises interleaved, not one after the other
        lines += [
            f"{A},2024-02-{1 + h // 24:02d} {h % 24:02d}:00:00,{h + 1},1,demo",
            f"{B},2024-02-{1 + h // 24:02d} {h % 24:02d}:00:00,{2 * h},0,official",
        ]
    lines.append(f"{B},2024-02-29 23:00:00,5,5,")  # leap day; empty data_kind: official
    archived, staged = _stage(wh, tmp_path / "home", "meter_2024-02.csv", lines)
    assert (staged.rows_in, staged.staged, staged.quarantined) == (97, 97, 0)
    assert any("one pass" in n for n in staged.meta["notes"])
    stored = tmp_path / "home" / "lake" / "staging" / "enterprise_meter_hourly"
    (file,) = list(stored.rglob("*.parquet"))
    assert file.parent.name == "month=2024-02"
    assert "source_row" not in wh.sql(f"DESCRIBE SELECT * FROM '{file}'").pl()["column_name"]
    view = wh.sql(
        "SELECT source_row, credit_code, strftime(timezone('Asia/Shanghai', hour), "
        "'%Y-%m-%d %H'), kwh, data_kind FROM staging.enterprise_meter_hourly ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in view] == list(range(2, 99))  # each row is its line
    for row in (view[0], view[3], view[-1]):
        code, hour, kwh, _green, kind = lines[row[0] - 1].split(",")
        assert (row[1], row[2], row[3]) == (code, hour[:13], float(kwh))
        assert row[4] == (kind or "official")
    # The careful path stages exactly the same rows.
    careful = meter_hourly._stage_checked(wh, archived, tmp_path / "home" / "lake")
    assert careful.staged == 97 and not any("one pass" in n for n in careful.meta["notes"])
    assert (
        wh.sql(
            "SELECT source_row, credit_code, strftime(timezone('Asia/Shanghai', hour), "
            "'%Y-%m-%d %H'), kwh, data_kind FROM staging.enterprise_meter_hourly ORDER BY 1"
        ).fetchall()
        == view
    )
    assert _accounted(wh)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (f"{A},2024-03-01 00:00:00,4,0", f"repeats the hour 2024-03-01 00:00:00 of {A} at row 2"),
        (f"{C},2024-03-01 02:00:00,4,0", "is not in the enterprise register"),
        (f'"{A}",2024-03-01 05:00:00,4,0', None),  # quoted: fine, read by the careful path
        (f"{B},2024-03-01 02:00:00,-4,0", "kwh is negative (-4.0)"),
        (f"{B},2024-03-01 02:00:00,4,5", "green_kwh (5.0) exceeds kwh (4.0)"),
        (f"{B},2024-03-01 02:30:00,4,0", "is not the start of an hour"),
        (f"{B},2024-04-01 00:00:00,4,0", "is outside the file's months (2024-03)"),
        (f"{B},2024-02-29 23:00:00,4,0", "is outside the file's months (2024-03)"),
        (f"{B},2024-03-01 02:00:00,,0", "kwh is empty"),
        (",2024-03-01 02:00:00,4,0", "credit_code is empty"),
        (f"{B},2024-03-01 02:00:00,4,0,x", "malformed record"),
    ],
)
def test_what_the_one_pass_cannot_vouch_for_goes_the_careful_way(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path, row: str, reason: str | None
) -> None:
    lines = [HEADER] + [f"{A},2024-03-01 {h:02d}:00:00,{h},0" for h in range(3)]
    lines += [f"{B},2024-03-01 {h:02d}:00:00,{h},0" for h in range(2)] + [row]
    home = tmp_path / "home"
    archived, staged = _stage(wh, home, "meter_2024-03.csv", lines)
    assert not any("one pass" in n for n in staged.meta["notes"])
    reasons = _reasons(wh, archived.sha256)
    if reason is None:
        assert reasons == {} and staged.staged == 6
    else:
        assert list(reasons) == [7] and reason in reasons[7]
        assert (staged.staged, staged.quarantined) == (5, 1)
    assert not [p for p in (home / "lake").rglob("*") if p.name.startswith(".inc")]
    assert _accounted(wh)


def test_hour_is_shanghai_time_stored_as_an_instant(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _stage(wh, tmp_path / "home", "m_2024-01.csv", [HEADER, f"{A},2024-01-01 00:00:00,1,0"])
    (hour,) = wh.sql("SELECT epoch(hour) FROM staging.enterprise_meter_hourly").fetchall()[0]
    assert hour == datetime(2023, 12, 31, 16, tzinfo=UTC).timestamp()  # UTC+8, no DST


def test_month_range_from_the_name_or_the_full_months(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert months_in_name("grid_202403.csv").label() == "2024-03"
    assert months_in_name("meter_2024-01_2024-03.csv").label() == "2024-01 to 2024-03"
    assert months_in_name("meter_20240315.csv") is None  # a date, not a month
    assert months_in_name("meter.csv") is None
    # No month in the name: the full months (>= half the fullest) bound the file.
    assert FULL_MONTH_SHARE == 0.5
    lines = [HEADER] + [f"{A},2024-05-{d:02d} 00:00:00,1,0" for d in range(1, 11)]
    lines += [f"{B},2024-06-{d:02d} 00:00:00,1,0" for d in range(1, 6)]  # half: full
    lines += [f"{B},2024-08-01 00:00:00,1,0"]  # a stray row
    archived, staged = _stage(wh, tmp_path / "home", "meter.csv", lines)
    assert _reasons(wh, archived.sha256) == {
        17: "hour 2024-08-01 00:00:00 is outside the file's months (2024-05 to 2024-06)"
    }
    assert staged.meta["months"] == ["2024-05", "2024-06"]


def test_duplicate_across_files_and_restage_replaces_the_partition(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first, _ = _stage(
        wh, home, "a_2024-03.csv", [HEADER, f"{A},2024-03-01 00:00:00,1,0",
                                    f"{A},2024-03-01 01:00:00,2,0"]
    )  # fmt: skip
    second, staged = _stage(
        wh, home, "b_2024-03.csv", [HEADER, f"{A},2024-03-01 01:00:00,9,0",
                                    f"{A},2024-03-01 02:00:00,3,0"]
    )  # fmt: skip
    assert _reasons(wh, second.sha256) == {
        2: f"the hour 2024-03-01 01:00:00 of {A} is already staged from a_2024-03.csv row 3"
    }
    assert staged.staged == 1
    # Restaging the first file (twice) replaces its file: no duplicate rows, same totals.
    for _ in range(2):
        _stage(wh, home, "a_2024-03.csv", [HEADER, f"{A},2024-03-01 00:00:00,1,0",
                                           f"{A},2024-03-01 01:00:00,2,0"])  # fmt: skip
    assert wh.sql(
        "SELECT count(*), count(DISTINCT hour), sum(kwh) FROM staging.enterprise_meter_hourly"
    ).fetchall()[0] == (3, 3, 6.0)
    files = sorted(p.name for p in (home / "lake").rglob("*.parquet"))
    assert files == sorted([f"{first.sha256}.parquet", f"{second.sha256}.parquet"])
    assert not list((home / "lake").rglob("*.tmp")) and not list((home / "lake").rglob(".inc*"))
    assert _accounted(wh)
    # The accounting check reads the files' footers: a file gone from the lake fails it.
    (home / "lake" / "staging" / "enterprise_meter_hourly" / "month=2024-03"
     / f"{second.sha256}.parquet").unlink()  # fmt: skip
    meter_hourly.publish_lake_view(wh, home / "lake", meter_hourly._T)
    assert not _accounted(wh)


def test_rollups_by_hand_and_idempotent(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = [
        HEADER + ",data_kind",
        f"{A},2024-01-01 00:00:00,10,1,demo",
        f"{A},2024-01-01 01:00:00,20,2,demo",
        f"{B},2024-01-15 12:00:00,5,5,official",
        f"{A},2024-02-01 00:00:00,7,0,demo",
    ]
    _stage(wh, tmp_path / "home", "meter_2024-01_2024-02.csv", lines)
    assert meter_months(wh) == ["2024-01", "2024-02"]
    for _ in range(2):  # a second run replaces, never adds
        assert build_meter_marts(wh, ["2024-01", "2024-02"]) == {"2024-01": 2, "2024-02": 1}
    ent = wh.sql(
        "SELECT credit_code, region_code, year, month, kwh, green_kwh, hours, data_kind "
        "FROM marts.enterprise_electricity ORDER BY credit_code, month NULLS FIRST"
    ).fetchall()
    assert ent == [
        (A, "CN-BJ", 2024, None, 37.0, 3.0, 3, "demo"),
        (A, "CN-BJ", 2024, 1, 30.0, 3.0, 2, "demo"),
        (A, "CN-BJ", 2024, 2, 7.0, 0.0, 1, "demo"),
        (B, "CN-CQ", 2024, None, 5.0, 5.0, 1, "derived"),
        (B, "CN-CQ", 2024, 1, 5.0, 5.0, 1, "derived"),
    ]
    reg = wh.sql(
        "SELECT region_code, month, enterprises, kwh, green_kwh, data_kind "
        "FROM marts.region_metered_electricity ORDER BY region_code, month NULLS FIRST"
    ).fetchall()
    assert reg == [
        ("CN", None, 2, 42.0, 8.0, "demo"),
        ("CN", 1, 2, 35.0, 8.0, "demo"),
        ("CN", 2, 1, 7.0, 0.0, "demo"),
        ("CN-BJ", None, 1, 37.0, 3.0, "demo"),
        ("CN-BJ", 1, 1, 30.0, 3.0, "demo"),
        ("CN-BJ", 2, 1, 7.0, 0.0, "demo"),
        ("CN-CQ", None, 1, 5.0, 5.0, "derived"),
        ("CN-CQ", 1, 1, 5.0, 5.0, "derived"),
    ]
    # A month that left the lake leaves the marts when rebuilt.
    assert build_meter_marts(wh, ["2024-03"]) == {"2024-03": 0}


def test_an_enterprise_gone_from_the_register_stops_the_rollup_by_name(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from quality.checks import BlockingCheckError, gate
    from quality.meter_checks import rollup_complete_check

    lines = [HEADER, f"{A},2024-01-01 00:00:00,10,1", f"{B},2024-01-01 00:00:00,5,0",
             f"{B},2024-01-01 01:00:00,5,0"]  # fmt: skip
    _stage(wh, tmp_path / "home", "meter_2024-01.csv", lines)
    build_meter_marts(wh, ["2024-01"])
    assert gate(wh, [rollup_complete_check("2024-01")])[0].passed
    # B leaves the register after its metering was staged: its two hours would drop out.
    wh.execute("DELETE FROM staging.enterprises WHERE credit_code = ?", [B])
    build_meter_marts(wh, ["2024-01"])
    with pytest.raises(BlockingCheckError) as err:
        gate(wh, [rollup_complete_check("2024-01")])
    assert "every_metered_hour_2024-01: FAILED: 1 rows" in str(err.value)
    assert f"metered_hours=3, hours_rolled_up=1, not_in_register=['{B}']" in str(err.value)


def test_gaps_check_fails_on_a_missing_hour(wh: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    hours = pl.datetime_range(
        datetime(2024, 2, 1), datetime(2024, 2, 29, 23), "1h", eager=True
    ).dt.strftime("%Y-%m-%d %H:%M:%S")
    full = [f"{A},{h},1,0" for h in hours]
    assert len(full) == 29 * 24
    gappy = [f"{B},{h},1,0" for i, h in enumerate(hours) if i != 100]
    _stage(wh, tmp_path / "home", "full_2024-02.csv", [HEADER, *full])
    assert [o.passed for o in run_gap_checks(wh, ["2024-02"])] == [True]
    _stage(wh, tmp_path / "home", "gappy_2024-02.csv", [HEADER, *gappy])
    (outcome,) = run_gap_checks(wh, ["2024-02"])
    assert outcome.failing_rows == 1 and outcome.check.severity == "warning"
    rows = wh.sql(gaps_check("2024-02").rows_query).fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [(B, "2024-02", 695, 696, 1)]
    assert wh.sql("SELECT count(*) FROM quality.check_results").fetchall()[0] == (2,)


def test_demo_meter_is_deterministic_and_uses_register_codes(tmp_path: Path) -> None:
    from sources.demo_enterprises import write_demo_filings
    from sources.demo_meter import demo_register, write_demo_meter

    a = write_demo_meter(tmp_path / "a")
    b = write_demo_meter(tmp_path / "b")
    assert a.name == "greenstat_demo_meter_2024-01_2024-03.csv"
    assert a.read_bytes() == b.read_bytes()
    df = pl.read_csv(a)
    assert df.columns == ["credit_code", "hour", "kwh", "green_kwh", "data_kind"]
    assert df.height == 40 * (31 + 29 + 31) * 24
    assert set(df["data_kind"]) == {"demo"}
    assert (df["green_kwh"] <= df["kwh"]).all() and (df["green_kwh"] >= 0).all()
    codes = set(df["credit_code"])
    assert len(codes) == 40 and all(problem(c) is None for c in codes)
    assert {c[2:4] for c in codes} == {"11", "50"}
    filed = set(pl.read_csv(write_demo_filings(tmp_path / "f"))["credit_code"])
    assert codes <= filed and codes <= set(demo_register()["credit_code"])
    # A shift plant uses more by day than by night; green share rises with the year.
    reg = demo_register()
    share = (
        reg.group_by("year")
        .agg(pl.col("green_electricity_kwh").sum() / pl.col("electricity_kwh").sum())
        .sort("year")
    )
    assert share[share.columns[1]].is_sorted()


def test_cli_ingest_recognises_metering_and_accounts(tmp_path: Path) -> None:
    from sources.demo_enterprises import write_demo_filings
    from sources.demo_meter import write_demo_meter

    filings = write_demo_filings(tmp_path / "gen")
    meter = write_demo_meter(tmp_path / "gen")
    assert detect_kind(meter) == "enterprise_meter_hourly"
    home = tmp_path / "home"
    assert greenstat("ingest", str(filings), home=home).returncode == 0
    out = greenstat("ingest", str(meter), home=home)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "kind enterprise_meter_hourly, 87360 rows loaded, 0 rows quarantined" in out.stdout
    # Published: an analyst's read-only connection sees the view over the lake.
    assert query(home, "SELECT count(*), min(data_kind) FROM staging.enterprise_meter_hourly") == [
        (87360, "demo")
    ]
    assert query(home, "SELECT sum(rows) FROM staging.enterprise_meter_hourly_files") == [(87360,)]
    parts = sorted(p.name for p in (home / "lake/staging/enterprise_meter_hourly").iterdir())
    assert parts == ["month=2024-01", "month=2024-02", "month=2024-03"]
    # Re-ingesting the same file keeps one copy of each row.
    assert greenstat("ingest", str(meter), home=home).returncode == 0
    assert query(home, "SELECT count(*) FROM staging.enterprise_meter_hourly") == [(87360,)]


def test_a_data_kind_outside_the_set_goes_the_careful_way(
    wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [HEADER + ",data_kind"] + [f"{A},2024-03-01 {h:02d}:00:00,{h},0,demo" for h in range(3)]
    lines.append(f"{B},2024-03-01 00:00:00,1,0,Demo")
    archived, staged = _stage(wh, tmp_path / "home", "meter_2024-03.csv", lines)
    assert _reasons(wh, archived.sha256) == {5: "data_kind 'Demo' is not official or demo"}
    assert (staged.staged, staged.quarantined) == (3, 1)
