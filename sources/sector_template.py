"""The sector statistics template: figures users transcribe from yearbooks and communiqués.

Most figures greenstat needs (provincial energy use, industrial water use, ...) exist
only in PDFs and yearbook tables, so users type them into one tidy sheet: one figure a
row with its region, year, indicator, value, unit as written, source and vintage.
The same columns are read from CSV (UTF-8, UTF-8 with BOM or GB18030) and from the first
sheet of an Excel workbook, with English or Chinese headers, and the header row may sit
below a title. Each bad row becomes a rejection naming the column at fault; regions,
indicators and units are then conformed by ingest like every other source.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sources.catalogue import default_catalogue, plan_span
from sources.errors import SourceFormatError
from sources.nbs_export import decode_head
from sources.parsed import (
    VINTAGE,
    Candidate,
    Connector,
    Options,
    Parsed,
    Reject,
    parse_span,
    span_period,
)
from sources.price_basis import UnknownPriceBasisError, normalise_price_basis
from sources.units import (
    BadValueError,
    UnknownUnitError,
    parse_qualified,
    parse_unit,
    parse_value_unit,
)
from warehouse.tables import DATA_KINDS

KIND_TEMPLATE = "sector_template"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Field -> accepted header spellings (compared after NFKC, lower case, no whitespace).
HEADERS: dict[str, tuple[str, ...]] = {
    "region": ("region", "地区"),
    "year": ("year", "年份"),
    "indicator": ("indicator", "指标"),
    "value": ("value", "数值"),
    "unit": ("unit", "单位"),
    "source": ("source", "来源"),
    "vintage": ("vintage", "版本"),
    "notes": ("notes", "备注"),
    "period": ("period", "时期"),
    "data_kind": ("data_kind", "数据类型"),
    "price_basis": ("price_basis", "价格口径"),
}
LABELS = {field: f"{names[0]} ({names[1]})" for field, names in HEADERS.items()}
_DETECT = ("region", "year", "indicator", "value")  # a row holding these is the header
_REQUIRED = (*_DETECT, "source")
_HEADER_SEARCH_ROWS = 20
_BY_HEADER = {
    "".join(unicodedata.normalize("NFKC", name).split()).lower(): field
    for field, names in HEADERS.items()
    for name in names
}
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_YEAR = re.compile(r"(\d{4})年?")
# 'YYYY', 'YYYY-MM', 'YYYY/M', 'YYYY年M月'; Excel turns a typed '2020-10' into a date,
# which reads back as '2020-10-01 00:00:00'.
_PERIOD = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})月?(?:-01(?: 00:00:00)?)?)?")
_MIDNIGHT = " 00:00:00"  # an Excel date cell, read as text


@dataclass(frozen=True)
class _Record:
    row: int  # 1-based line (CSV) or sheet row (Excel)
    cells: tuple[str, ...]
    raw: str


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM or not), else GB18030 (what Excel on a Chinese
    Windows saves as 'CSV')."""
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return data.decode("utf-8-sig"), encoding
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"{name}: cannot be decoded as UTF-8 or GB18030 (bad byte at offset {exc.start})"
        ) from exc


def _csv_records(text: str) -> list[_Record]:
    """Records with the line they start on; quoted notes may span lines."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    records: list[_Record] = []
    start = 1
    try:
        for cells in reader:
            raw = "\n".join(lines[start - 1 : reader.line_num])
            records.append(_Record(start, tuple(cells), raw))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(f"CSV error at line {reader.line_num}: {exc}") from exc
    return records


def _excel_records(path: Path, n_rows: int | None = None) -> list[_Record]:
    from sources.nbs_export import _read_excel  # the shared fastexcel reader

    return [_Record(r.row, r.cells, r.raw) for r in _read_excel(path, path.read_bytes(), n_rows)]


def _header_fields(cells: Sequence[str]) -> dict[int, str]:
    """Column index -> field for the cells of a candidate header row."""
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        field = _BY_HEADER.get("".join(unicodedata.normalize("NFKC", cell).split()).lower())
        if field is not None:
            found[i] = field
    return found


def _find_header(records: Sequence[_Record]) -> int | None:
    for pos, rec in enumerate(records[:_HEADER_SEARCH_ROWS]):
        if set(_DETECT) <= set(_header_fields(rec.cells).values()):
            return pos
    return None


def _is_excel(head: bytes) -> bool:
    return head.startswith((_XLS_MAGIC, _ZIP_MAGIC))


def sniff_template(path: Path, head: bytes) -> bool:
    """A template header (region/地区, year/年份, indicator/指标, value/数值) within the
    first rows. Workbooks are opened for their first rows only. Never raises."""
    try:
        if _is_excel(head):
            records = _excel_records(Path(path), n_rows=_HEADER_SEARCH_ROWS)
        else:
            text = decode_head(head)
            if text is None:
                return False
            lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
            records = [
                _Record(i, tuple(next(csv.reader([ln]), [])), ln)
                for i, ln in enumerate(lines, start=1)
            ]
    except Exception:
        return False
    return _find_header(records) is not None


def load_records(path: Path) -> tuple[str, list[_Record]]:
    """The file's encoding (or 'xlsx'/'xls') and its records."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if _is_excel(head):
        return ("xls" if head.startswith(_XLS_MAGIC) else "xlsx"), _excel_records(path)
    text, encoding = decode_text(path.read_bytes(), name=path.name)
    try:
        return encoding, _csv_records(text)
    except SourceFormatError as exc:
        raise SourceFormatError(f"{path.name}: {exc}") from exc


