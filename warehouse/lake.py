"""The Parquet lake: ``lake/<schema>/<table>/year=YYYY/data.parquet``.

Hive-style partitions, one file per year, so a partition is replaced whole
(write to a temporary name, then rename): re-materialising a year never
duplicates rows, and a reader of the lake sees either the old or the new file.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from warehouse.ddl import (
    LAKE_FILE_SHA,
    comment_sql,
    files_view,
    lake_stored_columns,
    lake_view_sql,
    unnumbered_files,
)
from warehouse.store import first_row
from warehouse.tables import TABLES, Table


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


# --- lake-backed tables (Table.storage == "lake"): Parquet is the only copy ---------------
#
# A staged file's rows are written once, as one Parquet file per partition named by the
# file's sha256 (lake/<schema>/<table>/month=YYYY-MM/<sha256>.parquet), and the warehouse
# holds a view over the files (warehouse.ddl.lake_view_sql). Restaging a file replaces its
# files by rename; a partition holds as many files as files staged rows into it.


def lake_files(lake: Path, t: Table) -> list[Path]:
    """Every published Parquet file of a lake table: <archive_sha256>.parquet, in its
    partition's directory if the table has partitions (scratch files never match, nor do
    the yearly exports of a table from before it moved to the lake)."""
    base = table_dir(lake, t)
    if not base.exists():
        return []
    found = base.glob(f"{t.lake_partition}=*/*.parquet" if t.lake_partition else "*.parquet")
    return sorted(f for f in found if re.fullmatch(LAKE_FILE_SHA, f.name))


def publish_lake_view(con: duckdb.DuckDBPyConnection, lake: Path, t: Table) -> None:
    """Point the table's views at the files now in the lake (with their comments)."""
    files = [str(f) for f in lake_files(lake, t)]
    for stmt in [*lake_view_sql(t, files, unnumbered_files(con, t, files)), *comment_sql(t)]:
        con.execute(stmt)


def listed_files(con: duckdb.DuckDBPyConnection, t: Table) -> list[str]:
    """The files a lake table's views name, read from the view's definition (so a file
    that has gone does not make this fail, as reading the files view would)."""
    row = first_row(
        con,
        "SELECT sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = ? AND view_name = ?",
        [t.schema, files_view(t).split(".")[1]],
    )
    if not row:
        return []
    return [f.replace("''", "'") for f in re.findall(r"'((?:[^']|'')+\.parquet)'", row[0])]


def views_naming_another_lake(
    con: duckdb.DuckDBPyConnection, lake: Path
) -> list[tuple[Table, list[str]]]:
    """Lake tables whose views name files outside ``lake`` (the home was copied or
    moved), with the files they name."""
    found = []
    for t in TABLES:
        if t.storage != "lake":
            continue
        files = listed_files(con, t)
        base = table_dir(lake, t).resolve()
        if not all(Path(f).resolve().is_relative_to(base) for f in files):
            found.append((t, files))
    return found


def relocate_lake_views(con: duckdb.DuckDBPyConnection, lake: Path) -> list[str]:
    """Point lake views that name files under another lake at the same files under this
    one: the views name files by absolute path, so a data home that was copied or moved
    would otherwise read the old place's files, or fail once they are gone. Returns the
    tables re-pointed."""
    moved = []
    for t, files in views_naming_another_lake(con, lake):
        base = table_dir(lake, t)
        inside = f"/{t.schema}/{t.name}/"
        here = [str(base / f.rsplit(inside, 1)[1]) if inside in f else f for f in files]
        missing = [f for f in here if not Path(f).exists()]
        if missing:
            raise RuntimeError(
                f"{t.qualified} names {len(missing)} lake files that are not in {base} "
                f"(first: {missing[0]}); was the data home copied without its lake?"
            )
        for stmt in [*lake_view_sql(t, here, unnumbered_files(con, t, here)), *comment_sql(t)]:
            con.execute(stmt)
        moved.append(t.qualified)
    return moved


LAKE_PARQUET = "FORMAT parquet, COMPRESSION snappy"  # as fast to write as DuckDB can
# For files of many columns and rows in any order (filings): version 2 pages, and no
# dictionary attempted past 1,000 values, which for a credit-code or name column (one
# value per enterprise) is a dictionary built only to be thrown away: a fifth of the
# write, for 3% more bytes (bench/filings.py).
LAKE_PARQUET_WIDE = f"{LAKE_PARQUET}, PARQUET_VERSION v2, DICTIONARY_SIZE_LIMIT 1000"


def write_file(
    con: duckdb.DuckDBPyConnection, lake: Path, t: Table, sha256: str, select_sql: str
) -> int:
    """Write the rows of ``select_sql`` (the stored columns, each row with its
    source_row) as this archived file's one Parquet file of an unpartitioned lake table,
    replacing the one it had (by rename: a reader sees the old file or the new one);
    no rows: no file. Returns the rows written.

    Rows are written in whatever order the threads finish them: each carries its
    source_row, and not having to keep the order makes the write a fifth cheaper."""
    if t.lake_partition is not None:
        raise ValueError(f"{t.qualified} is partitioned: use write_file_partitions")
    base = table_dir(lake, t)
    base.mkdir(parents=True, exist_ok=True)
    target = base / f"{sha256}.parquet"
    scratch = base / f".incoming-{sha256}-{os.getpid()}.parquet.tmp"  # never matches
    keep = first_row(con, "SELECT current_setting('preserve_insertion_order')")
    try:
        con.execute("SET preserve_insertion_order = false")
        ((rows,),) = con.execute(
            f"COPY ({select_sql}) TO '{scratch}' ({LAKE_PARQUET_WIDE})"
        ).fetchall()
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(keep[0]) if keep else True}")
    if rows:
        os.replace(scratch, target)
    else:
        scratch.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
    return int(rows)


