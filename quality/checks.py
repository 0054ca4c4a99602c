"""Checks in plain DuckDB SQL: the suites' expectations and the cross-table rules.

Each check counts offending rows and carries the SQL that lists them, so a
statistician can go from a failed check straight to the rows involved. Results are
written to ``quality.check_results``, each with a GX ExpectationValidationResult so
Data Docs render every check, suite expectation or not.

The structural rules of a table (types, not null, sets, primary key) are the
blocking expectations of its suite (``quality/suites/``, derived from
``warehouse/tables.py`` by ``quality.suites``): ``structural_checks`` reads them from
there, so a rule has one derivation and the pre-publish gates, the asset checks and
the audit run the same thing. The rules below span tables and are written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from quality.expectations import (
    CRITICAL,
    Batch,
    Expectation,
    ExpectationResult,
    gx_version,
    insert_results,
    now_utc,
    rows_query,
    validate,
)
from quality.suites import suite_for
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
    # Set when the check is a suite expectation run on a batch (natively, by the engine).
    expectation: Expectation | None = None
    batch: Batch | None = None

    @classmethod
    def of(cls, e: Expectation, batch: Batch) -> Check:
        return cls(
            f"{batch.table}.{e.name}",
            batch.table,
            "blocking" if e.blocking else "warning",
            rows_query(e, batch),
            description=e.description or e.type,
            expectation=e,
            batch=batch,
        )


class BlockingCheckError(RuntimeError):
    """A blocking rule failed; nothing was published."""


@dataclass(frozen=True)
class CheckOutcome:
    check: Check
    partition: str | None
    failing_rows: int
    result: ExpectationResult | None = None

    @property
    def passed(self) -> bool:
        return self.result.success if self.result is not None else self.failing_rows == 0

    @property
    def observed(self) -> str:
        return self.result.observed() if self.result is not None else f"{self.failing_rows} rows"

    @property
    def threshold(self) -> str:
        return self.result.threshold() if self.result is not None else self.check.threshold

    def line(self) -> str:
        """One line: table and check, partition, expectation, observed value."""
        where = f" [{self.partition}]" if self.partition else ""
        blocking = self.check.severity == "blocking"
        if self.result is not None and not self.passed:
            e = self.result.expectation
            return (
                f"{self.check.name}{where}: {'FAILED' if blocking else 'to review'} "
                f"({e.type}): observed {self.observed}, expected {self.threshold}"
            )
        state = (
            "passed"
            if self.passed
            else f"FAILED: {self.failing_rows} rows"
            if blocking
            else f"{self.failing_rows} rows to review"
        )
        return f"{self.check.name}{where}: {state}"

    def gx(self, run_id: str | None) -> dict:
        """The GX ExpectationValidationResult; a hand-written SQL check is GX's
        ``unexpected_rows_expectation`` (a query listing the rows that break a rule)."""
        if self.result is not None:
            return self.result.gx(run_id)
        c = self.check
        return {
            "success": self.passed,
            "expectation_config": {
                "type": "unexpected_rows_expectation",
                "kwargs": {"unexpected_rows_query": c.rows_query},
                "description": c.description or c.name,
                "severity": CRITICAL if c.severity == "blocking" else "warning",
                "meta": {"origin": "sql", "check": c.name},
            },
            "result": {"observed_value": self.failing_rows},
            "meta": {
                "check_name": c.name,
                "partition": self.partition,
                "run_id": run_id,
                "rows_query": c.rows_query,
                "great_expectations_version": gx_version(),
            },
            "exception_info": {
                "raised_exception": False,
                "exception_traceback": None,
                "exception_message": None,
            },
        }


def suite_checks(
    t: Table | str,
    partition_filter: str | None = None,
    *,
    severity: str | None = None,
    partition: str | None = None,
) -> list[Check]:
    """A table's suite expectations (of one severity, or all) as checks on a batch."""
    suite = suite_for(t)
    batch = Batch(suite.name, partition_filter, partition)
    return [Check.of(e, batch) for e in suite.select(severity)]


def structural_checks(t: Table, partition_filter: str | None = None) -> list[Check]:
    """The blocking rules of a table's suite: types, not null, sets, primary key."""
    return suite_checks(t, partition_filter, severity=CRITICAL)


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
    checks: Sequence[Check],
    *,
    partition: str | None = None,
    run_id: str | None = None,
    record: bool = True,
) -> list[CheckOutcome]:
    """Run checks, in order; suite expectations on the same batch share one scan."""
    by_batch: dict[Batch, list[int]] = {}
    for i, chk in enumerate(checks):
        if chk.expectation is not None and chk.batch is not None:
            by_batch.setdefault(chk.batch, []).append(i)
    results: dict[int, ExpectationResult] = {}
    for batch, idx in by_batch.items():
        found = validate(con, [checks[i].expectation for i in idx], batch)  # type: ignore[misc]
        results |= dict(zip(idx, found, strict=True))
    outcomes = []
    for i, chk in enumerate(checks):
        res = results.get(i)
        if res is not None:
            part = partition or res.batch.partition
            outcomes.append(CheckOutcome(chk, part, res.failing_rows, res))
        else:
            row = first_row(con, f"SELECT count(*) FROM ({chk.rows_query})")
            outcomes.append(CheckOutcome(chk, partition, int(row[0]) if row else 0))
    if record:
        record_outcomes(con, outcomes, run_id=run_id)
    return outcomes


