"""`greenstat run`: every asset in one in-process run, all year partitions at once.

One run with a partition-range tag lets the yearly marts (single-run backfill
policy) build every year in one step, in the same run as the unpartitioned
layers, so the whole pipeline costs one Dagster run, not one per year.
"""

from __future__ import annotations

import dagster as dg

from greenstat.settings import Home
from pipelines.assets import ALL_ASSETS, ALL_CHECKS, inbox_files
from pipelines.grid_assets import GRID_ASSETS, GRID_CHECKS, MONTHLY_ASSETS
from pipelines.jobs import RANGE_END, RANGE_START
from pipelines.partitions import monthly, yearly
from pipelines.resources import WarehouseResource
from reports.site import build_site
from sources.archive import archive_file
from sources.extracts import embedded_files
from sources.ingest import (
    IngestOptions,
    pending_files,
    register_archived,
    stage_archived,
    validate_file,
)
from warehouse.build import gate_staging, refresh_years
from warehouse.ref import load_reference
from warehouse.store import Warehouse


def plain_pipeline(h: Home) -> None:
    """The same work as ``materialize_all`` through the plain modules, without Dagster:
    the benchmark's baseline for Dagster's own overhead."""
    wh = Warehouse(h)
    with wh.write() as con:
        load_reference(con)
        for path in [*embedded_files(h.generated), *inbox_files(h.inbox)]:
            archived = archive_file(path, h.archive)
            register_archived(con, archived, validate_file(path), IngestOptions())
        for archived, options in pending_files(con):
            stage_archived(con, archived, options)
        gate_staging(con)
        refresh_years(wh, con, [int(k) for k in yearly.get_partition_keys()])
    with wh.connect_read() as con:
        build_site(con, h.site)


def materialize_all(select: str | None = None, verbose: bool = False) -> tuple[bool, list[str]]:
    """Every asset: the yearly and whole ones in one run over all year partitions, then the
    monthly ones in one run over the months that have metering (when selected)."""
    try:
        selection = dg.AssetSelection.from_string(select) if select else None
        if selection is not None:
            chosen = selection.resolve([*ALL_ASSETS, *GRID_ASSETS, *MONTHLY_ASSETS])
            if not chosen:
                return False, [f"--select {select!r} matches no asset"]
    except Exception as exc:  # Dagster's parse errors are long; say it in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return False, [f"--select {select!r} is not a valid asset selection: {first}"]
    keys = yearly.get_partition_keys()
    main = [*ALL_ASSETS, *GRID_ASSETS]
    lines: list[str] = []
    ok = True
    if selection is None or selection.resolve([*main, *MONTHLY_ASSETS]) & {a.key for a in main}:
        ok, lines = _materialize(main, selection, keys[0], keys[-1], "year", verbose)
    wanted_monthly = selection is None or bool(
        selection.resolve([*main, *MONTHLY_ASSETS]) & {a.key for a in MONTHLY_ASSETS}
    )
    if ok and wanted_monthly:
        months = metered_months()
        if months:
            ok, more = _materialize(MONTHLY_ASSETS, None, months[0], months[-1], "month", verbose)
            lines += more
    return ok, lines


def metered_months() -> list[str]:
    """Month partition keys (YYYY-MM-01) that have metering in the lake."""
    from greenstat.settings import home
    from warehouse.meter import meter_months

    wh = Warehouse(home())
    if not wh.exists():
        return []
    with wh.connect_read() as con:
        held = meter_months(con)
    keys = set(monthly.get_partition_keys())
    return sorted(k for k in (f"{m}-01" for m in held) if k in keys)


def materialize_months(first: str, last: str, verbose: bool = False) -> tuple[bool, list[str]]:
    """Backfill the monthly assets for months ``first``..``last`` (YYYY-MM) in one run."""
    keys = monthly.get_partition_keys()
    start, end = f"{first}-01", f"{last}-01"
    if start not in keys or end not in keys or start > end:
        return False, [f"months {first}..{last} are not within {keys[0][:7]}..{keys[-1][:7]}"]
    return _materialize(MONTHLY_ASSETS, None, start, end, "month", verbose)


def _materialize(
    assets: list, selection, start: str, end: str, unit: str, verbose: bool
) -> tuple[bool, list[str]]:
    run_config = None
    if not verbose:
        run_config = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            [*assets, *ALL_CHECKS, *GRID_CHECKS] if unit == "year" else assets,
            instance=instance,
            resources={"warehouse": WarehouseResource()},
            selection=selection,
            tags={RANGE_START: start, RANGE_END: end, "greenstat/command": "run"},
            run_config=run_config,
            raise_on_error=False,
        )
    lines = []
    partitions: dict[str, int] = {}
    rows: dict[str, object] = {}
    staged_files: list[str] = []  # each file staged, with its counts, as `ingest` prints it
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat is None:
            continue
        key = mat.asset_key.to_user_string()
        partitions[key] = partitions.get(key, 0) + (1 if mat.partition else 0)
        count = mat.metadata.get("dagster/row_count")
        rows[key] = count.value if count is not None else None
        files = mat.metadata.get("files")
        if key == "staging_observations" and files is not None:
            staged_files += [ln[2:] for ln in str(files.value).splitlines() if ln.startswith("- ")]
    for key, n_parts in partitions.items():
        extra = f", {n_parts} {unit} partitions" if n_parts else ""
        lines.append(
            f"materialised {key}" + (f" ({rows[key]} rows{extra})" if rows[key] is not None else "")
        )
        if key == "staging_observations":
            lines += [f"  staged {f}" for f in staged_files]
    for check in result.get_asset_check_evaluations():
        state = (
            "passed"
            if check.passed
            else "FAILED"
            if check.severity == dg.AssetCheckSeverity.ERROR
            else "found rows to review (a warning: nothing was blocked)"
        )
        desc = f": {check.description}" if check.description and not check.passed else ""
        lines.append(f"check {check.check_name} {state}{desc}")
    for event in result.all_events:
        if event.is_step_failure:
            err = event.step_failure_data.error if event.step_failure_data else None
            while (
                err is not None
                and err.cause is not None
                and "Error occurred while" in (err.message)
            ):
                err = err.cause  # Dagster wraps the real error; show the cause
            msg = err.message.strip().splitlines()[0] if err else "step failed"
            lines.append(f"FAILED {event.step_key}: {msg}")
        elif event.event_type_value == "STEP_SKIPPED":
            lines.append(f"skipped {event.step_key} (an upstream step or blocking check failed)")
    return result.success, lines
