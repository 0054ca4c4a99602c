"""Assets, one group per layer. Each asset body calls plain modules and reports counts.

No `from __future__ import annotations` here: Dagster reads the config and context
annotations at run time.
"""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.partitions import yearly
from pipelines.resources import WarehouseResource
from pipelines.suite_checks import suite_asset_checks
from quality.checks import (
    CONFLICTS,
    MART_PROVENANCE,
    BlockingCheckError,
    audit_checks,
    gate,
    run_checks,
    structural_checks,
)
from quality.corrections import UNMATCHED, CorrectionsError, apply_register
from quality.plausibility import PLAUSIBILITY_CHECKS
from quality.reconcile import designation_counts_vs_stated, run_reconciliations
from quality.report import record_release
from reports.site import build_site
from sources.archive import archive_file
from sources.errors import SourceFormatError
from sources.extracts import embedded_files
from sources.ingest import (
    IngestOptions,
    pending_files,
    register_archived,
    stage_archived,
    validate_file,
)
from warehouse.build import PROGRESS_GATE, STAGING_GATE, lake_follows, mart_gate
from warehouse.enterprises import build_enterprises, build_green_manufacturing
from warehouse.marts import build_indicator_values, build_revisions
from warehouse.ref import load_reference
from warehouse.store import first_row
from warehouse.tables import (
    CO2_RECONCILIATION,
    ENTERPRISES,
    GREEN_MANUFACTURING,
    INDICATOR_PROGRESS,
    INDICATOR_PROGRESS_OFFICIAL,
    INDICATOR_VALUES,
    REVISIONS,
    STAGED_TABLES,
    TABLES,
    TARGET_DATA_COVERAGE,
)
from warehouse.target_progress import build_indicator_progress


class RawFilesConfig(dg.Config):
    """Files to archive. Empty: the embedded extracts plus everything in the inbox."""

    paths: list[str] = []  # noqa: RUF012 (pydantic copies defaults)
    indicator: str | None = None
    region: str | None = None
    vintage: str | None = None


def _gate_or_fail(con: duckdb.DuckDBPyConnection, checks: list) -> None:
    """Run blocking checks before publishing; a failure stops the run in one line."""
    try:
        gate(con, checks)
    except BlockingCheckError as exc:
        raise dg.Failure(str(exc)) from exc


def inbox_files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


@dg.asset(group_name="ref", kinds={"duckdb"}, description="ref.regions and ref.indicators")
def ref_tables(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        counts = load_reference(con)
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})


@dg.asset(
    group_name="raw",
    kinds={"duckdb"},
    deps=[ref_tables],
    description="Archive received files by sha256 and register them in raw.files",
)
def raw_files(
    context: dg.AssetExecutionContext, config: RawFilesConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    h = warehouse.home()
    paths = [Path(p) for p in config.paths] or [*embedded_files(h.generated), *inbox_files(h.inbox)]
    options = IngestOptions(config.indicator, config.region, config.vintage)
    archived_names, rejected = [], []
    with warehouse.warehouse().write() as con:
        for path in paths:
            if not path.exists():  # taken by an earlier run
                context.log.info(f"{path} is gone; nothing to archive")
                continue
            try:
                kind = validate_file(path, options)
            except SourceFormatError as exc:
                rejected.append(str(exc))
                context.log.warning(str(exc))
                if path.parent == h.inbox:
                    _reject_inbox_file(path, str(exc))
                continue
            archived = archive_file(path, h.archive)
            register_archived(con, archived, kind, options)
            archived_names.append(f"{path.name} -> {archived.sha256[:12]}")
    for path in paths:
        if path.parent == h.inbox and path.exists():
            path.unlink()  # its bytes are in the archive now
    return dg.MaterializeResult(
        metadata={
            "archived": dg.MetadataValue.int(len(archived_names)),
            "rejected": dg.MetadataValue.int(len(rejected)),
            "files": dg.MetadataValue.md("\n".join(f"- {n}" for n in archived_names) or "none"),
            "rejections": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected) or "none"),
        }
    )


