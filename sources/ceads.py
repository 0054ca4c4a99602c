"""CEADs CO2 emission inventories: the provincial workbooks (one a year) and the national one.

Every sheet name, column header and row label seen in the 23 provincial workbooks (1997-2019)
and the national workbook is listed here explicitly; anything else is a one-line
SourceFormatError naming the workbook and sheet. A guessed sector or fuel would corrupt every
total built on it silently, so an unfamiliar layout stops the file instead.

Sheet layout (both files): row 1 headers (17 fuels, Scope 2 heat/electricity, Other Energy,
Process, Scope 1 Total), row 2 the unit of each column ('Mt CO2'), a blank row, then the total
row, CEADs' 45 production sectors and the Urban and Rural households (``ref/ceads_sectors.csv``).
Values are read as doubles (fastexcel's text rendering rounds them to 9 decimals) and written
back with Python's shortest round-trip repr, which is the stored double exactly.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import fastexcel

from sources.errors import SourceFormatError
from sources.parsed import Candidate, Connector, Options, Parsed, Tally

KIND_PROVINCE = "ceads_province_inventory"
KIND_NATIONAL = "ceads_national_inventory"
INDICATOR = "co2_emissions"
SECTORS_CSV = Path(__file__).resolve().parent / "ref" / "ceads_sectors.csv"
_ZIP_MAGIC = b"PK\x03\x04"

CITATION = (
    "CEADs (ceads.net), {what}, sheet {sheet}; Shan et al. 2018 doi:10.1038/sdata.2017.201, "
    "Shan et al. 2020 doi:10.1038/s41597-020-0393-y, Guan et al. 2021 doi:10.1029/2021EF002241"
)

# Sheet-name province (``Beijing2019`` -> 'Beijing') -> the English name ref.regions resolves.
PROVINCE_SHEETS: dict[str, str] = {
    "Anhui": "Anhui",
    "Beijing": "Beijing",
    "Chongqing": "Chongqing",
    "Fujian": "Fujian",
    "Gansu": "Gansu",
    "Guangdong": "Guangdong",
    "Guangxi": "Guangxi",
    "Guizhou": "Guizhou",
    "Hainan": "Hainan",
    "Hebei": "Hebei",
    "Heilongjiang": "Heilongjiang",
    "Henan": "Henan",
    "Hubei": "Hubei",
    "Hunan": "Hunan",
    "InnerMongolia": "Inner Mongolia",
    "Jiangsu": "Jiangsu",
    "Jiangxi": "Jiangxi",
    "Jilin": "Jilin",
    "Liaoning": "Liaoning",
    "Ningxia": "Ningxia",
    "Qinghai": "Qinghai",
    "Shaanxi": "Shaanxi",
    "Shandong": "Shandong",
    "Shanghai": "Shanghai",
    "Shanxi": "Shanxi",
    "Sichuan": "Sichuan",
    "Tianjin": "Tianjin",
    "Xinjiang": "Xinjiang",
    "Yunnan": "Yunnan",
    "Zhejiang": "Zhejiang",
}
NATIONAL_REGION = "China"
NOTE_SHEET = "NOTE"
_PROVINCE_SHEET = re.compile(r"(?P<province>[A-Za-z]+)(?P<year>\d{4})")
_YEAR_SHEET = re.compile(r"\d{4}")
# Summary sheets of the national workbook: they repeat the year sheets, so they are checked
# against them (see the notes in raw.files) but not loaded, which would stage every figure twice.
NATIONAL_SUMMARY_SHEETS: dict[str, str] = {
    "sum": "total row of every year sheet, by fuel",
    "Sum-Sec-Scope 1": "Scope 1 Total column of every year sheet, by sector",
}

# Column header as written -> canonical column (fuel, scope-2 column, Process or Scope 1 Total).
SCOPE1_TOTAL = "Scope 1 Total"
COLUMNS: dict[str, str] = {
    "Raw Coal": "Raw Coal",
    "Raw_Coal": "Raw Coal",
    "Cleaned Coal": "Cleaned Coal",
    "CleanedCoal": "Cleaned Coal",
    "Other Washed Coal": "Other Washed Coal",
    "Other_Washed_Coal": "Other Washed Coal",
    "Briquettes": "Briquettes",
    "Coke": "Coke",
    "Coke Oven Gas": "Coke Oven Gas",
    "Coke_Oven_Gas": "Coke Oven Gas",
    "Other Gas": "Other Gas",
    "Other_Gas": "Other Gas",
    "Other Coking Products": "Other Coking Products",
    "Other_Coking_Products": "Other Coking Products",
    "Crude Oil": "Crude Oil",
    "Crude_Oil": "Crude Oil",
    "Gasoline": "Gasoline",
    "Kerosene": "Kerosene",
    "Diesel Oil": "Diesel Oil",
    "Diesel_Oil": "Diesel Oil",
    "Fuel Oil": "Fuel Oil",
    "Fuel_Oil": "Fuel Oil",
    "LPG": "LPG",
    "Refinery Gas": "Refinery Gas",
    "Refinery_Gas": "Refinery Gas",
    "Other Petroleum Products": "Other Petroleum Products",
    "Other_Petroleum_Products": "Other Petroleum Products",
    "Natural Gas": "Natural Gas",
    "Natural_Gas": "Natural Gas",
    "Scope 2 Heat": "Scope 2 Heat",
    "Scope_2_Heat": "Scope 2 Heat",
    "Scope 2 Electricity": "Scope 2 Electricity",
    "Scope_2_Electricity": "Scope 2 Electricity",
    "Other Energy": "Other Energy",
    "Other_Energy": "Other Energy",
    "Process": "Process",
    SCOPE1_TOTAL: SCOPE1_TOTAL,
    "Scope_1_Total": SCOPE1_TOTAL,
}
# Cell A1 and cell A2 (the unit row) as written: empty before 2017, labelled from 2017 on.
HEADER_CORNERS = frozenset({"", "Emission_Inventory"})
UNIT_ROW_LABELS = frozenset({"", "unit"})
# The total row's spellings. Sector labels are CEADs' names in ref/ceads_sectors.csv, the same
# in every workbook except for trailing space padding (up to 1/2016 and in the national file).
TOTAL_ROW_LABELS = frozenset({"Total Consumption", "Total Emissions", "TotalEmissions"})


@dataclass(frozen=True)
class Sector:
    sector_no: int
    name_en: str
    name_zh: str
    gb4754: str  # GB/T 4754-2017 division(s) or section(s), '+'-joined; '' for households
    section: str
    is_industry: bool
    cui_sector: str


@cache
def ceads_sectors() -> tuple[Sector, ...]:
    """The 47 CEADs sectors of ``ref/ceads_sectors.csv`` ('#' lines are its documentation)."""
    with open(SECTORS_CSV, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return tuple(
        Sector(
            sector_no=int(r["sector_no"]),
            name_en=r["name_en"],
            name_zh=r["name_zh"],
            gb4754=r["gb4754"],
            section=r["section"],
            is_industry=r["is_industry"] == "true",
            cui_sector=r["cui_sector"],
        )
        for r in csv.DictReader(lines)
    )


@cache
def _sectors_by_name() -> dict[str, Sector]:
    return {s.name_en: s for s in ceads_sectors()}


# --- the xlsx container: sheet names and dates, read from the zip without a spreadsheet parser --

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_DCTERMS = "{http://purl.org/dc/terms/}"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def xlsx_sheet_names(path: Path, head: bytes | None = None) -> list[str] | None:
    """Sheet names from xl/workbook.xml, or None when the file is not an xlsx workbook.
    Cheap enough for sniffing: one small zip member, no cells."""
    if head is not None and not head.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    return [s.get("name", "") for s in root.iter(f"{_NS_MAIN}sheet")]


def xlsx_vintage(path: Path, options: Options) -> tuple[str | None, str]:
    """The release date of a workbook and how it was found: ``--vintage`` if given, else the
    date the publisher last saved it (docProps/core.xml dcterms:modified, else created)."""
    if options.vintage:
        return options.vintage, "given at ingest (--vintage)"
    try:
        with zipfile.ZipFile(path) as zf:
            root = ElementTree.fromstring(zf.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None, "no docProps/core.xml: re-ingest with --vintage"
    for tag in ("modified", "created"):
        el = root.find(f"{_NS_DCTERMS}{tag}")
        text = (el.text or "").strip() if el is not None else ""
        if _ISO_DATE.match(text):
            return text[:10], f"workbook properties: docProps/core.xml dcterms:{tag} {text}"
    return None, "docProps/core.xml has no date: re-ingest with --vintage"


def open_workbook(path: Path) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own error types for unreadable files
        raise SourceFormatError(f"{path.name}: cannot be read as an xlsx workbook ({exc})") from exc


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def as_written(value: float) -> str:
    """A double as the shortest text that reads back as the same double ('0' for zero)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


