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