def _reject_inbox_file(path: Path, reason: str) -> None:
    rejected_dir = path.parent / "rejected"
    rejected_dir.mkdir(exist_ok=True)
    target = rejected_dir / path.name
    path.replace(target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")


@dg.asset(
    group_name="staging",
    kinds={"duckdb"},
    deps=[raw_files],
    description="Stage every archived file not staged yet: observations into "
    "staging.observations, designation lists and enterprise filings into their own tables",
)
def staging_observations(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    lines, years = [], set()
    loaded = quarantined = 0
    with warehouse.warehouse().write() as con:
        for archived, options in pending_files(con):
            try:
                result = stage_archived(con, archived, options)
            except SourceFormatError as exc:
                raise dg.Failure(
                    f"{exc}; nothing published. Re-ingest it with options: greenstat ingest "
                    f"--indicator/--region {archived.archive_path}"
                ) from exc
            lines.append(result.summary())
            years |= result.years
            loaded += result.rows_loaded
            quarantined += result.rows_quarantined
        _gate_or_fail(con, STAGING_GATE)
        total = first_row(con, "SELECT count(*) FROM staging.observations")
    meta = {
        "files_staged": dg.MetadataValue.int(len(lines)),
        "rows_loaded": dg.MetadataValue.int(loaded),
        "rows_quarantined": dg.MetadataValue.int(quarantined),
        "dagster/row_count": dg.MetadataValue.int(int(total[0]) if total else 0),
        "files": dg.MetadataValue.md("\n".join(f"- {x}" for x in lines) or "none new"),
    }
    if years:
        meta["min_year"] = dg.MetadataValue.int(min(years))
        meta["max_year"] = dg.MetadataValue.int(max(years))
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    group_name="staging",
    kinds={"duckdb"},
    deps=[staging_observations],
    description="Apply the approved entries of the corrections register (quality/corrections.csv "
    "and $GREENSTAT_HOME/corrections.csv) to staging; every entry and what it changed is "
    "recorded in quality.corrections",
)
def corrections(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        try:
            done = apply_register(con, warehouse.home().root)
        except CorrectionsError as exc:
            raise dg.Failure(f"{exc}; nothing published") from exc
    return dg.MaterializeResult(
        metadata={
            "entries": dg.MetadataValue.int(len(done.outcomes)),
            "applied": dg.MetadataValue.int(len(done.applied)),
            "years_changed": dg.MetadataValue.text(
                ", ".join(str(y) for y in sorted(done.changed_years)) or "none"
            ),
            "outcomes": dg.MetadataValue.md(
                "\n".join(f"- {o.line()}" for o in done.outcomes) or "register empty"
            ),
        }
    )


@dg.asset(
    group_name="staging",
    kinds={"duckdb"},
    deps=[staging_observations],
    description="staging.enterprises: one row per enterprise or park seen in filings and "
    "designation lists",
)
def enterprises(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        n = build_enterprises(con)
        _gate_or_fail(con, structural_checks(ENTERPRISES))
    return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(n)})


@dg.asset(
    group_name="marts",
    kinds={"duckdb"},
    deps=[enterprises],
    description="New and cumulative green manufacturing designations by region and year",
)
def green_manufacturing(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        n = build_green_manufacturing(con)
        _gate_or_fail(con, structural_checks(GREEN_MANUFACTURING))
        totals = con.execute(
            "SELECT designation, max(cumulative_count) FROM marts.green_manufacturing "
            "WHERE region_code = 'CN' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(n),
            "national_totals": dg.MetadataValue.json({d: int(c) for d, c in totals}),
        }
    )


@dg.asset_check(
    asset=green_manufacturing,
    blocking=False,
    description="MIIT list counts against the counts the documents state (e.g. 2,121 green "
    "factories by 2020); differences are reported with both numbers, never fixed",
)
def green_manufacturing_vs_stated(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.warehouse().write() as con:
        found = designation_counts_vs_stated(con, run_id=context.run.run_id)
    differ = [c.line() for c in found if not c.passed]
    return dg.AssetCheckResult(
        passed=not differ,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(differ) or f"{len(found)} stated counts agree with the lists",
        metadata={"compared": dg.MetadataValue.md("\n".join(f"- {c.line()}" for c in found))},
    )


@dg.asset(
    group_name="marts",
    kinds={"duckdb", "parquet"},
    deps=[staging_observations, corrections, green_manufacturing, dg.AssetKey("green_power")],
    partitions_def=yearly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Newest official value per region, indicator and year",
)
def indicator_values(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    years = [int(k) for k in context.partition_keys]
    wh = warehouse.warehouse()
    with wh.write() as con:
        counts = build_indicator_values(con, years)
        revisions = build_revisions(con, years)
        _gate_or_fail(con, mart_gate(years))
        lake_follows(wh, years)
    filled = {y: n for y, n in counts.items() if n}
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
            "revisions": dg.MetadataValue.int(revisions),
            "years_with_rows": dg.MetadataValue.text(
                f"{min(filled)}-{max(filled)}" if filled else "none"
            ),
        }
    )


# The suites of the yearly marts, on the run's year range, and every mart value traced.
indicator_values_structure = suite_asset_checks(
    indicator_values,
    [INDICATOR_VALUES, REVISIONS, CO2_RECONCILIATION],
    extra_blocking=[MART_PROVENANCE],
    partitioned_by_year=True,
)


@dg.asset_check(
    asset=indicator_values,
    blocking=False,
    # Run as soon as the marts are built, before the quality page is written.
    op_tags={"dagster/priority": "10"},
    description="Reconciliations: provinces against the nation, year-over-year jumps, "
    "revisions between vintages, CEADs against Cui et al.; both numbers reported, neither "
    "altered. Also records this run's release of indicator values.",
)
def indicator_values_reconciliations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.warehouse().write() as con:
        found = run_reconciliations(con, run_id=context.run.run_id)
        released = record_release(con, context.run.run_id)
    differ = [f for f in found if not f.passed]
    return dg.AssetCheckResult(
        passed=not differ,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(sorted({f.check_name for f in differ}))
        or f"{len(found)} reconciliations agree",
        metadata={
            "compared": dg.MetadataValue.int(len(found)),
            "differ": dg.MetadataValue.md(
                "\n".join(f"- {f.line()}\n\n  `{f.rows_query}`" for f in differ) or "none"
            ),
            "release_values": dg.MetadataValue.int(released),
        },
    )


def gate_check(
    asset: dg.AssetsDefinition, name: str, checks: list, description: str, blocking: bool = True
) -> dg.AssetChecksDefinition:
    """An asset check that runs a list of plain SQL checks on the published table and
    records them in quality.check_results."""

    @dg.asset_check(asset=asset, name=name, blocking=blocking, description=description)
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        return _check_result(context.run.run_id, warehouse, checks, None, blocking)

    return _check


def _check_result(
    run_id: str,
    warehouse: WarehouseResource,
    checks: list,
    partition: str | None,
    blocking: bool = True,
) -> dg.AssetCheckResult:
    with warehouse.warehouse().write() as con:
        outcomes = run_checks(con, checks, partition=partition, run_id=run_id)
    failed = [o for o in outcomes if not o.passed]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description="; ".join(o.line() for o in failed) or f"{len(outcomes)} rules passed",
        metadata={
            "rules": dg.MetadataValue.int(len(outcomes)),
            "failed": dg.MetadataValue.md(
                "\n".join(f"- {o.line()}\n\n  `{o.check.rows_query}`" for o in failed) or "none"
            ),
        },
    )


