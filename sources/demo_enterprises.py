"""Seeded demo enterprise energy filings (重点用能单位能源利用状况报告), one row per
enterprise and year, every row ``data_kind=demo``.

There is no public enterprise-level filing data, so staging, checks and the benchmark
need a stand-in that looks like the real thing: valid credit codes, real GB/T 2260
county codes and GB/T 4754-2017 classes, quantities of the right order. One vectorised
generator writes both the embedded 2,000-enterprise file and the 5M-row benchmark file,
chunk by chunk, so the small file exercises the code path the benchmark measures.

Conventions: ``energy_tce`` is the sum of the carriers at GB/T 2589-2020 reference
coefficients (electricity at its calorific equivalent, 0.1229 kgce/kWh) plus an "other"
share (coke, by-product and refinery gases, biomass) that has no column of its own.
``co2_t`` is energy-related CO2: fuels, "other" at coke's factor, purchased heat and
purchased electricity net of green electricity (scope 2 is included); process emissions
(clinker calcination, anodes) are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from sources.admin_divisions import admin_divisions
from sources.credit_code import ALPHABET, ORG_ALPHABET, ORG_WEIGHTS, USCC_WEIGHTS
from sources.filing_columns import DATA_KIND_COLUMN, FILING_HEADER

FILE_NAME = "greenstat_demo_filings.csv"
HEADER = (*FILING_HEADER, DATA_KIND_COLUMN.name)
DEFAULT_SEED = 20261121
CHUNK = 50_000  # enterprises per generated block: bounds memory (~0.5M rows per block)
BASE_YEAR = 2016  # trends below are anchored here

# Industries: class code (GB/T 4754-2017, section letter first), the word used in company
# names, relative weight in the Beijing / Chongqing / elsewhere mixes, median energy use
# (tce/yr) and lognormal sigma, annual energy growth, shares of energy_tce by carrier,
# new water (m3/tce), water reuse rate, value added (yuan/tce, BASE_YEAR prices) and the
# grade score offset. Medians follow typical plant sizes: a 5,000 t/d clinker line
# ~120k tce, a blast furnace ironworks ~400k, a 300 kt aluminium smelter ~2.5 TWh
# (~300k tce), a 600 MW coal unit ~800k; fabs, car plants and pharma 10-100k.
# Water: steel ~2-3 m3/t, paper ~30 m3/t, fabs ~10k m3/day; value added: national
# industry ~10,000 yuan/tce, heavy industry 1-5k, electronics and cars 40-80k.
# Classes (checked against the 2017 standard): 3011 水泥制造, 3041 平板玻璃制造, 3110 炼铁,
# 3120 炼钢, 3130 钢压延加工, 3211 铜冶炼, 3216 铝冶炼, 2511 原油加工及石油制品制造,
# 2521 炼焦, 2614 有机化学原料制造, 2621 氮肥制造, 2221 机制纸及纸板制造, 4411 火力发电,
# 4412 热电联产 (gas-fired here, as Beijing's), 3973 集成电路制造, 3974 显示器件制造,
# 3982 电子电路制造, 3611 汽柴油车整车制造, 3612 新能源车整车制造, 3670 汽车零部件及
# 配件制造, 2710 化学药品原料药制造, 1713 棉印染精加工, 1391 淀粉及淀粉制品制造.
_INDUSTRIES = """
C3011 水泥     2  10  12   120000 0.6 -0.01  .12 .80 .00 .02 .00 .06   3  .90   3000 -0.3
C3041 玻璃     0   3   4    60000 0.5  0.00  .10 .05 .60 .15 .00 .10   4  .93   4000 -0.3
C3110 钢铁     0   1   5   400000 0.7 -0.01  .03 .25 .00 .00 .00 .72   3  .975  1500 -0.3
C3120 特钢     0   2   6    80000 0.7  0.00  .25 .05 .05 .01 .00 .64   4  .975  2500 -0.3
C3130 钢材     1   3   8    40000 0.7  0.01  .35 .05 .35 .02 .03 .20   5  .96   6000 -0.1
C3211 铜业     0   1   2    60000 0.7  0.02  .45 .25 .15 .05 .00 .10   6  .96   5000 -0.2
C3216 铝业     0   5   3   300000 0.6  0.01  .90 .03 .02 .01 .00 .04   2  .97   1200 -0.2
C2511 石化     1   0   3   300000 0.8  0.01  .10 .10 .15 .15 .00 .50   6  .975  3000 -0.1
C2521 焦化     0   1   3   150000 0.6 -0.02  .08 .10 .00 .00 .02 .80   4  .97   1500 -0.5
C2614 化工     1   5   6   100000 0.9  0.02  .20 .40 .20 .05 .10 .05  10  .96   5000 -0.2
C2621 化肥     0   3   3   200000 0.6 -0.01  .10 .60 .25 .00 .00 .05  12  .96   2000 -0.3
C2221 纸业     0   2   5    50000 0.7  0.00  .25 .45 .10 .00 .15 .05  60  .88   5000 -0.2
D4411 发电     0   3  10   800000 0.8  0.00  .03 .95 .01 .01 .00 .00   4  .98    500  0.0
D4412 热电     6   1   1   400000 0.6  0.01  .02 .00 .97 .01 .00 .00   3  .98    800  0.3
C3973 集成电路  8   4  1.5   80000 0.8  0.08  .85 .00 .08 .00 .07 .00  25  .85  60000  0.5
C3974 光电     5   5  1.5  100000 0.7  0.05  .88 .00 .07 .00 .05 .00  15  .88  40000  0.5
C3982 电子     3   6   3    15000 0.6  0.05  .85 .00 .10 .01 .04 .00  30  .85  50000  0.3
C3611 汽车     5  10   2    30000 0.6  0.00  .60 .00 .30 .02 .08 .00   8  .90  80000  0.3
C3612 新能源汽车 3   5   1    20000 0.6  0.15  .60 .00 .30 .02 .08 .00   8  .90  60000  0.5
C3670 汽车部件  4  12   4    12000 0.6  0.04  .65 .00 .25 .02 .08 .00   6  .88  50000  0.2
C2710 制药     8   3   3    20000 0.7  0.03  .35 .10 .25 .00 .30 .00  40  .85  40000  0.2
C1713 印染     0   1   4    12000 0.5 -0.01  .25 .20 .15 .00 .40 .00  80  .85   8000 -0.2
C1391 淀粉     0   1   3    15000 0.5  0.01  .25 .55 .05 .00 .15 .00  20  .86   6000  0.0
"""
_T = [line.split() for line in _INDUSTRIES.strip().splitlines()]
IND_CODES = np.array([r[0] for r in _T])
IND_WORDS = [r[1] for r in _T]
_NUM = np.array([[float(x) for x in r[2:]] for r in _T])
IND_MIX = _NUM[:, 0:3].T  # rows: Beijing, Chongqing, elsewhere
IND_MEDIAN, IND_SIGMA, IND_GROWTH = _NUM[:, 3], _NUM[:, 4], _NUM[:, 5]
IND_SHARES = _NUM[:, 6:12]  # electricity, coal, gas, oil, heat, other
IND_WATER, IND_REUSE, IND_VA, IND_GRADE = _NUM[:, 12], _NUM[:, 13], _NUM[:, 14], _NUM[:, 15]

MIN_TCE = 5_000  # designated key energy users: >= 10k tce, or >= 5k tce by province choice
# tce per unit (GB/T 2589-2020): kWh (equivalent), t raw coal, m3 gas, t fuel oil, GJ, tce
TCE_PER_UNIT = np.array([1.229e-4, 0.7143, 1.2143e-3, 1.4286, 0.03412, 1.0])
# t CO2 per unit: coal 20.908 GJ/t x 26.37 tC/TJ x 94% oxidised; gas 389.31 GJ/1e4 m3 x
# 15.3 tC/TJ x 99%; oil ~3.1 (diesel/fuel oil); heat 0.11 t/GJ; "other" 2.86 t/t coke
# / 0.9714 tce/t (provincial GHG inventory and MEE enterprise accounting defaults).
CO2_PER_UNIT = np.array([0.0, 1.900, 2.162e-3, 3.10, 0.11, 2.94])


def grid_t_per_kwh(year: np.ndarray) -> np.ndarray:
    """National grid average, a straight line through MEE's published 0.6101 t/MWh
    (used to 2020), 0.5703 (2022) and 0.5366 (2022 data)."""
    return (0.6101 - 0.009 * (year - BASE_YEAR)) / 1000


def green_share(year: np.ndarray) -> np.ndarray:
    """National green-electricity share of use, 2% in 2016 rising geometrically to 20%
    in 2025 (trading, certificates and own solar); capped for later years."""
    return np.minimum(0.02 * 10 ** ((year - BASE_YEAR) / 9), 0.5)


GREEN_FACTOR = {"CN-BJ": 1.6, "CN-CQ": 1.1}  # Beijing buys Zhangjiakou wind and solar
# Industrial value added by province, trillion yuan (~2022, NBS GDP x industry share):
# spreads the remaining enterprises roughly by industrial size.
PROVINCE_WEIGHT = {
    "CN-JS": 4.9, "CN-GD": 4.8, "CN-SD": 2.9, "CN-ZJ": 2.6, "CN-FJ": 1.9, "CN-HA": 1.9,
    "CN-HB": 1.8, "CN-SC": 1.6, "CN-HN": 1.5, "CN-AH": 1.4, "CN-HE": 1.4, "CN-SX": 1.3,
    "CN-SN": 1.3, "CN-JX": 1.1, "CN-SH": 1.1, "CN-NM": 1.0, "CN-LN": 1.0, "CN-YN": 0.7,
    "CN-GX": 0.7, "CN-TJ": 0.6, "CN-GZ": 0.6, "CN-XJ": 0.6, "CN-JL": 0.4, "CN-HL": 0.4,
    "CN-GS": 0.3, "CN-NX": 0.2, "CN-QH": 0.1, "CN-HI": 0.07, "CN-XZ": 0.02,
}  # fmt: skip
MUNICIPALITIES = ("11", "12", "31", "50")  # province-level cities
FIXED_SHARE = {"CN-BJ": 0.12, "CN-CQ": 0.13}  # over-weighted: a few hundred of 2,000 each
ENTRY_SHARE, EXIT_SHARE = 0.15, 0.10  # start filing after the first year / stop early
REG_AT_PREFECTURE = 0.2  # credit code registered by the city, not the county
GRADES = np.array(["D", "C", "B-", "B", "A"])
GRADE_CUTS = np.array([-0.8, 0.6, 1.2, 1.9])  # score thresholds between the grades
GRADE_TREND, GRADE_BJ = 0.1, 0.5  # score gain per year; Beijing's stricter standards
GRADED_FROM = 2019  # MEE's performance grading (环办大气函〔2019〕648号): blank before
BRAND_A = "华金鑫恒泰宏盛隆鼎永新中东海天长安瑞祥兴德宝润嘉同联远汇达信丰顺正国龙凯博弘振晨"
BRAND_B = "源发昌通利晟创科锐诚力元光辉耀宇峰业成茂升阳达鑫泰和康星航明益威合晖骏腾飞远华林"
_NB = len(BRAND_A) * len(BRAND_B)
_STRIDE = 617  # coprime with _NB: a group's n-th name takes brand n*617 (mod _NB)
_M = len(ALPHABET) ** 8  # organisation-code bodies


@dataclass(frozen=True)
class _Places:
    county: np.ndarray  # GB/T 2260 county codes valid in every year, sorted
    province: np.ndarray  # index into provinces, per county
    reg_city: np.ndarray  # division registering at city level, per county
    place: np.ndarray  # (province name index, city name index or -1), per county
    names: list[str]  # short place names for company names
    provinces: list[str]  # ISO codes
    prob: np.ndarray  # per province
    start: np.ndarray  # first county of each province
    count: np.ndarray


def _short(name: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@cache
def _places(first: int, last: int) -> _Places:
    """Counties whose code is valid in every year, grouped by province."""
    by_code: dict[str, list] = {}
    for d in admin_divisions():
        by_code.setdefault(d.gb2260, []).append(d)

    def name_in(code: str) -> str | None:
        return next((d.name_zh for d in by_code.get(code, []) if d.valid_in(last)), None)

    provinces = sorted(PROVINCE_WEIGHT.keys() | FIXED_SHARE.keys())
    names: dict[str, int] = {}
    rows = []
    for code, ds in by_code.items():
        d = ds[-1]
        if d.level != "county" or d.name_zh == "市辖区" or d.province_code not in provinces:
            continue
        if not all(any(x.valid_in(y) for x in ds) for y in range(first, last + 1)):
            continue
        prov, city = code[:2] + "0000", code[:4] + "00"
        city_name = name_in(city) if code[:2] not in MUNICIPALITIES else None
        if not (city_name and city_name.endswith("市")):
            city_name = None  # prefectures, leagues, 省直辖: use the province's name
        reg = city if city_name else prov if code[:2] in MUNICIPALITIES else code
        place = [names.setdefault(_short(name_in(prov) or ""), len(names))]
        place.append(names.setdefault(_short(city_name), len(names)) if city_name else -1)
        rows.append((provinces.index(d.province_code), code, reg, place))
    rows.sort()
    province = np.array([r[0] for r in rows])
    rest = 1 - sum(FIXED_SHARE.values())
    total = sum(PROVINCE_WEIGHT.values())
    prob = np.array(
        [FIXED_SHARE.get(p, rest * PROVINCE_WEIGHT.get(p, 0) / total) for p in provinces]
    )
    count = np.bincount(province, minlength=len(provinces))
    return _Places(
        np.array([r[1] for r in rows]), province, np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]), list(names), provinces, prob / prob.sum(),
        np.concatenate([[0], np.cumsum(count)[:-1]]), count,
    )  # fmt: skip


def _spans(rng: np.random.Generator, n: int, years: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last filing year (offsets): most file every year, some enter or exit."""
    if years == 1:
        return np.zeros(n, np.int64), np.zeros(n, np.int64)
    entry = np.where(rng.random(n) < ENTRY_SHARE, rng.integers(1, years, n), 0)
    leave = np.where(rng.random(n) < EXIT_SHARE, rng.integers(0, years - 1, n), years - 1)
    return entry, np.maximum(entry, leave)


