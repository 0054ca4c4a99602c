"""Build ``ceads_co2.csv`` and ``cui_co2.csv``, the embedded CO2 extracts.

Run from the repository root with the public files beside it::

    .venv/bin/python -m sources.extracts.build_ceads_extract ../shared/data

``ceads_co2.csv`` (official): the CEADs scope-1 total of every province in the 23 provincial
workbooks and of the nation, 1997-2019, plus the per-sector 'Scope 1 Total' of the nation,
Beijing and Chongqing. ``cui_co2.csv`` (derived): greenstat's annual sums of Cui et al.'s daily
values per province and sector, 2019-2020, and of the publisher's daily total of the three
sectors. Both are read with greenstat's own connectors, values kept as the stored doubles;
rebuilding from the same inputs gives the same bytes.
"""

from __future__ import annotations

import calendar
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from sources import cui_daily
from sources.ceads import (
    as_written,
    ceads_sectors,
    parse_national_workbook,
    parse_province_workbook,
)
from sources.extract import write_extract
from sources.parsed import Candidate, Parsed
from sources.regions import default_resolver

HERE = Path(__file__).resolve().parent
CEADS_OUTPUT = HERE / "ceads_co2.csv"
CUI_OUTPUT = HERE / "cui_co2.csv"
PROVINCES_DIR = "ceads_openclimate/raw/CEADS_china_provinces"
NATIONAL = (
    "ceads_openclimate/raw/CEADS_china/China_CO2_Inventory_1997-2019_(IPCC_Sectoral_Emissions).xlsx"
)
CUI = (
    "ceads_openclimate/raw/cui_etal_v1/"
    "Dataset_Daily_CO2_31Provincial_MonPow_MonInd_YearVeh_2019_2020_week_holiday.xlsx"
)
SECTOR_REGIONS = frozenset({"CN", "CN-BJ", "CN-CQ"})  # regions whose sector rows are embedded


@dataclass(frozen=True)
class _Options:
    indicator: str | None = None
    region: str | None = None
    vintage: str | None = None


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _region(label: str | None, where: str) -> str:
    code = default_resolver().resolve(label) if label else None
    if code is None:
        raise SystemExit(f"{where}: cannot map region {label!r}")
    return code


def ceads_workbooks(shared: Path) -> list[tuple[str, bool]]:
    """(path under shared/data, is the national workbook) of every CEADs workbook embedded."""
    books = sorted((shared / PROVINCES_DIR).glob("*.xlsx"))
    if len(books) != 23:
        raise SystemExit(f"{PROVINCES_DIR}: expected 23 workbooks (1997-2019), found {len(books)}")
    return [*((f"{PROVINCES_DIR}/{b.name}", False) for b in books), (NATIONAL, True)]


def workbook_rows(
    shared: Path, relpath: str, *, national: bool, parsed: Parsed | None = None
) -> list[dict[str, str]]:
    """The extract rows of one workbook: its totals, and its sector rows for SECTOR_REGIONS.
    ``parsed`` is the workbook already parsed with default options (tests reuse theirs)."""
    path = shared / relpath
    if parsed is None:
        parse = parse_national_workbook if national else parse_province_workbook
        parsed = parse(path, _Options())
    if parsed.rejects or not parsed.vintage:
        raise SystemExit(f"{relpath}: {len(parsed.rejects)} rejected cells or no vintage")
    sha = _sha(path)
    rows = []
    regions: dict[str | None, str] = {}
    for c in parsed.candidates:
        if c.fuel is not None:
            continue
        if c.region_label not in regions:
            regions[c.region_label] = _region(c.region_label, relpath)
        region = regions[c.region_label]
        if c.source_sector is not None and region not in SECTOR_REGIONS:
            continue
        sheet, header = (c.column or "!").split("!", 1)
        origin = f"{relpath} sha256:{sha} {sheet} row {c.source_row} col {header}"
        rows.append(_ceads_row(c, region, origin))
    return rows


def sort_ceads_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Region, year, then the total before the sectors in CEADs' order."""
    order = {s.name_en: s.sector_no for s in ceads_sectors()}
    return sorted(
        rows, key=lambda r: (r["region_code"], int(r["year"]), order.get(r["source_sector"], 0))
    )


def _ceads_row(c: Candidate, region: str, origin: str) -> dict[str, str]:
    return {
        "region_code": region,
        "indicator_code": c.indicator,
        "year": str(c.year),
        "value_as_written": c.value_as_written,
        "unit_as_written": c.unit_as_written,
        "vintage": c.vintage,
        "data_kind": c.data_kind,
        "citation": c.citation,
        "origin": origin,
        "industry_code": c.industry_code or "",
        "source_sector": c.source_sector or "",
        "fuel": "",
    }


def build_ceads(shared: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for relpath, national in ceads_workbooks(shared):
        rows += workbook_rows(shared, relpath, national=national)
    return sort_ceads_rows(rows)


def build_cui(shared: Path, parsed: Parsed | None = None) -> list[dict[str, str]]:
    path = shared / CUI
    if parsed is None:
        parsed = cui_daily.parse(path, _Options())
    sha = _sha(path)
    rows = []
    for t in cui_daily.annual_totals(parsed.candidates):
        days_in_year = 366 if calendar.isleap(t.year) else 365
        if t.days != days_in_year:
            raise SystemExit(f"{CUI}: {t.region_label} {t.year} {t.sheet} has {t.days} days")
        what = (
            f"the {t.source_sector.replace('_', ' ')} sector"
            if t.source_sector
            else ("the publisher's daily total of power, industry and ground transport")
        )
        dated = (
            "; days dated by the sheet year and weekday (the sheet's Date column repeats 2019)"
            if cui_daily.DATE_INFERRED in t.flags
            else ""
        )
        rows.append(
            {
                "region_code": _region(t.region_label, CUI),
                "indicator_code": cui_daily.INDICATOR,
                "year": str(t.year),
                "value_as_written": as_written(t.value),
                "unit_as_written": cui_daily.UNIT,
                "vintage": parsed.vintage or "",
                "data_kind": t.data_kind,
                "citation": (
                    f"greenstat's sum of the {t.days} daily values of {what} in Cui et al. "
                    "(2021), Daily CO2 emission for China's provinces in 2019 and 2020, "
                    "Earth Syst. Sci. Data, Zenodo doi:10.5281/zenodo.4730175 (CC BY 4.0)"
                    f"{dated}"
                ),
                "origin": f"{CUI} sha256:{sha} {t.sheet} col {t.region_label} "
                f"rows {t.first_row}-{t.last_row}",
                "industry_code": t.industry_code or "",
                "source_sector": t.source_sector or "",
                "fuel": "",
            }
        )
    rows.sort(key=lambda r: (r["region_code"], int(r["year"]), r["source_sector"]))
    return rows


def write(
    ceads_rows: list[dict[str, str]], cui_rows: list[dict[str, str]], out: Path = HERE
) -> None:
    write_extract(out / CEADS_OUTPUT.name, ceads_rows, breakdown=True)
    write_extract(out / CUI_OUTPUT.name, cui_rows, breakdown=True)


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared/data")
    ceads_rows, cui_rows = build_ceads(shared), build_cui(shared)
    write(ceads_rows, cui_rows)
    print(f"wrote {len(ceads_rows)} rows to {CEADS_OUTPUT}")
    print(f"wrote {len(cui_rows)} rows to {CUI_OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
