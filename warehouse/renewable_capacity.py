"""``staging.renewable_capacity``: installed capacity by region, year, technology and source.

Three sources, side by side and never blended (docs/renewable_capacity.md):

- ``gem_wind_tracker``: GEM wind farm phases rolled up to the stock operating at the
  end of each year, per province and for CN (the sum of the provinces). A phase counts
  from its start year through the year before its retired year (a phase started in 2015
  and retired in 2019 counts in 2015-2018: it was not operating at the end of 2019).
  Retired or mothballed phases without a retired year, and operating phases without a
  start year, cannot be placed and are left out (``quality.capacity_checks`` lists
  them). Years run to the one before the release (a May 2023 release: up to 2022), the
  last whole year it can speak for. ``derived``: computed from the list.
- ``pypsa_china``: the PyPSA-China model inputs as staged (decision 16): build-period
  additions (basis ``added``, period = the build years) and the nuclear stock.
- ``cec_briefing``: CEC national stocks as published, at the end of the briefing's month.

One GEM file is rolled up (a file is a snapshot of a release): the newest release, then
the most recently staged file, so the workbook and greenstat's extract of it never count
twice.
"""

from __future__ import annotations

import duckdb

from warehouse.store import first_row

GEM_SOURCE = "gem_wind_tracker"
COUNTED_STATUSES = ("operating", "retired", "mothballed")
OFFSHORE_PREFIX = "offshore"
# Observation indicators -> (technology, basis), per staged source kind.
PYPSA_INDICATORS: dict[str, tuple[str, str]] = {
    "solar_capacity_added": ("solar", "added"),
    "onshore_wind_capacity_added": ("onshore_wind", "added"),
    "offshore_wind_capacity_added": ("offshore_wind", "added"),
    "coal_capacity_added": ("coal", "added"),
    "nuclear_capacity": ("nuclear", "stock"),
}
# thermal_capacity and gas_capacity are not in warehouse.tables.TECHNOLOGIES: not loaded.
CEC_INDICATORS: dict[str, tuple[str, str]] = {
    "wind_capacity": ("wind", "stock"),
    "solar_capacity": ("solar", "stock"),
    "hydro_capacity": ("hydro", "stock"),
    "nuclear_capacity": ("nuclear", "stock"),
    "coal_capacity": ("coal", "stock"),
}
OBSERVATION_SOURCES = {"pypsa_capacity": ("pypsa_china", PYPSA_INDICATORS),
                       "cec_briefing": ("cec_briefing", CEC_INDICATORS)}  # fmt: skip

_COLUMNS = (
    "region_code, year, period, technology, basis, capacity_kw, source, unit_as_written, "
    "data_kind, provenance"
)


def gem_file(con: duckdb.DuckDBPyConnection) -> str | None:
    """sha256 of the GEM file rolled up: newest release, then most recently staged."""
    row = first_row(
        con,
        """SELECT f.sha256 FROM raw.files f
           WHERE f.sha256 IN (SELECT DISTINCT archive_sha256 FROM staging.wind_farm_phases)
           ORDER BY f.vintage DESC NULLS LAST, f.staged_at DESC NULLS LAST, f.sha256
           LIMIT 1""",
    )
    return str(row[0]) if row else None


def counted_phases_sql(sha: str) -> str:
    """The phases the rollup counts, one row per phase and year it stood at year end."""
    statuses = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
    return f"""
        WITH p AS (
            SELECT region_code, source_row, capacity_kw, start_year, retired_year, data_kind,
                   CASE WHEN installation_type LIKE '{OFFSHORE_PREFIX}%' THEN 'offshore_wind'
                        ELSE 'onshore_wind' END AS technology,
                   year AS release_year
            FROM staging.wind_farm_phases
            WHERE archive_sha256 = '{sha}' AND status IN ({statuses})
              AND start_year IS NOT NULL
              AND (status = 'operating' OR retired_year IS NOT NULL))
        SELECT p.*, y.year
        FROM p, LATERAL (
            SELECT unnest(range(p.start_year,
                                least(coalesce(p.retired_year, p.release_year),
                                      p.release_year))) AS year) y"""


