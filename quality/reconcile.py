"""Reconciliations that compare two sources of one figure and report both numbers.

Each writes warnings to ``quality.check_results`` with both values, the difference and
the SQL that lists the rows behind them. Neither side is changed: a difference is for a
statistician to resolve (or to record in the corrections register).

- MIIT list counts against the counts the documents state (e.g. the industrial green
  development plan's "2121 家绿色工厂、171 家绿色工业园区、189 家绿色供应链企业" for 2020);
- the sum of the provinces against the national figure, where both are published;
- year-over-year jumps in a file's series (the 2015 1% sample survey in the NBS
  population-sample export is twenty times the 1‰ years around it);
- revisions between vintages of a figure (marts.revisions);
- CEADs inventories against the Cui et al. daily dataset (marts.co2_reconciliation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.enterprises import DESIGNATION_INDICATORS

PAIRS_SQL = """
SELECT g.region_code, m.indicator_code, g.designation, g.year, g.cumulative_count,
       o.value AS stated, o.citation, o.provenance
FROM marts.green_manufacturing g
JOIN (SELECT * FROM (VALUES {pairs}) t(designation, indicator_code)) m USING (designation)
JOIN (SELECT * FROM staging.observations WHERE data_kind = 'official' AND period = year::VARCHAR
      QUALIFY row_number() OVER (PARTITION BY region_code, indicator_code, year
                                 ORDER BY vintage DESC, provenance) = 1) o
  ON o.region_code = g.region_code AND o.indicator_code = m.indicator_code AND o.year = g.year
WHERE g.level = 'national'
ORDER BY g.region_code, m.indicator_code, g.year
"""


@dataclass(frozen=True)
class Comparison:
    region_code: str
    indicator_code: str
    designation: str
    year: int
    listed: int
    stated: float
    citation: str

    @property
    def passed(self) -> bool:
        return self.listed == self.stated

    def line(self) -> str:
        gap = self.listed - self.stated
        state = "agree" if self.passed else f"differ by {gap:+g}"
        return (
            f"{self.indicator_code} {self.region_code} {self.year}: MIIT lists {self.listed}, "
            f"stated {self.stated:g}: {state}"
        )


def designation_counts_vs_stated(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, record: bool = True
) -> list[Comparison]:
    """Compare list counts with every official stated count of the same region and year."""
    pairs = ", ".join(f"('{d}', '{i}')" for d, i in DESIGNATION_INDICATORS.items())
    found = [
        Comparison(region, ind, des, int(year), int(listed), float(stated), citation or "")
        for region, ind, des, year, listed, stated, citation, _ in con.execute(
            PAIRS_SQL.format(pairs=pairs)
        ).fetchall()
    ]
    if record:
        now = datetime.now(UTC).replace(tzinfo=None)
        con.executemany(
            "INSERT INTO quality.check_results BY NAME SELECT ? AS check_name, ? AS table_name, "
            "? AS partition, ? AS run_id, 'warning' AS severity, ? AS passed, ? AS observed, "
            "? AS threshold, ? AS rows_query, ? AS checked_at",
            [
                [
                    f"reconcile.miit_lists_vs_stated.{c.indicator_code}",
                    "marts.green_manufacturing",
                    f"{c.region_code} {c.year}",
                    run_id,
                    c.passed,
                    f"MIIT lists: {c.listed} designated through {c.year}"
                    + ("" if c.passed else f" (difference {c.listed - c.stated:+g})"),
                    f"stated: {c.stated:g} ({c.citation})",
                    "SELECT * FROM staging.enterprise_designations WHERE level = 'national' "
                    f"AND designation = '{c.designation}' AND year <= {c.year}"
                    + (
                        ""
                        if c.region_code == "CN"
                        else f" AND '{c.region_code}' IN (region_code, province_code)"
                    )
                    + " ORDER BY year, batch, source_row",
                    now,
                ]
                for c in found
            ],
        )
    return found


@dataclass(frozen=True)
class Finding:
    """One reconciliation result: a row of quality.check_results (severity warning)."""

    check_name: str
    table_name: str
    partition: str | None
    passed: bool
    observed: str
    threshold: str
    rows_query: str

    def line(self) -> str:
        where = f" [{self.partition}]" if self.partition else ""
        return (
            f"{self.check_name}{where}: {'passed' if self.passed else 'DIFFERS'}: {self.observed}"
        )


def record(con: duckdb.DuckDBPyConnection, findings: list[Finding], run_id: str | None) -> None:
    if not findings:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    con.executemany(
        "INSERT INTO quality.check_results BY NAME SELECT ? AS check_name, ? AS table_name, "
        "? AS partition, ? AS run_id, 'warning' AS severity, ? AS passed, ? AS observed, "
        "? AS threshold, ? AS rows_query, ? AS checked_at",
        [
            [f.check_name, f.table_name, f.partition, run_id, f.passed, f.observed, f.threshold,
             f.rows_query, now]
            for f in findings
        ],
    )  # fmt: skip


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _n(value: float) -> str:
    """Readable magnitude: 10,864,409,722 stays exact; 0.8 keeps its decimals."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


