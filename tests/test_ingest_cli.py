"""`greenstat ingest` end to end on the real NBS exports, as a user runs it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import greenstat, query

pytestmark = pytest.mark.shared_data


def _all_exports(nbs_dir: Path) -> list[Path]:
    return sorted(p for p in nbs_dir.rglob("*") if p.suffix in (".csv", ".xls"))


def test_every_export_prints_kind_and_counts_or_one_line(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    for path in _all_exports(nbs_dir):
        result = greenstat("ingest", str(path), home=home)
        if result.returncode == 0:
            assert "kind nbs_portal_export" in result.stdout, result.stdout
            assert "rows loaded" in result.stdout and "rows quarantined" in result.stdout
        else:
            # Only the exports that name no indicator may be refused, in one line naming them.
            assert result.returncode == 1
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert path.name in lines[0] and "指标" in lines[0]
            assert "Traceback" not in result.stderr
    # Rows in = staged + quarantined + missing, for every file, and the tables agree.
    bad = query(
        home,
        """
        SELECT f.original_name FROM raw.files f
        LEFT JOIN (SELECT archive_sha256, count(*) n FROM staging.observations GROUP BY 1) o
               ON o.archive_sha256 = f.sha256
        LEFT JOIN (SELECT archive_sha256, count(*) n FROM quality.quarantine GROUP BY 1) q
               ON q.archive_sha256 = f.sha256
        WHERE f.cells_in <> f.rows_loaded + f.rows_quarantined + f.cells_missing
           OR coalesce(o.n, 0) <> f.rows_loaded OR coalesce(q.n, 0) <> f.rows_quarantined""",
    )
    assert bad == []


def test_revised_and_old_gdp_vintages_are_both_kept(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    revised = nbs_dir / "RenJiyi163_gbk" / "分省年度数据.csv"
    old = nbs_dir / "Tobby-star" / "分省年度数据.csv"
    result = greenstat("ingest", str(old), str(revised), home=home)
    assert result.returncode == 0, result.stderr
    gdp_2024 = query(
        home,
        "SELECT value, unit, value_as_written, unit_as_written FROM "
        "staging.observations WHERE region_code = 'CN-BJ' AND indicator_code = "
        "'gdp' AND year = 2024",
    )
    assert gdp_2024 == [(pytest.approx(4.96702e12), "yuan", "49670.2", "亿元")]
    vintages = query(
        home,
        "SELECT vintage, value_as_written FROM staging.observations WHERE "
        "region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2017 "
        "ORDER BY vintage",
    )
    assert vintages == [("2018", "28014.94"), ("2025", "31325.9")]
    mart = query(
        home,
        "SELECT value, vintage, data_kind FROM marts.indicator_values WHERE "
        "region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2017",
    )
    assert mart == [(pytest.approx(3.13259e12), "2025", "official")]
    prov = query(
        home,
        "SELECT provenance, source_row FROM staging.observations WHERE "
        "region_code = 'CN-BJ' AND indicator_code = 'gdp' AND year = 2024",
    )
    assert prov[0][0].startswith("sha256:")
    assert prov[0][0].endswith(f"#row={prov[0][1]};col=2024年")
    archived = list((home / "archive").rglob("分省年度数据.csv"))
    assert {p.read_bytes() for p in archived} == {revised.read_bytes(), old.read_bytes()}


def test_reingest_is_idempotent(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = nbs_dir / "1lmq" / "分省年度数据.csv"
    assert greenstat("ingest", str(path), home=home).returncode == 0
    first = query(home, "SELECT count(*) FROM staging.observations")
    assert greenstat("ingest", str(path), home=home).returncode == 0
    assert query(home, "SELECT count(*) FROM staging.observations") == first
    assert query(home, "SELECT count(*) FROM raw.files") == [(1,)]


def test_unnamed_indicator_needs_the_option(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = nbs_dir / "VasantLong" / "分省年度数据.csv"
    refused = greenstat("ingest", str(path), home=home)
    assert refused.returncode == 1 and "VasantLong" not in refused.stdout
    ok = greenstat("ingest", str(path), "--indicator", "地区生产总值(亿元)", home=home)
    assert ok.returncode == 0, ok.stderr
    # Hand-edited names resolve through ref.regions aliases.
    regions = {r[0] for r in query(home, "SELECT DISTINCT region_code FROM staging.observations")}
    assert {"CN-GX", "CN-XZ", "CN-XJ"} <= regions
    assert query(home, "SELECT count(*) FROM quality.quarantine") == [(0,)]


def test_unknown_regions_are_quarantined_with_reason(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = nbs_dir / "data-collection_xls" / "主要城市年度数据.xls"
    result = greenstat("ingest", str(path), home=home)
    assert result.returncode == 0, result.stderr
    rows = query(
        home,
        "SELECT source_file, source_row, source_column, reason FROM "
        "quality.quarantine WHERE raw_values LIKE '石家庄%' ORDER BY source_column",
    )
    assert rows and all("unknown region '石家庄'" in r[3] for r in rows)
    assert all(r[0] == path.name and r[1] > 0 for r in rows)


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("empty.csv", b"", "empty"),
        ("blob.csv", bytes(range(256)) * 4, "not text"),
        ("notes.txt", "会议纪要\n今天讨论了预算。\n".encode(), "not a recognised format"),
    ],
)
def test_unreadable_files_get_one_line(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = greenstat("ingest", str(path), home=tmp_path / "home")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and reason in lines[0], result.stderr


def test_truncated_xlsx_gets_one_line(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>" * 200)
        z.writestr("xl/workbook.xml", "<workbook/>" * 200)
    truncated = tmp_path / "分省年度数据.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = greenstat("ingest", str(truncated), home=tmp_path / "home")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and truncated.name in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_and_good_file_together(nbs_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = nbs_dir / "1lmq" / "分省年度数据.csv"
    result = greenstat("ingest", str(tmp_path / "nope.csv"), str(good), home=home)
    assert result.returncode == 1
    assert "nope.csv: no such file" in result.stderr
    assert "rows loaded" in result.stdout  # the good file still landed


def test_every_command_has_help(tmp_path: Path) -> None:
    for cmd in ("run", "ingest", "progress", "report", "dev"):
        result = greenstat(cmd, "--help", home=tmp_path / "home")
        assert result.returncode == 0 and "usage: greenstat" in result.stdout
