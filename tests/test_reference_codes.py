"""Reference codes filings are checked against: GB/T 4754-2017 industries, MIIT's industry
words, unified social credit codes (GB 32100) and GB/T 2260 divisions. The files are read
raw here as well as through their loaders, so a loader bug cannot hide a data bug."""

from __future__ import annotations

import csv
import dataclasses
import random
from pathlib import Path

import duckdb
import pytest
from stdnum.cn import uscc

from sources.admin_divisions import admin_divisions, known_codes, place_names
from sources.credit_code import (
    ALPHABET,
    AUTHORITIES,
    create_problem_table,
    make_code,
    org_check_char,
    problem,
    problems,
    valid_mask,
)
from sources.industries import (
    INDUSTRIES_CSV,
    MIIT_INDUSTRIES_CSV,
    Industry,
    load_industries,
    load_miit_industries,
    miit_industry,
    normalise_industry_code,
)

# GB/T 4754-2017: the division numbers of each section.
SECTION_DIVISIONS = {
    "A": range(1, 6), "B": range(6, 13), "C": range(13, 44), "D": range(44, 47),
    "E": range(47, 51), "F": range(51, 53), "G": range(53, 61), "H": range(61, 63),
    "I": range(63, 66), "J": range(66, 70), "K": range(70, 71), "L": range(71, 73),
    "M": range(73, 76), "N": range(76, 80), "O": range(80, 83), "P": range(83, 84),
    "Q": range(84, 86), "R": range(86, 91), "S": range(91, 97), "T": range(97, 98),
}  # fmt: skip
NAMES_ZH = {
    "C30": "非金属矿物制品业",
    "C31": "黑色金属冶炼和压延加工业",
    "C32": "有色金属冶炼和压延加工业",
    "C39": "计算机、通信和其他电子设备制造业",
    "D44": "电力、热力生产和供应业",
    "B11": "开采专业及辅助性活动",
    "C43": "金属制品、机械和设备修理业",
    "A05": "农、林、牧、渔专业及辅助性活动",
    "G58": "多式联运和运输代理业",
    "S91": "中国共产党机关",
    "T97": "国际组织",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
}
MIIT_WORDS = {
    "电子": "C39", "化工": "C26", "机械": None, "轻工": None, "建材": "C30", "制药": "C27",
    "有色": "C32", "汽车": "C36", "纺织": "C17", "钢铁": "C31", "冶金": None, "水泥": "C30",
    "石化": None, "食品": None, "造纸": "C22", "矿山": None,
}  # fmt: skip


