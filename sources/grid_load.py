"""Hourly provincial electricity load: one column per province, one row per hour, in MW.

Two layouts, told apart by the first header cell:

- ``Time Series`` (PyPSA-China-PIK, ``Hourly_demand_of_31_province_China_modified_V2.1``):
  hours numbered 1..8760 with no year. The year comes from the file name (``..._2023.csv``)
  or, for the model's own file, from :data:`KNOWN_YEARS` (docs/decisions.md, "The PyPSA
  hourly load is read as 2018"): the file never says, so the assumption is written into
  ``raw.files.notes`` of every load.
- ``hour`` (greenstat's template, docs/grid_load.md): ``YYYY-MM-DD HH:MM:SS`` in
  Asia/Shanghai local time, and an optional ``data_kind`` column (``demo`` for generated
  files).

Each value cell is one accounted row: staged into ``staging.grid_load_hourly`` with its
hour as an instant (UTC+8 all year: China has no daylight saving), or quarantined with
its reason (not a number, negative, an hour outside the year, an hour given twice, a
province column that resolves to no region). Values are MW as written; stored in kW.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.archive import ArchivedFile
from sources.errors import SourceFormatError
from sources.nbs_export import decode_head
from sources.records import RecordSource, RecordsStaged
from sources.regions import default_resolver

KIND = "grid_load_hourly"
INDEX_HEADER = "Time Series"  # PyPSA-China: hour of the year, 1-based
TIME_HEADER = "hour"  # the template: local timestamps
KIND_HEADER = "data_kind"
# The model file does not name its year: 2018 is an assumption (docs/decisions.md): 8,760
# hours rule out the leap year 2020, and Beijing's sum (114.2 TWh) is nearest its 2018 use.
KNOWN_YEARS = {"Hourly_demand_of_31_province_China_modified_V2.1.csv": 2018}
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")
UTC_OFFSET_SECONDS = 8 * 3600  # Asia/Shanghai


def _header(path: Path) -> list[str]:
    with open(path, "rb") as fh:
        text = decode_head(fh.read(65536)) or ""
    first = text.lstrip("\ufeff").splitlines()[:1]
    return [c.strip() for c in next(csv.reader(io.StringIO(first[0])))] if first else []


def sniff(path: Path, head: bytes) -> bool:
    text = decode_head(head)
    if not text:
        return False
    line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    cells = [c.strip() for c in line.split(",")]
    return (
        len(cells) >= 2
        and cells[0] in (INDEX_HEADER, TIME_HEADER)
        and not (
            set(cells) >= {"credit_code", "kwh"}  # enterprise metering, not provincial load
        )
    )


def year_of(name: str) -> int | None:
    """The year a ``Time Series`` file's hours belong to."""
    if name in KNOWN_YEARS:
        return KNOWN_YEARS[name]
    found = _YEAR_IN_NAME.findall(name)
    return int(found[-1]) if len(set(found)) == 1 else None


