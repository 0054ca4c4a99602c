"""What each target is tracked on, and the published figures that would replace demo.

For every target, marts.target_data_coverage gives the data kind of each input and, where
an input is demo or missing, the exact figures needed: indicator (as a change rate where
that is how the figure is published), region, years, unit, price basis and where the
figure is published (from ref.indicators.published_in). `greenstat request-data` turns
those rows into a sector template to fill in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from warehouse.target_progress import PUBLISHED, Assessment, TargetRow

# The change rates of intensities are published at comparable prices.
_RATE_PRICE_BASIS = "comparable"
_PRICED_UNITS = ("/10k yuan",)


@dataclass(frozen=True)
class Need:
    indicator_code: str
    name_zh: str
    name_en: str
    region_code: str
    years: tuple[int, ...]
    unit: str
    price_basis: str | None
    role: str  # baseline, latest, rates, reference
    published_in: str

    def as_struct(self) -> dict[str, object]:
        return {
            "indicator_code": self.indicator_code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "region_code": self.region_code,
            "years_needed": list(self.years),
            "unit": self.unit,
            "price_basis": self.price_basis,
            "needed_for": self.role,
            "published_in": self.published_in,
        }

    def text(self) -> str:
        basis = f", {self.price_basis} prices" if self.price_basis else ""
        where = f" (published in: {self.published_in})" if self.published_in else ""
        return (
            f"{self.role}: {self.name_zh} {self.name_en} [{self.indicator_code}], "
            f"{self.region_code}, {_years(self.years)}, {self.unit}{basis}{where}"
        )


def _years(years: Sequence[int]) -> str:
    """2021, 2022, 2023, 2025 -> '2021-2023, 2025'."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


@dataclass(frozen=True)
class _Catalogue:
    names: dict[str, tuple[str, str, str, str]]  # code -> (zh, en, unit, published_in)
    change_of: dict[str, str]

    def need(
        self, code: str, region: str, years: Sequence[int], role: str, basis: str | None = None
    ) -> Need:
        zh, en, unit, where = self.names.get(code, (code, code, "", ""))
        if basis is None and unit.endswith(_PRICED_UNITS):
            basis = _RATE_PRICE_BASIS
        return Need(code, zh, en, region, tuple(years), unit, basis, role, where)


def _published_years(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[int]]:
    held: dict[tuple[str, str], set[int]] = {}
    for region, ind, year in con.execute(
        "SELECT region_code, indicator_code, year FROM marts.indicator_values "
        "WHERE data_kind IN ('official', 'derived') AND qualifier IS NULL"
    ).fetchall():
        held.setdefault((region, ind), set()).add(year)
    return held


def needs_of(
    t: TargetRow,
    held: dict[tuple[str, str], set[int]],
    cat: _Catalogue,
    last_year: int,
) -> list[Need]:
    """The published figures the target lacks: for an intensity reduction, the annual
    change rates from the year after the base year; otherwise the base-year value and
    every later year up to the target year (or the last complete year)."""
    if t.indicator_code is None or t.measure == "qualitative":
        return []
    base = t.baseline_year if t.baseline_year is not None else 2020
    end = min(t.target_year or last_year, last_year)
    out: list[Need] = []

    def lacking(code: str, years: range) -> list[int]:
        have = held.get((t.region_code, code), set())
        return [y for y in years if y not in have]

    def levels(code: str, role_base: str, role_later: str) -> None:
        if t.measure != "peak" and (missing := lacking(code, range(base, base + 1))):
            out.append(cat.need(code, t.region_code, missing, role_base))
        if missing := lacking(code, range(base + 1, end + 1)):
            out.append(cat.need(code, t.region_code, missing, role_later))

    rate = cat.change_of.get(t.indicator_code)
    if t.measure in ("reduction_from_baseline", "relational") and rate is not None:
        if missing := lacking(rate, range(base + 1, end + 1)):
            out.append(cat.need(rate, t.region_code, missing, "rates", _RATE_PRICE_BASIS))
    else:
        levels(t.indicator_code, "baseline", "latest")
    if t.measure == "relational" and t.related:
        ref_rate = cat.change_of.get(t.related)
        if rate is not None and ref_rate is not None:
            if missing := lacking(ref_rate, range(base + 1, end + 1)):
                out.append(cat.need(ref_rate, t.region_code, missing, "reference"))
        elif missing := lacking(t.related, range(base, end + 1)):
            out.append(cat.need(t.related, t.region_code, missing, "reference"))
    return out


def _citations(con: duckdb.DuckDBPyConnection, provenance: Sequence[str]) -> list[str]:
    """Who published the inputs: the citation of each staged row named, or of every row
    of a file named as a whole (a count over a list)."""
    if not provenance:
        return []
    rows = con.execute(
        """SELECT DISTINCT citation FROM (
             SELECT provenance, archive_sha256, citation FROM staging.observations
             UNION ALL
             SELECT provenance, archive_sha256, citation FROM staging.enterprise_designations
           ) WHERE (list_contains($p, provenance) OR list_contains($p, 'sha256:' || archive_sha256))
             AND citation IS NOT NULL ORDER BY citation""",
        {"p": list(provenance)},
    ).fetchall()
    return [c for (c,) in rows]


def build_target_data_coverage(
    con: duckdb.DuckDBPyConnection,
    assessed: Sequence[tuple[TargetRow, Assessment, Assessment]],
    last_year: int | None = None,
) -> int:
    """Replace marts.target_data_coverage: one row per target."""
    import pyarrow as pa

    from warehouse.tables import TARGET_DATA_COVERAGE

    last_year = last_year or date.today().year - 1
    info = con.execute(
        "SELECT indicator_code, name_zh, name_en, unit, coalesce(published_in, ''), change_of "
        "FROM ref.indicators"
    ).fetchall()
    cat = _Catalogue(
        {code: (zh, en, unit, where) for code, zh, en, unit, where, _ in info},
        {of: code for code, *_, of in info if of},
    )
    held = _published_years(con)
    records = []
    for t, default, _official in assessed:
        kind = default.progress.data_kind
        published = kind in PUBLISHED
        needs = needs_of(t, held, cat, last_year)
        used = [i for i in default.inputs if not i.startswith("derived:")]
        records.append(
            {
                "target_id": t.target_id,
                "region_code": t.region_code,
                "indicator_code": t.indicator_code,
                "measure": t.measure,
                "status": default.status,
                "data_kind": kind,
                "on_published_figures": bool(published),
                "baseline_kind": default.kinds.get("baseline") or default.kinds.get("rates"),
                "latest_kind": default.kinds.get("latest") or default.kinds.get("rates"),
                "reference_kind": default.kinds.get("reference"),
                "figures_needed": [n.as_struct() for n in needs],
                "needs": "; ".join(n.text() for n in needs) or None,
                "sources": _citations(con, used),
            }
        )
    con.execute(f"DELETE FROM {TARGET_DATA_COVERAGE.qualified}")
    if records:
        batch = pa.Table.from_pylist(records)  # noqa: F841 (read by DuckDB by name)
        con.execute(f"INSERT INTO {TARGET_DATA_COVERAGE.qualified} BY NAME SELECT * FROM batch")
    return len(records)
