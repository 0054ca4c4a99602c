"""Chained change rates: how an intensity target is tracked on the figures NBS publishes.

NBS and the provinces publish energy, CO2 and water intensity as annual change rates at
comparable prices (万元地区生产总值能耗比上年下降 3.2%), not as levels: levels at current
prices are not comparable across years. The change since a base year is the chain of the
rates, index = 100 x prod(1 + r_t / 100), which is how NBS itself sums up a five-year
plan. A cumulative figure over a stated span (十三五期间累计下降 16%) links its first
year's predecessor to its last year in one step. A year with no rate ends the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

KIND_ORDER = ("official", "derived", "demo")


@dataclass(frozen=True)
class Rate:
    """A published change from the level of ``start`` to the level of ``end`` (an annual
    rate: start = end - 1), in percent (negative = decline)."""

    start: int
    end: int
    pct: float
    data_kind: str
    provenance: str
    price_basis: str | None = None


@dataclass(frozen=True)
class ChainPoint:
    year: int
    index: float  # base year = 100
    data_kind: str  # least certain kind of the rates chained so far
    inputs: tuple[str, ...]  # provenance of every rate chained so far


@dataclass
class Chain:
    base_year: int
    points: list[ChainPoint] = field(default_factory=list)  # after the base year, in order
    broken_at: int | None = None  # first year with no rate while later rates exist
    skipped: list[str] = field(default_factory=list)  # rates left out, and why

    @property
    def latest(self) -> ChainPoint | None:
        return self.points[-1] if self.points else None

    def note(self) -> str:
        parts = []
        if self.points:
            years = f"{self.base_year + 1}-{self.points[-1].year}"
            parts.append(
                f"chained from {len(self.points[-1].inputs)} published change rates ({years}), "
                f"{self.base_year} = 100"
            )
        if self.broken_at is not None:
            parts.append(f"the chain stops: no change rate for {self.broken_at}")
        parts += self.skipped
        return "; ".join(parts)


def _least_certain(kinds: Iterable[str]) -> str:
    ks = set(kinds)
    return next(k for k in reversed(KIND_ORDER) if k in ks) if ks else "official"


def chain(base_year: int, rates: Sequence[Rate], *, comparable_only: bool = True) -> Chain:
    """Chain rates forward from ``base_year``. At each year an annual rate is taken
    first, else the longest span starting there; rates at current prices are left out
    when ``comparable_only`` (a current-price change mixes price and volume)."""
    out = Chain(base_year)
    usable: list[Rate] = []
    for r in rates:
        if comparable_only and r.price_basis == "current":
            out.skipped.append(f"{r.end}: rate at current prices left out")
        elif r.end > r.start:
            usable.append(r)
    by_start: dict[int, list[Rate]] = {}
    for r in usable:
        by_start.setdefault(r.start, []).append(r)
    year, index, kinds, inputs = base_year, 100.0, [], []
    while year in by_start:
        step = min(by_start[year], key=lambda r: (r.end - r.start != 1, -(r.end - r.start)))
        index *= 1 + step.pct / 100
        kinds.append(step.data_kind)
        inputs.append(step.provenance)
        year = step.end
        out.points.append(ChainPoint(year, index, _least_certain(kinds), tuple(inputs)))
    if any(r.end > year for r in usable):
        out.broken_at = year + 1
    return out