def move_table_to_lake(con: duckdb.DuckDBPyConnection, t: Table, lake: Path | None) -> None:
    """A table described as a lake table that the warehouse still holds as a table (it
    moved, as filings did in decision 29): write its rows to the lake, one file per
    archived file, drop the table and point the view at the files. Its yearly exports
    (``<partition>=YYYY/data.parquet``) are removed: the new files replace them."""
    ((rows,),) = con.execute(f"SELECT count(*) FROM {t.qualified}").fetchall()
    if rows and lake is None:
        raise RuntimeError(
            f"{t.qualified} holds {rows} rows from before it moved to the Parquet lake; "
            "open the warehouse with greenstat (Warehouse.write) to move them there"
        )
    if rows and lake is not None:
        cols = ", ".join(f'"{c}"' for c in lake_stored_columns(t))
        shas = con.execute(f"SELECT DISTINCT archive_sha256 FROM {t.qualified}").fetchall()
        for (sha,) in shas:  # only unpartitioned tables have moved so far
            write_file(con, lake, t, sha, f"SELECT {cols} FROM {t.qualified} "
                       f"WHERE archive_sha256 = '{sha}'")  # fmt: skip
    con.execute(f"DROP TABLE {t.qualified}")
    if lake is not None:
        base = table_dir(lake, t)
        for export in base.glob("*=*/data.parquet") if base.exists() else []:
            export.unlink()
            if not any(export.parent.iterdir()):
                export.parent.rmdir()
        publish_lake_view(con, lake, t)
    else:
        for stmt in [*lake_view_sql(t, []), *comment_sql(t)]:
            con.execute(stmt)


def place_file(lake: Path, t: Table, sha256: str, value: str, file: Path) -> None:
    """Make ``file`` the only one of this archived file's in the table, in partition
    ``value`` (renamed into place: a reader sees the old file or the new one)."""
    base = table_dir(lake, t)
    part = str(t.lake_partition)
    target = base / f"{part}={value}" / f"{sha256}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(file, target)
    _drop_other_partitions(base, part, sha256, {value})


def _drop_other_partitions(base: Path, part: str, sha256: str, keep: set[str]) -> None:
    for old in base.glob(f"{part}=*/{sha256}.parquet"):
        if old.parent.name.split("=", 1)[1] not in keep:
            old.unlink()
    for d in base.glob(f"{part}=*"):
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()


def write_file_partitions(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    t: Table,
    sha256: str,
    select_sql: str,
    partition_sql: str,
    values: list[str],
) -> dict[str, int]:
    """Write the rows of ``select_sql`` (the stored columns) as this file's Parquet files,
    one per partition value (``partition_sql`` gives a row's, e.g. '2024-01'; ``values``
    are the ones it may give), replacing the files it had; returns rows per partition.

    One partition: one COPY. Several: one parallel COPY ... PARTITION_BY into a scratch
    directory (filtering month by month would scan every row once per month). Each file
    is renamed into place, so a reader of the lake sees a file's old partition or its new
    one; a partition left with no rows loses this file's."""
    base = table_dir(lake, t)
    part = str(t.lake_partition)
    scratch = base / f".incoming-{sha256}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    options = LAKE_PARQUET
    produced: dict[str, list[Path]] = {}
    try:
        if len(values) == 1:
            (scratch / f"{part}={values[0]}").mkdir(parents=True)
            out = scratch / f"{part}={values[0]}" / "data.parquet"
            con.execute(f"COPY ({select_sql}) TO '{out}' ({options})")
        else:
            scratch.mkdir(parents=True)
            con.execute(
                f"COPY (SELECT *, {partition_sql} AS {part} FROM ({select_sql})) TO "
                f"'{scratch}' ({options}, PARTITION_BY ({part}), WRITE_PARTITION_COLUMNS false)"
            )
        for d in sorted(scratch.glob(f"{part}=*")):
            produced[d.name.split("=", 1)[1]] = sorted(d.glob("*.parquet"))
        written: dict[str, int] = {}
        for value, files in produced.items():
            if len(files) > 1:  # DuckDB split a partition: merge into one file
                merged = scratch / f"merged-{value}.parquet"
                listed = ", ".join(f"'{f}'" for f in files)
                con.execute(f"COPY (FROM read_parquet([{listed}])) TO '{merged}' ({options})")
                files = [merged]
            if not files:
                continue
            n = first_row(con, f"SELECT num_rows FROM parquet_file_metadata('{files[0]}')")
            if not n or not n[0]:
                continue
            target = base / f"{part}={value}" / f"{sha256}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(files[0], target)
            written[value] = int(n[0])
        _drop_other_partitions(base, part, sha256, set(written))
        return written
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