def raw_rows(path: Path) -> list[dict[str, str]]:
    """A reference CSV without its '#' documentation lines, read independently of the loader."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.fixture(scope="module")
def industry_rows() -> list[dict[str, str]]:
    return raw_rows(INDUSTRIES_CSV)


@pytest.fixture(scope="module")
def divisions(industry_rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["industry_code"]: r for r in industry_rows if r["level"] == "division"}


# --- industries.csv ----------------------------------------------------------------------


def test_industries_csv_cites_the_standard_and_has_the_columns() -> None:
    lines = INDUSTRIES_CSV.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "GB/T 4754-2017" in lines[0]
    header = next(line for line in lines if not line.startswith("#"))
    assert header == "industry_code,level,section,name_zh,name_en,is_industry"


def test_industries_csv_has_20_sections_and_97_unique_divisions(
    industry_rows: list[dict[str, str]],
) -> None:
    codes = [r["industry_code"] for r in industry_rows]
    assert len(codes) == len(set(codes)) == 117
    assert {r["level"] for r in industry_rows} == {"section", "division"}
    sections = [r for r in industry_rows if r["level"] == "section"]
    assert [r["industry_code"] for r in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert all(r["section"] == r["industry_code"] for r in sections)
    assert len([r for r in industry_rows if r["level"] == "division"]) == 97


def test_every_division_sits_in_its_section_and_the_ranges_are_the_standards(
    industry_rows: list[dict[str, str]], divisions: dict[str, dict[str, str]]
) -> None:
    sections = {r["industry_code"] for r in industry_rows if r["level"] == "section"}
    for code, r in divisions.items():
        assert len(code) == 3 and code[1:].isdigit(), code
        assert r["section"] in sections and code[0] == r["section"], code
    by_section = {
        s: sorted(int(c[1:]) for c, r in divisions.items() if r["section"] == s)
        for s in SECTION_DIVISIONS
    }
    assert by_section == {s: list(nums) for s, nums in SECTION_DIVISIONS.items()}
    assert sorted(int(c[1:]) for c in divisions) == list(range(1, 98))


def test_is_industry_is_exactly_mining_manufacturing_and_utilities(
    industry_rows: list[dict[str, str]],
) -> None:
    assert {r["is_industry"] for r in industry_rows} == {"true", "false"}
    industrial = {r["industry_code"] for r in industry_rows if r["is_industry"] == "true"}
    assert industrial == {r["industry_code"] for r in industry_rows if r["section"] in "BCD"}
    assert len(industrial) == 3 + 7 + 31 + 3


def test_industry_names(industry_rows: list[dict[str, str]]) -> None:
    by_code = {r["industry_code"]: r for r in industry_rows}
    assert {c: by_code[c]["name_zh"] for c in NAMES_ZH} == NAMES_ZH
    assert by_code["C30"]["name_en"] == "Manufacture of non-metallic mineral products"
    for r in industry_rows:
        assert r["name_zh"] and r["name_zh"] == r["name_zh"].strip(), r
        assert r["name_en"] and r["name_en"] == r["name_en"].strip(), r
        assert not any("a" <= ch.lower() <= "z" for ch in r["name_zh"]), r
    names = [r["name_zh"] for r in industry_rows if r["level"] == "division"]
    # K70 房地产业, P83 教育 and T97 国际组织 share their section's name; divisions never repeat.
    assert len(names) == len(set(names))


def test_load_industries_matches_the_file(industry_rows: list[dict[str, str]]) -> None:
    loaded = load_industries()
    assert loaded is load_industries()  # cached
    assert all(isinstance(i, Industry) and isinstance(i.is_industry, bool) for i in loaded)
    assert [dataclasses.asdict(i) for i in loaded] == [
        {**r, "is_industry": r["is_industry"] == "true"} for r in industry_rows
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded[0].name_en = "x"  # type: ignore[misc]


# --- normalise_industry_code -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C3011", ("C3011", "C30")),
        ("c3011", ("C3011", "C30")),
        ("3011", ("C3011", "C30")),
        ("C30", ("C30", "C30")),
        ("30", ("C30", "C30")),
        ("C301", ("C301", "C30")),
        ("C 3011", ("C3011", "C30")),
        (" C3011\t", ("C3011", "C30")),
        ("Ｃ３０１１", ("C3011", "C30")),
        ("C\u30003011", ("C3011", "C30")),  # ideographic space
        ("０６", ("B06", "B06")),
        ("06", ("B06", "B06")),
        ("0610", ("B0610", "B06")),
        ("D4411", ("D4411", "D44")),
        ("4411", ("D4411", "D44")),
        ("a01", ("A01", "A01")),
        ("T97", ("T97", "T97")),
        ("9700", ("T9700", "T97")),
    ],
)
def test_normalise_industry_code_accepts_the_ways_filings_write_it(
    text: str, expected: tuple[str, str]
) -> None:
    assert normalise_industry_code(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("D3011", "section C"),  # letter contradicts the division
        ("B30", "section C"),
        ("c4411", "section D"),
        ("C99", "99"),  # not a division
        ("99", "99"),
        ("98", "98"),
        ("00", "00"),
        ("C00", "00"),
        ("C", "division"),  # section only
        ("ｃ", "division"),
        ("C3", "digit"),
        ("3", "digit"),
        ("C30111", "digit"),
        ("301100", "digit"),
        ("3O11", "digit"),  # letter O for zero
        ("C3a", "digit"),
        ("C30.1", "digit"),
        ("٣٠", "digit"),  # Arabic-Indic digits are digits to str.isdigit, not to the standard
        ("", "empty"),
        ("   ", "empty"),
        ("X", "GB/T 4754"),
        ("CC30", "digit"),
    ],
)
def test_normalise_industry_code_gives_a_reason_for_bad_codes(text: str, why: str) -> None:
    result = normalise_industry_code(text)
    assert isinstance(result, str), result
    assert why in result and "\n" not in result


def test_every_division_normalises_with_its_letter_and_only_with_it(
    divisions: dict[str, dict[str, str]],
) -> None:
    numbers = {code[1:]: code for code in divisions}
    for number in (f"{n:02d}" for n in range(100)):
        code = numbers.get(number)
        if code is None:
            assert isinstance(normalise_industry_code(number), str), number
            continue
        for text in (number, code, code.lower(), f"{code}11", f"{number}1"):
            assert normalise_industry_code(text)[1] == code, text
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".replace(code[0], ""):
            assert isinstance(normalise_industry_code(letter + number), str), letter + number


# --- miit_industries.csv -----------------------------------------------------------------


def test_miit_industries_csv_maps_each_word_once_to_a_division_or_explains(
    divisions: dict[str, dict[str, str]],
) -> None:
    lines = MIIT_INDUSTRIES_CSV.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    rows = raw_rows(MIIT_INDUSTRIES_CSV)
    assert list(rows[0]) == ["as_written", "industry_code", "note"]
    words = [r["as_written"] for r in rows]
    assert len(words) == len(set(words)) and set(words) == set(MIIT_WORDS)
    for r in rows:
        if r["industry_code"]:
            assert r["industry_code"] in divisions, r
        else:
            assert r["note"].strip(), f"{r['as_written']} has no code and no note saying why"
    assert {r["as_written"]: r["industry_code"] or None for r in rows} == MIIT_WORDS


def test_miit_industry() -> None:
    assert {w: miit_industry(w) for w in MIIT_WORDS} == MIIT_WORDS
    assert miit_industry(" 钢铁 ") == "C31"
    assert miit_industry("航天") is None
    assert len(load_miit_industries()) == len(MIIT_WORDS)


# --- credit codes: per code and vectorised, the same verdicts -----------------------------

REAL_CODE = "91110000600037341L"
# Each reason of problem() names its rule with one of these phrases.
RULES = ("not 18", "alphabet", "registration authority", "six-digit", "GB 11714", "(GB 32100)")


def rule(reason: str | None) -> str | None:
    if reason is None:
        return None
    found = [r for r in RULES if r in reason]
    assert len(found) == 1, reason
    return found[0]


def vectorised(codes: list[str | None]) -> list[bool]:
    return [bool(v) for v in valid_mask(codes)]


def random_codes(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [
        make_code(
            rng.choice(AUTHORITIES),
            rng.choice("1239"),
            "".join(rng.choices("0123456789", k=6)),
            "".join(rng.choices(ALPHABET, k=8)),
        )
        for _ in range(n)
    ]


def mutations(codes: list[str], seed: int, per_code: int) -> list[str]:
    """Single-character substitutions, inside and outside the alphabet."""
    rng = random.Random(seed)
    pool = ALPHABET + "IOZSVaxy -*"
    out = []
    for code in codes:
        for _ in range(per_code):
            i = rng.randrange(18)
            ch = rng.choice(pool.replace(code[i], ""))
            out.append(code[:i] + ch + code[i + 1 :])
    return out


def test_generated_codes_are_valid_and_every_substitution_is_caught() -> None:
    codes = random_codes(2015, 3000)
    assert all(problem(c) is None for c in codes)
    for bad in mutations(codes, 32100, 3):
        assert problem(bad) is not None, bad


def test_per_code_and_vectorised_agree_on_random_codes_and_their_mutations() -> None:
    valid = random_codes(11714, 3000)
    codes = valid + mutations(valid, 4754, 3)
    python = [problem(c) for c in codes]
    fast = vectorised(codes)
    disagree = [(c, p) for c, p, v in zip(codes, python, fast, strict=True) if (p is None) != v]
    assert not disagree, disagree[:5]
    # The sample must exercise every rule, or agreement proves little.
    assert {rule(p) for p in python} >= {None, *RULES[1:]}
    # problems(): the invalid ones with their reasons, nulls and valid codes left out.
    found = problems([*codes, None])
    assert found == {c: p for c, p in zip(codes, python, strict=True) if p is not None}


EDGE_CASES = [
    ("", "not 18"),
    (REAL_CODE[:17], "not 18"),
    (REAL_CODE + "0", "not 18"),
    (" " + REAL_CODE, "not 18"),
    (REAL_CODE.lower(), "alphabet"),
    (REAL_CODE[:17] + "l", "alphabet"),
    ("９１１１００００６０００３７３４１Ｌ", "alphabet"),  # full-width: both refuse
    *((REAL_CODE[:10] + ch + REAL_CODE[11:], "alphabet") for ch in "IOZSV"),
    (REAL_CODE[:17] + " ", "alphabet"),
    ("B" + REAL_CODE[1:], "registration authority"),
    ("0" + REAL_CODE[1:], "registration authority"),
    ("X" + REAL_CODE[1:], "registration authority"),
    (REAL_CODE[:4] + "A" + REAL_CODE[5:], "six-digit"),
    (REAL_CODE[:2] + "X" + REAL_CODE[3:], "six-digit"),
    (REAL_CODE[:16] + "2" + REAL_CODE[17:], "GB 11714"),
    (REAL_CODE[:17] + "M", "(GB 32100)"),
]


@pytest.mark.parametrize(("code", "expected"), EDGE_CASES)
def test_per_code_and_vectorised_agree_on_edge_cases(code: str, expected: str) -> None:
    assert rule(problem(code)) == expected
    assert vectorised([code, REAL_CODE, None]) == [False, True, False]


def test_valid_codes_agree_with_python_stdnum() -> None:
    codes = random_codes(32100, 2000)
    for code in codes:
        assert code[17] == uscc.calc_check_digit(code[:17]), code
        # stdnum wants digits in positions 1-8, so it refuses registration authorities
        # A, N and Y; its verdict is compared where its format applies.
        if code[:8].isdigit():
            assert uscc.is_valid(code), code
    # And back: what stdnum accepts, with a good authority and organisation code, is valid.
    for code in codes + mutations(codes, 2260, 2):
        if (
            uscc.is_valid(code)
            and code == code.upper().strip()
            and " " not in code
            and code[0] in AUTHORITIES
            and code[16] == org_check_char(code[8:16])
        ):
            assert problem(code) is None, code


def test_a_real_code_and_the_check_each_of_its_last_two_characters_belongs_to() -> None:
    assert problem(REAL_CODE) is None
    assert uscc.is_valid(REAL_CODE)
    seventeenth = [REAL_CODE[:16] + ch + REAL_CODE[17] for ch in ALPHABET if ch != REAL_CODE[16]]
    eighteenth = [REAL_CODE[:17] + ch for ch in ALPHABET if ch != REAL_CODE[17]]
    assert vectorised([REAL_CODE, *seventeenth, *eighteenth]) == [True] + [False] * (
        len(seventeenth) + len(eighteenth)
    )
    for code in seventeenth:
        assert rule(problem(code)) == "GB 11714", code
        assert "organisation code" in str(problem(code))
    for code in eighteenth:
        assert rule(problem(code)) == "(GB 32100)", code


def test_a_missing_code_is_neither_valid_nor_listed_as_a_problem() -> None:
    assert vectorised([None]) == [False]
    assert problems([None, REAL_CODE]) == {}


# --- GB/T 2260 administrative divisions --------------------------------------------------


@pytest.fixture(scope="module")
def by_code() -> dict[str, list]:
    return known_codes(admin_divisions())


def test_admin_divisions_map_codes_to_regions(by_code: dict[str, list]) -> None:
    (chaoyang,) = by_code["110105"]
    assert (chaoyang.name_zh, chaoyang.region_code, chaoyang.province_code) == (
        "朝阳区",
        "CN-BJ",
        "CN-BJ",
    )
    assert chaoyang.level == "county" and chaoyang.valid_to is None
    (jiangbei,) = by_code["500105"]
    assert (jiangbei.region_code, jiangbei.province_code) == ("CN-CQ", "CN-CQ")
    assert jiangbei.valid_to is not None  # merged into 两江新区 (500157)
    assert jiangbei.valid_in(2020) and not jiangbei.valid_in(jiangbei.valid_to + 1)
    for code in ("440305", "440303"):  # Shenzhen's 南山区, 罗湖区: a separately-planned city
        assert {(d.region_code, d.province_code) for d in by_code[code]} == {("CN-GD-SZ", "CN-GD")}
    assert {d.region_code for d in by_code["330203"]} == {"CN-ZJ-NB"}
    assert {d.region_code for d in by_code["440106"]} == {"CN-GD"}  # Guangzhou is not one
    assert by_code["440300"][0].level == "prefecture"
    assert by_code["110000"][0].level == "province"


def test_valid_in_respects_the_years(by_code: dict[str, list]) -> None:
    (chongwen,) = by_code["110103"]
    assert chongwen.name_zh == "崇文区"
    assert chongwen.valid_in(2005) and chongwen.valid_in(2010)
    assert not chongwen.valid_in(2011) and not chongwen.valid_in(2015)
    nanshan = {d.name_zh: d for d in by_code["440305"]}
    assert nanshan["南山区"].valid_in(2020) and not nanshan["南山区"].valid_in(1985)


def test_place_names_resolve_cities_not_company_names() -> None:
    names = place_names()
    assert names["合肥"] == "CN-AH"
    assert names["西安"] == "CN-SN"  # the city, not 西安区 in Liaoyuan
    assert names["景泰"] == "CN-GS"
    assert names["深圳"] == "CN-GD-SZ"
    assert "海信" not in names and "蒙娜" not in names
    assert "崇文" not in names  # abolished names do not resolve


def test_problem_table_lists_each_invalid_distinct_code_with_its_reason() -> None:
    good = random_codes(2260, 50)
    bad = [*mutations(good[:5], 7, 1), "", "９１１１００００６０００３７３４１Ｌ", REAL_CODE + "0"]
    con = duckdb.connect()
    con.execute("CREATE TABLE f (credit_code VARCHAR)")
    con.execute("INSERT INTO f SELECT unnest($c)", {"c": [*good, *bad, *good, None]})
    assert create_problem_table(con, "_p", "f") == len(set(bad))
    assert dict(con.execute("SELECT * FROM _p").fetchall()) == {c: problem(c) for c in bad}
    con.execute("DELETE FROM f WHERE credit_code IN (SELECT credit_code FROM _p)")
    assert create_problem_table(con, "_p", "f") == 0
