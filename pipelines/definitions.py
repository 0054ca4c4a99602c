"""The Dagster code location: ``dagster dev -m pipelines.definitions``."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import ALL_ASSETS, ALL_CHECKS
from pipelines.grid_assets import GRID_ASSETS, GRID_CHECKS, MONTHLY_ASSETS
from pipelines.jobs import (
    annual_job,
    annual_schedule,
    inbox_sensor,
    ingest_job,
    monthly_job,
    monthly_schedule,
    staged_years_sensor,
)
from pipelines.resources import WarehouseResource

defs = dg.Definitions(
    assets=[*ALL_ASSETS, *GRID_ASSETS, *MONTHLY_ASSETS],
    asset_checks=[*ALL_CHECKS, *GRID_CHECKS],
    jobs=[ingest_job, annual_job, monthly_job],
    schedules=[annual_schedule, monthly_schedule],
    sensors=[inbox_sensor, staged_years_sensor],
    resources={"warehouse": WarehouseResource()},
)
