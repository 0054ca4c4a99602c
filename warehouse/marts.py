"""Marts built from staging in SQL, one year partition at a time."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from quality.corrections import mark_corrected_values
from warehouse.derived import DerivedRow, Value, derive
from warehouse.enterprises import enterprise_indicator_sql
from warehouse.green_power import grid_indicator_sql
from warehouse.tables import DATA_KINDS

# official beats derived beats demo: the order of DATA_KINDS, in Python and in SQL.
KIND_RANK = {kind: rank for rank, kind in enumerate(DATA_KINDS)}
_KIND_RANK = (
    "CASE {c}data_kind " + " ".join(f"WHEN '{k}' THEN {r}" for k, r in KIND_RANK.items()) + " END"
)
# Vintages and as-of dates compare as full dates: a year-only vintage or date means
# 1 January, a month means its first day ('2025' is released by '2025-01-01').
_AS_OF = (
    "(CAST($as_of AS VARCHAR) IS NULL OR CASE length(o.vintage) WHEN 4 THEN o.vintage || "
    "'-01-01' WHEN 7 THEN o.vintage || '-01' ELSE o.vintage END <= $as_of)"
)


def full_date(as_of: str | None) -> str | None:
    """'2025' -> '2025-01-01', '2025-03' -> '2025-03-01'; a full date is kept."""
    if as_of is None:
        return None
    return as_of + {4: "-01-01", 7: "-01"}.get(len(as_of), "")


# One value per region, indicator and year: official beats derived beats demo, an exact
# figure beats a qualified one (约, 以上), then the newest vintage (as of a date, if
# given), then the most recently received file.
BEST_SQL = f"""
SELECT region_code, indicator_code, year, value, unit, data_kind,
       source_id || ' (vintage ' || vintage || ')' AS source, vintage, provenance,
       price_basis, qualifier
FROM (
  SELECT o.*, row_number() OVER (
           PARTITION BY o.region_code, o.indicator_code, o.year
           ORDER BY {_KIND_RANK.format(c="o.")}, o.qualifier IS NOT NULL, o.vintage DESC,
                    f.ingested_at DESC, o.provenance) AS rn
  FROM staging.observations o
  LEFT JOIN raw.files f ON f.sha256 = o.archive_sha256
  WHERE o.industry_code IS NULL AND o.source_sector IS NULL AND o.fuel IS NULL
    AND o.period = CAST(o.year AS VARCHAR)
    AND {_AS_OF}
) WHERE rn = 1
"""

# Sums over a source's sector rows (annual, or complete years of daily rows), from one
# release per region and year: industrial CO2 from the CEADs sectors in B + C + D (工业),
# and the Cui et al. total from its sectors. The release is chosen as BEST_SQL does.
ROLLUPS: dict[str, tuple[str, str, str]] = {  # target: (source, row filter, what is summed)
    "co2_emissions_industry": (
        "co2_emissions",
        "left(industry_code, 1) IN ('B', 'C', 'D')",
        "CEADs sectors in B + C + D (工业)",
    ),
    "co2_emissions_power_industry_transport": (
        "co2_emissions_power_industry_transport",
        "TRUE",
        "its sectors",
    ),
}
# Per sector, the sum over one release (annual rows, or the days of a year); `complete`
# is false for a sector whose daily rows do not cover the whole year.
SECTOR_SQL = f"""
WITH s AS (
  SELECT o.*, f.ingested_at, length(o.period) = 10 AS daily
  FROM staging.observations o LEFT JOIN raw.files f ON f.sha256 = o.archive_sha256
  WHERE o.indicator_code = $source AND o.fuel IS NULL AND o.source_sector IS NOT NULL
    AND (o.period = CAST(o.year AS VARCHAR) OR length(o.period) = 10)
    AND {_AS_OF}
), releases AS (
  SELECT region_code, year, archive_sha256, vintage, row_number() OVER (
           PARTITION BY region_code, year
           ORDER BY min({_KIND_RANK.format(c="")}), vintage DESC, max(ingested_at) DESC,
                    archive_sha256) AS rn
  FROM s GROUP BY region_code, year, archive_sha256, vintage
)
SELECT s.region_code, s.year, s.source_sector, sum(s.value) AS value,
       NOT bool_or(s.daily) OR count(DISTINCT s.period) = 365 + CASE
         WHEN (s.year % 4 = 0 AND s.year % 100 <> 0) OR s.year % 400 = 0 THEN 1 ELSE 0
       END AS complete,
       max({_KIND_RANK.format(c="s.")}) AS kind_rank,
       list(s.provenance ORDER BY s.period) AS inputs, max(s.vintage) AS vintage
