"""The write steps every entry point shares (CLI, Dagster assets, benchmarks), so there
is one way to stage a file and one way to rebuild what it touched."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from quality.checks import (
    ACCOUNTING,
    MART_PROVENANCE,
    ORPHANS,
    PROGRESS_COMPLETE,
    STAGING_UNIQUE,
    CheckOutcome,
    gate,
    structural_checks,
)
from quality.corrections import apply_register
from warehouse.enterprises import build_enterprises, build_green_manufacturing
from warehouse.green_power import build_green_power
from warehouse.lake import export_years
from warehouse.marts import build_indicator_values, build_revisions
from warehouse.ref import load_reference
from warehouse.renewable_capacity import build_renewable_capacity
from warehouse.store import Warehouse, first_row
from warehouse.tables import (
    ENTERPRISE_DESIGNATIONS,
    ENTERPRISE_FILINGS,
    ENTERPRISES,
    GREEN_MANUFACTURING,
    GREEN_POWER,
    GREEN_POWER_TRADES,
    GRID_LOAD_HOURLY,
    INDICATOR_PROGRESS,
    INDICATOR_PROGRESS_OFFICIAL,
    INDICATOR_VALUES,
    OBSERVATIONS,
    RENEWABLE_CAPACITY,
    REVISIONS,
    TARGET_DATA_COVERAGE,
)
from warehouse.target_progress import build_indicator_progress

STAGING_GATE = [
    ACCOUNTING,
    STAGING_UNIQUE,
    ORPHANS,
    *structural_checks(OBSERVATIONS),
    *structural_checks(ENTERPRISE_DESIGNATIONS),
    *structural_checks(ENTERPRISE_FILINGS),
    *structural_checks(GRID_LOAD_HOURLY),
    *structural_checks(GREEN_POWER_TRADES),
]
ENTERPRISE_GATE = [*structural_checks(ENTERPRISES), *structural_checks(GREEN_MANUFACTURING)]
GRID_GATE = [*structural_checks(RENEWABLE_CAPACITY), *structural_checks(GREEN_POWER)]


def mart_gate(years: Iterable[int] | None = None) -> list:
    ys = sorted(set(years)) if years is not None else None
    where = f"year BETWEEN {ys[0]} AND {ys[-1]}" if ys else None
    return [
        MART_PROVENANCE,
        *structural_checks(INDICATOR_VALUES, where),
        *structural_checks(REVISIONS, where),
    ]


def ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    row = first_row(con, "SELECT count(*) FROM ref.regions")
    if not row or not row[0]:
        load_reference(con)


def refresh_years(
    wh: Warehouse, con: duckdb.DuckDBPyConnection, years: Iterable[int]
) -> dict[int, int]:
    """Rebuild the yearly marts and progress for ``years``, gate them, and have the lake
    follow once the warehouse is published. The corrections register is applied first:
    the years whose staged rows it changed are rebuilt too."""
    ys = sorted(set(years) | apply_register(con, wh.home.root).changed_years)
    build_enterprises(con)
    build_green_manufacturing(con)
    build_renewable_capacity(con)
    build_green_power(con)
    counts = build_indicator_values(con, ys)
    build_revisions(con, ys)
    build_indicator_progress(con)
    gate(con, [*ENTERPRISE_GATE, *GRID_GATE, *mart_gate(ys), *PROGRESS_GATE])
    lake_follows(wh, ys)
    return counts


LAKE_TABLES = (  # exported after publishing (lake-backed tables are written as staged)
    OBSERVATIONS,
    ENTERPRISE_DESIGNATIONS,
    GRID_LOAD_HOURLY,
    GREEN_POWER_TRADES,
    INDICATOR_VALUES,
    REVISIONS,
)
PROGRESS_GATE = [
    PROGRESS_COMPLETE,
    *structural_checks(INDICATOR_PROGRESS),
    *structural_checks(INDICATOR_PROGRESS_OFFICIAL),
    *structural_checks(TARGET_DATA_COVERAGE),
]


def lake_follows(wh: Warehouse, years: Iterable[int]) -> None:
    """Export these years of the lake tables once the warehouse write is published."""
    ys, lake = sorted(set(years)), wh.home.lake
    if ys:
        wh.after_publish(lambda ro: [export_years(ro, lake, t, ys) for t in LAKE_TABLES])


def gate_staging(con: duckdb.DuckDBPyConnection) -> list[CheckOutcome]:
    return gate(con, STAGING_GATE)