def _gem_rows(sha: str) -> str:
    """Provincial stocks by technology and in total, with CN as their sum."""
    return f"""
        WITH c AS ({counted_phases_sql(sha)}),
        both_ AS (SELECT * FROM c UNION ALL SELECT * REPLACE ('wind' AS technology) FROM c),
        -- gaps and islands: consecutive row numbers collapse to one range
        isl AS (SELECT *, source_row - row_number() OVER (
                    PARTITION BY region_code, year, technology ORDER BY source_row) AS grp
                FROM both_),
        ranges AS (SELECT region_code, year, technology, grp, min(source_row) AS lo,
                          max(source_row) AS hi, sum(capacity_kw) AS kw, count(*) AS n,
                          bool_or(data_kind = 'demo') AS demo
                   FROM isl GROUP BY ALL),
        prov AS (SELECT region_code, year, technology, sum(kw) AS capacity_kw, sum(n) AS n,
                        bool_or(demo) AS demo,
                        string_agg(CASE WHEN lo = hi THEN lo::VARCHAR
                                        ELSE lo || '-' || hi END, ',' ORDER BY lo) AS rows_
                 FROM ranges GROUP BY ALL)
        SELECT region_code, year, year::VARCHAR AS period, technology, 'stock' AS basis,
               capacity_kw, '{GEM_SOURCE}' AS source, 'MW' AS unit_as_written,
               CASE WHEN demo THEN 'demo' ELSE 'derived' END AS data_kind,
               'sha256:{sha}#rows=' || rows_ || ' (' || n || ' phases)' AS provenance
        FROM prov
        UNION ALL
        SELECT 'CN', year, year::VARCHAR, technology, 'stock', sum(capacity_kw),
               '{GEM_SOURCE}', 'MW',
               CASE WHEN bool_or(demo) THEN 'demo' ELSE 'derived' END,
               'sha256:{sha}: sum of ' || count(*) || ' provinces (' || sum(n) || ' phases)'
        FROM prov GROUP BY year, technology"""


def _observation_rows() -> str:
    """PyPSA and CEC figures as staged, newest vintage of each."""
    maps = []
    for source_id, (source, indicators) in OBSERVATION_SOURCES.items():
        maps += [
            f"('{source_id}', '{code}', '{source}', '{tech}', '{basis}')"
            for code, (tech, basis) in indicators.items()
        ]
    return f"""
        WITH m(source_id, indicator_code, source, technology, basis) AS (
                VALUES {", ".join(maps)}),
        o AS (SELECT o.*, m.source, m.technology, m.basis,
                     row_number() OVER (PARTITION BY o.source_id, o.region_code,
                         o.indicator_code, o.period ORDER BY o.vintage DESC, o.provenance) AS k
              FROM staging.observations o JOIN m USING (source_id, indicator_code))
        SELECT region_code, year,
               CASE WHEN basis = 'added' THEN coalesce(
                   nullif(regexp_extract(citation, 'built (\\d{{4}}-\\d{{4}})', 1), ''),
                   '-' || nullif(regexp_extract(citation, 'built up to (\\d{{4}})', 1), ''),
                   period) ELSE period END AS period,
               technology, basis, value AS capacity_kw, source, unit_as_written, data_kind,
               provenance
        FROM o WHERE k = 1"""


def build_renewable_capacity(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``staging.renewable_capacity`` from what is staged (idempotent); returns
    the number of rows."""
    con.execute("DELETE FROM staging.renewable_capacity")
    sha = gem_file(con)
    parts = [_observation_rows()] + ([_gem_rows(sha)] if sha else [])
    body = " UNION ALL ".join(f"SELECT {_COLUMNS} FROM ({p})" for p in parts)
    con.execute(f"INSERT INTO staging.renewable_capacity ({_COLUMNS}) {body}")
    row = first_row(con, "SELECT count(*) FROM staging.renewable_capacity")
    return int(row[0]) if row else 0
