"""Which figures each policy target is judged on, and the two progress marts.

A target can be measured several ways: on chained annual change rates (how NBS
publishes intensities), on the indicator's levels, each either on published figures
only (official, or derived from official ones) or with demo figures filling the gaps.
The rule (decision 32):

- ``marts.indicator_progress_official`` uses published figures only: chained rates,
  else levels; no_data where they allow no status, with the published values it has.
- ``marts.indicator_progress`` uses that whenever it gives a status, or whenever a
  published figure exists after the base year (a real figure is never hidden behind a
  demo one); only otherwise does it fall back to series with demo figures, and then
  its data_kind says demo.

A figure the publisher qualified (约, 以上, 不足) is never a value in a rate, but a
published bound can prove a target met (180 以上 against >= 150) or breached.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import duckdb

from warehouse.chain import Chain, Rate, chain
from warehouse.marts import _AS_OF, _KIND_RANK, full_date
from warehouse.progress import Point, Progress, Target, evaluate, kind_of
from warehouse.tables import INDICATOR_PROGRESS, INDICATOR_PROGRESS_OFFICIAL

# The 14th Five-Year Plan documents measure from 2020; a 2030 target that states no base
# year is measured from there too, and the progress row says so.
DEFAULT_BASELINE_YEAR = 2020
MEASURED_FROM_A_BASELINE = ("share", "level", "cumulative_count", "cap", "reduction_from_baseline")
PUBLISHED = ("official", "derived")
CHAINABLE = ("reduction_from_baseline", "relational")
BOUNDED = ("share", "level", "cumulative_count", "cap")


@dataclass(frozen=True)
class Level(Point):
    """A value of marts.indicator_values, with the qualifier its publisher gave it."""

    qualifier: str | None = None


@dataclass
class Inputs:
    """Everything a target may be judged on, for one region."""

    levels: dict[str, list[Level]] = field(default_factory=dict)  # indicator -> by year
    rates: dict[str, list[Rate]] = field(default_factory=dict)  # change indicator -> rates
    change_of: dict[str, str] = field(default_factory=dict)  # level -> change indicator


@dataclass(frozen=True)
class Assessment:
    progress: Progress
    method: str  # levels | chained_rates
    value_unit: str | None
    inputs: tuple[str, ...]
    kinds: dict[str, str | None]  # role (baseline, latest, rates, reference) -> data kind
    note: str = ""
    series: tuple[Point, ...] = ()  # what a chained assessment measured: the index

    @property
    def status(self) -> str:
        return self.progress.status

    def shows_published_after(self, base: int | None) -> bool:
        """A published value after the base year is part of this assessment."""
        p = self.progress
        return (
            p.data_kind in PUBLISHED
            and p.latest_year is not None
            and (base is None or p.latest_year > base)
        )


def _exact(points: Sequence[Level], published_only: bool) -> list[Level]:
    return [
        p
        for p in points
        if p.qualifier is None and (not published_only or p.data_kind in PUBLISHED)
    ]


def _at(points: Sequence[Point], year: int | None) -> Point | None:
    return next((p for p in points if p.year == year), None)


def _on_levels(
    target: Target, series: Sequence[Point], reference: Sequence[Point], unit: str | None
) -> Assessment:
    p = evaluate(target, series, reference)
    used = [pt for pt in (_at(series, target.baseline_year), _at(series, p.latest_year)) if pt]
    if target.measure == "relational" and p.latest_year is not None:
        used += [pt for y in (target.baseline_year, p.latest_year) if (pt := _at(reference, y))]
    if target.measure == "peak":
        used = list(series)
    kinds = {
        "baseline": (b.data_kind if (b := _at(series, target.baseline_year)) else None),
        "latest": (t.data_kind if (t := _at(series, p.latest_year)) else None),
        "reference": kind_of(list(reference)) if target.measure == "relational" else None,
    }
    inputs = tuple(dict.fromkeys(i for pt in used for i in pt.inputs))
    return Assessment(p, "levels", unit, inputs, kinds)


def _index_points(c: Chain) -> list[Point]:
    if not c.points:
        return []
    first = c.points[0]
    base = Point(c.base_year, 100.0, first.data_kind, ())
    return [base, *(Point(pt.year, pt.index, pt.data_kind, pt.inputs) for pt in c.points)]


def _on_chain(target: Target, mine: Chain, theirs: Chain | None) -> Assessment | None:
    series = _index_points(mine)
    if not series:
        return None
    reference = _index_points(theirs) if theirs is not None else []
    if target.measure == "relational" and not reference:
        return None
    p = evaluate(target, series, reference)
    last = mine.latest
    assert last is not None
    inputs = last.inputs + (theirs.latest.inputs if theirs and theirs.latest else ())
    kinds: dict[str, str | None] = {
        "baseline": None,
        "latest": None,
        "rates": last.data_kind,
        "reference": theirs.latest.data_kind if theirs and theirs.latest else None,
    }
    note = mine.note() + (f"; reference: {theirs.note()}" if theirs is not None else "")
    return Assessment(
        replace(p, data_kind=kind_of([*series, *reference])),
        "chained_rates",
        f"index ({target.baseline_year} = 100)",
        inputs,
        kinds,
        note,
        tuple(series),
    )


def _bounded(target: Target, bounds: Sequence[Level], a: Assessment) -> Assessment:
    """A published bound newer than what ``a`` measured decides a target it settles."""
    if target.measure not in BOUNDED or target.target_value is None or a.status == "achieved":
        return a
    tv, comp = target.target_value, target.comparator
    for b in sorted(bounds, key=lambda b: -b.year):
        if b.data_kind not in PUBLISHED or (a.progress.latest_year or 0) >= b.year:
            continue
        if target.baseline_year is not None and b.year <= target.baseline_year:
            continue
        meets = (b.qualifier == "at_least" and comp == ">=" and b.value >= tv) or (
            b.qualifier == "at_most" and comp in ("<=", None) and b.value <= tv
        )
        breaches = target.measure == "cap" and b.qualifier == "at_least" and b.value > tv
        if not (meets or breaches):
            continue
        word = {"at_least": "at least", "at_most": "at most"}[str(b.qualifier)]
        status = "achieved" if meets else "off_track"
        p = Progress(
            status,
            baseline_value=a.progress.baseline_value,
            latest_year=b.year,
            latest_value=b.value,
            data_kind=b.data_kind,
            note=f"published as {word} {b.value:g} in {b.year}: a bound, which settles it",
        )
        kinds = {**a.kinds, "latest": b.data_kind}
        return Assessment(p, "levels", a.value_unit, b.inputs, kinds)
    return a


def _bound_note(bounds: Sequence[Level]) -> str:
    words = {"about": "about", "at_least": "at least", "at_most": "at most"}
    shown = [
        f"{b.year}: {words.get(str(b.qualifier), b.qualifier)} {b.value:g}"
        for b in bounds
        if b.data_kind in PUBLISHED
    ]
    if not shown:
        return ""
    return f"published as roundings or bounds, not used as values ({'; '.join(shown)})"


def assess(
    target: Target, region: Inputs, indicator: str, related: str | None, unit: str | None
) -> tuple[Assessment, Assessment]:
    """(default, published-only) assessments of one target."""
    levels = region.levels.get(indicator, [])
    ref_levels = region.levels.get(related, []) if related else []
    bounds = [p for p in levels if p.qualifier is not None]

    def chains(published_only: bool) -> Assessment | None:
        if target.measure not in CHAINABLE or target.baseline_year is None:
            return None
        code = region.change_of.get(indicator)
        if code is None:
            return None

        def ok(r: Rate) -> bool:
            return not published_only or r.data_kind in PUBLISHED

        mine = chain(target.baseline_year, [r for r in region.rates.get(code, []) if ok(r)])
        theirs = None
        if target.measure == "relational" and related:
            ref_code = region.change_of.get(related)
            if ref_code is None:
                return None
            theirs = chain(
                target.baseline_year, [r for r in region.rates.get(ref_code, []) if ok(r)]
            )
        return _on_chain(target, mine, theirs)

    def on_levels(published_only: bool) -> Assessment:
        return _on_levels(
            target, _exact(levels, published_only), _exact(ref_levels, published_only), unit
        )

    published = [a for a in (chains(True), on_levels(True)) if a is not None]
    official = next((a for a in published if a.status != "no_data"), None)
    if official is None:
        showing = [a for a in published if a.shows_published_after(target.baseline_year)]
        official = showing[0] if showing else published[-1]
    official = _bounded(target, bounds, official)
    if official.status != "no_data" or official.shows_published_after(target.baseline_year):
        default = official
    else:
        candidates = [a for a in (chains(False), on_levels(False)) if a is not None]
        default = next((a for a in candidates if a.status != "no_data"), candidates[-1])
    note = _bound_note(bounds)
    return _with_note(default, note), _with_note(official, note)


def _with_note(a: Assessment, extra: str) -> Assessment:
    parts = [n for n in (a.note, a.progress.note, extra) if n]
    return replace(a, note="; ".join(dict.fromkeys(parts)))


# Annual rates come from the mart (one per year, corrections applied); rates over a span
# of years (十三五期间累计) only from staging, chosen as the mart chooses.
SPAN_RATES_SQL = f"""
SELECT region_code, indicator_code, period, value, data_kind, provenance, price_basis
FROM (
  SELECT o.*, row_number() OVER (
           PARTITION BY o.region_code, o.indicator_code, o.period
           ORDER BY {_KIND_RANK.format(c="o.")}, o.vintage DESC, f.ingested_at DESC,
                    o.provenance) AS rn
  FROM staging.observations o LEFT JOIN raw.files f ON f.sha256 = o.archive_sha256
  WHERE o.period LIKE '____/____' AND o.qualifier IS NULL AND o.industry_code IS NULL
    AND o.source_sector IS NULL AND o.fuel IS NULL AND list_contains($codes, o.indicator_code)
    AND {_AS_OF}
) WHERE rn = 1
"""


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: str | None = None) -> dict[str, Inputs]:
    """Every region's levels and change rates, from the marts (and staging for spans)."""
    change_of = dict(
        con.execute(
            "SELECT change_of, indicator_code FROM ref.indicators WHERE change_of IS NOT NULL"
        ).fetchall()
    )
    regions: dict[str, Inputs] = {}

    def region(code: str) -> Inputs:
        return regions.setdefault(code, Inputs(change_of=change_of))

    rate_codes = set(change_of.values())
    for reg, ind, year, value, kind, prov, inputs, qualifier, basis in con.execute(
        "SELECT region_code, indicator_code, year, value, data_kind, provenance, inputs, "
        "qualifier, price_basis FROM marts.indicator_values ORDER BY year"
    ).fetchall():
        used = tuple(inputs) if inputs else (prov,)
        region(reg).levels.setdefault(ind, []).append(Level(year, value, kind, used, qualifier))
        if ind in rate_codes and qualifier is None:
            region(reg).rates.setdefault(ind, []).append(
                Rate(year - 1, year, value, kind, prov, basis)
            )
    for reg, ind, period, value, kind, prov, basis in con.execute(
        SPAN_RATES_SQL, {"codes": sorted(rate_codes), "as_of": full_date(as_of)}
    ).fetchall():
        first, last = (int(y) for y in period.split("/"))
        region(reg).rates.setdefault(ind, []).append(
            Rate(first - 1, last, value, kind, prov, basis)
        )
    return regions


