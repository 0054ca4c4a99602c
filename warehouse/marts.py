"""Marts built from staging in SQL, one year partition at a time."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

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
  WHERE o.industry_code IS NULL
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
