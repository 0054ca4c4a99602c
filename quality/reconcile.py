"""Reconciliations that compare two sources of one figure and report both numbers.

Where the MIIT lists and a document's stated count (e.g. the industrial green
development plan's "2121 家绿色工厂、171 家绿色工业园区、189 家绿色供应链企业" for
2020) describe the same thing, each pair is written to ``quality.check_results`` with
both values, the difference, and the SQL that lists the list entries behind the count.
Neither side is changed: a difference is for a statistician to resolve.
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
