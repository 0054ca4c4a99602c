"""Enterprise-level facts made regional: the enterprise register, designation counts and
the indicators computed from annual filings.

A designation or filing counts for the region it lies in, for its province when that
region is a separately-planned city (or the XPCC), and for the nation, so Shenzhen's
factories are in Shenzhen's rows, in Guangdong's and in CN's.

Counts of list entries and sums of filings are computed, not published: they are
``derived`` (``demo`` when any row behind them is), and each carries as inputs the
archived files it was computed from, which a blocking check traces to staged rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Regions a national list can name: the nation, mainland provinces, separately-planned
# cities and the XPCC (MIIT lists do not cover Hong Kong, Macao or Taiwan).
LIST_REGIONS = """SELECT region_code FROM ref.regions
  WHERE coalesce(left(gb2260, 2), '') NOT IN ('71', '81', '82')"""

# Company names as listed and as filed differ in spacing and in full- or half-width
# brackets; nothing else is normalised (two names are the same enterprise only if equal).
NAME_KEY = "translate(regexp_replace({col}, '\\s+', '', 'g'), '（）', '()')"

ENTERPRISES_SQL = f"""
INSERT INTO staging.enterprises BY NAME
WITH filers AS (
  SELECT credit_code, arg_max(enterprise_name, year) AS name_zh,
         arg_max(region_code, year) AS region_code, arg_max(province_code, year) AS province_code,
         arg_max(gb2260, year) AS gb2260, arg_max(industry_code, year) AS industry_code,
         min(year) AS first_filing_year, max(year) AS last_filing_year,
         CASE WHEN bool_or(data_kind = 'demo') THEN 'demo' ELSE 'official' END AS data_kind,
         {NAME_KEY.format(col="arg_max(enterprise_name, year)")} AS name_key
  FROM staging.enterprise_filings GROUP BY credit_code
), listed AS (
  SELECT enterprise_id, arg_max(entity_name, year) AS name_zh,
         CASE WHEN enterprise_id LIKE 'park:%' THEN 'park' ELSE 'enterprise' END AS kind,
         arg_max(region_code, year) AS region_code, arg_max(province_code, year) AS province_code,
         arg_max(industry_code, year) FILTER (WHERE industry_code IS NOT NULL) AS industry_code,
         list(DISTINCT designation ORDER BY designation) AS designations,
         CASE WHEN bool_or(data_kind = 'demo') THEN 'demo' ELSE 'official' END AS data_kind,
         substr(enterprise_id, strpos(enterprise_id, ':') + 1) AS name_key
  FROM staging.enterprise_designations GROUP BY enterprise_id
), unique_names AS (  -- a name filed under two credit codes identifies neither
  SELECT name_key, any_value(credit_code) AS credit_code FROM filers
  GROUP BY name_key HAVING count(*) = 1
), links AS (
  SELECT l.enterprise_id AS listed_id, u.credit_code
  FROM listed l JOIN unique_names u ON u.name_key = l.name_key WHERE l.kind = 'enterprise'
)
SELECT f.credit_code AS enterprise_id, f.credit_code, f.name_zh, 'enterprise' AS kind,
       f.region_code, f.province_code, f.gb2260, coalesce(f.industry_code, l.industry_code)
         AS industry_code,
       l.designations, k.listed_id, f.first_filing_year, f.last_filing_year,
       CASE WHEN 'demo' IN (f.data_kind, l.data_kind) THEN 'demo' ELSE 'official' END
         AS data_kind
FROM filers f LEFT JOIN links k USING (credit_code)
LEFT JOIN listed l ON l.enterprise_id = k.listed_id
UNION ALL
SELECT l.enterprise_id, NULL, l.name_zh, l.kind, l.region_code, l.province_code, NULL,
       l.industry_code, l.designations, l.enterprise_id, NULL, NULL, l.data_kind
