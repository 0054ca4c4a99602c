"""The PyPSA-China (PIK) capacity connector on the real model-input files.

What the files hold was established from the model code and national sums (see the
module docstring of sources.pypsa_capacity); these tests pin that reading down, and
check that duplicated provinces are reported, never silently fixed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from quality.checks import ACCOUNTING, run_checks
from quality.plausibility import DUPLICATE_PHRASE, DUPLICATES_QUARANTINED
from sources import pypsa_capacity
from sources.errors import SourceFormatError
from sources.ingest import IngestOptions, detect_kind, ingest_file
from sources.parsed import Parsed
from tests.conftest import greenstat, query

CAPACITY_FILES = sorted(pypsa_capacity.TECHNOLOGIES)
shared = pytest.mark.shared_data


@pytest.fixture(scope="module")
def pypsa_dir(shared_data: Path) -> Path:
    return shared_data / "pypsa_china_pik"


def _parse(path: Path, **opts: str) -> Parsed:
    return pypsa_capacity.parse(path, IngestOptions(**opts))


def _accounted(p: Parsed) -> int:
    return len(p.candidates) + sum(r.cells for r in p.rejects) + p.cells_missing


@shared
@pytest.mark.parametrize("name", CAPACITY_FILES)
def test_every_capacity_file_is_detected_and_parses(pypsa_dir: Path, name: str) -> None:
    path = pypsa_dir / name
    assert detect_kind(path) == pypsa_capacity.KIND
    parsed = _parse(path)
    assert parsed.cells_in > 0 and _accounted(parsed) == parsed.cells_in
    for c in parsed.candidates:
        assert c.unit_as_written == "MW" and c.data_kind == "official" and c.by_code
        assert "PyPSA-China (PIK)" in c.citation and name in c.citation
        assert "licence unclear" in c.citation
    if parsed.candidates:  # every dated file: vintage inferred from its latest year
        assert parsed.vintage == "2021"
        assert str(parsed.meta["vintage_basis"]).startswith("inferred")


@shared
def test_build_year_files_hold_additions_not_stocks(pypsa_dir: Path) -> None:
    """National solar: 42 GW in the 2015 column, 211 GW in 2020. End-2020 stock was
    253 GW (end-2015: 43 GW), so 2020 is 2016-2020 additions, and the two sum to it."""
    parsed = _parse(pypsa_dir / "solar capacity.csv")
    gw = {y: sum(c.value for c in parsed.candidates if c.year == y) / 1e3 for y in (2015, 2020)}
    assert gw[2015] == pytest.approx(42.2, abs=0.1) and gw[2020] == pytest.approx(211.4, abs=0.1)
    assert gw[2015] + gw[2020] == pytest.approx(253, rel=0.02)
    assert {c.indicator for c in parsed.candidates} == {"solar_capacity_added"}
    beijing_2020 = next(
        c for c in parsed.candidates if c.region_label == "Beijing" and c.year == 2020
    )
    assert "built 2016-2020" in beijing_2020.citation
    coal = _parse(pypsa_dir / "coal capacity.csv")
    assert "built up to 1985" in next(c for c in coal.candidates if c.year == 1985).citation
    nuclear = _parse(pypsa_dir / "nuclear capacity.csv")
    assert {c.indicator for c in nuclear.candidates} == {"nuclear_capacity"}


@shared
def test_undated_hydro_is_quarantined_with_its_reason(pypsa_dir: Path) -> None:
    parsed = _parse(pypsa_dir / "hydroelectricity capacity.csv")
    assert parsed.candidates == [] and len(parsed.rejects) == parsed.cells_in == 31
    assert all("names no year" in r.reason and "large dams" in r.reason for r in parsed.rejects)


@shared
def test_other_files_of_the_folder_are_not_claimed(pypsa_dir: Path) -> None:
    for name in ("Provincial_Load_2020_2060_MWh.csv", "historical_gdp.csv"):
        try:
            kind = detect_kind(pypsa_dir / name)
        except SourceFormatError:
            continue
        assert kind != pypsa_capacity.KIND, name


@shared
def test_the_six_real_files_repeat_no_province(pypsa_dir: Path) -> None:
    """The data README announces duplicated Beijing/Chongqing rows; these six files have
    none (and coal has no Beijing row at all). The duplicate handling is tested below on
    a file that does repeat them."""
    for name in CAPACITY_FILES:
        with open(pypsa_dir / name, encoding="utf-8-sig", newline="") as fh:
            labels = [r[0] for r in list(csv.reader(fh))[1:] if r]
        assert len(labels) == len(set(labels)), name


def test_unknown_technology_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "wave capacity.csv"
    path.write_text("Province,2020\nFujian,10\n", encoding="utf-8")
    assert detect_kind(path) == pypsa_capacity.KIND
    with pytest.raises(SourceFormatError, match=r"wave capacity\.csv"):
        _parse(path)


def test_blank_is_missing_bad_cell_rejected_vintage_given(tmp_path: Path) -> None:
    path = tmp_path / "solar capacity.csv"
    path.write_text("Region,2015,2020\r\nBeijing,,544\r\nTianjin,12a,1519\r\nHebei,1\r\n")
    parsed = _parse(path, vintage="2023-06-30")
    assert parsed.cells_missing == 1 and parsed.cells_in == 6 and _accounted(parsed) == 6
    assert [(r.source_row, r.column, r.cells) for r in parsed.rejects] == [
        (4, None, 2),  # short row: both of its cells
        (3, "2015", 1),
    ]
    assert "not a number" in parsed.rejects[1].reason
    assert {c.vintage for c in parsed.candidates} == {"2023-06-30"}
    assert parsed.meta["vintage_basis"] == "given at ingest (--vintage)"


def _with_duplicates(pypsa_dir: Path, tmp_path: Path) -> Path:
    """The real solar file plus a repeated Beijing row (identical) and Chongqing row (with
    a different 2020 value): the case the data README describes."""
    text = (pypsa_dir / "solar capacity.csv").read_text(encoding="utf-8")
    out = tmp_path / "solar capacity.csv"
    out.write_text(text + "Beijing,0,76,544\r\nChongqing,0,0,700\r\n", encoding="utf-8")
    return out


@shared
def test_duplicated_provinces_are_quarantined_naming_each_other(
    pypsa_dir: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    path = _with_duplicates(pypsa_dir, tmp_path)
    result = ingest_file(con, path, tmp_path / "archive")
    assert result.rows_loaded == 29 * 3 and result.rows_quarantined == 4 * 3
    reasons = dict(
        con.execute(
            "SELECT source_row, reason FROM quality.quarantine ORDER BY source_row"
        ).fetchall()
    )
    assert set(reasons) == {2, 23, 33, 34}  # Beijing rows 2 and 33, Chongqing 23 and 34
    for row in (2, 33):
        assert "'Beijing'" in reasons[row] and "rows 2, 33" in reasons[row]
        assert "identical values" in reasons[row] and "neither row is loaded" in reasons[row]
    for row in (23, 34):
        assert "rows 23, 34" in reasons[row] and "2020: 670 vs 700" in reasons[row]
    assert all(DUPLICATE_PHRASE in r for r in reasons.values())
    staged = con.execute(
        "SELECT count(*) FROM staging.observations WHERE region_code IN ('CN-BJ', 'CN-CQ')"
    ).fetchone()
    assert staged == (0,)
    assert run_checks(con, [ACCOUNTING], record=False)[0].passed
    [outcome] = run_checks(con, [DUPLICATES_QUARANTINED], record=False)
    assert outcome.failing_rows == 4


def test_spellings_of_one_province_are_caught_by_ingest(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """Beijing and BJ are different labels but one region: ingest's own duplicate rule
    quarantines both, with the same phrase, so the duplicate check lists them too."""
    path = tmp_path / "nuclear capacity.csv"
    path.write_text("Province,2020\nBeijing,0\nBJ,0\nFujian,11034\n", encoding="utf-8")
    result = ingest_file(con, path, tmp_path / "archive")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    reasons = [r for (r,) in con.execute("SELECT reason FROM quality.quarantine").fetchall()]
    assert all(DUPLICATE_PHRASE in r and "CN-BJ" in r for r in reasons)
    assert run_checks(con, [DUPLICATES_QUARANTINED], record=False)[0].failing_rows == 2


@shared
def test_every_file_accounts_for_every_cell_in_the_warehouse(
    pypsa_dir: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    for name in CAPACITY_FILES:
        ingest_file(con, pypsa_dir / name, tmp_path / "archive")
    rows = con.execute(
        "SELECT original_name, cells_in, rows_loaded, rows_quarantined, cells_missing "
        "FROM raw.files ORDER BY original_name"
    ).fetchall()
    assert [r[0] for r in rows] == CAPACITY_FILES
    assert all(
        cells_in == loaded + quarantined + missing
        for _, cells_in, loaded, quarantined, missing in rows
    )
    assert run_checks(con, [ACCOUNTING], record=False)[0].passed


@shared
def test_greenstat_ingest_prints_the_kind(pypsa_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    solar, hydro = pypsa_dir / "solar capacity.csv", pypsa_dir / "hydroelectricity capacity.csv"
    result = greenstat("ingest", str(solar), str(hydro), home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all("kind pypsa_capacity" in line for line in lines), lines
    assert "93 rows loaded, 0 rows quarantined" in lines[0]
    assert "0 rows loaded, 31 rows quarantined" in lines[1]
    beijing = query(
        home,
        "SELECT value, unit, value_as_written, unit_as_written, vintage FROM "
        "staging.observations WHERE region_code = 'CN-BJ' AND indicator_code = "
        "'solar_capacity_added' AND period = '2020'",
    )
    assert beijing == [(544000.0, "kW", "544", "MW", "2021")]
