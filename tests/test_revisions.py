"""Vintages: a re-release adds a vintage, the revisions mart lists what changed, and the
marts can be rebuilt as they stood on a date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import greenstat, query
from warehouse.as_of import marts_as_of

BJ_2017 = (
    "SELECT previous_vintage, previous_value, vintage, value, change, round(change_pct, 2), "
    "previous_provenance <> provenance FROM marts.revisions "
    "WHERE region_code = 'CN-BJ' AND indicator_code = 'gdp' AND period = '2017'"
)


@pytest.fixture(scope="module")
def two_releases(nbs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("rev") / "home"
    old = nbs_dir / "Tobby-star" / "分省年度数据.csv"
    revised = nbs_dir / "RenJiyi163_gbk" / "分省年度数据.csv"
    result = greenstat("ingest", str(old), str(revised), home=home)
    assert result.returncode == 0, result.stderr
    return home


def test_the_census_revision_shows_both_values(two_releases: Path) -> None:
    ((prev_v, prev, vintage, value, change, pct, two_cells),) = query(two_releases, BJ_2017)
    assert (prev_v, vintage) == ("2018", "2025")
    assert prev == pytest.approx(2.801494e12) and value == pytest.approx(3.13259e12)
    assert change == pytest.approx(value - prev)
    assert pct == pytest.approx(11.82, abs=0.01)
    assert two_cells


def test_unrevised_figures_are_not_listed(two_releases: Path) -> None:
    # Every listed revision really changed; years only one release covers never appear.
    rows = query(two_releases, "SELECT count(*), count(*) FILTER (WHERE value = previous_value), "
                 "min(year), max(year) FROM marts.revisions")  # fmt: skip
    n, unchanged, first, last = rows[0]
    assert n > 0 and unchanged == 0
    assert first >= 2006 and last <= 2017  # the releases overlap on 2006-2017


def test_marts_as_of_a_date_use_the_vintage_then_known(two_releases: Path) -> None:
    sql = (
        "SELECT value, vintage FROM marts.indicator_values "
        "WHERE region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2017"
    )
    with marts_as_of(two_releases / "warehouse.duckdb", "2019-06-30") as con:
        assert con.execute(sql).fetchall() == [(pytest.approx(2.801494e12), "2018")]
        assert con.execute(
            "SELECT count(*) FROM marts.indicator_values WHERE year = 2024"
        ).fetchall() == [(0,)]
    with marts_as_of(two_releases / "warehouse.duckdb", "2026-01-01") as con:
        assert con.execute(sql).fetchall() == [(pytest.approx(3.13259e12), "2025")]
    # A year-only vintage counts from 1 January: '2025' is known as of '2025'.
    with marts_as_of(two_releases / "warehouse.duckdb", "2025") as con:
        assert con.execute(sql).fetchall() == [(pytest.approx(3.13259e12), "2025")]
    with marts_as_of(two_releases / "warehouse.duckdb", "2024-12-31") as con:
        assert con.execute(sql).fetchall() == [(pytest.approx(2.801494e12), "2018")]
    # The published marts are untouched: newest vintage.
    assert query(two_releases, sql) == [(pytest.approx(3.13259e12), "2025")]


def test_marts_as_of_keep_the_co2_reconciliation(demo_home_built: Path) -> None:
    """The in-memory copy holds every reference table the marts need (ref.ceads_sectors
    included), so the reconciliation is rebuilt, not silently emptied."""
    sql = "SELECT count(*) FROM marts.co2_reconciliation WHERE region_code = 'CN-BJ'"
    with marts_as_of(demo_home_built / "warehouse.duckdb", "2026-12-31") as con:
        assert con.execute(sql).fetchall() == query(demo_home_built, sql) != [(0,)]


def test_progress_as_of_on_the_demo(demo_home_built: Path) -> None:
    now = greenstat("progress", "--format", "json", home=demo_home_built)
    past = greenstat("progress", "--format", "json", "--as-of", "2020-01-01", home=demo_home_built)
    assert now.returncode == 0 and past.returncode == 0, past.stderr
    latest = {r["target_id"]: r["latest_year"] for r in json.loads(now.stdout)}
    before = {r["target_id"]: r["latest_year"] for r in json.loads(past.stdout)}
    assert latest.keys() == before.keys()
    # Demo vintages postdate 2020, so by then only the official figures were known.
    assert any(latest[t] is not None and before[t] is None for t in latest)
    bad = greenstat("progress", "--as-of", "last week", home=demo_home_built)
    assert bad.returncode != 0 and "as-of" in bad.stderr
