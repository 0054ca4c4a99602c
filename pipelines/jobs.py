"""Jobs, schedules and sensors: when things run."""

from __future__ import annotations

import time

import dagster as dg

from greenstat.settings import home
from pipelines.assets import (
    corrections,
    enterprises,
    green_manufacturing,
    inbox_files,
    indicator_progress,
    indicator_values,
    quality_audit,
    raw_files,
    ref_tables,
    report_site,
    staging_observations,
)
from pipelines.grid_assets import green_power, metered_electricity
from pipelines.partitions import yearly

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# A file must have been left alone this long before the sensor takes it; copy big files
# in under a name starting with '.' and rename them, and they are taken at once.
SETTLE_SECONDS = 2.0

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=[ref_tables, raw_files, staging_observations, enterprises, corrections],
    description="Load ref, archive and stage files, then apply the corrections register "
    "(the inbox sensor runs it per new file)",
)
annual_job = dg.define_asset_job(
    "annual_job",
    selection=[
        green_manufacturing,
        green_power,
        indicator_values,
        indicator_progress,
        quality_audit,
        report_site,
    ],
    description="Rebuild yearly marts, audit and the site for a year or a range of years",
)

monthly_job = dg.define_asset_job(
    "monthly_job",
    selection=[metered_electricity],  # monthly partitions: the asset's own
    description="Roll up enterprise metering for a month or a range of months (backfills)",
)
# Metering for a month is complete once the month has ended in Beijing; roll it up on the
# 2nd, leaving a day for late files.
monthly_schedule = dg.build_schedule_from_partitioned_job(
    monthly_job, name="metering_monthly_schedule", day_of_month=2, hour_of_day=4
)


# NBS publishes a year's provincial figures through the following year and revises
# the year before; each quarter, rebuild the two newest complete years so late files
# and revisions reach the marts.
@dg.schedule(
    job=annual_job,
    cron_schedule="0 6 1 3,6,9,12 *",
    name="nbs_annual_schedule",
    execution_timezone="Asia/Shanghai",
    description="Annual statistics (NBS cadence): rebuild the two newest years",
)
def annual_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    keys = yearly.get_partition_keys(current_time=context.scheduled_execution_time)
    start, end = keys[-2], keys[-1]
    return dg.RunRequest(
        run_key=f"annual-{start}-{end}-{context.scheduled_execution_time:%Y%m}",
        tags={RANGE_START: start, RANGE_END: end},
    )


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=30,
    description="Ingest each new file dropped in $GREENSTAT_HOME/inbox",
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    inbox = home().ensure().inbox
    requests = []
    now = time.time()
    for path in inbox_files(inbox):
        stat = path.stat()
        if now - stat.st_mtime < SETTLE_SECONDS:
            continue  # still being copied; the next tick takes it
        key = f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
        requests.append(
            dg.RunRequest(
                run_key=key,
                run_config={"ops": {"raw_files": {"config": {"paths": [str(path)]}}}},
                tags={"greenstat/file": path.name},
            )
        )
    return dg.SensorResult(run_requests=requests)


@dg.asset_sensor(
    asset_key=staging_observations.key,
    job=annual_job,
    description="After staging changes, rebuild the marts for the years it touched",
)
def staged_years_sensor(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry
) -> dg.RunRequest | dg.SkipReason:
    mat = asset_event.asset_materialization
    meta = mat.metadata if mat else {}
    lo, hi = meta.get("min_year"), meta.get("max_year")
    if lo is None or hi is None:
        return dg.SkipReason("staging reported no years")
    keys = yearly.get_partition_keys()
    start = max(str(lo.value), keys[0])
    end = min(str(hi.value), keys[-1])
    if start > end:
        return dg.SkipReason(f"years {lo.value}-{hi.value} are outside the partitions")
    return dg.RunRequest(
        run_key=f"staged-{asset_event.storage_id}", tags={RANGE_START: start, RANGE_END: end}
    )
