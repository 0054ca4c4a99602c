"""Plausibility checks: warnings that list suspect values for a statistician, never fix them.

Structural rules (quality.checks) block a publish; these do not. A capacity that is
negative, larger than the nation's, collapsing, or offshore wind in an inland province
may be a source error or a misread file, but it may also be true, so the value stays
staged and each check lists the rows with region, indicator, period, value and
provenance. Thresholds are generic and stated with their reason; nothing here names a
particular file's anomalies.

Capacity indicators are found in ``ref.indicators``: unit kW (a power) or a code naming
a capacity. Additions carry the suffix ``_added`` (capacity commissioned in a period),
stocks do not: only stocks are expected to grow smoothly.
"""

from __future__ import annotations

from quality.checks import Check

# Provincial figures and national totals are published separately, rounded to 万千瓦, and
# sometimes one counts grid-connected and the other installed capacity: gaps of a few
# percent are normal. Beyond 5% the parts do not fit the whole.
PART_WHOLE_TOLERANCE = 0.05
# Installed capacity falls only by retirement, a few percent a year even for coal; losing
# more than half between two consecutive observations means a unit or reading error
# (additions read as a stock, a plant list cut short), not retirement.
COLLAPSE_RATIO = 0.5
# Young technologies grow fast everywhere at once (national solar x50 from 2010 to 2015),
# and a province starting from almost nothing grows x100 for real (Guizhou solar 2015-2020),
# so a jump is judged against the other regions of the same file and step: growth x10
# beyond their median growth AND a level x10 above their median level is the signature of
# MW written as kW or a misplaced decimal. With fewer than 3 regions to compare, only
# collapses are checked.
JUMP_FACTOR = 10.0
JUMP_MIN_PEERS = 3
# Provincial-level divisions with a sea coast, by GB/T 2260 code: the 11 coastal
# provinces of the China Marine Statistical Yearbook (沿海地区: 天津 河北 辽宁 上海 江苏
# 浙江 福建 山东 广东 广西 海南) plus Taiwan, Hong Kong and Macao. A city or the XPCC
# is judged by its parent province (ref.regions.parent_code).
COASTAL_GB2260: tuple[str, ...] = (
    "120000", "130000", "210000", "310000", "320000", "330000",
    "350000", "370000", "440000", "450000", "460000",
    "710000", "810000", "820000",
)  # fmt: skip
# The phrase sources.ingest and the connectors put in the reason of a duplicated row.
DUPLICATE_PHRASE = "appears more than once in this file"

_CAPACITY = """(SELECT indicator_code FROM ref.indicators
     WHERE unit = 'kW' OR (indicator_code LIKE '%capacity%' AND unit <> 'percent'))"""
_STOCK = f"""(SELECT indicator_code FROM {_CAPACITY} c
     WHERE indicator_code NOT LIKE '%\\_added' ESCAPE '\\')"""
_OUT = "o.region_code, o.indicator_code, o.period, o.value, o.unit, o.provenance"

NEGATIVE_CAPACITY = Check(
    "plausibility.capacity_negative",
    "staging.observations",
    "warning",
    f"""SELECT {_OUT}, 'a capacity cannot be negative' AS detail
        FROM staging.observations o
        WHERE o.indicator_code IN {_CAPACITY} AND o.value < 0
        ORDER BY o.indicator_code, o.region_code, o.period""",
    description="capacities (stocks and additions) are zero or more",
)

PART_EXCEEDS_WHOLE = Check(
    "plausibility.capacity_exceeds_national",
    "staging.observations",
    "warning",
    f"""WITH nation AS (
            -- A year's national stock: its latest figure (year-end, or the latest month
            -- published), so a monthly national briefing still bounds the provinces.
            SELECT indicator_code, year, arg_max(value, period) AS national,
                   arg_max(period || ', ' || provenance, period) AS national_provenance
            FROM staging.observations
            WHERE region_code = 'CN' AND indicator_code IN {_CAPACITY}
              AND data_kind = 'official'
            GROUP BY ALL),
        prov AS (
            SELECT o.* FROM staging.observations o JOIN ref.regions r USING (region_code)
            WHERE r.level = 'province' AND o.indicator_code IN {_CAPACITY}),
        one AS (
            SELECT {_OUT},
                   printf('province above the national total %.0f %s (%s)', n.national,
                          o.unit, n.national_provenance) AS detail
            FROM prov o JOIN nation n USING (indicator_code, year)
            WHERE o.value > n.national),
        summed AS (
            SELECT 'CN' AS region_code, o.indicator_code, o.period, sum(o.value) AS value,
                   any_value(o.unit) AS unit, 'sha256:' || o.archive_sha256 AS provenance,
                   printf('sum of %d provinces in this file exceeds the national total '
                          '%.0f by more than %.0f%% (%s)', count(*), any_value(n.national),
                          {PART_WHOLE_TOLERANCE * 100}, any_value(n.national_provenance))
                       AS detail
            FROM prov o JOIN nation n USING (indicator_code, year)
            GROUP BY o.archive_sha256, o.indicator_code, o.period, o.vintage
            HAVING sum(o.value) > (1 + {PART_WHOLE_TOLERANCE}) * any_value(n.national))
        SELECT * FROM one UNION ALL SELECT * FROM summed
        ORDER BY indicator_code, period, region_code""",
    description="no province exceeds, and the provinces of one file do not sum above, the "
    f"national total (tolerance {PART_WHOLE_TOLERANCE:.0%})",
)