def parse_template(path: Path, options: Options) -> Parsed:
    encoding, records = load_records(path)
    pos = _find_header(records)
    if pos is None:
        raise SourceFormatError(
            f"{path.name}: no template header (region/地区, year/年份, indicator/指标, "
            f"value/数值) in the first {_HEADER_SEARCH_ROWS} rows"
        )
    header = records[pos]
    fields = _header_fields(header.cells)
    seen: dict[str, int] = {}
    for i, field in fields.items():
        if field in seen:
            raise SourceFormatError(
                f"{path.name}: column {LABELS[field]} appears twice in the header "
                f"(row {header.row})"
            )
        seen[field] = i
    absent = [LABELS[f] for f in _REQUIRED if f not in seen]
    if absent:
        raise SourceFormatError(
            f"{path.name}: the header (row {header.row}) has no {', '.join(absent)} column"
        )
    if options.vintage and not VINTAGE.fullmatch(options.vintage):
        raise SourceFormatError(f"{path.name}: --vintage {options.vintage!r} is not YYYY[-MM[-DD]]")
    ignored = [c for i, c in enumerate(header.cells) if i not in fields and c.strip()]
    reader = _RowReader(seen, header.cells, options)
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    missing = cells_in = 0
    for rec in records[pos + 1 :]:
        if not any(c.strip() for c in rec.cells):
            continue
        cells_in += 1
        outcome = reader.read(rec)
        if isinstance(outcome, Reject):
            rejects.append(outcome)
        elif outcome is None:
            missing += 1
        else:
            candidates.append(outcome)
    vintages = sorted({c.vintage for c in candidates})
    basis = "per row (vintage column)"
    if options.vintage:
        basis += f"; --vintage {options.vintage} for rows that leave it blank"
    notes = [f"header at row {header.row}"]
    if ignored:
        notes.append(f"columns ignored (not template columns): {', '.join(ignored)}")
    meta: dict[str, object] = {
        "encoding": encoding,
        "layout": "sector statistics template (one figure a row)",
        "notes": notes,
        "vintage_basis": basis,
    }
    return Parsed(candidates, rejects, missing, cells_in, meta, ",".join(vintages) or None)