def check(path: Path) -> None:
    header = _header(path)
    if len(header) < 2 or header[0] not in (INDEX_HEADER, TIME_HEADER):
        raise SourceFormatError(f"{path.name}: not an hourly load file (first header cell)")
    if header[0] == INDEX_HEADER and year_of(path.name) is None:
        raise SourceFormatError(
            f"{path.name}: hours are numbered without a year; put the year in the file "
            "name (e.g. load_2023.csv)"
        )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage(con: duckdb.DuckDBPyConnection, archived: ArchivedFile) -> RecordsStaged:
    """Replace this file's cells in staging.grid_load_hourly and quality.quarantine."""
    import pyarrow as pa  # lazily: not needed to ingest metering

    path, name, sha = archived.archive_path, archived.original_name, archived.sha256
    header = _header(path)
    index_layout = header[0] == INDEX_HEADER
    year = year_of(name) if index_layout else None
    if index_layout and year is None:
        check(path)  # raises with the reason
    resolver = default_resolver()
    regions = {h: resolver.resolve(h) for h in header[1:] if h != KIND_HEADER}
    # Read in Python: the model file mixes LF and CRLF line ends, which DuckDB's reader
    # rejects; csv copes, and a year of hours is only 8,784 lines.
    read = [f"c{i}" for i in range(len(header))]
    cols: list[list[str | None]] = [[] for _ in read]
    rows: list[int] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for n, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(read):
                raise SourceFormatError(
                    f"{name}: row {n} has {len(cells)} cells, the header {len(read)}"
                )
            rows.append(n)
            for col, cell in zip(cols, cells, strict=True):
                col.append(cell)
    con.register(
        "_load_arrow",
        pa.table({"source_row": pa.array(rows, pa.int32()), **dict(zip(read, cols, strict=True))}),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _load_raw AS SELECT * FROM _load_arrow")
    con.unregister("_load_arrow")
    by_name = dict(zip(read[1:], header[1:], strict=True))
    value_cols = [r for r in read[1:] if by_name[r] != KIND_HEADER]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _load_regions (col VARCHAR, header VARCHAR, region VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _load_regions VALUES (?, ?, ?)",
        [[c, by_name[c], regions[by_name[c]]] for c in value_cols],
    )
    t0 = _quoted(read[0])
    if index_layout:
        hours_in_year = (366 if calendar.isleap(year or 0) else 365) * 24
        local = f"TIMESTAMP '{year}-01-01 00:00:00' + to_hours(TRY_CAST(r.t AS INTEGER) - 1)"
        time_problem = f"""CASE WHEN TRY_CAST(r.t AS INTEGER) IS NULL
                 THEN 'hour number ' || coalesce('''' || r.t || '''', 'empty') || ' is not a number'
               WHEN TRY_CAST(r.t AS INTEGER) NOT BETWEEN 1 AND {hours_in_year}
                 THEN 'hour number ' || r.t || ' is outside {year} (1-{hours_in_year})' END"""
    else:
        local = "TRY_STRPTIME(trim(r.t), '%Y-%m-%d %H:%M:%S')"
        time_problem = """CASE WHEN TRY_STRPTIME(trim(r.t), '%Y-%m-%d %H:%M:%S') IS NULL
                 THEN 'hour ' || coalesce('''' || r.t || '''', 'empty')
                      || ' is not YYYY-MM-DD HH:MM:SS'
               WHEN minute(TRY_STRPTIME(trim(r.t), '%Y-%m-%d %H:%M:%S')) <> 0
                 OR second(TRY_STRPTIME(trim(r.t), '%Y-%m-%d %H:%M:%S')) <> 0
                 THEN 'hour ' || r.t || ' is not on the hour' END"""
    kind_read = next((r for r in read[1:] if by_name[r] == KIND_HEADER), None)
    kind = f"coalesce(lower(trim({kind_read})), 'official')" if kind_read else "'official'"
    unpivot_cols = ", ".join(_quoted(c) for c in value_cols)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _load_cells AS
        WITH r AS (
          SELECT {t0} AS t, {kind} AS data_kind, * FROM _load_raw
        ), rv AS (SELECT * EXCLUDE ({t0}, t) FROM r
        ), u AS (
          SELECT * FROM rv UNPIVOT INCLUDE NULLS (raw FOR col IN ({unpivot_cols}))
        ), cells AS (
          SELECT u.source_row, u.col, g.header, u.raw, u.data_kind, r.t, g.region,
                 {local} AS local_hour,
                 TRY_CAST(replace(trim(u.raw), ',', '') AS DOUBLE) AS mw,
                 {time_problem} AS time_problem
          FROM u JOIN r USING (source_row) JOIN _load_regions g USING (col)
        )
        SELECT *, CASE
            WHEN region IS NULL THEN 'column ' || header || ' is not a known region'
            WHEN time_problem IS NOT NULL THEN time_problem
            WHEN data_kind NOT IN ('official', 'demo')
              THEN 'data_kind ''' || data_kind || ''' is not official or demo'
            WHEN raw IS NULL OR trim(raw) = '' THEN 'load is empty'
            WHEN mw IS NULL THEN 'load ''' || raw || ''' is not a number'
            WHEN mw < 0 THEN 'load is negative (' || raw || ' MW)'
          END AS problem
        FROM cells"""
    )
    # UNPIVOT keeps NULL cells only with INCLUDE NULLS in some versions: count what it
    # dropped as empty cells so every cell is accounted for.
    ((n_rows,),) = con.execute("SELECT count(*) FROM _load_raw").fetchall()
    ((n_cells,),) = con.execute("SELECT count(*) FROM _load_cells").fetchall()
    con.execute("DELETE FROM staging.grid_load_hourly WHERE archive_sha256 = ?", [sha])
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    # An hour given twice for a region (in this file, or by a file staged before): the
    # first is kept, later ones are quarantined naming it. Real and demo rows of the same
    # hour may coexist: the marts use the real ones (warehouse.green_power).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _load_ok AS
        SELECT *, to_timestamp(epoch(local_hour) - {UTC_OFFSET_SECONDS}) AS hour,
               row_number() OVER w AS k, first_value(source_row) OVER w AS first_row
        FROM _load_cells WHERE problem IS NULL
        WINDOW w AS (PARTITION BY region, local_hour, data_kind ORDER BY source_row)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _load_dup AS
        SELECT o.source_row, o.col, o.header, o.raw,
               CASE WHEN o.k > 1 THEN 'hour ' || strftime(o.local_hour, '%Y-%m-%d %H:%M')
                                   || ' given again (first at row ' || o.first_row || ')'
                    ELSE 'hour ' || strftime(o.local_hour, '%Y-%m-%d %H:%M') || ' for '
                         || o.region || ' already staged from ' || f.original_name || ' row '
                         || s.source_row END AS problem
        FROM _load_ok o
        LEFT JOIN staging.grid_load_hourly s
          ON s.region_code = o.region AND s.hour = o.hour AND s.data_kind = o.data_kind
         AND s.archive_sha256 <> $sha
        LEFT JOIN raw.files f ON f.sha256 = s.archive_sha256
        WHERE o.k > 1 OR s.region_code IS NOT NULL""",
        {"sha": sha},
    )
    con.execute(
        """INSERT INTO staging.grid_load_hourly BY NAME
        SELECT region AS region_code, hour, year(local_hour) AS year,
               month(local_hour) AS month, mw * 1000 AS load_kw, data_kind,
               $sha AS archive_sha256, source_row
        FROM _load_ok o ANTI JOIN _load_dup d USING (source_row, col)""",
        {"sha": sha},
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        """INSERT INTO quality.quarantine BY NAME
        SELECT $sha AS archive_sha256, $name AS source_file, source_row,
               header AS source_column, 1 AS cells, problem AS reason,
               coalesce(raw, '') AS raw_values, $now AS quarantined_at
        FROM (SELECT source_row, header, raw, problem FROM _load_cells
              WHERE problem IS NOT NULL
              UNION ALL SELECT source_row, header, raw, problem FROM _load_dup)""",
        {"sha": sha, "name": name, "now": now},
    )
    ((staged, years),) = con.execute(
        """SELECT count(*), list(DISTINCT year) FROM staging.grid_load_hourly
           WHERE archive_sha256 = ?""",
        [sha],
    ).fetchall()
    for t in ("_load_raw", "_load_regions", "_load_cells", "_load_ok", "_load_dup"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    expected = n_rows * len(value_cols)
    if n_cells != expected:  # never: UNPIVOT keeps NULL cells as raw NULL (checked in tests)
        raise SourceFormatError(f"{name}: {expected} load cells read, {n_cells} unpivoted")
    notes = []
    if index_layout and name in KNOWN_YEARS:
        notes.append(
            f"hours numbered without a year: read as {year}, an assumption (docs/decisions.md); "
            "put a year in the file name to read it as another year"
        )
    return RecordsStaged(
        rows_in=int(n_cells),
        staged=int(staged),
        quarantined=int(n_cells) - int(staged),
        years=set(years or []),
        meta={
            "encoding": "utf-8",
            "layout": "hour index" if index_layout else "timestamps",
            "notes": notes,
        },
    )


SOURCE = RecordSource(KIND, "staging.grid_load_hourly", sniff, check, stage)