def record_outcomes(
    con: duckdb.DuckDBPyConnection, outcomes: Sequence[CheckOutcome], *, run_id: str | None
) -> None:
    """One quality.check_results row per outcome."""
    now = now_utc()
    rows = [
        [
            o.check.name,
            o.check.table,
            o.partition,
            run_id,
            o.check.severity,
            o.passed,
            o.observed,
            o.threshold,
            o.check.rows_query,
            json.dumps(o.gx(run_id), ensure_ascii=False, default=str),
        ]
        for o in outcomes
    ]
    insert_results(con, rows, now)


def gate(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> list[CheckOutcome]:
    """Run checks inside a write, before publishing: a failed blocking rule raises, so
    readers never see data that breaks it. Warnings are returned, not raised."""
    outcomes = run_checks(con, checks, record=False)
    failed = [o for o in outcomes if not o.passed and o.check.severity == "blocking"]
    if failed:
        raise BlockingCheckError(
            "blocking check failed, nothing published: "
            + "; ".join(o.line() + _first_failing(con, o) for o in failed)
        )
    return outcomes


FIRST_ROW_CHARS = 300


def _first_failing(con: duckdb.DuckDBPyConnection, o: CheckOutcome) -> str:
    """The first row a failed SQL check lists, on the same line, so the message says
    what failed and not only how many rows did (expectations say it themselves)."""
    if o.result is not None:
        return ""
    cur = con.execute(f"SELECT * FROM ({o.check.rows_query}) LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return ""
    shown = ", ".join(f"{d[0]}={v!r}" for d, v in zip(cur.description, row, strict=True))
    if len(shown) > FIRST_ROW_CHARS:
        shown = shown[: FIRST_ROW_CHARS - 3] + "..."
    return f" (first: {shown})"


# --- batches: which rows a partitioned check looks at -------------------------------


def year_filter(start: int, end: int) -> str:
    return f"year = {start}" if start == end else f"year BETWEEN {start} AND {end}"


def range_label(start: str, end: str) -> str:
    return start if start == end else f"{start}..{end}"


def month_filter(t: Table, month: str) -> str:
    """SQL selecting one month ('YYYY-MM') of a table: a DATE month column (the lake's
    partition column, so DuckDB reads one partition) or integer year and month."""
    y, m = int(month[:4]), int(month[5:7])
    if t.column("month").type == "DATE":
        return f"month = DATE '{y:04d}-{m:02d}-01'"
    return f"year = {y} AND month = {m}"


def unchecked_lake_partitions(con: duckdb.DuckDBPyConnection, t: Table) -> list[str]:
    """Partitions of a lake table ('YYYY-MM' or 'YYYY') holding a file staged after the
    partition's last recorded check, or never checked, from the file footers."""
    part = str(t.lake_partition)
    label = (
        f"strftime(v.{part}, '%Y-%m')" if t.column(part).type == "DATE" else f"v.{part}::VARCHAR"
    )
    rows = con.execute(
        f"""WITH files AS (
              SELECT {label} AS p, max(f.staged_at) AS staged
              FROM {files_view(t)} v LEFT JOIN raw.files f ON f.sha256 = v.archive_sha256
              GROUP BY 1),
            checked AS (
              SELECT partition AS p, max(checked_at) AS at FROM quality.check_results
              WHERE table_name = ? GROUP BY 1)
            SELECT files.p FROM files LEFT JOIN checked USING (p)
            WHERE checked.at IS NULL OR files.staged IS NULL OR checked.at < files.staged
            ORDER BY 1""",
        [t.qualified],
    ).fetchall()
    return [p for (p,) in rows]


def lake_partition_filter(t: Table, key: str) -> str:
    if t.column(str(t.lake_partition)).type == "DATE":
        return month_filter(t, key)
    return f"{t.lake_partition} = {int(key)}"


def audit_checks(
    con: duckdb.DuckDBPyConnection, tables: Sequence[Table], run_id: str | None = None
) -> list[Check]:
    """Every suite on every table, for the audit: warehouse tables whole, unless this run
    already validated the whole table (an asset check did); partitioned lake tables never
    whole, only the partitions with files newer than their last check, one partition at a
    time (an unpartitioned lake table, such as the filings, is checked like a table)."""
    done: set[str] = set()
    if run_id is not None:
        done = {
            t
            for (t,) in con.execute(
                "SELECT DISTINCT table_name FROM quality.check_results "
                "WHERE run_id = ? AND partition IS NULL AND json_extract_string(gx_result, "
                "'$.expectation_config.meta.origin') = 'derived'",
                [run_id],
            ).fetchall()
        }
    checks: list[Check] = []
    for t in tables:
        if t.storage == "lake" and t.lake_partition:
            for key in unchecked_lake_partitions(con, t):
                checks += suite_checks(t, lake_partition_filter(t, key), partition=key)
        elif t.qualified not in done:
            checks += suite_checks(t)
    return checks