FROM s JOIN releases r USING (region_code, year, archive_sha256, vintage)
WHERE r.rn = 1 AND ({{filter}})
GROUP BY s.region_code, s.year, s.source_sector
"""
ROLLUP_SQL = f"""
SELECT region_code, year, sum(value) AS value, max(kind_rank) AS kind_rank,
       flatten(list(inputs ORDER BY source_sector)) AS inputs, max(vintage) AS vintage
FROM ({SECTOR_SQL})
GROUP BY region_code, year
HAVING bool_and(complete)
"""

# Where CEADs (official sector rows) and the Cui et al. dataset cover the same region and
# year: the totals, and each Cui sector against the CEADs sectors in its scope.
RECONCILIATION_NOTES = {
    "total": "CEADs: every sector and household, fuel combustion and cement process (scope "
    "1); Cui et al.: power, industry and ground transport only (no households, services, "
    "agriculture, construction, aviation or shipping): the gap is mostly scope",
    "power": "CEADs: production and supply of electric power, steam and hot water (D44); "
    "Cui et al.: power generation",
    "industry": "CEADs: mining, manufacturing, gas and water supply (B, C, D45, D46) incl. "
    "process emissions; Cui et al.: industry",
    "ground_transport": "CEADs: transport, storage and post (G), which also holds aviation, "
    "shipping and pipelines; Cui et al.: ground transport (road) only",
}
RECONCILIATION_SQL = f"""
INSERT INTO marts.co2_reconciliation BY NAME
WITH ceads AS (
  SELECT c.region_code, c.year, m.cui_sector AS scope, sum(c.value) AS v
  FROM ({SECTOR_SQL.replace("$source", "'co2_emissions'").format(filter="TRUE")}) c
  JOIN ref.ceads_sectors m ON m.name_en = c.source_sector
  WHERE c.complete AND c.kind_rank = 0 AND m.cui_sector <> 'none'
  GROUP BY ALL
), cui AS (
  SELECT region_code, year, source_sector AS scope, value AS v
  FROM ({
    SECTOR_SQL.replace("$source", "'co2_emissions_power_industry_transport'").format(filter="TRUE")
})
  WHERE complete
), pairs AS (
  SELECT t.region_code, t.year, 'total' AS scope, t.value AS ceads_t, u.v AS cui_t
  FROM _best t
  JOIN (SELECT region_code, year, sum(v) AS v FROM cui GROUP BY ALL) u USING (region_code, year)
  WHERE t.indicator_code = 'co2_emissions' AND t.data_kind = 'official'
  UNION ALL
  SELECT region_code, year, scope, c.v, u.v FROM ceads c JOIN cui u USING (region_code, year, scope)
)
SELECT p.*, ceads_t - cui_t AS gap_t,
       CASE WHEN ceads_t <> 0 THEN (ceads_t - cui_t) / ceads_t * 100 END AS gap_pct,
       n.note
