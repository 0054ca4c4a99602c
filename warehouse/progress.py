"""The progress engine: how far each policy target is from being met.

One rule per measure, after Open SDG's progress measure (sdg-build
``ProgressMeasure.py``): compare the observed compound annual rate since the
baseline with the rate required to reach the target, and grade the ratio with
Open SDG's thresholds (0.95 substantial, 0.6 moderate, 0 limited, below 0
deterioration), which greenstat names on_track, moderate, off_track and
deteriorating. Reaching the target overrides the grade (achieved).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ON_TRACK, MODERATE = 0.95, 0.6
# "About X" (左右, 约): the target counts as met within this relative band.
ABOUT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    data_kind: str = "official"


@dataclass(frozen=True)
class Target:
    target_id: str
    measure: str
    comparator: str | None
    target_value: float | None
    baseline_year: int | None
    target_year: int | None
    direction: str = "higher"  # of the indicator: higher or lower is better


@dataclass(frozen=True)
class Progress:
    status: str
    baseline_value: float | None = None
    latest_year: int | None = None
    latest_value: float | None = None
    progress_ratio: float | None = None
    required_rate: float | None = None
    observed_rate: float | None = None
    expected_now: float | None = None
    data_kind: str | None = None
    note: str = ""


def grade(ratio: float) -> str:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= MODERATE:
        return "moderate"
    if ratio >= 0:
        return "off_track"
    return "deteriorating"


def kind_of(points: Sequence[Point]) -> str | None:
    """The least certain kind among the inputs: demo, then derived, then official."""
    kinds = {p.data_kind for p in points}
    for k in ("demo", "derived", "official"):
        if k in kinds:
            return k
    return None


def compound_rate(start: float, end: float, years: int) -> float:
    return (end / start) ** (1 / years) - 1


def _baseline_and_latest(target: Target, series: Sequence[Point]) -> tuple[Point, Point] | str:
    by_year = {p.year: p for p in series}
    if target.baseline_year is None:
        return "no baseline year"
    base = by_year.get(target.baseline_year)
    if base is None:
        return f"no value for the baseline year {target.baseline_year}"
    later = [p for p in series if p.year > base.year]
    if not later:
        return "no value after the baseline year"
    return base, max(later, key=lambda p: p.year)


def reduction_from_baseline(target: Target, series: Sequence[Point]) -> Progress:
    """At least X% less than the baseline by the target year (e.g. energy intensity)."""
    found = _baseline_and_latest(target, series)
    if isinstance(found, str) or target.target_value is None or target.target_year is None:
        return Progress("no_data", note=found if isinstance(found, str) else "no target")
    base, latest = found
    x = target.target_value / 100
    if base.value <= 0 or latest.value <= 0:
        return Progress("no_data", note="non-positive values")
    required = compound_rate(1.0, 1 - x, target.target_year - base.year)
    observed = compound_rate(base.value, latest.value, latest.year - base.year)
    ratio = observed / required if required else math.inf
    achieved = latest.value / base.value - 1 <= -x
    return Progress(
        "achieved" if achieved else grade(ratio),
        baseline_value=base.value,
        latest_year=latest.year,
        latest_value=latest.value,
        progress_ratio=ratio,
        required_rate=required,
        observed_rate=observed,
        expected_now=base.value * (1 + required) ** (latest.year - base.year),
        data_kind=kind_of([base, latest]),
    )


def cumulative_count(target: Target, series: Sequence[Point]) -> Progress:
    """A count reaching N by the target year, on a linear path from the baseline count."""
    found = _baseline_and_latest(target, series)
    if isinstance(found, str) or target.target_value is None or target.target_year is None:
        return Progress("no_data", note=found if isinstance(found, str) else "no target")
    base, latest = found
    required = (target.target_value - base.value) / (target.target_year - base.year)
    observed = (latest.value - base.value) / (latest.year - base.year)
    achieved = latest.value >= target.target_value
    ratio = observed / required if required > 0 else math.inf
    return Progress(
        "achieved" if achieved else grade(ratio),
        baseline_value=base.value,
        latest_year=latest.year,
        latest_value=latest.value,
        progress_ratio=ratio,
        required_rate=required,
        observed_rate=observed,
        expected_now=base.value + required * (latest.year - base.year),
        data_kind=kind_of([base, latest]),
    )


def level(target: Target, series: Sequence[Point]) -> Progress:
    """Reach a level or share (Open SDG method 2: compound rates from the baseline).

    With comparator '~' the target is met inside the ABOUT_TOLERANCE band; '<=' or a
    lower-is-better indicator means the value must fall to the target."""
    found = _baseline_and_latest(target, series)
    if isinstance(found, str) or target.target_value is None or target.target_year is None:
        return Progress("no_data", note=found if isinstance(found, str) else "no target")
    base, latest = found
    tv = target.target_value
    if base.value <= 0 or latest.value <= 0 or tv <= 0:
        return Progress("no_data", note="non-positive values")
    downward = target.comparator == "<=" or (
        target.comparator != ">=" and target.direction == "lower"
    )
    if target.comparator == "~":
        achieved = abs(latest.value - tv) <= ABOUT_TOLERANCE * tv
    elif downward:
        achieved = latest.value <= tv
    else:
        achieved = latest.value >= tv
    required = compound_rate(base.value, tv, target.target_year - base.year)
    observed = compound_rate(base.value, latest.value, latest.year - base.year)
    ratio = observed / required if required else (math.inf if achieved else 0.0)
    return Progress(
        "achieved" if achieved else grade(ratio),
        baseline_value=base.value,
        latest_year=latest.year,
        latest_value=latest.value,
        progress_ratio=ratio,
        required_rate=required,
        observed_rate=observed,
        expected_now=base.value * (1 + required) ** (latest.year - base.year),
        data_kind=kind_of([base, latest]),
    )


def cap(target: Target, series: Sequence[Point]) -> Progress:
    """At most X: achieved while within the cap, off_track above it."""
    if not series or target.target_value is None:
        return Progress("no_data", note="no values" if not series else "no target")
    latest = max(series, key=lambda p: p.year)
    base = next((p for p in series if p.year == target.baseline_year), None)
    within = latest.value <= target.target_value
    return Progress(
        "achieved" if within else "off_track",
        baseline_value=base.value if base else None,
        latest_year=latest.year,
        latest_value=latest.value,
        progress_ratio=latest.value / target.target_value if target.target_value else None,
        data_kind=kind_of([latest]),
    )


def relational(target: Target, series: Sequence[Point], other: Sequence[Point]) -> Progress:
    """The indicator must fall faster than (or grow faster than) a reference series over
    the same years; the ratio is observed rate over the reference's rate."""
    if target.baseline_year is None:
        return Progress("no_data", note="no baseline year")
    mine = {p.year: p for p in series}
    theirs = {p.year: p for p in other}
    common = sorted(y for y in mine.keys() & theirs.keys() if y > target.baseline_year)
    b = target.baseline_year
    if b not in mine or b not in theirs or not common:
        return Progress("no_data", note="the two series share no years after the baseline")
    t = common[-1]
    r_mine = compound_rate(mine[b].value, mine[t].value, t - b)
    r_ref = compound_rate(theirs[b].value, theirs[t].value, t - b)
    falling = target.direction == "lower"
    faster = r_mine < r_ref if falling else r_mine > r_ref
    ratio = r_mine / r_ref if r_ref else None
    return Progress(
        "on_track" if faster else "off_track",
        baseline_value=mine[b].value,
        latest_year=t,
        latest_value=mine[t].value,
        progress_ratio=ratio,
        observed_rate=r_mine,
        required_rate=r_ref,
        data_kind=kind_of([mine[b], mine[t], theirs[b], theirs[t]]),
    )


