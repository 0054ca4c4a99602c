"""Issue 6: hourly provincial load, green power trades and marts.green_power."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from sources.demo_grid import write_demo_load, write_demo_trades
from sources.errors import SourceFormatError
from sources.grid_load import KNOWN_YEARS, year_of
from sources.ingest import detect_kind, ingest_file
from tests.conftest import query
from warehouse.green_power import build_green_power
from warehouse.marts import build_indicator_values

PYPSA_LOAD = "pypsa_china_pik/Hourly_demand_of_31_province_China_modified_V2.1.csv"
CODE = "91110000600037341L"


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, tmp_path: Path):
    return ingest_file(con, path, tmp_path / "archive")


def _reasons(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str | None], str]:
    rows = con.execute(
        "SELECT source_row, source_column, reason FROM quality.quarantine"
    ).fetchall()
    return {(r, c): reason for r, c, reason in rows}


def _accounted(con: duckdb.DuckDBPyConnection) -> None:
    ((cells_in, loaded, quarantined, staged, q),) = con.execute(
        """SELECT sum(cells_in), sum(rows_loaded), sum(rows_quarantined),
                  (SELECT count(*) FROM staging.grid_load_hourly)
                  + (SELECT count(*) FROM staging.green_power_trades),
                  (SELECT sum(cells) FROM quality.quarantine) FROM raw.files"""
    ).fetchall()
    assert cells_in == loaded + quarantined and loaded == staged and quarantined == (q or 0)


def _write(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


# --- hourly load -----------------------------------------------------------------------


def test_index_layout_needs_a_year() -> None:
    assert year_of("Hourly_demand_of_31_province_China_modified_V2.1.csv") == 2018
    assert year_of("load_2023.csv") == 2023 and year_of("load_v2.1.csv") is None
    assert year_of("load_2022_to_2023.csv") is None  # two years: ambiguous


def test_load_cells_staged_or_quarantined_with_reasons(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [["hour", "北京", "CQ", "Atlantis"]]
    rows += [[f"2023-01-01 {h:02d}:00:00", 1000 + h, 900, 5] for h in range(4)]
    rows[2][1] = "-3"  # negative
    rows[3][2] = "n/a?"  # not a number
    rows.append(["2023-01-01 01:00:00", 1001, 901, 5])  # the hour again
    rows.append(["2023-01-01 04:30:00", 1, 1, 1])  # not on the hour
    path = _write(tmp_path / "load_2023.csv", rows)
    assert detect_kind(path) == "grid_load_hourly"
    result = _ingest(con, path, tmp_path)
    assert result.cells_in == 6 * 3
    reasons = _reasons(con)
    assert reasons[(3, "北京")] == "load is negative (-3 MW)"
    assert reasons[(4, "CQ")] == "load 'n/a?' is not a number"
    assert reasons[(2, "Atlantis")] == "column Atlantis is not a known region"
    assert reasons[(6, "CQ")] == "hour 2023-01-01 01:00 given again (first at row 3)"
    assert (6, "北京") not in reasons  # row 3's value was rejected: row 6 is the first
    assert "is not on the hour" in reasons[(7, "北京")]
    # Hours are instants: 00:00 in Beijing is 16:00 UTC the day before.
    ((first,),) = con.execute(
        "SELECT min(hour) AT TIME ZONE 'UTC' FROM staging.grid_load_hourly"
    ).fetchall()
    assert str(first) == "2022-12-31 16:00:00"
    assert con.execute(
        "SELECT load_kw FROM staging.grid_load_hourly WHERE region_code = 'CN-BJ' ORDER BY hour"
    ).fetchall() == [(1_000_000.0,), (1_001_000.0,), (1_002_000.0,), (1_003_000.0,)]
    _accounted(con)


def test_real_and_demo_hours_coexist_and_real_wins(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A demo file covering 2019 does not block the real 2019 file, and the mart uses the
    real one; a year of demo hours alone stays demo."""

    def year_rows(year: int, mw: float, *kind: str) -> list[list[object]]:
        from sources.demo_grid import _hours

        return [[h.strftime("%Y-%m-%d %H:%M:%S"), mw, *kind] for h in _hours(year)]

    demo = _write(
        tmp_path / "d.csv",
        [["hour", "CN-BJ", "data_kind"], *year_rows(2019, 2, "demo"), *year_rows(2020, 2, "demo")],
    )
    real = _write(tmp_path / "r.csv", [["hour", "CN-BJ"], *year_rows(2019, 10)])
    _ingest(con, demo, tmp_path)
    _ingest(con, real, tmp_path)
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    build_green_power(con)
    got = con.execute(
        """SELECT year, value, data_kind FROM marts.green_power
           WHERE measure = 'electricity_kwh' AND month IS NULL ORDER BY year"""
    ).fetchall()
    assert got == [(2019, 10_000.0 * 8760, "derived"), (2020, 2_000.0 * 8784, "demo")]
    months = con.execute(
        """SELECT count(*), sum(value) FROM marts.green_power
           WHERE measure = 'electricity_kwh' AND year = 2019 AND month IS NOT NULL"""
    ).fetchone()
    assert months == (12, 10_000.0 * 8760)


