"""The shape every ratio benchmark reports: best seconds against the plain baseline's
best, measured in the same run, and whether the ratio is within its budget."""

from __future__ import annotations


def ratio_result(
    name: str, what: str, seconds: float, plain: float, budget: float, **extra: object
) -> dict[str, object]:
    return {
        "name": name,
        "what": what,
        "seconds_min": round(seconds, 2),
        "plain_seconds_min": round(plain, 2),
        "ratio_to_plain": round(seconds / plain, 2),
        "budget_ratio": budget,
        "within_budget": seconds / plain <= budget,
        **extra,
    }