# --- sheets ------------------------------------------------------------------------------------


@dataclass
class _Acc(Tally):
    """What the sheets of one workbook add up to."""

    headers_seen: set[str] = field(default_factory=set)
    totals: dict[str, float] = field(default_factory=dict)  # sheet -> Scope 1 Total of total row


@dataclass(frozen=True)
class _SheetContext:
    book: str  # workbook file name, for messages
    sheet: str
    region_label: str
    year: int
    vintage: str
    citation: str


def _read_inventory_sheet(reader: fastexcel.ExcelReader, ctx: _SheetContext, acc: _Acc) -> None:
    """One sheet of the CEADs sectoral layout, into candidates (every value cell),
    rejects (text that is not a number) and missing cells (blank or a missing marker)."""
    where = f"{ctx.book}: sheet '{ctx.sheet}'"
    text_rows = reader.load_sheet(ctx.sheet, header_row=None, skip_rows=0, dtypes="string")
    rows = text_rows.to_polars().rows()
    if len(rows) < 3:
        raise SourceFormatError(f"{where} has {len(rows)} rows, not the CEADs inventory layout")
    header, units = rows[0], rows[1]
    if _text(header[0]) not in HEADER_CORNERS:
        raise SourceFormatError(
            f"{where}: cell A1 {_text(header[0])!r} is not a CEADs header (expected empty or "
            "'Emission_Inventory')"
        )
    if _text(units[0]) not in UNIT_ROW_LABELS:
        raise SourceFormatError(
            f"{where}: cell A2 {_text(units[0])!r} is not the unit row (expected empty or 'unit')"
        )
    columns: dict[int, tuple[str, str, str]] = {}  # index -> (as written, canonical, unit)
    for i in range(1, len(header)):
        written = _text(header[i])
        if not written:
            if any(r[i] is not None and _text(r[i]) for r in rows[1:]):
                raise SourceFormatError(
                    f"{where}: column {column_letter(i)} has values but no header"
                )
            continue
        canonical = COLUMNS.get(written)
        if canonical is None:
            raise SourceFormatError(
                f"{where}: column {column_letter(i)} header {written!r} is not a known CEADs "
                "column (fuel, Scope 2, Other Energy, Process or Scope 1 Total)"
            )
        if canonical in {c for _, c, _ in columns.values()}:
            raise SourceFormatError(f"{where}: column {written!r} appears twice")
        unit = _text(units[i])
        if not unit:
            raise SourceFormatError(f"{where}: column {written!r} has no unit in row 2")
        columns[i] = (written, canonical, unit)
        acc.headers_seen.add(written)
    if SCOPE1_TOTAL not in {c for _, c, _ in columns.values()}:
        raise SourceFormatError(f"{where}: no 'Scope 1 Total' column")

    # The values as doubles; cells that are text come back as errors with their position.
    first = 2
    batch, errors = reader.load_sheet(
        ctx.sheet,
        header_row=None,
        skip_rows=first,
        dtypes={0: "string", **{i: "float" for i in columns}},
        use_columns=[0, *columns],
    ).to_arrow_with_errors()
    value_cols = {i: batch.column(pos + 1).to_pylist() for pos, i in enumerate(columns)}
    text_cells = {e.position for e in errors.errors} if errors is not None else set()

    sectors = _sectors_by_name()
    seen: dict[str, int] = {}
    # Per column, once: (index, header as written, candidate column, letter, fuel, unit).
    specs = [
        (
            i,
            w,
            f"{ctx.sheet}!{w}",
            f"{ctx.sheet}!{column_letter(i)}",
            None if c == SCOPE1_TOTAL else c,
            u,
        )
        for i, (w, c, u) in columns.items()
    ]
    period = str(ctx.year)
    for offset in range(batch.num_rows):
        r = first + offset  # 0-based sheet row
        row_no = r + 1
        label_written = _text(rows[r][0])
        if not label_written:
            if any(_text(rows[r][i]) for i in columns):
                raise SourceFormatError(f"{where}: row {row_no} has values but no sector label")
            continue
        if label_written in TOTAL_ROW_LABELS:
            sector = None
        else:
            sector = sectors.get(label_written)
            if sector is None:
                raise SourceFormatError(
                    f"{where}: row {row_no} label {label_written!r} is not a known CEADs sector "
                    "(see sources/ref/ceads_sectors.csv)"
                )
        key = sector.name_en if sector else "total"
        if key in seen:
            raise SourceFormatError(
                f"{where}: row {row_no} repeats {label_written!r} (first in row {seen[key]})"
            )
        seen[key] = row_no
        industry_code = (sector.gb4754 or None) if sector else None
        source_sector = sector.name_en if sector else None
        acc.cells_in += len(specs)
        for i, written, column, letter, fuel, unit in specs:
            value = value_cols[i][offset]
            flags = ""
            if value is None:
                shown = _text(rows[r][i]) if (r, i) in text_cells else ""
                raw = f"{letter}{row_no} {label_written} / {written} = {shown}"
                parsed = acc.text_cell(shown, row_no, column, raw)
                if parsed is None or parsed.value is None:
                    continue
                value, flags, text = parsed.value, parsed.flags, shown
            else:
                text = as_written(value)
            if sector is None and fuel is None:
                acc.totals[ctx.sheet] = value
            acc.candidates.append(
                Candidate(
                    source_row=row_no,
                    column=column,
                    raw=f"{letter}{row_no} {label_written} / {written} = {text}",
                    region_label=ctx.region_label,
                    indicator=INDICATOR,
                    by_code=True,
                    value=value,
                    value_as_written=text,
                    unit_as_written=unit,
                    year=ctx.year,
                    period=period,
                    vintage=ctx.vintage,
                    data_kind="official",
                    citation=ctx.citation,
                    flags=flags,
                    industry_code=industry_code,
                    source_sector=source_sector,
                    fuel=fuel,
                )
            )
    if "total" not in seen:
        raise SourceFormatError(f"{where}: no total row ({' / '.join(sorted(TOTAL_ROW_LABELS))})")
    absent = [s.name_en for s in ceads_sectors() if s.name_en not in seen]
    if absent:
        raise SourceFormatError(f"{where}: sector rows missing: {', '.join(absent)}")


