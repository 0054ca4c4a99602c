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
    stage: Callable[..., RecordsStaged]  # (con, archived[, prepared])
    # Optional: the heavy read of a file that needs its bytes but not its hash, run while
    # the file is being archived (``greenstat ingest``); what it returns is handed to
    # ``stage`` as ``prepared``, which must still accept None (restaging from the archive).
    prepare: Callable[[duckdb.DuckDBPyConnection, Path, Path], Prepared | None] | None = None


class Prepared:
    """What a source's ``prepare`` read ahead; ``discard`` frees it when unused."""

    def discard(self) -> None:
        """Nothing to free by default."""
