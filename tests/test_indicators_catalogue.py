"""indicators.csv is reviewed like code: one code per name, canonical units only, and
every indicator the real NBS exports carry is catalogued."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import fastexcel
import pytest

from tests.conftest import decode_text
from warehouse.tables import CANONICAL_UNITS

INDICATORS_CSV = Path(__file__).resolve().parent.parent / "sources" / "ref" / "indicators.csv"
COLUMNS = [
    "indicator_code", "name_zh", "name_en", "unit", "source_unit", "direction", "domain",
    "definition", "source_names", "change_of", "published_in",
]  # fmt: skip
# BRIEF 5 canonical units; intensities are stated per 10^4 yuan (万元), as sources state them.
DIRECTIONS = {"higher", "lower", "neutral"}
# A trailing "(亿元)", "(万人)", "(%)": the unit as NBS appends it to the indicator name.
_UNIT_SUFFIX = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
# Units as sources write them; a source name must not end with one.
_WRITTEN_UNIT = re.compile(
    r"[(（](亿元|万元|元|万人|人|%|％|万吨标准煤|吨标准煤|亿千瓦时|万千瓦时|千瓦时|万千瓦|千瓦"
    r"|万吨|吨|立方米|个|家)[)）]$"
)


def _key(name: str) -> str:
    """Names compare without whitespace: NBS pads them (`地方财政教育支出 (亿元) `)."""
    return "".join(name.split())


def _strip_unit(label: str) -> str:
    return _key(_UNIT_SUFFIX.sub("", label.strip()))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(INDICATORS_CSV, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _names(row: dict[str, str]) -> list[str]:
    return row["source_names"].split("|")


def test_codes_unique_and_snake_case(rows: list[dict[str, str]]) -> None:
    codes = [r["indicator_code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in codes), codes


def test_units_directions_and_text(rows: list[dict[str, str]]) -> None:
    for r in rows:
        code = r["indicator_code"]
        assert r["unit"] in CANONICAL_UNITS, (code, r["unit"])
        assert r["direction"] in DIRECTIONS, (code, r["direction"])
        assert r["domain"] and r["name_zh"] and r["name_en"], code
        assert r["definition"].endswith("."), code
        if r["unit"].endswith("/10k yuan"):  # BRIEF 5: intensities on comparable prices
            assert "comparable" in r["definition"], code


def test_source_names_clean_and_unique(rows: list[dict[str, str]]) -> None:
    owner: dict[str, str] = {}
    for r in rows:
        names = _names(r)
        assert r["name_zh"] in names, f"{r['indicator_code']}: name_zh not among source_names"
        for name in names:
            assert name and name == _key(name), f"{r['indicator_code']}: {name!r} has spaces"
            assert not _WRITTEN_UNIT.search(name), f"{r['indicator_code']}: {name!r} has a unit"
            code = r["indicator_code"]
            other = owner.setdefault(name, code)
            assert other == code, f"{name!r} is claimed by {other} and {code}"


def test_policy_core_indicators_present(rows: list[dict[str, str]]) -> None:
    by_code = {r["indicator_code"]: r for r in rows}
    expected = {
        "energy_intensity_industry": "tce/10k yuan", "co2_intensity_industry": "t CO2/10k yuan",
        "water_intensity_industry": "m3/10k yuan", "industrial_value_added": "yuan",
        "energy_consumption_total": "tce", "co2_emissions": "t CO2",
        "green_factories_national": "count", "green_parks_national": "count",
        "green_supply_chain_national": "count", "renewable_power_share": "percent",
        "electricity_consumption": "kWh", "solar_capacity": "kW", "wind_capacity": "kW",
        "green_power_imported": "kWh", "high_tech_manufacturing_share": "percent",
        "gdp": "yuan", "population_year_end": "persons",
    }  # fmt: skip
    assert {c: by_code[c]["unit"] for c in expected if c in by_code} == expected
    assert by_code["energy_intensity_industry"]["direction"] == "lower"


# --- every indicator in the real NBS exports is catalogued -------------------------------


def _nbs_indicator_labels(nbs_dir: Path) -> dict[str, str]:
    """Indicator label (unit stripped) -> the file it came from."""
    found: dict[str, str] = {}
    for path in sorted(nbs_dir.rglob("*.csv")):
        rel = path.relative_to(nbs_dir).as_posix()
        lines = decode_text(path.read_bytes()).splitlines()
        for line in lines:
            if line.startswith("指标："):
                found[_strip_unit(line.removeprefix("指标：").split(",")[0])] = rel
        # indicators down the rows: a header row starting with 指标, then one label per row
        firsts = [line.split(",", 1)[0].strip() for line in lines]
        if "指标" in firsts:
            for cell in firsts[firsts.index("指标") + 1 :]:
                if cell.startswith(("注", "数据来源")):
                    break
                if cell:
                    found[_strip_unit(cell)] = rel
    for path in sorted(nbs_dir.rglob("*.xls")):
        rel = path.relative_to(nbs_dir).as_posix()
        sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None).to_polars()
        for cell in sheet.to_series(0).to_list():
            if isinstance(cell, str) and cell.startswith("指标："):
                found[_strip_unit(cell.removeprefix("指标："))] = rel
    return found


@pytest.mark.shared_data
def test_every_nbs_indicator_is_catalogued(nbs_dir: Path, rows: list[dict[str, str]]) -> None:
    catalogued = {_key(n) for r in rows for n in _names(r)}
    labels = _nbs_indicator_labels(nbs_dir)
    assert len(labels) >= 9 + 21  # 9 distinct 指标： lines, 21 fiscal rows in tec_expenditure
    assert "地方财政住房保障支出支出" in labels  # the NBS typo is matched as written
    missing = {label: rel for label, rel in labels.items() if label not in catalogued}
    assert missing == {}


def test_source_units_convert_to_the_canonical_unit(rows: list[dict[str, str]]) -> None:
    from sources.units import parse_unit

    for r in rows:
        if r["source_unit"]:
            assert parse_unit(r["source_unit"]).canonical == r["unit"], r["indicator_code"]