def _note_sheet(reader: fastexcel.ExcelReader) -> dict[str, str]:
    """The NOTE sheet as {'Timeseries': '2019', 'Unit': 'Mt', ...} (English half of column A)."""
    rows = reader.load_sheet(NOTE_SHEET, header_row=None, dtypes="string").to_polars().rows()
    note: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and _text(row[0]):
            note[_text(row[0]).split("/")[0].strip()] = _text(row[1])
    return note


def _meta(
    layout: str, database: str, time_line: str, note: dict[str, str], acc: _Acc, basis: str
) -> dict[str, object]:
    notes = [
        f"NOTE {k}: " + " / ".join(note[k].splitlines())
        for k in ("Content", "Timeseries", "Unit")
        if k in note
    ]
    notes.append("column headers as written: " + ", ".join(sorted(acc.headers_seen)))
    notes.extend(acc.notes)
    return {
        "encoding": "xlsx",
        "layout": layout,
        "database": database,
        "indicator_line": f"{INDICATOR} (Mt CO2, scope 1 by sector and fuel)",
        "time_line": time_line,
        "notes": notes,
        "source_line": "CEADs, ceads.net (" + note.get("Data download", "").strip() + ")",
        "vintage_basis": basis,
    }


# --- provincial workbooks ----------------------------------------------------------------------

