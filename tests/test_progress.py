"""The progress engine, rule by rule, with Open SDG's worked example."""

from __future__ import annotations

import pytest

from warehouse.progress import Point, Target, evaluate, grade


def t(
    measure: str,
    value: float | None,
    comparator: str = ">=",
    base: int | None = 2020,
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
    turned = [*rising, Point(2023, 1.15), Point(2024, 1.1)]
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


# Direction comes from the target and comparator, not from the sign of a rate.


def test_share_baseline_met_then_lost_deteriorates() -> None:
    target = t("share", 43.0)
    p = evaluate(target, [Point(2020, 45.0), Point(2023, 42.0)])
    assert p.status == "deteriorating"
    assert p.baseline_value == 45.0 and p.latest_value == 42.0
    assert evaluate(target, [Point(2020, 45.0), Point(2023, 44.0)]).status == "achieved"


def test_share_at_most_moving_away_deteriorates() -> None:
    target = t("share", 10.0, comparator="<=")
    assert evaluate(target, [Point(2020, 8.0), Point(2023, 12.0)]).status == "deteriorating"


def test_cumulative_baseline_met_then_lost_deteriorates() -> None:
    target = t("cumulative_count", 150)
    assert evaluate(target, [Point(2020, 160), Point(2023, 140)]).status == "deteriorating"


def test_about_target_baseline_within_band_then_left_it_deteriorates() -> None:
    target = t("level", 500.0, comparator="~")
    assert evaluate(target, [Point(2020, 495.0), Point(2023, 600.0)]).status == "deteriorating"


def test_about_target_below_baseline_progresses_downward() -> None:
    target = t("level", 10.0, comparator="~")  # the indicator is higher-is-better
    p = evaluate(target, [Point(2020, 20.0), Point(2023, 14.0)])
    assert p.required_rate is not None and p.required_rate < 0
    assert p.progress_ratio is not None and p.progress_ratio > 0
    assert p.status in ("on_track", "moderate")
    assert evaluate(target, [Point(2020, 20.0), Point(2023, 25.0)]).status == "deteriorating"


def test_no_comparator_uses_the_indicator_direction() -> None:
    target = t("level", 80.0, comparator=None, direction="lower")  # type: ignore[arg-type]
    assert evaluate(target, [Point(2020, 70.0), Point(2023, 90.0)]).status == "deteriorating"
    assert evaluate(target, [Point(2020, 100.0), Point(2023, 79.0)]).status == "achieved"


# A passed target year, unmet, is never on_track or moderate.


def test_level_target_year_passed_unmet_is_off_track() -> None:
    target = t("share", 20.0)
    p = evaluate(target, [Point(2020, 15.1), Point(2025, 19.9)])
    assert p.progress_ratio is not None and p.progress_ratio > 0.95
    assert p.status == "off_track"
    assert evaluate(target, [Point(2020, 15.1), Point(2026, 19.0)]).status == "off_track"
    assert evaluate(target, [Point(2020, 15.1), Point(2026, 14.0)]).status == "deteriorating"
    assert evaluate(target, [Point(2020, 15.1), Point(2025, 20.0)]).status == "achieved"


def test_cumulative_target_year_passed_unmet_is_off_track() -> None:
    target = t("cumulative_count", 150)
    p = evaluate(target, [Point(2020, 60), Point(2025, 140)])
    assert p.progress_ratio == pytest.approx(16 / 18)
    assert p.status == "off_track"


def test_reduction_target_year_passed_unmet_is_off_track() -> None:
    target = t("reduction_from_baseline", 13.5, direction="lower")
    p = evaluate(target, [Point(2020, 1.0), Point(2025, 0.87)])
    assert p.progress_ratio is not None and p.progress_ratio > 0.95
    assert p.status == "off_track"
    assert evaluate(target, [Point(2020, 1.0), Point(2026, 0.9)]).status == "off_track"
    assert evaluate(target, [Point(2020, 1.0), Point(2026, 1.1)]).status == "deteriorating"


# Peaks: at least two values after the maximum, the latest step not upward.


def test_peak_single_dip_then_rebound_is_not_achieved() -> None:
    target = t("peak", None, comparator="peak_before", base=None, year=2030)
    pts = [Point(2020, 1.0), Point(2021, 3.0), Point(2022, 2.0), Point(2023, 2.5)]
    p = evaluate(target, pts)
    assert p.status == "on_track" and "not yet peaked" in p.note
    late = [Point(y, v) for y, v in zip(range(2028, 2032), (1.0, 3.0, 2.0, 2.5), strict=True)]
    p = evaluate(target, late)
    assert p.status == "off_track" and "2030" in p.note


def test_peak_needs_two_lower_values_and_no_upturn() -> None:
    target = t("peak", None, comparator="peak_before", base=None, year=2030)
    one_dip = [Point(2020, 1.0), Point(2021, 3.0), Point(2022, 2.0)]
    assert evaluate(target, one_dip).status == "on_track"
    assert evaluate(target, [*one_dip, Point(2023, 1.5)]).status == "achieved"
    p = evaluate(target, [*one_dip, Point(2023, 2.0)])
    assert p.status == "achieved" and "2021" in p.note
    plateau = [Point(2020, 1.0), Point(2021, 3.0), Point(2022, 3.0), Point(2023, 2.0)]
    assert evaluate(target, plateau).status == "on_track"
    assert evaluate(target, [*plateau, Point(2024, 1.0)]).status == "achieved"


def test_peak_maximum_after_the_target_year_is_off_track() -> None:
    target = t("peak", None, comparator="peak_before", base=None, year=2030)
    pts = [Point(2029, 1.0), Point(2030, 2.0), Point(2031, 3.0), Point(2032, 2.0), Point(2033, 1.0)]
    assert evaluate(target, pts).status == "off_track"


# Targets without a baseline year.


@pytest.mark.parametrize("measure", ["level", "share", "cumulative_count"])
def test_no_baseline_year(measure: str) -> None:
    target = t(measure, 20.0, base=None, year=2030)
    p = evaluate(target, [Point(2022, 18.0), Point(2024, 21.0)])
    assert p.status == "achieved" and p.note == "no baseline; latest meets the target"
    assert p.latest_year == 2024 and p.latest_value == 21.0
    p = evaluate(target, [Point(2024, 15.0)])
    assert p.status == "no_data"
    assert p.note == "no baseline year to measure the rate; latest 15 vs target 20"
    assert p.latest_year == 2024 and p.latest_value == 15.0
    assert evaluate(target, [Point(2030, 15.0)]).status == "off_track"
    assert evaluate(target, []).status == "no_data"


def test_no_baseline_year_about_and_at_most() -> None:
    about = t("share", 40.0, comparator="~", base=None, year=2030)
    assert evaluate(about, [Point(2024, 39.0)]).status == "achieved"
    assert evaluate(about, [Point(2024, 30.0)]).status == "no_data"
    at_most = t("share", 10.0, comparator="<=", base=None, year=2030)
    assert evaluate(at_most, [Point(2024, 9.0)]).status == "achieved"
    assert evaluate(at_most, [Point(2031, 11.0)]).status == "off_track"


def test_no_baseline_year_cap_and_reduction() -> None:
    cap = t("cap", 100.0, comparator="<=", base=None)
    p = evaluate(cap, [Point(2022, 90.0)])
    assert p.status == "achieved" and p.note == "no baseline; latest meets the target"
    assert evaluate(cap, [Point(2022, 101.0)]).status == "off_track"
    reduction = t("reduction_from_baseline", 13.5, base=None, direction="lower")
    assert evaluate(reduction, [Point(2020, 1.0), Point(2023, 0.5)]).status == "no_data"


# The baseline value (and latest point) are reported even when there is nothing to grade.


@pytest.mark.parametrize(
    "measure,value", [("reduction_from_baseline", 13.5), ("share", 20.0), ("cumulative_count", 150)]
)
def test_baseline_value_filled_when_nothing_after_it(measure: str, value: float) -> None:
    target = t(measure, value)
    p = evaluate(target, [Point(2019, 9.0), Point(2020, 10.0, "demo")])
    assert p.status == "no_data"
    assert p.baseline_value == 10.0
    assert p.latest_year == 2020 and p.latest_value == 10.0
    assert p.data_kind == "demo"