def peak(target: Target, series: Sequence[Point]) -> Progress:
    """Peak before the target year. Achieved once the series has turned down after a
    maximum no later than the target year; off_track if still rising after it; before
    the deadline a still-rising series is on_track (a peak target allows growth)."""
    pts = sorted(series, key=lambda p: p.year)
    if len(pts) < 3 or target.target_year is None:
        return Progress("no_data", note="fewer than three values")
    top = max(pts, key=lambda p: p.value)
    latest = pts[-1]
    kind = kind_of(pts)
    common = {"latest_year": latest.year, "latest_value": latest.value, "data_kind": kind}
    if top.year < latest.year and top.year <= target.target_year:
        return Progress("achieved", note=f"maximum in {top.year}", **common)  # type: ignore[arg-type]
    if latest.year > target.target_year:
        return Progress("off_track", note="still rising after the target year", **common)  # type: ignore[arg-type]
    return Progress("on_track", note="not yet peaked; the deadline is ahead", **common)  # type: ignore[arg-type]


def evaluate(target: Target, series: Sequence[Point], reference: Sequence[Point] = ()) -> Progress:
    """Progress of one target against its indicator's series (and a reference series for
    relational targets)."""
    m = target.measure
    if m == "qualitative":
        return Progress("not_quantifiable")
    if m == "relational":
        return relational(target, series, reference)
    if m == "peak":
        return peak(target, series)
    if m == "cap":
        return cap(target, series)
    if m == "reduction_from_baseline":
        return reduction_from_baseline(target, series)
    if m == "cumulative_count":
        return cumulative_count(target, series)
    if m in ("level", "share"):
        return level(target, series)
    raise ValueError(f"{target.target_id}: unknown measure {m!r}")