_BOOK_YEAR = re.compile(r"(\d{4})\.xlsx$", re.IGNORECASE)


def _province_sheets(names: Iterable[str]) -> list[str]:
    return [
        n
        for n in names
        if (m := _PROVINCE_SHEET.fullmatch(n)) is not None and m["province"] in PROVINCE_SHEETS
    ]


def sniff_province(path: Path, head: bytes) -> bool:
    names = xlsx_sheet_names(path, head)
    # Known province-year sheets are enough to say "CEADs": a renamed NOTE or province
    # sheet must reach the parser, which names it, not fall through to another kind.
    return bool(names) and len(_province_sheets(names)) >= 2


def _workbook_year(path: Path, note: dict[str, str]) -> int:
    from_note = note.get("Timeseries", "")
    from_name = _BOOK_YEAR.search(path.name)
    if from_note and not re.fullmatch(r"\d{4}", from_note):
        raise SourceFormatError(
            f"{path.name}: NOTE Timeseries {from_note!r} is not one year (a provincial CEADs "
            "workbook holds one year)"
        )
    if from_note and from_name and from_note != from_name[1]:
        raise SourceFormatError(
            f"{path.name}: the NOTE sheet says {from_note} but the file name says {from_name[1]}"
        )
    year = from_note or (from_name[1] if from_name else "")
    if not year:
        raise SourceFormatError(f"{path.name}: neither the NOTE sheet nor the name gives the year")
    return int(year)


