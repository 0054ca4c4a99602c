"""OWID country series: the explicit column map, China only, inferred vintage, the extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.extract import read_extract, write_extract
from sources.extracts import build_owid_extract
from sources.ingest import IngestOptions, detect_kind
from sources.owid import CO2_COLUMNS, ENERGY_COLUMNS, KIND_OWID, parse_owid, sniff_owid
from sources.units import parse_unit
from tests.conftest import greenstat, query

ENERGY = "owid/owid-energy-data_CHN_2010-2025.csv"
CO2 = "owid/owid-co2-data_CHN_2014-2023.csv"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "owid.csv"
    path.write_text(text, encoding="utf-8")
    return path


SMALL = (
    "country,year,iso_code,population,coal_electricity,coal_share_elec,renewables_share_elec\n"
    "China,2022,CHN,1425179569,5420.5,61.1,30.4\n"
    "China,2023,CHN,1422584933,5723.2,,31.0\n"
    "World,2023,,8091734930,10434.0,35.5,30.2\n"
    "United States,2023,USA,343477335,675.0,16.2,22.7\n"
)


def test_sniff_needs_the_owid_header() -> None:
    assert sniff_owid(b"country,year,iso_code,population\nChina,2020,CHN,1\n")
    assert sniff_owid(b"\xef\xbb\xbfcountry,year,iso_code\n")
    assert not sniff_owid(b"region_code,indicator_code,year\n")
    assert not sniff_owid("地区,2024年,2023年\n".encode())


def test_only_mapped_columns_are_read_and_other_countries_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    assert detect_kind(path) == KIND_OWID
    parsed = parse_owid(path, IngestOptions())
    # Two mapped columns (coal_electricity, renewables_share_elec) x four rows.
    assert parsed.cells_in == 8
    got = {(c.year, c.indicator): (c.value, c.unit_as_written) for c in parsed.candidates}
    assert got == {
        (2022, "electricity_generation_coal"): (5420.5, "TWh"),
        (2022, "renewables_share_electricity"): (30.4, "%"),
        (2023, "electricity_generation_coal"): (5723.2, "TWh"),
        (2023, "renewables_share_electricity"): (31.0, "%"),
    }
    assert all(c.region_label == "CN" and c.by_code for c in parsed.candidates)
    reasons = [(r.source_row, r.cells, r.reason) for r in parsed.rejects]
    assert reasons == [
        (
            4,
            2,
            "World: no iso_code (an OWID aggregate) is not a catalogued region (only CHN -> CN)",
        ),
        (5, 2, "United States: iso_code 'USA' is not a catalogued region (only CHN -> CN)"),
    ]
    rejected = sum(r.cells for r in parsed.rejects)
    assert parsed.cells_in == len(parsed.candidates) + rejected + parsed.cells_missing
    notes = parsed.meta["notes"]
    assert isinstance(notes, list)
    assert "population" in notes[1] and "coal_share_elec" in notes[1]
    assert parsed.meta["database"] == "owid/energy-data"


def test_vintage_inferred_from_latest_year_unless_given(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    parsed = parse_owid(path, IngestOptions())
    assert parsed.vintage == "2024"
    assert "2023" in str(parsed.meta["vintage_basis"])
    given = parse_owid(path, IngestOptions(vintage="2025-01-15"))
    assert given.vintage == "2025-01-15"
    assert {c.vintage for c in given.candidates} == {"2025-01-15"}
    assert given.meta["vintage_basis"] == "given at ingest (--vintage)"


def test_citation_names_owid_the_producer_and_the_licence(tmp_path: Path) -> None:
    parsed = parse_owid(_write(tmp_path, SMALL), IngestOptions())
    citation = parsed.candidates[0].citation
    assert "Our World in Data" in citation and "CC BY 4.0" in citation
    assert "Ember" in citation and "coal_electricity" in citation


def test_every_mapped_unit_converts_to_the_catalogued_unit() -> None:
    from sources.catalogue import default_catalogue

    by_code = default_catalogue().by_code
    for col in (*ENERGY_COLUMNS.values(), *CO2_COLUMNS.values()):
        assert parse_unit(col.unit).canonical == by_code[col.indicator_code].unit


@pytest.mark.shared_data
def test_real_files_parse_without_rejects(shared_data: Path) -> None:
    energy = parse_owid(shared_data / ENERGY, IngestOptions())
    assert energy.rejects == []
    assert energy.vintage == "2026"  # 2025 electricity figures are in the file
    assert energy.cells_in == 16 * len(ENERGY_COLUMNS)
    pe = {
        c.year: c.value for c in energy.candidates if c.indicator == "primary_energy_substitution"
    }
    assert pe[2020] == 41493.891
    assert 2025 not in pe  # blank in the file: counted missing, never zero
    co2 = parse_owid(shared_data / CO2, IngestOptions())
    assert co2.rejects == [] and co2.vintage == "2024"
    assert co2.meta["database"] == "owid/co2-data"
    # The CO2 dataset's copy of primary energy is not read twice.
    assert not any(c.indicator == "primary_energy_substitution" for c in co2.candidates)
    assert "primary_energy_consumption" in str(co2.meta["notes"])


@pytest.mark.shared_data
def test_ingest_real_files_converts_to_canonical_units(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = greenstat("ingest", str(shared_data / ENERGY), str(shared_data / CO2), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"kind {KIND_OWID}") == 2
    assert query(home, "SELECT count(*) FROM quality.quarantine") == [(0,)]
    rows = dict(
        query(
            home,
            "SELECT indicator_code, value FROM staging.observations WHERE region_code = 'CN' "
            "AND year = 2020 AND indicator_code IN ('co2_emissions_fossil_industry', "
            "'primary_energy_substitution', 'co2_per_gdp_ppp')",
        )
    )
    assert rows == {
        "co2_emissions_fossil_industry": 10905693000.0,  # 10905.693 Mt CO2, exact
        "primary_energy_substitution": 41493891000000.0,  # 41493.891 TWh in kWh
        "co2_per_gdp_ppp": 0.452,
    }
    accounting = query(
        home,
        "SELECT count(*) FROM raw.files WHERE cells_in <> rows_loaded + rows_quarantined "
        "+ cells_missing",
    )
    assert accounting == [(0,)]


@pytest.mark.shared_data
def test_embedded_extract_is_what_the_builder_writes(shared_data: Path, tmp_path: Path) -> None:
    rebuilt = tmp_path / "owid_cn.csv"
    write_extract(rebuilt, build_owid_extract.build(shared_data))
    assert rebuilt.read_bytes() == build_owid_extract.OUTPUT.read_bytes()
    origin = read_extract(rebuilt)[0].fields["origin"]
    assert origin.startswith("owid/") and "sha256:" in origin and " col " in origin


def test_embedded_extract_ingests_with_nothing_quarantined(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = greenstat("ingest", str(build_owid_extract.OUTPUT), home=home)
    assert result.returncode == 0, result.stderr
    assert "0 rows quarantined" in result.stdout, result.stdout
    loaded = query(home, "SELECT rows_loaded, rows_quarantined FROM raw.files")
    assert loaded == [(len(read_extract(build_owid_extract.OUTPUT)), 0)]