def test_an_incomplete_year_is_not_summed(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = [["hour", "CN-CQ"]] + [
        [f"2024-03-{d:02d} {h:02d}:00:00", 5] for d in range(1, 32) for h in range(24)
    ]
    _ingest(con, _write(tmp_path / "march.csv", rows), tmp_path)
    build_green_power(con)
    assert con.execute(
        "SELECT year, month, value FROM marts.green_power WHERE measure = 'electricity_kwh'"
    ).fetchall() == [(2024, 3, 5000.0 * 31 * 24)]


def test_unreadable_load_files_fail_in_one_line(tmp_path: Path) -> None:
    from sources.grid_load import check

    path = _write(tmp_path / "profile.csv", [["Time Series", "BJ"], [1, 2]])
    with pytest.raises(SourceFormatError, match="numbered without a year"):
        check(path)


@pytest.mark.shared_data
def test_pypsa_hourly_load_beijing_114_twh(
    con: duckdb.DuckDBPyConnection, shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / PYPSA_LOAD
    assert path.name in KNOWN_YEARS
    result = _ingest(con, path, tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (
        8760 * 31,
        8760 * 31,
        0,
    )
    build_green_power(con)
    got = dict(
        con.execute(
            """SELECT region_code, value FROM marts.green_power
               WHERE measure = 'electricity_kwh' AND month IS NULL AND year = 2018"""
        ).fetchall()
    )
    assert len(got) == 31
    assert round(got["CN-BJ"] / 1e9, 1) == 114.2 and round(got["CN-CQ"] / 1e9, 1) == 111.9
    ((notes,),) = con.execute("SELECT notes FROM raw.files").fetchall()
    assert any("read as 2018, an assumption" in n for n in notes)
    _accounted(con)


# --- green power trades ----------------------------------------------------------------

HEADER = ["month", "seller_region", "buyer_region", "buyer_credit_code", "energy_mwh",
          "price_yuan_per_mwh", "certificates"]  # fmt: skip


def test_trades_staged_and_bad_rows_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        ["2024-01", "内蒙古", "北京", CODE, "1,200", "395.5", "1200"],  # 2: good
        ["2024-02", "NM", "CN-BJ", "", "800", "", ""],  # 3: good, optional cells empty
        ["2024-13", "NM", "CN-BJ", "", "800", "", ""],  # 4: month
        ["2024-02", "Narnia", "CN-BJ", "", "800", "", ""],  # 5: seller
        ["2024-02", "NM", "CN-BJ", "91110000600037342L", "800", "", ""],  # 6: code
        ["2024-02", "NM", "CN-BJ", "", "-5", "", "1.5"],  # 7: negative, fraction
        ["2024-02", "CN-BJ", "CN-BJ", "", "50", "", ""],  # 8: good, not an import
    ]
    path = _write(tmp_path / "trades.csv", rows)
    assert detect_kind(path) == "green_power_trades"
    result = _ingest(con, path, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 4)
    reasons = {r: why for (r, _c), why in _reasons(con).items()}
    assert reasons[4] == "month '2024-13' is not YYYY-MM"
    assert reasons[5] == "seller_region 'Narnia' is not a known region"
    assert "(GB 11714)" in reasons[6]
    assert "energy_mwh is negative (-5)" in reasons[7] and "not a whole number" in reasons[7]
    assert con.execute(
        "SELECT energy_kwh, certificates FROM staging.green_power_trades ORDER BY source_row"
    ).fetchall() == [(1_200_000.0, 1200), (800_000.0, None), (50_000.0, None)]
    build_green_power(con)
    assert con.execute(
        """SELECT month, value, data_kind FROM marts.green_power
           WHERE measure = 'green_power_imported_kwh' ORDER BY month NULLS LAST"""
    ).fetchall() == [(1, 1_200_000.0, "derived"), (2, 800_000.0, "derived"),
                     (None, 2_000_000.0, "derived")]  # fmt: skip
    _accounted(con)


def test_a_wrong_trades_header_fails_in_one_line(tmp_path: Path) -> None:
    from sources.green_power_trades import check

    path = _write(tmp_path / "t.csv", [[*HEADER, "comment"], ["2024-01"] * 8])
    with pytest.raises(SourceFormatError, match="header must be month,seller_region"):
        check(path)


# --- the embedded demo -----------------------------------------------------------------


def test_demo_grid_files_are_seeded_and_labelled(tmp_path: Path) -> None:
    a, b = write_demo_load(tmp_path / "a"), write_demo_load(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert (
        write_demo_trades(tmp_path / "a").read_bytes()
        == write_demo_trades(tmp_path / "b").read_bytes()
    )
    with open(a, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["data_kind"] for r in rows} == {"demo"}
    assert len(rows) == sum(8784 if y % 4 == 0 else 8760 for y in range(2016, 2026))


def test_demo_green_power_mart_and_target(demo_home_built: Path) -> None:
    """The embedded default shows, per year, Beijing's and Chongqing's electricity use and
    imported green power, each labelled demo, and the imports feed the 300亿 target."""
    rows = query(
        demo_home_built,
        """SELECT region_code, measure, count(DISTINCT year), list(DISTINCT data_kind)
           FROM marts.green_power WHERE month IS NULL AND region_code IN ('CN-BJ', 'CN-CQ')
             AND measure IN ('electricity_kwh', 'green_power_imported_kwh')
           GROUP BY ALL ORDER BY 1, 2""",
    )
    assert rows == [
        ("CN-BJ", "electricity_kwh", 10, ["demo"]),
        ("CN-BJ", "green_power_imported_kwh", 10, ["demo"]),
        ("CN-CQ", "electricity_kwh", 10, ["demo"]),
        ("CN-CQ", "green_power_imported_kwh", 10, ["demo"]),
    ]
    ((value, kind),) = query(
        demo_home_built,
        """SELECT value, data_kind FROM marts.indicator_values
           WHERE region_code = 'CN-BJ' AND indicator_code = 'green_power_imported'
             AND year = 2025""",
    )
    ((mart,),) = query(
        demo_home_built,
        """SELECT value FROM marts.green_power WHERE region_code = 'CN-BJ' AND year = 2025
             AND month IS NULL AND measure = 'green_power_imported_kwh'""",
    )
    assert kind == "demo" and value == mart and 1e10 < value < 1e11
    ((status, latest),) = query(
        demo_home_built,
        """SELECT status, latest_value FROM marts.indicator_progress
           WHERE region_code = 'CN-BJ' AND indicator_code = 'green_power_imported'""",
    )
    assert latest == value and status != "no_data"


def test_indicator_values_take_complete_years_of_load(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from warehouse.ref import load_reference

    load_reference(con)
    _ingest(con, write_demo_load(tmp_path / "g"), tmp_path)
    build_indicator_values(con, range(2016, 2026))
    got = con.execute(
        """SELECT count(*), list(DISTINCT data_kind), min(value) > 5e10
           FROM marts.indicator_values
           WHERE indicator_code = 'electricity_consumption' AND region_code = 'CN-BJ'"""
    ).fetchone()
    assert got == (10, ["demo"], True)