# Sums make sense for amounts only, not for shares, intensities or indexes.
ADDITIVE_UNITS = ("t", "tce", "kWh", "kW", "yuan", "m3", "persons", "count", "t CO2", "GJ")
# National statistics cover the 31 mainland provincial-level divisions.
OUTSIDE_NATIONAL_TOTALS = ("CN-TW", "CN-HK", "CN-MO")
MAINLAND_PROVINCES = 31
# CEADs inventories cover 30 provinces (no Tibet): a sum missing one small province is
# still compared, and the missing one is named. With fewer, the sum says little.
MIN_PROVINCES = 30
# Provincial figures sum above the national one for known reasons (provincial GDP up to
# ~10% above national before unified accounting in 2019; provincial energy balances, and
# the CEADs inventories built on them, up to ~11% above the national inventory in 2019).
# A gap beyond 15% is outside that known discrepancy and worth a statistician's look.
PROVINCES_TOLERANCE_PCT = 15.0

PROVINCES_SQL = f"""
WITH v AS (SELECT * FROM marts.indicator_values WHERE list_contains($units, unit)),
prov AS (
  SELECT v.* FROM v JOIN ref.regions r USING (region_code)
  WHERE r.level = 'province' AND NOT list_contains($outside, v.region_code)),
agg AS (
  SELECT indicator_code, year, sum(value) AS total, count(*) AS n,
         list(region_code ORDER BY region_code) AS regions,
         bool_or(data_kind = 'demo') AS any_demo
  FROM prov GROUP BY indicator_code, year)
SELECT n.indicator_code, n.year, n.value, n.unit, a.total, a.n, a.regions
FROM v n JOIN agg a USING (indicator_code, year)
WHERE n.region_code = 'CN' AND n.data_kind <> 'demo' AND NOT a.any_demo
  AND a.n >= {MIN_PROVINCES}
ORDER BY n.indicator_code, n.year
"""


