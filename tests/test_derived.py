"""Derived indicators: comparable prices, current-price labels, demo propagation."""

from __future__ import annotations

import pytest

from warehouse.derived import Value, chain_to_base, combine, derive


def v(x: float, kind: str = "official", src: str = "p", vintage: str = "2021") -> Value:
    return Value(x, kind, (src,), vintage)


def test_chain_to_base_uses_the_volume_index_both_ways() -> None:
    level = {2020: v(100.0, src="iva2020"), 2021: v(120.0)}
    index = {2020: v(105.0, src="i2020"), 2021: v(110.0, src="i2021"), 2022: v(90.0)}
    out = chain_to_base(level, index)
    assert out[2020].value == 100.0
    assert out[2021].value == pytest.approx(110.0)  # 10% real growth, not the 20% nominal
    assert out[2022].value == pytest.approx(99.0)
    assert out[2019].value == pytest.approx(100.0 / 1.05)
    assert set(out[2022].inputs) == {"iva2020", "i2021", "p"}


def test_chain_stops_at_a_gap_and_needs_the_base_year() -> None:
    index = {2021: v(110.0), 2023: v(105.0)}
    assert set(chain_to_base({2020: v(100.0)}, index)) == {2020, 2021}
    assert chain_to_base({2019: v(100.0)}, index) == {}


def test_derived_from_demo_is_demo() -> None:
    assert combine([v(1.0), v(2.0, "demo")], 3.0).data_kind == "demo"
    assert combine([v(1.0), v(2.0, "derived")], 3.0).data_kind == "derived"
    assert combine([v(1.0, vintage="2019"), v(2.0, vintage="2025")], 3.0).vintage == "2025"


def test_intensity_at_comparable_prices_and_current_prices_labelled() -> None:
    panel = {
        ("CN-BJ", "energy_consumption_industry"): {2020: v(1e7), 2021: v(1e7)},
        ("CN-BJ", "industrial_value_added"): {2020: v(4e11), 2021: v(5e11)},
        ("CN-BJ", "industrial_value_added_index"): {2021: v(110.0)},
    }
    rows = {(r.indicator_code, r.year): r for r in derive(panel)}
    comparable = rows[("energy_intensity_industry", 2021)]
    assert comparable.value == pytest.approx(1e7 / (4e11 * 1.1) * 1e4)
    assert "2020 prices" in comparable.method
    current = rows[("energy_intensity_industry_current_prices", 2021)]
    assert current.value == pytest.approx(1e7 / 5e11 * 1e4)
    assert "current prices" in current.method


def test_no_index_means_no_comparable_intensity() -> None:
    panel = {
        ("CN", "co2_emissions"): {2019: v(9e9)},
        ("CN", "gdp"): {2019: v(9.9e13)},
    }
    codes = {r.indicator_code for r in derive(panel)}
    assert codes == {"co2_intensity_current_prices"}


def test_water_reuse_rate_from_volumes() -> None:
    panel = {
        ("CN-BJ", "industrial_water_new"): {2020: v(3e8, "demo")},
        ("CN-BJ", "industrial_water_reused"): {2020: v(57e8, "demo")},
    }
    (row,) = derive(panel)
    assert row.indicator_code == "industrial_water_reuse_rate"
    assert row.value == pytest.approx(95.0)
    assert row.data_kind == "demo"
