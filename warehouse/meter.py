"""Monthly and yearly rollups of the hourly metering (plain SQL over the lake view).

``marts.enterprise_electricity``: per enterprise, month and year (month NULL: the year).
``marts.region_metered_electricity``: per region, month and year: the enterprise's
region, its province when that differs (a separately-planned city counts in its
province) and CN. Regions come from the enterprise register (``staging.enterprises``).

Rebuilding works month by month: each month is one aggregation over one lake partition
(DuckDB prunes the other files), so memory is bounded by a month's groups (enterprises),
never by the rows; a month's rows are replaced, so re-running it is idempotent, and a
monthly Dagster partition calls ``build_meter_marts(con, [month])``. The year rows are
recomputed from the month rows of the years touched.

A sum of metered values is ``derived``, or ``demo`` when any row behind it is demo
(decisions 11 and 17).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from warehouse.store import first_row

_REGISTER = """(SELECT credit_code, any_value(region_code) AS region_code,
                any_value(province_code) AS province_code
         FROM staging.enterprises WHERE credit_code IS NOT NULL GROUP BY 1)"""
_KIND = "CASE WHEN bool_or({col} = 'demo') THEN 'demo' ELSE 'derived' END"


def meter_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months held by the lake ('YYYY-MM'), from the file list, without reading rows."""
    rows = con.execute(
        "SELECT DISTINCT strftime(month, '%Y-%m') FROM staging.enterprise_meter_hourly_files "
        "ORDER BY 1"
    ).fetchall()
    return [m for (m,) in rows]


def mart_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months the enterprise mart holds (to find months whose files were removed)."""
    rows = con.execute(
        "SELECT DISTINCT printf('%04d-%02d', year, month) FROM marts.enterprise_electricity "
        "WHERE month IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [m for (m,) in rows]


def _rebuild_month(con: duckdb.DuckDBPyConnection, month: str) -> int:
    year, m = int(month[:4]), int(month[5:7])
    con.execute("DELETE FROM marts.enterprise_electricity WHERE year = ? AND month = ?", [year, m])
    con.execute(
        "DELETE FROM marts.region_metered_electricity WHERE year = ? AND month = ?", [year, m]
    )
    con.execute(
        f"""INSERT INTO marts.enterprise_electricity BY NAME
            SELECT h.credit_code, e.region_code, e.province_code, {year} AS year,
                   {m} AS month, sum(h.kwh) AS kwh, sum(h.green_kwh) AS green_kwh,
                   count(*)::INTEGER AS hours, {_KIND.format(col="h.data_kind")} AS data_kind
            FROM (SELECT credit_code, kwh, green_kwh, data_kind
                  FROM staging.enterprise_meter_hourly
                  WHERE month = DATE '{year:04d}-{m:02d}-01') h
            JOIN {_REGISTER} e USING (credit_code)
            GROUP BY h.credit_code, e.region_code, e.province_code"""
    )
    _regions(con, f"year = {year} AND month = {m}")
    n = first_row(
        con,
        "SELECT count(*) FROM marts.enterprise_electricity WHERE year = ? AND month = ?",
        [year, m],
    )
    return int(n[0]) if n else 0


def _regions(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Region rows from the enterprise rows matching ``where``: region, province, CN."""
    con.execute(
        f"""INSERT INTO marts.region_metered_electricity BY NAME
            SELECT r.region_code, year, month, count(DISTINCT credit_code)::INTEGER
                   AS enterprises, sum(kwh) AS kwh, sum(green_kwh) AS green_kwh,
                   {_KIND.format(col="data_kind")} AS data_kind
            FROM marts.enterprise_electricity,
                 unnest(list_distinct([region_code, province_code, 'CN'])) r(region_code)
            WHERE {where}
            GROUP BY ALL"""
    )


def _rebuild_years(con: duckdb.DuckDBPyConnection, years: Iterable[int]) -> None:
    for year in sorted(set(years)):
        con.execute(
            "DELETE FROM marts.enterprise_electricity WHERE year = ? AND month IS NULL", [year]
        )
        con.execute(
            "DELETE FROM marts.region_metered_electricity WHERE year = ? AND month IS NULL",
            [year],
        )
        con.execute(
            f"""INSERT INTO marts.enterprise_electricity BY NAME
                SELECT credit_code, region_code, province_code, year, NULL AS month,
                       sum(kwh) AS kwh, sum(green_kwh) AS green_kwh,
                       sum(hours)::INTEGER AS hours, {_KIND.format(col="data_kind")} AS data_kind
                FROM marts.enterprise_electricity WHERE year = {year} AND month IS NOT NULL
                GROUP BY ALL"""
        )
        _regions(con, f"year = {year} AND month IS NULL")


def build_meter_marts(
    con: duckdb.DuckDBPyConnection, months: Iterable[str] | None = None
) -> dict[str, int]:
    """Rebuild the given months ('YYYY-MM'; default: every month in the lake or the mart)
    and the years they fall in; returns enterprise rows per month (0: month removed)."""
    wanted = sorted(set(months) if months is not None else {*meter_months(con), *mart_months(con)})
    counts = {month: _rebuild_month(con, month) for month in wanted}
    _rebuild_years(con, {int(m[:4]) for m in wanted})
    return counts