def parse_province_workbook(path: Path, options: Options) -> Parsed:
    """A CEADs 'Emission Inventories for 30 Provinces <year>' workbook."""
    reader = open_workbook(path)
    names = reader.sheet_names
    note = _note_sheet(reader) if NOTE_SHEET in names else {}
    year = _workbook_year(path, note)
    vintage, basis = xlsx_vintage(path, options)
    acc = _Acc()
    for name in names:
        if name == NOTE_SHEET:
            continue
        m = _PROVINCE_SHEET.fullmatch(name)
        if m is None or m["province"] not in PROVINCE_SHEETS:
            raise SourceFormatError(
                f"{path.name}: sheet '{name}' is not a known CEADs sheet "
                f"(expected NOTE or <Province>{year})"
            )
        if int(m["year"]) != year:
            raise SourceFormatError(
                f"{path.name}: sheet '{name}' is for {m['year']}, but the workbook is for {year}"
            )
        ctx = _SheetContext(
            book=path.name,
            sheet=name,
            region_label=PROVINCE_SHEETS[m["province"]],
            year=year,
            vintage=vintage or "",
            citation=CITATION.format(
                what=f"Emission Inventories for 30 Provinces {year}",
                sheet=name,
            ),
        )
        _read_inventory_sheet(reader, ctx, acc)
    provinces = len(acc.totals)
    meta = _meta(
        layout=f"CEADs sectoral inventory: {provinces} province sheets x (total, 45 sectors, "
        "Urban, Rural) x (fuels, Scope 2, Other Energy, Process, Scope 1 Total)",
        database="CEADs provincial CO2 emission inventories (IPCC sectoral approach)",
        time_line=str(year),
        note=note,
        acc=acc,
        basis=basis,
    )
    return Parsed(acc.candidates, acc.rejects, acc.missing, acc.cells_in, meta, vintage)


# --- the national workbook ---------------------------------------------------------------------


def sniff_national(path: Path, head: bytes) -> bool:
    names = xlsx_sheet_names(path, head)
    if not names or len(_province_sheets(names)) >= 2:
        return False
    return any(_YEAR_SHEET.fullmatch(n) for n in names) and any(
        n in NATIONAL_SUMMARY_SHEETS for n in names
    )


def _year_range(path: Path, note: dict[str, str]) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", note.get("Timeseries", ""))
    if m is None:
        raise SourceFormatError(
            f"{path.name}: NOTE Timeseries {note.get('Timeseries', '')!r} is not a year range"
        )
    return int(m[1]), int(m[2])


_Key = tuple[int, str | None, str | None]  # year, sector (None: total), fuel (None: Scope 1)