@dataclass(frozen=True)
class TargetRow:
    target_id: str
    region_code: str
    indicator_code: str | None
    measure: str
    comparator: str | None
    target_value: float | None
    target_unit: str | None
    baseline_year: int | None
    target_year: int | None
    direction: str
    related: str | None
    unit: str | None  # the indicator's canonical unit
    assumed: str  # why the base year was assumed, if it was


def load_targets(con: duckdb.DuckDBPyConnection) -> list[TargetRow]:
    rows = con.execute(
        """SELECT t.target_id, t.region_code, t.indicator_code, t.measure, t.comparator,
                  t.target_value, t.target_unit, t.baseline_year, t.target_year,
                  coalesce(i.direction, 'higher'), t.related_indicator_code, i.unit
           FROM ref.policy_targets t LEFT JOIN ref.indicators i USING (indicator_code)
           ORDER BY t.target_id"""
    ).fetchall()
    out = []
    for tid, reg, ind, measure, comp, tv, tunit, base, ty, direction, related, unit in rows:
        assumed = ""
        if base is None and measure in MEASURED_FROM_A_BASELINE:
            base = DEFAULT_BASELINE_YEAR
            assumed = f"no base year in the clause: measured from {base}, the plans' base year"
        out.append(
            TargetRow(
                tid,
                reg,
                ind,
                measure,
                comp,
                tv,
                tunit,
                base,
                ty,
                direction,
                related,
                unit,
                assumed,
            )
        )
    return out


