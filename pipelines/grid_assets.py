"""Grid green power assets: the capacity and green power marts (whole), and the metered
electricity rollups (one partition per month, so a month range can be backfilled)."""

import dagster as dg

from pipelines.assets import _gate_or_fail, enterprises, gate_check, staging_observations
from pipelines.partitions import monthly
from pipelines.resources import WarehouseResource
from pipelines.suite_checks import month_results, monthly_check_specs, suite_asset_checks
from quality.capacity_checks import capacity_checks
from quality.checks import structural_checks
from quality.meter_checks import rollup_complete_check
from warehouse.green_power import build_green_power
from warehouse.meter import build_meter_marts
from warehouse.renewable_capacity import build_renewable_capacity
from warehouse.tables import (
    ENTERPRISE_ELECTRICITY,
    ENTERPRISE_METER_HOURLY,
    GREEN_POWER,
    REGION_METERED_ELECTRICITY,
    RENEWABLE_CAPACITY,
)

# Checked month by month with the rollups: the hourly lake partition and the mart rows.
METERED_TABLES = [ENTERPRISE_METER_HOURLY, ENTERPRISE_ELECTRICITY, REGION_METERED_ELECTRICITY]


@dg.asset(
    group_name="marts",
    kinds={"duckdb"},
    deps=[staging_observations],
    description="staging.renewable_capacity and marts.green_power: electricity use from "
    "hourly load, wind and solar capacity, green power imported, each with its data_kind",
)
def green_power(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        capacity = build_renewable_capacity(con)
        n = build_green_power(con)
        _gate_or_fail(
            con, [*structural_checks(RENEWABLE_CAPACITY), *structural_checks(GREEN_POWER)]
        )
        bj = con.execute(
            """SELECT measure, year, value, data_kind FROM marts.green_power
               WHERE region_code = 'CN-BJ' AND month IS NULL
               QUALIFY year = max(year) OVER (PARTITION BY measure) ORDER BY measure"""
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(n),
            "capacity_rows": dg.MetadataValue.int(capacity),
            "beijing_latest": dg.MetadataValue.md(
                "\n".join(f"- {m} {y}: {v:,.0f} ({k})" for m, y, v, k in bj) or "none"
            ),
        }
    )


def partition_months(keys: list[str]) -> list[str]:
    """Partition keys (YYYY-MM-01) as the metering months (YYYY-MM)."""
    return sorted(k[:7] for k in keys)


@dg.asset(
    group_name="marts",
    kinds={"duckdb", "parquet"},
    deps=[enterprises],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Metered electricity per enterprise and per region, by month and year, "
    "rolled up from staging.enterprise_meter_hourly (the lake's month partitions)",
    check_specs=monthly_check_specs("metered_electricity", METERED_TABLES),
)
def metered_electricity(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    months = partition_months(list(context.partition_keys))
    with warehouse.warehouse().write() as con:
        counts = build_meter_marts(con, months)
        _gate_or_fail(
            con,
            [
                *structural_checks(ENTERPRISE_ELECTRICITY),
                *structural_checks(REGION_METERED_ELECTRICITY),
                *(rollup_complete_check(m) for m in months),
            ],
        )
        checks = month_results(
            con, "metered_electricity", METERED_TABLES, months, context.run.run_id
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
            "months": dg.MetadataValue.text(f"{months[0]} to {months[-1]}"),
            "enterprises_per_month": dg.MetadataValue.json(counts),
        },
        check_results=checks,
    )


green_power_capacity = gate_check(
    green_power,
    "green_power_capacity",
    capacity_checks(),
    "Wind phases against the CEC national figure and the PyPSA additions, phases listed "
    "twice or without a year: reported for review, never fixed",
    blocking=False,
)

green_power_structure = suite_asset_checks(green_power, [RENEWABLE_CAPACITY, GREEN_POWER])

GRID_ASSETS = [green_power]
GRID_CHECKS = [green_power_capacity, green_power_structure]
MONTHLY_ASSETS = [metered_electricity]
