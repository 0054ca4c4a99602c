"""Partitions: one per calendar year for annual statistics (year-end is when a year's
figures can exist); region stays a column."""

from __future__ import annotations

import dagster as dg

FIRST_YEAR = "1990"

yearly = dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start=FIRST_YEAR, fmt="%Y")
