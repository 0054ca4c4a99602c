"""Our World in Data country series (owid/energy-data, owid/co2-data), China rows.

OWID republishes other producers' figures in one wide CSV per dataset (one row per
country and year, a hundred-odd columns). Only the columns in the explicit maps
below are read: each names the catalogued indicator, the unit OWID writes it in and
the producer behind it, so the citation credits the source of record and not only
the aggregator. Every other column (per-capita and growth variants, shares of the
world, GDP) is skipped and listed in the file's notes, never guessed at.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from sources.errors import SourceFormatError
from sources.parsed import Candidate, Connector, Options, Parsed, Reject
from sources.units import BadValueError, parse_value

KIND_OWID = "owid_country_csv"
_HEAD = ("country", "year", "iso_code")
LICENCE = "CC BY 4.0"

_EI = "Energy Institute, Statistical Review of World Energy"
_EMBER_EI = (
    "Ember (Yearly Electricity Data) and Energy Institute, Statistical Review of World Energy"
)
_GCP = "Global Carbon Project, Global Carbon Budget"


@dataclass(frozen=True)
class OwidColumn:
    indicator_code: str
    unit: str  # as OWID writes it
    producer: str


# owid/energy-data. Electricity columns are generation (OWID's *_electricity), not
# consumption; other_renewable_electricity includes bioenergy, so the catalogued
# "other renewables" series is read from the column that excludes it.
ENERGY_COLUMNS: dict[str, OwidColumn] = {
    "primary_energy_consumption": OwidColumn("primary_energy_substitution", "TWh", _EI),
    "renewables_share_energy": OwidColumn("renewables_share_primary_energy", "%", _EI),
    "electricity_generation": OwidColumn("electricity_generation", "TWh", _EMBER_EI),
    "coal_electricity": OwidColumn("electricity_generation_coal", "TWh", _EMBER_EI),
    "gas_electricity": OwidColumn("electricity_generation_gas", "TWh", _EMBER_EI),
    "oil_electricity": OwidColumn("electricity_generation_oil", "TWh", _EMBER_EI),
    "nuclear_electricity": OwidColumn("electricity_generation_nuclear", "TWh", _EMBER_EI),
    "hydro_electricity": OwidColumn("electricity_generation_hydro", "TWh", _EMBER_EI),
    "wind_electricity": OwidColumn("electricity_generation_wind", "TWh", _EMBER_EI),
    "solar_electricity": OwidColumn("electricity_generation_solar", "TWh", _EMBER_EI),
    "biofuel_electricity": OwidColumn("electricity_generation_bioenergy", "TWh", _EMBER_EI),
    "other_renewable_exc_biofuel_electricity": OwidColumn(
        "electricity_generation_other_renewable", "TWh", _EMBER_EI
    ),
    "renewables_share_elec": OwidColumn("renewables_share_electricity", "%", _EMBER_EI),
    "low_carbon_share_elec": OwidColumn("low_carbon_share_electricity", "%", _EMBER_EI),
}

# owid/co2-data: territorial CO2 from fossil fuels and industry (land-use change excluded).
CO2_COLUMNS: dict[str, OwidColumn] = {
    "co2": OwidColumn("co2_emissions_fossil_industry", "Mt CO2", _GCP),
    "coal_co2": OwidColumn("co2_emissions_coal", "Mt CO2", _GCP),
    "oil_co2": OwidColumn("co2_emissions_oil", "Mt CO2", _GCP),
    "gas_co2": OwidColumn("co2_emissions_gas", "Mt CO2", _GCP),
    "cement_co2": OwidColumn("co2_emissions_cement", "Mt CO2", _GCP),
    "flaring_co2": OwidColumn("co2_emissions_flaring", "Mt CO2", _GCP),
    "other_industry_co2": OwidColumn("co2_emissions_other_industry", "Mt CO2", _GCP),
    "co2_per_gdp": OwidColumn(
        "co2_per_gdp_ppp", "kg CO2/int$", f"{_GCP}; GDP (PPP) from the Maddison Project Database"
    ),
}

# OWID country code -> region code. Only China is catalogued; other countries and
# OWID's aggregates (World, Asia, with no iso_code) are rejected, not dropped.
_REGIONS = {"CHN": "CN"}


def sniff_owid(head: bytes) -> bool:
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(first) and tuple(c.strip() for c in first[0].split(",")[:3]) == _HEAD


def _dataset(header: list[str]) -> tuple[str, dict[str, OwidColumn]]:
    """Which OWID dataset the file comes from. The CO2 dataset repeats a few energy columns
    (primary_energy_consumption); those are read from the energy dataset only, the source of
    record, so the two files never give one figure twice under different vintages."""
    if "co2" in header:
        return "owid/co2-data", CO2_COLUMNS
    return "owid/energy-data", ENERGY_COLUMNS


def parse_owid(path: Path, options: Options) -> Parsed:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{path.name}: OWID files are UTF-8 ({exc.reason})") from exc
    lines = text.splitlines()
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0][:3]) != _HEAD:
        raise SourceFormatError(f"{path.name}: header does not start with country,year,iso_code")
    header = [c.strip() for c in rows[0]]
    dataset, columns = _dataset(header)
    mapped = [(i, name, columns[name]) for i, name in enumerate(header) if name in columns]
    if not mapped:
        raise SourceFormatError(
            f"{path.name}: none of the OWID columns greenstat reads ({', '.join(columns)})"
        )
    skipped = [name for name in header[3:] if name not in columns]
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    missing = cells_in = 0
    for line_no, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = lines[line_no - 1] if line_no - 1 < len(lines) else ",".join(cells)
        cells_in += len(mapped)
        country, year_text, iso = (c.strip() for c in (*cells, "", "", "")[:3])
        region = _REGIONS.get(iso)
        reason = None
        if len(cells) != len(header):
            reason = f"{len(cells)} cells, but the header has {len(header)} columns"
        elif region is None:
            what = f"iso_code {iso!r}" if iso else "no iso_code (an OWID aggregate)"
            reason = f"{country or '?'}: {what} is not a catalogued region (only CHN -> CN)"
        elif not (year_text.isdigit() and len(year_text) == 4):
            reason = f"year {year_text!r} is not a year"
        if reason is not None:
            rejects.append(Reject(line_no, None, reason, raw, cells=len(mapped)))
            continue
        for i, name, col in mapped:
            written = cells[i].strip()
            try:
                parsed = parse_value(written)
            except BadValueError as exc:
                rejects.append(Reject(line_no, name, f"{name}: {exc}", raw))
                continue
            if parsed.missing or parsed.value is None:
                missing += 1
                continue
            candidates.append(
                Candidate(
                    source_row=line_no,
                    column=name,
                    raw=f"{country},{year_text},{iso},{name}={written}",
                    region_label=region,
                    indicator=col.indicator_code,
                    by_code=True,
                    value=parsed.value,
                    value_as_written=written,
                    unit_as_written=col.unit,
                    year=int(year_text),
                    period=year_text,
                    vintage="",
                    data_kind="official",
                    citation=citation(dataset, name, col),
                    flags=parsed.flags,
                )
            )
    latest = max((c.year for c in candidates), default=None)
    if options.vintage:
        vintage, basis = options.vintage, "given at ingest (--vintage)"
    elif latest is not None:
        vintage = str(latest + 1)
        basis = f"inferred: the year after the latest year with data ({latest}) in the file"
    else:
        vintage, basis = "", "no data"
    candidates = [replace(c, vintage=vintage) for c in candidates]
    meta: dict[str, object] = {
        "encoding": "utf-8",
        "layout": "wide (one row per country and year)",
        "database": dataset,
        "notes": [
            f"columns read: {', '.join(name for _, name, _ in mapped)}",
            f"columns skipped (not mapped): {', '.join(skipped)}",
        ],
        "source_line": f"Our World in Data, {dataset} ({LICENCE})",
        "vintage_basis": basis,
    }
    return Parsed(candidates, rejects, missing, cells_in, meta, vintage or None)


def citation(dataset: str, column: str, col: OwidColumn) -> str:
    """Credit both the aggregator and the producer, as OWID's licence terms ask."""
    return f"Our World in Data, {dataset}, column {column}; data: {col.producer}; {LICENCE}"


CONNECTOR = Connector(KIND_OWID, lambda _p, head: sniff_owid(head), parse_owid)
