"""GEM wind phases: staging, quarantine, the capacity rollup and its checks.

Synthetic workbooks pin down the rules (docs/renewable_capacity.md); the real May 2023
tracker checks the numbers and that the embedded extract is what its builder writes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from quality.capacity_checks import capacity_checks, gem_vs_cec
from quality.checks import ACCOUNTING, run_checks, structural_checks
from sources import gem_wind
from sources.extracts import build_gem_extract, extract_files
from sources.ingest import detect_kind, ingest_file
from sources.regions import default_resolver
from warehouse.renewable_capacity import build_renewable_capacity
from warehouse.tables import RENEWABLE_CAPACITY, WIND_FARM_PHASES

HEADER = list(gem_wind.COLUMNS)
WORKBOOK = "Global-Wind-Power-Tracker-May-2023.xlsx"


def _phase(
    pid: str,
    province: str,
    mw: object,
    status: str = "operating",
    start: object = 2015,
    retired: object = None,
    kind: str = "onshore",
    country: str = "China",
) -> list:
    """A Data row in HEADER order."""
    return [pid, country, province, mw, kind, status, start, retired, "L1", f"{pid} farm",
            "", "", "owner"]  # fmt: skip


def _workbook(path: Path, rows: list[list], release: str = "May 2023") -> Path:
    wb = Workbook()
    about = wb.active
    about.title = "About"
    about.append([f"Global Wind Power Tracker - {release}"])
    about.append(
        [f'Citation: "Global Wind Power Tracker, Global Energy Monitor, {release} release"']
    )
    data = wb.create_sheet("Data")
    data.append(HEADER)
    for r in rows:
        data.append(r)
    below = wb.create_sheet("Below Threshold")
    below.append(HEADER)
    below.append(_phase("G9", "Beijing", 5))
    wb.save(path)
    return path


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, tmp_path: Path) -> object:
    return ingest_file(con, path, tmp_path / "archive")


def _stock(con: duckdb.DuckDBPyConnection, region: str, tech: str = "wind") -> dict[int, float]:
    rows = con.execute(
        "SELECT year, capacity_kw FROM staging.renewable_capacity WHERE source = "
        "'gem_wind_tracker' AND region_code = ? AND technology = ? ORDER BY year",
        [region, tech],
    ).fetchall()
    return {int(y): float(v) for y, v in rows}


def test_quarantine_reasons_and_accounting(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "gem.xlsx",
        [
            _phase("G1", "Beijing", 50),
            _phase("G2", "Atlantis", 50),
            _phase("G3", "Beijing", "n/a"),
            _phase("G4", "Beijing", -5),
            _phase("G5", "Chongqing", 20),
            _phase("G5", "Chongqing", 30),
            _phase("G6", "Beijing", 40, start=None),  # operating, no start year: staged
            _phase("G7", "Texas", 99, country="United States"),
            _phase("G8", "Taipei", 99, country="Taiwan"),
        ],
    )
    assert detect_kind(path) == gem_wind.KIND
    result = _ingest(con, path, tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (7, 2, 5)
    reasons = dict(
        con.execute("SELECT source_row, reason FROM quality.quarantine ORDER BY 1").fetchall()
    )
    assert "'Atlantis' is not in ref.regions" in reasons[3]
    assert "'n/a' is not a positive number" in reasons[4]
    assert "'-5' is not a positive number" in reasons[5]
    assert "also listed at row 7" in reasons[6] and "also listed at row 6" in reasons[7]
    (notes,) = con.execute("SELECT notes FROM raw.files").fetchone()
    assert "9 rows: 7 with Country 'China'" in notes[0] and "2 of 2 other countries" in notes[0]
    assert "Taiwan 1" in notes[0]
    assert notes[1].startswith("Below Threshold: 1 rows (1 China) not staged")
    assert all(o.passed for o in run_checks(con, [ACCOUNTING], record=False))
    assert all(o.passed for o in run_checks(con, structural_checks(WIND_FARM_PHASES)))
    build_renewable_capacity(con)
    failing = {o.check.name: o.failing_rows for o in run_checks(con, capacity_checks())}
    assert failing["capacity.gem_phase_listed_twice"] == 2
    assert failing["capacity.gem_phase_without_year"] == 1


def test_rollup_years_technologies_and_cn_sum(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Year-end stock: a phase counts from its start year through the year before it was
    retired (2015-2018 for one retired in 2019), up to the year before the release."""
    path = _workbook(
        tmp_path / "gem.xlsx",
        [
            _phase("G1", "Beijing", 10, start=2015, retired=2019, status="retired"),
            _phase("G2", "Beijing", 20.5, start=2017),
            _phase("G3", "Shanghai", 100, start=2018, kind="offshore hard mount"),
            _phase("G4", "Shanghai", 7, start=2016),
            _phase("G5", "Shanghai", 300, status="construction", start=2021),
            _phase("G6", "Shanghai", 9, status="retired", start=2016),  # no retired year
            _phase("G7", "Beijing", 1, start=2023),  # the release year: not a whole year
        ],
        release="May 2023",
    )
    _ingest(con, path, tmp_path)
    assert build_renewable_capacity(con) == build_renewable_capacity(con)  # idempotent
    bj = _stock(con, "CN-BJ")
    assert bj == {2015: 10e3, 2016: 10e3, **dict.fromkeys(range(2017, 2019), 30.5e3),
                  **dict.fromkeys(range(2019, 2023), 20.5e3)}  # fmt: skip
    assert _stock(con, "CN-SH", "offshore_wind") == dict.fromkeys(range(2018, 2023), 100e3)
    assert _stock(con, "CN-SH", "onshore_wind") == dict.fromkeys(range(2016, 2023), 7e3)
    cn = _stock(con, "CN")
    assert cn[2015] == 10e3 and cn[2018] == 30.5e3 + 107e3 and cn[2022] == 20.5e3 + 107e3
    assert _stock(con, "CN", "offshore_wind")[2022] == 100e3
    kinds = con.execute(
        "SELECT DISTINCT data_kind, unit_as_written, basis FROM staging.renewable_capacity"
    ).fetchall()
    assert kinds == [("derived", "MW", "stock")]
    (prov,) = con.execute(
        "SELECT provenance FROM staging.renewable_capacity WHERE region_code = 'CN-BJ' "
        "AND year = 2017 AND technology = 'wind'"
    ).fetchone()
    assert prov.endswith("#rows=2-3 (2 phases)")
    assert all(o.passed for o in run_checks(con, structural_checks(RENEWABLE_CAPACITY)))


