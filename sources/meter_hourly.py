"""Enterprise hourly electricity metering: ``credit_code,hour,kwh,green_kwh[,data_kind]``.

Metering comes by the hundred million rows, so it is read and validated the way filings
are (decision 18): DuckDB types the CSV itself (a record it cannot read is set aside
with its line number and quarantined), one SQL pass judges every row, and rules needing
reference data run once per distinct credit code. Unlike filings, the validated rows do
not go into the warehouse file: they are written straight to the Parquet lake, one file
per source file and month, and the warehouse holds a view over them (decision 22).

``hour`` is the start of the hour, ``YYYY-MM-DD HH:MM:SS`` local time: Asia/Shanghai is
UTC+8 all year (no daylight saving since 1991), so it is stored as a TIMESTAMPTZ by a
fixed offset. A file covers the months its name gives (``..._2024-03.csv``,
``..._202403.csv``, or a range ``..._2024-01_2024-03.csv``); a name giving no month
covers the months from its first to its last *full* month (one holding at least half
as many rows as its fullest month), so a stray row from another month is caught either
way. See docs/metering.md for the rules.
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from greenstat.settings import Home
from sources.archive import ArchivedFile
from sources.credit_code import create_problem_table
from sources.errors import SourceFormatError
from sources.records import Prepared, RecordSource, RecordsStaged
from warehouse.ddl import lake_stored_columns
from warehouse.lake import (
    LAKE_PARQUET,
    place_file,
    publish_lake_view,
    table_dir,
    write_file_partitions,
)
from warehouse.store import first_row
from warehouse.tables import ENTERPRISE_METER_HOURLY

KIND = "enterprise_meter_hourly"
COLUMNS = ("credit_code", "hour", "kwh", "green_kwh")
DATA_KIND_COLUMN = "data_kind"  # optional 5th column: official (default) or demo
HOUR_FORMAT = "%Y-%m-%d %H:%M:%S"
UTC_OFFSET_HOURS = 8  # Asia/Shanghai, all year
# Without a month in its name, a file covers the months holding at least this share of
# the rows of its fullest month (and every month between the first and last of them).
FULL_MONTH_SHARE = 0.5
_MONTH_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(0[1-9]|1[0-2])(?!\d)")
_T = ENTERPRISE_METER_HOURLY
# The hour in UTC, as the lake stores it (see warehouse.ddl): integer microseconds,
# measurably cheaper over ten million rows than subtracting an INTERVAL.
_UTC_HOUR = f"make_timestamp(epoch_us(c.local_hour) - {UTC_OFFSET_HOURS * 3600 * 10**6})"


@dataclass(frozen=True)
class MonthRange:
    first: date  # first day of the first month
    last: date  # first day of the last month
    basis: str  # why: the file name, or its full months

    def label(self) -> str:
        a, b = self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")
        return a if a == b else f"{a} to {b}"

    def labels(self) -> list[str]:
        """Every month of the range, 'YYYY-MM'."""
        out, m = [], self.first
        while m <= self.last:
            out.append(m.strftime("%Y-%m"))
            m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
        return out

    @property
    def end(self) -> date:  # first day after the range
        y, m = divmod(self.last.year * 12 + self.last.month, 12)
        return date(y, m + 1, 1)


def months_in_name(name: str) -> MonthRange | None:
    """The months a file name gives (every YYYY-MM or YYYYMM in it; the range from the
    earliest to the latest), or None."""
    found = [date(int(y), int(m), 1) for y, m in _MONTH_IN_NAME.findall(Path(name).stem)]
    if not found:
        return None
    return MonthRange(min(found), max(found), f"named by the file name {name}")


def read_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        line = fh.readline().lstrip("\ufeff")
    return [h.strip() for h in next(csv.reader([line]), [])]


def _has_kind_column(path: Path) -> bool:
    header = read_header(path)
    if tuple(header) == COLUMNS:
        return False
    if tuple(header) == (*COLUMNS, DATA_KIND_COLUMN):
        return True
    raise SourceFormatError(
        f"{path.name}: header {','.join(header)!r} is not {','.join(COLUMNS)}[,data_kind]"
    )


def sniff(path: Path, head: bytes) -> bool:
    """The metering header exactly (checked before filings, which also have credit_code)."""
    first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").rstrip(b"\r").replace(b" ", b"")
    return first in (b"credit_code,hour,kwh,green_kwh", b"credit_code,hour,kwh,green_kwh,data_kind")


def check(path: Path) -> None:
    _has_kind_column(path)


# --- reading ----------------------------------------------------------------------------


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_csv(path: Path, kind_column: bool, keep_rejects: bool) -> str:
    kinds = ", 'data_kind': 'VARCHAR'" if kind_column else ""
    rejects = (
        ", store_rejects = true, ignore_errors = true, rejects_table = '_meter_rejects', "
        "rejects_scan = '_meter_scans'"
        if keep_rejects
        else ""
    )
    kind = "data_kind" if kind_column else "NULL::VARCHAR AS data_kind"
    return f"""CREATE OR REPLACE TEMP TABLE _meter_in AS
        SELECT credit_code, hour AS local_hour, kwh, green_kwh, {kind}
        FROM read_csv({_sql_str(str(path))}, header = true, delim = ',', quote = '"',
                      escape = '"', null_padding = false, auto_detect = false,
                      timestampformat = '{HOUR_FORMAT}',
                      columns = {{'credit_code': 'VARCHAR', 'hour': 'TIMESTAMP',
                                  'kwh': 'DOUBLE', 'green_kwh': 'DOUBLE'{kinds}}}{rejects})"""


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[int, str, str]]:
    """Fill _meter_in and the view _meter_rows (record numbers: header = 1); returns the
    records DuckDB could not read (bad timestamps or numbers, wrong field counts)."""
    kind_column = _has_kind_column(path)
    numbered = "SELECT (i.rowid + 2{skipped})::INTEGER AS source_row, i.* FROM _meter_in i{join}"
    try:  # the fast path: a clean file, read once, typed by the reader
        con.execute(_read_csv(path, kind_column, False))
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _meter_rows AS {numbered.format(skipped='', join='')}"
        )
        return []
    except duckdb.Error:
        pass
    con.execute("DROP TABLE IF EXISTS _meter_rejects; DROP TABLE IF EXISTS _meter_scans")
    con.execute(_read_csv(path, kind_column, True))
    rejects = con.execute(
        "SELECT line, arg_min(error_message, column_idx), any_value(csv_line) "
        "FROM _meter_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    # adj: the rowid of the first record read after a run of set-aside lines; skipped:
    # lines set aside before it. Consecutive set-aside lines share an adj: keep the most.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _meter_reject_lines AS SELECT adj, max(skipped) AS "
        "skipped FROM (SELECT line - row_number() OVER (ORDER BY line) AS adj, "
        "row_number() OVER (ORDER BY line) AS skipped "
        "FROM (SELECT DISTINCT line FROM _meter_rejects)) GROUP BY adj"
    )
    view = numbered.format(
        skipped=" + coalesce(j.skipped, 0)",
        join=" ASOF LEFT JOIN _meter_reject_lines j ON i.rowid + 1 >= j.adj",
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _meter_rows AS {view}")
    con.execute("DROP TABLE IF EXISTS _meter_rejects; DROP TABLE IF EXISTS _meter_scans")
    return [(int(ln), f"malformed record: {msg}", str(text)) for ln, msg, text in rejects]


def file_months(con: duckdb.DuckDBPyConnection, name: str) -> MonthRange | None:
    """The file's month range: from its name, else its full months (see module doc)."""
    named = months_in_name(name)
    if named is not None:
        return named
    rows = con.execute(
        "SELECT date_trunc('month', local_hour)::DATE AS m, count(*) AS n FROM _meter_in "
        "WHERE local_hour IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if not rows:
        return None
    top = max(n for _, n in rows)
    full = [m for m, n in rows if n >= FULL_MONTH_SHARE * top]
    return MonthRange(
        full[0], full[-1], f"the file's full months (>= {FULL_MONTH_SHARE:.0%} of its fullest)"
    )


# --- the rules ----------------------------------------------------------------------------


def _find_code_problems(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """_meter_codes: each credit code of ``source`` that is invalid or not in the
    register, and why; returns how many."""
    create_problem_table(con, "_meter_codes", source)
    con.execute(
        f"""INSERT INTO _meter_codes
        SELECT credit_code, 'credit code ' || credit_code
               || ' is not in the enterprise register (staging.enterprises)'
        FROM (SELECT DISTINCT credit_code FROM {source} WHERE credit_code IS NOT NULL) c
        ANTI JOIN _meter_codes USING (credit_code)
        ANTI JOIN (  -- the register, and filers staged since it was last built (same run)
          SELECT credit_code FROM staging.enterprises WHERE credit_code IS NOT NULL
          UNION SELECT credit_code FROM staging.enterprise_filings
        ) e USING (credit_code)"""
    )
    found = first_row(con, "SELECT count(*) FROM _meter_codes")
    return int(found[0]) if found else 0


def _base_ok(lo: str, hi: str) -> str:
    """A row breaks none of the rules it can be judged on alone (NULL tests and range
    comparisons: cheap); ``lo``/``hi`` bound the file's months."""
    return f"""coalesce(c.credit_code IS NOT NULL AND c.kwh >= 0 AND c.green_kwh >= 0
        AND c.green_kwh <= c.kwh AND c.local_hour >= {lo} AND c.local_hour < {hi}
        AND date_trunc('hour', c.local_hour) = c.local_hour
        AND coalesce(c.data_kind, 'official') IN ('official', 'demo'), false)"""


def _reasons(lo: str, hi: str, months: str) -> str:
    """Every rule the row breaks, joined by '; ' (only computed for quarantined rows)."""
    return f"""concat_ws('; ',
        CASE WHEN c.credit_code IS NULL THEN 'credit_code is empty' END,
        code.problem,
        CASE WHEN c.local_hour IS NULL THEN 'hour is empty' END,
        CASE WHEN c.kwh IS NULL THEN 'kwh is empty' END,
        CASE WHEN c.green_kwh IS NULL THEN 'green_kwh is empty' END,
        CASE WHEN c.kwh < 0 THEN 'kwh is negative (' || c.kwh || ')' END,
        CASE WHEN c.green_kwh < 0 THEN 'green_kwh is negative (' || c.green_kwh || ')' END,
        CASE WHEN c.green_kwh > c.kwh THEN 'green_kwh (' || c.green_kwh
             || ') exceeds kwh (' || c.kwh || ')' END,
        CASE WHEN NOT (c.local_hour >= {lo} AND c.local_hour < {hi})
             THEN 'hour ' || strftime(c.local_hour, '{HOUR_FORMAT}')
                  || ' is outside the file''s months (' || {months} || ')' END,
        CASE WHEN date_trunc('hour', c.local_hour) <> c.local_hour
             THEN 'hour ' || strftime(c.local_hour, '{HOUR_FORMAT}')
                  || ' is not the start of an hour' END,
        CASE WHEN c.data_kind NOT IN ('official', 'demo')
             THEN 'data_kind ''' || c.data_kind || ''' is not official or demo' END,
        s.reason)"""


def _repeats_sql(base_ok: str, others: bool) -> str:
    """_meter_repeats: rows breaking no other rule whose enterprise and hour came before,
    in this file (the first is staged) or in a file already staged."""
    within = f"""
WITH twice AS (
  SELECT hash(c.credit_code, c.local_hour) AS h FROM _meter_in c
  ANTI JOIN _meter_codes code USING (credit_code) WHERE {base_ok}
  GROUP BY 1 HAVING count(*) > 1
), ranked AS (
  SELECT c.source_row, c.credit_code, c.local_hour,
         first_value(c.source_row) OVER w AS first_row, row_number() OVER w AS k
  FROM _meter_rows c ANTI JOIN _meter_codes code USING (credit_code)
  WHERE hash(c.credit_code, c.local_hour) IN (FROM twice) AND {base_ok}
  WINDOW w AS (PARTITION BY c.credit_code, c.local_hour ORDER BY c.source_row)
)
SELECT source_row, 'repeats the hour ' || strftime(local_hour, '{HOUR_FORMAT}') || ' of '
       || credit_code || ' at row ' || first_row AS reason
FROM ranked WHERE k > 1"""
    across = f"""
UNION ALL
SELECT c.source_row, 'the hour ' || strftime(c.local_hour, '{HOUR_FORMAT}') || ' of '
       || c.credit_code || ' is already staged from '
       || coalesce(f.original_name, e.archive_sha256) || ' row ' || e.source_row
FROM _meter_rows c
JOIN (SELECT credit_code, hour, archive_sha256, source_row
      FROM staging.enterprise_meter_hourly
      WHERE month >= $lo AND month < $hi AND archive_sha256 <> $sha
        AND credit_code IN (SELECT DISTINCT credit_code FROM _meter_in)) e
  ON e.credit_code = c.credit_code
 AND e.hour = to_timestamp(epoch(c.local_hour) - {UTC_OFFSET_HOURS * 3600})
LEFT JOIN raw.files f ON f.sha256 = e.archive_sha256
WHERE {base_ok}"""
    return (
        "CREATE OR REPLACE TEMP TABLE _meter_repeats AS SELECT source_row, "
        f"string_agg(reason, '; ') AS reason FROM ({within}{across if others else ''}) GROUP BY 1"
    )


_TEMP = ("_meter_in", "_meter_codes", "_meter_repeats", "_meter_reject_lines")


def _has_repeats(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any enterprise-hour occurs twice. An export written enterprise by
    enterprise, hours ascending, has none: each code in one run of rows and the hours
    rising within it. Checking that costs a third of counting distinct pairs, and the
    verdict is sound in whatever order the window sees the rows (a repeated pair would
    fall in one run, where the hours cannot both rise)."""
    runs = first_row(
        con,
        "SELECT count(*) FILTER (WHERE pc IS NULL OR c <> pc), "
        "count(*) FILTER (WHERE c = pc AND NOT h > ph) "
        "FROM (SELECT credit_code AS c, local_hour AS h, lag(credit_code) OVER () AS pc, "
        "lag(local_hour) OVER () AS ph FROM _meter_in)",
    )
    codes = first_row(con, "SELECT count(DISTINCT credit_code) FROM _meter_in")
    if runs and codes and runs[0] == codes[0] and runs[1] == 0:
        return False
    twice = first_row(
        con, "SELECT count(*) - count(DISTINCT hash(credit_code, local_hour)) FROM _meter_in"
    )
    return bool(twice and twice[0])


def _fast_sql(path: Path, kind_column: bool, out: Path) -> str:
    """One streaming pass, CSV to Parquet, typed by the reader: a record it cannot read
    fails the pass, and so does an hour not on the hour (the format's minutes and
    seconds are literal zeros) or green above total (the one rule tested in the pass;
    free there, a column scan afterwards). Quoting is off, so a record is exactly one
    line: a quoted or multi-line field fails the read or a rule."""
    kinds = ", 'data_kind': 'VARCHAR'" if kind_column else ""
    on_the_hour = HOUR_FORMAT.replace("%M:%S", "00:00")
    source = (
        f"read_csv({_sql_str(str(path))}, header = true, delim = ',', quote = '', escape = '', "
        f"null_padding = false, auto_detect = false, timestampformat = '{on_the_hour}', "
        "columns = {'credit_code': 'VARCHAR', 'local_hour': 'TIMESTAMP', 'kwh': 'DOUBLE', "
        f"'green_kwh': 'DOUBLE'{kinds}}})"
    )
    if not kind_column:
        source = f"(SELECT *, NULL::VARCHAR AS data_kind FROM {source})"
    stored = {
        "credit_code": "c.credit_code",
        "hour": _UTC_HOUR,
        "kwh": "c.kwh",
        "green_kwh": "CASE WHEN c.green_kwh <= c.kwh THEN c.green_kwh "
        "ELSE error('green_kwh is empty or exceeds kwh') END",
        "data_kind": "coalesce(c.data_kind, 'official')",
    }  # no source_row: the file holds every record in order, and the view numbers them
    # by place (warehouse.ddl.lake_view_sql); a parallel read cannot number rows itself.
    assert [*stored, "source_row"] == lake_stored_columns(_T), lake_stored_columns(_T)
    select = ", ".join(f"{sql} AS {col}" for col, sql in stored.items())
    return f"COPY (SELECT {select} FROM {source} c) TO '{out}' ({LAKE_PARQUET})"


@dataclass
class Streamed(Prepared):
    """A one-month file written to a scratch Parquet file in one pass, every rule held."""

    scratch: Path
    rows: int
    months: MonthRange

    def discard(self) -> None:
        self.scratch.unlink(missing_ok=True)


def _holds_every_rule(con: duckdb.DuckDBPyConnection, file: Path, months: MonthRange) -> bool:
    """Whether every row of a streamed file keeps the rules the pass did not test, read
    off the file: the footer's statistics answer the empty cells, the negatives and the
    month at no cost; the column dictionaries the data kinds and the credit codes; one
    grouped scan of two columns the hours given twice (fewer distinct hours than rows,
    per enterprise)."""
    parquet = f"read_parquet('{file}')"
    lo = f"TIMESTAMP '{months.first}' - INTERVAL {UTC_OFFSET_HOURS} HOUR"  # UTC, as stored
    hi = f"TIMESTAMP '{months.end}' - INTERVAL {UTC_OFFSET_HOURS} HOUR"
    facts = first_row(
        con,
        "SELECT count(*) > 0 AND count(*) = count(credit_code) AND count(*) = count(hour) "
        "AND count(*) = count(kwh) AND count(*) = count(green_kwh) AND min(kwh) >= 0 "
        f"AND min(green_kwh) >= 0 AND min(hour) >= {lo} AND max(hour) < {hi} "
        f"AND list(DISTINCT data_kind) <@ ['official', 'demo'] FROM {parquet}",
    )
    if not (facts and facts[0]):
        return False
    hours = (months.end - months.first).days * 24
    twice = first_row(
        con,
        "SELECT coalesce(sum(n - bit_count(seen)), 0) FROM (SELECT count(*) AS n, "
        f"bitstring_agg(((epoch_us(hour) - epoch_us({lo})) // 3600000000)::INTEGER, 0, "
        f"{hours - 1}) AS seen FROM {parquet} GROUP BY credit_code)",
    )
    if not twice or twice[0]:
        return False
    bad_codes = _find_code_problems(con, parquet)
    con.execute("DROP TABLE IF EXISTS _meter_codes")
    return bad_codes == 0


def _stream(con: duckdb.DuckDBPyConnection, path: Path, name: str, lake: Path) -> Streamed | None:
    """Write a clean one-month file to a scratch lake file in one pass, or return None
    for the careful path.

    Metering arrives as monthly exports that are nearly always clean, and the careful
    path (typed table, numbered rows, rule by rule) costs a second table write. Here the
    rows stream from the CSV to Parquet untouched, and the rules are then read off the
    written file, which costs a tenth of a second: Parquet keeps statistics and
    dictionaries. Anything amiss, and nothing is kept."""
    months = months_in_name(name)
    if months is None or len(months.labels()) != 1:
        return None
    base = table_dir(lake, _T)
    base.mkdir(parents=True, exist_ok=True)
    streamed = Streamed(base / f".incoming-{os.getpid()}-{uuid.uuid4().hex[:8]}.parquet", 0, months)
    try:
        written = first_row(con, _fast_sql(path, _has_kind_column(path), streamed.scratch))
        streamed.rows = int(written[0]) if written else 0
        if _holds_every_rule(con, streamed.scratch, months):
            return streamed
    except duckdb.Error:
        pass
    streamed.discard()
    return None


def prepare(con: duckdb.DuckDBPyConnection, path: Path, archive_root: Path) -> Streamed | None:
    """The one-pass read, run while the file is archived (it needs no hash)."""
    return _stream(con, path, path.name, Home(archive_root.parent).lake)


def _staged(
    rows_in: int, staged: int, months: MonthRange, notes: list[str], written: dict[str, int]
) -> RecordsStaged:
    return RecordsStaged(
        rows_in=rows_in,
        staged=staged,
        quarantined=rows_in - staged,
        # The yearly marts do not read metering; its monthly marts are rebuilt by month
        # (warehouse.meter), so no year needs rebuilding: the months are in meta.
        years=set(),
        meta={
            "layout": "meter_hourly",
            "encoding": "utf-8",
            "notes": [f"months: {months.label()} ({months.basis})", *notes],
            "months": sorted(written),
        },
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    archived: ArchivedFile,
    prepared: Prepared | None = None,
    lake: Path | None = None,
) -> RecordsStaged:
    """Replace this file's rows in the lake (staging.enterprise_meter_hourly) and in
    quality.quarantine; ``lake`` defaults to the data home holding the archive."""
    lake = lake or archived.lake
    sha = archived.sha256
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    streamed = prepared if isinstance(prepared, Streamed) else None
    streamed = streamed or _stream(con, archived.archive_path, archived.original_name, lake)
    if streamed is not None:
        m = streamed.months
        others = first_row(  # hours may repeat across files: judged row by row
            con,
            "SELECT count(*) FROM staging.enterprise_meter_hourly_files "
            "WHERE month >= ? AND month < ? AND archive_sha256 <> ?",
            [m.first, m.end, sha],
        )
        if not (others and others[0]):
            place_file(lake, _T, sha, m.labels()[0], streamed.scratch)
            publish_lake_view(con, lake, _T)
            note = "read in one pass: no row broke a rule"
            return _staged(streamed.rows, streamed.rows, m, [note], {m.labels()[0]: streamed.rows})
        streamed.discard()
    return _stage_checked(con, archived, lake)


def _stage_checked(
    con: duckdb.DuckDBPyConnection, archived: ArchivedFile, lake: Path
) -> RecordsStaged:
    """The careful path: a typed table with numbered rows, every rule, every reason."""
    path, name, sha = archived.archive_path, archived.original_name, archived.sha256
    malformed = _load(con, path)
    months = file_months(con, name)
    _find_code_problems(con, "_meter_in")
    if months is None:  # no row with a readable hour: every row breaks a rule anyway
        months = MonthRange(date(1, 1, 1), date(1, 1, 1), "no readable hour")
    lo, hi = f"TIMESTAMP '{months.first}'", f"TIMESTAMP '{months.end}'"
    base_ok = _base_ok(lo, hi)
    others = first_row(
        con,
        "SELECT count(*) FROM staging.enterprise_meter_hourly_files "
        "WHERE month >= ? AND month < ? AND archive_sha256 <> ?",
        [months.first, months.end, sha],
    )
    across = bool(others and others[0])
    if across or _has_repeats(con):
        params = {"lo": months.first, "hi": months.end, "sha": sha} if across else {}
        con.execute(_repeats_sql(base_ok, across), params)
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _meter_repeats (source_row INTEGER, reason VARCHAR)"
        )
    # Joins only where there is something to join: usually every code is known and no
    # hour repeats, and a join probed by every row costs a second each.
    has = {
        t: bool((first_row(con, f"SELECT count(*) FROM {t}") or (0,))[0])
        for t in ("_meter_codes", "_meter_repeats")
    }
    checked = "_meter_rows c"
    checked += (
        " LEFT JOIN _meter_codes code USING (credit_code)"
        if has["_meter_codes"]
        else (" LEFT JOIN (SELECT NULL::VARCHAR AS problem) code ON true")
    )
    checked += (
        " LEFT JOIN _meter_repeats s USING (source_row)"
        if has["_meter_repeats"]
        else (" LEFT JOIN (SELECT NULL::INTEGER AS source_row, NULL::VARCHAR AS reason) s ON false")
    )
    ok = base_ok
    if has["_meter_codes"]:
        ok += " AND code.problem IS NULL"
    if has["_meter_repeats"]:
        ok += " AND s.source_row IS NULL"
    bad = first_row(con, f"SELECT count(*) FROM {checked} WHERE NOT ({ok})")
    stored = {
        "credit_code": "c.credit_code",
        "hour": _UTC_HOUR,
        "kwh": "c.kwh",
        "green_kwh": "c.green_kwh",
        "data_kind": "coalesce(c.data_kind, 'official')",
        "source_row": "c.source_row",
    }
    assert list(stored) == lake_stored_columns(_T), lake_stored_columns(_T)
    select = ", ".join(f"{sql} AS {col}" for col, sql in stored.items())
    where = ok if bad and bad[0] else "true"
    written = write_file_partitions(
        con,
        lake,
        _T,
        sha,
        f"SELECT {select} FROM {checked} WHERE {where}",
        f"strftime(hour + INTERVAL {UTC_OFFSET_HOURS} HOUR, '%Y-%m')",
        months.labels(),
    )
    publish_lake_view(con, lake, _T)
    now = datetime.now(UTC).replace(tzinfo=None)
    as_read = (
        "to_json({'credit_code': c.credit_code, 'hour': strftime(c.local_hour, "
        f"'{HOUR_FORMAT}'), 'kwh': c.kwh, 'green_kwh': c.green_kwh, "
        "'data_kind': c.data_kind})::VARCHAR"
    )
    if bad and bad[0]:
        con.execute(
            f"""INSERT INTO quality.quarantine BY NAME
               SELECT $sha AS archive_sha256, $name AS source_file, c.source_row,
                      NULL AS source_column, 1 AS cells,
                      {_reasons(lo, hi, _sql_str(months.label()))} AS reason,
                      {as_read} AS raw_values, $now AS quarantined_at
               FROM {checked} WHERE NOT ({ok})""",
            {"sha": sha, "name": name, "now": now},
        )
    if malformed:
        con.executemany(
            "INSERT INTO quality.quarantine VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
            [[sha, name, ln, reason, text, now] for ln, reason, text in malformed],
        )
    rows = first_row(con, "SELECT count(*) FROM _meter_in")
    con.execute("DROP VIEW IF EXISTS _meter_rows")
    for t in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    total = (int(rows[0]) if rows else 0) + len(malformed)
    return _staged(total, sum(written.values()), months, [], written)


SOURCE = RecordSource(KIND, _T.qualified, sniff, check, stage, prepare)
