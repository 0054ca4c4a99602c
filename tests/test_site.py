"""The report site: dashboards, target pages, charts, exports, offline rules.

Most tests read the site that `greenstat run` built in the session's demo home; the
chart arithmetic is also tested on hand-made targets. The browser test is
tests/test_browser.py.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from dataclasses import fields
from pathlib import Path

import duckdb
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from reports import data
from reports.assets import XML_NAMESPACES, BundleError, offline_bundle
from reports.charts import DEMO_FLAG, KIND_FILLS, PALETTES, STATUS_FILLS, trajectory
from reports.data import FOCUS_REGIONS, Target, sector_group
from reports.markup import STATUSES
from reports.pages import Context
from reports.targets import display_scale, human, latest_text, required_path, target_level
from tests.conftest import greenstat

SPEC = re.compile(r'<script type="application/json" id="spec-([^"]+)">(.*?)</script>', re.S)
MAIN_CHARTS = (
    "status-CN",
    "status-CN-BJ",
    "status-CN-CQ",
    "green-manufacturing",
    "power-electricity",
    "power-wind",
    "co2-sectors",
    "target-bj-2025-green-power-imported",
)


def make_target(**kw: object) -> Target:
    """A target with every field empty unless given."""
    values: dict[str, object] = {f.name: None for f in fields(Target)}
    values.update(
        target_id="t-1",
        region_code="CN",
        source_doc="x.txt",
        clause="c",
        measure="level",
        status="no_data",
    )
    values.update(kw)
    return Target(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(demo_home_built: Path) -> Path:
    return demo_home_built / "site"


@pytest.fixture(scope="module")
def targets(demo_home_built: Path) -> list[Target]:
    with duckdb.connect(str(demo_home_built / "warehouse.duckdb"), read_only=True) as con:
        return data.targets(con)


def specs_in(page: Path) -> dict[str, dict]:
    return {cid: json.loads(text) for cid, text in SPEC.findall(page.read_text(encoding="utf-8"))}


# --- arithmetic of the trajectory ------------------------------------------------------


def test_reduction_target_becomes_a_level_of_the_indicator() -> None:
    t = make_target(
        measure="reduction_from_baseline",
        target_value=13.5,
        baseline_value=2.0,
        baseline_year=2020,
        target_year=2025,
        required_rate=(1 - 0.135) ** (1 / 5) - 1,
    )
    assert target_level(t) == pytest.approx(1.73)
    path = required_path(t)
    assert [y for y, _ in path] == list(range(2020, 2026))
    assert path[0][1] == pytest.approx(2.0) and path[-1][1] == pytest.approx(1.73)


def test_count_path_is_linear_and_peak_has_none() -> None:
    t = make_target(
        measure="cumulative_count",
        target_value=150,
        baseline_value=67,
        baseline_year=2020,
        target_year=2025,
        required_rate=16.6,
    )
    assert required_path(t)[2] == (2022, pytest.approx(67 + 2 * 16.6))
    assert required_path(make_target(measure="peak", target_year=2030)) == []
    assert target_level(make_target(measure="relational", target_value=None)) is None


def test_paths_agree_with_the_progress_mart(targets: list[Target]) -> None:
    """The chart's required path passes through the mart's expected value in the latest
    year and ends at the target: chart and status come from the same numbers."""
    checked = 0
    for t in targets:
        path = dict(required_path(t))
        if not path or t.expected_now is None or t.latest_year not in path:
            continue
        assert path[t.latest_year] == pytest.approx(t.expected_now, rel=1e-9), t.target_id
        assert path[t.target_year] == pytest.approx(target_level(t), rel=1e-9), t.target_id
        checked += 1
    assert checked >= 40


def test_figures_read_in_chinese_units() -> None:
    assert human(3.0e10, "kWh") == "300 亿 kWh"
    assert human(1.1e13, "yuan") == "11 万亿 yuan"
    assert human(57.0, "percent") == "57%"
    assert display_scale("t CO2/10k yuan", [5e6]) == (1.0, "t CO2/10k yuan")
    t = make_target(
        measure="reduction_from_baseline",
        baseline_value=2.0,
        baseline_year=2020,
        latest_value=1.8,
        latest_year=2025,
    )
    assert latest_text(t) == "−10.0% vs 2020 (2025)"


def test_sector_groups() -> None:
    assert sector_group("D44") == "power"
    assert sector_group("C31") == sector_group("C32") == "metals"
    assert sector_group("C30") == "minerals"
    assert sector_group("C36+C37") == sector_group("D45") == "other_industry"
    assert sector_group("B11+B12") == "other_industry"
    assert sector_group("G") == "transport"
    assert sector_group("A+N76") == sector_group(None) == sector_group("F+H") == "other"


def _lightness(hex_colour: str) -> float:
    """CIE L* (0 black .. 100 white): the lightness a greyscale print keeps."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def test_palettes_read_in_greyscale() -> None:
    """Neighbouring categories differ in lightness, not only in hue."""
    for name, palette in {**PALETTES, "kinds": tuple(KIND_FILLS.values())}.items():
        lum = sorted(_lightness(c) for c in palette)
        gaps = [b - a for a, b in itertools.pairwise(lum)]
        assert min(gaps) >= 8, (name, gaps)
    filled = sorted(
        _lightness(STATUS_FILLS[s]) for s in ("achieved", "on_track", "moderate", "off_track")
    )
    assert min(b - a for a, b in itertools.pairwise(filled)) >= 8