FROM pairs p JOIN (SELECT unnest($scopes) AS scope, unnest($notes) AS note) n USING (scope)
"""


def build_co2_reconciliation(con: duckdb.DuckDBPyConnection, as_of: str | None = None) -> int:
    """Replace marts.co2_reconciliation (needs the temp table _best of the same build)."""
    con.execute("DELETE FROM marts.co2_reconciliation")
    con.execute(
        RECONCILIATION_SQL,
        {
            "as_of": as_of,
            "scopes": list(RECONCILIATION_NOTES),
            "notes": list(RECONCILIATION_NOTES.values()),
        },
    )
    ((n,),) = con.execute("SELECT count(*) FROM marts.co2_reconciliation").fetchall()
    return int(n)


_DERIVED_SOURCE = "greenstat derived (vintage {vintage})"


def _panel(
    con: duckdb.DuckDBPyConnection, as_of: str | None
) -> tuple[dict[tuple[str, str], dict[int, Value]], list[DerivedRow]]:
    """Best published values of every year, plus the sector roll-ups and the enterprise
    counts and sums (warehouse.enterprises) where no value of the same or a better kind
    is published; those computed values are returned as rows too."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _best AS {BEST_SQL}", {"as_of": as_of})
    panel: dict[tuple[str, str], dict[int, Value]] = {}
    for region, ind, year, value, kind, prov, vintage in con.execute(
        "SELECT region_code, indicator_code, year, value, data_kind, provenance, vintage "
        "FROM _best WHERE qualifier IS NULL"  # a rounding or a bound is no input to a formula
    ).fetchall():
        panel.setdefault((region, ind), {})[year] = Value(value, kind, (prov,), vintage)
    rolled: list[DerivedRow] = []
    units = dict(con.execute("SELECT indicator_code, unit FROM ref.indicators").fetchall())
    for target, (source, where, what) in ROLLUPS.items():
        for region, year, value, rank, inputs, vintage in con.execute(
            ROLLUP_SQL.format(filter=where), {"source": source, "as_of": as_of}
        ).fetchall():
            series = panel.setdefault((region, target), {})
            kind = "demo" if rank == KIND_RANK["demo"] else "derived"
            if year in series and KIND_RANK[series[year].data_kind] <= KIND_RANK[kind]:
                continue  # a published total wins over the sum of its parts
            series[year] = Value(value, kind, tuple(inputs), vintage)
            rolled.append(
                DerivedRow(
                    region,
                    target,
                    year,
                    value,
                    units.get(target, ""),
                    kind,
                    f"sum of {source} over {what}, one release",
                    tuple(inputs),
                    vintage,
                )
            )
    computed = con.execute(enterprise_indicator_sql(), {"as_of": as_of}).fetchall()
    computed += con.execute(grid_indicator_sql()).fetchall()
    for region, ind, year, value, kind, inputs, vintage, method in computed:
        series = panel.setdefault((region, ind), {})
        if year in series and KIND_RANK[series[year].data_kind] <= KIND_RANK[kind]:
            continue  # a published count (a plan's stated baseline) wins over the lists
        series[year] = Value(value, kind, tuple(inputs), vintage)
        rolled.append(
            DerivedRow(
                region, ind, year, value, units.get(ind, ""), kind, method, tuple(inputs), vintage
            )
        )
    return panel, rolled


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection, as_of: str | None = None
) -> list[DerivedRow]:
    """Fill the temp table _best (published values) and return the derived rows that no
    published value of the same or a better kind pre-empts: official beats derived beats
    demo, so a sum of official sector figures replaces a demo total."""
    panel, rolled = _panel(con, full_date(as_of))
    derived = []
    for d in derive(panel):
        held = panel.get((d.region_code, d.indicator_code), {}).get(d.year)
        if held is None or KIND_RANK[d.data_kind] < KIND_RANK[held.data_kind]:
            derived.append(d)
    return rolled + derived


