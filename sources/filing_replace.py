"""Replacing a staged filing file with a revised one (``greenstat ingest NEW --replaces
OLD``).

A filing is staged once per enterprise and year, and a later file giving the same
enterprise-year is quarantined as a second filing: that is how a duplicate submission is
caught. An enterprise that corrects its report sends a revised file, which must take the
old one's place instead. Nothing is deleted: the old file stays in the archive and in
``raw.files`` (its notes say what replaced it), and its staged rows move to
``quality.quarantine`` with the reason, so rows in = staged + quarantined still holds
for both files. The old lake file is hidden before the new file is staged and removed
once the warehouse is published; if the write fails it is put back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.enterprise_filing import KIND
from sources.errors import SourceFormatError
from warehouse.ddl import lake_stored_columns
from warehouse.lake import publish_lake_view, table_dir
from warehouse.tables import ENTERPRISE_FILINGS

SHA_PREFIX_MIN = 8


@dataclass(frozen=True)
class Withdrawn:
    sha256: str
    name: str
    rows: int
    years: set[int]
    hidden: Path | None  # the old lake file under a name no view reads, until published
    restore_to: Path

    def restore(self) -> None:
        """Put the old lake file back (the write that withdrew it failed)."""
        if self.hidden is not None and self.hidden.exists():
            os.replace(self.hidden, self.restore_to)

    def discard(self) -> None:
        if self.hidden is not None:
            self.hidden.unlink(missing_ok=True)


def find_staged_filing(con: duckdb.DuckDBPyConnection, which: str) -> tuple[str, str]:
    """(sha256, original name) of the staged filing file named by ``which``: its name as
    received, or at least SHA_PREFIX_MIN characters of its sha256."""
    key = which.strip()
    by_sha = len(key) >= SHA_PREFIX_MIN and all(ch in "0123456789abcdef" for ch in key.lower())
    rows = con.execute(
        "SELECT sha256, original_name, kind FROM raw.files WHERE original_name = ? "
        "OR (? AND starts_with(sha256, lower(?))) ORDER BY ingested_at",
        [key, by_sha, key],
    ).fetchall()
    if not rows:
        raise SourceFormatError(f"--replaces {which}: no file of that name or sha256 received")
    if len(rows) > 1:
        listed = ", ".join(f"{name} ({sha[:12]})" for sha, name, _ in rows)
        raise SourceFormatError(
            f"--replaces {which}: {len(rows)} files match ({listed}); give the sha256"
        )
    ((sha, name, kind),) = rows
    if kind != KIND:
        raise SourceFormatError(
            f"--replaces {which}: {name} is a {kind} file; only enterprise filings are replaced "
            "(other sources keep each release as a vintage)"
        )
    return sha, name


def withdraw(
    con: duckdb.DuckDBPyConnection, lake: Path, sha: str, name: str, reason: str
) -> Withdrawn:
    """Move the staged rows of filing file ``sha`` to quality.quarantine with ``reason``,
    hide its lake file and point the view at the others; raw.files keeps the account."""
    live = table_dir(lake, ENTERPRISE_FILINGS) / f"{sha}.parquet"
    if not live.exists():
        return Withdrawn(sha, name, 0, set(), None, live)
    cols = ", ".join(f"'{c}': {c}" for c in lake_stored_columns(ENTERPRISE_FILINGS))
    now = datetime.now(UTC).replace(tzinfo=None)
    ((rows, years),) = con.execute(
        f"SELECT count(*), list(DISTINCT year) FROM read_parquet('{live}')"
    ).fetchall()
    con.execute(
        f"""INSERT INTO quality.quarantine BY NAME
            SELECT $sha AS archive_sha256, $name AS source_file, source_row,
                   NULL AS source_column, 1 AS cells, $reason AS reason,
                   to_json({{{cols}}})::VARCHAR AS raw_values, $now AS quarantined_at
            FROM read_parquet('{live}')""",
        {"sha": sha, "name": name, "reason": reason, "now": now},
    )
    con.execute(
        """UPDATE raw.files SET rows_loaded = rows_loaded - $n,
                  rows_quarantined = rows_quarantined + $n,
                  notes = list_append(coalesce(notes, []), $reason)
           WHERE sha256 = $sha""",
        {"n": rows, "sha": sha, "reason": reason},
    )
    hidden = live.with_name(f".withdrawn-{sha}-{os.getpid()}.parquet.tmp")
    os.replace(live, hidden)
    publish_lake_view(con, lake, ENTERPRISE_FILINGS)
    return Withdrawn(sha, name, int(rows), set(years or []), hidden, live)


def replace_with(
    con: duckdb.DuckDBPyConnection, lake: Path, which: str, new_name: str
) -> Withdrawn:
    """Withdraw the staged filing file ``which`` ahead of staging its revision."""
    sha, name = find_staged_filing(con, which)
    today = datetime.now(UTC).date().isoformat()
    reason = f"withdrawn: replaced by {new_name} on {today} (greenstat ingest --replaces)"
    return withdraw(con, lake, sha, name, reason)
