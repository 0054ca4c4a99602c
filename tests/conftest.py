"""Shared fixtures. Tests that read ../shared/data skip with a reason when it is
absent, unless GREENSTAT_REQUIRE_SHARED_DATA=1 (set by .ci/run), where they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from greenstat.settings import SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        if os.environ.get("GREENSTAT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{SHARED_DATA} is missing and GREENSTAT_REQUIRE_SHARED_DATA=1")
        pytest.skip(f"real public data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def nbs_dir(shared_data: Path) -> Path:
    return shared_data / "nbs_easyquery"


def greenstat(*args: str, home: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run the installed `greenstat` command against a data home, as a user would."""
    exe = Path(sys.executable).with_name("greenstat")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["GREENSTAT_HOME"] = str(home)
    return subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="session")
def demo_home_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home after `greenstat run` on the embedded default data (built once)."""
    root = tmp_path_factory.mktemp("demo") / "home"
    result = greenstat("run", home=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def demo_home(demo_home_built: Path, tmp_path: Path) -> Path:
    """A private copy of the demo home, free to change."""
    copy = tmp_path / "home"
    shutil.copytree(demo_home_built, copy, ignore=shutil.ignore_patterns(".warehouse.lock"))
    return copy


def decode_text(raw: bytes) -> str:
    """NBS exports come as UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("neither UTF-8 nor GB18030")


def query(home: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    """Read the published warehouse of a data home the way an analyst does: read-only."""
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty in-memory warehouse with the reference tables loaded."""
    from warehouse.ddl import ensure_schema
    from warehouse.ref import load_reference

    c = duckdb.connect()
    ensure_schema(c)
    load_reference(c)
    yield c
    c.close()