def build_indicator_values(
    con: duckdb.DuckDBPyConnection, years: Iterable[int], as_of: str | None = None
) -> dict[int, int]:
    """Replace the given year partitions of marts.indicator_values; rows per year.

    Derived values are computed from every year's inputs (a chained volume index needs
    the years between), but only the given years are written."""
    import pyarrow as pa  # lazily: not needed to ingest metering

    ys, as_of = sorted(set(years)), full_date(as_of)
    wanted = set(ys)
    derived = [d for d in compute_indicator_values(con, as_of) if d.year in wanted]
    rows = pa.table(
        {
            "region_code": [d.region_code for d in derived],
            "indicator_code": [d.indicator_code for d in derived],
            "year": pa.array([d.year for d in derived], pa.int32()),
            "value": pa.array([d.value for d in derived], pa.float64()),
            "unit": [d.unit for d in derived],
            "data_kind": [d.data_kind for d in derived],
            "source": [_DERIVED_SOURCE.format(vintage=d.vintage) for d in derived],
            "vintage": [d.vintage for d in derived],
            "provenance": [f"derived:{d.indicator_code}" for d in derived],
            "method": [d.method for d in derived],
            "price_basis": [d.price_basis for d in derived],
            "inputs": pa.array([list(d.inputs) for d in derived], pa.list_(pa.string())),
        }
    )
    counts: dict[int, int] = {}
    con.register("_derived", rows)
    try:
        for year in ys:
            con.execute("DELETE FROM marts.indicator_values WHERE year = ?", [year])
            con.execute(
                "INSERT INTO marts.indicator_values BY NAME SELECT * FROM _best b "
                "WHERE year = ? AND NOT EXISTS (SELECT 1 FROM _derived d WHERE "
                "d.region_code = b.region_code AND d.indicator_code = b.indicator_code "
                "AND d.year = b.year)",
                [year],
            )
            con.execute(
                "INSERT INTO marts.indicator_values BY NAME SELECT * FROM _derived WHERE year = ?",
                [year],
            )
            ((n,),) = con.execute(
                "SELECT count(*) FROM marts.indicator_values WHERE year = ?", [year]
            ).fetchall()
            counts[year] = int(n)
    finally:
        con.unregister("_derived")
    mark_corrected_values(con, ys)  # a corrected figure is never shown as published
    build_co2_reconciliation(con, as_of)
    return counts


REVISIONS_SQL = """
INSERT INTO marts.revisions BY NAME
WITH per_vintage AS (
  SELECT o.*, row_number() OVER (
           PARTITION BY o.region_code, o.indicator_code, o.industry_code, o.source_sector,
                        o.fuel, o.period, o.data_kind, o.vintage
           ORDER BY f.ingested_at DESC, o.provenance) AS rn
  FROM staging.observations o LEFT JOIN raw.files f ON f.sha256 = o.archive_sha256
  WHERE list_contains($years, o.year)
), seq AS (
  SELECT *, lag(value) OVER w AS previous_value, lag(vintage) OVER w AS previous_vintage,
         lag(provenance) OVER w AS previous_provenance
  FROM per_vintage WHERE rn = 1
  WINDOW w AS (PARTITION BY region_code, indicator_code, industry_code, source_sector, fuel,
                            period, data_kind ORDER BY vintage)
)
SELECT region_code, indicator_code, industry_code, source_sector, fuel, period, year, unit,
       data_kind, previous_vintage, previous_value, vintage, value,
       value - previous_value AS change,
       CASE WHEN previous_value <> 0 THEN (value - previous_value) / abs(previous_value) * 100
       END AS change_pct,
       previous_provenance, provenance
FROM seq
WHERE previous_vintage IS NOT NULL AND value <> previous_value
"""


def build_revisions(con: duckdb.DuckDBPyConnection, years: Iterable[int]) -> int:
    """Replace the given years of marts.revisions: every figure whose value changed from
    one vintage to the next (staging keeps every vintage; nothing is overwritten)."""
    ys = sorted(set(years))
    con.execute("DELETE FROM marts.revisions WHERE list_contains($years, year)", {"years": ys})
    con.execute(REVISIONS_SQL, {"years": ys})
    ((n,),) = con.execute(
        "SELECT count(*) FROM marts.revisions WHERE list_contains($years, year)", {"years": ys}
    ).fetchall()
    return int(n)


def staged_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        r[0]
        for r in con.sql("SELECT DISTINCT year FROM staging.observations ORDER BY 1").fetchall()
    ]
