"""DDL and column comments generated from ``warehouse.tables``.

``ensure_schema`` is idempotent and additive: it creates what is missing and
adds columns that a newer table description introduced, so an existing
warehouse follows the descriptions without a rebuild.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import duckdb

from warehouse.tables import SCHEMAS, TABLES, Table

# A lake file is named by the archived file its rows came from: <archive_sha256>.parquet.
LAKE_FILE_SHA = r"([0-9a-f]{64})\.parquet$"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def files_view(t: Table) -> str:
    """The companion view of a lake table: one row per Parquet file (sha, partition, rows)
    read from the file footers, so counting a file's rows never scans them."""
    return f"{t.qualified}_files"


def lake_stored_columns(t: Table) -> list[str]:
    """The columns a lake table's Parquet files hold: not the partition (in the path), the
    archive hash (in the file name) or generated columns (computed by the view)."""
    return [
        c.name
        for c in t.columns
        if c.generated is None and c.name not in (t.lake_partition, "archive_sha256")
    ]


def _partition_sql(t: Table, text: str) -> str:
    """The partition value from its directory name (month=YYYY-MM, year=YYYY)."""
    if t.column(str(t.lake_partition)).type == "DATE":
        return f"strptime({text}, '%Y-%m')::DATE"
    return f"{text}::{t.column(str(t.lake_partition)).type}"


def unnumbered_files(con: duckdb.DuckDBPyConnection, t: Table, files: Sequence[str]) -> set[str]:
    """The files of a lake table holding no source_row column (read off their footers)."""
    if not files or "source_row" not in lake_stored_columns(t):
        return set()
    listed = "[" + ", ".join(_quote(f) for f in files) + "]"
    numbered = con.sql(
        f"SELECT DISTINCT file_name FROM parquet_schema({listed}) WHERE name = 'source_row'"
    ).fetchall()
    return set(files) - {f for (f,) in numbered}


def lake_view_sql(t: Table, files: Sequence[str], unnumbered: Collection[str] = ()) -> list[str]:
    """CREATE OR REPLACE VIEW statements for a lake table and its files view over exactly
    these Parquet files (an explicit list: the published warehouse names the files it
    accounted for, and an empty lake is an empty view, not an error). ``unnumbered``:
    files with no source_row column, which hold every record of their source file in
    order (written in one streaming pass, which cannot number rows): a row's number is
    its place in the file, the header being row 1."""
    part = t.lake_partition
    if not files:
        cols = ", ".join(f'NULL::{c.type} AS "{c.name}"' for c in t.columns)
        part_col = f"NULL::{t.column(part).type} AS {part}, " if part else ""
        return [
            f"CREATE OR REPLACE VIEW {t.qualified} AS SELECT {cols} WHERE false",
            f"CREATE OR REPLACE VIEW {files_view(t)} AS SELECT NULL::VARCHAR AS archive_sha256, "
            f"{part_col}NULL::BIGINT AS rows, NULL::VARCHAR AS file WHERE false",
        ]
    listed = "[" + ", ".join(_quote(f) for f in files) + "]"
    # TIMESTAMPTZ columns are stored as UTC TIMESTAMPs (a third cheaper to write than a
    # zone conversion per row) and become instants again here.
    outer = ", ".join(
        f'({c.generated}) AS "{c.name}"'
        if c.generated
        else f'timezone(\'UTC\', "{c.name}") AS "{c.name}"'
        if c.type == "TIMESTAMPTZ"
        else f'"{c.name}"'
        for c in t.columns
    )
    sha = f"regexp_extract(filename, '{LAKE_FILE_SHA}', 1) AS archive_sha256"
    if part:
        replace = f" REPLACE ({_partition_sql(t, part)} AS {part})"
        options = f"hive_partitioning = true, hive_types = {{'{part}': 'VARCHAR'}}, filename = true"
        in_path = f"regexp_extract(file_name, '/{part}=([^/]+)/', 1)"
        part_col = f"{_partition_sql(t, in_path)} AS {part}, "
    else:  # one file per archived file, every column inside it
        replace, options, part_col = "", "hive_partitioning = false, filename = true", ""
    reads = []
    numbered = [f for f in files if f not in set(unnumbered)]
    if numbered:
        listed_n = "[" + ", ".join(_quote(f) for f in numbered) + "]"
        reads.append(f"SELECT *{replace}, {sha} FROM read_parquet({listed_n}, {options})")
    if len(numbered) < len(files):
        listed_u = "[" + ", ".join(_quote(f) for f in files if f in set(unnumbered)) + "]"
        reads.append(
            f"SELECT * EXCLUDE (file_row_number){replace}, "
            f"(file_row_number + 2)::INTEGER AS source_row, {sha} "
            f"FROM read_parquet({listed_u}, {options}, file_row_number = true)"
        )
    inner = " UNION ALL BY NAME ".join(reads)
    meta = (
        f"SELECT regexp_extract(file_name, '{LAKE_FILE_SHA}', 1) AS archive_sha256, "
        f"{part_col}num_rows::BIGINT AS rows, file_name AS file "
        f"FROM parquet_file_metadata({listed})"
    )
    return [
        f"CREATE OR REPLACE VIEW {t.qualified} AS SELECT {outer} FROM ({inner})",
        f"CREATE OR REPLACE VIEW {files_view(t)} AS {meta}",
    ]


