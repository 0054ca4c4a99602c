"""Reader for exports from the NBS data portal (国家数据 easyquery, data.stats.gov.cn).

The portal writes a few header lines (数据库：/指标：/地区：/时间：), a table with years
across and regions (or indicators) down, then notes (注：) and 数据来源：. Files found in
the wild also come re-encoded (GB18030, UTF-8 with or without BOM), with tabs around
the commas, with the header lines stripped, or as the portal's BIFF8 .xls. This module
turns any of them into value cells with their physical row numbers, so the caller can
cite file sha256 + row for every figure, and it accounts for every value cell: each is
an observation, a rejection with a reason, or a counted missing-value marker. A text
row with fewer cells than the header is rejected whole, never padded with missing
values: the portal writes every cell, so a short row is damage (a cut-off last line
when the file ends without a newline, the classic truncated download).

Bad input raises SourceFormatError with a one-line message naming the file; nothing
else escapes for a malformed file.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sources.errors import SourceFormatError
from sources.units import BadValueError, parse_value, split_name_unit

__all__ = [
    "NbsCell",
    "NbsExport",
    "Rejected",
    "SourceFormatError",
    "parse_nbs_export",
    "sniff_nbs_export",
]

LAYOUT_REGIONS = "regions_by_years"
LAYOUT_INDICATORS = "indicators_by_years"
_HEADER_FIRST = {"地区": LAYOUT_REGIONS, "指标": LAYOUT_INDICATORS}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
_EXCEL_SUFFIXES = {".xls", ".xlsx", ".xlsm"}
_SNIFF_RECORDS = 12

_META = re.compile(r"^(数据库|指标|地区|时间)\s*[:：]\s*(.*?)\s*$", re.S)
_NOTE = re.compile(r"^(注|附注|说明)\s*\d*\s*[:：]")
_SOURCE = re.compile(r"^(数据来源|资料来源)\s*[:：]")
_YEAR = re.compile(r"(\d{4})\s*年?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class NbsCell:
    """One value cell that produced an observation (value still in the unit as written)."""

    source_row: int
    region_label: str | None  # as written ('北京市', '广西省'); None if the file never says
    indicator_label: str  # name without unit, e.g. '地区生产总值'
    unit_as_written: str  # e.g. '亿元'; '' when the label carries no known unit
    year: int
    value_as_written: str  # stripped of whitespace, flags still on, e.g. '49670.2*'
    value: float
    flags: str  # footnote marks, e.g. '*'


@dataclass(frozen=True)
class Rejected:
    """A value cell (or a whole row of them) that could not be read, with the reason."""

    source_row: int
    column: str | None  # header of the bad cell ('2019年'), None for whole-row problems
    reason: str
    raw: str  # the row as text
    cells: int = 1  # value cells this rejection accounts for (a whole row counts all)


@dataclass
class NbsExport:
    """Everything read from one export; ``cells_in = len(cells) + rejected cells + missing``."""

    path: Path
    encoding: str  # 'utf-8-sig', 'utf-8', 'gb18030', 'xls' or 'xlsx'
    layout: str  # 'regions_by_years' | 'indicators_by_years'
    database: str | None  # 数据库：
    # The 指标： value as written; when indicator_inferred_from is set, the label that was
    # supplied ('argument') or inferred ('notes') because the file has no 指标： line.
    indicator_line: str | None
    indicator_inferred_from: str | None
    region_line: str | None  # 地区：
    time_line: str | None  # 时间：
    notes: list[str]
    source_line: str | None  # the whole 数据来源： line
    years: list[int]  # header years in file order
    cells: list[NbsCell] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cells_in: int = 0
    cells_missing: int = 0
    data_rows: int = 0

    @property
    def latest_year_with_data(self) -> int | None:
        """The latest year with at least one value: a release is at least this recent."""
        return max((c.year for c in self.cells), default=None)


@dataclass(frozen=True)
class _Record:
    """One row of the file: physical line (or sheet row) number, cells, raw text."""

    row: int
    cells: tuple[str, ...]
    raw: str


@dataclass(frozen=True)
class _GoodCell:
    row: int
    label: str
    year: int
    text: str
    value: float
    flags: str


# --------------------------------------------------------------------------- reading


def _fail(path: Path, reason: str) -> SourceFormatError:
    return SourceFormatError(f"{path.name}: {' '.join(reason.split())}")


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not) first, then GB18030, the portal's own."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(path, "UTF-16 text is not supported; save the export as CSV (UTF-8 or GBK)")
    if b"\x00" in data:
        raise _fail(path, "not text (binary content)")
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise _fail(
                path, f"cannot be decoded as UTF-8 or GB18030 (bad byte at offset {exc.start})"
            ) from exc
    controls = sum(
        1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0b\x0c\x1a"
    )
    if controls * 100 > len(text):
        raise _fail(path, "not text (binary content)")
    return text, encoding


def _split_cells(line: str, delimiter: str) -> tuple[str, ...]:
    """One physical line as CSV cells; quotes handled by the csv module, per line, so an
    unbalanced quote cannot swallow the rest of the file and line numbers stay exact."""
    if not line:
        return ()
    try:
        return tuple(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return tuple(line.split(delimiter))


def _text_records(lines: Sequence[str], delimiter: str) -> list[_Record]:
    return [
        _Record(row=i, cells=_split_cells(line, delimiter), raw=line)
        for i, line in enumerate(lines, start=1)
    ]


def _text_lines(text: str) -> list[str]:
    """Physical lines for CRLF, LF or CR files (str.splitlines also splits on \\x1c etc.,
    which would shift line numbers)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _format_float(value: float) -> str:
    """A float from a spreadsheet as a person would write it: 15 significant digits
    (drops binary noise like 35371.280000000006), positional, no trailing zeros."""
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    text = format(Decimal(f"{value:.15g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _merge_cell(text: str | None, number: float | None) -> str:
    """Prefer the cell's own text (keeps '2000.50' as written) unless it lost precision
    in fastexcel's string rendering (it writes 1e-10 as '0'); then format the float."""
    if number is None or number != number:
        return text or ""
    if text is not None:
        try:
            if float(text) == number:
                return text
        except ValueError:
            return text
    return _format_float(number)


def _read_excel(path: Path, data: bytes, n_rows: int | None = None) -> list[_Record]:
    """First sheet of an .xls/.xlsx as records, 1-based sheet rows (leading blank rows
    kept so row numbers match what Excel shows)."""
    import fastexcel  # deferred: only Excel exports need it

    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise _fail(path, "Excel file has no sheets")
        sheet = reader.load_sheet(0, header_row=None, skip_rows=0, n_rows=n_rows, dtypes="string")
        texts: list[tuple[str | None, ...]] = sheet.to_polars().rows()
        try:
            nums_sheet = reader.load_sheet(
                0, header_row=None, skip_rows=0, n_rows=n_rows, dtypes="float"
            )
            numbers: list[tuple[float | None, ...]] | None = nums_sheet.to_polars().rows()
        except Exception:  # a sheet with no numeric cells at all: the texts suffice
            numbers = None
    except SourceFormatError:
        raise
    except Exception as exc:
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        detail = (detail or type(exc).__name__)[:200]
        raise _fail(path, f"truncated or corrupt Excel file: {detail}") from exc
    if numbers is not None and (
        len(numbers) != len(texts)
        or any(len(a) != len(b) for a, b in zip(numbers, texts, strict=True))
    ):
        numbers = None
    records = []
    for i, text_row in enumerate(texts):
        num_row = numbers[i] if numbers is not None else (None,) * len(text_row)
        cells = tuple(_merge_cell(t, n) for t, n in zip(text_row, num_row, strict=True))
        records.append(_Record(row=i + 1, cells=cells, raw=",".join(cells).rstrip(",")))
    return records


def _is_excel(data: bytes) -> str | None:
    if data.startswith(_OLE_MAGIC):
        return "xls"
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    return None


# --------------------------------------------------------------------------- structure


def _trimmed(cells: Iterable[str]) -> list[str]:
    """Cells stripped of spaces, tabs and full-width spaces, trailing empties dropped."""
    out = [c.strip() for c in cells]
    while out and not out[-1]:
        out.pop()
    return out


def _header_kind(cells: Sequence[str]) -> str | None:
    trimmed = _trimmed(cells)
    if len(trimmed) < 2:
        return None
    return _HEADER_FIRST.get(unicodedata.normalize("NFKC", trimmed[0]))


def _year_of(cell: str) -> int | None:
    m = _YEAR.fullmatch(unicodedata.normalize("NFKC", cell).strip())
    if m is None:
        return None
    year = int(m.group(1))
    return year if 1900 <= year <= 2100 else None


def _is_year_header(cells: Sequence[str]) -> bool:
    return _header_kind(cells) is not None and all(
        _year_of(c) is not None for c in _trimmed(cells)[1:]
    )


def _find_header(records: Sequence[_Record]) -> int | None:
    return next((i for i, r in enumerate(records) if _header_kind(r.cells)), None)


def _norm_label(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _infer_from_notes(
    notes: Sequence[str], known: Mapping[str, str] | None
) -> tuple[str | None, list[str]]:
    """The one known indicator the notes mention, longest names first (so 地区生产总值指数
    is not also counted as 地区生产总值); None unless exactly one is mentioned."""
    text = "\n".join(notes)
    found: list[str] = []
    for name in sorted(known or {}, key=len, reverse=True):
        if name and name in text:
            found.append(name)
            text = text.replace(name, "\x00")
    if len(found) == 1 and known is not None:
        return known[found[0]], found
    return None, found


# --------------------------------------------------------------------------- parsing


def _load_records(path: Path) -> tuple[str, list[_Record], bool | None]:
    """Encoding, records, and for text whether the file ends with a line terminator
    (None for Excel, whose rows are all as wide as the sheet)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from exc
    if not data.strip():
        raise _fail(path, "empty file")
    excel = _is_excel(data)
    if excel is not None:
        return excel, _read_excel(path, data), None
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise _fail(path, f"not an Excel file ({path.suffix} without an OLE2/ZIP signature)")
    text, encoding = _decode(path, data)
    if not text.strip():
        raise _fail(path, "empty file")
    lines = _text_lines(text)
    records = _text_records(lines, ",")
    if _find_header(records) is None:
        tabbed = _text_records(lines, "\t")
        if _find_header(tabbed) is not None:
            records = tabbed
    return encoding, records, text.endswith(("\n", "\r"))


def parse_nbs_export(
    path: Path,
    *,
    indicator: str | None = None,
    region: str | None = None,
    known_indicators: Mapping[str, str] | None = None,
) -> NbsExport:
    """Read one portal export.

    ``indicator`` ('地区生产总值(亿元)') names the indicator of an export with no 指标： line;
    without it the indicator is inferred only if the notes mention exactly one name of
    ``known_indicators`` (name -> label with unit). ``region`` names the region of a
    one-region (indicators down the rows) export with no 地区： line; without it the
    cells' region_label is None and the caller quarantines them.
    """
    path = Path(path)
    encoding, records, ends_with_newline = _load_records(path)
    header_at = _find_header(records)
    if header_at is None:
        raise _fail(path, "no header row starting with 地区 or 指标")

    meta: dict[str, str | None] = {"数据库": None, "指标": None, "地区": None, "时间": None}
    notes: list[str] = []
    for rec in records[:header_at]:
        trimmed = _trimmed(rec.cells)
        if not trimmed:
            continue
        joined = ",".join(trimmed)
        m = _META.match(joined)
        if m and meta[m.group(1)] is None:
            meta[m.group(1)] = m.group(2) or None
        else:
            notes.append(joined)

    header = records[header_at]
    layout = _HEADER_FIRST[unicodedata.normalize("NFKC", header.cells[0].strip())]
    year_cols = _trimmed(header.cells)[1:]
    years: list[int] = []
    for col in year_cols:
        year = _year_of(col)
        if year is None:
            raise _fail(
                path, f"header row (line {header.row}) has a column that is not a year: {col!r}"
            )
        if year in years:
            raise _fail(path, f"header row (line {header.row}) repeats the year {year}")
        years.append(year)

    export = NbsExport(
        path=path,
        encoding=encoding,
        layout=layout,
        database=meta["数据库"],
        indicator_line=meta["指标"],
        indicator_inferred_from=None,
        region_line=meta["地区"],
        time_line=meta["时间"],
        notes=notes,
        source_line=None,
        years=years,
    )
    # The last line of a text file that ends without a line terminator may be cut off.
    cut_row = records[-1].row if ends_with_newline is False else None
    good = _read_block(
        path,
        records[header_at + 1 :],
        year_cols,
        years,
        export,
        check_width=ends_with_newline is not None,
        cut_row=cut_row,
    )
    if export.data_rows == 0:
        raise _fail(path, f"no data rows after the header row (line {header.row})")

    if layout == LAYOUT_REGIONS:
        name, unit = _resolve_indicator(path, export, indicator, known_indicators)
        export.cells = [
            NbsCell(g.row, g.label, name, unit, g.year, g.text, g.value, g.flags) for g in good
        ]
    else:
        region_label = _resolve_region(path, export, region)
        cells = []
        for g in good:
            row_name, row_unit = split_name_unit(g.label)
            cells.append(
                NbsCell(
                    g.row, region_label, row_name, row_unit or "", g.year, g.text, g.value, g.flags
                )
            )
        export.cells = cells
    return export


def _read_block(
    path: Path,
    records: Sequence[_Record],
    year_cols: Sequence[str],
    years: Sequence[int],
    export: NbsExport,
    *,
    check_width: bool = True,
    cut_row: int | None = None,
) -> list[_GoodCell]:
    """Data rows until the first note, source or bare-text line; everything after goes to
    notes (a second table after it is an error, not silently dropped).

    With ``check_width`` (text files), a data row with fewer cells than the header is
    rejected whole rather than padded with missing values; ``cut_row`` is the file's
    last line when the file ends without a line terminator, where a short row means
    the file was cut off."""
    good: list[_GoodCell] = []
    n_years = len(years)
    in_trailer = False
    for rec in records:
        trimmed = _trimmed(rec.cells)
        if not trimmed:
            continue
        first, joined = trimmed[0], ",".join(trimmed)
        if _SOURCE.match(first):
            if export.source_line is None:
                export.source_line = joined
            else:
                export.notes.append(joined)
            in_trailer = True
            continue
        if _is_year_header(rec.cells):
            raise _fail(path, f"a second table starts at line {rec.row}; export one table per file")
        if in_trailer and _looks_like_data(rec.cells):
            # Not silently filed as a note: the caller sees it in quarantine.
            width = max(n_years, len(trimmed) - 1)
            export.rejected.append(
                Rejected(rec.row, None, "data row after the notes/source lines", rec.raw, width)
            )
            export.cells_in += width
            continue
        if _NOTE.match(first) or in_trailer or len(rec.cells) == 1:
            export.notes.append(joined)
            in_trailer = True
            continue

        export.data_rows += 1
        label, values = trimmed[0], trimmed[1:]
        have = len(rec.cells) - 1  # value cells as written, trailing empties included
        if check_width and have < n_years:
            if rec.row == cut_row:
                reason = (
                    f"row ends before the header's last column ({have} of {n_years} value "
                    "cells) and the file ends without a newline: the file looks truncated"
                )
            else:
                reason = (
                    f"row has {len(rec.cells)} cells, the header has {n_years + 1}; "
                    "a short row is not a portal form, its absent cells are not blanks"
                )
            export.rejected.append(Rejected(rec.row, None, reason, rec.raw, cells=n_years))
            export.cells_in += n_years
            continue
        filled = [i for i, v in enumerate(values) if v]
        if filled and filled[-1] >= n_years:
            width = max(n_years, len(values))
            export.rejected.append(
                Rejected(
                    rec.row,
                    None,
                    f"row has {len(values)} value cells but the header has {n_years} years "
                    "(misaligned row); every cell rejected",
                    rec.raw,
                    cells=width,
                )
            )
            export.cells_in += width
            continue
        if not label:
            export.rejected.append(
                Rejected(
                    rec.row,
                    None,
                    "row has values but no label in its first cell",
                    rec.raw,
                    cells=n_years,
                )
            )
            export.cells_in += n_years
            continue
        for i, year in enumerate(years):
            text = values[i] if i < len(values) else ""
            export.cells_in += 1
            try:
                parsed = parse_value(text)
            except BadValueError as exc:
                export.rejected.append(Rejected(rec.row, year_cols[i], str(exc), rec.raw))
                continue
            if parsed.missing or parsed.value is None:
                export.cells_missing += 1
                continue
            good.append(_GoodCell(rec.row, label, year, text, parsed.value, parsed.flags))
    return good


def _looks_like_data(cells: Sequence[str]) -> bool:
    """A label followed by numbers: a region row, as opposed to a note wrapped at a comma."""
    if not cells or not cells[0].strip() or cells[0][:1].isspace():
        return False
    values = _trimmed(cells)[1:]
    parsed = []
    for v in values:
        try:
            parsed.append(parse_value(v))
        except BadValueError:
            return False
    return any(not p.missing for p in parsed)


def _resolve_indicator(
    path: Path,
    export: NbsExport,
    indicator: str | None,
    known: Mapping[str, str] | None,
) -> tuple[str, str]:
    """(name, unit) for a regions-by-years export: the 指标： line, else the argument,
    else an unambiguous mention in the notes; never a guess."""
    label = export.indicator_line
    if label is not None:
        if indicator and _norm_label(indicator) != _norm_label(label):
            raise _fail(
                path, f"the file says 指标：{label} but the indicator given is {indicator!r}"
            )
    elif indicator and indicator.strip():
        label = indicator.strip()
        export.indicator_inferred_from = "argument"
    else:
        label, found = _infer_from_notes(export.notes, known)
        if label is None:
            why = (
                f"the notes mention {len(found)} known indicators ({', '.join(found)})"
                if found
                else "the notes mention no known indicator"
            )
            raise _fail(
                path,
                f"no 指标： line and the indicator cannot be inferred ({why}); "
                "pass --indicator, e.g. --indicator '地区生产总值(亿元)'",
            )
        export.indicator_inferred_from = "notes"
    export.indicator_line = label
    name, unit = split_name_unit(label)
    return name, unit or ""


def _resolve_region(path: Path, export: NbsExport, region: str | None) -> str | None:
    """The one region of an indicators-by-years export: 地区： line, else the argument."""
    if export.region_line is not None:
        if region and _norm_label(region) != _norm_label(export.region_line):
            raise _fail(
                path, f"the file says 地区：{export.region_line} but the region given is {region!r}"
            )
        return export.region_line
    return region.strip() if region and region.strip() else None


# --------------------------------------------------------------------------- sniffing


def decode_head(head: bytes) -> str | None:
    """The first few KB as text for sniffing (None for binary); the cut may split a
    multi-byte character at the end."""
    if b"\x00" in head:
        return None
    for codec in ("utf-8-sig", "gb18030"):
        for cut in range(4):
            try:
                return head[: len(head) - cut].decode(codec)
            except UnicodeDecodeError:
                continue
    return None


def sniff_nbs_export(path: Path, head: bytes) -> bool:
    """True if the file looks like a portal export: a 数据库：/指标： first line or a
    '地区|指标, <years>' header among the first rows. Cheap, never raises."""
    try:
        if _is_excel(head) is not None:
            records = _read_excel(Path(path), Path(path).read_bytes(), n_rows=_SNIFF_RECORDS)
        else:
            if b"\x00" in head:
                return False
            text = decode_head(head)
            if text is None:
                return False
            lines = _text_lines(text)[: _SNIFF_RECORDS + 1]
            records = _text_records(lines, ",") + _text_records(lines, "\t")
    except Exception:
        return False
    first = next((r for r in records if _trimmed(r.cells)), None)
    if first is not None:
        m = _META.match(",".join(_trimmed(first.cells)))
        if m and m.group(1) in ("数据库", "指标"):
            return True
    return any(_is_year_header(r.cells) for r in records)
