"""marts.green_power and the grid indicators: electricity use from hourly load, wind and
solar capacity, green power imported from trades.

Each figure keeps its own data_kind. Where real (official) rows and generated (demo) rows
cover the same region and year, the real ones are used and the demo ones ignored: the
embedded demo never mixes into a real figure. A sum of official rows is ``derived``; a
sum touching demo rows is ``demo``.
"""

from __future__ import annotations

import duckdb

# Per region, year and month (NULL month: the year), from the kind of rows that wins.
_LOAD_SQL = """
WITH kept AS (  -- official rows win over demo rows for a region and year
  SELECT l.region_code, l.year, l.month, l.load_kw, l.data_kind, l.archive_sha256,
         f.ingested_at
  FROM staging.grid_load_hourly l JOIN raw.files f ON f.sha256 = l.archive_sha256
  QUALIFY l.data_kind = CASE WHEN bool_or(l.data_kind = 'official')
                                  OVER (PARTITION BY l.region_code, l.year)
                             THEN 'official' ELSE 'demo' END
)
SELECT region_code, year, month, sum(load_kw) AS kwh, count(*) AS hours,
       CASE WHEN bool_or(data_kind = 'demo') THEN 'demo' ELSE 'derived' END AS data_kind,
       list(DISTINCT 'sha256:' || archive_sha256) AS inputs,
       max(ingested_at)::DATE::VARCHAR AS vintage
FROM kept GROUP BY GROUPING SETS ((region_code, year, month), (region_code, year))
"""
# Hours in the year or month: only complete periods are summed into electricity use.
_HOURS_IN = """CASE WHEN month IS NULL
  THEN (date_diff('day', make_date(year, 1, 1), make_date(year + 1, 1, 1)) * 24)
  ELSE date_diff('day', make_date(year, month, 1),
                 make_date(year, month, 1) + INTERVAL 1 MONTH) * 24
END"""

_IMPORTED_SQL = """
WITH kept AS (
  SELECT t.buyer_region AS region_code, t.year, month(t.month) AS month, t.energy_kwh,
         t.data_kind, t.archive_sha256, f.ingested_at
  FROM staging.green_power_trades t JOIN raw.files f ON f.sha256 = t.archive_sha256
  WHERE t.seller_region <> t.buyer_region
  QUALIFY t.data_kind = CASE WHEN bool_or(t.data_kind = 'official')
                                  OVER (PARTITION BY t.buyer_region, t.year)
                             THEN 'official' ELSE 'demo' END
)
SELECT region_code, year, month, sum(energy_kwh) AS kwh,
       CASE WHEN bool_or(data_kind = 'demo') THEN 'demo' ELSE 'derived' END AS data_kind,
       list(DISTINCT 'sha256:' || archive_sha256) AS inputs,
       max(ingested_at)::DATE::VARCHAR AS vintage
FROM kept GROUP BY GROUPING SETS ((region_code, year, month), (region_code, year))
"""

# Capacity at the end of the year: one source per region, year and technology, the most
# certain kind first (official, then derived, then demo).
_CAPACITY_SQL = """
SELECT region_code, year, technology, capacity_kw, data_kind, source,
       regexp_extract(provenance, '^(sha256:[0-9a-f]+)', 1) AS input
FROM staging.renewable_capacity
WHERE basis = 'stock' AND technology IN ('wind', 'solar')
  AND period = year::VARCHAR  -- year-end stocks only (not a mid-year briefing)
QUALIFY row_number() OVER (
  PARTITION BY region_code, year, technology
  ORDER BY CASE data_kind WHEN 'official' THEN 0 WHEN 'derived' THEN 1 ELSE 2 END, source
) = 1
"""


def build_green_power(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild marts.green_power from staging (a few thousand rows: always whole)."""
    con.execute("DELETE FROM marts.green_power")
    con.execute(
        f"""INSERT INTO marts.green_power BY NAME
        SELECT region_code, year, month, 'electricity_kwh' AS measure, kwh AS value,
               'kWh' AS unit, data_kind,
               'staging.grid_load_hourly: sum of ' || hours || ' hourly loads' AS source
        FROM ({_LOAD_SQL}) WHERE hours = {_HOURS_IN}
        UNION ALL
        SELECT region_code, year, month, 'green_power_imported_kwh', kwh, 'kWh', data_kind,
               'staging.green_power_trades: purchases from other regions'
        FROM ({_IMPORTED_SQL})
        UNION ALL
        SELECT region_code, year, NULL, technology || '_kw', capacity_kw, 'kW', data_kind,
               'staging.renewable_capacity: ' || source
        FROM ({_CAPACITY_SQL})"""
    )
    ((n,),) = con.execute("SELECT count(*) FROM marts.green_power").fetchall()
    return int(n)


def grid_indicator_sql() -> str:
    """Rows (region_code, indicator_code, year, value, data_kind, inputs, vintage, method)
    for the indicators the grid tables give, annual figures only."""
    return f"""
    SELECT region_code, 'electricity_consumption', year, kwh, data_kind, inputs,
           vintage, 'sum of the hourly load of the whole year'
    FROM ({_LOAD_SQL}) WHERE month IS NULL AND hours = {_HOURS_IN}
    UNION ALL
    SELECT region_code, 'green_power_imported', year, kwh, data_kind, inputs, vintage,
           'sum of green power bought from other regions (staging.green_power_trades)'
    FROM ({_IMPORTED_SQL}) WHERE month IS NULL
    UNION ALL
    SELECT region_code, technology || '_capacity', year, capacity_kw, data_kind,
           [input], (SELECT max(ingested_at)::DATE::VARCHAR FROM raw.files
                     WHERE 'sha256:' || sha256 = input),
           'capacity at the end of the year, ' || source
    FROM ({_CAPACITY_SQL}) WHERE data_kind <> 'official' AND input <> ''
    """
