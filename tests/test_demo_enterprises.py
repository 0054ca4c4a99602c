"""Demo enterprise filings: seeded, labelled demo, valid row by row, plausible in sum."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from sources import demo_enterprises as de
from sources.admin_divisions import admin_divisions, known_codes
from sources.credit_code import make_code, problem
from sources.filing_columns import FILING_HEADER, QUANTITY_COLUMNS
from sources.industries import normalise_industry_code

GRADES = {"A", "B", "B-", "C", "D"}
INTEGER_COLUMNS = (
    "electricity_kwh", "green_electricity_kwh", "natural_gas_m3", "heat_gj", "new_water_m3",
    "reused_water_m3", "value_added_yuan",
)  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == (*FILING_HEADER, "data_kind")
        return list(reader)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return de.write_demo_filings(tmp_path_factory.mktemp("filings"))


@pytest.fixture(scope="module")
def rows(demo_file: Path) -> list[dict[str, str]]:
    return read(demo_file)


@pytest.fixture(scope="module")
def province_of() -> dict[str, str]:
    return {d.gb2260: d.province_code for d in admin_divisions()}


def assert_valid(rows: list[dict[str, str]], first: int, last: int) -> None:
    """Every check a staged filing row must pass, and the generator's own promises."""
    divisions = known_codes(admin_divisions())
    industries: dict[str, tuple[str, str] | str] = {}
    names: dict[str, str] = {}
    for r in rows:
        year = int(r["year"])
        assert first <= year <= last
        code = r["credit_code"]
        if code not in names:
            assert problem(code) is None, problem(code)
            assert code[:2] == "91" and code[2:8] in divisions
            # The numpy check characters agree with the reference implementation.
            assert make_code("9", "1", code[2:8], code[8:16]) == code
        assert names.setdefault(code, r["enterprise_name"]) == r["enterprise_name"]
        assert r["enterprise_name"].endswith("有限公司")
        ds = divisions[r["region_code"]]
        assert ds[0].level == "county" and any(d.valid_in(year) for d in ds), r["region_code"]
        ind = r["industry_code"]
        if ind not in industries:
            industries[ind] = normalise_industry_code(ind)
        assert industries[ind] == (ind, ind[:3]), industries[ind]  # a class, as written
        for c in QUANTITY_COLUMNS:
            assert float(r[c.name]) >= 0, (c.name, r[c.name])
            assert "," not in r[c.name] and "e" not in r[c.name].lower()
        assert all(r[c].isdigit() for c in INTEGER_COLUMNS)
        assert int(r["green_electricity_kwh"]) <= int(r["electricity_kwh"])
        assert float(r["energy_tce"]) > 0
        grade = r["env_grade"]
        assert grade in GRADES if year >= de.GRADED_FROM else grade == ""
        assert r["data_kind"] == "demo"
    pairs = Counter((r["credit_code"], r["year"]) for r in rows)
    assert max(pairs.values()) == 1, "one row per enterprise and year"
    assert len(set(names.values())) == len(names), "one name per credit code"


def test_same_bytes_and_file_untouched(demo_file: Path, tmp_path: Path) -> None:
    before = demo_file.stat().st_mtime_ns, hashlib.sha256(demo_file.read_bytes()).hexdigest()
    again = de.write_demo_filings(demo_file.parent)
    assert again == demo_file
    assert (again.stat().st_mtime_ns, hashlib.sha256(again.read_bytes()).hexdigest()) == before
    assert not list(demo_file.parent.glob(".*.tmp"))
    other = de.write_demo_filings(tmp_path, seed=de.DEFAULT_SEED + 1)
    assert other.read_bytes() != demo_file.read_bytes()


