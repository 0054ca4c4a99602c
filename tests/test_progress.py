"""The progress engine, rule by rule, with Open SDG's worked example."""

from __future__ import annotations

import pytest

from warehouse.progress import Point, Target, evaluate, grade


def t(
    measure: str,
    value: float | None,
    comparator: str = ">=",
    base: int = 2020,
    year: int = 2025,
    direction: str = "higher",
) -> Target:
    return Target("t", measure, comparator, value, base, year, direction)


def test_open_sdg_worked_example_reduction() -> None:
    # -13.5% required 2020-2025; -6% observed by 2023 -> ratio 0.714, moderate.
    target = t("reduction_from_baseline", 13.5, direction="lower")
    p = evaluate(target, [Point(2020, 100.0), Point(2023, 94.0)])
    assert p.progress_ratio == pytest.approx(0.714, abs=5e-4)
    assert p.status == "moderate"
    assert p.required_rate == pytest.approx(0.865 ** (1 / 5) - 1)
    assert p.observed_rate == pytest.approx(0.94 ** (1 / 3) - 1)
    assert p.expected_now == pytest.approx(100 * 0.865 ** (3 / 5))


def test_reduction_achieved_overrides_and_uses_latest_point() -> None:
    target = t("reduction_from_baseline", 13.5, direction="lower")
    p = evaluate(target, [Point(2020, 1.0), Point(2021, 0.95), Point(2022, 0.86)])
    assert p.status == "achieved" and p.latest_year == 2022


def test_reduction_going_the_wrong_way_deteriorates() -> None:
    target = t("reduction_from_baseline", 13.5, direction="lower")
    assert evaluate(target, [Point(2020, 1.0), Point(2022, 1.05)]).status == "deteriorating"


@pytest.mark.parametrize(
    "ratio,status",
    [
        (1.2, "on_track"),
        (0.95, "on_track"),
        (0.949, "moderate"),
        (0.6, "moderate"),
        (0.59, "off_track"),
        (0.0, "off_track"),
        (-0.01, "deteriorating"),
    ],
)
def test_thresholds(ratio: float, status: str) -> None:
    assert grade(ratio) == status


def test_cumulative_count_linear_path() -> None:
    # Beijing: 150 national green factories by 2025 from 60 in 2020 -> 18 a year needed.
    target = t("cumulative_count", 150)
    p = evaluate(target, [Point(2020, 60), Point(2022, 81)])
    assert p.required_rate == pytest.approx(18.0)
    assert p.observed_rate == pytest.approx(10.5)
    assert p.progress_ratio == pytest.approx(10.5 / 18)
    assert p.status == "off_track"
    assert p.expected_now == pytest.approx(96.0)
    assert evaluate(target, [Point(2020, 60), Point(2024, 150)]).status == "achieved"


def test_level_compound_rates() -> None:
    # a share from 15.1% to 20% by 2025; 17% by 2023
    target = t("share", 20.0)
    p = evaluate(target, [Point(2020, 15.1), Point(2023, 17.0)])
    required = (20 / 15.1) ** (1 / 5) - 1
    observed = (17 / 15.1) ** (1 / 3) - 1
    assert p.progress_ratio == pytest.approx(observed / required)  # 0.70
    assert p.status == "moderate"


def test_level_downward_target_for_lower_is_better() -> None:
    target = t("level", 80.0, comparator="<=", direction="lower")
    p = evaluate(target, [Point(2020, 100.0), Point(2023, 90.0)])
    assert p.progress_ratio is not None and p.progress_ratio > 0
    assert evaluate(target, [Point(2020, 100.0), Point(2023, 79.0)]).status == "achieved"


def test_about_target_met_within_tolerance() -> None:
    target = t("level", 500.0, comparator="~")
    assert evaluate(target, [Point(2020, 300.0), Point(2024, 480.0)]).status == "achieved"
    assert evaluate(target, [Point(2020, 300.0), Point(2024, 470.0)]).status != "achieved"


def test_cap() -> None:
    target = t("cap", 100.0, comparator="<=")
    assert evaluate(target, [Point(2021, 90.0)]).status == "achieved"
    assert evaluate(target, [Point(2021, 90.0), Point(2022, 101.0)]).status == "off_track"
    assert evaluate(target, []).status == "no_data"


def test_relational_faster_decline() -> None:
    target = t("relational", None, comparator="faster_than", direction="lower")
    industry = [Point(2020, 1.0), Point(2023, 0.85)]
    society = [Point(2020, 1.0), Point(2023, 0.9)]
    assert evaluate(target, industry, society).status == "on_track"
    assert evaluate(target, society, industry).status == "off_track"
    assert evaluate(target, industry, []).status == "no_data"


def test_peak() -> None:
    target = t("peak", None, comparator="peak_before", year=2030)
    rising = [Point(2020, 1.0), Point(2021, 1.1), Point(2022, 1.2)]
    assert evaluate(target, rising).status == "on_track"
    turned = [*rising, Point(2023, 1.15)]
    assert evaluate(target, turned).status == "achieved"
    late = [Point(y, float(y)) for y in range(2025, 2033)]
    assert evaluate(target, late).status == "off_track"
    assert evaluate(target, rising[:2]).status == "no_data"


def test_too_few_points_is_no_data() -> None:
    target = t("reduction_from_baseline", 13.5, direction="lower")
    assert evaluate(target, [Point(2020, 1.0)]).status == "no_data"
    assert evaluate(target, [Point(2022, 1.0), Point(2023, 0.9)]).status == "no_data"


def test_qualitative() -> None:
    assert evaluate(t("qualitative", None, comparator="meets"), []).status == "not_quantifiable"


def test_demo_input_marks_the_result_demo() -> None:
    target = t("reduction_from_baseline", 13.5, direction="lower")
    p = evaluate(target, [Point(2020, 1.0, "official"), Point(2023, 0.9, "demo")])
    assert p.data_kind == "demo"
    p = evaluate(target, [Point(2020, 1.0, "official"), Point(2023, 0.9, "derived")])
    assert p.data_kind == "derived"
