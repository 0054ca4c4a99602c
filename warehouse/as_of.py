"""The marts as they stood on a date: built from the vintages released by then.

Staging keeps every vintage, so the past is recomputed, never stored: the published
marts stay the newest, and an in-memory copy answers "what did we know on D?"
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.ddl import ensure_schema, files_view, lake_view_sql, unnumbered_files
from warehouse.enterprises import build_green_manufacturing
from warehouse.marts import build_indicator_values, full_date, staged_years
from warehouse.tables import TABLES
from warehouse.target_progress import build_indicator_progress

# What the marts are built from: every ref, raw and staging table held in the warehouse
# file is copied, and every lake-backed one (filings, metering) is a view over the files
# the published warehouse lists; marts are rebuilt.
INPUT_TABLES = tuple(
    t for t in TABLES if t.schema in ("ref", "raw", "staging") and t.storage == "table"
)
LAKE_INPUTS = tuple(t for t in TABLES if t.storage == "lake")


def marts_as_of(warehouse_file: Path, as_of: str) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose marts use only vintages up to ``as_of`` (a vintage
    'YYYY' counts as released on 1 January of that year). The file is only read."""
    con = duckdb.connect()
    ensure_schema(con)
    con.execute(f"ATTACH '{warehouse_file}' AS published (READ_ONLY)")
    for t in INPUT_TABLES:
        cols = ", ".join(f'"{c}"' for c in t.stored_column_names)
        con.execute(f"INSERT INTO {t.qualified} BY NAME SELECT {cols} FROM published.{t.qualified}")
    for t in LAKE_INPUTS:
        listed = con.sql(f"SELECT file FROM published.{files_view(t)}").fetchall()
        files = [f for (f,) in listed]
        for stmt in lake_view_sql(t, files, unnumbered_files(con, t, files)):
            con.execute(stmt)
    con.execute("DETACH published")
    build_green_manufacturing(con, full_date(as_of))  # designations published by then
    build_indicator_values(con, staged_years(con), as_of)
    build_indicator_progress(con, as_of)
    return con