@dg.asset(
    group_name="marts",
    kinds={"duckdb"},
    deps=[indicator_values, ref_tables],
    description="Progress of every policy target (one row per target in ref.policy_targets), "
    "on published figures only beside it, and what each target is tracked on and needs",
)
def indicator_progress(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        counts = build_indicator_progress(con)
        _gate_or_fail(con, PROGRESS_GATE)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
            "by_status": dg.MetadataValue.json(counts),
        }
    )


@dg.asset(
    group_name="quality",
    kinds={"duckdb"},
    deps=[indicator_values, indicator_progress],
    description="Every table's expectation suite, recorded in quality.check_results: "
    "tables an asset check validated in this run are skipped, lake tables are checked "
    "one partition at a time and only where a file is newer than the last check",
)
def quality_audit(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.warehouse().write() as con:
        checks = audit_checks(con, TABLES, context.run.run_id)
        outcomes = run_checks(con, checks, run_id=context.run.run_id)
        quarantined = first_row(con, "SELECT count(*) FROM quality.quarantine")
    failed = [o.line() for o in outcomes if not o.passed]
    return dg.MaterializeResult(
        metadata={
            "checks": dg.MetadataValue.int(len(outcomes)),
            "failed": dg.MetadataValue.md("\n".join(f"- {f}" for f in failed) or "none"),
            "quarantined_rows": dg.MetadataValue.int(int(quarantined[0]) if quarantined else 0),
        }
    )


@dg.asset(
    group_name="reports",
    kinds={"html"},
    deps=[
        indicator_values,
        indicator_progress,
        green_manufacturing,
        dg.AssetKey("green_power"),
        quality_audit,
    ],
    description="The offline report site: a dashboard per region, a page per target, topic "
    "pages with Altair charts (PNG/SVG exports) and the quality summary, "
    "$GREENSTAT_HOME/site/index.html",
)
def report_site(warehouse: WarehouseResource) -> dg.MaterializeResult:
    h = warehouse.home()
    with warehouse.warehouse().connect_read() as con:
        index = build_site(con, h.site)
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(index)),
            "pages": dg.MetadataValue.int(sum(1 for _ in h.site.rglob("*.html"))),
            "chart_exports": dg.MetadataValue.int(sum(1 for _ in h.site.glob("charts/*.png"))),
        }
    )