def credit_codes(division: np.ndarray, body: np.ndarray) -> np.ndarray:
    """GB 32100 codes '91' + division + organisation code, both check characters computed
    in numpy (``body``: integers below 31**8, written in ALPHABET as eight characters)."""
    n = len(body)
    digits = np.empty((n, 18), np.int64)
    digits[:, 0], digits[:, 1] = ALPHABET.index("9"), ALPHABET.index("1")
    digits[:, 2:8] = np.frombuffer("".join(division).encode(), np.uint8).reshape(n, 6) - 48
    for i in range(8):
        digits[:, 15 - i] = body % 31
        body = body // 31
    org_value = np.array([ORG_ALPHABET.index(c) for c in ALPHABET])[digits[:, 8:16]]
    org = 11 - (org_value @ np.array(ORG_WEIGHTS)) % 11  # 1..11: X for 10, 0 for 11
    digits[:, 16] = np.where(org == 10, ALPHABET.index("X"), org % 11)
    digits[:, 17] = (31 - (digits[:, :17] @ np.array(USCC_WEIGHTS)) % 31) % 31
    chars = np.frombuffer(ALPHABET.encode(), np.uint8)[digits]
    return chars.view("S18").ravel().astype("U18")


def _names(
    rng: np.random.Generator, places: _Places, county: np.ndarray, ind: np.ndarray,
    seen: np.ndarray,
) -> list[str]:  # fmt: skip
    """Place + brand + industry word + form; the brand is the group's next unused one
    (``seen`` counts names given so far per place and industry), so names never repeat."""
    prov, city = places.place[county, 0], places.place[county, 1]
    place = np.where((city >= 0) & (rng.random(len(county)) < 0.6), city, prov)
    group = place * len(IND_CODES) + ind
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    first = np.searchsorted(sorted_group, sorted_group)  # first index of each row's group
    rank = np.empty_like(group)
    rank[order] = np.arange(len(group)) - first + seen[sorted_group]
    seen += np.bincount(group, minlength=len(seen))
    brand = (group * 7919 + rank * _STRIDE) % _NB
    extra = rank // _NB  # past _NB names in one group: a third brand character
    form = np.where(rng.random(len(county)) < 0.25, "股份有限公司", "有限公司")
    nb, na = len(BRAND_B), len(BRAND_A)
    return [
        f"{places.names[p]}{BRAND_A[b // nb]}{BRAND_B[b % nb]}"
        f"{BRAND_A[(x - 1) % na] if x else ''}{IND_WORDS[i]}{f}"
        for p, b, x, i, f in zip(place, brand, extra, ind, form, strict=True)
    ]