FROM listed l ANTI JOIN links k ON k.listed_id = l.enterprise_id
"""


def build_enterprises(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild staging.enterprises from the staged filings and designations."""
    con.execute("DELETE FROM staging.enterprises")
    con.execute(ENTERPRISES_SQL)
    ((n,),) = con.execute("SELECT count(*) FROM staging.enterprises").fetchall()
    return int(n)


# Each staged row, once for every region it counts for.
_COUNTS_FOR = """
  SELECT region_code AS counted_in, * FROM {table}
  UNION ALL SELECT province_code, * FROM {table} WHERE province_code <> region_code
  UNION ALL SELECT 'CN', * FROM {table}
"""

GREEN_MANUFACTURING_SQL = f"""
INSERT INTO marts.green_manufacturing BY NAME
WITH d AS (
  SELECT * FROM staging.enterprise_designations
  WHERE $as_of IS NULL OR published_on <= $as_of::DATE
), c AS ({_COUNTS_FOR.format(table="d")}),
spans AS (SELECT designation, level, min(year) AS y0, max(year) AS y1 FROM d GROUP BY ALL),
grid AS (
  SELECT r.region_code, s.designation, s.level, y.year
  FROM ({LIST_REGIONS}) r CROSS JOIN spans s
  CROSS JOIN LATERAL (SELECT range::INTEGER AS year FROM range(s.y0, s.y1 + 1)) y
), new AS (
  SELECT counted_in AS region_code, designation, level, year, count(*) AS n,
         list(DISTINCT batch || ' (' || published_on || ')' ORDER BY batch || ' ('
              || published_on || ')') AS batches,
         bool_or(data_kind = 'demo') AS any_demo
  FROM c GROUP BY ALL
)
SELECT g.region_code, g.designation, g.level, g.year, coalesce(n.n, 0) AS new_count,
       sum(coalesce(n.n, 0)) OVER w AS cumulative_count, n.batches,
       CASE WHEN bool_or(coalesce(n.any_demo, false)) OVER w THEN 'demo' ELSE 'derived' END
         AS data_kind
FROM grid g LEFT JOIN new n USING (region_code, designation, level, year)
WINDOW w AS (PARTITION BY g.region_code, g.designation, g.level ORDER BY g.year)
"""


def build_green_manufacturing(con: duckdb.DuckDBPyConnection, as_of: str | None = None) -> int:
    """Rebuild the mart; ``as_of`` (a full ISO date) keeps the batches published by then."""
    con.execute("DELETE FROM marts.green_manufacturing")
    con.execute(GREEN_MANUFACTURING_SQL, {"as_of": as_of})
    ((n,),) = con.execute("SELECT count(*) FROM marts.green_manufacturing").fetchall()
    return int(n)


# Cumulative national-list counts are the indicators the targets use.
DESIGNATION_INDICATORS = {
    "factory": "green_factories_national",
    "park": "green_parks_national",
    "supply_chain": "green_supply_chain_national",
    "product": "green_design_products_national",
}

# A count is computed over whole lists: its inputs are the files holding the batches up
# to its year (a zero is as much a count of them as any other number).
_LIST_COUNTS_SQL = """
WITH d AS (
  SELECT * FROM staging.enterprise_designations
  WHERE level = 'national' AND ($as_of IS NULL OR published_on <= $as_of::DATE)
), files AS (
  SELECT designation, year, list(DISTINCT 'sha256:' || archive_sha256) AS files,
         max(published_on)::VARCHAR AS published
  FROM d GROUP BY ALL
), upto AS (
  SELECT a.designation, a.year, list_sort(list_distinct(flatten(list(b.files)))) AS inputs,
         max(b.published) AS vintage
  FROM files a JOIN files b ON b.designation = a.designation AND b.year <= a.year
  GROUP BY ALL
), m AS (SELECT * FROM (VALUES {pairs}) t(designation, indicator_code))
SELECT g.region_code, m.indicator_code, g.year, g.cumulative_count::DOUBLE AS value,
       g.data_kind, u.inputs, u.vintage,
       'count of entries on MIIT''s national ' || g.designation || ' lists designated up to '
         || g.year || ', the region''s separately-planned cities included' AS method
FROM marts.green_manufacturing g JOIN m USING (designation)
JOIN upto u ON u.designation = g.designation
  AND u.year = (SELECT max(year) FROM files f WHERE f.designation = g.designation
                AND f.year <= g.year)
WHERE g.level = 'national'
"""