def create_table_sql(t: Table) -> str:
    if t.storage == "lake":
        return lake_view_sql(t, [])[0].replace("CREATE OR REPLACE", "CREATE", 1)
    cols = [
        f'"{c.name}" {c.type} GENERATED ALWAYS AS ({c.generated}) VIRTUAL'
        if c.generated
        else f'"{c.name}" {c.type}{"" if c.nullable else " NOT NULL"}'
        for c in t.columns
    ]
    if t.primary_key and t.key_in_ddl:
        cols.append(f"PRIMARY KEY ({', '.join(t.primary_key)})")
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {t.qualified} (\n  {body}\n)"


def _comments(t: Table) -> list[tuple[str | None, str]]:
    """(column or None for the table, comment) as the catalog should hold them."""
    return [(None, t.comment), *((c.name, c.comment) for c in t.columns)]


def comment_sql(t: Table, only: set[str | None] | None = None) -> list[str]:
    """COMMENT statements for the table and its columns (``only``: just those)."""
    kind = "VIEW" if t.storage == "lake" else "TABLE"
    return [
        f"COMMENT ON {kind} {t.qualified} IS {_quote(text)}"
        if col is None
        else f'COMMENT ON COLUMN {t.qualified}."{col}" IS {_quote(text)}'
        for col, text in _comments(t)
        if only is None or col in only
    ]


def _catalog_comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str | None], str]:
    """Every comment the warehouse holds now, by (schema, table, column or None)."""
    here = "WHERE database_name = current_database()"
    rows = con.sql(
        f"SELECT schema_name, table_name, NULL, comment FROM duckdb_tables() {here} "
        f"UNION ALL SELECT schema_name, view_name, NULL, comment FROM duckdb_views() {here} "
        f"UNION ALL SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
        f"{here}"
    ).fetchall()
    return {(s, t, c): text for s, t, c, text in rows}


def ensure_schema(con: duckdb.DuckDBPyConnection, lake: Path | None = None) -> None:
    """``lake``: the data home's lake, where the rows of a table that has since moved to
    the lake are written (a warehouse opened without it must not hold such rows)."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    columns: dict[tuple[str, str], set[str]] = {}
    for s, t, c in con.sql(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
    ).fetchall():
        columns.setdefault((s, t), set()).add(c)
    views = {
        (s, n)
        for s, n in con.sql(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'VIEW'"
        ).fetchall()
    }
    for t in TABLES:
        present = columns.get((t.schema, t.name))
        if t.storage == "lake":
            if present is not None and (t.schema, t.name) not in views:
                # A table before it moved to the lake: its rows move there first.
                from warehouse.lake import move_table_to_lake  # lake -> store -> ddl

                move_table_to_lake(con, t, lake)
                continue
            if present is None or (t.schema, files_view(t).split(".")[1]) not in views:
                for stmt in lake_view_sql(t, []):
                    con.execute(stmt)
            elif set(t.column_names) != present:  # the description changed: same files
                files = [f for (f,) in con.sql(f"SELECT file FROM {files_view(t)}").fetchall()]
                for stmt in lake_view_sql(t, files, unnumbered_files(con, t, files)):
                    con.execute(stmt)
        elif present is None:
            con.execute(create_table_sql(t))
        else:
            for c in t.columns:
                if c.name not in present:
                    con.execute(f'ALTER TABLE {t.qualified} ADD COLUMN "{c.name}" {c.type}')
    # Commenting every column on every open cost a fifth of a second: only what differs.
    held = _catalog_comments(con)
    for t in TABLES:
        stale = {c for c, text in _comments(t) if held.get((t.schema, t.name, c)) != text}
        for stmt in comment_sql(t, stale) if stale else []:
            con.execute(stmt)


def full_ddl() -> str:
    """The whole schema as one SQL script (written to docs for analysts)."""
    parts = [f"CREATE SCHEMA IF NOT EXISTS {s};" for s in SCHEMAS]
    for t in TABLES:
        parts.append(create_table_sql(t) + ";")
        parts.extend(s + ";" for s in comment_sql(t))
    return "\n".join(parts) + "\n"
