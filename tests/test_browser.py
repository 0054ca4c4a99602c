"""The report site in a real browser: Debian's headless chromium with the network off.

Every HTML page under the demo home's site (the quality pages and Data Docs
included) must load with no console error or warning and no request leaving the
machine, and draw each of its charts as SVG. Chromium (and a CJK font) is installed
with apt-get when missing; if that fails the tests fail in CI
(GREENSTAT_REQUIRE_SHARED_DATA=1, set by .ci/run) and are skipped with the reason
elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.browser import Browser, BrowserUnavailable, ensure_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        return ensure_chromium()
    except BrowserUnavailable as exc:
        if os.environ.get("GREENSTAT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"the browser tests need chromium: {exc}")
        pytest.skip(f"the browser tests need chromium: {exc}")


@pytest.fixture(scope="module")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _target_count(home: Path) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "SELECT count(*) FROM marts.indicator_progress "
            "WHERE region_code IN ('CN', 'CN-BJ', 'CN-CQ')"
        ).fetchall()
    return int(rows[0][0])


def test_every_page_loads_offline_and_draws_its_charts(
    browser: Browser, demo_home_built: Path
) -> None:
    site = demo_home_built / "site"
    pages = sorted(site.rglob("*.html"))
    names = {p.relative_to(site).as_posix() for p in pages}
    assert {
        "index.html",
        "green-manufacturing.html",
        "green-power.html",
        "co2-sectors.html",
        "quality/index.html",
    } <= names
    assert sum(n.startswith("targets/") for n in names) == _target_count(demo_home_built)
    problems: list[str] = []
    drawn = 0
    for page in pages:
        report = browser.visit(page.as_uri())
        problems += report.problems()
        drawn += report.drawn
        if page == site / "index.html":
            assert report.charts == report.drawn > 3, report
    assert not problems, "\n".join(problems[:40])
    assert drawn > 150


def test_dashboard_shows_every_status_and_is_screenshotted(
    browser: Browser, demo_home_built: Path, tmp_path: Path
) -> None:
    report = browser.visit((demo_home_built / "site" / "index.html").as_uri())
    assert not report.problems()
    statuses = browser.evaluate("document.querySelectorAll('section[id] tbody .status').length")
    assert statuses == _target_count(demo_home_built)
    dashboards = browser.evaluate(
        "JSON.stringify(Array.from(document.querySelectorAll('section[id]')).map(s => s.id))"
    )
    assert json.loads(str(dashboards)) == ["CN", "CN-BJ", "CN-CQ"]
    shot = browser.screenshot(tmp_path / "dashboard.png")
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width == 1280 and height > 900
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one


def test_harness_reports_outside_requests_and_console_errors(
    browser: Browser, tmp_path: Path
) -> None:
    """The checks above would catch a CDN script, a remote image and a console error."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html><body><script src="https://cdn.example.org/vega.js"></script>'
        '<img src="http://203.0.113.5/x.png"><script>console.error("boom")</script>'
        "</body></html>",
        encoding="utf-8",
    )
    report = browser.visit(page.as_uri())
    assert any("cdn.example.org" in u for u in report.outside_requests)
    assert any("203.0.113.5" in u for u in report.outside_requests)
    assert any("boom" in m for m in report.console_errors)


def test_harness_reports_a_chart_that_does_not_draw(
    browser: Browser, demo_home_built: Path, tmp_path: Path
) -> None:
    shutil.copytree(demo_home_built / "site" / "assets", tmp_path / "assets")
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html><body><div id="chart-bad" data-vega-spec="spec-bad"></div>'
        '<script type="application/json" id="spec-bad">{"mark": {"type": "nonsense"}, '
        '"data": {"values": [{"a": 1}]}}</script>'
        '<script src="assets/vega.js"></script><script src="assets/site.js"></script>'
        "</body></html>",
        encoding="utf-8",
    )
    report = browser.visit(page.as_uri())
    assert report.undrawn == ["chart-bad"]
    assert report.console_errors
