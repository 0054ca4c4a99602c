"""The demo series: seeded, labelled, plausible, and anchored to the real figures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sources.demo_series import generate, load_spec, read_anchors, write_demo_file
from sources.extracts import extract_files
from sources.targets import load_targets
from sources.units import parse_unit


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    path = write_demo_file(tmp_path_factory.mktemp("gen"), extract_files())
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_same_bytes_every_time(tmp_path: Path) -> None:
    a = write_demo_file(tmp_path / "a", extract_files()).read_bytes()
    b = write_demo_file(tmp_path / "b", extract_files()).read_bytes()
    assert a == b


def test_every_row_is_demo_and_says_generated(demo_rows: list[dict[str, str]]) -> None:
    assert demo_rows
    assert {r["data_kind"] for r in demo_rows} == {"demo"}
    assert all("GENERATED" in r["citation"] and r["origin"].startswith("seed=") for r in demo_rows)


def test_issue_series_cover_the_three_regions_2015_2025(demo_rows: list[dict[str, str]]) -> None:
    need = [
        "energy_consumption_industry", "industrial_value_added", "industrial_value_added_index",
        "industrial_water_new", "industrial_water_reused", "cement_clinker_output",
        "clinker_energy_intensity", "crude_steel_output", "crude_steel_capacity",
    ]  # fmt: skip
    have = {(r["indicator_code"], r["region_code"], int(r["year"])) for r in demo_rows}
    for code in need:
        for region in ("CN", "CN-BJ", "CN-CQ"):
            assert {(code, region, y) for y in range(2015, 2026)} <= have, (code, region)
    for code in (
        "eaf_steel_share",
        "recycled_aluminium_output",
        "bulk_solid_waste_utilization_rate",
    ):
        assert (code, "CN", 2025) in have


def test_shares_stay_shares_and_counts_never_fall(demo_rows: list[dict[str, str]]) -> None:
    series: dict[tuple[str, str], list[tuple[int, float, str]]] = {}
    for r in demo_rows:
        key = (r["region_code"], r["indicator_code"])
        series.setdefault(key, []).append(
            (int(r["year"]), float(r["value_as_written"]), r["unit_as_written"])
        )
    for key, pts in series.items():
        unit = parse_unit(pts[0][2]).canonical
        values = [v for _, v, _ in sorted(pts)]
        assert all(v >= 0 for v in values), key
        if unit == "percent":
            assert all(v <= 100 for v in values), key
        if unit == "count":
            assert values == sorted(values) and all(v == int(v) for v in values), key


def test_anchored_series_pass_through_the_official_figure(demo_rows: list[dict[str, str]]) -> None:
    key = ("CN", "recycled_resources_volume", "2020")
    (row,) = [r for r in demo_rows if (r["region_code"], r["indicator_code"], r["year"]) == key]
    assert float(row["value_as_written"]) == pytest.approx(3.8)  # 3.8亿吨 in the plan, exactly
    assert "anchored_to=official:2020" in row["origin"]


def test_industrial_co2_is_consistent_with_ceads_2015_2019() -> None:
    anchors = read_anchors(extract_files())["ceads_industry"]
    rows = generate(load_spec(), read_anchors(extract_files()))
    for region in ("CN", "CN-BJ", "CN-CQ"):
        ceads = anchors.get((region, "co2_emissions_industry"), {})
        assert set(range(2015, 2020)) <= set(ceads), f"no CEADs industrial sectors for {region}"
        demo = {
            r.year: r.value * 1e4
            for r in rows
            if (r.region_code, r.indicator_code) == (region, "co2_emissions_industry")
        }
        for year in range(2015, 2020):
            assert demo[year] == pytest.approx(ceads[year], rel=0.02), (region, year)


def test_every_numeric_target_indicator_has_a_series_or_real_data(
    demo_rows: list[dict[str, str]],
) -> None:
    demo = {(r["region_code"], r["indicator_code"]) for r in demo_rows}
    derived_from_demo = {
        "energy_intensity_industry", "co2_intensity_industry", "water_intensity_industry",
        "industrial_water_reuse_rate", "co2_intensity",
        "green_power_imported",  # summed from the demo green power trades (demo_grid)
    }  # fmt: skip
    for t in load_targets():
        if t["target_value"] is None or t["indicator_code"] is None:
            continue
        key = (t["region_code"], t["indicator_code"])
        assert key in demo or key[1] in derived_from_demo, key
