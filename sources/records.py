"""Sources staged as records into their own tables, not as observations.

Enterprise filings and designation lists are entities with many attributes, not
single figures: each row lands whole in its staging table or in quarantine. The
accounting is the same as for observations: rows in = staged + quarantined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sources.archive import ArchivedFile


@dataclass
class RecordsStaged:
    rows_in: int
    staged: int
    quarantined: int
    years: set[int]
    meta: dict[str, object] = field(default_factory=dict)  # raw.files columns


@dataclass(frozen=True)
class RecordSource:
    kind: str
    table: str  # the staging table its rows go to
    sniff: Callable[[Path, bytes], bool]  # cheap, never raises
    check: Callable[[Path], None]  # raises SourceFormatError when the file cannot be read
    stage: Callable[[duckdb.DuckDBPyConnection, ArchivedFile], RecordsStaged]