ALL_ASSETS = [
    ref_tables,
    raw_files,
    staging_observations,
    corrections,
    enterprises,
    green_manufacturing,
    indicator_values,
    indicator_progress,
    quality_audit,
    report_site,
]
# The staged tables' suites, and the rows-in accounting, uniqueness and references of
# the staging gate (its structural rules are the suites' own).
staging_observations_structure = suite_asset_checks(
    staging_observations,
    [t for t in STAGED_TABLES if t.lake_partition != "month"],  # metering: its monthly asset
    extra_blocking=[c for c in STAGING_GATE if c.expectation is None],
)
enterprises_structure = suite_asset_checks(enterprises, [ENTERPRISES])
green_manufacturing_structure = suite_asset_checks(green_manufacturing, [GREEN_MANUFACTURING])
staging_observations_conflicts = gate_check(
    staging_observations,
    "staging_observations_conflicts",
    [CONFLICTS],
    "Sources that disagree on a figure within one vintage (for review)",
    blocking=False,
)
staging_observations_plausibility = gate_check(
    staging_observations,
    "staging_observations_plausibility",
    PLAUSIBILITY_CHECKS,
    "Implausible values and duplicated rows, reported for review and never fixed",
    blocking=False,
)
corrections_matched = gate_check(
    corrections,
    "corrections_matched",
    [UNMATCHED],
    "Every approved correction matches a staged figure (an unmatched one is reported, "
    "never silently ignored)",
    blocking=False,
)
indicator_progress_structure = suite_asset_checks(
    indicator_progress,
    [INDICATOR_PROGRESS, INDICATOR_PROGRESS_OFFICIAL, TARGET_DATA_COVERAGE],
    extra_blocking=[c for c in PROGRESS_GATE if c.expectation is None],
)

ALL_CHECKS = [
    green_manufacturing_vs_stated,
    corrections_matched,
    indicator_values_reconciliations,
    staging_observations_structure,
    enterprises_structure,
    green_manufacturing_structure,
    staging_observations_conflicts,
    staging_observations_plausibility,
    indicator_values_structure,
    indicator_progress_structure,
]