def _chunk(
    rng: np.random.Generator, places: _Places, first_index: int, n: int, first: int,
    last: int, code_map: tuple[int, int], seen: np.ndarray,
) -> pl.DataFrame:  # fmt: skip
    """n enterprises and every year they file, as a frame in HEADER order."""
    entry, leave = _spans(rng, n, last - first + 1)  # drawn first: see filing_rows
    p = places
    prov = rng.choice(len(p.provinces), n, p=p.prob)
    county = p.start[prov] + (rng.random(n) * p.count[prov]).astype(np.int64)
    iso = np.array(p.provinces)[prov]
    mix = np.where(iso == "CN-BJ", 0, np.where(iso == "CN-CQ", 1, 2))
    cum = np.cumsum(IND_MIX, axis=1) / IND_MIX.sum(axis=1, keepdims=True)
    ind = np.minimum((cum[mix] < rng.random(n)[:, None]).sum(axis=1), len(IND_CODES) - 1)
    reg = np.where(rng.random(n) < REG_AT_PREFECTURE, p.reg_city[county], p.county[county])
    a, b = code_map
    body = (a * np.arange(first_index, first_index + n, dtype=np.int64) + b) % _M
    ents = pl.DataFrame({
        "credit_code": credit_codes(reg, body),
        "enterprise_name": _names(rng, p, county, ind, seen),
        "region_code": p.county[county],
        "industry_code": IND_CODES[ind],
    })  # fmt: skip
    # Enterprise traits: size, carrier mix, water use, productivity, green buying, grade.
    size = np.exp(np.log(IND_MEDIAN[ind]) + IND_SIGMA[ind] * rng.standard_normal(n))
    size = np.where(size < MIN_TCE, MIN_TCE * (1 + rng.random(n)), size)
    shares = IND_SHARES[ind] * rng.lognormal(0, 0.25, (n, 6))
    shares /= shares.sum(axis=1, keepdims=True)
    water = IND_WATER[ind] * rng.lognormal(0, 0.4, n)
    reuse = IND_REUSE[ind] + rng.normal(0, 0.012, n)
    va = IND_VA[ind] * rng.lognormal(0, 0.35, n)
    green = rng.lognormal(-0.1, 0.5, n) * np.vectorize(GREEN_FACTOR.get)(iso, 1.0)
    grade = IND_GRADE[ind] + GRADE_BJ * (mix == 0) + rng.normal(0, 0.8, n)

    length = leave - entry + 1
    e = np.repeat(np.arange(n), length)  # row -> enterprise
    year = first + entry[e] + np.arange(len(e)) - np.repeat(np.cumsum(length) - length, length)
    t = year - BASE_YEAR
    k = ind[e]
    energy = size[e] * (1 + IND_GROWTH[k]) ** t * rng.lognormal(0, 0.08, len(e))
    qty = energy[:, None] * shares[e] / TCE_PER_UNIT  # kWh, t, m3, t, GJ, tce
    kwh = np.rint(qty[:, 0])
    green_kwh = np.floor(kwh * np.minimum(green_share(year) * green[e], 0.95))
    co2 = qty @ CO2_PER_UNIT + (kwh - green_kwh) * grid_t_per_kwh(year)
    new_water = energy * water[e] * 0.98**t * rng.lognormal(0, 0.1, len(e))
    rate = np.clip(reuse[e] + 0.001 * t, 0.6, 0.99)  # ~+1 pp per decade
    score = grade[e] + GRADE_TREND * t + rng.normal(0, 0.3, len(e))
    grades = pl.Series(GRADES[np.digitize(score, GRADE_CUTS)])
    as_int = {"dtype": pl.Int64}
    return (
        ents[e]
        .with_columns(
            year=pl.Series(year),
            energy_tce=pl.Series(np.round(energy, 1)),
            electricity_kwh=pl.Series(kwh, **as_int),
            green_electricity_kwh=pl.Series(green_kwh, **as_int),
            coal_t=pl.Series(np.round(qty[:, 1], 1)),
            natural_gas_m3=pl.Series(np.rint(qty[:, 2]), **as_int),
            oil_t=pl.Series(np.round(qty[:, 3], 1)),
            heat_gj=pl.Series(np.rint(qty[:, 4]), **as_int),
            new_water_m3=pl.Series(np.rint(new_water), **as_int),
            reused_water_m3=pl.Series(np.rint(new_water * rate / (1 - rate)), **as_int),
            value_added_yuan=pl.Series(np.rint(energy * va[e] * 1.04**t), **as_int),
            co2_t=pl.Series(np.round(co2, 1)),
            env_grade=grades.set(pl.Series(year < GRADED_FROM), None),
            data_kind=pl.lit("demo"),
        )
        .select(HEADER)
    )


