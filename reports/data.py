"""What the report site reads from the warehouse, as plain typed records.

Every query runs on a read-only connection; every record keeps its data_kind so the
pages can label it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb

from warehouse.store import first_row

FOCUS_REGIONS = ("CN", "CN-BJ", "CN-CQ")

# The five policy documents (BRIEF 2), by seed file name.
DOCUMENTS: dict[str, tuple[str, str]] = {
    "000_aa3f4a706e1b7ec4.txt": (
        "北京市“十四五”时期制造业绿色低碳发展行动方案",
        "Beijing action plan for green low-carbon manufacturing, 14th Five-Year Plan",
    ),
    "001_ceaaba9e87eb4612.txt": (
        "工业和信息化部《“十四五”工业绿色发展规划》(工信部规〔2021〕178号)",
        "MIIT 14th Five-Year Plan for green industrial development",
    ),
    "002_c7e0a3d6048ed052.txt": (
        "工业领域碳达峰实施方案",
        "Implementation plan for carbon peaking in industry",
    ),
    "003_ea0ba873c9e7565c.txt": (
        "北京市减污降碳协同增效实施方案",
        "Beijing plan for synergy in pollution and carbon reduction",
    ),
    "004_da189b881f0f5745.txt": (
        "重庆市工业领域碳达峰实施方案",
        "Chongqing implementation plan for carbon peaking in industry",
    ),
}


@dataclass(frozen=True)
class Target:
    """A policy target joined with its progress row and its indicator."""

    target_id: str
    region_code: str
    indicator_code: str | None
    indicator_zh: str | None
    indicator_en: str | None
    indicator_unit: str | None
    direction: str | None
    source_doc: str
    clause: str
    measure: str
    comparator: str | None
    value_as_written: str | None
    unit_as_written: str | None
    target_value: float | None
    target_unit: str | None
    baseline_year: int | None
    target_year: int | None
    nature: str | None
    related_indicator_code: str | None
    related_name: str | None
    notes: str | None
    baseline_value: float | None
    latest_year: int | None
    latest_value: float | None
    progress_ratio: float | None
    required_rate: float | None
    observed_rate: float | None
    expected_now: float | None
    status: str
    data_kind: str | None
    note: str | None
    value_unit: str | None = None  # unit of baseline/latest/expected: an index if chained
    method: str | None = None  # levels | chained_rates
    on_published_figures: bool = False
    needs: tuple[str, ...] = ()  # the published figures that would replace demo or gaps
    sources: tuple[str, ...] = ()  # citations of the published figures used

    @property
    def chained(self) -> bool:
        return self.method == "chained_rates"

    @property
    def name(self) -> str:
        if self.indicator_zh:
            return f"{self.indicator_zh} {self.indicator_en or ''}".strip()
        return self.target_id


@dataclass(frozen=True)
class Point:
    """One value of marts.indicator_values with where it came from."""

    year: int
    value: float
    unit: str
    data_kind: str
    source: str
    vintage: str
    provenance: str
    method: str | None


TARGETS_SQL = """
SELECT t.target_id, t.region_code, t.indicator_code, i.name_zh, i.name_en, i.unit,
       i.direction, t.source_doc, t.clause, t.measure, t.comparator, t.value_as_written,
       t.unit_as_written, t.target_value, t.target_unit, t.baseline_year, t.target_year,
       t.nature, t.related_indicator_code, r.name_zh || ' ' || r.name_en, t.notes,
       p.baseline_value, p.latest_year,
       p.latest_value, p.progress_ratio, p.required_annual_rate, p.observed_annual_rate,
       p.expected_value_now, p.status, p.data_kind, p.note, p.value_unit, p.method,
       coalesce(p.data_kind IN ('official', 'derived'), false),
       coalesce(c.figures_needed, []), coalesce(c.sources, [])