ADDED_EXCEEDS_STOCK = Check(
    "plausibility.capacity_added_exceeds_stock",
    "staging.observations",
    "warning",
    f"""WITH stock AS (
            SELECT region_code, indicator_code || '_added' AS indicator_code, period,
                   indicator_code AS stock_indicator, max(value) AS stock,
                   any_value(provenance ORDER BY value DESC) AS stock_provenance
            FROM staging.observations WHERE indicator_code IN {_STOCK}
            GROUP BY ALL)
        SELECT {_OUT},
               printf('added in the period, but the stock %s at its end is %.0f %s (%s)',
                      s.stock_indicator, s.stock, o.unit, s.stock_provenance) AS detail
        FROM staging.observations o JOIN stock s USING (region_code, indicator_code, period)
        WHERE o.value > (1 + {PART_WHOLE_TOLERANCE}) * s.stock
        ORDER BY o.indicator_code, o.region_code, o.period""",
    description="capacity added in a period is not larger than the stock at its end",
)

JUMP_OR_COLLAPSE = Check(
    "plausibility.capacity_jump_or_collapse",
    "staging.observations",
    "warning",
    f"""WITH series AS (
            SELECT o.*,
                   lag(value) OVER w AS prev_value, lag(period) OVER w AS prev_period
            FROM staging.observations o
            WHERE o.indicator_code IN {_STOCK}
            WINDOW w AS (PARTITION BY archive_sha256, region_code, indicator_code,
                         industry_code, source_sector, fuel, vintage ORDER BY period)),
        steps AS (SELECT *, value / prev_value AS ratio FROM series WHERE prev_value > 0),
        peers AS (
            SELECT archive_sha256, indicator_code, vintage, prev_period, period,
                   greatest(median(ratio), 1) AS typical, median(value) AS level,
                   count(*) AS n
            FROM steps GROUP BY ALL)
        SELECT {_OUT},
               CASE WHEN o.ratio < {COLLAPSE_RATIO}
                    THEN printf('falls from %.0f in %s to %.0f: a stock shrinks only by '
                                'retirement', o.prev_value, o.prev_period, o.value)
                    ELSE printf('jumps x%.1f from %.0f in %s, to x%.1f the median region '
                                '(whose growth is x%.1f)', o.ratio, o.prev_value,
                                o.prev_period, o.value / p.level, p.typical) END AS detail
        FROM steps o JOIN peers p
          USING (archive_sha256, indicator_code, vintage, prev_period, period)
        WHERE o.ratio < {COLLAPSE_RATIO}
           OR (p.n >= {JUMP_MIN_PEERS} AND o.ratio > {JUMP_FACTOR} * p.typical
               AND o.value > {JUMP_FACTOR} * p.level)
        ORDER BY o.indicator_code, o.region_code, o.period""",
    description=f"an installed capacity neither loses more than {1 - COLLAPSE_RATIO:.0%} nor "
    f"jumps {JUMP_FACTOR:.0f}x beyond its peers' growth and level between consecutive "
    "observations of one file",
)

_COASTAL = ", ".join(f"'{c}'" for c in COASTAL_GB2260)
OFFSHORE_INLAND = Check(
    "plausibility.offshore_wind_inland",
    "staging.observations",
    "warning",
    f"""SELECT {_OUT},
               printf('offshore capacity in %s, which has no sea coast', r.name_en) AS detail
        FROM staging.observations o
        JOIN ref.regions r USING (region_code)
        LEFT JOIN ref.regions p
          ON p.region_code = CASE WHEN r.level IN ('city', 'corps') THEN r.parent_code
                                  ELSE r.region_code END
        WHERE o.indicator_code LIKE 'offshore\\_%' ESCAPE '\\' AND o.value > 0
          AND r.level <> 'nation' AND coalesce(p.gb2260, '') NOT IN ({_COASTAL})
        ORDER BY o.indicator_code, o.region_code, o.period""",
    description="offshore wind only in coastal provinces (GB/T 2260 list in quality.plausibility)",
)

DUPLICATES_QUARANTINED = Check(
    "plausibility.duplicate_rows_quarantined",
    "quality.quarantine",
    "warning",
    f"""SELECT q.source_file, q.source_row, q.source_column, q.cells, q.reason, q.raw_values,
               'sha256:' || q.archive_sha256 || '#row=' || q.source_row AS provenance,
               count(*) OVER (PARTITION BY q.archive_sha256) AS duplicate_rows_in_file
        FROM quality.quarantine q
        WHERE q.reason LIKE '%{DUPLICATE_PHRASE}%'
        ORDER BY q.source_file, q.source_row, q.source_column""",
    description="no file gives the same figure twice (its rows are quarantined, both of them)",
)

PLAUSIBILITY_CHECKS: list[Check] = [
    NEGATIVE_CAPACITY,
    PART_EXCEEDS_WHOLE,
    ADDED_EXCEEDS_STOCK,
    JUMP_OR_COLLAPSE,
    OFFSHORE_INLAND,
    DUPLICATES_QUARANTINED,
]