def _blocks(enterprises: int, seed: int) -> Iterator[tuple[int, int, np.random.Generator]]:
    for i, start in enumerate(range(0, enterprises, CHUNK)):
        yield start, min(CHUNK, enterprises - start), np.random.default_rng([seed, 1 + i])


def filing_rows(enterprises: int, years: int, seed: int = DEFAULT_SEED) -> int:
    """Rows the entry/exit model gives, without generating them."""
    total = 0
    for _, n, rng in _blocks(enterprises, seed):
        entry, leave = _spans(rng, n, years)
        total += int((leave - entry + 1).sum())
    return total


def _write(path: Path, enterprises: int, first: int, last: int, seed: int) -> int:
    """The one generator behind both files: blocks of CHUNK enterprises, appended."""
    places = _places(first, last)
    a, b = (int(x) for x in np.random.default_rng([seed, 0]).integers(1, _M, 2))
    a += a % 31 == 0  # a unit mod 31**8: distinct enterprises, distinct bodies
    seen = np.zeros(len(places.names) * len(IND_CODES), np.int64)
    rows = 0
    with open(path, "wb") as fh:
        for start, n, rng in _blocks(enterprises, seed):
            df = _chunk(rng, places, start, n, first, last, (a, b), seen)
            df.write_csv(fh, include_header=start == 0, float_precision=1, float_scientific=False)
            rows += df.height
    return rows


def write_demo_filings(
    out_dir: Path, *, enterprises: int = 2000, first_year: int = 2016, last_year: int = 2025,
    seed: int = DEFAULT_SEED,
) -> Path:  # fmt: skip
    """Write ``out_dir/greenstat_demo_filings.csv``; rewritten only when its content
    changes, so its sha256 and mtime stay put across runs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target, tmp = out_dir / FILE_NAME, out_dir / f".{FILE_NAME}.tmp"
    _write(tmp, enterprises, first_year, last_year, seed)
    if target.exists() and target.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(target)
    return target


def write_bench_filings(
    path: Path, *, enterprises: int = 500_000, years: int = 10, first_year: int = 2016,
    seed: int = DEFAULT_SEED,
) -> int:  # fmt: skip
    """Write the benchmark file block by block, never holding it whole; returns its rows
    (500,000 enterprises x 10 years, less entry and exit: ~4.4M rows by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write(path, enterprises, first_year, first_year + years - 1, seed)
