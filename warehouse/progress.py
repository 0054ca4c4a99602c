"""The progress engine: how far each policy target is from being met.

One rule per measure, after Open SDG's progress measure (sdg-build
``ProgressMeasure.py``): compare the observed compound annual rate since the
baseline with the rate required to reach the target, and grade the ratio with
Open SDG's thresholds (0.95 substantial, 0.6 moderate, 0 limited, below 0
deterioration), which greenstat names on_track, moderate, off_track and
deteriorating. Reaching the target overrides the grade (achieved).

Which way a value must move comes from the target and its comparator, never from the
sign of a rate: a baseline that already met the target and a latest value that no
longer does is deteriorating. Once the target year has passed, an unmet target is
off_track (or deteriorating), never moderate or on_track. See docs/decisions.md §7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

ON_TRACK, MODERATE = 0.95, 0.6
# "About X" (左右, 约): the target counts as met within this relative band.
ABOUT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    data_kind: str = "official"
    inputs: tuple[str, ...] = ()  # provenance of the staged values behind it


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


def _num(x: float) -> str:
    return f"{x:g}"


def _latest(series: Sequence[Point]) -> Point | None:
    return max(series, key=lambda p: p.year) if series else None


def _baseline(target: Target, series: Sequence[Point]) -> Point | None:
    return next((p for p in series if p.year == target.baseline_year), None)


def _missing(target: Target, series: Sequence[Point]) -> str | None:
    """Why there is nothing to measure from the baseline, or None when there is."""
    if target.baseline_year is None:
        return "no baseline year"
    base = _baseline(target, series)
    if base is None:
        return f"no value for the baseline year {target.baseline_year}"
    if not any(p.year > base.year for p in series):
        return "no value after the baseline year"
    if target.target_value is None or target.target_year is None:
        return "no target"
    return None


def _way(target: Target, baseline_value: float | None) -> str:
    """Which way the value must move: 'up' or 'down'. From the comparator ('>=', '<=';
    '~' by where the target lies from the baseline), else from the indicator."""
    c, tv = target.comparator, target.target_value
    if c == ">=":
        return "up"
    if c == "<=":
        return "down"
    if c == "~" and tv is not None and baseline_value is not None and tv != baseline_value:
        return "up" if tv > baseline_value else "down"
    return "down" if target.direction == "lower" else "up"


def _meets(target: Target, value: float, way: str) -> bool:
    tv = target.target_value
    assert tv is not None
    if target.comparator == "~":
        return abs(value - tv) <= ABOUT_TOLERANCE * abs(tv)
    return value >= tv if way == "up" else value <= tv


def _graded(ratio: float, latest: Point, target: Target) -> tuple[str, str]:
    """Grade a ratio; once the target year has passed an unmet target is off_track
    (or deteriorating), never moderate or on_track."""
    status = grade(ratio)
    assert target.target_year is not None
    if latest.year >= target.target_year and status in ("on_track", "moderate"):
        return "off_track", f"the target year {target.target_year} has passed unmet"
    return status, ""


def _without_baseline(target: Target, series: Sequence[Point]) -> Progress:
    """A level, share or count with no baseline year: no rate can be measured, so only
    the latest value is judged: achieved if it meets the target, off_track if not and
    the target year has come, else no_data."""
    latest = _latest(series)
    if latest is None:
        return Progress("no_data", note="no values")
    if target.target_value is None:
        return Progress("no_data", note="no target")
    vs = f"latest {_num(latest.value)} vs target {_num(target.target_value)}"
    if _meets(target, latest.value, _way(target, None)):
        status, note = "achieved", "no baseline; latest meets the target"
    elif target.target_year is not None and latest.year >= target.target_year:
        status, note = "off_track", f"no baseline; the target year has passed, {vs}"
    else:
        status, note = "no_data", f"no baseline year to measure the rate; {vs}"
    return Progress(
        status,
        latest_year=latest.year,
        latest_value=latest.value,
        data_kind=kind_of([latest]),
        note=note,
    )


def reduction_from_baseline(target: Target, series: Sequence[Point]) -> Progress:
    """At least X% less than the baseline by the target year (e.g. energy intensity)."""
    missing = _missing(target, series)
    if missing:
        return Progress("no_data", note=missing)
    base, latest = _baseline(target, series), _latest(series)
    assert base and latest and target.target_value is not None and target.target_year
    x = target.target_value / 100
    if base.value <= 0 or latest.value <= 0 or x >= 1:
        return Progress("no_data", note="non-positive values")
    if target.target_year <= base.year:
        return Progress("no_data", note="the target year is not after the baseline year")
    required = compound_rate(1.0, 1 - x, target.target_year - base.year)
    observed = compound_rate(base.value, latest.value, latest.year - base.year)
    ratio = observed / required if required else math.inf
    achieved = latest.value / base.value - 1 <= -x
    status, note = ("achieved", "") if achieved else _graded(ratio, latest, target)
    return Progress(
        status,
        baseline_value=base.value,
        latest_year=latest.year,
        latest_value=latest.value,
        progress_ratio=ratio,
        required_rate=required,
        observed_rate=observed,
        expected_now=base.value * (1 + required) ** (latest.year - base.year),
        data_kind=kind_of([base, latest]),
        note=note,
    )


def _toward_target(target: Target, series: Sequence[Point], linear: bool) -> Progress:
    """Reach a value from the baseline by the target year: a level or share on compound
    rates (Open SDG method 2), a cumulative count on a linear path.

    The direction comes from the target (see _way). The latest value meeting the target
    is achieved ('~' within ABOUT_TOLERANCE); a baseline that met it while the latest
    does not is deteriorating; otherwise observed over required rate is graded, and
    the rates then point the same way exactly when the value is progressing."""
    if target.baseline_year is None:
        return _without_baseline(target, series)
    missing = _missing(target, series)
    if missing:
        return Progress("no_data", note=missing)
    base, latest = _baseline(target, series), _latest(series)
    assert base and latest and target.target_value is not None and target.target_year
    tv, ty = target.target_value, target.target_year
    way = _way(target, base.value)
    base_met = _meets(target, base.value, way)
    values = {
        "baseline_value": base.value,
        "latest_year": latest.year,
        "latest_value": latest.value,
        "data_kind": kind_of([base, latest]),
    }
    if _meets(target, latest.value, way):
        status, note = "achieved", ""
    elif base_met:
        status, note = "deteriorating", "the baseline met the target; the latest value does not"
    elif ty <= base.year:
        status, note = "off_track", "the target year is not after the baseline year"
    else:
        status, note = "", ""
    if not linear and (base.value <= 0 or latest.value <= 0 or tv <= 0):
        return Progress(status or "no_data", note=note or "non-positive values", **values)  # type: ignore[arg-type]
    now = latest.year - base.year
    if linear:
        observed = (latest.value - base.value) / now
    else:
        observed = compound_rate(base.value, latest.value, now)
    if base_met or ty <= base.year:
        # No rate is required (the baseline already met the target) or none can be.
        return Progress(status, observed_rate=observed, note=note, **values)  # type: ignore[arg-type]
    if linear:
        required = (tv - base.value) / (ty - base.year)
        expected = base.value + required * now
    else:
        required = compound_rate(base.value, tv, ty - base.year)
        expected = base.value * (1 + required) ** now
    ratio = observed / required  # never 0: the baseline does not meet the target
    if not status:
        status, note = _graded(ratio, latest, target)
    return Progress(
        status,
        progress_ratio=ratio,
        required_rate=required,
        observed_rate=observed,
        expected_now=expected,
        note=note,
        **values,  # type: ignore[arg-type]
    )


def cumulative_count(target: Target, series: Sequence[Point]) -> Progress:
    """A count reaching N by the target year, on a linear path from the baseline count."""
    return _toward_target(target, series, linear=True)


def level(target: Target, series: Sequence[Point]) -> Progress:
    """Reach a level or share (Open SDG method 2: compound rates from the baseline).

    '>=' means the value must rise to the target, '<=' fall to it, '~' move towards it
    and land inside the ABOUT_TOLERANCE band; with no such comparator the indicator's
    direction decides."""
    return _toward_target(target, series, linear=False)


def cap(target: Target, series: Sequence[Point]) -> Progress:
    """At most X: achieved while within the cap, off_track above it. A cap measures no
    rate, so a missing baseline year changes only the note."""
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
        note="no baseline; latest meets the target"
        if within and target.baseline_year is None
        else "",
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
    """Peak before the target year. Achieved once the series has turned down after its
    maximum (the last year at the maximum value, no later than the target year): at
    least two values after it, all below it, and the latest step not upward. Otherwise
    off_track once the latest value is past the target year, else on_track (not yet
    peaked, the deadline is ahead: a peak target allows growth until then)."""
    pts = sorted(series, key=lambda p: p.year)
    if len(pts) < 3 or target.target_year is None:
        return Progress("no_data", note="fewer than three values")
    ty = target.target_year
    top_value = max(p.value for p in pts)
    top = [p for p in pts if p.value == top_value][-1]
    after = [p for p in pts if p.year > top.year]
    latest, previous = pts[-1], pts[-2]
    kind = kind_of(pts)
    common = {"latest_year": latest.year, "latest_value": latest.value, "data_kind": kind}
    turned = (
        len(after) >= 2
        and all(p.value < top.value for p in after)
        and latest.value <= previous.value
    )
    if turned and top.year <= ty:
        note = f"maximum in {top.year}; {len(after)} lower values since, the latest not rising"
        return Progress("achieved", note=note, **common)  # type: ignore[arg-type]
    if not after:
        why = "still rising"
    elif len(after) < 2:
        why = f"one value below the maximum of {top.year}"
    elif not turned:
        why = f"rising again after the maximum of {top.year}"
    else:
        why = f"maximum in {top.year}, after the target year"
    if latest.year > ty:
        return Progress("off_track", note=f"no peak by {ty}: {why}", **common)  # type: ignore[arg-type]
    return Progress(
        "on_track", note=f"not yet peaked ({why}); the deadline {ty} is ahead", **common
    )  # type: ignore[arg-type]


def _with_known_values(p: Progress, target: Target, series: Sequence[Point]) -> Progress:
    """Report the baseline-year value and the latest point whenever the series has them,
    even when there is nothing to grade."""
    shown = []
    if p.baseline_value is None and (base := _baseline(target, series)) is not None:
        p = replace(p, baseline_value=base.value)
        shown.append(base)
    if p.latest_year is None and (latest := _latest(series)) is not None:
        p = replace(p, latest_year=latest.year, latest_value=latest.value)
        shown.append(latest)
    if p.data_kind is None and shown:
        p = replace(p, data_kind=kind_of(shown))
    return p


def evaluate(target: Target, series: Sequence[Point], reference: Sequence[Point] = ()) -> Progress:
    """Progress of one target against its indicator's series (and a reference series for
    relational targets)."""
    m = target.measure
    if m == "qualitative":
        return Progress("not_quantifiable")
    if m == "relational":
        p = relational(target, series, reference)
    elif m == "peak":
        p = peak(target, series)
    elif m == "cap":
        p = cap(target, series)
    elif m == "reduction_from_baseline":
        p = reduction_from_baseline(target, series)
    elif m == "cumulative_count":
        p = cumulative_count(target, series)
    elif m in ("level", "share"):
        p = level(target, series)
    else:
        raise ValueError(f"{target.target_id}: unknown measure {m!r}")
    return _with_known_values(p, target, series)
