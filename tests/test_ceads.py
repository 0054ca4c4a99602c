"""CEADs CO2 inventories and Cui et al.'s daily CO2: the connectors on the real files, the
47-sector map, and the embedded extracts built from them."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sources import ceads, cui_daily
from sources.errors import SourceFormatError
from sources.extracts import build_ceads_extract
from sources.ingest import IngestOptions, detect_kind
from sources.parsed import Parsed
from sources.regions import default_resolver
from tests.conftest import greenstat, query

PROVINCES = "ceads_openclimate/raw/CEADS_china_provinces"
BOOK_2019 = f"{PROVINCES}/Emission_Inventories_for_30_Provinces_2019.xlsx"
OPTIONS = IngestOptions()


def _processed(shared: Path, name: str) -> dict[tuple[str, int], int]:
    """OpenClimate's tidy annual totals (t CO2, truncated to whole tonnes), for cross-checks."""
    path = shared / "ceads_openclimate" / "processed" / name
    with open(path, encoding="utf-8", newline="") as fh:
        return {
            (r["actor_id"], int(r["year"])): int(r["total_emissions"]) for r in csv.DictReader(fh)
        }


def _totals(parsed: Parsed) -> dict[tuple[str, int], float]:
    """(region code, year) -> the total row's Scope 1 Total, in Mt CO2."""
    resolve = default_resolver().resolve
    return {
        (resolve(c.region_label or "") or "?", c.year): c.value
        for c in parsed.candidates
        if c.source_sector is None and c.fuel is None
    }


