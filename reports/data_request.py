"""`greenstat request-data`: the figures the targets lack, as a template to fill in.

One row per figure (region, indicator, year) that marts.target_data_coverage lists as
needed, pre-filled with the unit as publishers write it, the price basis and where the
figure is published; the value is left blank. Ingested back unfilled, the file loads
nothing and quarantines nothing (blank values are missing); filled in, the targets it
serves are tracked on those figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sources.template_workbook import write_csv, write_xlsx
from sources.units import UnknownUnitError, parse_unit

# A unit as Chinese sources write it, for canonical units that are not themselves written.
_WRITTEN = {
    "count": "个",
    "percent": "%",
    "persons": "人",
    "tce/10k yuan": "吨标准煤/万元",
    "m3/10k yuan": "立方米/万元",
    "t CO2/10k yuan": "吨二氧化碳/万元",
    "kWh/10k yuan": "千瓦时/万元",
    "index (2020 = 100)": "2020=100",
    "index (previous year = 100)": "上年=100",
}
_BASIS = {"comparable": "可比价", "current": "当年价"}


class DataRequestError(RuntimeError):
    """A one-line, user-facing problem with the request."""


@dataclass(frozen=True)
class RequestedFigure:
    region_code: str
    year: int
    indicator: str  # the name to write, as publishers do
    unit: str
    price_basis: str
    source_hint: str
    targets: tuple[str, ...]
    needed_for: str


def _written_unit(canonical: str, source_unit: str | None) -> str:
    for candidate in (source_unit, canonical, _WRITTEN.get(canonical)):
        if not candidate:
            continue
        try:
            if parse_unit(candidate).canonical == canonical:
                return candidate
        except UnknownUnitError:
            continue
    raise DataRequestError(f"no written form of the unit {canonical!r} greenstat reads")


def _name(name_zh: str, change_of: str | None, level_name: str | None, direction: str) -> str:
    """A change rate is asked for as communiqués state it: the level's name and 比上年下降
    (for intensities, which fall) or 比上年增长 (for growth)."""
    if change_of and level_name:
        return f"{level_name}比上年{'下降' if direction == 'lower' else '增长'}"
    return name_zh


def requested_figures(
    con: duckdb.DuckDBPyConnection, region: str | None = None
) -> list[RequestedFigure]:
    rows = con.execute(
        """
        WITH needs AS (
          SELECT c.target_id, unnest(c.figures_needed) AS n
          FROM marts.target_data_coverage c
          WHERE $region IS NULL OR c.region_code = $region
        ), years AS (
          SELECT target_id, n.indicator_code, n.region_code, n.unit, n.price_basis,
                 n.needed_for, n.published_in, unnest(n.years_needed) AS year
          FROM needs
        )
        SELECT y.region_code, y.year, y.indicator_code, i.name_zh, i.change_of, l.name_zh,
               i.direction, y.unit, i.source_unit, y.price_basis,
               coalesce(y.published_in, ''), list(DISTINCT y.target_id ORDER BY y.target_id),
               string_agg(DISTINCT y.needed_for, ', ' ORDER BY y.needed_for)
        FROM years y
        JOIN ref.indicators i USING (indicator_code)
        LEFT JOIN ref.indicators l ON l.indicator_code = i.change_of
        GROUP BY ALL
        ORDER BY y.region_code, y.indicator_code, y.year
        """,
        {"region": region},
    ).fetchall()
    out = []
    for row in rows:
        reg, year, code, zh, change_of, level_zh, direction, unit, src_unit = row[:9]
        basis, where, tids, role = row[9:]
        out.append(
            RequestedFigure(
                region_code=reg,
                year=year,
                indicator=_name(zh, change_of, level_zh, direction),
                unit="%" if change_of else _written_unit(unit, src_unit),
                price_basis=_BASIS.get(basis or "", basis or ""),
                source_hint=where or f"{code}: name the publication, table and page",
                targets=tuple(tids),
                needed_for=role,
            )
        )
    return out


def template_rows(figures: Sequence[RequestedFigure], today: date) -> list[dict[str, str]]:
    rows = []
    for f in figures:
        sign = (
            "; write a decline as printed (下降3.2% -> 3.2), a rise as a negative number"
            if f.indicator.endswith("比上年下降")
            else ""
        )
        rows.append(
            {
                "region": f.region_code,
                "year": str(f.year),
                "indicator": f.indicator,
                "value": "",
                "unit": f.unit,
                "price_basis": f.price_basis,
                "source": f.source_hint,
                "vintage": str(f.year + 1),
                "data_kind": "official",
                "notes": (
                    f"requested by greenstat request-data on {today.isoformat()} for "
                    f"{', '.join(f.targets)} ({f.needed_for}); replace source with the exact "
                    f"table and page, and vintage with the release date{sign}"
                ),
            }
        )
    return rows


def write_request(
    con: duckdb.DuckDBPyConnection, out: Path, region: str | None = None
) -> list[RequestedFigure]:
    """Write the request as .xlsx (or .csv); the figures requested."""
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataRequestError(f"{out.name}: write the request as .xlsx or .csv")
    figures = requested_figures(con, region)
    rows = template_rows(figures, date.today())
    title = (
        "greenstat 数据需求 data request"
        + (f" {region}" if region else "")
        + ": fill in value (数值), correct source (来源) and vintage (版本), then "
        "`greenstat ingest` this file"
    )
    try:
        if suffix == ".xlsx":
            write_xlsx(out, rows, title)
        else:
            write_csv(out, rows)
    except OSError as exc:
        raise DataRequestError(f"{out}: cannot be written ({exc.strerror})") from exc
    return figures