FROM ref.policy_targets t
JOIN marts.{progress} p USING (target_id)
LEFT JOIN marts.target_data_coverage c USING (target_id)
LEFT JOIN ref.indicators i ON i.indicator_code = t.indicator_code
LEFT JOIN ref.indicators r ON r.indicator_code = t.related_indicator_code
ORDER BY t.region_code, t.target_id
"""


def targets(con: duckdb.DuckDBPyConnection, official: bool = False) -> list[Target]:
    """Every target with its progress (one row each, as marts.indicator_progress, or on
    published figures only: marts.indicator_progress_official)."""
    progress = "indicator_progress_official" if official else "indicator_progress"
    rows = con.sql(TARGETS_SQL.format(progress=progress)).fetchall()
    return [Target(*row[:-2], _needs(row[-2]), tuple(row[-1])) for row in rows]


def _needs(figures: list[dict]) -> tuple[str, ...]:
    from warehouse.coverage import Need

    return tuple(
        Need(
            f["indicator_code"], f["name_zh"], f["name_en"], f["region_code"],
            tuple(f["years_needed"]), f["unit"], f["price_basis"], f["needed_for"],
            f["published_in"] or "",
        ).text()
        for f in figures
    )  # fmt: skip


def chained_points(
    con: duckdb.DuckDBPyConnection, official: bool = False
) -> dict[str, list[Point]]:
    """The chained index a chained target was measured on, as chart points."""
    from warehouse.target_progress import chained_series

    return {
        tid: [
            Point(
                p.year,
                p.value,
                "index",
                p.data_kind,
                "chained change rates",
                "",
                "; ".join(p.inputs[-1:]) or "base year = 100",
                "100 x prod(1 + r/100)",
            )
            for p in pts
        ]
        for tid, pts in chained_series(con, official).items()
    }


def series(
    con: duckdb.DuckDBPyConnection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], list[Point]]:
    """Indicator values for (region, indicator) pairs, oldest year first."""
    if not keys:
        return {}
    regions = sorted({r for r, _ in keys})
    indicators = sorted({i for _, i in keys})
    rows = con.execute(
        """SELECT region_code, indicator_code, year, value, unit, data_kind, source, vintage,
                  provenance, method
           FROM marts.indicator_values
           WHERE list_contains($regions, region_code) AND list_contains($inds, indicator_code)
           ORDER BY region_code, indicator_code, year""",
        {"regions": regions, "inds": indicators},
    ).fetchall()
    out: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for region, indicator, *rest in rows:
        if (region, indicator) in keys:
            out[(region, indicator)].append(Point(*rest))
    return dict(out)


def regions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """region_code -> (name_zh, name_en)."""
    return {
        code: (zh, en)
        for code, zh, en in con.sql(
            "SELECT region_code, name_zh, name_en FROM ref.regions"
        ).fetchall()
    }


@dataclass(frozen=True)
class Designations:
    region_code: str
    designation: str
    year: int
    new_count: int
    cumulative_count: int
    data_kind: str


DESIGNATION_NAMES = {
    "factory": "green factories 绿色工厂",
    "park": "green parks 绿色园区",
    "supply_chain": "green supply chains 绿色供应链",
    "product": "green products 绿色设计产品",
}


def green_manufacturing(con: duckdb.DuckDBPyConnection) -> list[Designations]:
    """National designations for the focus regions by year (one mart row each: the
    mart's key is region, designation, level and year), with the row's own data kind."""
    rows = con.execute(
        """SELECT region_code, designation, year, new_count::BIGINT,
                  cumulative_count::BIGINT, data_kind
           FROM marts.green_manufacturing
           WHERE list_contains($regions, region_code) AND level = 'national'
           ORDER BY region_code, designation, year""",
        {"regions": list(FOCUS_REGIONS)},
    ).fetchall()
    return [Designations(*r) for r in rows]


@dataclass(frozen=True)
class PowerFigure:
    region_code: str
    year: int
    measure: str
    value: float
    unit: str
    data_kind: str
    source: str


POWER_MEASURES = {
    "electricity_kwh": "electricity use 用电量",
    "wind_kw": "wind capacity 风电装机",
    "solar_kw": "solar capacity 光伏装机",
    "green_power_imported_kwh": "green power imported 外调绿电",
}


def green_power(con: duckdb.DuckDBPyConnection) -> list[PowerFigure]:
    """Annual figures (month IS NULL) of marts.green_power for the focus regions."""
    rows = con.execute(
        """SELECT region_code, year, measure, value, unit, data_kind, source
           FROM marts.green_power
           WHERE month IS NULL AND list_contains($regions, region_code)
           ORDER BY measure, region_code, year""",
        {"regions": list(FOCUS_REGIONS)},
    ).fetchall()
    return [PowerFigure(*r) for r in rows]


# CEADs' 47 sectors in seven groups a reader can tell apart (and a greyscale
# palette can still separate), keyed by GB/T 4754 code or CEADs name.
SECTOR_GROUPS = (
    ("power", "power and heat 电力热力", ("D44",)),
    ("metals", "metals 钢铁有色", ("C31", "C32")),
    ("minerals", "non-metal minerals (cement) 非金属矿物(水泥)", ("C30",)),
    ("chemicals", "petroleum, coking, chemicals 石化化工", ("C25", "C26", "C28")),
    ("other_industry", "other industry 其他工业", ("B", "C", "D")),
    ("transport", "transport 交通运输", ("G",)),
    ("other", "households and other sectors 居民及其他", ()),
)


def sector_group(gb4754: str | None) -> str:
    """The group of a CEADs sector from its GB/T 4754 code (first match wins)."""
    code = gb4754 or ""
    for key, _, prefixes in SECTOR_GROUPS:
        if any(code == p or code.startswith(p) for p in prefixes if len(p) > 1):
            return key
    for key, _, prefixes in SECTOR_GROUPS:
        if any(len(p) == 1 and code[:1] == p for p in prefixes):
            return key
    return "other"


@dataclass(frozen=True)
class SectorCO2:
    region_code: str
    year: int
    sector_no: int
    name_en: str
    name_zh: str
    gb4754: str | None
    value: float
    data_kind: str

    @property
    def group(self) -> str:
        return sector_group(self.gb4754)


def ceads_sectors(con: duckdb.DuckDBPyConnection) -> list[SectorCO2]:
    """CEADs CO2 by sector (annual, all fuels), newest vintage, for the focus regions."""
    rows = con.execute(
        """SELECT o.region_code, o.year, m.sector_no, m.name_en, m.name_zh, m.gb4754,
                  o.value, o.data_kind
           FROM staging.observations o JOIN ref.ceads_sectors m ON m.name_en = o.source_sector
           WHERE o.indicator_code = 'co2_emissions' AND o.fuel IS NULL
             AND o.period = CAST(o.year AS VARCHAR) AND list_contains($regions, o.region_code)
           QUALIFY row_number() OVER (PARTITION BY o.region_code, o.year, m.sector_no
                                      ORDER BY o.vintage DESC, o.archive_sha256) = 1
           ORDER BY o.region_code, o.year, m.sector_no""",
        {"regions": list(FOCUS_REGIONS)},
    ).fetchall()
    return [SectorCO2(*r) for r in rows]


def file_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """sha256 -> the file name as received, to show provenance in words."""
    return dict(con.sql("SELECT sha256, original_name FROM raw.files").fetchall())


@dataclass(frozen=True)
class QualityOverview:
    checks: int
    failed: int
    quarantined_rows: int
    files: int


def quality_overview(con: duckdb.DuckDBPyConnection) -> QualityOverview:
    """Counts for the index; the details are on the quality summary page."""
    row = first_row(
        con,
        """WITH latest AS (
             SELECT passed FROM quality.check_results
             QUALIFY row_number() OVER (PARTITION BY check_name, table_name, partition
                                        ORDER BY checked_at DESC) = 1)
           SELECT (SELECT count(*) FROM latest), (SELECT count(*) FROM latest WHERE NOT passed),
                  (SELECT count(*) FROM quality.quarantine), (SELECT count(*) FROM raw.files)""",
    )
    assert row is not None
    return QualityOverview(*(int(v) for v in row))
