"""Where greenstat keeps its data: one data home, every path derived from it.

The data home is ``$GREENSTAT_HOME`` (default ``./data``). Nothing is ever
written to tracked folders, so a clone stays clean however often it runs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Home:
    """The data home and the fixed layout inside it."""

    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def dagster(self) -> Path:
        return self.root / "dagster"

    @property
    def build(self) -> Path:
        """Scratch space for warehouse files under construction (same filesystem as the
        warehouse, so publishing is an atomic rename)."""
        return self.root / ".build"

    @property
    def generated(self) -> Path:
        """Files greenstat writes to be ingested, such as the demo series."""
        return self.root / "generated"

    def ensure(self) -> Home:
        for path in (self.lake, self.archive, self.inbox, self.site, self.dagster, self.build):
            path.mkdir(parents=True, exist_ok=True)
        _install_dagster_yaml(self.dagster)
        return self


def home(root: str | os.PathLike[str] | None = None) -> Home:
    """The data home: an explicit path, else ``$GREENSTAT_HOME``, else ``./data``; inside
    the checkout ``./data`` means the checkout's own, from whichever folder you run."""
    chosen = root or os.environ.get("GREENSTAT_HOME")
    if chosen:
        return Home(Path(chosen).expanduser().resolve())
    cwd = Path.cwd().resolve()
    base = PROJECT_ROOT if cwd == PROJECT_ROOT or PROJECT_ROOT in cwd.parents else cwd
    return Home(base / "data")


def _install_dagster_yaml(dagster_home: Path) -> None:
    """Dagster reads its instance config from ``$DAGSTER_HOME/dagster.yaml``. The tracked
    ``dagster.yaml`` is the source; a copy inside the data home keeps Dagster's storage
    (runs, events, schedules, logs) there and out of the repository."""
    source = PROJECT_ROOT / "dagster.yaml"
    target = dagster_home / "dagster.yaml"
    if source.exists() and (not target.exists() or target.read_bytes() != source.read_bytes()):
        shutil.copyfile(source, target)


def configure_environment(h: Home) -> None:
    """Point Dagster at the data home before any Dagster instance is created."""
    os.environ["GREENSTAT_HOME"] = str(h.root)
    os.environ["DAGSTER_HOME"] = str(h.dagster)
