"""regions.csv and the resolver: the file stays honest, and every spelling in the real
public files maps to exactly one region (or is a documented non-region)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import fastexcel
import pytest

from sources.regions import (
    REGIONS_CSV,
    Region,
    RegionResolver,
    default_resolver,
    load_regions,
    normalise_label,
)
from tests.conftest import decode_text

PROVINCE_ISO = {
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS",
    "CN-ZJ", "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX",
    "CN-HI", "CN-CQ", "CN-SC", "CN-GZ", "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX",
    "CN-XJ",
}  # fmt: skip
SAR_AND_TAIWAN = {"CN-HK", "CN-MO", "CN-TW"}
CITIES = {"CN-GD-SZ": "CN-GD", "CN-ZJ-NB": "CN-ZJ", "CN-FJ-XM": "CN-FJ",
          "CN-SD-QD": "CN-SD", "CN-LN-DL": "CN-LN"}  # fmt: skip


@pytest.fixture(scope="module")
def regions() -> list[Region]:
    return load_regions()


@pytest.fixture(scope="module")
def resolver() -> RegionResolver:
    return default_resolver()


# --- the file -------------------------------------------------------------------------


def test_levels_and_counts(regions: list[Region]) -> None:
    by_level: dict[str, set[str]] = {}
    for r in regions:
        by_level.setdefault(r.level, set()).add(r.region_code)
    assert by_level["nation"] == {"CN"}
    assert by_level["province"] == PROVINCE_ISO | SAR_AND_TAIWAN
    assert by_level["city"] == set(CITIES)
    assert by_level["corps"] == {"CN-XJ-BT"}
    assert len(regions) == 1 + 31 + 3 + 5 + 1


def test_codes_unique_and_gb2260_unique(regions: list[Region]) -> None:
    codes = [r.region_code for r in regions]
    assert len(codes) == len(set(codes))
    gb = [r.gb2260 for r in regions if r.gb2260]
    assert len(gb) == len(set(gb)) == len(regions) - 1  # only the nation has none
    assert all(len(g) == 6 and g.isdigit() for g in gb)
    assert next(r for r in regions if r.region_code == "CN").gb2260 == ""


def test_parents_exist_and_match(regions: list[Region]) -> None:
    by_code = {r.region_code: r for r in regions}
    for r in regions:
        if r.level == "nation":
            assert r.parent_code == ""
            continue
        assert r.parent_code in by_code, r
    for code, parent in CITIES.items():
        assert by_code[code].parent_code == parent
    assert by_code["CN-XJ-BT"].parent_code == "CN-XJ"
    assert {r.parent_code for r in regions if r.level == "province"} == {"CN"}


def test_every_spelling_resolves_to_its_own_region(
    regions: list[Region], resolver: RegionResolver
) -> None:
    for r in regions:
        assert r.region_code in r.aliases, f"{r.region_code}: ISO code missing from aliases"
        if r.gb2260:
            assert r.gb2260 in r.aliases, f"{r.region_code}: gb2260 missing from aliases"
        assert r.name_zh in r.aliases and r.name_en in r.aliases, r.region_code
        for spelling in r.spellings():
            assert resolver.resolve(spelling) == r.region_code, spelling


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("北京", "CN-BJ"), ("北京市", "CN-BJ"), ("Beijing", "CN-BJ"), ("BJ", "CN-BJ"),
        ("CN-BJ", "CN-BJ"), ("110000", "CN-BJ"),
        ("内蒙", "CN-NM"), ("内蒙古", "CN-NM"), ("内蒙古自治区", "CN-NM"),
        ("兵团", "CN-XJ-BT"), ("新疆兵团", "CN-XJ-BT"), ("新疆生产建设兵团", "CN-XJ-BT"),
        ("广西省", "CN-GX"), ("西藏省", "CN-XZ"), ("新疆省", "CN-XJ"),
        ("深圳", "CN-GD-SZ"), ("440300", "CN-GD-SZ"),
        ("Shaanxi", "CN-SN"), ("Shanxi", "CN-SX"), ("China", "CN"), ("全国", "CN"),
    ],
)  # fmt: skip
def test_named_examples(resolver: RegionResolver, label: str, code: str) -> None:
    assert resolver.resolve(label) == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("  北京市\t", "CN-BJ"),  # NBS exports pad labels with tabs
        ("\u3000北京市\u3000", "CN-BJ"),  # ideographic spaces
        ("\ufeff北京市", "CN-BJ"),  # a BOM glued to the first cell
        ("ＢＪ", "CN-BJ"),  # full-width Latin
        ("cn-bj", "CN-BJ"),
        ("Beijing2019", "CN-BJ"),  # CEADs sheet names
        ("InnerMongolia2019", "CN-NM"),
        ("Inner Mongolia", "CN-NM"), ("inner_mongolia", "CN-NM"), ("INNER-MONGOLIA", "CN-NM"),
        ("Innermongolia", "CN-NM"), ("Hong Kong", "CN-HK"), ("HongKong", "CN-HK"),
    ],
)  # fmt: skip
def test_normalisation(resolver: RegionResolver, label: str, code: str) -> None:
    assert resolver.resolve(label) == code


@pytest.mark.parametrize(
    "label",
    ["北", "北京省", "石家庄", "合肥", "新疆石河子", "", "  ", "1100", "11000", "110000.0",
     "Bei", "Beijing20190", "2019", "CN-BJ-XX"],
)  # fmt: skip
def test_no_loose_matches(resolver: RegionResolver, label: str) -> None:
    assert resolver.resolve(label) is None


def test_year_is_stripped_only_from_latin_names() -> None:
    assert normalise_label("Beijing2019") == "beijing"
    assert normalise_label("110000") == "110000"
    assert normalise_label("北京2019") == "北京2019"


def test_provincial_code(resolver: RegionResolver) -> None:
    for city, province in CITIES.items():
        assert resolver.provincial_code(city) == province
    assert resolver.provincial_code("CN-XJ-BT") == "CN-XJ"
    assert resolver.provincial_code("CN-BJ") == "CN-BJ"
    assert resolver.provincial_code("CN") == "CN"
    assert resolver.provincial_code("CN-HK") == "CN-HK"
    assert resolver.provincial_code(resolver.resolve("深圳") or "") == "CN-GD"
    with pytest.raises(KeyError):
        resolver.provincial_code("CN-XX")


def test_duplicate_alias_in_file_raises(tmp_path: Path) -> None:
    lines = REGIONS_CSV.read_text(encoding="utf-8").splitlines()
    tianjin = next(i for i, line in enumerate(lines) if line.startswith("CN-TJ,"))
    lines[tianjin] += "|北京"  # Tianjin claiming Beijing's short name
    bad = tmp_path / "regions.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="北京"):
        load_regions(bad)


def test_duplicate_after_normalisation_raises(regions: list[Region]) -> None:
    tampered = [
        replace(r, aliases=(*r.aliases, "inner_mongolia")) if r.region_code == "CN-NX" else r
        for r in regions
    ]
    with pytest.raises(ValueError, match="CN-NM"):
        RegionResolver(tampered)


def test_unknown_parent_raises(tmp_path: Path) -> None:
    text = REGIONS_CSV.read_text(encoding="utf-8").replace(",city,CN-GD,", ",city,CN-GG,")
    bad = tmp_path / "regions.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="parent"):
        load_regions(bad)


# --- real public files (../shared/data) ------------------------------------------------

# 地区 values in 绿色设计产品名单.csv that are not regions: the scraper took the first two
# characters of the company name or wrote "na". City-level names are not regions here
# (only the five separately-planned cities are), and a company prefix is no place at all.
MIIT_NOT_REGIONS = {
    "绿色设计产品名单.csv": {
        "na",  # section-heading rows (产品类别, 评价标准) with no region
        "合肥", "常州", "无锡", "苏州", "武汉", "珠海", "西安",  # prefecture-level cities
        "景泰",  # 景泰县, a county in Gansu
        "海信",  # 海信 (Hisense): its rows are in Shandong and Guangdong
        "蒙娜",  # 蒙娜丽莎集团 (Guangdong), a company-name prefix
    },
}  # fmt: skip


def _nbs_region_labels(first_cells: list[str]) -> list[str] | None:
    """Region labels between the `地区` header and the notes; None if there is no such header."""
    labels: list[str] | None = None
    for cell in first_cells:
        cell = cell.strip().strip('"').strip()
        if labels is None:
            if cell == "地区":
                labels = []
            continue
        if cell.startswith(("注", "数据来源")):
            break
        if cell:
            labels.append(cell)
    return labels


@pytest.mark.shared_data
def test_miit_regions_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    checked = 0
    for path in sorted((shared_data / "miit_green_manufacturing").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if "地区" not in (reader.fieldnames or []):
                continue
            values = {row["地区"] for row in reader}
        checked += 1
        allowed = MIIT_NOT_REGIONS.get(path.name, set())
        unresolved = {v for v in values if resolver.resolve(v) is None}
        assert unresolved <= allowed, f"{path.name}: {sorted(unresolved - allowed)}"
        assert all(resolver.resolve(v) is None for v in allowed)
    assert checked == 4


@pytest.mark.shared_data
def test_miit_variants(shared_data: Path, resolver: RegionResolver) -> None:
    path = shared_data / "miit_green_manufacturing" / "绿色工厂名单.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        codes = [resolver.resolve(row["地区"]) for row in csv.DictReader(fh)]
    assert codes.count("CN-BJ") == 96
    assert codes.count("CN-CQ") == 52
    assert codes.count("CN-XJ-BT") == 10  # 兵团 4 + 新疆兵团 4 + 新疆生产建设兵团 2
    assert codes.count("CN-NM") == 73  # 内蒙古 66 + 内蒙 7


@pytest.mark.shared_data
def test_nbs_csv_region_labels_resolve(nbs_dir: Path, resolver: RegionResolver) -> None:
    without_region_header: set[str] = set()
    for path in sorted(nbs_dir.rglob("*.csv")):
        lines = decode_text(path.read_bytes()).splitlines()
        labels = _nbs_region_labels([line.split(",", 1)[0] for line in lines])
        rel = path.relative_to(nbs_dir).as_posix()
        if labels is None:
            without_region_header.add(rel)
            continue
        codes = [resolver.resolve(label) for label in labels]
        assert None not in codes, f"{rel}: {[lb for lb in labels if resolver.resolve(lb) is None]}"
        assert len(set(codes)) == len(codes) == 31, rel
    # the only export with indicators down the rows (one region, unnamed)
    assert without_region_header == {"tec_expenditure/分省年度数据.csv"}


@pytest.mark.shared_data
def test_nbs_xls_region_labels_resolve(nbs_dir: Path, resolver: RegionResolver) -> None:
    # 主要城市年度数据.xls beside it is city-level: its cities are not regions here
    path = nbs_dir / "data-collection_xls" / "分省年度数据.xls"
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None).to_polars()
    first = [str(v) if v is not None else "" for v in sheet.to_series(0).to_list()]
    labels = _nbs_region_labels(first)
    assert labels is not None
    codes = {resolver.resolve(label) for label in labels}
    assert None not in codes and len(codes) == len(labels) == 31


@pytest.mark.shared_data
def test_ceads_sheet_names_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    folder = shared_data / "ceads_openclimate" / "raw" / "CEADS_china_provinces"
    books = sorted(folder.glob("*.xlsx"))
    assert len(books) == 23
    for book in books:
        sheets = [s for s in fastexcel.read_excel(book).sheet_names if s != "NOTE"]
        codes = {resolver.resolve(s) for s in sheets}
        assert None not in codes, f"{book.name}: {[s for s in sheets if not resolver.resolve(s)]}"
        assert len(codes) == 30 and "CN-XZ" not in codes, book.name  # no Tibet in CEADs


@pytest.mark.shared_data
def test_ceads_processed_and_cities(shared_data: Path, resolver: RegionResolver) -> None:
    processed = shared_data / "ceads_openclimate" / "processed"
    for name in ("CEADS_china__EmissionsAgg.csv", "CEADS_china_provinces__EmissionsAgg.csv",
                 "cui_etal_v1__EmissionsAgg.csv"):  # fmt: skip
        with open(processed / name, encoding="utf-8-sig", newline="") as fh:
            actors = {row["actor_id"] for row in csv.DictReader(fh)}
        assert {a: resolver.resolve(a) for a in actors} == {a: a for a in actors}
    # the CEADs city inventory names the municipalities and the separately-planned cities
    expected = {"北京": "CN-BJ", "天津": "CN-TJ", "上海": "CN-SH", "重庆": "CN-CQ",
                "广东深圳": "CN-GD-SZ", "浙江宁波": "CN-ZJ-NB", "福建厦门": "CN-FJ-XM",
                "山东青岛": "CN-SD-QD", "辽宁大连": "CN-LN-DL"}  # fmt: skip
    book = processed.parent / "raw" / "CEADS_china_cities"
    xlsx = next(book.glob("*.xlsx"))
    cities = set(fastexcel.read_excel(xlsx).load_sheet("emission vector").to_polars()["city"])
    assert set(expected) <= cities
    assert {c: resolver.resolve(c) for c in expected} == expected


@pytest.mark.shared_data
def test_cui_province_codes_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    folder = shared_data / "ceads_openclimate" / "raw" / "cui_etal_v1"
    book = next(folder.glob("Dataset_Daily_CO2_*.xlsx"))
    header = fastexcel.read_excel(book).load_sheet("Total2019-2020", header_row=None, n_rows=1)
    labels = [str(v) for v in header.to_polars().row(0)[1:]]  # after "Date"
    codes = {resolver.resolve(label) for label in labels}
    assert None not in codes and len(codes) == len(labels) == 31, labels


@pytest.mark.shared_data
def test_pypsa_regions_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    folder = shared_data / "pypsa_china_pik"
    demand = folder / "Hourly_demand_of_31_province_China_modified_V2.1.csv"
    header = demand.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[1:]
    codes = {resolver.resolve(code) for code in header}
    assert None not in codes and len(codes) == len(header) == 31, header
    assert resolver.resolve("NM") == "CN-NM"
    for path in sorted(folder.glob("*.csv")):
        if path == demand:
            continue
        lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines()
                 if ln.strip() and not ln.startswith("#")][1:]  # fmt: skip
        names = {next(csv.reader([ln]))[0] for ln in lines}
        assert all(resolver.resolve(n) for n in names), (path.name, names)


@pytest.mark.shared_data
def test_gem_wind_provinces_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    book = shared_data / "pypsa_china_pik" / "Global-Wind-Power-Tracker-May-2023.xlsx"
    sheet = fastexcel.read_excel(book).load_sheet(
        "Data", use_columns=["Country", "State/Province"], dtypes="string"
    )
    df = sheet.to_polars()
    china = {p for c, p in df.iter_rows() if c == "China" and p}
    assert len(china) == 31
    assert {p: resolver.resolve(p) for p in china if resolver.resolve(p) is None} == {}
    for country in ("China", "Hong Kong", "Macao", "Taiwan"):
        assert resolver.resolve(country) is not None


@pytest.mark.shared_data
def test_owid_country_resolves(shared_data: Path, resolver: RegionResolver) -> None:
    for path in sorted((shared_data / "owid").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert {resolver.resolve(r["country"]) for r in rows} == {"CN"}
        assert {resolver.resolve(r["iso_code"]) for r in rows} == {"CN"}
