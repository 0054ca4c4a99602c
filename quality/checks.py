"""Blocking structural checks in plain DuckDB SQL, generated from the table descriptions.

Each check counts offending rows and carries the SQL that lists them, so a
statistician can go from a failed check straight to the rows involved. Results
are written to ``quality.check_results``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.ddl import files_view
from warehouse.store import first_row
from warehouse.tables import STAGED_TABLES, Table


@dataclass(frozen=True)
class Check:
    name: str
    table: str
    severity: str  # blocking | warning
    rows_query: str  # lists offending rows
    threshold: str = "0 rows"
    description: str = ""


class BlockingCheckError(RuntimeError):
    """A blocking rule failed; nothing was published."""


@dataclass(frozen=True)
class CheckOutcome:
    check: Check
    partition: str | None
    failing_rows: int

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0

    def line(self) -> str:
        state = "passed" if self.passed else f"FAILED: {self.failing_rows} rows"
        where = f" [{self.partition}]" if self.partition else ""
        return f"{self.check.name}{where}: {state}"


def _where(partition_filter: str | None) -> str:
    return f" AND ({partition_filter})" if partition_filter else ""


def structural_checks(t: Table, partition_filter: str | None = None) -> list[Check]:
    """Not-null, closed value sets and primary-key uniqueness, from the description."""
    checks: list[Check] = []
    q = t.qualified
    w = _where(partition_filter)
    for c in t.columns:
        if not c.nullable:
            checks.append(
                Check(
                    f"{q}.{c.name}.not_null",
                    q,
                    "blocking",
                    f'SELECT * FROM {q} WHERE "{c.name}" IS NULL{w}',
                    description=f"{c.name} is never NULL",
                )
            )
        if c.values:
            allowed = ", ".join("'" + v + "'" for v in c.values)
            checks.append(
                Check(
                    f"{q}.{c.name}.in_set",
                    q,
                    "blocking",
                    f'SELECT * FROM {q} WHERE "{c.name}" NOT IN ({allowed}){w}',
                    description=f"{c.name} is one of {', '.join(c.values)}",
                )
            )
    if t.primary_key:
        key = ", ".join(f'"{k}"' for k in t.primary_key)
        where = f" WHERE {partition_filter}" if partition_filter else ""
        checks.append(
            Check(
                f"{q}.primary_key_unique",
                q,
                "blocking",
                f"SELECT {key}, count(*) AS n FROM {q}{where} GROUP BY {key} HAVING count(*) > 1",
                description=f"one row per {', '.join(t.primary_key)}",
            )
        )
    return checks


# Every cell of every file is accounted for: rows in = staged + quarantined + missing.
# NULL counts (a file registered but never staged) fail too.
# Lake-backed tables are counted from their Parquet footers (the files view), never
# scanned: hourly metering holds hundreds of millions of rows.
STAGED_COUNTS = " UNION ALL ".join(
    f"SELECT archive_sha256, rows AS n FROM {files_view(t)}"
    if t.storage == "lake"
    else f"SELECT archive_sha256, count(*) AS n FROM {t.qualified} GROUP BY 1"
    for t in STAGED_TABLES
)
ACCOUNTING = Check(
    "raw.files.cells_accounted_for",
    "raw.files",
    "blocking",
    f"""SELECT f.original_name, f.sha256, f.cells_in, f.rows_loaded, f.rows_quarantined,
              f.cells_missing, coalesce(o.n, 0) AS staged_now, coalesce(q.n, 0) AS quarantined_now
       FROM raw.files f
       LEFT JOIN (SELECT archive_sha256, sum(n) n FROM ({STAGED_COUNTS}) GROUP BY 1) o
              ON o.archive_sha256 = f.sha256
       LEFT JOIN (SELECT archive_sha256, sum(cells) n FROM quality.quarantine GROUP BY 1) q
              ON q.archive_sha256 = f.sha256
       WHERE f.cells_in IS NULL
          OR f.cells_in IS DISTINCT FROM f.rows_loaded + f.rows_quarantined + f.cells_missing
          OR coalesce(o.n, 0) IS DISTINCT FROM f.rows_loaded
          OR coalesce(q.n, 0) IS DISTINCT FROM f.rows_quarantined""",
    description="cells_in = loaded + quarantined + missing, and the tables agree with raw.files",
)

# One value per file, region, indicator, industry and period: duplicates are quarantined.
STAGING_UNIQUE = Check(
    "staging.observations.unique_per_file",
    "staging.observations",
    "blocking",
    """SELECT archive_sha256, region_code, indicator_code, industry_code, source_sector, fuel,
              period, vintage, count(*) n
       FROM staging.observations GROUP BY ALL HAVING count(*) > 1""",
    description="a file gives each region, indicator, sector, fuel, period and vintage once",
)

# Two sources giving different values for the same figure and vintage: a statistician
# decides which is right (the mart takes the most recently received file).
CONFLICTS = Check(
    "staging.observations.same_vintage_conflicts",
    "staging.observations",
    "warning",
    """SELECT region_code, indicator_code, industry_code, source_sector, fuel, period, vintage,
              list(DISTINCT value) AS values_, list(DISTINCT provenance) AS provenance
       FROM staging.observations
       GROUP BY region_code, indicator_code, industry_code, source_sector, fuel, period, vintage
       HAVING count(DISTINCT value) > 1""",
    description="sources agree on a figure within one vintage",
)

# Every mart row points at a staged row that still exists.
# What a derived value may be computed from: a staged observation (its cell), or a whole
# archived file whose entity rows are staged (counts of list entries, sums of filings).
TRACEABLE_INPUTS = "SELECT provenance AS input FROM staging.observations" + "".join(
    f" UNION ALL SELECT DISTINCT 'sha256:' || archive_sha256 FROM "
    f"{files_view(t) if t.storage == 'lake' else t.qualified}"
    for t in STAGED_TABLES
    if t.qualified != "staging.observations"
)
MART_PROVENANCE = Check(
    "marts.indicator_values.provenance_staged",
    "marts.indicator_values",
    "blocking",
    f"""WITH d AS (SELECT region_code, indicator_code, year, unnest(inputs) AS input
                FROM marts.indicator_values WHERE provenance LIKE 'derived:%')
       SELECT v.region_code, v.indicator_code, v.year, v.provenance AS missing
       FROM marts.indicator_values v ANTI JOIN staging.observations o USING (provenance)
       WHERE v.provenance NOT LIKE 'derived:%'
       UNION ALL
       SELECT d.region_code, d.indicator_code, d.year, d.input
       FROM d ANTI JOIN ({TRACEABLE_INPUTS}) o ON o.input = d.input
       UNION ALL
       SELECT region_code, indicator_code, year, 'derived without inputs or method'
       FROM marts.indicator_values
       WHERE provenance LIKE 'derived:%' AND (coalesce(len(inputs), 0) = 0 OR method IS NULL)""",
    description="every mart value traces to staged rows: its own, or every input of a "
    "derived value (a staged cell, or a file whose records are staged)",
)

ORPHANS = Check(
    "staging.observations.known_references",
    "staging.observations",
    "blocking",
    """SELECT o.* FROM staging.observations o
       LEFT JOIN ref.regions r USING (region_code)
       LEFT JOIN ref.indicators i USING (indicator_code)
       WHERE r.region_code IS NULL OR i.indicator_code IS NULL""",
    description="every region and indicator is in ref",
)

PROGRESS_COMPLETE = Check(
    "marts.indicator_progress.every_target",
    "marts.indicator_progress",
    "blocking",
    """SELECT t.target_id FROM ref.policy_targets t
       LEFT JOIN marts.indicator_progress p USING (target_id) WHERE p.target_id IS NULL""",
    description="every target in ref.policy_targets has a progress row",
)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    checks: list[Check],
    *,
    partition: str | None = None,
    run_id: str | None = None,
    record: bool = True,
) -> list[CheckOutcome]:
    outcomes = []
    now = datetime.now(UTC).replace(tzinfo=None)
    for chk in checks:
        row = first_row(con, f"SELECT count(*) FROM ({chk.rows_query})")
        outcome = CheckOutcome(chk, partition, int(row[0]) if row else 0)
        outcomes.append(outcome)
        if record:
            con.execute(
                "INSERT INTO quality.check_results BY NAME SELECT ? AS check_name, "
                "? AS table_name, ? AS partition, ? AS run_id, ? AS severity, ? AS passed, "
                "? AS observed, ? AS threshold, ? AS rows_query, ? AS checked_at",
                [
                    chk.name,
                    chk.table,
                    partition,
                    run_id,
                    chk.severity,
                    outcome.passed,
                    f"{outcome.failing_rows} rows",
                    chk.threshold,
                    chk.rows_query,
                    now,
                ],
            )
    return outcomes


def gate(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> list[CheckOutcome]:
    """Run checks inside a write, before publishing: a failed blocking rule raises, so
    readers never see data that breaks it. Warnings are returned, not raised."""
    outcomes = run_checks(con, checks, record=False)
    failed = [o for o in outcomes if not o.passed and o.check.severity == "blocking"]
    if failed:
        raise BlockingCheckError(
            "blocking check failed, nothing published: " + "; ".join(o.line() for o in failed)
        )
    return outcomes
