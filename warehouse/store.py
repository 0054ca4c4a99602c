"""The warehouse file: one writer at a time, readers never blocked, atomic publish.

DuckDB lets one process open a database file for writing, and not while any
other process holds it, even read-only. Analysts keep ``warehouse.duckdb`` open
read-only for hours, so greenstat never writes the published file in place:

1. a writer takes an exclusive lock on ``.warehouse.lock`` (one writer at a time,
   across processes: CLI, Dagster runs, sensors);
2. it copies the published file into ``.build/`` and opens the copy;
3. on success it checkpoints, closes and ``os.replace``-s the copy over
   ``warehouse.duckdb``: an atomic rename on the same filesystem.

A reader that already had the file open keeps reading the old, complete
snapshot (its open file descriptor still points at it); a reader that connects
afterwards sees the new one. No reader ever sees a half-built table.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from greenstat.settings import Home
from warehouse.ddl import ensure_schema

LOCK_WAIT_NOTICE_SECONDS = 2.0


class WarehouseError(RuntimeError):
    """A one-line, user-facing warehouse problem."""


class Warehouse:
    def __init__(self, home: Home) -> None:
        self.home = home
        self._after_publish: list[Callable[[duckdb.DuckDBPyConnection], None]] = []

    @property
    def path(self) -> Path:
        return self.home.warehouse

    @property
    def lock_path(self) -> Path:
        return self.home.root / ".warehouse.lock"

    def exists(self) -> bool:
        return self.path.exists()

    def connect_read(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published snapshot. In a data home that was
        copied or moved, whose lake views still name the old place's files, one empty
        write re-points them first (when the home is writable)."""
        if not self.path.exists():
            raise WarehouseError(
                f"no warehouse at {self.path}: run `greenstat run` (or `make demo`) first"
            )
        con = duckdb.connect(str(self.path), read_only=True)
        if _names_other_lake(con, self.home.lake):
            con.close()
            try:
                with self.write():
                    pass
            except (OSError, duckdb.Error):
                pass  # a read-only home: read it as it is
            con = duckdb.connect(str(self.path), read_only=True)
        return con

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        self.home.root.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                started = time.monotonic()
                fcntl.flock(fh, fcntl.LOCK_EX)
                waited = time.monotonic() - started
                if waited > LOCK_WAIT_NOTICE_SECONDS:
                    print(f"greenstat: waited {waited:.1f} s for another warehouse writer")
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def after_publish(self, action: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Run ``action`` with a read-only connection to the newly published file, still
        under the writer lock: for derived copies such as the Parquet lake, which must
        follow the warehouse and never run ahead of a write that fails."""
        self._after_publish.append(action)

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to a private copy, published atomically on success."""
        with self._writer_lock():
            self._after_publish = []
            self.home.build.mkdir(parents=True, exist_ok=True)
            for stale in self.home.build.glob("warehouse-*.duckdb*"):
                stale.unlink()  # left by a writer that crashed; we hold the lock
            build = self.home.build / f"warehouse-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb"
            if self.path.exists():
                wal = self.path.with_name(self.path.name + ".wal")
                if wal.exists():
                    raise WarehouseError(
                        f"{wal} exists: a process outside greenstat wrote to the warehouse; "
                        "close it (analysts open the file read-only) and retry"
                    )
                shutil.copyfile(self.path, build)
            con = duckdb.connect(str(build))
            try:
                ensure_schema(con, self.home.lake)
                _follow_the_home(con, self.home)
                yield con
                con.execute("CHECKPOINT")
            except BaseException:
                con.close()
                _remove(build)
                raise
            con.close()
            _fsync(build)
            os.replace(build, self.path)
            _fsync(self.path.parent)
            _remove(build)  # only the .wal of the build, if DuckDB left one
            actions, self._after_publish = self._after_publish, []
            if actions:
                with duckdb.connect(str(self.path), read_only=True) as published:
                    for action in actions:
                        action(published)


def _names_other_lake(con: duckdb.DuckDBPyConnection, lake: Path) -> bool:
    from warehouse.lake import views_naming_another_lake  # lake -> store

    return bool(views_naming_another_lake(con, lake))


def _follow_the_home(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    """After a data home was copied or moved: the lake views and raw.files name files by
    absolute path, so point them at the same files in this home."""
    from warehouse.lake import relocate_lake_views  # lake -> store

    relocate_lake_views(con, home.lake)
    archive = home.archive.resolve()
    moved = []
    for sha, path in con.execute("SELECT sha256, archive_path FROM raw.files").fetchall():
        here = archive / sha[:2] / sha / Path(path).name  # the archive's fixed layout
        if not Path(path).resolve().is_relative_to(archive) and here.exists():
            moved.append((str(here), sha))
    if moved:
        con.executemany("UPDATE raw.files SET archive_path = ? WHERE sha256 = ?", moved)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple | None:
    """The first row of a small query, or None. Fetches to the end: DuckDB 2.0 refuses
    further work on a connection while a result is only partly read."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None
