"""Units, indicator labels and value cells as NBS writes them."""

from __future__ import annotations

import pytest

from sources.ingest import _exact
from sources.units import (
    BadValueError,
    ParsedValue,
    UnitConversion,
    UnknownUnitError,
    parse_unit,
    parse_value,
    parse_value_unit,
    split_name_unit,
    split_value_unit,
)


@pytest.mark.parametrize(
    ("unit", "canonical", "factor"),
    [
        ("亿元", "yuan", 1e8),
        ("万元", "yuan", 1e4),
        ("元", "yuan", 1),
        ("万人", "persons", 1e4),
        ("人", "persons", 1),
        ("万吨标准煤", "tce", 1e4),
        ("吨标准煤", "tce", 1),
        ("亿千瓦时", "kWh", 1e8),
        ("万千瓦时", "kWh", 1e4),
        ("千瓦时", "kWh", 1),
        ("万千瓦", "kW", 1e4),
        ("亿千瓦", "kW", 1e8),
        ("千瓦", "kW", 1),
        ("万吨", "t", 1e4),
        ("亿吨", "t", 1e8),
        ("吨", "t", 1),
        ("万立方米", "m3", 1e4),
        ("亿立方米", "m3", 1e8),
        ("立方米", "m3", 1),
        ("%", "percent", 1),
        ("‰", "permille", 1),
        ("个", "count", 1),
        ("家", "count", 1),
        ("座", "count", 1),
        ("万个", "count", 1e4),
    ],
)
def test_parse_unit_table(unit: str, canonical: str, factor: float) -> None:
    conv = parse_unit(unit)
    assert conv == UnitConversion(unit_as_written=unit, canonical=canonical, factor=factor)


@pytest.mark.parametrize(
    ("written", "canonical", "factor"),
    [
        (" 亿元 ", "yuan", 1e8),
        ("\t万吨 标准煤", "tce", 1e4),
        ("％", "percent", 1),  # full-width percent
        ("（亿元）", "yuan", 1e8),  # full-width parentheses around the unit
        ("(万千瓦时)", "kWh", 1e4),
    ],
)
def test_parse_unit_tolerates_whitespace_and_full_width(
    written: str, canonical: str, factor: float
) -> None:
    conv = parse_unit(written)
    assert (conv.canonical, conv.factor) == (canonical, factor)
    assert conv.unit_as_written == written.strip()


def test_parse_unit_ratio_of_known_units() -> None:
    # energy intensity as NBS writes it: tonnes of coal equivalent per 10,000 yuan
    # energy intensity as NBS writes it: tonnes of coal equivalent per 10,000 yuan; the
    # canonical unit keeps the 10^4 yuan denominator Chinese statistics use
    conv = parse_unit("吨标准煤/万元")
    assert (conv.canonical, conv.factor) == ("tce/10k yuan", 1.0)
    assert parse_unit("万立方米/万元").canonical == "m3/10k yuan"
    assert (parse_unit("万吨/亿元").canonical, parse_unit("万吨/亿元").factor) == ("t/yuan", 1e-4)


@pytest.mark.parametrize("unit", ["公顷", "", "亿元元", "万吨/公顷"])
def test_parse_unit_unknown_names_the_unit(unit: str) -> None:
    with pytest.raises(UnknownUnitError) as info:
        parse_unit(unit)
    assert repr(unit) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("地区生产总值(亿元)", ("地区生产总值", "亿元")),
        ("人口数(人口抽样调查)(人)", ("人口数(人口抽样调查)", "人")),
        (
            "固定资产投资(不含农户)实际到位资金_比上年增长(%)",
            ("固定资产投资(不含农户)实际到位资金_比上年增长", "%"),
        ),
        ("地方财政一般公共服务支出 (亿元) \t", ("地方财政一般公共服务支出", "亿元")),
        ("地区生产总值（亿元）", ("地区生产总值", "亿元")),
        ("年末常住人口（万人） ", ("年末常住人口", "万人")),
        ("人口数(人口抽样调查)", ("人口数(人口抽样调查)", None)),  # qualifier, not a unit
        ("地区生产总值", ("地区生产总值", None)),
        ("地区生产总值(亿元", ("地区生产总值(亿元", None)),
        ("(亿元)", ("(亿元)", None)),  # a unit with no name is not split
    ],
)
def test_split_name_unit(label: str, expected: tuple[str, str | None]) -> None:
    assert split_name_unit(label) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("49670.2", ParsedValue(49670.2, "", False)),
        ("49670.2*", ParsedValue(49670.2, "*", False)),
        ("①56", ParsedValue(56.0, "①", False)),
        ("#12.5※", ParsedValue(12.5, "#※", False)),
        ("⑳7", ParsedValue(7.0, "⑳", False)),
        ("-4.7", ParsedValue(-4.7, "", False)),
        ("\t 8396.49\t", ParsedValue(8396.49, "", False)),
        ("1,234,567.8", ParsedValue(1234567.8, "", False)),
        ("0", ParsedValue(0.0, "", False)),
        ("１２．５", ParsedValue(12.5, "", False)),  # full-width digits
    ],
)
def test_parse_value_numbers_and_flags(text: str, expected: ParsedValue) -> None:
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    "text", ["", "  ", "\t", "—", "--", "-", "…", "...", "空", "NA", "null", "— "]
)
def test_parse_value_missing_markers_are_never_zero(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.missing is True
    assert parsed.value is None


def test_parse_value_flag_on_a_missing_cell_is_kept() -> None:
    assert parse_value("—*") == ParsedValue(None, "*", True)


@pytest.mark.parametrize("text", ["abc", "12.3.4", "12 34", "1,23", "--5", "4.7-"])
def test_parse_value_bad_text_raises_with_the_text(text: str) -> None:
    with pytest.raises(BadValueError) as info:
        parse_value(text)
    assert repr(text) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("unit", "canonical", "factor"),
    [
        ("TWh", "kWh", 1e9),  # OWID energy
        ("Mt CO2", "t CO2", 1e6),  # OWID / CEADs emissions, with or without the space
        ("MtCO2", "t CO2", 1e6),
        ("kg CO2/int$", "kg CO2/int$", 1),
        ("吨标准煤/万元", "tce/10k yuan", 1),
    ],
)
def test_parse_unit_international_and_intensity(unit: str, canonical: str, factor: float) -> None:
    conv = parse_unit(unit)
    assert (conv.canonical, conv.factor) == (canonical, factor)


