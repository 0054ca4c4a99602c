"""The Dagster code location: ``dagster dev -m pipelines.definitions``."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import ALL_ASSETS, ALL_CHECKS
from pipelines.jobs import (
    annual_job,
    annual_schedule,
    inbox_sensor,
    ingest_job,
    staged_years_sensor,
)
from pipelines.resources import WarehouseResource

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[ingest_job, annual_job],
    schedules=[annual_schedule],
    sensors=[inbox_sensor, staged_years_sensor],
    resources={"warehouse": WarehouseResource()},
)
