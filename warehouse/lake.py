"""The Parquet lake: ``lake/<schema>/<table>/year=YYYY/data.parquet``.

Hive-style partitions, one file per year, so a partition is replaced whole
(write to a temporary name, then rename): re-materialising a year never
duplicates rows, and a reader of the lake sees either the old or the new file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from warehouse.store import first_row
from warehouse.tables import Table


def table_dir(lake: Path, t: Table) -> Path:
    return lake / t.schema / t.name


def export_years(
    con: duckdb.DuckDBPyConnection, lake: Path, t: Table, years: Iterable[int]
) -> dict[int, int]:
    """Write the given years of ``t`` to the lake; return rows written per year.

    A year with no rows left in the table has its partition removed.
    """
    if t.lake_partition is None:
        raise ValueError(f"{t.qualified} is not a lake table")
    col = t.lake_partition
    written: dict[int, int] = {}
    base = table_dir(lake, t)
    for year in sorted(set(years)):
        part = base / f"{col}={year}"
        n = first_row(con, f"SELECT count(*) FROM {t.qualified} WHERE {col} = ?", [year])
        rows = int(n[0]) if n else 0
        if rows == 0:
            shutil.rmtree(part, ignore_errors=True)
            written[year] = 0
            continue
        part.mkdir(parents=True, exist_ok=True)
        tmp = part / f".data-{os.getpid()}.parquet.tmp"  # never matches *.parquet
        cols = ", ".join(f'"{c}"' for c in t.column_names if c != col)
        order = ", ".join(f'"{c}"' for c in t.column_names[:3] if c != col)
        con.execute(
            f"COPY (SELECT {cols} FROM {t.qualified} WHERE {col} = {int(year)} ORDER BY {order}) "
            f"TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)"
        )
        os.replace(tmp, part / "data.parquet")
        written[year] = rows
    return written


def years_in_lake(lake: Path, t: Table) -> list[int]:
    base = table_dir(lake, t)
    if not base.exists():
        return []
    prefix = f"{t.lake_partition}="
    return sorted(int(p.name[len(prefix) :]) for p in base.iterdir() if p.name.startswith(prefix))