class _RowReader:
    """Turns one template row into a Candidate, a Reject (reason names the column) or
    None for a missing value (—, …, blank: counted, never stored as zero)."""

    def __init__(self, columns: dict[str, int], header: Sequence[str], options: Options) -> None:
        self.columns = columns
        self.header = header
        self.options = options
        self.codes = default_catalogue().by_code

    def _get(self, rec: _Record, field: str) -> str:
        i = self.columns.get(field)
        if i is None or i >= len(rec.cells):
            return ""
        return rec.cells[i].strip()

    def _reject(self, rec: _Record, field: str, reason: str) -> Reject:
        i = self.columns.get(field)
        column = self.header[i].strip() if i is not None else None
        return Reject(rec.row, column, f"{LABELS[field]}: {reason}", rec.raw)

    def read(self, rec: _Record) -> Candidate | Reject | None:
        opts = self.options
        indicator = self._get(rec, "indicator") or (opts.indicator or "").strip()
        if not indicator:
            return self._reject(rec, "indicator", "empty (write a code or a Chinese name)")
        region = self._get(rec, "region") or (opts.region or "").strip()
        if not region:
            return self._reject(rec, "region", "empty (write a code, 110000 or 北京)")
        when = self._year_period(rec)
        if isinstance(when, Reject):
            return when
        year, period = when
        value_text = self._get(rec, "value")
        core, qualifier = parse_qualified(value_text)
        try:
            parsed, carried = parse_value_unit(core)
        except BadValueError as exc:
            return self._reject(rec, "value", str(exc))
        if parsed.missing or parsed.value is None:
            return None
        unit = self._get(rec, "unit")
        if carried is not None and unit and not _same_unit(carried, unit):
            return self._reject(
                rec, "value", f"{value_text!r} carries {carried!r} but unit (单位) says {unit!r}"
            )
        unit = unit or carried or ""
        if not unit:
            return self._reject(
                rec, "unit", f"empty, and value {value_text!r} carries none (e.g. 万吨标准煤)"
            )
        vintage = self._get(rec, "vintage").removesuffix(_MIDNIGHT) or (opts.vintage or "")
        if not vintage:
            return self._reject(rec, "vintage", "empty (the release year or date, YYYY-MM-DD)")
        if not VINTAGE.fullmatch(vintage):
            return self._reject(rec, "vintage", f"{vintage!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        data_kind = self._get(rec, "data_kind").lower() or "official"
        if data_kind not in DATA_KINDS:
            return self._reject(
                rec, "data_kind", f"{data_kind!r} is not one of {', '.join(DATA_KINDS)}"
            )
        source = self._get(rec, "source")
        if not source:
            return self._reject(rec, "source", "empty (name the publication, table and page)")
        notes = self._get(rec, "notes")
        price_basis = self._get(rec, "price_basis")
        try:
            normalise_price_basis(price_basis)
        except UnknownPriceBasisError as exc:
            return self._reject(rec, "price_basis", str(exc))
        value_i = self.columns["value"]
        return Candidate(
            source_row=rec.row,
            column=self.header[value_i].strip(),
            raw=rec.raw,
            region_label=region,
            indicator=indicator,
            by_code=indicator in self.codes,
            value=parsed.value,
            value_as_written=value_text,
            unit_as_written=unit,
            year=year,
            period=period,
            vintage=vintage,
            data_kind=data_kind,
            citation=f"{source} ({notes})" if notes else source,
            flags=parsed.flags,
            price_basis=price_basis or None,
            qualifier=qualifier,
        )

    def _year_period(self, rec: _Record) -> tuple[int, str] | Reject:
        """The year, and the period: 'YYYY', 'YYYY-MM' for a sub-annual figure, or
        'YYYY/YYYY' for a change over a span of years (2016-2020, 十三五)."""
        year_text = self._get(rec, "year")
        period_text = self._get(rec, "period")
        span = parse_span(period_text) or plan_span(period_text) if period_text else None
        if span is not None:
            if year_text and (_YEAR.fullmatch(year_text) is None or int(year_text[:4]) != span[1]):
                return self._reject(
                    rec, "year", f"{year_text!r} is not the last year of the period {period_text!r}"
                )
            return span[1], span_period(*span)
        year: int | None = None
        if year_text:
            m = _YEAR.fullmatch(year_text)
            if m is None:
                return self._reject(rec, "year", f"{year_text!r} is not a year (YYYY)")
            year = int(m.group(1))
        if not period_text:
            if year is None:
                return self._reject(rec, "year", "empty")
            return year, str(year)
        p = _PERIOD.fullmatch(period_text)
        month = int(p.group(2)) if p and p.group(2) else None
        if p is None or (month is not None and not 1 <= month <= 12):
            return self._reject(rec, "period", f"{period_text!r} is not YYYY-MM (or YYYY)")
        p_year = int(p.group(1))
        if year is not None and p_year != year:
            return self._reject(rec, "period", f"{period_text!r} is not in year {year}")
        return p_year, f"{p_year}-{month:02d}" if month is not None else str(p_year)


def _same_unit(a: str, b: str) -> bool:
    try:
        ca, cb = parse_unit(a), parse_unit(b)
    except UnknownUnitError:
        return "".join(a.split()) == "".join(b.split())
    return (ca.canonical, ca.factor) == (cb.canonical, cb.factor)


CONNECTOR = Connector(KIND_TEMPLATE, sniff_template, parse_template)