def _summary_cells(
    sheet: str, text_rows: list[tuple[Any, ...]], float_rows: list[tuple[Any, ...]]
) -> list[tuple[_Key | None, float | None]]:
    """The cells of a national summary sheet with the year-sheet cell each repeats (None when
    its row or column names none)."""
    cells: list[tuple[_Key | None, float | None]] = []
    if sheet == "sum":  # rows: years in column A; columns: the headers of row 1
        header = [COLUMNS.get(_text(c)) for c in text_rows[0]]
        for row in float_rows[1:]:
            for i in range(1, len(row)):
                col = header[i]
                fuel = None if col == SCOPE1_TOTAL else col
                key = (int(row[0]), None, fuel) if col and row[0] is not None else None
                cells.append((key, row[i]))
        return cells
    years = float_rows[0]  # 'Sum-Sec-Scope 1': rows sectors; columns the years of row 1
    for text_row, row in zip(text_rows[1:], float_rows[1:], strict=True):
        label = _text(text_row[0])
        known = label in TOTAL_ROW_LABELS or label in _sectors_by_name()
        sector = None if label in TOTAL_ROW_LABELS else label
        for i in range(1, len(row)):
            key = (int(years[i]), sector, None) if known and years[i] is not None else None
            cells.append((key, row[i]))
    return cells


def _check_summaries(reader: fastexcel.ExcelReader, names: list[str], acc: _Acc) -> None:
    """Compare the national summary sheets with the year sheets they repeat; record the result
    in the notes (they are not loaded: every figure would be staged twice)."""
    staged: dict[_Key, float] = {(c.year, c.source_sector, c.fuel): c.value for c in acc.candidates}
    for sheet in (n for n in names if n in NATIONAL_SUMMARY_SHEETS):
        text_rows = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
        float_rows = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="float")
        compared, unmatched, worst = 0, 0, 0.0
        for key, value in _summary_cells(
            sheet, text_rows.to_polars().rows(), float_rows.to_polars().rows()
        ):
            if value is None:
                continue
            got = staged.get(key) if key else None
            if got is None:
                unmatched += 1
                continue
            compared += 1
            worst = max(worst, abs(got - value))
        acc.notes.append(
            f"sheet '{sheet}' ({NATIONAL_SUMMARY_SHEETS[sheet]}) not loaded: {compared} cells "
            f"agree with the year sheets within {worst:.2g} Mt CO2"
            + (f"; {unmatched} cells have no counterpart" if unmatched else "")
        )


def parse_national_workbook(path: Path, options: Options) -> Parsed:
    """CEADs' 'China CO2 Inventory 1997-2019 (IPCC Sectoral Emissions)' workbook."""
    reader = open_workbook(path)
    names = reader.sheet_names
    if NOTE_SHEET not in names:
        raise SourceFormatError(f"{path.name}: no NOTE sheet (the national CEADs layout has one)")
    note = _note_sheet(reader)
    first, last = _year_range(path, note)
    vintage, basis = xlsx_vintage(path, options)
    acc = _Acc()
    by_year: dict[int, str] = {}
    for name in names:
        if name == NOTE_SHEET or name in NATIONAL_SUMMARY_SHEETS:
            continue
        if not _YEAR_SHEET.fullmatch(name):
            raise SourceFormatError(
                f"{path.name}: sheet '{name}' is not a known CEADs sheet (expected NOTE, "
                f"{', '.join(NATIONAL_SUMMARY_SHEETS)} or a year {first}-{last})"
            )
        year = int(name)
        if not first <= year <= last:
            raise SourceFormatError(
                f"{path.name}: sheet '{name}' is outside the workbook's years {first}-{last}"
            )
        by_year[year] = name
        ctx = _SheetContext(
            book=path.name,
            sheet=name,
            region_label=NATIONAL_REGION,
            year=year,
            vintage=vintage or "",
            citation=CITATION.format(
                what=f"China CO2 Inventory {first}-{last} (IPCC Sectoral Emissions)", sheet=name
            ),
        )
        _read_inventory_sheet(reader, ctx, acc)
    _check_summaries(reader, names, acc)
    meta = _meta(
        layout=f"CEADs sectoral inventory: {len(by_year)} year sheets x (total, 45 sectors, "
        "Urban, Rural) x (fuels, Scope 2, Other Energy, Process, Scope 1 Total)",
        database="CEADs national CO2 emission inventory (IPCC sectoral emissions)",
        time_line=f"{first}-{last}",
        note=note,
        acc=acc,
        basis=basis,
    )
    return Parsed(acc.candidates, acc.rejects, acc.missing, acc.cells_in, meta, vintage)


PROVINCE_CONNECTOR = Connector(KIND_PROVINCE, sniff_province, parse_province_workbook)
NATIONAL_CONNECTOR = Connector(KIND_NATIONAL, sniff_national, parse_national_workbook)
