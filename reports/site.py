"""The static report site in ``$GREENSTAT_HOME/site``: dashboards, a page per target,
topic pages and the quality summary, with Altair charts that work offline.

Layout (all links relative, so the folder can be copied anywhere and opened from disk):
``index.html`` (a dashboard per region), ``targets/<target_id>.html``, topic pages
(``green-manufacturing.html``, ``green-power.html``, ``co2-sectors.html``,
``indicators.html``, ``sources.html``), ``quality/`` (built by quality.report),
``assets/`` (the Vega libraries and the chart script) and ``charts/`` (PNG and SVG
exports). Every figure carries its data kind (official / derived / demo).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reports import data
from reports.assets import (
    cjk_font_available,
    export_chart,
    write_site_js,
    write_vega_bundle,
)
from reports.data import FOCUS_REGIONS
from reports.markup import CSS, ChartRef, page, write_atomic
from reports.pages import (
    POWER_INDICATORS,
    Context,
    Page,
    co2_sectors_page,
    green_manufacturing_page,
    green_power_page,
    index_page,
    indicators_page,
    sources_page,
    target_page,
)

__all__ = ["CSS", "FOCUS_REGIONS", "SiteBuild", "build", "build_site"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteBuild:
    index: Path
    pages: int
    charts: int
    exported: int
    quality_summary: Path
    cjk_font: bool
    seconds: float


def build_site(con: duckdb.DuckDBPyConnection, site_dir: Path) -> Path:
    """Build the site and return the path of ``index.html``."""
    return build(con, site_dir).index


def build(con: duckdb.DuckDBPyConnection, site_dir: Path, *, export_all: bool = False) -> SiteBuild:
    """Write every page atomically, export the main charts (every chart with
    ``export_all``) to PNG and SVG, and build the quality pages."""
    started = time.perf_counter()
    site_dir.mkdir(parents=True, exist_ok=True)
    write_vega_bundle(site_dir / "assets")
    write_site_js(site_dir / "assets")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    names = data.regions(con)
    ctx = Context(
        region_names={c: f"{names[c][0]} {names[c][1]}" for c in FOCUS_REGIONS if c in names},
        region_titles={
            c: f"{names[c][0]} {names[c][1]} ({c})" for c in FOCUS_REGIONS if c in names
        },
        file_names=data.file_names(con),
        export_all=export_all,
    )
    targets = [t for t in data.targets(con) if t.region_code in ctx.region_names]
    official = [t for t in data.targets(con, official=True) if t.region_code in ctx.region_names]
    keys = {(t.region_code, t.indicator_code) for t in targets if t.indicator_code}
    keys |= {(t.region_code, t.related_indicator_code) for t in targets if t.related_indicator_code}
    series = data.series(con, keys)  # type: ignore[arg-type]
    chained = data.chained_points(con)

    overview = data.quality_overview(con)
    pages: list[Page] = [
        index_page(ctx, targets, series, overview),
        index_page(ctx, official, _published_only(series), overview, official_only=True),
    ]
    for t in targets:
        pages.append(
            target_page(
                ctx,
                t,
                chained.get(t.target_id) or series.get((t.region_code, t.indicator_code or ""), []),
                series.get((t.region_code, t.related_indicator_code or ""), []),
                main_chart=t.indicator_code in POWER_INDICATORS,
            )
        )
    pages += [
        green_manufacturing_page(ctx, data.green_manufacturing(con), targets),
        green_power_page(ctx, data.green_power(con), targets, series),
        co2_sectors_page(ctx, data.ceads_sectors(con), con),
        indicators_page(ctx, con),
        sources_page(con),
    ]
    for p in pages:
        write_atomic(
            site_dir / p.path, page(p.title, p.body, root=p.root, here=p.path, generated=generated)
        )
    _prune(
        site_dir / "targets", {Path(p.path).name for p in pages if p.path.startswith("targets/")}
    )

    exported = _export(pages, site_dir / "charts")
    summary = _quality_pages(con, site_dir)
    result = SiteBuild(
        index=site_dir / "index.html",
        pages=len(pages),
        charts=len({c.chart_id for p in pages for c in p.charts}),  # one shown on two pages: one
        exported=exported,
        quality_summary=summary,
        cjk_font=cjk_font_available(),
        seconds=round(time.perf_counter() - started, 2),
    )
    if not result.cjk_font:
        log.warning("no CJK font found: Chinese text in the PNG/SVG exports may not render")
    log.info("site: %s", result)
    return result


def _published_only(
    series: dict[tuple[str, str], list[data.Point]],
) -> dict[tuple[str, str], list[data.Point]]:
    return {k: [p for p in pts if p.data_kind != "demo"] for k, pts in series.items()}


def _export(pages: list[Page], out: Path) -> int:
    """PNG and SVG for every chart that lists exports; stale exports removed."""
    wanted: dict[str, ChartRef] = {}
    for p in pages:
        for c in p.charts:
            if c.exports:
                wanted.setdefault(c.chart_id, c)
    for chart_id, c in wanted.items():
        export_chart(c.spec, chart_id, out)
    keep = {f"{i}{s}" for i in wanted for s in (".png", ".svg")} | {f".{i}.sha256" for i in wanted}
    _prune(out, keep)
    return len(wanted)


def _prune(folder: Path, keep: set[str]) -> None:
    """Remove files a previous build wrote that this build did not (a deleted target's
    page, a chart no longer exported)."""
    if not folder.is_dir():
        return
    for f in folder.iterdir():
        if f.is_file() and f.name not in keep:
            f.unlink()


def _quality_pages(con: duckdb.DuckDBPyConnection, site_dir: Path) -> Path:
    """The quality summary and Data Docs come from quality.report (its own module, owned
    by the quality layer); imported here so the site build always includes them."""
    from quality.report import build_quality_pages

    return build_quality_pages(con, site_dir)
