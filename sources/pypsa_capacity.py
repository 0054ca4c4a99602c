"""Reader for PyPSA-China (PIK) provincial power-capacity inputs (``<tech> capacity.csv``).

The model repository (pik-piam/PyPSA-China-PIK, ``data/existing_infrastructure``) keeps
one CSV per technology: a province column and, mostly, year columns in MW. The files
do not say what a year column means, and it differs by file, so the meaning comes from
an explicit file-name map, established by reading the model code and checking national
sums against known totals:

- solar, onwind, offwind, coal: capacity by BUILD-YEAR PERIOD, not a stock. The model
  (``add_existing_baseyear.py``) adds each column as a generator cohort with
  ``build_year`` = the column year; national solar sums to 42 GW for 2015 and 211 GW for
  2020, which are the 2011-2015 and 2016-2020 additions (end-2020 stock: 253 GW).
  Read as a stock they would show Beijing onshore wind falling 136 -> 50 -> 0 MW.
- nuclear: the stock in one column headed 2020 (it sums to 54.6 GW, above the 49.9 GW
  in service in 2020: units connected in 2021-2022 seem included; reported by the
  plausibility checks, not corrected here).
- hydroelectricity: one column ``hydro_capacity`` with no year, and the model adds its
  large dams separately, so it is neither dated nor a provincial total (Sichuan
  11.7 GW): every value is quarantined with that reason rather than given a guessed year.

A province written twice is reported, never silently fixed: both rows are quarantined
with a reason naming the other row and whether the values agree (docs/decisions.md).
Values are loaded as written, in MW; negative or implausible ones are left to
``quality.plausibility``. The data licence is unclear: nothing of these files goes into
the embedded default data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sources.errors import SourceFormatError
from sources.parsed import Candidate, Connector, Options, Parsed, Reject
from sources.regions import normalise_label
from sources.units import BadValueError, parse_value

KIND = "pypsa_capacity"
UNIT = "MW"
# First header cells seen in the model's capacity files (exact spelling, quotes removed).
HEADER_FIRST_CELLS = frozenset(
    {"Subnational unit (province, state)", "Province", "State/Province", "Region"}
)
DUPLICATE_PHRASE = "appears more than once in this file"  # shared with sources.ingest
_YEAR = re.compile(r"(19|20)\d{2}")
_UNDATED_COLUMN = re.compile(r"[a-z][a-z_]*_capacity")
_SNIFF_BYTES = 4096
_REPO = "pik-piam/PyPSA-China-PIK, data/existing_infrastructure"
_LICENCE = "data licence unclear; model input values, not an official statistic"


@dataclass(frozen=True)
class Technology:
    """What one capacity file holds, decided once from the model code (see module doc)."""

    name: str
    indicator: str  # indicator_code in sources/ref/indicators.csv
    by_build_year: bool  # columns are build-year periods (additions), not stocks
    undated_reason: str = ""  # why an undated column cannot be staged


_BY_BUILD_YEAR = "capacity by build-year period (additions), not a stock"
_HYDRO_UNDATED = (
    "the file gives no year for its hydro capacity, and PyPSA-China adds its large dams "
    "separately, so these values are neither dated nor provincial totals"
)
# Explicit: an unknown file is refused, never guessed from its name.
TECHNOLOGIES: dict[str, Technology] = {
    "solar capacity.csv": Technology("solar", "solar_capacity_added", True),
    "onwind capacity.csv": Technology("onwind", "onshore_wind_capacity_added", True),
    "offwind capacity.csv": Technology("offwind", "offshore_wind_capacity_added", True),
    "coal capacity.csv": Technology("coal", "coal_capacity_added", True),
    "nuclear capacity.csv": Technology("nuclear", "nuclear_capacity", False),
    "hydroelectricity capacity.csv": Technology(
        "hydroelectricity", "hydro_capacity", False, _HYDRO_UNDATED
    ),
}


def _first_record(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)), [])


def _is_header(cells: Sequence[str]) -> bool:
    """A known first cell followed only by years or one ``<x>_capacity`` column."""
    if len(cells) < 2 or cells[0].strip() not in HEADER_FIRST_CELLS:
        return False
    rest = [c.strip() for c in cells[1:]]
    return all(_YEAR.fullmatch(c) or _UNDATED_COLUMN.fullmatch(c) for c in rest)


def sniff(path: Path, head: bytes) -> bool:
    try:
        text = head[:_SNIFF_BYTES].decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _is_header(_first_record(text.split("\n", 1)[0]))


def technology_of(path: Path) -> Technology:
    tech = TECHNOLOGIES.get(path.name)
    if tech is None:
        known = ", ".join(sorted(TECHNOLOGIES))
        raise SourceFormatError(
            f"{path.name}: a PyPSA-China capacity table of unknown technology "
            f"(known files: {known})"
        )
    return tech


def _bins(years: Sequence[int | None]) -> dict[int, str]:
    """Build years each year column covers: the years since the previous column."""
    dated = sorted(y for y in years if y is not None)
    out = {}
    for i, y in enumerate(dated):
        out[y] = f"built up to {y}" if i == 0 else f"built {dated[i - 1] + 1}-{y}"
    return out


def _describe_duplicates(label: str, rows: list[tuple[int, list[str]]], header: list[str]) -> str:
    numbers = ", ".join(str(n) for n, _ in rows)
    differ = [
        f"{header[j]}: {' vs '.join(r[j].strip() for _, r in rows)}"
        for j in range(1, len(header))
        if len({r[j].strip() for _, r in rows}) > 1
    ]
    agreement = "values differ (" + "; ".join(differ) + ")" if differ else "identical values"
    return (
        f"province {label!r} {DUPLICATE_PHRASE} (rows {numbers}): {agreement}; "
        "neither row is loaded"
    )


def parse(path: Path, options: Options) -> Parsed:
    tech = technology_of(path)
    data_bytes = path.read_bytes()
    try:
        text = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{path.name}: not UTF-8 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str], str]] = []
    lines = text.splitlines()
    for cells in reader:
        row = reader.line_num
        records.append((row, cells, lines[row - 1] if row - 1 < len(lines) else ""))
    if not records or not _is_header(records[0][1]):
        raise SourceFormatError(
            f"{path.name}: header is not a PyPSA-China capacity header "
            f"(expected one of {sorted(HEADER_FIRST_CELLS)} then years)"
        )
    header = [c.strip() for c in records[0][1]]
    years = [int(c) if _YEAR.fullmatch(c) else None for c in header[1:]]
    width = len(header) - 1
    bins = _bins(years)
    rejects: list[Reject] = []
    data: list[tuple[int, list[str], str]] = []
    for row, cells, raw in records[1:]:
        if not any(c.strip() for c in cells):
            continue  # a blank line holds no value cells
        if len(cells) != len(header):
            reason = f"row has {len(cells) - 1} value cells, the header has {width}"
            rejects.append(Reject(row, None, reason, raw, width))
        elif not cells[0].strip():
            rejects.append(Reject(row, None, "no province named in the first cell", raw, width))
        else:
            data.append((row, cells, raw))
    cells_in = width * (len(data) + len(rejects))

    by_label: dict[str, list[tuple[int, list[str]]]] = {}
    for row, cells, _ in data:
        by_label.setdefault(normalise_label(cells[0]), []).append((row, cells))
    duplicated = {k: v for k, v in by_label.items() if len(v) > 1}

    candidates: list[Candidate] = []
    missing = 0
    values_by_year: set[int] = set()
    for row, cells, raw in data:
        label = cells[0].strip()
        dupes = duplicated.get(normalise_label(label))
        if dupes:
            reason = _describe_duplicates(label, dupes, header)
            rejects.append(Reject(row, None, reason, raw, width))
            continue
        for j, year in enumerate(years, start=1):
            column, written = header[j], cells[j].strip()
            try:
                pv = parse_value(written)
            except BadValueError as exc:
                rejects.append(Reject(row, column, f"{exc} (capacity in MW expected)", raw))
                continue
            if pv.missing or pv.value is None:
                missing += 1
                continue
            if year is None:
                reason = f"column {column!r} names no year: {tech.undated_reason or 'undated'}"
                rejects.append(Reject(row, column, reason, raw))
                continue
            values_by_year.add(year)
            what = f"{_BY_BUILD_YEAR}, {bins[year]}" if tech.by_build_year else f"stock, {year}"
            candidates.append(
                Candidate(
                    source_row=row,
                    column=column,
                    raw=raw,
                    region_label=label,
                    indicator=tech.indicator,
                    by_code=True,
                    value=pv.value,
                    value_as_written=written,
                    unit_as_written=UNIT,
                    year=year,
                    period=str(year),
                    vintage="",  # set below, once the latest year is known
                    data_kind="official",
                    citation=(
                        f"PyPSA-China (PIK) model input {path.name!r} ({_REPO}), MW; "
                        f"{what}; {_LICENCE}"
                    ),
                    flags=pv.flags,
                )
            )
    if options.vintage:
        vintage, basis = options.vintage, "given at ingest (--vintage)"
    elif values_by_year:
        latest = max(values_by_year)
        vintage = str(latest + 1)
        basis = (
            f"inferred: the year after the latest data year ({latest}); the file carries "
            "no release date"
        )
    else:
        vintage, basis = "", "no data"
    candidates = [replace(c, vintage=vintage) for c in candidates]
    measure = _BY_BUILD_YEAR if tech.by_build_year else "installed capacity (stock)"
    meta: dict[str, object] = {
        "encoding": "utf-8-sig" if data_bytes.startswith(b"\xef\xbb\xbf") else "utf-8",
        "layout": "provinces_by_build_year" if tech.by_build_year else "provinces_by_years",
        "indicator_line": f"{tech.name} -> {tech.indicator} ({measure})",
        "time_line": ",".join(header[1:]),
        "notes": [
            f"technology from the file name ({path.name})",
            f"columns: {measure}",
            _LICENCE,
            *([tech.undated_reason] if tech.undated_reason else []),
        ],
        "source_line": f"PyPSA-China (PIK), {_REPO}",
        "vintage_basis": basis,
    }
    return Parsed(candidates, rejects, missing, cells_in, meta, vintage or None)


CONNECTOR = Connector(KIND, sniff, parse)
