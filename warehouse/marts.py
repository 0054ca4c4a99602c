"""Marts built from staging in SQL, one year partition at a time."""

from __future__ import annotations

import math
from collections.abc import Iterable

import duckdb

from warehouse.progress import Point, Target, evaluate

# One value per region, indicator and year: official beats derived beats demo,
# then the newest vintage, then the most recently staged file.
INDICATOR_VALUES_SQL = """
INSERT INTO marts.indicator_values BY NAME
SELECT region_code, indicator_code, year, value, unit, data_kind,
       source_id || ' (vintage ' || vintage || ')' AS source, vintage, provenance
FROM (
  SELECT o.*, row_number() OVER (
           PARTITION BY o.region_code, o.indicator_code, o.year
           ORDER BY CASE o.data_kind WHEN 'official' THEN 0 WHEN 'derived' THEN 1 ELSE 2 END,
                    o.vintage DESC, f.ingested_at DESC, o.provenance) AS rn
  FROM staging.observations o
  LEFT JOIN raw.files f ON f.sha256 = o.archive_sha256
  WHERE o.industry_code IS NULL AND o.source_sector IS NULL AND o.fuel IS NULL
    AND o.period = CAST(o.year AS VARCHAR)
    AND o.year = ?
    AND (CAST(? AS VARCHAR) IS NULL OR o.vintage <= ?)
) WHERE rn = 1
"""


def build_indicator_values(
    con: duckdb.DuckDBPyConnection, years: Iterable[int], as_of: str | None = None
) -> dict[int, int]:
    """Replace the given year partitions of marts.indicator_values; rows per year."""
    counts: dict[int, int] = {}
    for year in sorted(set(years)):
        con.execute("DELETE FROM marts.indicator_values WHERE year = ?", [year])
        con.execute(INDICATOR_VALUES_SQL, [year, as_of, as_of])
        row = con.execute(
            "SELECT count(*) FROM marts.indicator_values WHERE year = ?", [year]
        ).fetchone()
        counts[year] = int(row[0]) if row else 0
    return counts


def staged_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        r[0]
        for r in con.sql("SELECT DISTINCT year FROM staging.observations ORDER BY 1").fetchall()
    ]


def build_indicator_progress(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace marts.indicator_progress: one row per target in ref.policy_targets."""
    targets = con.execute(
        """SELECT t.target_id, t.region_code, t.indicator_code, t.measure, t.comparator,
                  t.target_value, t.target_unit, t.baseline_year, t.target_year,
                  coalesce(i.direction, 'higher'), t.related_indicator_code
           FROM ref.policy_targets t LEFT JOIN ref.indicators i USING (indicator_code)
           ORDER BY t.target_id"""
    ).fetchall()
    series: dict[tuple[str, str], list[Point]] = {}
    for region, indicator, year, value, kind in con.execute(
        "SELECT region_code, indicator_code, year, value, data_kind "
        "FROM marts.indicator_values ORDER BY year"
    ).fetchall():
        series.setdefault((region, indicator), []).append(Point(year, value, kind))
    rows = []
    for tid, region, ind, measure, comp, tv, unit, base, ty, direction, related in targets:
        target = Target(tid, measure, comp, tv, base, ty, direction)
        p = evaluate(
            target,
            series.get((region, ind), []),
            series.get((region, related), []) if related else (),
        )
        rows.append(
            (
                tid,
                region,
                ind,
                base,
                p.baseline_value,
                p.latest_year,
                p.latest_value,
                ty,
                tv,
                unit,
                _finite(p.progress_ratio),
                p.required_rate,
                p.observed_rate,
                p.expected_now,
                p.status,
                p.data_kind,
                p.note or None,
            )
        )
    con.execute("DELETE FROM marts.indicator_progress")
    if rows:
        con.executemany(
            "INSERT INTO marts.indicator_progress (target_id, region_code, indicator_code, "
            "baseline_year, baseline_value, latest_year, latest_value, target_year, "
            "target_value, target_unit, progress_ratio, required_annual_rate, "
            "observed_annual_rate, expected_value_now, status, data_kind, note) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[14]] = counts.get(r[14], 0) + 1
    return counts


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None