def _rewrite(src: Path, dst: Path, member: str, edit: Callable[[str], str]) -> Path:
    """A copy of an xlsx with one zip member's XML edited."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return dst


@dataclass
class Book:
    """What the tests need of one parsed provincial workbook (a whole Parsed is ~30 MB)."""

    parsed: Parsed  # with only Beijing's candidates kept
    regions: set[str | None]
    candidates: int
    scope1: dict[str, dict[str | None, float]]  # region -> sector (None: total) -> Scope 1 Total
    extract_rows: list[dict[str, str]]


@pytest.fixture(scope="module")
def books(shared_data: Path) -> dict[int, Book]:
    """Every provincial workbook, parsed once, by year."""
    out = {}
    for relpath, national in build_ceads_extract.ceads_workbooks(shared_data):
        if national:
            continue
        p = ceads.parse_province_workbook(shared_data / relpath, OPTIONS)
        scope1: dict[str, dict[str | None, float]] = {}
        for c in p.candidates:
            if c.fuel is None:
                scope1.setdefault(c.region_label or "", {})[c.source_sector] = c.value
        book = Book(
            parsed=p,
            regions={c.region_label for c in p.candidates},
            candidates=len(p.candidates),
            scope1=scope1,
            extract_rows=build_ceads_extract.workbook_rows(
                shared_data, relpath, national=False, parsed=p
            ),
        )
        p.candidates = [c for c in p.candidates if c.region_label == "Beijing"]
        out[int(str(p.meta["time_line"]))] = book
    return out


@pytest.fixture(scope="module")
def national(shared_data: Path) -> Parsed:
    return ceads.parse_national_workbook(shared_data / build_ceads_extract.NATIONAL, OPTIONS)


@pytest.fixture(scope="module")
def cui(shared_data: Path) -> Parsed:
    return cui_daily.parse(shared_data / build_ceads_extract.CUI, OPTIONS)


# --- the sector map ------------------------------------------------------------------------------


def test_sector_map_has_47_sectors_with_industry_in_b_c_d() -> None:
    sectors = ceads.ceads_sectors()
    assert [s.sector_no for s in sectors] == list(range(1, 48))
    assert len({s.name_en for s in sectors}) == 47
    assert [s.name_en for s in sectors[-2:]] == ["Urban", "Rural"]
    code = re.compile(r"[A-T](\d{2})?(\+[A-T](\d{2})?)*")
    for s in sectors:
        assert s.name_zh and s.cui_sector in {"power", "industry", "ground_transport", "none"}
        if s.name_en in ("Urban", "Rural"):
            assert (s.gb4754, s.section, s.is_industry) == ("", "", False)
            continue
        assert code.fullmatch(s.gb4754), s
        assert set(s.section.split("+")) == {c[0] for c in s.gb4754.split("+")}, s
        assert s.is_industry == (set(s.section.split("+")) <= {"B", "C", "D"}), s
        assert (s.cui_sector in {"power", "industry"}) == s.is_industry, s
    by_name = {s.name_en: s for s in sectors}
    assert by_name["Rubber Products"].gb4754 == by_name["Plastic Products"].gb4754 == "C29"
    power = by_name["Production and Supply of Electric Power, Steam and Hot Water"]
    assert (power.gb4754, power.cui_sector) == ("D44", "power")
    assert sum(s.is_industry for s in sectors) == 39  # B06-B12, C13-C42, D44-D46


# --- provincial workbooks -----------------------------------------------------------------------


@pytest.mark.shared_data
def test_every_provincial_workbook_parses_with_30_provinces(
    books: dict[int, Book], shared_data: Path
) -> None:
    assert sorted(books) == list(range(1997, 2020))
    provinces = {default_resolver().resolve(v) for v in ceads.PROVINCE_SHEETS.values()}
    assert len(provinces) == 30 and None not in provinces
    for year, book in books.items():
        p = book.parsed
        assert p.rejects == [], year
        assert p.cells_in == book.candidates + p.cells_missing == 30 * 48 * 22, year
        assert {default_resolver().resolve(r or "") for r in book.regions} == provinces, year
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.vintage or ""), year
    for path in sorted((shared_data / PROVINCES).glob("*.xlsx")):
        assert detect_kind(path) == ceads.KIND_PROVINCE, path.name


@pytest.mark.shared_data
def test_totals_match_openclimate_and_beijing_2019(
    books: dict[int, Book], shared_data: Path
) -> None:
    resolve = default_resolver().resolve
    totals = {
        (resolve(region), year): by_sector[None]
        for year, book in books.items()
        for region, by_sector in book.scope1.items()
    }
    assert totals[("CN-BJ", 2019)] == pytest.approx(89.2, abs=0.1)
    processed = _processed(shared_data, "CEADS_china_provinces__EmissionsAgg.csv")
    assert len(processed) == 30 * 22  # 1998-2019
    for key, tonnes in processed.items():
        assert abs(totals[key] * 1e6 - tonnes) < 1, key


@pytest.mark.shared_data
def test_sectors_add_up_to_the_total_row(books: dict[int, Book], national: Parsed) -> None:
    cases = [books[2019].scope1["Beijing"], books[2019].scope1["Chongqing"]]
    cases += [books[2005].scope1["Guangdong"], books[1997].scope1["Inner Mongolia"]]
    cases.append(
        {c.source_sector: c.value for c in national.candidates if c.year == 2019 and c.fuel is None}
    )
    for scope1 in cases:
        by_sector = dict(scope1)
        total = by_sector.pop(None)
        assert len(by_sector) == 47
        assert sum(by_sector.values()) == pytest.approx(total, rel=1e-9)
    # Within a sector row, the fuels and Process make up Scope 1 Total (Scope 2 columns are 0).
    bj = books[2019].parsed.candidates
    row = {c.fuel: c.value for c in bj if c.source_sector == "Transportation Equipment"}
    scope1 = row.pop(None)
    assert sum(v for f, v in row.items() if f and not f.startswith("Scope 2")) == pytest.approx(
        scope1, rel=1e-12
    )


@pytest.mark.shared_data
def test_industry_sectors_of_beijing_2019_are_below_the_total(books: dict[int, Book]) -> None:
    industry = {s.name_en for s in ceads.ceads_sectors() if s.is_industry}
    by_sector = dict(books[2019].scope1["Beijing"])
    total = by_sector.pop(None)
    industrial = sum(v for s, v in by_sector.items() if s in industry)
    assert 0 < industrial < total
    assert by_sector["Production and Supply of Electric Power, Steam and Hot Water"] < industrial


@pytest.mark.shared_data
def test_candidates_say_which_cell_and_release_they_come_from(books: dict[int, Book]) -> None:
    p = books[2019].parsed
    total = next(c for c in p.candidates if c.source_sector is None and c.fuel is None)
    assert (total.column, total.source_row, total.unit_as_written) == (
        "Beijing2019!Scope_1_Total",
        4,
        "Mt CO2",
    )
    assert float(total.value_as_written) == total.value  # the stored double, not rounded
    assert total.industry_code is None and total.data_kind == "official"
    assert "CEADs" in total.citation and "Beijing2019" in total.citation
    assert "Shan et al. 2018" in total.citation and "Guan et al. 2021" in total.citation
    power = next(
        c
        for c in p.candidates
        if c.source_sector == ceads.ceads_sectors()[38].name_en and c.fuel == "Raw Coal"
    )
    assert power.industry_code == "D44" and power.column == "Beijing2019!Raw_Coal"
    assert p.vintage == "2022-12-21"
    assert "dcterms:modified" in str(p.meta["vintage_basis"])


@pytest.mark.shared_data
def test_vintage_given_at_ingest_wins(shared_data: Path) -> None:
    p = ceads.parse_province_workbook(shared_data / BOOK_2019, IngestOptions(vintage="2023-05-02"))
    assert p.vintage == "2023-05-02" and {c.vintage for c in p.candidates} == {"2023-05-02"}
    assert "--vintage" in str(p.meta["vintage_basis"])


# --- layouts CEADs never published fail in one line ---------------------------------------------


def _one_line_error(path: Path) -> str:
    with pytest.raises(SourceFormatError) as exc:
        ceads.parse_province_workbook(path, OPTIONS)
    message = str(exc.value)
    assert "\n" not in message and path.name in message
    return message


@pytest.mark.shared_data
def test_unknown_sheet_name_fails_naming_workbook_and_sheet(
    shared_data: Path, tmp_path: Path
) -> None:
    book = _rewrite(
        shared_data / BOOK_2019,
        tmp_path / Path(BOOK_2019).name,
        "xl/workbook.xml",
        lambda xml: xml.replace('name="Beijing2019"', 'name="Peking2019"'),
    )
    assert detect_kind(book) == ceads.KIND_PROVINCE  # still CEADs: the parser says what is wrong
    assert "sheet 'Peking2019' is not a known CEADs sheet" in _one_line_error(book)


@pytest.mark.shared_data
def test_sheet_of_another_year_fails(shared_data: Path, tmp_path: Path) -> None:
    book = _rewrite(
        shared_data / BOOK_2019,
        tmp_path / Path(BOOK_2019).name,
        "xl/workbook.xml",
        lambda xml: xml.replace('name="Beijing2019"', 'name="Beijing2018"'),
    )
    assert "sheet 'Beijing2018' is for 2018, but the workbook is for 2019" in _one_line_error(book)


@pytest.mark.shared_data
def test_renamed_note_sheet_fails_naming_workbook_and_sheet(
    shared_data: Path, tmp_path: Path
) -> None:
    book = _rewrite(
        shared_data / BOOK_2019,
        tmp_path / Path(BOOK_2019).name,
        "xl/workbook.xml",
        lambda xml: xml.replace('name="NOTE"', 'name="Notes"'),
    )
    assert detect_kind(book) == ceads.KIND_PROVINCE
    message = _one_line_error(book)
    assert Path(BOOK_2019).name in message and "sheet 'Notes'" in message


def test_unknown_column_header_fails_naming_sheet_and_column(
    shared_data: Path, tmp_path: Path
) -> None:
    book = _rewrite(
        shared_data / BOOK_2019,
        tmp_path / Path(BOOK_2019).name,
        "xl/sharedStrings.xml",
        lambda xml: xml.replace(">Process<", ">Procesz<"),
    )
    message = _one_line_error(book)
    assert re.search(r"sheet '\w+2019': column V header 'Procesz' is not a known", message)


@pytest.mark.shared_data
def test_text_in_a_value_cell_is_rejected_and_markers_are_missing(
    shared_data: Path, tmp_path: Path
) -> None:
    def edit(xml: str) -> str:
        for ref, text in (("D5", "abc"), ("E5", "—"), ("F6", "1.5*")):
            xml = re.sub(
                rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)',
                f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
                xml,
                count=1,
            )
        return xml

    book = _rewrite(
        shared_data / BOOK_2019, tmp_path / "edited.xlsx", "xl/worksheets/sheet2.xml", edit
    )
    p = ceads.parse_province_workbook(book, OPTIONS)
    assert [(r.source_row, r.reason) for r in p.rejects] == [(5, "not a number: 'abc'")]
    assert p.cells_missing == 1
    assert p.cells_in == len(p.candidates) + len(p.rejects) + p.cells_missing == 31680
    flagged = [c for c in p.candidates if c.flags]
    assert [(c.value, c.value_as_written, c.flags) for c in flagged] == [(1.5, "1.5*", "*")]


# --- the national inventory ----------------------------------------------------------------------


@pytest.mark.shared_data
def test_national_inventory_matches_openclimate(national: Parsed, shared_data: Path) -> None:
    assert national.rejects == [] and national.cells_missing == 0
    totals = _totals(national)
    assert sorted(y for _, y in totals) == list(range(1997, 2020))
    assert 9000 < totals[("CN", 2019)] < 10500  # Mt CO2; China's scope-1 total in 2019
    processed = _processed(shared_data, "CEADS_china__EmissionsAgg.csv")
    for key, tonnes in processed.items():
        assert abs(totals[key] * 1e6 - tonnes) < 1, key
    notes = " ".join(str(n) for n in national.meta["notes"])  # type: ignore[union-attr]
    assert "sheet 'sum'" in notes and "sheet 'Sum-Sec-Scope 1'" in notes
    assert "within 0 Mt CO2" in notes  # the summary sheets repeat the year sheets exactly
    assert detect_kind(shared_data / build_ceads_extract.NATIONAL) == ceads.KIND_NATIONAL


# --- Cui et al. daily ----------------------------------------------------------------------------


@pytest.mark.shared_data
def test_cui_daily_annual_totals(cui: Parsed, shared_data: Path) -> None:
    assert cui.cells_in == len(cui.candidates) + 31 + cui.cells_missing
    # The 29-February slot of Ground Transport2019 holds 31 zeros that belong to no day.
    assert [(r.source_row, r.cells) for r in cui.rejects] == [(61, 31)]
    assert {len(c.period) for c in cui.candidates} == {10}
    totals = cui_daily.annual_totals(cui.candidates)
    assert all(t.days == (366 if t.year == 2020 else 365) for t in totals)
    by_key = {(t.region_label, t.year, t.source_sector): t for t in totals}
    assert by_key[("BJ", 2019, None)].value == pytest.approx(66.0, abs=0.05)
    assert by_key[("BJ", 2019, None)].data_kind == "derived"
    resolve = default_resolver().resolve
    processed = _processed(shared_data, "cui_etal_v1__EmissionsAgg.csv")
    published = {
        (resolve(t.region_label), t.year): t.value for t in totals if t.source_sector is None
    }
    assert published.keys() == processed.keys()  # 31 provinces (Tibet too) x 2 years
    for key, tonnes in processed.items():
        assert abs(published[key] * 1e6 - tonnes) < 1, key
    for (region, year, sector), t in by_key.items():
        if sector is None:  # the publisher's total is the sum of the three sectors
            parts = [by_key[(region, year, s)].value for s in cui_daily.INDUSTRY_CODES]
            assert sum(parts) == pytest.approx(t.value, rel=1e-12), (region, year)
    gt2020 = by_key[("BJ", 2020, "ground_transport")]
    assert gt2020.flags == cui_daily.DATE_INFERRED and gt2020.industry_code == "G"
    assert by_key[("China", 2019, "power")].industry_code == "D44"
    assert detect_kind(shared_data / build_ceads_extract.CUI) == cui_daily.KIND


# --- the embedded extracts and the command line --------------------------------------------------


@pytest.mark.shared_data
def test_committed_extracts_are_what_the_builder_writes(
    books: dict[int, Book], national: Parsed, cui: Parsed, shared_data: Path, tmp_path: Path
) -> None:
    """The builder's rows from this session's parses (the same code path as
    ``python -m sources.extracts.build_ceads_extract``, without parsing everything twice)."""
    rows = [r for book in books.values() for r in book.extract_rows]
    rows += build_ceads_extract.workbook_rows(
        shared_data, build_ceads_extract.NATIONAL, national=True, parsed=national
    )
    build_ceads_extract.write(
        build_ceads_extract.sort_ceads_rows(rows),
        build_ceads_extract.build_cui(shared_data, parsed=cui),
        tmp_path,
    )
    for committed in (build_ceads_extract.CEADS_OUTPUT, build_ceads_extract.CUI_OUTPUT):
        assert (tmp_path / committed.name).read_bytes() == committed.read_bytes(), committed.name


def test_extract_rows_are_cited_and_cover_the_promised_scope() -> None:
    with open(build_ceads_extract.CEADS_OUTPUT, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    totals = {(r["region_code"], r["year"]) for r in rows if not r["source_sector"]}
    assert len(totals) == 31 * 23  # 30 provinces and the nation, 1997-2019
    sectors = {r["region_code"] for r in rows if r["source_sector"]}
    assert sectors == {"CN", "CN-BJ", "CN-CQ"}
    assert len(rows) == len(totals) + 3 * 23 * 47
    bj = next(
        r
        for r in rows
        if (r["region_code"], r["year"], r["source_sector"]) == ("CN-BJ", "2019", "")
    )
    assert bj["value_as_written"] == "89.1844836918383" and bj["vintage"] == "2022-12-21"
    for r in rows:
        assert r["vintage"] and r["citation"] and r["data_kind"] == "official" and not r["fuel"]
        assert re.fullmatch(
            r"ceads_openclimate/raw/\S+ sha256:[0-9a-f]{16} \S+ row \d+ col .+", r["origin"]
        ), r["origin"]
    with open(build_ceads_extract.CUI_OUTPUT, encoding="utf-8", newline="") as fh:
        cui_rows = list(csv.DictReader(fh))
    assert {r["data_kind"] for r in cui_rows} == {"derived"}
    assert all(
        "greenstat's sum" in r["citation"] and "CC BY 4.0" in r["citation"] for r in cui_rows
    )
    assert {r["year"] for r in cui_rows} == {"2019", "2020"}


@pytest.mark.shared_data
def test_greenstat_ingest_of_a_workbook_and_the_extracts(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    book = shared_data / BOOK_2019
    result = greenstat(
        "ingest",
        str(book),
        str(build_ceads_extract.CEADS_OUTPUT),
        str(build_ceads_extract.CUI_OUTPUT),
        home=home,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert f"kind {ceads.KIND_PROVINCE}" in lines[0] and "31680 rows loaded" in lines[0]
    for line in lines:
        assert " 0 rows quarantined" in line, line
    staged = query(
        home,
        "SELECT o.value, o.unit, o.value_as_written, o.provenance FROM staging.observations o "
        "JOIN raw.files f ON f.sha256 = o.archive_sha256 WHERE f.original_name = ? AND "
        "o.region_code = 'CN-BJ' AND o.indicator_code = 'co2_emissions' AND o.year = 2019 "
        "AND o.source_sector IS NULL AND o.fuel IS NULL",
        [book.name],
    )
    assert len(staged) == 1
    value, unit, written, provenance = staged[0]
    assert (unit, written) == ("t CO2", "89.1844836918383")
    assert value == pytest.approx(89_184_483.69, abs=0.01)
    assert provenance.endswith("#row=4;col=Beijing2019!Scope_1_Total")
    mart = query(
        home,
        "SELECT value, data_kind FROM marts.indicator_values WHERE region_code = 'CN-BJ' "
        "AND indicator_code = 'co2_emissions' AND year = 2019",
    )
    assert mart == [(pytest.approx(89_184_483.69, abs=0.01), "official")]
