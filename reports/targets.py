"""Where a target's chart puts its lines: the level the target means in the indicator's
unit, the required path from the baseline, and a one-line "latest against target".

The rates come from marts.indicator_progress (the progress engine), never recomputed
here, so the chart and the status always agree: the path in the latest year is the
mart's expected_value_now.
"""

from __future__ import annotations

from collections.abc import Iterable

from reports.data import Target
from reports.markup import num
from warehouse.progress import ABOUT_TOLERANCE

# Measures whose target is a value of the indicator itself.
LEVEL_MEASURES = ("level", "share", "cumulative_count", "cap")
PATH_MEASURES = ("reduction_from_baseline", "level", "share", "cumulative_count")


# Units that add up, so they can be shown in 万 (10^4) or 亿 (10^8).
ADDITIVE = {"yuan", "t", "t CO2", "kW", "kWh", "tce", "m3", "persons", "count"}


def display_scale(unit: str | None, values: Iterable[float]) -> tuple[float, str]:
    """Divisor and axis label for a unit: 亿/万 for large additive figures."""
    u = unit or ""
    top = max((abs(v) for v in values), default=0.0)
    if u in ADDITIVE and top >= 1e13:
        return 1e12, f"万亿 {u} (10¹² {u})"
    if u in ADDITIVE and top >= 1e9:
        return 1e8, f"亿 {u} (10⁸ {u})"
    if u in ADDITIVE and top >= 1e5:
        return 1e4, f"万 {u} (10⁴ {u})"
    return 1.0, "%" if u == "percent" else u


def human(value: float, unit: str | None) -> str:
    """A figure with its unit as a reader says it: '300 亿 kWh', '57%', '1.2 t CO2/10k yuan'."""
    factor, label = display_scale(unit, [value])
    if factor > 1:
        return f"{num(value / factor)} {label.split(' (')[0]}"
    return f"{num(value)}{'%' if unit == 'percent' else f' {unit}' if unit else ''}"


def target_level(t: Target) -> float | None:
    """The target in the indicator's unit (a reduction of X% from the baseline becomes
    baseline x (1 - X/100)); None when the target is not a value of the indicator."""
    if t.target_value is None:
        return None
    if t.measure == "reduction_from_baseline":
        if t.baseline_value is None:
            return None
        return t.baseline_value * (1 - t.target_value / 100)
    if t.measure in LEVEL_MEASURES:
        return t.target_value
    return None


def about_band(t: Target) -> tuple[float, float] | None:
    """'About X' (左右) counts as met within ABOUT_TOLERANCE of X: the band to draw."""
    level = target_level(t)
    if t.comparator != "~" or level is None or t.measure not in LEVEL_MEASURES:
        return None
    return level * (1 - ABOUT_TOLERANCE), level * (1 + ABOUT_TOLERANCE)


def required_path(t: Target) -> list[tuple[int, float]]:
    """(year, value) from the baseline to the target year on the mart's required rate:
    compound for reductions, levels and shares, linear for cumulative counts."""
    b, ty, base, rate = t.baseline_year, t.target_year, t.baseline_value, t.required_rate
    if t.measure not in PATH_MEASURES or None in (b, ty, base, rate):
        return []
    assert b is not None and ty is not None and base is not None and rate is not None
    if ty <= b:
        return []
    if t.measure == "cumulative_count":
        return [(y, base + rate * (y - b)) for y in range(b, ty + 1)]
    return [(y, base * (1 + rate) ** (y - b)) for y in range(b, ty + 1)]


def target_text(t: Target) -> str:
    """The target as a reader would say it: '−13.5% vs 2020 by 2025', '≥ 57% by 2025'."""
    by = f" by {t.target_year}" if t.target_year else ""
    if t.measure == "reduction_from_baseline" and t.target_value is not None:
        about = "about " if t.comparator == "~" else ""
        return f"{about}−{num(t.target_value, 1)}% vs {t.baseline_year}{by}"
    if t.measure in LEVEL_MEASURES and t.target_value is not None:
        comp = {">=": "≥", "<=": "≤", "~": "≈"}.get(t.comparator or "", t.comparator or "")
        return f"{comp} {human(t.target_value, t.indicator_unit or t.target_unit)}{by}".strip()
    if t.measure == "peak":
        return f"peak before {t.target_year} 达峰"
    if t.measure == "relational":
        return f"fall faster than {t.related_name or t.related_indicator_code}{by}"
    return f"qualitative 定性{by}"


def latest_text(t: Target) -> str:
    """The latest figure in the terms of the target, e.g. '−10.4% (2025)'."""
    if t.latest_value is None or t.latest_year is None:
        return "—"
    if t.measure == "reduction_from_baseline" and t.baseline_value:
        change = (t.latest_value / t.baseline_value - 1) * 100
        return f"{change:+.1f}% vs {t.baseline_year} ({t.latest_year})".replace("-", "−")
    if t.measure == "relational" and t.observed_rate is not None:
        ref = t.required_rate
        ref_text = f"{ref * 100:+.1f}%/yr" if ref is not None else "—"
        return f"{t.observed_rate * 100:+.1f}%/yr vs {ref_text} ({t.latest_year})"
    return f"{human(t.latest_value, t.indicator_unit)} ({t.latest_year})"