def test_demo_series_is_flagged_and_hollow() -> None:
    t = make_target(
        measure="level",
        target_value=10.0,
        baseline_year=2020,
        baseline_value=5.0,
        target_year=2025,
        required_rate=0.1487,
        status="on_track",
        data_kind="demo",
        indicator_zh="指标",
        indicator_en="Indicator",
        indicator_unit="percent",
    )
    pts = [
        data.Point(2019 + i, 5.0 + i, "percent", kind, "src", "2025", "derived:x", None)
        for i, kind in enumerate(["official", "official", "demo"])
    ]
    spec, rows = trajectory(t, pts, "中华人民共和国 China")
    validate_jsonschema(spec, load_schema())
    assert DEMO_FLAG in json.dumps(spec["title"], ensure_ascii=False)
    fills = [layer["encoding"]["fill"] for layer in spec["layer"] if "fill" in layer["encoding"]]
    assert fills and "#ffffff" in fills[0]["scale"]["range"]
    assert {r["role"] for r in rows} >= {"observed 观测值", "required path 所需路径"}


def test_offline_bundle_refuses_unknown_addresses() -> None:
    with pytest.raises(BundleError):
        offline_bundle('var a = "https://cdn.example.org/x.js";')
    js = offline_bundle('x=document.createElementNS("http://www.w3.org/2000/svg","g")')
    literal = re.search(r'createElementNS\(("[^"]*")', js)
    assert literal and json.loads(literal.group(1)) == XML_NAMESPACES[0]


def test_exports_follow_the_choice() -> None:
    ctx = Context({}, {}, {}, export_all=False)
    assert ctx.ref("x", {}, main=False).exports == ()
    assert ctx.ref("x", {}, main=True).exports == ("charts/x.png", "charts/x.svg")
    assert Context({}, {}, {}, export_all=True).ref("y", {}, main=False).exports


# --- the built site ---------------------------------------------------------------------


def test_index_has_three_dashboards_with_a_status_for_every_target(
    site: Path, targets: list[Target]
) -> None:
    html = site.joinpath("index.html").read_text(encoding="utf-8")
    for code in FOCUS_REGIONS:
        section = html.split(f"<section id='{code}'>", 1)[1].split("</section>", 1)[0]
        mine = [t for t in targets if t.region_code == code]
        assert mine
        rows = section.split("<tr>")
        for t in mine:
            row = next(r for r in rows if f"targets/{t.target_id}.html" in r)
            assert f"s-{t.status}" in row and STATUSES[t.status][0] in row, t.target_id
            assert (site / "targets" / f"{t.target_id}.html").is_file()
    assert "quality/index.html" in html and (site / "quality" / "index.html").is_file()


def test_target_page_has_clause_provenance_and_chart(site: Path, targets: list[Target]) -> None:
    t = next(t for t in targets if t.target_id == "bj-2025-green-factories-national")
    page = (site / "targets" / f"{t.target_id}.html").read_text(encoding="utf-8")
    assert "累计创建国家级绿色工厂" in page  # the clause, quoted
    assert "北京市“十四五”时期制造业绿色低碳发展行动方案" in page  # the document
    assert "miit_green_lists.csv" in page or "derived:green_factories_national" in page
    spec = specs_in(site / "targets" / f"{t.target_id}.html")[f"target-{t.target_id}"]
    roles = {r["role"] for r in spec["datasets"]["rows"]}
    assert roles >= {
        "observed 观测值",
        "baseline 基准",
        "required path 所需路径",
        "target 目标",
        "expected now 当前应达",
    }
    kinds = {r["kind"] for r in spec["datasets"]["rows"] if r["kind"]}
    assert kinds == {"derived", "demo"}  # MIIT counts to 2021, demo after


