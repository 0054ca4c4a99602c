"""Change rates as published: read with their sign, chained into an index, and driving
reduction targets ahead of demo levels (issue 16, points 1 and 2)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sources.catalogue import default_catalogue, plan_span
from sources.price_basis import UnknownPriceBasisError, normalise_price_basis
from sources.units import parse_qualified
from tests.conftest import greenstat, query
from warehouse.chain import Rate, chain

# ------------------------------------------------------------------ names, signs, bases


@pytest.mark.parametrize(
    ("name", "code", "sign"),
    [
        ("规模以上工业单位增加值能耗比上年下降", "energy_intensity_industry_change", -1),
        ("规模以上工业单位增加值能耗降低率", "energy_intensity_industry_change", -1),
        ("万元地区生产总值能耗上升或下降", "energy_intensity_gdp_change", 1),
        ("万元国内生产总值能耗比上年下降", "energy_intensity_gdp_change", -1),
        ("万元GDP能耗降低", "energy_intensity_gdp_change", -1),
        ("万元国内生产总值二氧化碳排放下降", "co2_intensity_change", -1),
        ("万元地区生产总值电耗上升或下降", "electricity_intensity_gdp_change", 1),
        ("万元工业增加值用水量较上年下降", "water_intensity_industry_change", -1),
        ("万元工业增加值用水量较上年减少", "water_intensity_industry_change", -1),
        ("规模以上工业增加值比上年增长", "industrial_value_added_above_size_growth", 1),
        ("规模以上工业增加值增速", "industrial_value_added_above_size_growth", 1),
        ("地区生产总值增长率", "gdp_growth", 1),
        ("能源消费总量增长", "energy_consumption_total_change", 1),
        ("万元工业增加值碳排放降低率", "co2_intensity_industry_change", -1),
    ],
)
def test_rate_names_and_their_sign(name: str, code: str, sign: int) -> None:
    rate = default_catalogue().lookup_rate(name)
    assert rate is not None, name
    assert (rate.indicator.indicator_code, rate.sign) == (code, sign)
    assert not rate.cumulative


def test_levels_are_not_rates_and_unknown_bases_are_not_guessed() -> None:
    cat = default_catalogue()
    assert cat.lookup_rate("地区生产总值") is None
    assert cat.lookup_rate("水泥产量比上年增长") is None  # no change indicator for it
    rate = cat.lookup_rate("规模以上工业单位增加值能耗降低（十三五累计）")
    assert rate is not None and rate.cumulative and rate.span == (2016, 2020)
    assert plan_span("“十四五”时期") == (2021, 2025)
    assert normalise_price_basis("按2020年价格计算") == "constant:2020"
    assert normalise_price_basis("扣除价格因素") == "comparable"
    assert normalise_price_basis("当年价") == "current"
    with pytest.raises(UnknownPriceBasisError, match="'按美元计'"):
        normalise_price_basis("按美元计")


@pytest.mark.parametrize(
    ("text", "core", "qualifier"),
    [
        ("约20", "20", "about"),
        ("75左右", "75", "about"),
        ("180以上", "180", "at_least"),
        (">180", "180", "at_least"),
        ("不足5", "5", "at_most"),
        ("3.7亿千瓦左右", "3.7亿千瓦", "about"),
        ("20", "20", None),
        ("以上", "以上", None),
    ],
)
def test_qualified_figures(text: str, core: str, qualifier: str | None) -> None:
    assert parse_qualified(text) == (core, qualifier)


# ------------------------------------------------------------------ the chain, by hand


def test_chain_arithmetic_against_a_hand_computation() -> None:
    rates = [
        Rate(2020 + i, 2021 + i, r, "official", f"p{i}")
        for i, r in enumerate((-3.2, -4.1, 1.5, -2.0))
    ]
    c = chain(2020, rates)
    # 100 x 0.968 x 0.959 x 1.015 x 0.980 = 92.3367...
    hand = 100 * 0.968 * 0.959 * 1.015 * 0.980
    assert [p.year for p in c.points] == [2021, 2022, 2023, 2024]
    assert c.latest is not None and c.latest.index == pytest.approx(hand, rel=1e-12)
    assert c.latest.inputs == ("p0", "p1", "p2", "p3")
    assert c.broken_at is None


def test_a_missing_year_breaks_the_chain_and_is_named() -> None:
    c = chain(
        2020, [Rate(2020, 2021, -3.0, "official", "a"), Rate(2022, 2023, -3.0, "official", "c")]
    )
    assert c.latest is not None and c.latest.year == 2021
    assert c.broken_at == 2022 and "no change rate for 2022" in c.note()


def test_a_cumulative_span_links_its_years_and_current_prices_are_left_out() -> None:
    rates = [
        Rate(2015, 2020, -16.0, "official", "fyp"),
        Rate(2020, 2021, -2.0, "official", "a"),
        Rate(2021, 2022, -5.0, "official", "b", price_basis="current"),
    ]
    c = chain(2015, rates)
    assert c.latest is not None and c.latest.year == 2021
    assert c.latest.index == pytest.approx(100 * 0.84 * 0.98)
    assert c.broken_at is None and c.skipped == ["2022: rate at current prices left out"]
    # an annual rate is taken before a span starting the same year
    c2 = chain(2020, [Rate(2020, 2025, -10.0, "official", "s"), *rates[1:2]])
    assert c2.points[0].year == 2021


# ------------------------------------------------------------------ through the template

# Chongqing's 规上 energy intensity, as a communiqué states it each year (held-out
# figures for this test: illustrative, not published ones).
RATES = {2021: 3.2, 2022: 4.0, 2023: 2.5, 2024: 3.0}


def _template(path: Path, rates: dict[int, float], *, name: str, basis: str = "可比价") -> Path:
    rows = [
        f"重庆,{y},,{name},{r},%,{basis},重庆市国民经济和社会发展统计公报 {y + 1},{y + 1}-03,,"
        for y, r in rates.items()
    ]
    path.write_text(
        "地区,年份,时期,指标,数值,单位,价格口径,来源,版本,数据类型,备注\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def test_communique_rates_drive_a_reduction_target(tmp_path: Path) -> None:
    home = tmp_path / "home"
    f = _template(tmp_path / "cq_rates.csv", RATES, name="规模以上工业单位增加值能耗比上年下降")
    result = greenstat("ingest", str(f), home=home)
    assert result.returncode == 0, result.stderr
    assert "4 rows loaded, 0 rows quarantined" in result.stdout
    staged = query(
        home,
        "SELECT year, value, unit, price_basis FROM staging.observations "
        "WHERE indicator_code = 'energy_intensity_industry_change' ORDER BY year",
    )
    assert staged == [(y, -r, "percent", "comparable") for y, r in RATES.items()]
    ((base, latest_year, latest, unit, status, kind, method, inputs, ratio),) = query(
        home,
        "SELECT baseline_value, latest_year, latest_value, value_unit, status, data_kind, "
        "method, inputs, progress_ratio FROM marts.indicator_progress "
        "WHERE target_id = 'cq-2025-industry-energy-intensity'",
    )
    index = 100 * math.prod(1 - r / 100 for r in RATES.values())
    assert (base, latest_year, unit, method, kind) == (
        100.0, 2024, "index (2020 = 100)", "chained_rates", "official",
    )  # fmt: skip
    assert latest == pytest.approx(index)
    # Open SDG method 2 on the index: observed over required compound annual rate.
    required = (1 - 0.145) ** (1 / 5) - 1
    observed = (index / 100) ** (1 / 4) - 1
    assert ratio == pytest.approx(observed / required)
    assert status == ("on_track" if observed / required >= 0.95 else "moderate")
    assert len(inputs) == 4 and all(i.startswith("sha256:") for i in inputs)
    # The same target on published figures only: the same, since nothing here is demo.
    assert query(
        home,
        "SELECT status, data_kind FROM marts.indicator_progress_official "
        "WHERE target_id = 'cq-2025-industry-energy-intensity'",
    ) == [(status, "official")]


def test_nbs_signed_rates_and_communique_words_agree(tmp_path: Path) -> None:
    """-3.2 as NBS writes it (上升或下降, ±%) and 3.2 under 下降 are the same figure."""
    home = tmp_path / "home"
    nbs = tmp_path / "分省年度数据.csv"
    nbs.write_text(
        "数据库：分省年度数据\n指标：万元地区生产总值能耗上升或下降(±%)\n时间：最近5年\n"
        "地区,2021年,2020年\n北京市,-3.2,-9.18\n重庆市,1.5,-3.88\n"
        "注：地区生产总值按照2015年价格计算。\n数据来源：国家统计局\n",
        encoding="gb18030",
    )
    words = _template(
        tmp_path / "words.csv", {2021: 3.2}, name="万元地区生产总值能耗比上年下降", basis=""
    )
    words.write_text(words.read_text(encoding="utf-8").replace("重庆", "北京"), encoding="utf-8")
    for f in (nbs, words):
        result = greenstat("ingest", str(f), home=home)
        assert result.returncode == 0, result.stderr
    rows = query(
        home,
        "SELECT source_id, region_code, year, value, price_basis FROM staging.observations "
        "WHERE indicator_code = 'energy_intensity_gdp_change' ORDER BY 1, 2, 3",
    )
    assert rows == [
        ("nbs_portal_export", "CN-BJ", 2020, -9.18, "constant:2015"),
        ("nbs_portal_export", "CN-BJ", 2021, -3.2, "constant:2015"),
        ("nbs_portal_export", "CN-CQ", 2020, -3.88, "constant:2015"),
        ("nbs_portal_export", "CN-CQ", 2021, 1.5, "constant:2015"),
        ("sector_template", "CN-BJ", 2021, -3.2, None),
    ]


def test_cumulative_spans_bad_bases_and_impossible_rates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    f = tmp_path / "rates.csv"
    f.write_text(
        "region,year,period,indicator,value,unit,price_basis,source,vintage\n"
        "CN,2020,2016-2020,规模以上工业单位增加值能耗累计下降,16,%,,MIIT 2021,2021\n"
        "CN,,十三五,单位工业增加值用水量降低,约40,%,,MIIT 2021,2021\n"
        "CN,2021,,规模以上工业单位增加值能耗比上年下降,5.6,%,按美元计,NBS,2022\n"
        "CN,2021,,规模以上工业增加值比上年增长,-120,%,,NBS,2022\n"
        "CN,2020,,规模以上工业单位增加值能耗累计下降,16,%,,MIIT 2021,2021\n",
        encoding="utf-8",
    )
    result = greenstat("ingest", str(f), home=home)
    assert result.returncode == 0, result.stderr
    assert "2 rows loaded, 3 rows quarantined" in result.stdout
    assert query(
        home,
        "SELECT indicator_code, period, year, value, qualifier FROM staging.observations "
        "ORDER BY indicator_code",
    ) == [
        ("energy_intensity_industry_change", "2016/2020", 2020, -16.0, None),
        ("water_intensity_industry_change", "2016/2020", 2020, -40.0, "about"),
    ]
    reasons = dict(query(home, "SELECT source_row, reason FROM quality.quarantine"))
    assert "price_basis (价格口径)" in reasons[4] and "按美元计" in reasons[4]
    assert "would leave nothing" in reasons[5]
    assert "cumulative change: give its span" in reasons[6]