def test_embedded_file_is_the_bench_generator_at_small_size(
    demo_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "small.csv"
    n = de.write_bench_filings(path, enterprises=2000, years=10, first_year=2016)
    assert path.read_bytes() == demo_file.read_bytes()
    assert n == de.filing_rows(2000, 10)


def test_every_row_is_valid(rows: list[dict[str, str]]) -> None:
    assert_valid(rows, 2016, 2025)


def test_enterprises_and_the_two_focus_regions(
    rows: list[dict[str, str]], province_of: dict[str, str]
) -> None:
    enterprises = {r["credit_code"]: province_of[r["region_code"]] for r in rows}
    assert len(enterprises) == 2000
    per_region = Counter(enterprises.values())
    assert 150 <= per_region["CN-BJ"] <= 450 and 150 <= per_region["CN-CQ"] <= 450
    assert len(per_region) >= 25  # spread over the mainland, not just the two
    years = Counter(r["credit_code"] for r in rows)
    assert 0.6 < sum(n == 10 for n in years.values()) / 2000 < 0.9  # some enter or exit
    assert len(rows) == de.filing_rows(2000, 10)


def test_industry_mix_differs_by_region(
    rows: list[dict[str, str]], province_of: dict[str, str]
) -> None:
    mix: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r["year"] == "2020":
            mix[province_of[r["region_code"]]][r["industry_code"][:3]] += 1
    assert mix["CN-BJ"]["C31"] < mix["CN-BJ"]["C39"]  # Beijing: little steel, more electronics
    assert mix["CN-CQ"]["C36"] >= max(n for k, n in mix["CN-CQ"].items() if k != "C36") / 2
    heavy = sum(n for p, c in mix.items() for k, n in c.items() if p not in ("CN-BJ", "CN-CQ")
                and k in ("C30", "C31", "C32", "C25", "C26", "D44"))  # fmt: skip
    assert heavy > 0.6 * sum(sum(c.values()) for p, c in mix.items() if p not in ("CN-BJ", "CN-CQ"))


def test_aggregates_are_plausible(rows: list[dict[str, str]], province_of: dict[str, str]) -> None:
    water: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    green: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        region, year = province_of[r["region_code"]], int(r["year"])
        water[(region, r["year"])][0] += float(r["new_water_m3"])
        water[(region, r["year"])][1] += float(r["reused_water_m3"])
        for key in (("CN", year), (region, year)):
            green[key][0] += float(r["green_electricity_kwh"])
            green[key][1] += float(r["electricity_kwh"])
    for key, (new, reused) in water.items():
        assert 0.80 <= reused / (new + reused) <= 0.99, key
    share = {k: g / e for k, (g, e) in green.items()}
    national = [share[("CN", y)] for y in range(2016, 2026)]
    assert national == sorted(national)
    assert 0.01 <= national[0] <= 0.04 and 0.15 <= national[-1] <= 0.25
    assert share[("CN-BJ", 2025)] > national[-1]
    energy = np.array([float(r["energy_tce"]) for r in rows])
    assert np.median(energy) > 10_000 and (energy >= 5_000).mean() > 0.95
    co2 = sum(float(r["co2_t"]) for r in rows) / energy.sum()
    assert 2.0 < co2 < 3.5  # t CO2 per tce with scope 2 at the calorific equivalent


def test_grades_improve(rows: list[dict[str, str]]) -> None:
    by_year = {
        y: Counter(r["env_grade"] for r in rows if r["year"] == str(y)) for y in (2019, 2025)
    }
    good = {y: (c["A"] + c["B"]) / c.total() for y, c in by_year.items()}
    bad = {y: c["D"] / c.total() for y, c in by_year.items()}
    assert good[2025] > good[2019] and bad[2025] < bad[2019]


def test_vectorised_codes_match_make_code() -> None:
    rng = np.random.default_rng(1)
    division = np.array(["110108", "500112", "440300", "659001"] * 50)
    body = rng.integers(0, 31**8, len(division))
    codes = de.credit_codes(division, body.copy())
    for code, d in zip(codes, division, strict=True):
        assert code == make_code("9", "1", d, code[8:16]) and problem(code) is None
    assert len(set(codes)) == len(codes)


def test_bench_writer_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(de, "CHUNK", 1000)  # three blocks: header once, names unique across
    path = tmp_path / "bench" / "filings.csv"
    n = de.write_bench_filings(path, enterprises=3000, years=3, first_year=2023, seed=7)
    assert n == de.filing_rows(3000, 3, seed=7)
    bench = read(path)
    assert len(bench) == n
    assert len({r["credit_code"] for r in bench}) == 3000
    assert 3000 * 3 * 0.8 < n < 3000 * 3  # entry/exit drop roughly a tenth of the rows
    assert_valid(bench, 2023, 2025)