def test_every_chart_is_valid_labelled_and_has_a_table(site: Path) -> None:
    schema = load_schema()
    pages = [p for p in site.rglob("*.html") if "quality" not in p.relative_to(site).parts]
    seen = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for chart_id, spec in specs_in(page).items():
            seen += 1
            validate_jsonschema(spec, schema)
            assert "$schema" not in spec
            rows = spec["datasets"]["rows"]
            demo = any(r.get("kind") == "demo" or "demo" in str(r.get("kind_label")) for r in rows)
            text = json.dumps(spec, ensure_ascii=False)
            if chart_id.startswith("spark-"):
                assert not demo or '"demo"' in text, chart_id
                continue
            if demo:
                assert DEMO_FLAG in json.dumps(spec.get("title"), ensure_ascii=False), chart_id
            figure = html.split(f'id="fig-{chart_id}"', 1)[1].split("</figure>", 1)[0]
            assert "<details>" in figure and "<table>" in figure, (page.name, chart_id)
    assert seen > 100


def test_main_charts_exported_with_chinese_text(site: Path) -> None:
    for name in MAIN_CHARTS:
        png = site / "charts" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert png.stat().st_size > 5000, name
    svg = (site / "charts" / "status-CN-BJ.svg").read_text(encoding="utf-8")
    assert "北京市" in svg and "目标进展" in svg
    assert not list((site / "charts").glob("spark-*"))


def test_no_page_or_script_names_a_web_address(site: Path) -> None:
    """The Done-when rule, over the whole site (the quality pages included)."""
    for f in site.rglob("*"):
        if f.suffix in (".html", ".js", ".css", ".json"):
            text = f.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, f
    for page in site.rglob("*.html"):
        for ref in re.findall(r'(?:src|href)=["\']([^"\']+)', page.read_text(encoding="utf-8")):
            assert "//" not in ref, (page, ref)
    vega = (site / "assets" / "vega.js").read_text(encoding="utf-8")
    assert '"http:\\/\\/www.w3.org\\/2000\\/svg"' in vega  # the SVG namespace kept, escaped


def test_rebuild_removes_stale_pages_and_exports(demo_home: Path) -> None:
    site = demo_home / "site"
    (site / "targets" / "gone-2020-target.html").write_text("old", encoding="utf-8")
    (site / "charts" / "target-gone.png").write_bytes(b"old")
    result = greenstat("report", home=demo_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " pages, " in result.stdout and "exported to PNG and SVG" in result.stdout
    assert not (site / "targets" / "gone-2020-target.html").exists()
    assert not (site / "charts" / "target-gone.png").exists()
    assert (site / "charts" / "status-CN.png").exists()


def test_site_copied_elsewhere_still_links(site: Path, tmp_path: Path) -> None:
    """Relative links only: a copy of the folder works where it lands."""
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    for page in [copy / "index.html", *copy.glob("targets/*.html")]:
        for ref in re.findall(r'(?:src|href)=["\']([^"\'#]+)', page.read_text(encoding="utf-8")):
            assert (page.parent / ref).resolve().exists(), (page.name, ref)


def test_site_builds_on_an_empty_warehouse(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Before any data arrives (reference tables only) the site still builds and says so."""
    from reports.site import build

    result = build(con, tmp_path / "site")
    index = result.index.read_text(encoding="utf-8")
    assert "<section id='CN-BJ'>" in index and "targets/" not in index
    assert result.quality_summary.is_file()


def test_vega_bundle_is_built_once_and_an_altered_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports import assets

    calls: list[int] = []
    monkeypatch.setattr(assets.vlc, "javascript_bundle", lambda: calls.append(1) or "/* v */")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = assets.write_vega_bundle(tmp_path / "home1" / "assets")
    second = assets.write_vega_bundle(tmp_path / "home2" / "assets")
    assert len(calls) == 1 and first.read_bytes() == second.read_bytes()
    (cached,) = (tmp_path / "cache" / "greenstat").glob("vega-*.js")
    cached.write_text(cached.read_text() + 'fetch("https://cdn.example/x.js");')
    third = assets.write_vega_bundle(tmp_path / "home3" / "assets")
    assert len(calls) == 2 and "https://" not in third.read_text()