# Units the sector template and briefings are written in; value x factor must be exact
# (ingest._exact), so 3.7 亿千瓦 is 370000000 kW and not 370000000.00000006.
@pytest.mark.parametrize(
    ("written", "unit", "canonical", "expected"),
    [
        ("1234.56", "万吨标准煤", "tce", 12345600),
        ("0.253", "吨标准煤", "tce", 0.253),
        ("7181.3", "亿千瓦时", "kWh", 718130000000),
        ("9713", "万千瓦", "kW", 97130000),
        ("3.7", "亿千瓦", "kW", 370000000),
        ("12.3", "亿千瓦", "kW", 1230000000),
        ("18549.19", "亿元", "yuan", 1854919000000),
        ("0.07", "万元", "yuan", 700),
        ("3.3", "万吨", "t", 33000),
        ("1.1", "亿吨", "t", 110000000),
        ("0.29", "万立方米", "m3", 2900),
        ("12.5", "%", "percent", 12.5),
        ("1.1", "TWh", "kWh", 1100000000),
        ("10905.693", "Mt CO2", "t CO2", 10905693000),
    ],
)
def test_conversion_is_decimal_exact(
    written: str, unit: str, canonical: str, expected: float
) -> None:
    conv = parse_unit(unit)
    assert conv.canonical == canonical
    assert _exact(float(written), conv.factor) == expected  # exact, not approx


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.7亿千瓦", (3.7, "亿千瓦")),
        ("9713万千瓦", (9713.0, "万千瓦")),
        ("12.5%", (12.5, "%")),
        ("1,234.5 万吨", (1234.5, "万吨")),
        (" 7181.3亿千瓦时 ", (7181.3, "亿千瓦时")),
        ("５９８０万吨标准煤", (5980.0, "万吨标准煤")),  # full-width digits
        ("-2.1%", (-2.1, "%")),
        ("0.25吨标准煤/万元", (0.25, "吨标准煤/万元")),
    ],
)
def test_split_value_unit(text: str, expected: tuple[float, str]) -> None:
    assert split_value_unit(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("约3.7亿千瓦", "approximate"),
        ("3.7亿千瓦以上", "approximate"),
        ("3.7-4.0亿千瓦", "more than one number"),
        ("3.7亿千瓦，增长5%", "more than one number"),
        ("3.7亿", "unknown unit '亿'"),
        ("3.7", "carries no unit"),
        ("亿千瓦", "does not start with a number"),
        ("1,23万吨", "thousands separator"),
        ("", "empty"),
    ],
)
def test_split_value_unit_refuses_ambiguous_cells(text: str, says: str) -> None:
    with pytest.raises(BadValueError) as info:
        split_value_unit(text)
    assert says in str(info.value)
    if text:
        assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("3.7亿千瓦*", ParsedValue(3.7, "*", False), "亿千瓦"),
        ("49670.2", ParsedValue(49670.2, "", False), None),
        ("①12.5%", ParsedValue(12.5, "①", False), "%"),
        ("—", ParsedValue(None, "", True), None),
    ],
)
def test_parse_value_unit(text: str, value: ParsedValue, unit: str | None) -> None:
    assert parse_value_unit(text) == (value, unit)


def test_chained_and_fixed_base_indices_are_different_units() -> None:
    """A fixed-base index read as previous-year = 100 would compound levels as growth."""
    chained, fixed = parse_unit("上年=100"), parse_unit("2020=100")
    assert chained.canonical == "index (previous year = 100)"
    assert fixed.canonical == "index (2020 = 100)"
    with pytest.raises(UnknownUnitError):
        parse_unit("index")
