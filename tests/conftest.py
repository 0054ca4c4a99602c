"""Shared fixtures. Tests that read ../shared/data skip with a reason when it is
absent, unless GREENSTAT_REQUIRE_SHARED_DATA=1 (set by .ci/run), where they fail."""

from __future__ import annotations

import os
from pathlib import Path

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
