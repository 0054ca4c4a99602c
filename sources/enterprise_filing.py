"""Enterprise annual energy filings: CSV, XLSX or JSON Lines, validated row by row in DuckDB.

Filings come in millions of rows, so every rule runs as one vectorised SQL pass over
the file (no Python per row): a file is read once into DuckDB, each row gets the list
of every rule it breaks, and the rows breaking none are staged while the others go to
``quality.quarantine`` with file, row number, reasons and raw values. Rows in = rows
staged + rows quarantined, and a blocking check holds every file to it.

Rules: the credit code (both check characters), a GB/T 2260 division in use in the
filing year, a GB/T 4754-2017 industry, a year not in the future, numbers that parse
and are not negative, green electricity within electricity, a grade in the set, and
one filing per enterprise and year (a second one, in the same file or another, is
quarantined naming the first: identical or not, it must not be counted twice).
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.archive import ArchivedFile
from sources.credit_code import create_problem_table
from sources.errors import SourceFormatError
from sources.filing_columns import DATA_KIND_COLUMN, FILING_COLUMNS, FilingColumn
from sources.records import Prepared, RecordSource, RecordsStaged
from sources.units import MISSING_MARKERS, UnknownUnitError, parse_unit
from warehouse.ddl import LAKE_FILE_SHA, files_view, lake_stored_columns
from warehouse.lake import publish_lake_view, table_dir, write_file
from warehouse.store import first_row
from warehouse.tables import ENTERPRISE_FILINGS, ENV_GRADES

KIND = "enterprise_filing"
_ZIP_MAGIC, _XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ALL = (*FILING_COLUMNS, DATA_KIND_COLUMN)
_UNIT_SUFFIX = re.compile(r"^(.*?)\((.+)\)$")
# Cells that say "no value" (compared lower-cased; DuckDB's nullstr is case-sensitive).
_NULL_STRINGS = tuple(sorted({*MISSING_MARKERS, *(m.upper() for m in MISSING_MARKERS)}))
TRANSCODE_CHUNK = 1 << 22
ENCODING_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class Mapped:
    column: FilingColumn
    header: str  # as written in the file
    factor: float  # header unit -> canonical unit


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


_BY_NAME = {_norm(n): c for c in _ALL for n in (c.name, *c.headers_zh)}


def map_header(headers: Sequence[str], name: str) -> list[Mapped]:
    """Each header to its column and unit factor; unknown, repeated or missing required
    columns fail the whole file in one line (nothing of it can be read safely)."""
    mapped: dict[str, Mapped] = {}
    for m in map_names(headers, name):
        if m.column.name in mapped:
            raise SourceFormatError(
                f"{name}: columns {mapped[m.column.name].header!r} and {m.header!r} both give "
                f"{m.column.name}"
            )
        mapped[m.column.name] = m
    missing = [c.name for c in FILING_COLUMNS if c.required and c.name not in mapped]
    if missing:
        raise SourceFormatError(f"{name}: no column for {', '.join(missing)}")
    return list(mapped.values())


def map_names(headers: Sequence[str], name: str) -> list[Mapped]:
    """Each name to its column and unit factor, or a one-line error for the file."""
    out = []
    for header in headers:
        norm = _norm(header)
        unit = None
        m = _UNIT_SUFFIX.match(norm)
        column = _BY_NAME.get(norm)
        if column is None and m:
            column, unit = _BY_NAME.get(m.group(1)), m.group(2)
        if column is None:
            raise SourceFormatError(
                f"{name}: column {header!r} is not a filing column (expected "
                f"{', '.join(c.name for c in _ALL)}, or their Chinese headers)"
            )
        factor = 1.0
        if unit is not None:
            if column.unit is None:
                raise SourceFormatError(f"{name}: column {header!r} takes no unit")
            try:
                conv = parse_unit(unit)
            except UnknownUnitError:
                raise SourceFormatError(
                    f"{name}: column {header!r}: unknown unit {unit!r}"
                ) from None
            # A mass in a CO2 column (二氧化碳排放量(吨)) is a mass of CO2.
            mass_of_co2 = column.unit == "t CO2" and conv.canonical == "t"
            if conv.canonical != column.unit and not mass_of_co2:
                raise SourceFormatError(
                    f"{name}: column {header!r}: {unit} is {conv.canonical}, but "
                    f"{column.name} is measured in {column.unit}"
                )
            factor = conv.factor
        out.append(Mapped(column, header, factor))
    return out


def _file_format(head: bytes) -> str:
    if head.startswith(_ZIP_MAGIC) or head.startswith(_XLS_MAGIC):
        return "excel"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def _text_encoding(path: Path) -> str:
    """utf-8 when the file's first 64 KB decode as UTF-8, else gb18030 (the CSV of
    Chinese Excel). A later byte that is not UTF-8 fails its own line, which DuckDB
    sets aside as malformed, so the guess never loses a row silently."""
    with open(path, "rb") as fh:
        head = fh.read(ENCODING_SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head)  # an incomplete character at the cut is fine
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _first_line(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        return fh.readline().lstrip("\ufeff")


def _excel_table(path: Path, n_rows: int | None = None) -> tuple[list[str], list[list[str | None]]]:
    """First sheet: the header row and the rows below it, every cell as text."""
    import fastexcel  # deferred: only workbooks need it

    try:
        sheet = fastexcel.read_excel(path.read_bytes()).load_sheet(
            0, header_row=None, n_rows=n_rows, dtypes="string"
        )
        rows = sheet.to_polars().rows()
    except Exception as exc:
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        raise SourceFormatError(f"{path.name}: unreadable workbook: {detail[:200]}") from exc
    if not rows:
        raise SourceFormatError(f"{path.name}: the first sheet is empty")
    header = [str(c or "").strip() for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    return header, [list(r[: len(header)]) for r in rows[1:]]


def read_headers(path: Path, head: bytes | None = None) -> list[str]:
    """The file's column names (JSON Lines: the keys of its first object)."""
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    fmt = _file_format(head)
    if fmt == "excel":
        return _excel_table(path, n_rows=1)[0]
    line = _first_line(path, _text_encoding(path) if fmt == "csv" else "utf-8")
    if fmt == "jsonl":
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(f"{path.name}: line 1 is not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise SourceFormatError(f"{path.name}: line 1 is not a JSON object")
        return list(obj)
    return next(csv.reader([line]), [])


def sniff(path: Path, head: bytes) -> bool:
    """A credit-code column in the header (English or Chinese). Never raises."""
    try:
        names = {_BY_NAME.get(_norm(h)) for h in read_headers(path, head)}
    except Exception:
        return False
    return FILING_COLUMNS[0] in names


def check(path: Path) -> None:
    """Fail now, before archiving, if the header cannot be mapped."""
    map_header(read_headers(path), path.name)


# --- reading: every format becomes _filing_in, typed, with its row's own rules ----------
#
# A CSV is read typed by DuckDB itself (the fast path: as fast as reading it at all); a
# cell that is not a number in a number column makes DuckDB set its record aside, and the
# file is read again keeping such records for quarantine (record number, DuckDB's reason,
# the line as written). Workbooks and JSON Lines arrive as text and are typed in SQL.
# Rules needing reference data (credit codes, divisions, industries) are checked once per
# distinct value afterwards: a file repeats each enterprise's values every year.

_FULL_WIDTH_DIGITS = "０１２３４５６７８９"
QUANTITIES = tuple(c for c in FILING_COLUMNS if c.unit)
FIRST_DIVISION_YEAR = 1980  # GB/T 2260 lists in python-stdnum start in the 1980s
_TYPES = {"year": "INTEGER", **{c.name: "DOUBLE" for c in QUANTITIES}}


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _missing(col: str) -> str:
    markers = ", ".join(_sql_str(m) for m in sorted(MISSING_MARKERS))
    return f"({col} IS NULL OR lower(trim({col})) IN ({markers}))"


def _quoted(col: str) -> str:
    """SQL for the cell's text in single quotes, for a reason."""
    return f"'''' || coalesce({col}, '') || ''''"


def _utf8_copy(path: Path, scratch: Path) -> Path:
    if _text_encoding(path) == "utf-8":
        return path
    utf8 = scratch / "filing-utf8.csv"
    with (
        open(path, encoding="gb18030", newline="") as src,
        open(utf8, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(TRANSCODE_CHUNK):
            dst.write(chunk)
    return utf8


_LONGEST_MARKER = max(len(m) for m in _NULL_STRINGS)


def _typed_csv(path: Path, mapped: list[Mapped], keep_rejects: bool, markers: bool) -> str:
    """The CSV's filing columns, typed by the reader, in canonical units.

    With ``markers`` the reader itself turns missing-value markers (N/A, —, 空) into NULL
    in every column; that costs a fifth of the read, so a first attempt reads only empty
    cells as NULL, clears markers in text columns in SQL, and lets a marker in a number
    column fail the read (the caller then reads again with ``markers``)."""
    types = ", ".join(
        f"{_sql_str(m.header)}: '{_TYPES.get(m.column.name, 'VARCHAR')}'" for m in mapped
    )
    nulls = ", ".join(_sql_str(m) for m in (_NULL_STRINGS if markers else ("",)))
    in_sql = ", ".join(_sql_str(m) for m in _NULL_STRINGS if m)
    rejects = (
        ", store_rejects = true, ignore_errors = true, rejects_table = '_filing_rejects', "
        "rejects_scan = '_filing_scans'"
        if keep_rejects
        else ""
    )
    have = {m.column.name: m for m in mapped}
    cols = []
    for c in _ALL:
        m = have.get(c.name)
        if m is None:
            cols.append(f"NULL::{_TYPES.get(c.name, 'VARCHAR')} AS {c.name}")
        elif c.unit and m.factor != 1.0:
            cols.append(f'"{m.header}" * {m.factor!r} AS {c.name}')
        elif not markers and c.name not in _TYPES:
            cols.append(
                f'CASE WHEN length("{m.header}") <= {_LONGEST_MARKER} AND "{m.header}" IN '
                f'({in_sql}) THEN NULL ELSE "{m.header}" END AS {c.name}'
            )
        else:
            cols.append(f'"{m.header}" AS {c.name}')
    return f"""SELECT {", ".join(cols)}, NULL::VARCHAR AS unreadable
        FROM read_csv({_sql_str(str(path))}, header = true, delim = ',', quote = '"',
                      escape = '"', null_padding = false, nullstr = [{nulls}],
                      types = {{{types}}}{rejects})"""


def _typed_text(mapped: list[Mapped]) -> str:
    """_filing_text (every cell text, as workbooks and JSON give them), typed in SQL."""
    have = {m.column.name: m for m in mapped}

    def raw(name: str) -> str:
        return f"raw_{name}" if name in have else "NULL::VARCHAR"

    def cleaned(name: str) -> str:
        return f"CASE WHEN {_missing(raw(name))} THEN NULL ELSE trim({raw(name)}) END"

    cols, unreadable = [], []
    for c in _ALL:
        kind = _TYPES.get(c.name)
        if kind is None:
            cols.append(f"{cleaned(c.name)} AS {c.name}")
            continue
        text = f"replace({cleaned(c.name)}, ',', '')"
        factor = f" * {have[c.name].factor!r}" if c.name in have else ""
        cols.append(f"TRY_CAST({text} AS {kind}){factor} AS {c.name}")
        unreadable.append(
            f"CASE WHEN {text} IS NOT NULL AND TRY_CAST({text} AS {kind}) IS NULL "
            f"THEN '{c.name} ' || {_quoted(raw(c.name))} || ' is not a number' END"
        )
    flags = f"nullif(concat_ws('; ', {', '.join(unreadable)}), '')"
    return f"SELECT source_row, {', '.join(cols)}, {flags} AS unreadable FROM _filing_text"


def _filing_in_sql(typed: str, this_year: int) -> str:
    """_filing_in: the typed rows with the rules each row can be judged on alone."""
    rules = [
        *(f"CASE WHEN t.{c.name} IS NULL THEN '{c.name} is empty' END" for c in FILING_COLUMNS
          if c.required and c.name not in _TYPES),
        *(f"CASE WHEN t.{c.name} IS NULL AND t.unreadable IS NULL THEN '{c.name} is empty' END"
          for c in FILING_COLUMNS if c.required and c.name in _TYPES),
        "t.unreadable",
        *(f"CASE WHEN t.{c.name} < 0 THEN '{c.name} is negative (' || t.{c.name} || ')' END"
          for c in QUANTITIES),
        f"CASE WHEN t.year > {this_year} THEN 'year ' || t.year || ' is in the future' END",
        """CASE WHEN t.green_electricity_kwh > t.electricity_kwh
               THEN 'green_electricity_kwh exceeds electricity_kwh'
             WHEN t.green_electricity_kwh > 0 AND t.electricity_kwh IS NULL
               THEN 'green_electricity_kwh given without electricity_kwh' END""",
        f"""CASE WHEN t.grade NOT IN ({", ".join(_sql_str(g) for g in ENV_GRADES)})
               THEN 'env_grade ' || {_quoted("t.env_grade")}
                    || ' is not one of {", ".join(ENV_GRADES)}' END""",
        f"""CASE WHEN t.kind NOT IN ('official', 'demo')
               THEN 'data_kind ' || {_quoted("t.data_kind")} || ' is not official or demo' END""",
    ]  # fmt: skip
    # One cheap test per row; the reasons are spelt out only for the rows that fail it.
    grades = ", ".join(_sql_str(g) for g in ENV_GRADES)
    fails = " OR ".join(
        [
            *(f"t.{c.name} IS NULL" for c in FILING_COLUMNS if c.required),
            "t.unreadable IS NOT NULL",
            f"least({', '.join(f't.{c.name}' for c in QUANTITIES)}) < 0",
            f"t.year > {this_year}",
            "t.green_electricity_kwh > coalesce(t.electricity_kwh, 0)",
            f"t.grade NOT IN ({grades})",
            "t.kind NOT IN ('official', 'demo')",
        ]
    )
    return f"""CREATE OR REPLACE TEMP TABLE _filing_in AS
    SELECT t.* EXCLUDE (credit_code, env_grade, data_kind, unreadable, grade, kind),
           upper(trim(t.credit_code)) AS credit_code, t.grade AS env_grade,
           t.kind AS data_kind,
           CASE WHEN {fails} THEN concat_ws('; ', {", ".join(rules)}) END AS row_reasons
    FROM (
      SELECT *,
             CASE WHEN env_grade IN ({grades}) THEN env_grade
                  ELSE upper(replace(replace(trim(env_grade), '级', ''), '－', '-')) END AS grade,
             CASE WHEN data_kind IS NULL THEN 'official'
                  WHEN data_kind IN ('official', 'demo') THEN data_kind
                  ELSE lower(trim(data_kind)) END AS kind
      FROM ({typed})
    ) t"""


def _load_excel(con: duckdb.DuckDBPyConnection, path: Path, mapped: list[Mapped]) -> None:
    import pyarrow as pa  # lazily: not needed to ingest metering

    header, rows = _excel_table(path)
    index = {h: i for i, h in enumerate(header)}
    data = {"source_row": pa.array(range(2, len(rows) + 2), pa.int32())}
    for m in mapped:
        i = index[m.header]
        data[f"raw_{m.column.name}"] = pa.array(
            [None if r[i] is None else str(r[i]) for r in rows], pa.string()
        )
    con.register("_excel_rows", pa.table(data))
    con.execute("CREATE OR REPLACE TEMP TABLE _filing_text AS SELECT * FROM _excel_rows")
    con.unregister("_excel_rows")


def _load_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, name: str
) -> tuple[list[Mapped], list[tuple[int, str, str]]]:
    """JSON Lines into _filing_text; lines that are not JSON objects are returned as
    malformed. The header is every key used by any line."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jsonl AS
            SELECT row_number() OVER ()::INTEGER AS source_row, j
            FROM read_csv({_sql_str(str(path))}, header = false, columns = {{'j': 'VARCHAR'}},
                          delim = '\x01', quote = '', escape = '', all_varchar = true)"""
    )
    con.execute("DELETE FROM _jsonl WHERE trim(j) = ''")
    con.execute("UPDATE _jsonl SET j = ltrim(j, chr(65279)) WHERE source_row = 1")
    valid = "CASE WHEN json_valid(j) THEN json_type(j::JSON) = 'OBJECT' ELSE false END"
    bad = con.execute(f"SELECT source_row, j FROM _jsonl WHERE NOT ({valid})").fetchall()
    keys = [
        k
        for (k,) in con.execute(
            f"SELECT DISTINCT unnest(json_keys(j::JSON)) FROM _jsonl WHERE {valid}"
        ).fetchall()
    ]
    # Lines may name a field in English or in Chinese: each column takes whichever name
    # its line uses (all in one unit); a line giving both takes the first, in key order.
    by_column: dict[str, list[Mapped]] = {}
    for m in map_names(sorted(keys), name):
        by_column.setdefault(m.column.name, []).append(m)
    for ms in by_column.values():
        if len({m.factor for m in ms}) > 1:
            raise SourceFormatError(
                f"{name}: keys {', '.join(repr(m.header) for m in ms)} give "
                f"{ms[0].column.name} in different units"
            )
    mapped = map_header([ms[0].header for ms in by_column.values()], name)

    def field(m: Mapped) -> str:
        return f"(j::JSON ->> {_sql_str('$.' + json.dumps(m.header, ensure_ascii=False))})"

    select = ", ".join(
        f"coalesce({', '.join(field(m) for m in ms)}) AS raw_{col}" for col, ms in by_column.items()
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _filing_text AS SELECT source_row, {select} "
        f"FROM _jsonl WHERE {valid}"
    )
    con.execute("DROP TABLE _jsonl")
    return mapped, [(int(r), "not a JSON object", str(t)) for r, t in bad]


def _load(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, this_year: int
) -> tuple[list[tuple[int, str, str]], str | None, str]:
    """Fill _filing_in and the view _filing_rows (each row with its record number, header
    = 1); returns the malformed records, the encoding and the layout."""
    with open(path, "rb") as fh:
        fmt = _file_format(fh.read(8192))
    if fmt in ("jsonl", "excel"):
        if fmt == "jsonl":
            mapped, malformed = _load_jsonl(con, path, name)
        else:
            mapped, malformed = map_header(read_headers(path), name), []
            _load_excel(con, path, mapped)
        con.execute(_filing_in_sql(_typed_text(mapped), this_year))
        con.execute("CREATE OR REPLACE TEMP VIEW _filing_rows AS SELECT * FROM _filing_in")
        return malformed, "utf-8" if fmt == "jsonl" else None, fmt
    mapped = map_header(read_headers(path), name)
    encoding = _text_encoding(path)
    # _filing_in keeps the file's order (an insert preserves it), so its rowid numbers the
    # records read; a join may reorder rows later, never renumber them.
    numbered = "SELECT (i.rowid + 2{skipped})::INTEGER AS source_row, i.* FROM _filing_in i{join}"
    with tempfile.TemporaryDirectory(prefix="greenstat-filing-") as scratch:
        utf8 = _utf8_copy(path, Path(scratch))
        # The fast path: a clean file, read once, typed by DuckDB (markers only where
        # they occur in number columns are worth the reader's slower null matching).
        for markers in (False, True):
            try:
                con.execute(_filing_in_sql(_typed_csv(utf8, mapped, False, markers), this_year))
            except duckdb.Error:
                continue
            view = numbered.format(skipped="", join="")
            con.execute(f"CREATE OR REPLACE TEMP VIEW _filing_rows AS {view}")
            return [], encoding, fmt
        # A record DuckDB cannot read: read again, setting such records aside.
        con.execute("DROP TABLE IF EXISTS _filing_rejects; DROP TABLE IF EXISTS _filing_scans")
        con.execute(_filing_in_sql(_typed_csv(utf8, mapped, True, True), this_year))
    rejects = con.execute(
        "SELECT line, arg_min(error_message, column_idx), any_value(csv_line) "
        "FROM _filing_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    # The records set aside shift the numbers of the records after them.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _reject_lines AS SELECT adj, max(skipped) AS skipped "
        "FROM (SELECT line - row_number() OVER (ORDER BY line) AS adj, "
        "row_number() OVER (ORDER BY line) AS skipped "
        "FROM (SELECT DISTINCT line FROM _filing_rejects)) GROUP BY adj"
    )
    view = numbered.format(
        skipped=" + coalesce(j.skipped, 0)",
        join=" ASOF LEFT JOIN _reject_lines j ON i.rowid + 1 >= j.adj",
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _filing_rows AS {view}")
    malformed = [(int(ln), f"malformed record: {msg}", str(text)) for ln, msg, text in rejects]
    return malformed, encoding, fmt


# --- the rules that need reference data: once per distinct value -----------------------

_REFERENCE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _division_codes AS
  SELECT gb2260, string_agg(name_zh || ' ' || coalesce(valid_from::VARCHAR, '') || '-'
                            || coalesce(valid_to::VARCHAR, ''), ', ' ORDER BY valid_from)
                 AS periods
  FROM ref.admin_divisions GROUP BY gb2260;
CREATE OR REPLACE TEMP TABLE _divisions_by_year AS
  SELECT gb2260, y.range::INTEGER AS year, any_value(region_code) AS region_code,
         any_value(province_code) AS province_code
  FROM ref.admin_divisions, range({FIRST_DIVISION_YEAR}, $this_year$ + 1) y
  WHERE coalesce(valid_from, 0) <= y.range AND y.range <= coalesce(valid_to, 9999)
  GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE _division_sections AS
  SELECT substr(industry_code, 2, 2) AS digits, section
  FROM ref.industries WHERE level = 'division';
CREATE OR REPLACE TEMP TABLE _regions AS
SELECT r.gb2260, r.year, d.region_code, d.province_code,
       CASE WHEN d.gb2260 IS NOT NULL THEN NULL
            WHEN NOT regexp_full_match(r.gb2260, '[0-9]{{6}}')
              THEN 'region_code ' || {_quoted("r.gb2260")} || ' is not six digits'
            WHEN k.gb2260 IS NULL THEN 'region_code ' || r.gb2260 || ' is not a GB/T 2260 code'
            ELSE 'region_code ' || r.gb2260 || ' was not in use in ' || r.year || ' ('
                 || k.periods || ')' END AS problem
FROM (SELECT DISTINCT region_code AS gb2260, year FROM _filing_in
      WHERE region_code IS NOT NULL AND year IS NOT NULL) r
LEFT JOIN _divisions_by_year d USING (gb2260, year)
LEFT JOIN _division_codes k USING (gb2260);
CREATE OR REPLACE TEMP TABLE _industries AS
SELECT w.written, s.section || w.ind.div || w.ind.rest AS code,
       s.section || w.ind.div AS division,
       CASE WHEN s.section IS NULL OR w.ind.letter NOT IN ('', s.section)
            THEN 'industry_code ' || {_quoted("w.written")}
                 || ' is not a GB/T 4754-2017 division, group or class' END AS problem
FROM (
  SELECT written, regexp_extract(translate(upper(replace(written, ' ', '')),
             '{_FULL_WIDTH_DIGITS}', '0123456789'),
             '^([A-T]?)([0-9]{{2}})([0-9]{{0,2}})$', ['letter', 'div', 'rest']) AS ind
  FROM (SELECT DISTINCT industry_code AS written FROM _filing_in
        WHERE industry_code IS NOT NULL)
) w LEFT JOIN _division_sections s ON s.digits = w.ind.div;
"""
_CHECKED = (
    "_filing_rows c LEFT JOIN _codes code USING (credit_code) "
    "LEFT JOIN _regions reg ON reg.gb2260 = c.region_code AND reg.year = c.year "
    "LEFT JOIN _industries ind ON ind.written = c.industry_code"
)
_REASONS = "concat_ws('; ', c.row_reasons, code.problem, reg.problem, ind.problem)"
# A row breaks no rule: NULL tests, far cheaper than comparing reason strings.
_OK = (
    "(c.row_reasons IS NULL AND code.problem IS NULL AND reg.problem IS NULL "
    "AND ind.problem IS NULL)"
)
# What a quarantined row held, as read (a CSV record DuckDB could not read keeps its line).
_AS_READ = (
    "to_json({"
    + ", ".join(f"'{c.name}': c.{c.name}" for c in FILING_COLUMNS)
    + ", 'data_kind': c.data_kind})"
)

# Among rows breaking no rule: the first filing of an enterprise and year is staged,
# any later one (this file or a file staged before) is quarantined naming the first.
# Only the enterprise-years that occur twice are looked at: usually there are none.
# A row is only ever staged for a year from FIRST_DIVISION_YEAR (no division code is
# known before) to this year (no filing from the future), so only those years can repeat.
# _other_filings: the rows staged from other files (read from their lake files).
_REPEATED_SQL = f"""
CREATE OR REPLACE TEMP TABLE _repeated AS
WITH twice AS (  -- enterprises with fewer distinct years than filings: a bitstring each
  SELECT credit_code FROM _filing_in
  WHERE credit_code IS NOT NULL AND year BETWEEN {FIRST_DIVISION_YEAR} AND $this_year$
  GROUP BY credit_code
  HAVING count(*) > bit_count(bitstring_agg((year - {FIRST_DIVISION_YEAR})::INTEGER, 0,
                                            $this_year$ - {FIRST_DIVISION_YEAR}))
)
SELECT credit_code, year FROM _filing_in SEMI JOIN twice USING (credit_code)
WHERE year BETWEEN {FIRST_DIVISION_YEAR} AND $this_year$
GROUP BY ALL HAVING count(*) > 1
UNION
SELECT DISTINCT e.credit_code, e.year FROM _other_filings e
SEMI JOIN _filing_in i USING (credit_code, year)
"""
# What makes two filings of an enterprise-year the same filing: every figure, the grade,
# the name and the codes (the industry as normalised, so C3011 and 3011 agree).
_FIGURES = (
    "$energy_tce, $electricity_kwh, $green_electricity_kwh, $coal_t, $natural_gas_m3, "
    "$oil_t, $heat_gj, $new_water_m3, $reused_water_m3, $value_added_yuan, $co2_t, $env_grade"
)
_SECOND_FILINGS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _filing_seconds AS
WITH ok AS (
  SELECT c.source_row, c.credit_code, c.year,
         hash(c.enterprise_name, c.region_code, ind.code, {_FIGURES.replace("$", "c.")})
           AS figures
  FROM (SELECT * FROM _filing_rows SEMI JOIN _repeated USING (credit_code, year)) c
  LEFT JOIN _codes code USING (credit_code)
  LEFT JOIN _regions reg ON reg.gb2260 = c.region_code AND reg.year = c.year
  LEFT JOIN _industries ind ON ind.written = c.industry_code
  WHERE {_REASONS} = ''
), ranked AS (
  SELECT *, first_value(source_row) OVER w AS first_row, first_value(figures) OVER w AS f0,
         row_number() OVER w AS k
  FROM ok WINDOW w AS (PARTITION BY credit_code, year ORDER BY source_row)
)
-- One reason a row: a filing staged from another file comes first, so it is the one
-- named even for a row that also repeats an earlier row of this file.
SELECT source_row, arg_min(reason, (this_file, first_elsewhere)) AS reason FROM (
SELECT source_row, 1 AS this_file, 0 AS first_elsewhere,
       CASE WHEN figures = f0
              THEN 'repeats the filing for ' || credit_code || ' ' || year || ' at row '
                   || first_row
            ELSE 'second filing for ' || credit_code || ' ' || year
                 || ' with different figures (first at row ' || first_row || ')' END AS reason
FROM ranked WHERE k > 1
UNION ALL
SELECT ok.source_row, 0 AS this_file, e.source_row AS first_elsewhere,
       CASE WHEN ok.figures = e.figures
              THEN 'repeats the filing for ' || ok.credit_code || ' ' || ok.year
                   || ' already staged from '
            ELSE 'second filing for ' || ok.credit_code || ' ' || ok.year
                 || ' with different figures (first staged from ' END
       || coalesce(f.original_name, e.archive_sha256) || ' row ' || e.source_row
       || CASE WHEN ok.figures = e.figures THEN '' ELSE ')' END
FROM ok JOIN _other_filings e ON e.credit_code = ok.credit_code AND e.year = ok.year
LEFT JOIN raw.files f ON f.sha256 = e.archive_sha256
) GROUP BY source_row
"""
STAGED = {  # the lake file's columns (lake_stored_columns) -> SQL over _CHECKED
    "credit_code": "c.credit_code",
    "enterprise_name": "c.enterprise_name",
    "gb2260": "c.region_code",
    "region_code": "reg.region_code",
    "province_code": "reg.province_code",
    "industry_code": "ind.code",
    "industry_division": "ind.division",
    "year": "c.year",
    **{c.name: f"c.{c.name}" for c in QUANTITIES},
    "env_grade": "c.env_grade",
    "data_kind": "c.data_kind",
    "source_row": "c.source_row",
}
assert list(STAGED) == lake_stored_columns(ENTERPRISE_FILINGS), lake_stored_columns(
    ENTERPRISE_FILINGS
)
_TEMP = (
    "_filing_text", "_filing_in", "_filing_seconds", "_repeated", "_codes", "_regions",
    "_industries",
)  # fmt: skip


def _other_filings(con: duckdb.DuckDBPyConnection, sha: str) -> None:
    """View _other_filings over the lake files of every other staged filing file, read
    directly (the table's view would also compute columns these checks never use)."""
    files = con.execute(
        f"SELECT file FROM {files_view(ENTERPRISE_FILINGS)} WHERE archive_sha256 <> ?", [sha]
    ).fetchall()
    figures = f"hash(enterprise_name, gb2260, industry_code, {_FIGURES.replace('$', '')})"
    body = (
        f"SELECT credit_code, year, source_row, {figures} AS figures, regexp_extract("
        f"filename, '{LAKE_FILE_SHA}', 1) AS archive_sha256 FROM read_parquet("
        f"[{', '.join(_sql_str(f) for (f,) in files)}], filename = true)"
        if files
        else "SELECT NULL::VARCHAR AS credit_code, NULL::INTEGER AS year, "
        "NULL::INTEGER AS source_row, NULL::UBIGINT AS figures, "
        "NULL::VARCHAR AS archive_sha256 WHERE false"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _other_filings AS {body}")


def stage(
    con: duckdb.DuckDBPyConnection,
    archived: ArchivedFile,
    prepared: Prepared | None = None,
    lake: Path | None = None,
    this_year: int | None = None,
) -> RecordsStaged:
    """Replace this file's rows in the lake (staging.enterprise_filings, one Parquet file
    per filing file) and in quality.quarantine; ``lake`` defaults to the data home holding
    the archive."""
    path, name, sha = archived.archive_path, archived.original_name, archived.sha256
    lake = lake or archived.lake
    this_year = this_year or datetime.now(UTC).year
    malformed, encoding, layout = _load(con, path, name, this_year)
    for statement in _REFERENCE_SQL.replace("$this_year$", str(this_year)).split(";"):
        if statement.strip():
            con.execute(statement)
    bad_codes = create_problem_table(con, "_codes", "_filing_in")
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    _other_filings(con, sha)
    con.execute(_REPEATED_SQL.replace("$this_year$", str(this_year)))
    con.execute(_SECOND_FILINGS_SQL)
    # Usually no credit code is wrong and no filing repeats: then the staged rows need
    # neither join, each of which every row would probe.
    checked, seconds = _CHECKED, " ANTI JOIN _filing_seconds s USING (source_row)"
    if not bad_codes:
        checked = checked.replace(
            "LEFT JOIN _codes code USING (credit_code)",
            "LEFT JOIN (SELECT NULL::VARCHAR AS problem) code ON true",
        )
    if not (first_row(con, "SELECT count(*) FROM _filing_seconds") or (0,))[0]:
        seconds = ""
    columns = ", ".join(f"{sql} AS {col}" for col, sql in STAGED.items())
    staged = write_file(
        con, lake, ENTERPRISE_FILINGS, sha, f"SELECT {columns} FROM {checked}{seconds} WHERE {_OK}"
    )
    publish_lake_view(con, lake, ENTERPRISE_FILINGS)
    # The rows breaking a rule, found through the (few) values that break one.
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        f"""INSERT INTO quality.quarantine BY NAME
           SELECT $sha AS archive_sha256, $name AS source_file, c.source_row,
                  NULL AS source_column, 1 AS cells,
                  CASE WHEN {_REASONS} <> '' THEN {_REASONS} ELSE s.reason END AS reason,
                  {_AS_READ}::VARCHAR AS raw_values, $now AS quarantined_at
           FROM _filing_rows c
           LEFT JOIN _codes code USING (credit_code)
           LEFT JOIN (FROM _regions WHERE problem IS NOT NULL) reg
                  ON reg.gb2260 = c.region_code AND reg.year = c.year
           LEFT JOIN (FROM _industries WHERE problem IS NOT NULL) ind
                  ON ind.written = c.industry_code
           LEFT JOIN _filing_seconds s USING (source_row)
           WHERE NOT {_OK} OR s.source_row IS NOT NULL""",
        {"sha": sha, "name": name, "now": now},
    )
    if malformed:
        con.executemany(
            "INSERT INTO quality.quarantine VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
            [[sha, name, ln, reason, text, now] for ln, reason, text in malformed],
        )
    ((rows_in, years),) = con.execute(
        f"SELECT (SELECT count(*) FROM _filing_in), (SELECT list(DISTINCT year) FROM "
        f"read_parquet({_sql_str(str(table_dir(lake, ENTERPRISE_FILINGS) / f'{sha}.parquet'))}))"
        if staged
        else "SELECT (SELECT count(*) FROM _filing_in), []"
    ).fetchall()
    con.execute("DROP VIEW IF EXISTS _filing_rows; DROP VIEW IF EXISTS _other_filings")
    for t in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    total = int(rows_in) + len(malformed)
    return RecordsStaged(
        rows_in=total,
        staged=staged,
        quarantined=total - staged,
        years=set(years or []),
        meta={"encoding": encoding, "layout": layout},
    )


SOURCE = RecordSource(KIND, ENTERPRISE_FILINGS.qualified, sniff, check, stage)
