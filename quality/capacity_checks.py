"""Warning checks on wind farm phases and ``staging.renewable_capacity``: they list suspect
rows for a statistician and never edit them (as ``quality.plausibility`` does for the
capacity observations). Run with ``quality.checks.run_checks``; none blocks a publish.
"""

from __future__ import annotations

import duckdb

from quality.checks import Check
from warehouse.renewable_capacity import GEM_SOURCE

# A monthly national stock (CEC, end of month M of year Y) must lie between the GEM
# rollup's stocks at the end of Y-1 and of Y. GEM leaves out farms under 10 MW and
# dates a phase by its commissioning year, CEC counts grid-connected units of 6 MW and
# more: 15% either side allows for that; beyond it one side misses a large part.
NATIONAL_TOLERANCE = 0.15
# GEM's provincial stock at the end of a build period against PyPSA-China's additions
# summed up to it: two independent compilations of one stock; beyond a factor of 2
# either way one of them misses or misplaces a large share of the province.
PROVINCE_FACTOR = 2.0

GEM_VS_CEC_SQL = f"""
    WITH cec AS (SELECT year, period, capacity_kw, provenance
                 FROM staging.renewable_capacity
                 WHERE source = 'cec_briefing' AND region_code = 'CN' AND technology = 'wind'),
    gem AS (SELECT year, capacity_kw FROM staging.renewable_capacity
            WHERE source = '{GEM_SOURCE}' AND region_code = 'CN' AND technology = 'wind')
    SELECT cec.period, cec.capacity_kw AS cec_kw,
           CASE WHEN length(cec.period) = 4 THEN g1.capacity_kw ELSE g0.capacity_kw END
               AS gem_low_kw,
           g1.capacity_kw AS gem_high_kw,
           round(cec.capacity_kw / g1.capacity_kw, 3) AS ratio_to_gem_year_end,
           cec.provenance
    FROM cec
    LEFT JOIN gem g0 ON g0.year = cec.year - 1
    LEFT JOIN gem g1 ON g1.year = cec.year
"""

GEM_VS_CEC = Check(
    "capacity.gem_wind_vs_cec_national",
    "staging.renewable_capacity",
    "warning",
    f"""SELECT * FROM ({GEM_VS_CEC_SQL})
        WHERE gem_high_kw IS NULL
           OR cec_kw < gem_low_kw * {1 - NATIONAL_TOLERANCE}
           OR cec_kw > gem_high_kw * {1 + NATIONAL_TOLERANCE}
        ORDER BY period""",
    threshold=f"CEC within GEM's stocks at the ends of the years around it, "
    f"±{NATIONAL_TOLERANCE:.0%}",
    description="CEC national wind capacity against the GEM rollup of the same period",
)

GEM_VS_PYPSA = Check(
    "capacity.gem_wind_vs_pypsa_additions",
    "staging.renewable_capacity",
    "warning",
    f"""WITH ends AS (SELECT DISTINCT year FROM staging.renewable_capacity
                      WHERE source = 'pypsa_china' AND basis = 'added'
                        AND technology IN ('onshore_wind', 'offshore_wind')),
        pypsa AS (SELECT e.year, r.region_code, sum(r.capacity_kw) AS pypsa_kw,
                         string_agg(r.period || ' ' || r.technology || ' ' || r.capacity_kw,
                                    '; ' ORDER BY r.period) AS periods
                  FROM ends e JOIN staging.renewable_capacity r ON r.year <= e.year
                  WHERE r.source = 'pypsa_china' AND r.basis = 'added'
                    AND r.technology IN ('onshore_wind', 'offshore_wind')
                  GROUP BY ALL),
        gem AS (SELECT year, region_code, capacity_kw AS gem_kw, provenance
                FROM staging.renewable_capacity
                WHERE source = '{GEM_SOURCE}' AND technology = 'wind'
                  AND region_code <> 'CN')
        SELECT p.region_code, p.year, g.gem_kw, p.pypsa_kw,
               round(g.gem_kw / nullif(p.pypsa_kw, 0), 3) AS ratio, p.periods, g.provenance
        FROM pypsa p JOIN gem g USING (region_code, year)
        WHERE g.gem_kw > p.pypsa_kw * {PROVINCE_FACTOR}
           OR g.gem_kw * {PROVINCE_FACTOR} < p.pypsa_kw
        ORDER BY p.region_code, p.year""",
    threshold=f"within a factor of {PROVINCE_FACTOR:g}",
    description="GEM provincial wind stock against PyPSA-China's additions summed to the same year",
)

GEM_DUPLICATES = Check(
    "capacity.gem_phase_listed_twice",
    "quality.quarantine",
    "warning",
    """SELECT q.source_file, q.source_row, q.reason, q.raw_values
       FROM quality.quarantine q JOIN raw.files f ON f.sha256 = q.archive_sha256
       WHERE f.kind = 'gem_wind_tracker' AND q.reason LIKE '%GEM phase ID % is also listed%'
       ORDER BY q.source_file, q.source_row""",
    description="no GEM phase ID is listed twice in one file (both rows are quarantined)",
)

GEM_UNPLACEABLE = Check(
    "capacity.gem_phase_without_year",
    "staging.wind_farm_phases",
    "warning",
    """SELECT gem_phase_id, region_code, capacity_kw, status, start_year, retired_year,
              provenance,
              CASE WHEN start_year IS NULL THEN 'no start year: not in any year''s stock'
                   ELSE 'no retired year: not in any year''s stock' END AS detail
       FROM staging.wind_farm_phases
       WHERE (status = 'operating' AND start_year IS NULL)
          OR (status IN ('retired', 'mothballed') AND (start_year IS NULL OR retired_year IS NULL))
       ORDER BY archive_sha256, source_row""",
    description="every operating, retired or mothballed phase can be placed in years",
)


def capacity_checks() -> list[Check]:
    """The warning checks for an asset check to run after ``build_renewable_capacity``
    (a negative capacity is the table suite's own warning, ``capacity_kw.non_negative``)."""
    return [GEM_VS_CEC, GEM_VS_PYPSA, GEM_DUPLICATES, GEM_UNPLACEABLE]


def gem_vs_cec(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every CEC national wind figure beside GEM's (period, CEC kW, GEM low and high kW,
    ratio to GEM's year end, provenance), failing or not: for reports."""
    return con.execute(GEM_VS_CEC_SQL + " ORDER BY cec.period").fetchall()
