"""Expectation suites as Dagster asset checks, beside the assets that build their tables.

Each asset gets two checks from one step, so one scan per table serves both:
``<asset>_structure`` runs the suites' critical expectations plus the asset's
cross-table rules and is blocking (a failure stops the marts downstream, its
description naming table, expectation and observed value in one line);
``<asset>_statistics`` runs the warning expectations (non-negative quantities, shares,
year-over-year bounds, parts and totals) and never blocks. A yearly asset checks the
run's year range, a monthly one each month of the run. The logic lives in
``quality.checks``; this module only wires it.

No `from __future__ import annotations` here: Dagster reads the annotations.
"""

from collections.abc import Iterator, Sequence

import dagster as dg
import duckdb

from pipelines.resources import WarehouseResource
from quality.checks import (
    Check,
    CheckOutcome,
    month_filter,
    range_label,
    run_checks,
    suite_checks,
    year_filter,
)
from quality.expectations import WARNING
from quality.suites import suite_for
from warehouse.tables import Table

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def summary(outcomes: Sequence[CheckOutcome]) -> str:
    """One line: the first failure, and how many more; or how many rules passed."""
    failed = [o for o in outcomes if not o.passed]
    if not failed:
        return f"{len(outcomes)} rules passed"
    more = f" (and {len(failed) - 1} more failed)" if len(failed) > 1 else ""
    return failed[0].line() + more


def check_result(
    name: str, outcomes: Sequence[CheckOutcome], severity: dg.AssetCheckSeverity
) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if not o.passed]
    return dg.AssetCheckResult(
        check_name=name,
        passed=not failed,
        severity=severity,
        description=summary(outcomes),
        metadata={
            "rules": dg.MetadataValue.int(len(outcomes)),
            "failed": dg.MetadataValue.int(len(failed)),
            "failures": dg.MetadataValue.md(
                "\n".join(f"- {o.line()}\n\n  `{o.check.rows_query}`" for o in failed[:20])
                or "none"
            ),
        },
    )


def year_range(context: dg.AssetCheckExecutionContext) -> tuple[str, str] | None:
    """The run's year partition range, from its tags (None: the whole table)."""
    tags = context.run.tags
    key = tags.get("dagster/partition")
    start, end = tags.get(RANGE_START, key), tags.get(RANGE_END, key)
    return (start, end) if start and end else None


def split(outcomes: Sequence[CheckOutcome]) -> tuple[list[CheckOutcome], list[CheckOutcome]]:
    """Blocking outcomes, then warnings."""
    blocking = [o for o in outcomes if o.check.severity == "blocking"]
    return blocking, [o for o in outcomes if o.check.severity != "blocking"]


def batch_checks(tables: Sequence[Table], years: tuple[str, str] | None = None) -> list[Check]:
    """Suite checks on each table: on the year range for tables split by year
    (``Table.by_year``) when a range is given, else the whole table."""
    out: list[Check] = []
    for t in tables:
        if years and t.by_year:
            where = year_filter(int(years[0]), int(years[1]))
            out += suite_checks(t, where, partition=range_label(*years))
        else:
            out += suite_checks(t)
    return out


def month_checks(tables: Sequence[Table], months: Sequence[str]) -> list[Check]:
    """Suite checks on one month ('YYYY-MM') at a time of each table."""
    return [
        c
        for month in months
        for t in tables
        for c in suite_checks(t, month_filter(t, month), partition=month)
    ]


def has_warnings(tables: Sequence[Table]) -> bool:
    return any(suite_for(t).select(WARNING) for t in tables)


def suite_asset_checks(
    asset: dg.AssetsDefinition,
    tables: Sequence[Table],
    *,
    extra_blocking: Sequence[Check] = (),
    partitioned_by_year: bool = False,
) -> dg.AssetChecksDefinition:
    """The structure (blocking) and statistics (warning) checks of an asset's tables."""
    prefix = asset.key.path[-1]
    names = ", ".join(t.qualified for t in tables)
    specs = [
        dg.AssetCheckSpec(
            f"{prefix}_structure",
            asset=asset,
            blocking=True,
            description=f"Blocking: the suites' structural expectations on {names} (types, "
            "not null, value sets, primary key)"
            + (" and the cross-table rules" if extra_blocking else ""),
        )
    ]
    warnings = has_warnings(tables)
    if warnings:
        specs.append(
            dg.AssetCheckSpec(
                f"{prefix}_statistics",
                asset=asset,
                blocking=False,
                description=f"Warnings: the suites' statistical expectations on {names} "
                "(non-negative quantities, shares, year-over-year bounds, parts and totals)",
            )
        )

    @dg.multi_asset_check(specs=specs, name=f"{prefix}_suites")
    def _suites(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        years = year_range(context) if partitioned_by_year else None
        run_id = context.run.run_id
        with warehouse.warehouse().write() as con:
            # Both severities in one run: a table's rules share one scan.
            outcomes = run_checks(
                con, [*batch_checks(tables, years), *extra_blocking], run_id=run_id
            )
        blocking, stats = split(outcomes)
        yield check_result(f"{prefix}_structure", blocking, dg.AssetCheckSeverity.ERROR)
        if warnings:
            yield check_result(f"{prefix}_statistics", stats, dg.AssetCheckSeverity.WARN)

    return _suites


def monthly_check_specs(asset_name: str, tables: Sequence[Table]) -> list[dg.AssetCheckSpec]:
    """Check specs for a monthly asset that runs its suites itself (``month_results``):
    declared on the asset, so they travel with it into any run that materialises it."""
    names = ", ".join(t.qualified for t in tables)
    return [
        dg.AssetCheckSpec(
            f"{asset_name}_structure",
            asset=asset_name,
            blocking=True,
            description=f"Blocking, per month: the suites' structural expectations on {names}",
        ),
        dg.AssetCheckSpec(
            f"{asset_name}_statistics",
            asset=asset_name,
            blocking=False,
            description=f"Warnings, per month: the suites' statistical expectations on {names}",
        ),
    ]


def month_results(
    con: duckdb.DuckDBPyConnection,
    asset_name: str,
    tables: Sequence[Table],
    months: Sequence[str],
    run_id: str,
) -> list[dg.AssetCheckResult]:
    """Run the suites on each month of the run (never a lake table whole) and record
    them, in the asset's own write (one warehouse copy fewer per run)."""
    blocking, stats = split(run_checks(con, month_checks(tables, months), run_id=run_id))
    return [
        check_result(f"{asset_name}_structure", blocking, dg.AssetCheckSeverity.ERROR),
        check_result(f"{asset_name}_statistics", stats, dg.AssetCheckSeverity.WARN),
    ]
