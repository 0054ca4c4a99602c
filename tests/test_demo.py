"""`greenstat run` on the embedded default data: the warehouse `make demo` builds."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import greenstat

pytestmark = pytest.mark.slow


def _q(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_focus_regions_have_official_values(demo_home_built: Path) -> None:
    rows = _q(
        demo_home_built,
        """
        SELECT region_code, indicator_code, min(year), max(year), count(*),
               list(DISTINCT data_kind)
        FROM marts.indicator_values WHERE region_code IN ('CN-BJ', 'CN-CQ')
        GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    got = {(r[0], r[1]): r for r in rows}
    for region in ("CN-BJ", "CN-CQ"):
        for ind in ("gdp", "population_year_end"):
            _, _, lo, hi, n, kinds = got[(region, ind)]
            assert lo <= 2015 and hi == 2024 and n >= 10, got[(region, ind)]
            assert kinds == ["official"]


def test_newest_vintage_wins_and_old_ones_are_kept(demo_home_built: Path) -> None:
    mart = _q(
        demo_home_built,
        "SELECT value, vintage FROM marts.indicator_values WHERE "
        "region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2017",
    )
    assert mart == [(pytest.approx(3.13259e12), "2025")]
    staged = _q(
        demo_home_built,
        "SELECT DISTINCT value_as_written, vintage FROM "
        "staging.observations WHERE region_code = 'CN-BJ' AND indicator_code = 'gdp' "
        "AND year = 2017 ORDER BY vintage",
    )
    assert ("28014.94", "2018") in staged and ("31325.9", "2025") in staged
    assert _q(
        demo_home_built,
        "SELECT count(*) FROM staging.observations WHERE citation IS NULL OR citation = ''",
    ) == [(0,)]


def test_gdp_2024_beijing_in_yuan(demo_home_built: Path) -> None:
    rows = _q(
        demo_home_built,
        "SELECT value, unit FROM marts.indicator_values WHERE "
        "region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2024",
    )
    assert rows == [(pytest.approx(4.96702e12), "yuan")]


def test_lake_matches_the_mart(demo_home_built: Path) -> None:
    part = demo_home_built / "lake" / "marts" / "indicator_values" / "year=2024" / "data.parquet"
    assert part.exists()
    with duckdb.connect() as con:
        lake = con.execute(
            f"SELECT region_code, indicator_code, value FROM read_parquet('{part}') ORDER BY ALL"
        ).fetchall()
    mart = _q(
        demo_home_built,
        "SELECT region_code, indicator_code, value FROM "
        "marts.indicator_values WHERE year = 2024 ORDER BY ALL",
    )
    assert lake == mart and lake


def test_checks_recorded_and_passing(demo_home_built: Path) -> None:
    rows = _q(
        demo_home_built, "SELECT count(*), count(*) FILTER (NOT passed) FROM quality.check_results"
    )
    assert rows[0][0] > 10 and rows[0][1] == 0


def test_site_is_offline_and_labels_data_kinds(demo_home_built: Path) -> None:
    index = demo_home_built / "site" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "北京市" in html and "重庆市" in html and "official" in html
    for page in (demo_home_built / "site").rglob("*"):
        if page.suffix in (".html", ".js", ".css"):
            text = page.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, page


def test_rerun_is_idempotent(demo_home: Path) -> None:
    sql = (
        "SELECT (SELECT count(*) FROM staging.observations), "
        "(SELECT count(*) FROM marts.indicator_values), (SELECT count(*) FROM raw.files)"
    )
    before = _q(demo_home, sql)
    result = greenstat("run", home=demo_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _q(demo_home, sql) == before


def test_progress_formats(demo_home_built: Path) -> None:
    as_json = greenstat("progress", "--format", "json", home=demo_home_built)
    assert as_json.returncode == 0 and isinstance(json.loads(as_json.stdout), list)
    as_csv = greenstat("progress", "--region", "CN-BJ", "--format", "csv", home=demo_home_built)
    assert as_csv.stdout.splitlines()[0].startswith("target_id,region_code,indicator_code")


def test_dagster_storage_stays_in_the_data_home(demo_home_built: Path) -> None:
    assert (demo_home_built / "dagster" / "dagster.yaml").exists()
    assert any((demo_home_built / "dagster").rglob("*.db"))
