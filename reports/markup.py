"""HTML building blocks shared by every page of the report site.

Pages are plain strings: no template engine, nothing fetched. Every page carries the
same navigation and the same data-kind legend, so a reader never meets a figure
without knowing whether it is official, derived or demo.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

# One font list for pages and charts: the CJK families first so Chinese never falls
# back to boxes where a CJK font is installed.
FONT_STACK = (
    '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",'
    '"WenQuanYi Micro Hei",system-ui,sans-serif'
)

CSS = (
    """
body{font-family:"""
    + FONT_STACK
    + """;margin:0;color:#1b1b1b;line-height:1.45}
main{margin:1.2rem 2rem 3rem;max-width:78rem}
nav.site{background:#1b1b1b;color:#fff;padding:.5rem 2rem;font-size:.92rem}
nav.site a{color:#fff;margin-right:1.1rem;text-decoration:none;border-bottom:2px solid transparent}
nav.site a.here{border-bottom-color:#fff;font-weight:700}
h1{margin:.4rem 0 .2rem}h2{border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th{background:#e8e8e8}
caption{caption-side:top;text-align:left;font-size:.85rem;color:#444;padding:.2rem 0}
.kind{display:inline-block;padding:0 .35rem;border:1px solid #333;border-radius:3px;
font-size:.75rem;font-weight:600;white-space:nowrap}
.official{background:#fff}.derived{background:#ddd}.demo{background:#333;color:#fff}
.fail{font-weight:700;text-decoration:underline}.muted{color:#555}
.status{display:inline-block;padding:0 .4rem;border:1px solid #333;border-radius:3px;
white-space:nowrap;font-size:.85rem}
.s-achieved{background:#1b1b1b;color:#fff}.s-on_track{background:#555;color:#fff}
.s-moderate{background:#aaa}.s-off_track{background:#fff;border-style:dashed}
.s-deteriorating{background:#fff;border-width:2px;font-weight:700}
.s-no_data{background:#eee;color:#555}.s-not_quantifiable{background:#fff;color:#555}
.banner{border:2px solid #1b1b1b;padding:.5rem .8rem;margin:.8rem 0;background:#f3f3f3}
figure.chart{margin:1rem 0 1.6rem;padding:0}
figure.chart figcaption{font-size:.85rem;color:#444;margin-top:.2rem}
div.vega{min-height:2rem}
td.trend{padding:0 .3rem;vertical-align:middle}td.trend div.vega{min-height:1.6rem}
details{margin:.3rem 0}summary{cursor:pointer;font-size:.9rem}
blockquote.clause{border-left:4px solid #333;margin:.6rem 0;padding:.3rem .8rem;
background:#f6f6f6;white-space:pre-wrap}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;font-size:.92rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.grid2{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
footer{margin-top:3rem;font-size:.8rem;color:#555}
"""
)

KINDS = ("official", "derived", "demo")

# Status marks: a symbol and words, so a status reads without colour.
STATUSES: dict[str, tuple[str, str, str]] = {
    "achieved": ("✔", "achieved", "已实现"),
    "on_track": ("▲", "on track", "进展顺利"),
    "moderate": ("◆", "moderate", "进展一般"),
    "off_track": ("▼", "off track", "进展滞后"),
    "deteriorating": ("✖", "deteriorating", "逆向变化"),
    "no_data": ("○", "no data", "暂无数据"),
    "not_quantifiable": ("–", "not quantifiable", "不可量化"),
}


def e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def num(value: float | None, digits: int = 2) -> str:
    """Thousands separators; large figures without decimals (they are counts or sums)."""
    if value is None:
        return "—"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def kind_badge(kind: str | None) -> str:
    if not kind:
        return ""
    return f'<span class="kind {e(kind)}">{e(kind)}</span>'


def status_label(status: str) -> str:
    mark, en, zh = STATUSES.get(status, ("?", status, status))
    return f"{mark} {en} {zh}"


def status_badge(status: str) -> str:
    return f'<span class="status s-{e(status)}">{e(status_label(status))}</span>'


def _td(cell: str | tuple[str, str]) -> str:
    """Numbers right-aligned so digits line up; text left; (html, class) for a class."""
    if isinstance(cell, tuple):
        return f"<td class='{cell[1]}'>{cell[0]}</td>"
    plain = (
        cell.replace(",", "")
        .replace(".", "")
        .replace("—", "")
        .replace("-", "")
        .replace("+", "")
        .replace("%", "")
        .strip()
    )
    return f"<td class='n'>{cell}</td>" if plain.isdigit() or cell == "—" else f"<td>{cell}</td>"


def table(
    headers: list[str], rows: list[list[str]] | list[list[str | tuple[str, str]]], caption: str = ""
) -> str:
    """A table of already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_td(c) for c in r) + "</tr>" for r in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def json_script(element_id: str, payload: object) -> str:
    """JSON inside a non-executed script element; '</' escaped so no text ends it early."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{e(element_id)}">{text}</script>'


@dataclass(frozen=True)
class ChartRef:
    """A chart placed on a page: its id, Vega-Lite spec and the files it was exported to."""

    chart_id: str
    spec: dict
    exports: tuple[str, ...] = ()


def chart_figure(
    chart: ChartRef, table_html: str, caption: str = "", root: str = "", small: bool = False
) -> str:
    """A chart with its table behind it (a <details>), and links to its PNG/SVG exports."""
    links = " · ".join(
        f'<a href="{e(root + path)}">{e(Path(path).suffix[1:].upper())}</a>'
        for path in chart.exports
    )
    exports = f" Exported: {links}." if links else ""
    label = chart.spec.get("description", chart.chart_id)
    return (
        f'<figure class="chart" id="fig-{e(chart.chart_id)}">'
        + chart_div(chart, small=small)
        + json_script(f"spec-{chart.chart_id}", chart.spec)
        + f"<figcaption>{caption}{exports}</figcaption>"
        + f"<details><summary>Table 数据表 · {e(label)}</summary>{table_html}</details>"
        + "</figure>"
    )


def chart_div(chart: ChartRef, small: bool = False) -> str:
    """The element site.js renders the chart into (the spec sits in its own script)."""
    actions = "false" if small else "export"
    label = chart.spec.get("description", chart.chart_id)
    return (
        f'<div class="vega" id="chart-{e(chart.chart_id)}" role="img" '
        f'aria-label="{e(label)}" data-vega-spec="spec-{e(chart.chart_id)}" '
        f'data-actions="{actions}"></div>'
    )


NAV = (
    ("index.html", "Dashboards 仪表板"),
    ("green-manufacturing.html", "Green manufacturing 绿色制造"),
    ("green-power.html", "Green power 绿色电力"),
    ("co2-sectors.html", "Sector CO2 分行业排放"),
    ("indicators.html", "Indicators 指标"),
    ("sources.html", "Sources & revisions 来源与修订"),
    ("quality/index.html", "Quality summary 质量摘要"),
)


def page(title: str, body: str, *, root: str = "", here: str = "", generated: str = "") -> str:
    """A whole document: nav, kind legend, body, and the shared scripts (relative paths,
    so the site works from disk and from any folder it is copied to)."""
    nav = "".join(
        f'<a href="{root}{href}"{" class=here" if href == here else ""}>{e(label)}</a>'
        for href, label in NAV
    )
    has_charts = "data-vega-spec=" in body
    noscript = (
        "<noscript><p class='banner'>Charts need JavaScript; every chart's figures are in "
        "the table under it. 图表需要 JavaScript；数据见图下表格。</p></noscript>"
        if has_charts
        else ""
    )
    scripts = (
        f'<script src="{root}assets/vega.js"></script><script src="{root}assets/site.js"></script>'
        if has_charts
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · greenstat</title><style>{CSS}</style></head>
<body><nav class="site">{nav}</nav><main>
<h1>{e(title)}</h1>
<p class="muted">Data kinds 数据性质: {kind_badge("official")} as published 官方发布,
{kind_badge("derived")} computed from official figures 推算, {kind_badge("demo")} generated
by greenstat, not real statistics 演示数据 (a figure computed from demo data is demo too).
In charts, demo points are hollow and the title says DEMO.</p>
{noscript}{body}
<footer>greenstat report site · generated {e(generated)} · works offline, no external
resources.</footer></main>{scripts}</body></html>
"""


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
