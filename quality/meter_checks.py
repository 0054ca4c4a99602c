"""Non-blocking checks on the hourly metering: gaps are reported, not quarantined.

A missing hour is not a wrong row (a meter was down, a file was cut short), so nothing
is rejected for it; a statistician sees each enterprise-month with fewer hours than
the month has, and how many are missing, in ``quality.check_results``. Month by month,
so a monthly partition checks its own month and the query prunes to one partition.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from quality.checks import Check, CheckOutcome, run_checks

TABLE = "staging.enterprise_meter_hourly"


def gaps_check(month: str | None = None) -> Check:
    """Enterprise-months metered with fewer hours than the month has ('YYYY-MM', or
    every month)."""
    where = f"WHERE month = DATE '{month}-01'" if month else ""
    return Check(
        f"{TABLE}.no_gaps",
        TABLE,
        "warning",
        f"""SELECT credit_code, strftime(month, '%Y-%m') AS month, count(*) AS hours,
                  (epoch(month + INTERVAL 1 MONTH) - epoch(month))::BIGINT // 3600 AS expected,
                  expected - hours AS missing, min(hour) AS first_hour, max(hour) AS last_hour
           FROM {TABLE} {where}
           GROUP BY credit_code, month
           HAVING count(*) < (epoch(month + INTERVAL 1 MONTH) - epoch(month)) // 3600""",
        description="every enterprise metered in a month has every hour of that month",
    )


def rollup_complete_check(month: str) -> Check:
    """Blocking: every metered hour of the month ('YYYY-MM') is in its rollup. The
    rollup takes each enterprise's region from the register (staging.enterprises), so
    an enterprise that has left the register since its metering was staged would
    otherwise drop out of the totals unseen. Counts come from the lake files' footers
    and the month's rollup rows; only a month that falls short is read, to name who is
    missing."""
    y, m = int(month[:4]), int(month[5:7])
    return Check(
        f"marts.enterprise_electricity.every_metered_hour_{month}",
        "marts.enterprise_electricity",
        "blocking",
        f"""WITH lake AS (SELECT coalesce(sum(rows), 0) AS n
                          FROM {TABLE}_files WHERE month = DATE '{month}-01'),
                mart AS (SELECT coalesce(sum(hours), 0) AS n FROM marts.enterprise_electricity
                         WHERE year = {y} AND month = {m})
           SELECT '{month}' AS month, lake.n AS metered_hours, mart.n AS hours_rolled_up,
                  (SELECT list(DISTINCT credit_code ORDER BY credit_code)[:5] FROM {TABLE} h
                   WHERE month = DATE '{month}-01' AND NOT EXISTS (
                     SELECT 1 FROM staging.enterprises e WHERE e.credit_code = h.credit_code))
                    AS not_in_register
           FROM lake, mart WHERE lake.n <> mart.n""",
        description="every metered hour is counted in the monthly rollup (an enterprise "
        "metered but no longer in the register is named, not dropped)",
    )


def run_gap_checks(
    con: duckdb.DuckDBPyConnection,
    months: Iterable[str],
    *,
    run_id: str | None = None,
    record: bool = True,
) -> list[CheckOutcome]:
    """One gaps check per month, recorded in quality.check_results (never raises)."""
    outcomes: list[CheckOutcome] = []
    for month in sorted(set(months)):
        outcomes += run_checks(
            con, [gaps_check(month)], partition=month, run_id=run_id, record=record
        )
    return outcomes
