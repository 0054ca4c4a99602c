"""Cited official figures in the embedded default, what each target still needs, and the
data request that fills it in (issue 16, points 3, 5 and 6)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook

from sources.extracts import build_official_extract as builder
from tests.conftest import greenstat, query

FIELDS = (
    "region_code", "indicator_zh", "indicator_en", "year", "value", "unit", "price_basis",
    "source_title", "publisher", "url", "context",
)  # fmt: skip


def test_official_extract_is_what_the_builder_writes(shared_data: Path, tmp_path: Path) -> None:
    rows, decisions = builder.build(shared_data)
    out, report = tmp_path / "official_figures.csv", tmp_path / "official_figures.md"
    builder.write(rows, decisions, out, report)
    assert out.read_bytes() == builder.OUTPUT.read_bytes()
    assert report.read_text(encoding="utf-8") == builder.REPORT.read_text(encoding="utf-8")
    # every figure read is either kept or listed with its reason
    kept = sum(d.reason is None for d in decisions)
    assert kept == len(rows) and len(decisions) == 78
    assert all(r["data_kind"] == "official" and "http" in r["citation"] for r in rows)


def _row(**kw: str) -> dict[str, str]:
    base = dict.fromkeys(FIELDS, "")
    base.update(region_code="CN", year="2021", unit="%", url="https://example.org/a")
    base.update(kw)
    return base


def test_who_counts_as_official_and_what_is_verbatim() -> None:
    rows = [
        _row(indicator_zh="冶炼渣综合利用率", value="62.7", publisher="国家发展和改革委员会",
             context="冶炼渣综合利用率达到62.7%"),
        _row(indicator_zh="再生铜产量", value="395", unit="万吨", publisher="中国有色金属工业协会",
             context="再生铜产量395万吨"),
        _row(indicator_zh="进京绿电", value="350", unit="亿千瓦时", publisher="北京电力交易中心",
             context="进京绿电350亿千瓦时"),
        _row(indicator_zh="能源消费总量", value="8874.54", unit="万吨标准煤",
             publisher="重庆市统计局", source_title="节能形势分析 (第三方文章, 引年鉴)",
             context="能源消费总量8874.54万吨标准煤"),
        _row(indicator_zh="万元工业增加值用水量", value="38.4", unit="立方米", publisher="水利部",
             context="万元工业增加值用水量为38 4立方米"),
        _row(indicator_zh="万元工业增加值用水量", value="28.2", unit="立方米", publisher="水利部",
             context="万元工业增加值用水量28.2立方米"),
        _row(indicator_zh="万元工业增加值用水量", value="24.1", unit="立方米", publisher="水利部",
             price_basis="当年价", year="2022", context="万元工业增加值用水量24.1立方米"),
        _row(indicator_zh="某某新指标", value="1", publisher="国家统计局", context="某某新指标1"),
    ]  # fmt: skip
    got = [(d.reason is None, d.reason or "") for d in builder.decide(rows)]
    assert got[0] == (True, "")
    assert not got[1][0] and "not a statistics bureau" in got[1][1]
    assert not got[2][0] and "not a statistics bureau" in got[2][1]
    assert not got[3][0] and "secondary" in got[3][1]
    assert not got[4][0] and "does not contain '38.4'" in got[4][1]
    # no basis of its own, but its publisher states one for the series: kept, as current
    assert got[5] == (True, "") and got[6] == (True, "")
    assert not got[7][0] and "no catalogued indicator" in got[7][1]


def test_demo_tracks_targets_on_published_figures_with_citations(demo_home_built: Path) -> None:
    rows = query(
        demo_home_built,
        """SELECT p.target_id, p.status, p.data_kind, c.sources
           FROM marts.indicator_progress p JOIN marts.target_data_coverage c USING (target_id)
           WHERE p.data_kind IN ('official', 'derived')""",
    )
    assert len(rows) >= 10, rows
    for tid, _status, kind, sources in rows:
        assert sources, tid  # every one traceable to who published it
        if kind == "official":
            assert any("http" in s for s in sources), tid
    graded = {tid: status for tid, status, *_ in rows if status != "no_data"}
    # The national water intensity target on the Ministry of Water Resources' 2021-2023
    # rates: 100 x 0.929 x 0.892 x 0.961 = 79.6, a 20.4% fall against the 16% required.
    assert graded["cn-2025-industry-water-intensity"] == "achieved"
    ((latest, unit, method),) = query(
        demo_home_built,
        "SELECT latest_value, value_unit, method FROM marts.indicator_progress "
        "WHERE target_id = 'cn-2025-industry-water-intensity'",
    )
    assert abs(latest - 100 * 0.929 * 0.892 * 0.961) < 1e-9
    assert (unit, method) == ("index (2020 = 100)", "chained_rates")
    # The published-only mart has no demo input at all.
    assert query(
        demo_home_built,
        "SELECT count(*) FROM marts.indicator_progress_official WHERE data_kind = 'demo'",
    ) == [(0,)]


def test_coverage_says_what_each_demo_target_needs(demo_home_built: Path) -> None:
    rows = query(
        demo_home_built,
        """SELECT target_id, measure, figures_needed, needs FROM marts.target_data_coverage
           WHERE data_kind = 'demo'""",
    )
    assert rows
    for tid, _measure, figures, needs in rows:
        assert figures and needs, tid
        for f in figures:
            assert f["years_needed"] and f["region_code"] and f["indicator_code"], tid
    by_id = {r[0]: r[2] for r in rows}
    # an intensity reduction asks for the annual change rates, as they are published
    (bj,) = by_id["bj-2025-industry-energy-intensity"]
    assert bj["indicator_code"] == "energy_intensity_industry_change"
    assert bj["years_needed"] == [2021, 2022, 2023, 2024, 2025]
    assert bj["price_basis"] == "comparable" and "统计公报" in bj["published_in"]


def test_request_data_round_trip(demo_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "bj_request.xlsx"
    result = greenstat("request-data", "--region", "CN-BJ", "--out", str(out), home=demo_home)
    assert result.returncode == 0, result.stderr
    assert "figures requested" in result.stdout
    # unfilled: loads nothing, quarantines nothing
    result = greenstat("ingest", str(out), home=demo_home)
    assert result.returncode == 0, result.stderr
    assert "0 rows loaded, 0 rows quarantined" in result.stdout
    # filled in: Beijing's targets move to published figures
    wb = load_workbook(out)
    ws = wb.active
    header = [c.value for c in ws[2]]
    col = {h: i for i, h in enumerate(header)}
    for row in ws.iter_rows(min_row=3):
        if row[col["指标"]].value is None:
            continue
        name, unit = row[col["指标"]].value, row[col["单位"]].value
        row[col["数值"]].value = (
            "2.5" if name.endswith("比上年下降") else ("96" if unit == "%" else "200")
        )
    filled = tmp_path / "bj_filled.xlsx"
    wb.save(filled)
    result = greenstat("ingest", str(filled), home=demo_home)
    assert result.returncode == 0, result.stderr
    assert " 0 rows quarantined" in result.stdout
    left = query(
        demo_home,
        "SELECT target_id, data_kind FROM marts.indicator_progress WHERE region_code = 'CN-BJ' "
        "AND status <> 'not_quantifiable' AND data_kind NOT IN ('official', 'derived')",
    )
    assert left == []
    ((kind, method),) = query(
        demo_home,
        "SELECT data_kind, method FROM marts.indicator_progress "
        "WHERE target_id = 'bj-2025-industry-energy-intensity'",
    )
    assert (kind, method) == ("official", "chained_rates")


def test_progress_official_only(demo_home_built: Path) -> None:
    result = greenstat("progress", "--official-only", "--format", "json", home=demo_home_built)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 81
    assert {r["data_kind"] for r in records} <= {"official", "derived", None}
    default = greenstat("progress", "--format", "csv", home=demo_home_built)
    kinds = {r["data_kind"] for r in csv.DictReader(default.stdout.splitlines())}
    assert "demo" in kinds and "official" in kinds


def test_site_says_what_is_published_and_what_each_target_needs(demo_home_built: Path) -> None:
    site = demo_home_built / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    official = (site / "official.html").read_text(encoding="utf-8")
    # per region: N of M targets on published figures, and the switch both ways
    assert index.count("quantifiable targets on published figures") == 3
    assert "href='official.html'" in index and "href='index.html'" in official
    assert 'class="kind demo"' not in official.split("<section", 1)[1]
    assert 'class="kind demo"' in index.split("<section", 1)[1]
    water = (site / "targets" / "cn-2025-industry-water-intensity.html").read_text("utf-8")
    assert "chained published change rates" in water and "index (2020 = 100)" in water
    assert "Published sources 公开数据来源" in water
    assert "www.cinic.org.cn/xw/tjsj/1452285.html" in water  # traceable, not linked
    demo_target = (site / "targets" / "bj-2025-industry-energy-intensity.html").read_text("utf-8")
    assert "Figures needed 所需数据" in demo_target
    assert "energy_intensity_industry_change" in demo_target and "2021-2025" in demo_target


def test_chart_never_joins_published_and_demo_years(demo_home_built: Path) -> None:
    page = demo_home_built / "site" / "targets" / "bj-2025-green-factories-national.html"
    html = page.read_text(encoding="utf-8")
    spec_text = html.split('id="spec-target-bj-2025-green-factories-national"', 1)[1]
    spec = json.loads(spec_text.split(">", 1)[1].split("</script>", 1)[0])
    rows = spec["datasets"]["rows"]
    roles = {r["kind"]: r["role"] for r in rows if r["kind"]}
    assert roles["derived"] != roles["demo"]  # two lines: a line joins one role only
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "published 公开数据 2017–2021" in subtitle and "demo 演示数据 2022–2025" in subtitle
