"""NBS portal exports: every real file in shared/data/nbs_easyquery, plus synthetic edge cases."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from sources.errors import SourceFormatError
from sources.nbs_export import NbsCell, NbsExport, parse_nbs_export, sniff_nbs_export

# Real files: what each one must do with no arguments beyond KNOWN.
KNOWN = {
    "地区生产总值": "地区生产总值(亿元)",
    "年末常住人口": "年末常住人口(万人)",
    "地方财政一般公共预算支出": "地方财政一般公共预算支出(亿元)",
    "地方财政科学技术支出": "地方财政科学技术支出(亿元)",
}
PARSES = {
    "1lmq/分省年度数据.csv",
    "RenJiyi163_gbk/分省年度数据.csv",
    "RenJiyi163_gbk/分省年度数据 (1).csv",
    "RenJiyi163_gbk/分省年度数据 (2).csv",
    "RenJiyi163_gbk/分省年度数据 (3).csv",
    "RenJiyi163_gbk/分省年度数据 (4).csv",
    "RenJiyi163_gbk/分省年度数据 (5).csv",
    "RenJiyi163_gbk/分省年度数据 (6).csv",
    "Tobby-star/分省年度数据.csv",
    "data-collection_xls/分省年度数据.xls",
    "data-collection_xls/主要城市年度数据.xls",
    "tec_expenditure/分省年度数据.csv",
    "tec_expenditure/分省年度数据_6.csv",  # indicator inferred from its note (GDP)
}
RAISES_NO_INDICATOR = {
    "VasantLong/分省年度数据.csv",
    *(f"tec_expenditure/分省年度数据_{i}.csv" for i in (1, 2, 3, 4, 5, 7, 8)),
}

shared = pytest.mark.shared_data


def _cells_accounted(export: NbsExport) -> bool:
    rejected = sum(r.cells for r in export.rejected)
    return export.cells_in == len(export.cells) + rejected + export.cells_missing


def _cell(export: NbsExport, region: str, year: int) -> NbsCell:
    found = [c for c in export.cells if c.region_label == region and c.year == year]
    assert len(found) == 1, f"{region} {year}: {found}"
    return found[0]


def _one_line_naming(exc: BaseException, path: Path) -> str:
    msg = str(exc)
    assert "\n" not in msg and "\r" not in msg
    assert msg.startswith(f"{path.name}: ")
    return msg


# --------------------------------------------------------------------------- real files


@shared
def test_every_real_file_is_classified(nbs_dir: Path) -> None:
    found = {p.relative_to(nbs_dir).as_posix() for p in nbs_dir.rglob("*") if p.is_file()}
    assert found == PARSES | RAISES_NO_INDICATOR


@shared
@pytest.mark.parametrize("rel", sorted(PARSES))
def test_real_file_parses_and_accounts_for_every_cell(nbs_dir: Path, rel: str) -> None:
    path = nbs_dir / rel
    assert sniff_nbs_export(path, path.read_bytes()[:4096])
    export = parse_nbs_export(path, known_indicators=KNOWN)
    assert export.data_rows >= 20
    assert export.cells
    assert _cells_accounted(export)
    assert export.source_line == "数据来源：国家统计局"
    assert export.years == sorted(export.years, reverse=True)
    for cell in export.cells:
        assert cell.value_as_written and cell.value_as_written == cell.value_as_written.strip()
        assert cell.year in export.years
        assert cell.source_row > 0
    if export.layout == "regions_by_years":
        assert export.cells_in == export.data_rows * len(export.years)


@shared
@pytest.mark.parametrize("rel", sorted(RAISES_NO_INDICATOR))
def test_real_file_without_indicator_raises_one_line(nbs_dir: Path, rel: str) -> None:
    path = nbs_dir / rel
    assert sniff_nbs_export(path, path.read_bytes()[:4096])
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path, known_indicators=KNOWN)
    msg = _one_line_naming(info.value, path)
    assert "no 指标： line" in msg
    assert "--indicator" in msg


@shared
def test_renjiyi_gdp(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "RenJiyi163_gbk/分省年度数据.csv")
    assert export.encoding == "gb18030"
    assert export.layout == "regions_by_years"
    assert export.database == "分省年度数据"
    assert export.indicator_line == "地区生产总值(亿元)"
    assert export.indicator_inferred_from is None
    assert export.time_line == "最近20年"
    assert export.years[0] == 2024 and export.years[-1] == 2006
    bj = _cell(export, "北京市", 2024)
    assert bj == NbsCell(
        source_row=5,
        region_label="北京市",
        indicator_label="地区生产总值",
        unit_as_written="亿元",
        year=2024,
        value_as_written="49670.2",
        value=49670.2,
        flags="",
    )
    assert len(export.notes) == 1 and "第五次全国经济普查" in export.notes[0]
    assert export.notes[0].startswith("注：")
    assert export.latest_year_with_data == 2024
    assert export.data_rows == 31 and not export.rejected and export.cells_missing == 0


@shared
def test_tobby_star_old_vintage_and_quoted_note(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "Tobby-star/分省年度数据.csv")
    assert _cell(export, "北京市", 2017).value == 28014.94
    assert _cell(export, "北京市", 2017).value_as_written == "28014.94"
    assert export.time_line == "1993-2017"
    # The note is one quoted CSV field holding a comma: kept whole, quotes gone.
    assert len(export.notes) == 1
    assert "（GB/T4754-2002）,三次产业划分" in export.notes[0]
    assert not export.notes[0].startswith('"')


@shared
def test_1lmq_population(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "1lmq/分省年度数据.csv")
    bj = _cell(export, "北京市", 2024)
    assert (bj.value, bj.unit_as_written, bj.indicator_label) == (2183.0, "万人", "年末常住人口")
    assert export.years == list(range(2024, 2014, -1))


@shared
def test_xls_export(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "data-collection_xls/分省年度数据.xls")
    assert export.encoding == "xls"
    bj = _cell(export, "北京市", 2019)
    assert (bj.value_as_written, bj.value, bj.source_row) == ("35371.28", 35371.28, 5)
    assert _cell(export, "天津市", 2018).value == 13362.92
    # Census break: Tianjin 2018 (revised) far below 2017 (not yet revised).
    assert _cell(export, "天津市", 2017).value == 18549.19
    assert len(export.notes) == 2
    assert export.notes[1].startswith("2.2018年数据")
    for cell in export.cells:  # no float noise in the values as written
        assert len(cell.value_as_written.partition(".")[2]) <= 2


@shared
def test_xls_cities_blank_cells_are_missing(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "data-collection_xls/主要城市年度数据.xls")
    assert export.indicator_line == "国内生产总值(亿元)"
    assert _cell(export, "北京", 2019).value == 35371.28
    assert not [c for c in export.cells if c.region_label == "石家庄" and c.year == 2019]
    assert export.cells_missing > 0 and _cells_accounted(export)


@shared
def test_blank_cells_are_missing_not_zero(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "RenJiyi163_gbk/分省年度数据 (1).csv")
    bj_years = {c.year for c in export.cells if c.region_label == "北京市"}
    assert 2025 not in bj_years and 2020 not in bj_years
    assert 2024 in bj_years and 2015 in bj_years
    assert all(c.value != 0 for c in export.cells)
    assert export.cells_missing == 31 * 3  # 2025, 2020 and 2010 are blank for every region
    assert _cells_accounted(export)
    # The 1% sample survey year is 20x the 1‰ years: kept as written, not "fixed".
    assert _cell(export, "北京市", 2015).value == 335775
    assert export.indicator_line == "人口数(人口抽样调查)(人)"
    assert _cell(export, "北京市", 2015).indicator_label == "人口数(人口抽样调查)"


@shared
def test_multi_line_notes_keep_continuations(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "RenJiyi163_gbk/分省年度数据 (1).csv")
    assert len(export.notes) == 2
    assert export.notes[0].startswith("注：1.2005年")
    assert export.notes[1].startswith("2.由于采用加权汇总的方法")
    three = parse_nbs_export(nbs_dir / "RenJiyi163_gbk/分省年度数据 (3).csv")
    assert [n[:2] for n in three.notes] == ["注：", "2.", "3."]


@shared
def test_growth_rate_negative_values(nbs_dir: Path) -> None:
    export = parse_nbs_export(nbs_dir / "RenJiyi163_gbk/分省年度数据 (5).csv")
    bj = _cell(export, "北京市", 2024)
    assert (bj.value, bj.unit_as_written) == (-4.7, "%")
    assert bj.indicator_label == "固定资产投资(不含农户)实际到位资金_比上年增长"
    assert export.notes == []


@shared
def test_vasantlong_needs_an_indicator(nbs_dir: Path) -> None:
    path = nbs_dir / "VasantLong/分省年度数据.csv"
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path)
    _one_line_naming(info.value, path)
    export = parse_nbs_export(path, indicator="地区生产总值(亿元)")
    assert export.indicator_inferred_from == "argument"
    assert export.indicator_line == "地区生产总值(亿元)"
    assert export.database is None and export.time_line is None and export.notes == []
    assert export.source_line is None
    regions = {c.region_label for c in export.cells}
    assert {"广西省", "新疆省", "西藏省", "北京市"} <= regions
    bj = _cell(export, "北京市", 2019)
    assert (bj.source_row, bj.value, bj.unit_as_written) == (2, 35445.1, "亿元")
    assert _cells_accounted(export)


@shared
def test_tec_6_infers_gdp_from_its_note(nbs_dir: Path) -> None:
    export = parse_nbs_export(
        nbs_dir / "tec_expenditure/分省年度数据_6.csv", known_indicators=KNOWN
    )
    assert export.encoding == "utf-8-sig"
    assert export.indicator_inferred_from == "notes"
    assert export.indicator_line == "地区生产总值(亿元)"
    bj = _cell(export, "北京市", 2024)
    assert (bj.indicator_label, bj.unit_as_written, bj.value) == ("地区生产总值", "亿元", 49670.2)
    assert bj.source_row == 4
    assert not [c for c in export.cells if c.year == 2025]
    # Without the catalogue there is nothing to infer from.
    with pytest.raises(SourceFormatError):
        parse_nbs_export(nbs_dir / "tec_expenditure/分省年度数据_6.csv")


@shared
def test_tec_1_is_ambiguous_but_parses_with_an_indicator(nbs_dir: Path) -> None:
    path = nbs_dir / "tec_expenditure/分省年度数据_1.csv"
    with pytest.raises(SourceFormatError):
        parse_nbs_export(path, known_indicators=KNOWN)
    export = parse_nbs_export(path, indicator="地方财政科学技术支出(亿元)")
    assert _cell(export, "北京市", 2023).value == 521.91
    assert _cells_accounted(export)


@shared
def test_tec_indicators_by_years(nbs_dir: Path) -> None:
    path = nbs_dir / "tec_expenditure/分省年度数据.csv"
    export = parse_nbs_export(path)
    assert export.layout == "indicators_by_years"
    assert export.region_line is None
    assert export.years == list(range(2024, 2015, -1))
    labels = {c.indicator_label for c in export.cells}
    assert len(labels) >= 20
    assert {c.region_label for c in export.cells} == {None}
    assert {c.unit_as_written for c in export.cells} == {"亿元"}
    total = [c for c in export.cells if c.indicator_label == "地方财政一般公共预算支出"]
    assert {c.year: c.value for c in total}[2024] == 8396.49
    services = [c for c in export.cells if c.indicator_label == "地方财政一般公共服务支出"]
    assert {c.year for c in services} == set(range(2023, 2015, -1))  # 2024 is blank
    assert _cells_accounted(export)
    named = parse_nbs_export(path, region="北京市")
    assert {c.region_label for c in named.cells} == {"北京市"}


@shared
def test_indicator_argument_contradicting_the_file_raises(nbs_dir: Path) -> None:
    path = nbs_dir / "RenJiyi163_gbk/分省年度数据.csv"
    assert parse_nbs_export(path, indicator="地区生产总值（亿元）").indicator_inferred_from is None
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path, indicator="年末常住人口(万人)")
    _one_line_naming(info.value, path)


# --------------------------------------------------------------------------- synthetic


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _col(index: int) -> str:
    name, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _write_xlsx(path: Path, rows: Sequence[Sequence[object]], first_row: int = 1) -> Path:
    """A minimal .xlsx (inline strings) so Excel tests need no writer library."""
    xml_rows = []
    for r, row in enumerate(rows, start=first_row):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if value is None:
                continue
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'
            f"{''.join(xml_rows)}</sheetData></worksheet>",
        )
    return path


PORTAL = (
    "数据库：分省年度数据\r\n"
    "指标：地区生产总值(亿元)\r\n"
    "时间：最近3年\r\n"
    "地区,2024年,2023年,2022年\r\n"
    "北京市,49670.2,—,…\r\n"
    "天津市,123.4*,①56,abc\r\n"
    "河北省,1,2\r\n"
    "注：一个注释\r\n"
    "\u3000\u3000\u30002.续行\r\n"
    "数据来源：国家统计局\r\n"
)


def test_utf8_without_bom_crlf_markers_flags_and_rejects(tmp_path: Path) -> None:
    path = _write(tmp_path, "portal.csv", PORTAL)
    export = parse_nbs_export(path)
    assert export.encoding == "utf-8"
    assert export.years == [2024, 2023, 2022]
    assert _cell(export, "北京市", 2024).source_row == 5
    assert not [c for c in export.cells if c.region_label == "北京市" and c.year != 2024]
    tj = _cell(export, "天津市", 2024)
    assert (tj.value, tj.flags, tj.value_as_written) == (123.4, "*", "123.4*")
    tj23 = _cell(export, "天津市", 2023)
    assert (tj23.value, tj23.flags) == (56.0, "①")
    bad, short = export.rejected
    assert (bad.source_row, bad.column, bad.cells) == (6, "2022年", 1)
    assert "abc" in bad.reason and bad.raw == "天津市,123.4*,①56,abc"
    # 河北省's row is one cell short: rejected whole, its absent cell is not a blank.
    assert (short.source_row, short.column, short.cells) == (7, None, 3)
    assert short.reason.startswith("row has 3 cells, the header has 4")
    assert not [c for c in export.cells if c.region_label == "河北省"]
    # 北京市 — and …: two missing cells, no zeros
    assert export.cells_missing == 2
    assert export.cells_in == 9 and _cells_accounted(export)
    assert export.notes == ["注：一个注释", "2.续行"]
    assert export.source_line == "数据来源：国家统计局"


def test_gbk_lf_with_bom_less_utf8_fallback(tmp_path: Path) -> None:
    path = _write(tmp_path, "gbk.csv", PORTAL.replace("\r\n", "\n"), encoding="gbk")
    export = parse_nbs_export(path)
    assert export.encoding == "gb18030"
    assert _cell(export, "北京市", 2024).value == 49670.2
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + PORTAL.encode())
    assert parse_nbs_export(bom).encoding == "utf-8-sig"


def test_tab_comma_separators_and_trailing_commas(tmp_path: Path) -> None:
    text = (
        "数据库：分省年度数据 \n时间： \n"
        "地区\t,2024年\t,2023年\t,\n"
        "北京市\t,\t,7.5\t,\n"
        "天津市\t,1\t,2\t,\t,\t,\n"
        "数据来源：国家统计局"
    )
    export = parse_nbs_export(_write(tmp_path, "t.csv", text), indicator="地区生产总值(亿元)")
    assert export.time_line is None
    assert [(c.region_label, c.year, c.value) for c in export.cells] == [
        ("北京市", 2023, 7.5),
        ("天津市", 2024, 1.0),
        ("天津市", 2023, 2.0),
    ]
    assert export.cells_missing == 1 and _cells_accounted(export)


def test_row_with_more_values_than_years_is_rejected_whole(tmp_path: Path) -> None:
    text = "指标：地区生产总值(亿元)\n地区,2024年,2023年\n北京市,1,2,3\n天津市,4,5,,\n"
    export = parse_nbs_export(_write(tmp_path, "long.csv", text))
    [bad] = export.rejected
    assert (bad.source_row, bad.column, bad.cells) == (3, None, 3)
    assert bad.raw == "北京市,1,2,3"
    assert [c.region_label for c in export.cells] == ["天津市", "天津市"]
    assert export.cells_in == 5 and _cells_accounted(export)


def test_short_row_in_the_middle_is_rejected_whole(tmp_path: Path) -> None:
    text = (
        "指标：地区生产总值(亿元)\n地区,2024年,2023年,2022年\n"
        "北京市,1,2,3\n天津市,4,\n河北省,7,,\n数据来源：国家统计局\n"
    )
    export = parse_nbs_export(_write(tmp_path, "short.csv", text))
    [short] = export.rejected
    assert (short.source_row, short.column, short.cells) == (4, None, 3)
    assert short.raw == "天津市,4,"
    assert "row has 3 cells, the header has 4" in short.reason
    assert "truncated" not in short.reason
    assert not [c for c in export.cells if c.region_label == "天津市"]
    # 河北省 writes every cell (two blank): those are missing-value markers.
    assert _cell(export, "河北省", 2024).value == 7
    assert export.cells_missing == 2
    assert export.data_rows == 3 and export.cells_in == 9 and _cells_accounted(export)


def test_short_last_row_with_a_newline_is_not_called_truncated(tmp_path: Path) -> None:
    text = "指标：地区生产总值(亿元)\n地区,2024年,2023年\n北京市,1,2\n天津市,4\n"
    export = parse_nbs_export(_write(tmp_path, "short_end.csv", text))
    [short] = export.rejected
    assert (short.source_row, short.cells) == (4, 2)
    assert "row has 2 cells, the header has 3" in short.reason
    assert export.cells_missing == 0 and _cells_accounted(export)


def test_short_last_row_without_a_newline_is_truncation(tmp_path: Path) -> None:
    text = "指标：地区生产总值(亿元)\r\n地区,2024年,2023年\r\n北京市,1,2\r\n天津市,4"
    export = parse_nbs_export(_write(tmp_path, "cut.csv", text))
    [cut] = export.rejected
    assert (cut.source_row, cut.column, cut.cells, cut.raw) == (4, None, 2, "天津市,4")
    assert "the file looks truncated" in cut.reason
    assert [c.region_label for c in export.cells] == ["北京市", "北京市"]
    assert export.cells_missing == 0 and _cells_accounted(export)


def test_header_as_the_last_line_still_raises(tmp_path: Path) -> None:
    path = _write(tmp_path, "head_only.csv", "指标：地区生产总值(亿元)\n地区,2024年,2023年")
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path)
    assert "no data rows" in _one_line_naming(info.value, path)


def test_indicators_by_years_with_region_line(tmp_path: Path) -> None:
    text = (
        "数据库：分省年度数据\n地区：北京市\n时间：最近2年\n"
        "指标,2024年,2023年\n"
        "地方财政教育支出 (亿元),1227.9,1171.12\n"
        "人口数(人口抽样调查)(人),5,6\n"
        "某指标(公顷),7,\n"
    )
    path = _write(tmp_path, "ind.csv", text)
    export = parse_nbs_export(path)
    assert export.layout == "indicators_by_years"
    assert export.region_line == "北京市"
    assert {c.region_label for c in export.cells} == {"北京市"}
    units = {c.indicator_label: c.unit_as_written for c in export.cells}
    assert units == {
        "地方财政教育支出": "亿元",
        "人口数(人口抽样调查)": "人",
        "某指标(公顷)": "",  # unknown unit: the caller decides
    }
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path, region="天津市")
    _one_line_naming(info.value, path)


def test_notes_inference_needs_exactly_one_known_name(tmp_path: Path) -> None:
    body = "地区,2024年\n北京市,1\n"
    known = {"地区生产总值": "地区生产总值(亿元)", "地区生产总值指数": "地区生产总值指数(%)"}
    one = _write(tmp_path, "one.csv", body + "注：地区生产总值指数按可比价格计算。\n")
    export = parse_nbs_export(one, known_indicators=known)
    assert export.indicator_inferred_from == "notes"
    assert (export.cells[0].indicator_label, export.cells[0].unit_as_written) == (
        "地区生产总值指数",
        "%",
    )
    two = _write(tmp_path, "two.csv", body + "注：地区生产总值指数与地区生产总值口径不同。\n")
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(two, known_indicators=known)
    msg = _one_line_naming(info.value, two)
    assert "2 known indicators" in msg


def test_trailing_lines_kept_as_notes_and_late_data_rejected(tmp_path: Path) -> None:
    text = (
        "指标：地区生产总值(亿元)\n地区,2024年,2023年\n北京市,1,2\n"
        "注：说明\n单位说明文字\n天津市,3,4\n数据来源：国家统计局\n"
    )
    export = parse_nbs_export(_write(tmp_path, "late.csv", text))
    assert export.notes == ["注：说明", "单位说明文字"]
    [late] = export.rejected
    assert (late.source_row, late.cells) == (6, 2)
    assert len(export.cells) == 2 and _cells_accounted(export)


def test_second_table_is_an_error(tmp_path: Path) -> None:
    text = "指标：地区生产总值(亿元)\n地区,2024年\n北京市,1\n注：x\n地区,2024年\n北京市,2\n"
    path = _write(tmp_path, "two_tables.csv", text)
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path)
    assert "line 5" in _one_line_naming(info.value, path)


def test_xlsx_rows_are_sheet_rows_and_floats_lose_their_noise(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["数据库：分省年度数据"],
        ["指标：地区生产总值(亿元)"],
        [],
        ["地区", "2019年", 2018],
        ["北京市", 35371.28, 0.1 + 0.2],
        ["天津市", "—", 1e-10],
        ["注：x"],
    ]
    path = _write_xlsx(tmp_path / "export.xlsx", rows, first_row=3)
    assert sniff_nbs_export(path, path.read_bytes()[:4096])
    export = parse_nbs_export(path)
    assert export.encoding == "xlsx"
    assert export.years == [2019, 2018]
    bj = _cell(export, "北京市", 2019)
    assert (bj.source_row, bj.value_as_written) == (7, "35371.28")
    assert _cell(export, "北京市", 2018).value_as_written == "0.3"
    tiny = _cell(export, "天津市", 2018)
    assert (tiny.value_as_written, tiny.value) == ("0.0000000001", 1e-10)
    assert export.cells_missing == 1 and export.notes == ["注：x"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "empty file"),
        ("blank.csv", b" \r\n\t\n", "empty file"),
        ("binary.csv", b"\x00\x01\x02PK" * 64, "not text (binary content)"),
        ("trunc.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "truncated or corrupt Excel file"),
        ("fake.xls", "地区,2024年\n北京市,1\n".encode(), "not an Excel file"),
        ("random.xls", b"just some text\n", "not an Excel file"),
        ("utf16.csv", "地区,2024年\n".encode("utf-16"), "UTF-16"),
        ("nohead.csv", b"a,b\n1,2\n", "no header row starting with 地区 or 指标"),
        ("badyear.csv", "地区,2024年,合计\n北京市,1,2\n".encode(), "not a year: '合计'"),
        ("dupyear.csv", "地区,2024年,2024\n北京市,1,2\n".encode(), "repeats the year 2024"),
        ("nodata.csv", "指标：x(亿元)\n地区,2024年\n注：无\n".encode(), "no data rows"),
    ],
)
def test_bad_files_raise_one_line_naming_the_file(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path)
    assert reason in _one_line_naming(info.value, path)


@shared
def test_truncated_real_csv_rejects_the_cut_row(tmp_path: Path, nbs_dir: Path) -> None:
    src = (nbs_dir / "1lmq/分省年度数据.csv").read_bytes()
    head = src[:200]
    assert head.endswith("天津市,".encode("gb18030"))  # cut mid-row, no newline
    path = tmp_path / "cut.csv"
    path.write_bytes(head)
    export = parse_nbs_export(path)
    assert export.years == list(range(2024, 2014, -1))
    [cut] = export.rejected
    assert (cut.source_row, cut.column, cut.cells, cut.raw) == (6, None, 10, "天津市,")
    assert "row ends before the header's last column" in cut.reason
    assert "the file looks truncated" in cut.reason
    # Not padded into ten missing values; 北京市 is still read in full.
    assert export.cells_missing == 0
    assert {c.region_label for c in export.cells} == {"北京市"}
    assert _cell(export, "北京市", 2024).value == 2183.0
    assert len(export.cells) == 10
    assert export.data_rows == 2 and export.cells_in == 20 and _cells_accounted(export)


@shared
def test_truncated_real_xls_raises(tmp_path: Path, nbs_dir: Path) -> None:
    src = (nbs_dir / "data-collection_xls/分省年度数据.xls").read_bytes()
    path = tmp_path / "cut.xls"
    path.write_bytes(src[:4096])
    with pytest.raises(SourceFormatError) as info:
        parse_nbs_export(path)
    assert "truncated or corrupt Excel file" in _one_line_naming(info.value, path)


def test_sniff(tmp_path: Path) -> None:
    portal = _write(tmp_path, "p.csv", PORTAL, encoding="gb18030")
    assert sniff_nbs_export(portal, portal.read_bytes()[:4096])
    stripped = _write(tmp_path, "s.csv", "地区,2019年,2018年\n北京市,1,2\n", encoding="gbk")
    assert sniff_nbs_export(stripped, stripped.read_bytes())
    # A head cut in the middle of a multi-byte character still sniffs.
    assert sniff_nbs_export(portal, portal.read_bytes()[:31])
    other = _write(tmp_path, "o.csv", "province,2019,2018\nBJ,1,2\n")
    assert not sniff_nbs_export(other, other.read_bytes())
    assert not sniff_nbs_export(other, b"\x00\x01binary")
    broken = tmp_path / "b.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    assert not sniff_nbs_export(broken, broken.read_bytes())
