"""Partitions: one per calendar year for annual statistics (year-end is when a year's
figures can exist), one per month for grid metering; region stays a column."""

from __future__ import annotations

import dagster as dg

FIRST_YEAR = "1990"
FIRST_MONTH = "2016-01-01"  # the first month of the demo metering and grid series

yearly = dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start=FIRST_YEAR, fmt="%Y")
# Months in Beijing time: a month's metering is complete at local midnight of the 1st.
monthly = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, timezone="Asia/Shanghai")
