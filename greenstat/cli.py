"""The ``greenstat`` command: run, ingest, progress, report, dev.

Heavy imports (Dagster above all) happen inside the commands that need them,
so ``greenstat ingest`` and ``greenstat progress`` start fast.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from greenstat.settings import PROJECT_ROOT, configure_environment, home

if TYPE_CHECKING:  # the CLI imports its layers lazily, so `--help` answers at once
    from sources.ingest import FileResult, IngestOptions
    from warehouse.store import Warehouse

REGIONS = ("CN", "CN-BJ", "CN-CQ")


def _fail(message: str) -> int:
    print(f"greenstat: {message}", file=sys.stderr)
    return 1


def cmd_run(args: argparse.Namespace) -> int:
    h = home().ensure()
    configure_environment(h)
    import warnings

    warnings.filterwarnings("ignore", message=r".*currently in beta.*")  # Dagster API notices
    from pipelines.materialize import materialize_all

    ok, lines = materialize_all(select=args.select, verbose=args.verbose)
    for line in lines:
        print(line)
    if not ok:
        return 1
    print(f"warehouse: {h.warehouse}")
    if any(line.startswith("materialised report_site") for line in lines):
        print(f"site:      {h.site / 'index.html'}")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    h = home().ensure()
    configure_environment(h)
    import warnings

    warnings.filterwarnings("ignore", message=r".*currently in beta.*")  # Dagster API notices
    from pipelines.materialize import materialize_months

    ok, lines = materialize_months(args.first, args.last or args.first, verbose=args.verbose)
    for line in lines:
        print(line)
    return 0 if ok else 1


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM")
    return text


def cmd_ingest(args: argparse.Namespace) -> int:
    from quality.checks import BlockingCheckError
    from sources.errors import SourceFormatError
    from sources.ingest import IngestOptions
    from warehouse.store import Warehouse

    h = home().ensure()
    wh = Warehouse(h)
    options = IngestOptions(args.indicator, args.region, args.vintage)
    if args.replaces and len(args.paths) != 1:
        return _fail("--replaces takes one revised file")
    failed = 0
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            failed += 1
            _fail(f"{path}: no such file")
            continue
        try:
            result = _ingest_one(wh, path, options, args.replaces)
        except (SourceFormatError, BlockingCheckError) as exc:
            failed += 1
            _fail(str(exc) if isinstance(exc, SourceFormatError) else f"{path.name}: {exc}")
            continue
        except Exception as exc:  # one line per file, never a traceback
            if os.environ.get("GREENSTAT_DEBUG"):
                raise
            failed += 1
            _fail(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        print(f"{path}: {result.counts()}")
    return 1 if failed else 0


def _ingest_one(
    wh: Warehouse, path: Path, options: IngestOptions, replaces: str | None
) -> FileResult:
    """One file in one write: ingested, gated, marts refreshed; with ``replaces``, the
    filing file it revises withdrawn first (and put back if the write fails)."""
    from sources.errors import SourceFormatError
    from sources.filing_replace import replace_with
    from sources.ingest import ingest_file
    from warehouse.build import ensure_reference, gate_staging, refresh_years

    withdrawn, published = None, []
    try:
        with wh.write() as con:
            ensure_reference(con)
            if replaces:
                withdrawn = replace_with(con, wh.home.lake, replaces, path.name)
                wh.after_publish(lambda _ro: published.append(True))  # runs first
            result = ingest_file(con, path, wh.home.archive, options)
            if withdrawn is not None and result.sha256 == withdrawn.sha256:
                raise SourceFormatError(f"{path.name}: it is the file it would replace")
            gate_staging(con)
            years = result.years | (withdrawn.years if withdrawn else set())
            if years:  # metering feeds monthly marts: `greenstat backfill`
                refresh_years(wh, con, years)
            if withdrawn is not None:
                wh.after_publish(lambda _ro, w=withdrawn: w.discard())
    except BaseException:
        if withdrawn is not None and not published:  # the published snapshot still reads it
            withdrawn.restore()
        raise
    if withdrawn is not None:
        print(
            f"{withdrawn.name}: replaced, its {withdrawn.rows} staged rows moved to "
            f"quality.quarantine (sha256 {withdrawn.sha256[:12]})"
        )
    return result


PROGRESS_COLUMNS = (
    "target_id", "region_code", "indicator_code", "baseline_year", "baseline_value",
    "latest_year", "latest_value", "target_year", "target_value", "target_unit",
    "progress_ratio", "required_annual_rate", "observed_annual_rate", "expected_value_now",
    "status", "data_kind", "value_unit", "method", "note",
)  # fmt: skip
STATUS_WORDS = {
    "achieved": "achieved 已实现",
    "on_track": "on track 进展顺利",
    "moderate": "moderate 进展一般",
    "off_track": "off track 进展滞后",
    "deteriorating": "deteriorating 逆向变化",
    "no_data": "no data 暂无数据",
    "not_quantifiable": "not quantifiable 不可量化",
}


def cmd_progress(args: argparse.Namespace) -> int:
    from warehouse.store import Warehouse, WarehouseError

    try:
        con = Warehouse(home()).connect_read()
        if args.as_of:
            from warehouse.as_of import marts_as_of

            con.close()
            con = marts_as_of(home().warehouse, args.as_of)
    except WarehouseError as exc:
        return _fail(str(exc))
    with con:
        where, params = ("WHERE p.region_code = ?", [args.region]) if args.region else ("", [])
        cols = ", ".join(f"p.{c}" for c in PROGRESS_COLUMNS)
        table = "indicator_progress_official" if args.official_only else "indicator_progress"
        rows = con.execute(
            f"""SELECT {cols}, i.name_zh, i.name_en, t.comparator, t.measure, i.unit
                FROM marts.{table} p
                JOIN ref.policy_targets t USING (target_id)
                LEFT JOIN ref.indicators i ON i.indicator_code = p.indicator_code
                {where} ORDER BY p.region_code, p.target_id""",
            params,
        ).fetchall()
    n = len(PROGRESS_COLUMNS)
    records = [dict(zip(PROGRESS_COLUMNS, r[:n], strict=True)) for r in rows]
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=PROGRESS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        table = [
            [
                rec["target_id"],
                _clip(f"{zh} {en}", 56) if zh else (rec["indicator_code"] or "-"),
                _latest(measure, rec, unit),
                _target(measure, comparator, rec),
                STATUS_WORDS.get(str(rec["status"]), str(rec["status"])),
                rec["data_kind"] or "",
            ]
            for rec, (zh, en, comparator, measure, unit) in zip(
                records, (r[n:] for r in rows), strict=True
            )
        ]
        _print_table(
            ["target", "indicator 指标", "latest 最新", "target 目标", "status 状态", "kind"], table
        )
        if not records:
            print("(no targets; run `greenstat run` first)")
    return 0


def _fmt(value: object, unit: object) -> str:
    if value is None:
        return "-"
    v = float(value)  # type: ignore[arg-type]
    text = f"{_plain(v / 1e8)}×10⁸" if abs(v) >= 1e8 else _plain(v)
    return f"{text}%" if unit == "percent" else f"{text} {unit or ''}".strip()


def _plain(v: float) -> str:
    """Digits as a person writes them: 5,000,000 and 13.5, never 5e+06."""
    return f"{v:,.0f}" if v == int(v) else f"{v:,.4f}".rstrip("0").rstrip(".")


def _latest(measure: str, rec: dict[str, object], indicator_unit: str | None) -> str:
    """The latest value in the indicator's unit; for a reduction, also its change from
    the baseline, which is what the target is stated in."""
    year, value, base = rec["latest_year"], rec["latest_value"], rec["baseline_value"]
    if year is None:
        return "-"
    unit = rec.get("value_unit") or indicator_unit
    if measure != "reduction_from_baseline":
        return f"{year}: {_fmt(value, rec['target_unit'] or unit)}"
    text = f"{year}: {_fmt(value, unit)}"
    if base:
        change = (float(value) / float(base) - 1) * 100  # type: ignore[arg-type]
        text += f" ({change:+.1f}% vs {rec['baseline_year']})"
    return text


def _target(measure: str, comparator: str | None, rec: dict[str, object]) -> str:
    year = rec["target_year"] or ""
    if measure == "reduction_from_baseline":
        return f"{year}: -{_fmt(rec['target_value'], 'percent')} vs {rec['baseline_year']}"
    if rec["target_value"] is None:
        return f"{year}: {comparator or measure}".strip(": ")
    return f"{year}: {comparator or ''} {_fmt(rec['target_value'], rec['target_unit'])}"


def _print_table(headers: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in r] for r in rows]
    widths = [_width(h) for h in headers]
    for row in cells:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    print("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)))
    for row in cells:
        print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))


def _clip(text: str, width: int) -> str:
    while _width(text) > width:
        text = text[:-2] + "…"
    return text


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def cmd_request_data(args: argparse.Namespace) -> int:
    from reports.data_request import DataRequestError, write_request
    from warehouse.store import Warehouse, WarehouseError

    try:
        with Warehouse(home()).connect_read() as con:
            figures = write_request(con, args.out, args.region)
    except (WarehouseError, DataRequestError) as exc:
        return _fail(str(exc))
    targets = {t for f in figures for t in f.targets}
    print(
        f"{args.out}: {len(figures)} figures requested for {len(targets)} targets"
        + (f" in {args.region}" if args.region else "")
        + "; fill in the values and `greenstat ingest` the file"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from reports.site import build
    from warehouse.store import Warehouse, WarehouseError

    h = home().ensure()
    try:
        con = Warehouse(h).connect_read()
    except WarehouseError as exc:
        return _fail(str(exc))
    with con:
        site = build(con, h.site, export_all=args.all_exports)
    print(f"site: {site.index}")
    print(
        f"{site.pages} pages, {site.charts} charts, {site.exported} exported to PNG and SVG "
        f"in {h.site / 'charts'}, quality summary {site.quality_summary}, {site.seconds} s"
    )
    if not site.cjk_font:
        print("warning: no CJK font installed: Chinese text in the PNG/SVG exports may not render")
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    h = home().ensure()
    configure_environment(h)
    dagster = Path(sys.executable).with_name("dagster")
    argv = [
        str(dagster),
        "dev",
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
        "-m",
        "pipelines.definitions",
        "--working-directory",
        str(PROJECT_ROOT),
    ]
    os.execv(argv[0], argv)
    return 0  # not reached


def _vintage(text: str) -> str:
    from sources.parsed import VINTAGE

    if not VINTAGE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenstat",
        description="Green low-carbon statistics warehouse. Data home: $GREENSTAT_HOME "
        "(default ./data).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="materialise every asset in-process (or --select)")
    p.add_argument(
        "--select", help="Dagster asset selection, e.g. 'group:marts' or 'staging_observations+'"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show Dagster's event log")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "backfill", help="rebuild the monthly metering rollups for a month or a range of months"
    )
    p.add_argument("--from", dest="first", type=_month, required=True, help="first month, YYYY-MM")
    p.add_argument("--to", dest="last", type=_month, help="last month, YYYY-MM (default: --from)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Dagster's event log")
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser("ingest", help="archive, detect, load files; print counts per file")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--indicator",
        help="indicator of an export with no 指标： line, as NBS "
        "writes it, e.g. '地区生产总值(亿元)'",
    )
    p.add_argument("--region", help="region of a one-region export with no 地区： line")
    p.add_argument(
        "--vintage",
        type=_vintage,
        help="release of the figures: YYYY, YYYY-MM or YYYY-MM-DD (default: the year after "
        "the latest data year)",
    )
    p.add_argument(
        "--replaces",
        metavar="FILE",
        help="a revised enterprise filing: the staged filing file it replaces (name as "
        "received, or sha256 prefix); the old file's rows move to quality.quarantine",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("progress", help="target progress from marts.indicator_progress")
    p.add_argument("--region", choices=REGIONS)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument(
        "--as-of",
        type=_vintage,
        metavar="DATE",
        help="progress as known on DATE (YYYY, YYYY-MM or YYYY-MM-DD): only vintages "
        "released by then (default: the newest)",
    )
    p.add_argument(
        "--official-only",
        action="store_true",
        help="statuses on published figures only (official, or derived from official): no "
        "demo input; no_data where the published figures allow no status",
    )
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser(
        "request-data",
        help="write a template pre-filled with the figures the targets lack (value blank)",
    )
    p.add_argument("--region", choices=REGIONS, help="only this region's targets")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help=".xlsx or .csv")
    p.set_defaults(func=cmd_request_data)

    p = sub.add_parser("report", help="rebuild the report site")
    p.add_argument(
        "--all-exports",
        action="store_true",
        help="export every chart to PNG and SVG (default: the dashboards' and topic pages')",
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("dev", help="Dagster UI on 127.0.0.1 (loopback only)")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