def provinces_vs_national(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Per indicator and year, the sum of the provinces against the national figure of
    marts.indicator_values (amounts only; demo figures are not reconciled)."""
    mainland = [
        r[0]
        for r in con.execute(
            "SELECT region_code FROM ref.regions WHERE level = 'province' "
            "AND NOT list_contains($outside, region_code) ORDER BY 1",
            {"outside": list(OUTSIDE_NATIONAL_TOTALS)},
        ).fetchall()
    ]
    found = []
    for ind, year, national, unit, total, n, regions in con.execute(
        PROVINCES_SQL, {"units": list(ADDITIVE_UNITS), "outside": list(OUTSIDE_NATIONAL_TOTALS)}
    ).fetchall():
        gap = total - national
        pct = gap / national * 100 if national else None
        missing = [r for r in mainland if r not in regions]
        listed = ", ".join(_q(r) for r in ["CN", *mainland])
        found.append(
            Finding(
                f"reconcile.provinces_vs_national.{ind}",
                "marts.indicator_values",
                str(year),
                pct is not None and abs(pct) <= PROVINCES_TOLERANCE_PCT,
                f"sum of {n} provinces {_n(total)} {unit} vs national {_n(national)}: "
                f"difference {gap:+,.0f}"
                + (f" ({pct:+.1f}%)" if pct is not None else "")
                + (f"; missing {', '.join(missing)}" if missing else ""),
                f"|sum - national| <= {PROVINCES_TOLERANCE_PCT:g}% of national "
                f"(of {MAINLAND_PROVINCES} mainland provinces, at least {MIN_PROVINCES})",
                "SELECT region_code, value, unit, data_kind, source, provenance "
                f"FROM marts.indicator_values WHERE indicator_code = {_q(ind)} "
                f"AND year = {int(year)} AND region_code IN ({listed}) ORDER BY region_code",
            )
        )
    return found


# Totals of population, output, energy or emissions do not change fivefold in a year;
# young technologies do grow fast (China's solar generation x3.7 in 2011), so the bar
# is above that. Shares, indexes, intensities, capacities (plausibility checks them
# against their peers) and counts are left out; so are breakdown rows, whose small
# values swing for real.
JUMP_FACTOR = 5.0
JUMP_UNITS = ("t", "tce", "kWh", "yuan", "m3", "persons", "t CO2", "GJ")
STEPS_SQL = """
WITH s AS (
  SELECT o.region_code, o.indicator_code, o.year, o.value, o.unit, o.data_kind, o.vintage,
         o.provenance, o.archive_sha256,
         lag(o.value) OVER w AS prev_value, lag(o.year) OVER w AS prev_year
  FROM staging.observations o
  WHERE o.period = CAST(o.year AS VARCHAR) AND o.industry_code IS NULL
    AND o.source_sector IS NULL AND o.fuel IS NULL AND {where}
  WINDOW w AS (PARTITION BY o.archive_sha256, o.region_code, o.indicator_code, o.vintage,
                            o.data_kind ORDER BY o.year))
SELECT region_code, indicator_code, prev_year, prev_value, year, value, unit,
       value / prev_value AS ratio, data_kind, provenance, archive_sha256
FROM s WHERE prev_year = year - 1 AND prev_value > 0 AND value > 0
"""


def _jumps_query(indicator: str) -> str:
    return (
        STEPS_SQL.format(where=f"o.indicator_code = {_q(indicator)}")
        + f"  AND (value / prev_value > {JUMP_FACTOR:g} OR value / prev_value < 1 / "
        f"{JUMP_FACTOR:g})\nORDER BY year, region_code"
    )


def year_over_year_jumps(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Per indicator: consecutive annual values of one file, region and vintage that
    change more than JUMP_FACTOR-fold, with the file's own notes when they explain it."""
    units = ", ".join(_q(u) for u in JUMP_UNITS)
    steps = con.execute(
        f"""SELECT s.indicator_code, s.region_code, s.prev_year, s.prev_value, s.year,
                   s.value, s.ratio, f.original_name, f.notes
            FROM ({STEPS_SQL.format(where=f"o.unit IN ({units})")}) s
            LEFT JOIN raw.files f ON f.sha256 = s.archive_sha256
            ORDER BY s.indicator_code, s.year, s.region_code"""
    ).fetchall()
    per: dict[str, list[tuple]] = {}
    for row in steps:
        per.setdefault(row[0], []).append(row[1:])
    found = []
    for ind, rows in per.items():
        flagged = [r for r in rows if r[5] > JUMP_FACTOR or r[5] < 1 / JUMP_FACTOR]
        if not flagged:
            top = max(rows, key=lambda r: max(r[5], 1 / r[5]))
            observed = (
                f"{len(rows)} year-on-year steps, largest x{top[5]:.2f} "
                f"({top[0]} {top[1]}-{top[3]})"
            )
        else:
            by_year: dict[int, list[tuple]] = {}
            for r in flagged:
                by_year.setdefault(r[3], []).append(r)
            parts = []
            for year, rs in sorted(by_year.items()):
                lo, hi = min(r[5] for r in rs), max(r[5] for r in rs)
                ex = rs[0]
                span = f"x{lo:.2f}" if lo == hi else f"x{lo:.2f} to x{hi:.2f}"
                parts.append(
                    f"{year}: {len(rs)} region(s) {span} (e.g. {ex[0]} {_n(ex[2])} in "
                    f"{ex[1]} -> {_n(ex[4])})"
                )
            notes = sorted(
                {n for r in flagged for n in (r[7] or []) if any(str(r[3]) in n for r in flagged)}
            )
            files = sorted({r[6] for r in flagged if r[6]})
            observed = (
                f"{len(flagged)} of {len(rows)} steps beyond x{JUMP_FACTOR:g}: "
                + "; ".join(parts)
                + (f". File: {', '.join(files)}" if files else "")
                + (f". Its note: {' '.join(notes)}" if notes else "")
            )
        found.append(
            Finding(
                f"reconcile.year_over_year.{ind}",
                "staging.observations",
                None,
                not flagged,
                observed,
                f"consecutive years of one file within x{JUMP_FACTOR:g} (÷{JUMP_FACTOR:g} to "
                f"x{JUMP_FACTOR:g})",
                _jumps_query(ind),
            )
        )
    return found


# Routine revisions move a figure by a few percent; a census revision (the 4th and 5th
# economic censuses restated provincial GDP by up to a third) is what sign-off must see.
REVISION_TOLERANCE_PCT = 10.0


def revisions_between_vintages(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Per indicator and pair of consecutive vintages: how many figures were revised,
    the largest change, and whether any moved more than REVISION_TOLERANCE_PCT."""
    found = []
    for ind, prev, vint, n, beyond, top in con.execute(
        f"""SELECT indicator_code, previous_vintage, vintage, count(*),
                   count(*) FILTER (WHERE change_pct IS NULL
                                    OR abs(change_pct) > {REVISION_TOLERANCE_PCT}),
                   arg_max(struct_pack(region_code, period, previous_value, value, change_pct,
                                       unit),
                           coalesce(abs(change_pct), 1e300))
            FROM marts.revisions GROUP BY ALL ORDER BY ALL"""
    ).fetchall():
        pct = top["change_pct"]
        largest = (
            f"{top['region_code']} {top['period']}: {_n(top['previous_value'])} -> "
            f"{_n(top['value'])} {top['unit']}"
            + (f" ({pct:+.1f}%)" if pct is not None else " (from zero)")
        )
        found.append(
            Finding(
                f"reconcile.revisions.{ind}",
                "marts.revisions",
                f"{prev} -> {vint}",
                beyond == 0,
                f"{n} figures revised, {beyond} by more than {REVISION_TOLERANCE_PCT:g}%; "
                f"largest {largest}",
                f"|change| <= {REVISION_TOLERANCE_PCT:g}% between consecutive vintages",
                f"SELECT * FROM marts.revisions WHERE indicator_code = {_q(ind)} "
                f"AND previous_vintage = {_q(prev)} AND vintage = {_q(vint)} "
                "ORDER BY abs(change_pct) DESC NULLS FIRST, region_code, period",
            )
        )
    return found


# Cui et al. cover power, industry and ground transport only, so the CEADs total (every
# sector) and CEADs transport (which includes aviation and shipping) should be at least
# Cui's: Cui above them by more than 5% is a contradiction, not scope. Power and
# industry are the same scope estimated two ways: within 25% (the spread between
# inventories built on different activity data and emission factors).
CO2_RULES: dict[str, tuple[str, float]] = {
    "total": ("at_least", 5.0),
    "ground_transport": ("at_least", 5.0),
    "power": ("within", 25.0),
    "industry": ("within", 25.0),
}


def ceads_vs_cui(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Per scope: the regions and years where CEADs and Cui et al. disagree beyond what the
    scope difference explains (marts.co2_reconciliation has every pair)."""
    rows = con.execute(
        "SELECT scope, region_code, year, ceads_t, cui_t, gap_pct "
        "FROM marts.co2_reconciliation ORDER BY scope, region_code, year"
    ).fetchall()
    per: dict[str, list[tuple]] = {}
    for scope, *rest in rows:
        per.setdefault(scope, []).append(tuple(rest))
    found = []
    for scope, pairs in per.items():
        rule, tol = CO2_RULES.get(scope, ("within", 25.0))
        if rule == "at_least":
            bad = [p for p in pairs if p[4] is not None and p[4] < -tol]
            threshold = f"CEADs >= Cui et al. - {tol:g}% (Cui's scope is narrower)"
            cond = f"gap_pct < -{tol:g}"
        else:
            bad = [p for p in pairs if p[4] is None or abs(p[4]) > tol]
            threshold = f"|CEADs - Cui et al.| <= {tol:g}% of CEADs"
            cond = f"gap_pct IS NULL OR abs(gap_pct) > {tol:g}"
        shown = sorted(bad, key=lambda p: -abs(p[4] or 0))[:5]
        observed = (
            f"{len(bad)} of {len(pairs)} region-years outside: "
            + "; ".join(
                f"{r} {y} CEADs {_n(c)} t vs Cui {_n(u)} t ({g:+.1f}%)" for r, y, c, u, g in shown
            )
            + (" ..." if len(bad) > len(shown) else "")
            if bad
            else f"{len(pairs)} region-years agree within the rule"
        )
        found.append(
            Finding(
                f"reconcile.ceads_vs_cui.{scope}",
                "marts.co2_reconciliation",
                None,
                not bad,
                observed,
                threshold,
                f"SELECT * FROM marts.co2_reconciliation WHERE scope = {_q(scope)} "
                f"AND ({cond}) ORDER BY abs(gap_pct) DESC, region_code, year",
            )
        )
    return found


def run_reconciliations(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, record_results: bool = True
) -> list[Finding]:
    """Every reconciliation on the marts (the MIIT one runs beside green_manufacturing)."""
    found = [
        *provinces_vs_national(con),
        *year_over_year_jumps(con),
        *revisions_between_vintages(con),
        *ceads_vs_cui(con),
    ]
    if record_results:
        record(con, found, run_id)
    return found
