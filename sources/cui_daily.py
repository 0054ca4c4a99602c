"""Cui et al. (2021) daily CO2 for China's 31 provinces, 2019-2020 (power, industry, ground
transport; Zenodo doi:10.5281/zenodo.4730175, CC BY 4.0).

One sheet per sector and year (``Power2019`` ... ``Ground Transport2020``) plus
``Total2019-2020`` (the three sectors added up by the publisher's formulas). Columns: Date,
China, an unlabelled SUM of the provinces (checked, not loaded), 31 province abbreviations
(BJ, HEB, IM, Tibet, ...; resolved through ref.regions), Week, Holiday. Values are Mt CO2 a day;
the workbook does not write the unit, the dataset description does.

Every row must be the next day of the sheet's year. Two defects of the published file are
handled explicitly rather than guessed around: the 2019 sheets keep a row where 29 February
would be (blank, or zeros in Ground Transport2019: those values belong to no day and are
quarantined), and Ground Transport2020's Date column repeats the 2019 dates while its Week
column and sheet name say 2020 (Week 'Wednesday' beside 2019-01-01): there the date comes from
the sheet year, confirmed by the weekday, and the value is flagged ``date_inferred``.

Sector -> GB/T 4754-2017 (``INDUSTRY_CODES``): power is electricity and heat supply (D44);
industry is the rest of 工业 (B, C, D45 gas, D46 water), matching the rows of
ref/ceads_sectors.csv whose cui_sector is 'industry'; ground transport is filed under G
(transport, storage and post), although it also counts private cars and not rail, water or air.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import fastexcel

from sources.ceads import as_written, column_letter, open_workbook, xlsx_sheet_names, xlsx_vintage
from sources.errors import SourceFormatError
from sources.parsed import Candidate, Connector, Options, Parsed, Reject, Tally

KIND = "cui_daily_co2"
INDICATOR = "co2_emissions_power_industry_transport"
UNIT = "Mt CO2"
DATE_INFERRED = "date_inferred"
CITATION = (
    "Cui et al. (2021), Daily CO2 emission for China's provinces in 2019 and 2020, "
    "Earth Syst. Sci. Data, Zenodo doi:10.5281/zenodo.4730175 (CC BY 4.0), sheet {sheet}"
)

# Sheet-name sector (``Ground Transport2019`` -> 'Ground Transport') -> greenstat's sector name.
SECTOR_SHEETS: dict[str, str] = {
    "Power": "power",
    "Industry": "industry",
    "Ground Transport": "ground_transport",
}
INDUSTRY_CODES: dict[str, str] = {
    "power": "D44",
    "industry": "B+C+D45+D46",
    "ground_transport": "G",
}
_SECTOR_SHEET = re.compile(r"(?P<sector>[A-Za-z ]+?)(?P<year>\d{4})")
_TOTAL_SHEET = re.compile(r"Total(?P<first>\d{4})-(?P<last>\d{4})")

# Region column headers as written; ref.regions resolves each (HEB Hebei, HEN Henan, HAN Hainan,
# HUB Hubei, HUN Hunan, SAX Shaanxi, IM Inner Mongolia).
REGION_COLUMNS: frozenset[str] = frozenset(
    {"China", "BJ", "TJ", "HEB", "SX", "IM", "LN", "JL", "HLJ", "SH", "JS", "ZJ", "AH", "FJ"}
    | {"JX", "SD", "HEN", "HUB", "HUN", "GD", "GX", "HAN", "CQ", "SC", "GZ", "YN", "Tibet"}
    | {"SAX", "GS", "QH", "NX", "XJ"}
)
DATE_COLUMN, WEEK_COLUMN, HOLIDAY_COLUMN = "Date", "Week", "Holiday"
_ATTRIBUTE_COLUMNS = frozenset({WEEK_COLUMN, HOLIDAY_COLUMN})
# Text in the Date column of the rows that follow the last day: column sums.
_SUMMARY_DATE_TEXT = frozenset({"", "total"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EXCEL_EPOCH = date(1899, 12, 30)


def sniff(path: Path, head: bytes) -> bool:
    names = xlsx_sheet_names(path, head)
    return any(_sheet_sector(n) is not None for n in names or ())


def _sheet_sector(name: str) -> tuple[str, int] | None:
    m = _SECTOR_SHEET.fullmatch(name)
    if m is None or m["sector"] not in SECTOR_SHEETS:
        return None
    return SECTOR_SHEETS[m["sector"]], int(m["year"])


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _parse_date(text: str) -> date | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text):
        return date.fromisoformat(text[:10])
    if re.fullmatch(r"\d+(\.0+)?", text):  # a serial number without a date format
        return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    return None


def _no_day(expected: date) -> str:
    """Why a dateless row before ``expected`` is no day of the sheet."""
    if (expected.month, expected.day) == (3, 1):
        return (
            f"it stands where 29 February would be, and {expected.year} has none; "
            "its values belong to no day"
        )
    day_before = expected - timedelta(days=1)
    return f"it lies between {day_before} and {expected}; its values belong to no day"


_Acc = Tally


@dataclass(frozen=True)
class _Sheet:
    book: str
    name: str
    sector: str | None  # None: the publisher's total of the three sectors
    first: int
    last: int
    vintage: str


def _read_sheet(reader: fastexcel.ExcelReader, sh: _Sheet, acc: _Acc) -> None:
    where = f"{sh.book}: sheet '{sh.name}'"
    rows = reader.load_sheet(sh.name, header_row=None, skip_rows=0, dtypes="string")
    text = rows.to_polars().rows()
    if not text:
        raise SourceFormatError(f"{where} is empty")
    header = [_text(c) for c in text[0]]
    if header[0] != DATE_COLUMN:
        raise SourceFormatError(f"{where}: cell A1 is {header[0]!r}, expected 'Date'")
    regions: dict[int, str] = {}
    check_col: int | None = None
    week_col: int | None = None
    for i, h in enumerate(header[1:], start=1):
        if h in REGION_COLUMNS:
            regions[i] = h
        elif h == WEEK_COLUMN:
            week_col = i
        elif h in _ATTRIBUTE_COLUMNS:
            continue
        elif not h and header[i - 1] == "China":
            check_col = i  # the publisher's =SUM(D:AH) beside China
        else:
            raise SourceFormatError(
                f"{where}: column {column_letter(i)} header {h!r} is not a known Cui et al. "
                "column (Date, China, province abbreviations, Week, Holiday)"
            )
    if len(set(regions.values())) != len(regions):
        raise SourceFormatError(f"{where}: a region column appears twice")
    value_idx = sorted(regions) + ([check_col] if check_col is not None else [])
    batch, errors = reader.load_sheet(
        sh.name,
        header_row=None,
        skip_rows=1,
        dtypes={i: "float" for i in value_idx},
        use_columns=value_idx,
    ).to_arrow_with_errors()
    if batch.num_rows != len(text) - 1:
        raise SourceFormatError(f"{where}: rows read as text and as numbers differ in number")
    cols = {i: batch.column(pos).to_pylist() for pos, i in enumerate(value_idx)}
    text_cells = {e.position for e in errors.errors} if errors is not None else set()

    sector = sh.sector
    citation = CITATION.format(sheet=sh.name)
    industry_code = INDUSTRY_CODES[sector] if sector else None
    expected, end = date(sh.first, 1, 1), date(sh.last, 12, 31)
    inferred: list[int] = []
    week_mismatch: list[int] = []
    sums: dict[int, list[float]] = {i: [] for i in regions}
    check_worst = 0.0
    for r in range(1, len(text)):
        row_no = r + 1
        date_text = _text(text[r][0])
        written = _parse_date(date_text)
        week = _text(text[r][week_col]) if week_col is not None else ""
        filled = [i for i in regions if cols[i][r - 1] is not None or _text(text[r][i])]
        if expected > end:  # past the last day: blank rows and column sums only
            if written is not None or date_text.lower() not in _SUMMARY_DATE_TEXT:
                raise SourceFormatError(
                    f"{where}: row {row_no} ({date_text!r}) follows the last day {end}"
                )
            if filled:
                worst = max(abs(math.fsum(sums[i]) - (cols[i][r - 1] or 0.0)) for i in filled)
                acc.notes.append(
                    f"{sh.name} row {row_no}: column sums ({date_text or 'no label'}), not "
                    f"loaded; they agree with the days within {worst:.2g} Mt CO2"
                )
            continue
        want_week = _WEEKDAYS[expected.weekday()]
        if written == expected:
            flags = ""
            if week and week != want_week:
                week_mismatch.append(row_no)
        elif written is None and not week and not filled:
            continue  # a blank row (the 2019 sheets' empty 29 February slot)
        elif written is None and not week:
            acc.cells_in += len(filled)
            acc.rejects.append(
                Reject(
                    row_no,
                    f"{sh.name}!{DATE_COLUMN}",
                    f"row {row_no} has no date and no weekday: " + _no_day(expected),
                    f"{sh.name}!A{row_no}: "
                    + ", ".join(f"{regions[i]}={_text(text[r][i])}" for i in filled),
                    cells=len(filled),
                )
            )
            continue
        elif week == want_week and (
            written is None or written.replace(year=expected.year) == expected
        ):
            flags = DATE_INFERRED
            inferred.append(row_no)
        else:
            raise SourceFormatError(
                f"{where}: row {row_no} date {date_text or '(none)'} ({week or 'no weekday'}) is "
                f"not the expected next day {expected} ({want_week})"
            )
        day, expected = expected, expected + timedelta(days=1)
        if check_col is not None and cols[check_col][r - 1] is not None:
            own = math.fsum(cols[i][r - 1] or 0.0 for i in regions if regions[i] != "China")
            check_worst = max(check_worst, abs(own - cols[check_col][r - 1]))
        for i, region in regions.items():
            acc.cells_in += 1
            value = cols[i][r - 1]
            cell = f"{column_letter(i)}{row_no}"
            cell_flags = flags
            if value is None:
                shown = _text(text[r][i]) if (r, i) in text_cells else ""
                raw = f"{sh.name}!{cell} {region} {day} = {shown}"
                parsed = acc.text_cell(shown, row_no, f"{sh.name}!{region}", raw)
                if parsed is None or parsed.value is None:
                    continue
                value, shown_value = parsed.value, shown
                cell_flags = ",".join(f for f in (flags, parsed.flags) if f)
            else:
                shown_value = as_written(value)
            sums[i].append(value)
            acc.candidates.append(
                Candidate(
                    source_row=row_no,
                    column=f"{sh.name}!{region}",
                    raw=f"{sh.name}!{cell} {region} {date_text or '(no date)'} = {shown_value}",
                    region_label=region,
                    indicator=INDICATOR,
                    by_code=True,
                    value=value,
                    value_as_written=shown_value,
                    unit_as_written=UNIT,
                    year=day.year,
                    period=day.isoformat(),
                    vintage=sh.vintage,
                    data_kind="official",
                    citation=citation,
                    flags=cell_flags,
                    industry_code=industry_code,
                    source_sector=sector,
                    fuel=None,
                )
            )
    if expected <= end:
        raise SourceFormatError(f"{where}: ends before {expected} (expected days through {end})")
    if inferred:
        acc.notes.append(
            f"{sh.name}: the Date column of rows {inferred[0]}-{inferred[-1]} does not give days "
            f"of {sh.first} ({len(inferred)} rows); the sheet name and the Week column do, so the "
            f"date was taken from them (flag {DATE_INFERRED})"
        )
    if week_mismatch:
        acc.notes.append(f"{sh.name}: Week disagrees with the date in rows {week_mismatch[:10]}")
    if check_col is not None:
        acc.notes.append(
            f"{sh.name} column {column_letter(check_col)} (unlabelled sum of the provinces) not "
            f"loaded; it agrees with the province columns within {check_worst:.2g} Mt CO2"
        )


def parse(path: Path, options: Options) -> Parsed:
    """The daily workbook: one official candidate per day, region and sector."""
    reader = open_workbook(path)
    vintage, basis = xlsx_vintage(path, options)
    acc = _Acc()
    sheets: list[str] = []
    for name in reader.sheet_names:
        found = _sheet_sector(name)
        total = _TOTAL_SHEET.fullmatch(name)
        if found is not None:
            sh = _Sheet(path.name, name, found[0], found[1], found[1], vintage or "")
        elif total is not None:
            first, last = int(total["first"]), int(total["last"])
            sh = _Sheet(path.name, name, None, first, last, vintage or "")
        else:
            raise SourceFormatError(
                f"{path.name}: sheet '{name}' is not a known Cui et al. sheet (expected "
                f"{'|'.join(SECTOR_SHEETS)}<year> or Total<year>-<year>)"
            )
        sheets.append(name)
        _read_sheet(reader, sh, acc)
    meta: dict[str, object] = {
        "encoding": "xlsx",
        "layout": "daily: one sheet per sector and year plus a total sheet; rows days, "
        "columns China and 31 provinces",
        "database": "Cui et al. (2021) daily provincial CO2, 2019-2020 (zenodo 4730175)",
        "indicator_line": f"{INDICATOR} (Mt CO2 a day; the unit is not written in the workbook)",
        "time_line": "daily, " + ", ".join(sheets),
        "notes": [*acc.notes, "Week and Holiday columns are day attributes, not loaded"],
        "source_line": "Cui et al. 2021, Earth Syst. Sci. Data; doi:10.5281/zenodo.4730175",
        "vintage_basis": basis,
    }
    return Parsed(acc.candidates, acc.rejects, acc.missing, acc.cells_in, meta, vintage)


@dataclass(frozen=True)
class AnnualTotal:
    """Days summed to a year for one region and sector; data_kind 'derived'."""

    region_label: str
    year: int
    source_sector: str | None  # None: the publisher's daily total of the three sectors
    industry_code: str | None
    value: float  # Mt CO2
    days: int
    sheet: str
    first_row: int
    last_row: int
    flags: str = ""  # the flags of any of its days, e.g. date_inferred
    data_kind: str = "derived"


def annual_totals(candidates: Iterable[Candidate]) -> list[AnnualTotal]:
    """Sum daily candidates to calendar years per region and sector (math.fsum: the
    order of the days does not change the last digit). Callers check ``days``."""
    groups: dict[tuple[str, int, str | None], list[Candidate]] = {}
    for c in candidates:
        if c.region_label is None or len(c.period) != 10:
            continue
        groups.setdefault((c.region_label, c.year, c.source_sector), []).append(c)
    totals = []
    for (region, year, sector), days in groups.items():
        sheets = {c.column.split("!")[0] for c in days if c.column}
        if len(sheets) != 1 or len({c.period for c in days}) != len(days):
            raise ValueError(f"{region} {year} {sector}: days come from {sheets} or repeat")
        totals.append(
            AnnualTotal(
                region_label=region,
                year=year,
                source_sector=sector,
                industry_code=days[0].industry_code,
                value=math.fsum(c.value for c in days),
                days=len(days),
                sheet=sheets.pop(),
                first_row=min(c.source_row for c in days),
                last_row=max(c.source_row for c in days),
                flags=",".join(sorted({f for c in days for f in c.flags.split(",") if f})),
            )
        )
    return sorted(totals, key=lambda t: (t.region_label, t.year, t.source_sector or ""))


CONNECTOR = Connector(KIND, sniff, parse)