_FILERS = f"""
WITH f AS (  -- a filing's vintage: the day its file was first received
  SELECT e.*, r.ingested_at::DATE::VARCHAR AS received
  FROM staging.enterprise_filings e JOIN raw.files r ON r.sha256 = e.archive_sha256
),
c AS ({_COUNTS_FOR.format(table="f")})
SELECT counted_in AS region_code, year,
       CASE WHEN bool_or(data_kind = 'demo') THEN 'demo' ELSE 'derived' END AS data_kind,
       list(DISTINCT 'sha256:' || archive_sha256 ORDER BY 'sha256:' || archive_sha256)
         AS inputs,
       max(received) AS vintage,
       count(*) AS filers,
       sum(energy_tce) AS energy_tce,
       100 * sum(reused_water_m3) FILTER (WHERE new_water_m3 IS NOT NULL)
         / nullif(sum(reused_water_m3 + new_water_m3), 0) AS water_reuse_rate,
       100 * count(*) FILTER (WHERE env_grade IN ('A', 'B'))
         / nullif(count(env_grade), 0) AS grade_ab_share,
       count(*) FILTER (WHERE env_grade = 'D') AS grade_d_count,
       100 * sum(green_electricity_kwh) FILTER (WHERE electricity_kwh IS NOT NULL)
         / nullif(sum(electricity_kwh) FILTER (WHERE green_electricity_kwh IS NOT NULL), 0)
         AS green_electricity_share
FROM c GROUP BY counted_in, year
"""


@dataclass(frozen=True)
class FilingIndicator:
    column: str  # of _FILERS
    method: str


FILING_INDICATORS = {
    "filers_count": FilingIndicator("filers", "number of enterprises filing for the year"),
    "filers_energy_consumption": FilingIndicator(
        "energy_tce", "sum of energy_tce over the enterprises filing for the year"
    ),
    "filers_water_reuse_rate": FilingIndicator(
        "water_reuse_rate",
        "100 x sum(reused_water_m3) / sum(reused_water_m3 + new_water_m3) over filings giving both",
    ),
    "filers_env_grade_ab_share": FilingIndicator(
        "grade_ab_share", "100 x filings graded A or B / filings with a grade"
    ),
    "filers_env_grade_d_count": FilingIndicator("grade_d_count", "filings graded D"),
    "filers_green_electricity_share": FilingIndicator(
        "green_electricity_share",
        "100 x sum(green_electricity_kwh) / sum(electricity_kwh) over filings giving both",
    ),
}


def enterprise_indicator_sql() -> str:
    """Rows (region_code, indicator_code, year, value, data_kind, inputs, vintage, method)
    for every indicator computed from designations and filings."""
    pairs = ", ".join(f"('{d}', '{i}')" for d, i in DESIGNATION_INDICATORS.items())
    filer_rows = " UNION ALL ".join(
        f"""SELECT region_code, '{code}', year, {spec.column}::DOUBLE, data_kind, inputs,
                   vintage, '{spec.method}'
            FROM filers WHERE {spec.column} IS NOT NULL"""
        for code, spec in FILING_INDICATORS.items()
    )
    return f"""
    WITH filers AS ({_FILERS})
    SELECT * FROM ({_LIST_COUNTS_SQL.format(pairs=pairs)})
    UNION ALL {filer_rows}
    """