def test_extract_is_recognised_and_picked_up_by_the_embedded_default() -> None:
    extract = Path(gem_wind.__file__).parent / "extracts" / "gem_wind_china.csv"
    assert extract in extract_files()
    assert detect_kind(extract) == gem_wind.KIND
    got = gem_wind.read(extract)
    assert got.layout == "extract" and got.vintage == "2023-05"
    assert "Global Energy Monitor, May 2023 release" in got.citation


# --- the real tracker ---------------------------------------------------------------------

shared = pytest.mark.shared_data


@pytest.fixture(scope="module")
def real_workbook(shared_data: Path) -> Path:
    return shared_data / "pypsa_china_pik" / WORKBOOK


@shared
def test_every_china_province_spelling_resolves(real_workbook: Path) -> None:
    got = gem_wind.read(real_workbook)
    spellings = {p.province for p in got.phases}
    resolver = default_resolver()
    assert len(got.phases) == 6607 and len(spellings) == 31
    assert {s: resolver.resolve(s) for s in spellings if resolver.resolve(s) is None} == {}


@shared
def test_extract_rebuilds_byte_for_byte(real_workbook: Path) -> None:
    assert build_gem_extract.build(real_workbook).encode("utf-8") == (
        build_gem_extract.OUTPUT.read_bytes()
    )


@shared
def test_real_rollup_beijing_chongqing_and_cec(
    con: duckdb.DuckDBPyConnection, real_workbook: Path, shared_data: Path, tmp_path: Path
) -> None:
    result = _ingest(con, real_workbook, tmp_path)
    assert (result.cells_in, result.rows_loaded, result.rows_quarantined) == (6607, 6607, 0)
    _ingest(con, next((shared_data / "cec_briefings").glob("*.csv")), tmp_path)
    build_renewable_capacity(con)
    bj, cq, cn = _stock(con, "CN-BJ"), _stock(con, "CN-CQ"), _stock(con, "CN")
    print("BJ", bj, "\nCQ", cq, "\nCN", cn)
    assert 0.15e6 < bj[2020] < 0.3e6 and max(bj) == 2022
    assert 0.8e6 < cq[2022] < 2e6
    assert cn[2019] < 230e6 < cn[2020]  # CEC, end of October 2020: 2.3亿千瓦
    ((period, cec, _low, _high, ratio, _),) = gem_vs_cec(con)
    assert period == "2020-10" and cec == 230e6 and 0.85 < ratio < 1.15
    failing = {o.check.name: o.failing_rows for o in run_checks(con, capacity_checks())}
    assert failing["capacity.gem_wind_vs_cec_national"] == 0
    assert failing["capacity.gem_phase_without_year"] == 18  # 7 operating, 11 retired
