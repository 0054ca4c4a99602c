"""Derived indicators: intensities, rates and sector sums computed from published values.

Pure functions over series, so every formula is tested without a warehouse. A derived
value is ``derived`` when all its inputs are official and ``demo`` as soon as one input
is demo: a figure computed from demo data is demo data (docs/decisions.md §11).

Intensity targets are set at comparable prices (BRIEF §5). Where a volume index
(previous year = 100) chains a value-added series to base-year prices, the intensity
uses it (at 2020 prices, the base of the 14th Five-Year Plan targets); where none is
held, the figure goes to a separate ``*_current_prices`` indicator that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PRICE_BASE_YEAR = 2020
KIND_ORDER = {"official": 0, "derived": 1, "demo": 2}
PER_10K_YUAN = 1e4  # intensities are stated per 万元


@dataclass(frozen=True)
class Value:
    value: float
    data_kind: str
    inputs: tuple[str, ...]  # provenance of every staged value used
    vintage: str


@dataclass(frozen=True)
class DerivedRow:
    region_code: str
    indicator_code: str
    year: int
    value: float
    unit: str
    data_kind: str
    method: str
    inputs: tuple[str, ...]
    vintage: str
    price_basis: str | None = None  # comparable, constant:YYYY or current, where it matters


Series = Mapping[int, Value]
Panel = Mapping[tuple[str, str], Series]  # (region, indicator) -> year -> value


def combine(values: Iterable[Value], result: float) -> Value:
    vs = list(values)
    kind = "demo" if any(v.data_kind == "demo" for v in vs) else "derived"
    inputs = tuple(dict.fromkeys(p for v in vs for p in v.inputs))
    return Value(result, kind, inputs, max(v.vintage for v in vs))


def chain_to_base(
    level: Series, index: Series, base_year: int = PRICE_BASE_YEAR
) -> dict[int, Value]:
    """Level at base-year prices for every year the volume index chain reaches.

    ``index[y]`` is year y at comparable prices over year y-1 (= 100). The base year's
    current-price level anchors the chain; a gap in the index ends it."""
    if base_year not in level:
        return {}
    anchor = level[base_year]
    out: dict[int, Value] = {base_year: anchor}
    factor, used = 1.0, [anchor]
    y = base_year
    while y + 1 in index and index[y + 1].value > 0:
        y += 1
        factor *= index[y].value / 100
        used.append(index[y])
        out[y] = combine(used, anchor.value * factor)
    factor, used = 1.0, [anchor]
    y = base_year
    while y in index and index[y].value > 0:
        factor /= index[y].value / 100
        used.append(index[y])
        y -= 1
        out[y] = combine(used, anchor.value * factor)
    return out


def ratio(num: Series, den: Mapping[int, Value], scale: float = 1.0) -> dict[int, Value]:
    return {
        y: combine([n, den[y]], n.value / den[y].value * scale)
        for y, n in num.items()
        if y in den and den[y].value
    }


@dataclass(frozen=True)
class Intensity:
    code: str
    current_code: str
    numerator: str
    denominator: str  # a current-price value-added series
    index: str  # its volume index, previous year = 100
    unit: str
    what: str


INTENSITIES = (
    Intensity(
        "co2_intensity",
        "co2_intensity_current_prices",
        "co2_emissions",
        "gdp",
        "gdp_index",
        "t CO2/10k yuan",
        "CO2 per 10^4 yuan of GDP",
    ),
    Intensity(
        "co2_intensity_industry",
        "co2_intensity_industry_current_prices",
        "co2_emissions_industry",
        "industrial_value_added",
        "industrial_value_added_index",
        "t CO2/10k yuan",
        "industrial CO2 per 10^4 yuan of industrial value added",
    ),
    Intensity(
        "energy_intensity_industry",
        "energy_intensity_industry_current_prices",
        "energy_consumption_industry",
        "industrial_value_added",
        "industrial_value_added_index",
        "tce/10k yuan",
        "industrial energy per 10^4 yuan of industrial value added",
    ),
    Intensity(
        "water_intensity_industry",
        "water_intensity_industry_current_prices",
        "industrial_water_new",
        "industrial_value_added",
        "industrial_value_added_index",
        "m3/10k yuan",
        "industrial fresh water per 10^4 yuan of industrial value added",
    ),
)


def _rows(
    region: str,
    code: str,
    unit: str,
    method: str,
    values: Mapping[int, Value],
    price_basis: str | None = None,
) -> list[DerivedRow]:
    return [
        DerivedRow(
            region, code, y, v.value, unit, v.data_kind, method, v.inputs, v.vintage, price_basis
        )
        for y, v in sorted(values.items())
    ]


# A real growth rate (%) is a volume index less 100: where a source publishes the growth
# and no index, the index is derived from it (and labelled derived).
INDEX_FROM_GROWTH = (
    ("gdp_index", "gdp_growth"),
    ("industrial_value_added_index", "industrial_value_added_growth"),
)


def derive(panel: Panel) -> list[DerivedRow]:
    """Every derived indicator the panel's inputs allow. Inputs that already include a
    published value of a derived indicator are left to the caller: the mart keeps the
    published value and drops the derived one."""
    out: list[DerivedRow] = []
    extended: dict[tuple[str, str], Mapping[int, Value]] = {}
    regions = sorted({r for r, _ in panel})
    for region in regions:

        def get(code: str, region: str = region) -> Series:
            return panel.get((region, code), {})

        for index_code, growth_code in INDEX_FROM_GROWTH:
            index, growth = dict(get(index_code)), get(growth_code)
            made = {
                y: combine([g], 100 + g.value)
                for y, g in growth.items()
                if y not in index or KIND_ORDER[g.data_kind] < KIND_ORDER[index[y].data_kind]
            }
            out += _rows(
                region,
                index_code,
                "index (previous year = 100)",
                f"100 + {growth_code} (real growth, %)",
                made,
                "comparable",
            )
            index.update(made)
            extended[(region, index_code)] = index

        for it in INTENSITIES:
            num, level = get(it.numerator), get(it.denominator)
            index = extended.get((region, it.index)) or get(it.index)
            if not num or not level:
                continue
            constant = chain_to_base(level, index)
            comparable = ratio(num, constant, PER_10K_YUAN) if len(constant) > 1 else {}
            out += _rows(
                region,
                it.code,
                it.unit,
                f"{it.what} at {PRICE_BASE_YEAR} prices: {it.numerator} / ({it.denominator} "
                f"{PRICE_BASE_YEAR} x chained {it.index} / 100) x 10^4",
                comparable,
                f"constant:{PRICE_BASE_YEAR}",
            )
            current = ratio(num, level, PER_10K_YUAN)
            out += _rows(
                region,
                it.current_code,
                it.unit,
                f"{it.what} at current prices (not comparable across years): "
                f"{it.numerator} / {it.denominator} x 10^4",
                current,
                "current",
            )
        new, reused = get("industrial_water_new"), get("industrial_water_reused")
        rate = {
            y: combine([new[y], r], r.value / (r.value + new[y].value) * 100)
            for y, r in reused.items()
            if y in new and r.value + new[y].value > 0
        }
        out += _rows(
            region,
            "industrial_water_reuse_rate",
            "percent",
            "industrial_water_reused / (industrial_water_reused + industrial_water_new) x 100",
            rate,
        )
    return out
