"""The policy target registry and the baselines the documents state, checked against the
documents themselves (../shared/seeds): every clause and citation is quoted verbatim, every
number converts to its canonical unit with the project's own unit parser."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from sources.units import is_known_unit, parse_unit

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "sources" / "ref" / "policy_targets.yaml"
INDICATORS = ROOT / "sources" / "ref" / "indicators.csv"
BASELINES = ROOT / "sources" / "extracts" / "policy_baselines.csv"

DOCS = {
    "000_aa3f4a706e1b7ec4.txt": "CN-BJ",
    "001_ceaaba9e87eb4612.txt": "CN",
    "002_c7e0a3d6048ed052.txt": "CN",
    "003_ea0ba873c9e7565c.txt": "CN-BJ",
    "004_da189b881f0f5745.txt": "CN-CQ",
}
KEYS = [
    "target_id", "source_doc", "clause", "region_code", "indicator_code", "measure",
    "comparator", "value_as_written", "unit_as_written", "target_value", "target_unit",
    "baseline_year", "target_year", "nature", "related_indicator_code", "notes",
]  # fmt: skip
NUMERIC = {"reduction_from_baseline", "level", "share", "cumulative_count", "cap"}
MEASURES = NUMERIC | {"relational", "peak", "qualitative"}
COMPARATORS = {
    **{m: {">=", "<=", "~"} for m in NUMERIC},
    "relational": {"faster_than"},
    "peak": {"peak_before"},
    "qualitative": {"meets", "qualitative"},
}
NATURES = {None, "binding", "expected"}
BASELINE_COLUMNS = [
    "region_code", "indicator_code", "year", "value_as_written", "unit_as_written",
    "vintage", "data_kind", "citation", "origin",
]  # fmt: skip
_FRAGMENT = re.compile(r"「(.+?)」", re.S)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def targets() -> list[dict[str, Any]]:
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    assert isinstance(entries, list) and entries
    return entries


@pytest.fixture(scope="module")
def indicators() -> dict[str, dict[str, str]]:
    with open(INDICATORS, encoding="utf-8", newline="") as fh:
        return {r["indicator_code"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def seeds_dir(shared_data: Path) -> Path:
    """The policy documents live beside the shared data (../shared/seeds); skip with the
    same rule as shared_data when they are absent."""
    seeds = shared_data.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"policy documents not present at {seeds}")
    return seeds


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, str]:
    return {name: (seeds_dir / name).read_text(encoding="utf-8") for name in DOCS}


@pytest.fixture(scope="module")
def baselines() -> list[dict[str, str]]:
    with open(BASELINES, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == BASELINE_COLUMNS
        return list(reader)


def _numeric(t: dict[str, Any]) -> bool:
    return t["measure"] in NUMERIC


# --- the registry on its own ---------------------------------------------------------------


def test_keys_ids_and_vocabularies(targets: list[dict[str, Any]]) -> None:
    ids = [t["target_id"] for t in targets]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for t in targets:
        tid = t["target_id"]
        assert list(t) == KEYS, tid
        assert re.fullmatch(r"(cn|bj|cq)-\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*", tid), tid
        assert t["source_doc"] in DOCS, tid
        assert t["region_code"] == DOCS[t["source_doc"]], tid
        assert tid.split("-")[0] == {"CN": "cn", "CN-BJ": "bj", "CN-CQ": "cq"}[t["region_code"]]
        assert int(tid.split("-")[1]) == t["target_year"], tid
        assert t["measure"] in MEASURES, tid
        assert t["comparator"] in COMPARATORS[t["measure"]], tid
        assert t["nature"] in NATURES, tid
        assert isinstance(t["clause"], str) and t["clause"].strip(), tid
        for year in ("baseline_year", "target_year"):
            assert t[year] is None or isinstance(t[year], int), (tid, year)
        if t["baseline_year"] is not None and t["target_year"] is not None:
            assert t["baseline_year"] < t["target_year"], tid


def test_numeric_targets_convert(targets: list[dict[str, Any]]) -> None:
    for t in targets:
        tid = t["target_id"]
        if not _numeric(t):
            assert t["value_as_written"] is None and t["target_value"] is None, tid
            continue
        for key in ("value_as_written", "unit_as_written", "target_unit", "target_year"):
            assert t[key] is not None, (tid, key)
        assert isinstance(t["value_as_written"], str), tid
        # every number is in its clause; "万种" (no digit) is recorded as 1 万种
        implicit_one = t["value_as_written"] == "1" and t["unit_as_written"].startswith("万")
        written = t["unit_as_written"] if implicit_one else t["value_as_written"]
        assert written in t["clause"], tid
        if t["target_value"] is None:
            # Only where the project's parser has no conversion: stated in the notes.
            assert not is_known_unit(t["unit_as_written"]), tid
            assert "unknown to sources.units" in (t["notes"] or ""), tid
            continue
        conv = parse_unit(t["unit_as_written"])
        expected = float(t["value_as_written"]) * conv.factor
        assert math.isclose(t["target_value"], expected, rel_tol=1e-9), tid
        assert conv.canonical == t["target_unit"], tid
        if t["measure"] in {"reduction_from_baseline", "share"}:
            assert t["target_unit"] == "percent", tid


def test_indicators_exist_with_matching_units(
    targets: list[dict[str, Any]], indicators: dict[str, dict[str, str]]
) -> None:
    for t in targets:
        tid = t["target_id"]
        for key in ("indicator_code", "related_indicator_code"):
            code = t[key]
            assert code is None or code in indicators, (tid, code)
        code = t["indicator_code"]
        if code is None:
            # Numeric targets without an indicator say why.
            assert not _numeric(t) or t["notes"], tid
            continue
        if not _numeric(t) or t["measure"] == "reduction_from_baseline":
            continue  # a percent reduction of a level indicator, or no number at all
        assert indicators[code]["unit"] == t["target_unit"], (tid, code)


def test_relational_and_peak_targets(targets: list[dict[str, Any]]) -> None:
    for t in targets:
        if t["measure"] == "relational":
            assert t["related_indicator_code"], t["target_id"]
            assert t["related_indicator_code"] != t["indicator_code"], t["target_id"]
        else:
            assert t["related_indicator_code"] is None, t["target_id"]
        if t["measure"] == "peak":
            assert t["target_year"] == 2030, t["target_id"]
    relational = {t["region_code"] for t in targets if t["measure"] == "relational"}
    assert relational == {"CN", "CN-CQ"}  # 002 and 004: falls faster than society-wide
    peaks = {t["region_code"] for t in targets if t["measure"] == "peak"}
    assert peaks == {"CN", "CN-CQ"}


def test_every_document_contributes_and_enough_numbers(targets: list[dict[str, Any]]) -> None:
    by_doc = Counter(t["source_doc"] for t in targets)
    assert set(by_doc) == set(DOCS)
    numeric = [t for t in targets if _numeric(t)]
    assert len(numeric) >= 55
    numeric_docs = Counter(t["source_doc"] for t in numeric)
    assert all(numeric_docs[d] >= 3 for d in DOCS), numeric_docs


# --- spot checks of the examples ---------------------------------------------------


def _find(targets: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [t for t in targets if all(t[k] == v for k, v in match.items())]


def test_spot_checks(targets: list[dict[str, Any]]) -> None:
    (recycled,) = _find(targets, value_as_written="4.8", unit_as_written="亿吨")
    assert recycled["target_value"] == 480_000_000 and recycled["target_unit"] == "t"
    assert recycled["region_code"] == "CN" and recycled["measure"] == "level"

    (green_power,) = _find(targets, region_code="CN-BJ", value_as_written="300",
                           unit_as_written="亿千瓦时")  # fmt: skip
    assert green_power["target_value"] == 3e10 and green_power["target_unit"] == "kWh"
    assert green_power["indicator_code"] == "green_power_imported"
    assert green_power["target_year"] == 2025

    # Beijing's table says ≥12% (binding); 13.5% is the national figure (001 and 002).
    (bj_energy,) = _find(targets, region_code="CN-BJ", indicator_code="energy_intensity_industry")
    assert bj_energy["measure"] == "reduction_from_baseline"
    assert (bj_energy["target_value"], bj_energy["target_unit"]) == (12, "percent")
    assert bj_energy["comparator"] == ">=" and bj_energy["nature"] == "binding"
    assert bj_energy["baseline_year"] == 2020 and bj_energy["target_year"] == 2025
    cn_energy = _find(targets, region_code="CN", indicator_code="energy_intensity_industry")
    assert {t["source_doc"] for t in cn_energy} == {
        "001_ceaaba9e87eb4612.txt",
        "002_c7e0a3d6048ed052.txt",
    }
    assert all(t["target_value"] == 13.5 and t["target_unit"] == "percent" for t in cn_energy)
    (cq_energy,) = _find(targets, region_code="CN-CQ", indicator_code="energy_intensity_industry")
    assert cq_energy["target_value"] == 14.5

    (bj_factories,) = _find(targets, region_code="CN-BJ", indicator_code="green_factories_national")
    assert bj_factories["measure"] == "cumulative_count"
    assert (bj_factories["target_value"], bj_factories["target_unit"]) == (150, "count")
    assert bj_factories["target_year"] == 2025

    (bj_co2,) = _find(targets, region_code="CN-BJ", indicator_code="co2_intensity_industry")
    assert bj_co2["comparator"] == "~" and bj_co2["nature"] == "expected"

    (cq_steel,) = _find(targets, region_code="CN-CQ", indicator_code="crude_steel_capacity")
    assert cq_steel["measure"] == "cap" and cq_steel["comparator"] == "<="
    assert cq_steel["target_value"] == 15_000_000 and cq_steel["target_unit"] == "t"


# --- against the documents -----------------------------------------------------------------


def test_clauses_are_verbatim(targets: list[dict[str, Any]], seeds: dict[str, str]) -> None:
    missing = [t["target_id"] for t in targets if t["clause"] not in seeds[t["source_doc"]]]
    assert missing == []


def test_baselines_cited_verbatim_and_convert(
    baselines: list[dict[str, str]],
    indicators: dict[str, dict[str, str]],
    seeds_dir: Path,
) -> None:
    assert baselines
    for row in baselines:
        label = (row["indicator_code"], row["year"])
        assert row["region_code"] in {"CN", "CN-BJ", "CN-CQ"}, label
        assert row["data_kind"] == "official", label
        assert re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", row["vintage"]), label
        assert int(row["vintage"][:4]) >= int(row["year"]), label
        assert row["origin"].startswith("seeds/") and row["origin"][6:] in DOCS, label
        seed = (seeds_dir / row["origin"][6:]).read_text(encoding="utf-8")
        fragments = _FRAGMENT.findall(row["citation"])
        assert len(fragments) == 1 and row["citation"].startswith("《"), label
        assert fragments[0] in seed, label
        assert row["value_as_written"] in fragments[0], label
        code = row["indicator_code"]
        assert code in indicators, label
        conv = parse_unit(row["unit_as_written"])
        assert conv.canonical == indicators[code]["unit"], label
        assert float(row["value_as_written"]) * conv.factor > 0, label


def test_baselines_hold_the_2020_green_manufacturing_counts(
    baselines: list[dict[str, str]],
) -> None:
    found = {
        (r["region_code"], r["indicator_code"], r["year"]): r["value_as_written"] for r in baselines
    }
    assert found[("CN", "green_factories_national", "2020")] == "2121"
    assert found[("CN", "green_parks_national", "2020")] == "171"
    assert found[("CN", "green_supply_chain_national", "2020")] == "189"
    assert found[("CN", "recycled_resources_volume", "2020")] == "3.8"