def assess_all(
    con: duckdb.DuckDBPyConnection, as_of: str | None = None
) -> list[tuple[TargetRow, Assessment, Assessment]]:
    inputs = load_inputs(con, as_of)
    out = []
    for t in load_targets(con):
        target = Target(
            t.target_id, t.measure, t.comparator, t.target_value, t.baseline_year,
            t.target_year, t.direction,
        )  # fmt: skip
        region = inputs.get(t.region_code, Inputs())
        if t.indicator_code is None or t.measure == "qualitative":
            p = evaluate(target, [])
            a = Assessment(p, "levels", t.unit, (), {})
            out.append((t, a, a))
            continue
        default, official = assess(target, region, t.indicator_code, t.related, t.unit)
        out.append((t, default, official))
    return out


def chained_series(
    con: duckdb.DuckDBPyConnection, official: bool = False
) -> dict[str, tuple[Point, ...]]:
    """target_id -> the chained index its progress was measured on (chained targets
    only), for charts: the same engine, so a chart never disagrees with its status."""
    return {
        t.target_id: a.series
        for t, default, published in assess_all(con)
        for a in [published if official else default]
        if a.method == "chained_rates"
    }


def _row(t: TargetRow, a: Assessment) -> dict[str, object]:
    p = a.progress
    ratio = p.progress_ratio
    return {
        "target_id": t.target_id,
        "region_code": t.region_code,
        "indicator_code": t.indicator_code,
        "baseline_year": t.baseline_year,
        "baseline_value": p.baseline_value,
        "latest_year": p.latest_year,
        "latest_value": p.latest_value,
        "value_unit": a.value_unit if p.latest_year is not None else None,
        "target_year": t.target_year,
        "target_value": t.target_value,
        "target_unit": t.target_unit,
        "progress_ratio": ratio if ratio is None or math.isfinite(ratio) else None,
        "required_annual_rate": p.required_rate,
        "observed_annual_rate": p.observed_rate,
        "expected_value_now": p.expected_now,
        "status": p.status,
        "data_kind": p.data_kind,
        "method": a.method if p.status != "not_quantifiable" else None,
        "inputs": list(a.inputs),
        "note": "; ".join(n for n in (t.assumed, a.note) if n) or None,
    }


def build_indicator_progress(
    con: duckdb.DuckDBPyConnection, as_of: str | None = None
) -> dict[str, int]:
    """Replace marts.indicator_progress and marts.indicator_progress_official (one row per
    target each) and marts.target_data_coverage; status counts of the first."""
    import pyarrow as pa

    from warehouse.coverage import build_target_data_coverage

    assessed = assess_all(con, as_of)
    for table, pick in ((INDICATOR_PROGRESS, 1), (INDICATOR_PROGRESS_OFFICIAL, 2)):
        records = [_row(e[0], e[pick]) for e in assessed]
        con.execute(f"DELETE FROM {table.qualified}")
        if records:
            batch = pa.Table.from_pylist(records)  # noqa: F841 (read by DuckDB by name)
            con.execute(f"INSERT INTO {table.qualified} BY NAME SELECT * FROM batch")
    build_target_data_coverage(con, assessed)
    counts: dict[str, int] = {}
    for _t, default, _o in assessed:
        counts[default.status] = counts.get(default.status, 0) + 1
    return counts
