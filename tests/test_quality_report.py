"""The per-run quality summary page, the release snapshot behind "what changed", and the
completeness of the quarantine it reports."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from quality.report import bar_chart, build_quality_pages, record_release
from tests.conftest import greenstat, query

URL = re.compile(r"(?i)https?://")


def _mart(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, int, float]]) -> None:
    con.execute("DELETE FROM marts.indicator_values")
    con.executemany(
        "INSERT INTO marts.indicator_values (region_code, indicator_code, year, value, unit, "
        "data_kind, source, vintage, provenance) "
        "VALUES (?, 'gdp', ?, ?, 'yuan', 'official', 'nbs (vintage 2025)', '2025', 'p')",
        rows,
    )


def test_demo_page_reports_the_run_offline(demo_home: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        index = build_quality_pages(con, tmp_path / "site")
        # The release run (greenstat run: marts, then a monthly run for metering).
        ((run_id,),) = con.sql("SELECT DISTINCT run_id FROM quality.release_values").fetchall()
    assert index == tmp_path / "site" / "quality" / "index.html"
    page = index.read_text(encoding="utf-8")
    assert not URL.search(page)
    assert "<style>" in page and "<link" not in page and "<script" not in page
    sections = ("What is new", "What failed", "What was quarantined", "Corrections",
                "What changed since the last release", "Reconciliations")  # fmt: skip
    for section in sections:
        assert section in page
    assert run_id in page
    assert "href='docs/index.html'" in page and 'href="../index.html"' in page
    # The failures of the run, with the SQL that lists their rows, and a chart beside a table.
    assert "reconcile.miit_lists_vs_stated.green_parks_national" in page
    assert "capacity.gem_phase_without_year" in page and "SELECT" in page
    assert page.count("<svg") >= 2 and "Quarantined cells by file" in page
    assert "miit_green_lists.csv" in page  # the file with quarantined rows
    assert "EXAMPLE-1" in page and "status rejected" in page  # the shipped register entry
    # The run's own copy, whose links climb one level more.
    copy = (tmp_path / "site" / "quality" / "runs" / f"{run_id}.html").read_text("utf-8")
    assert 'href="../../index.html"' in copy and "href='../docs/index.html'" in copy


def test_site_links_the_quality_page(demo_home_built: Path) -> None:
    page = demo_home_built / "site" / "quality" / "index.html"
    assert page.exists()
    assert "quality/index.html" in (demo_home_built / "site" / "index.html").read_text("utf-8")
    assert not URL.search(page.read_text(encoding="utf-8"))


def test_what_changed_since_the_previous_release(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _mart(con, [("CN-BJ", 2023, 100.0), ("CN-TJ", 2023, 50.0), ("CN-HE", 2023, 7.0)])
    assert record_release(con, "run-a") == 3
    # Next release: Beijing revised, Tianjin dropped, Shanghai new; Hebei only recomputed
    # (a last-bit difference from a parallel sum is not a change).
    _mart(con, [("CN-BJ", 2023, 110.0), ("CN-SH", 2023, 80.0), ("CN-HE", 2023, 7.0 + 1e-12)])
    record_release(con, "run-b")
    con.execute(
        "INSERT INTO quality.check_results (check_name, table_name, run_id, severity, passed, "
        "checked_at) VALUES ('x', 't', 'run-a', 'warning', true, now() - INTERVAL 1 HOUR), "
        "('x', 't', 'run-b', 'warning', true, now())"
    )
    page = build_quality_pages(con, tmp_path).read_text(encoding="utf-8")
    changed = page.split('id="changed"')[1].split("<h3>")[0]
    assert "1 changed, 1 new, 1 removed" in changed
    assert "CN-BJ" in changed and "+10.00%" in changed and "CN-HE" not in changed
    assert "CN-TJ" in changed and "removed" in changed and "CN-SH" in changed
    # Only the current and the previous release are kept.
    record_release(con, "run-c")
    assert con.sql("SELECT DISTINCT run_id FROM quality.release_values ORDER BY 1").fetchall() == [
        ("run-b",),
        ("run-c",),
    ]


def test_first_release_and_empty_warehouse_still_render(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    page = build_quality_pages(con, tmp_path).read_text(encoding="utf-8")
    assert "No earlier release recorded" in page and "No run id recorded" in page
    assert not (tmp_path / "quality" / "runs").exists() or not list(
        (tmp_path / "quality" / "runs").iterdir()
    )


def test_bar_chart_is_greyscale_and_labelled() -> None:
    svg = bar_chart("Failed checks by table", [("marts.revisions", 2), ("staging.x", 1)])
    assert svg.startswith("<svg") and "<title>Failed checks by table</title>" in svg
    assert ">2</text>" in svg and ">1</text>" in svg and "marts.revisions" in svg
    colours = set(re.findall(r"fill='(#[0-9a-fA-F]{3,6})'", svg))
    assert colours and all(c[1:].lower() in ("444", "444444") for c in colours)
    assert not URL.search(svg)
    assert bar_chart("empty", []) == ""


def test_quarantine_is_complete_for_real_files(nbs_dir: Path, tmp_path: Path) -> None:
    """Every rejected cell of every kind seen in the real files is in quality.quarantine
    with its file, row number, reason and raw values, and the counts agree."""
    shared = nbs_dir.parent
    files = [
        nbs_dir / "tec_expenditure" / "分省年度数据.csv",  # no region line: every cell
        nbs_dir / "data-collection_xls" / "主要城市年度数据.xls",  # cities outside ref
        shared / "pypsa_china_pik" / "hydroelectricity capacity.csv",  # no year
        shared / "miit_green_manufacturing" / "绿色设计产品名单.csv",  # section headings
    ]
    home = tmp_path / "home"
    result = greenstat("ingest", *map(str, files), home=home)
    assert result.returncode == 0, result.stderr
    per_file = query(
        home,
        """SELECT f.original_name, f.rows_quarantined, count(q.source_row), sum(q.cells),
                  count(*) FILTER (WHERE q.source_row >= 1 AND q.reason <> ''
                                   AND coalesce(q.raw_values, '') <> ''
                                   AND q.source_file = f.original_name)
           FROM raw.files f LEFT JOIN quality.quarantine q ON q.archive_sha256 = f.sha256
           GROUP BY ALL ORDER BY 1""",
    )
    assert len(per_file) == 4
    for name, counted, rows, cells, complete in per_file:
        assert rows > 0 and complete == rows, name
        assert cells == counted, name
    assert query(home, "SELECT count(*) FROM quality.quarantine q ANTI JOIN raw.files f "
                 "ON f.sha256 = q.archive_sha256") == [(0,)]  # fmt: skip
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        page = build_quality_pages(con, tmp_path / "site").read_text(encoding="utf-8")
    quarantine = page.split('id="quarantine"')[1].split('id="changed"')[0]
    for name, *_ in per_file:
        assert name in quarantine


@pytest.mark.parametrize("text", ["see https://example.org/x", "HTTP://A.B"])
def test_urls_in_data_are_never_written_as_links(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, text: str
) -> None:
    con.execute(
        "INSERT INTO quality.check_results (check_name, table_name, run_id, severity, passed, "
        "observed, checked_at) VALUES ('c', 't', 'r', 'warning', false, ?, now())",
        [text],
    )
    page = build_quality_pages(con, tmp_path).read_text(encoding="utf-8")
    assert not URL.search(page)
    assert text.split("//")[1] in page  # still shown to the reader
