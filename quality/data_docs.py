"""Data Docs for statisticians, offline: every suite and its latest validations.

The pages are rendered from the GX-format results stored with each check in
``quality.check_results.gx_result`` (GX's ExpectationValidationResult JSON), grouped into
GX ExpectationSuiteValidationResults, one per table, partition and run; each result's
JSON is written beside its page, so GX can load it. The layout follows GX Data Docs
(an index, a page per validation with the expectations grouped by column, a page per
suite), but the HTML is rendered here: GX's renderer costs about 5 s of import and
2 s of rendering for this warehouse, and its templates load Bootstrap, jQuery,
Font Awesome and Vega from CDNs. Here styles and the few scripts are inline, charts
are inline SVG, and no page holds an http(s) address (a test asserts it).

Rows written without a GX result (plain SQL checks recorded by other code) are shown as
GX's ``unexpected_rows_expectation``: a query that lists the rows breaking a rule.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from quality.expectations import condition_sql, gx_version, suite_result
from quality.suites import SUITE_TABLES, suite_for

# Latest validation per table and partition, and the runs listed in the history.
HISTORY_RUNS = 20

_CSS = """
:root{--ok:#1e7b34;--bad:#b3261e;--warn:#9a6700;--line:#d8dee4;--muted:#57606a;
--bg:#f6f8fa;--accent:#0b5cad}
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328;line-height:1.45}
header.top{background:#24292f;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.5rem;
align-items:baseline;flex-wrap:wrap}
header.top a{color:#fff;text-decoration:none}header.top .brand{font-weight:600;font-size:1.1rem}
header.top .crumbs{color:#d0d7de}
main{padding:1rem 1.5rem 3rem;max-width:1400px}
h1{font-size:1.5rem;margin:.6rem 0}
h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);
padding-bottom:.25rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
a{color:var(--accent)}
.muted{color:var(--muted)}.small{font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600;cursor:default}
th.sortable{cursor:pointer}th.sortable:after{content:" \\2195";color:var(--muted)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fff5f5}tr.warned td{background:#fffbea}
.badge{display:inline-block;border-radius:1em;padding:0 .55em;font-size:.78rem;
font-weight:600;white-space:nowrap;border:1px solid transparent}
.b-ok{background:#dafbe1;color:var(--ok)}.b-bad{background:#ffebe9;color:var(--bad)}
.b-warn{background:#fff8c5;color:var(--warn)}.b-info{background:#ddf4ff;color:var(--accent)}
.b-muted{background:var(--bg);color:var(--muted);border-color:var(--line)}
.icon-ok:before{content:"\\2714";color:var(--ok);font-weight:700}
.icon-bad:before{content:"\\2718";color:var(--bad);font-weight:700}
.icon-warn:before{content:"\\26A0";color:var(--warn)}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:.6rem 0 1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:9rem;
background:#fff}
.card .v{font-size:1.4rem;font-weight:600}.card .k{color:var(--muted);font-size:.8rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
pre{background:var(--bg);border:1px solid var(--line);padding:.5rem;overflow:auto;
white-space:pre-wrap;margin:.3rem 0}
details summary{cursor:pointer;color:var(--accent)}
.toolbar{margin:.5rem 0;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.toolbar button{border:1px solid var(--line);background:#fff;border-radius:4px;
padding:.2rem .7rem;cursor:pointer}
.toolbar button.on{background:var(--accent);color:#fff;border-color:var(--accent)}
.toolbar input{border:1px solid var(--line);border-radius:4px;padding:.2rem .5rem;min-width:16rem}
body.failed-only tr.passed{display:none}
body.failed-only section.all-passed{display:none}
.bar{display:inline-block;vertical-align:middle}
nav.toc{columns:3 16rem;font-size:.88rem;margin:.5rem 0}
nav.toc a{display:block}
.why{color:var(--muted);font-size:.85rem;margin-top:.2rem}
@media print{.toolbar{display:none}}
"""

# Sorting and filtering of tables, and the "failed only" switch: a few lines of plain
# JavaScript instead of jQuery and bootstrap-table. Pages read fine without it.
_JS = """
(function(){
function cell(r,i){var c=r.cells[i];return c?(c.getAttribute('data-v')||c.textContent).trim():''}
document.querySelectorAll('table.sortable').forEach(function(t){
 var head=t.tHead;if(!head)return;
 Array.prototype.forEach.call(head.rows[0].cells,function(th,i){
  th.classList.add('sortable');var asc=true;
  th.addEventListener('click',function(){
   var rows=Array.prototype.slice.call(t.tBodies[0].rows);
   rows.sort(function(a,b){var x=cell(a,i),y=cell(b,i),nx=parseFloat(x),ny=parseFloat(y);
    var r=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?r:-r});
   asc=!asc;rows.forEach(function(r){t.tBodies[0].appendChild(r)});});});});
document.querySelectorAll('input[data-filter]').forEach(function(inp){
 var t=document.getElementById(inp.getAttribute('data-filter'));
 inp.addEventListener('input',function(){var q=inp.value.toLowerCase();
  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){
   r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':''});});});
document.querySelectorAll('button[data-show]').forEach(function(b){
 b.addEventListener('click',function(){
  document.body.classList.toggle('failed-only',b.getAttribute('data-show')==='failed');
  document.querySelectorAll('button[data-show]').forEach(function(o){o.classList.toggle('on',o===b)});});});
})();
"""

_URL = re.compile(r"https?://[^\s\"'<>)]*", re.IGNORECASE)


def offline(text: str) -> str:
    """Remove every web address: offline pages must not point to the network."""
    return _URL.sub("[address removed]", text)


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _slug(text: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text) if text else "all"


def validation_page(table: str, partition: str | None) -> str:
    """The page of a table's latest validation, relative to the Data Docs index."""
    return f"validations/{table}/{_slug(partition)}.html"


def suite_page(table: str) -> str:
    """The page of a table's expectation suite, relative to the Data Docs index."""
    return f"expectations/{table}.html"


# --- reading the results -------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """One table, partition and run: GX's ExpectationSuiteValidationResult."""

    table: str
    partition: str | None
    run_id: str | None
    checked_at: dt.datetime
    results: tuple[dict[str, Any], ...]
    severities: tuple[str, ...]  # blocking | warning, per result

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r["success"])

    @property
    def failed_blocking(self) -> int:
        return sum(
            1
            for r, s in zip(self.results, self.severities, strict=True)
            if not r["success"] and s == "blocking"
        )

    def gx(self) -> dict[str, Any]:
        return suite_result(
            self.table,
            list(self.results),
            run_id=self.run_id,
            checked_at=self.checked_at,
            partition=self.partition,
            table=self.table,
        )


def _synthetic(row: Mapping[str, Any]) -> dict[str, Any]:
    """A GX result for a check recorded without one (plain SQL, written elsewhere)."""
    return {
        "success": bool(row["passed"]),
        "expectation_config": {
            "type": "unexpected_rows_expectation",
            "kwargs": {"unexpected_rows_query": row["rows_query"] or ""},
            "description": row["check_name"],
            "severity": "critical" if row["severity"] == "blocking" else "warning",
            "meta": {"origin": "sql", "check": row["check_name"]},
        },
        "result": {"observed_value": row["observed"]},
        "meta": {
            "check_name": row["check_name"],
            "partition": row["partition"],
            "run_id": row["run_id"],
            "rows_query": row["rows_query"],
            "threshold": row["threshold"],
        },
        "exception_info": {"raised_exception": False},
    }


def latest_validations(con: duckdb.DuckDBPyConnection) -> list[Validation]:
    """The newest run of every table and partition, each check once (its latest row)."""
    cur = con.execute(
        """WITH latest AS (
             SELECT table_name, partition, arg_max(run_id, checked_at) AS run_id,
                    max(checked_at) AS checked_at
             FROM quality.check_results GROUP BY table_name, partition)
           SELECT r.check_name, r.table_name, r.partition, r.run_id, r.severity, r.passed,
                  r.observed, r.threshold, r.rows_query, r.checked_at, r.gx_result
           FROM quality.check_results r
           JOIN latest l ON l.table_name = r.table_name
                        AND l.partition IS NOT DISTINCT FROM r.partition
                        AND l.run_id IS NOT DISTINCT FROM r.run_id
           QUALIFY row_number() OVER (PARTITION BY r.table_name, r.partition, r.check_name
                                      ORDER BY r.checked_at DESC) = 1
           ORDER BY r.table_name, r.partition NULLS FIRST, r.checked_at, r.check_name"""
    )
    cols = [d[0] for d in cur.description or []]
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for values in cur.fetchall():
        row = dict(zip(cols, values, strict=True))
        groups[(row["table_name"], row["partition"])].append(row)
    out = []
    for (table, partition), rows in groups.items():
        results = []
        for row in rows:
            gx = json.loads(row["gx_result"]) if row["gx_result"] else _synthetic(row)
            gx.setdefault("meta", {})
            gx["meta"].setdefault("observed", row["observed"])
            gx["meta"].setdefault("threshold", row["threshold"])
            gx["meta"].setdefault("rows_query", row["rows_query"])
            gx["meta"].setdefault("check_name", row["check_name"])
            results.append(gx)
        out.append(
            Validation(
                table,
                partition,
                rows[-1]["run_id"],
                max(r["checked_at"] for r in rows),
                tuple(results),
                tuple(r["severity"] for r in rows),
            )
        )
    return out


def run_history(con: duckdb.DuckDBPyConnection, limit: int = HISTORY_RUNS) -> list[tuple]:
    return con.execute(
        """SELECT run_id, min(checked_at), max(checked_at), count(*),
                  count(*) FILTER (WHERE NOT passed AND severity = 'blocking'),
                  count(*) FILTER (WHERE NOT passed AND severity = 'warning'),
                  count(DISTINCT table_name)
           FROM quality.check_results GROUP BY run_id
           ORDER BY max(checked_at) DESC LIMIT ?""",
        [limit],
    ).fetchall()


# --- expectations in words -------------------------------------------------------------


def _values(values: Sequence[Any], limit: int = 12) -> str:
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", … ({len(values)} values)" if len(values) > limit else "")


def describe(config: Mapping[str, Any]) -> str:
    """An expectation as a sentence (GX's prescriptive rendering, shortened)."""
    t, kw = config.get("type", ""), config.get("kwargs") or {}
    col = kw.get("column")
    if t == "expect_column_values_to_not_be_null":
        text = f"{col} is never null"
    elif t == "expect_column_values_to_be_null":
        text = f"{col} is always null"
    elif t == "expect_column_values_to_be_in_set":
        text = f"{col} is one of: {_values(kw.get('value_set') or [])}"
    elif t == "expect_column_values_to_not_be_in_set":
        text = f"{col} is none of: {_values(kw.get('value_set') or [])}"
    elif t in ("expect_column_values_to_be_between", "expect_table_row_count_to_be_between"):
        subject = "the number of rows" if t.startswith("expect_table") else col
        lo, hi = kw.get("min_value"), kw.get("max_value")
        if lo is not None and hi is not None:
            text = f"{subject} is between {lo} and {hi}"
        elif lo is not None:
            text = f"{subject} is at least {lo}"
        else:
            text = f"{subject} is at most {hi}"
    elif t == "expect_column_values_to_match_regex":
        text = f"{col} matches the pattern {kw.get('regex')}"
    elif t == "expect_column_pair_values_a_to_be_greater_than_b":
        op = "greater than or equal to" if kw.get("or_equal") else "greater than"
        text = f"{kw.get('column_A')} is {op} {kw.get('column_B')}"
    elif t == "expect_column_values_to_be_of_type":
        text = f"{col} is of type {kw.get('type_')}"
    elif t == "expect_column_values_to_be_unique":
        text = f"{col} is unique"
    elif t == "expect_compound_columns_to_be_unique":
        text = f"({', '.join(kw.get('column_list') or [])}) is unique"
    elif t == "unexpected_rows_expectation":
        text = str(config.get("description") or "the query returns no row")
    else:
        text = t.replace("_", " ")
    if kw.get("row_condition"):
        cond = condition_sql(kw["row_condition"]).replace('"', "")
        text += " where " + (cond[1:-1] if cond.startswith("(") and cond.endswith(")") else cond)
    mostly = kw.get("mostly")
    if mostly is not None and mostly < 1:
        text += f", for at least {mostly:.0%} of rows"
    return text


def _column_of(config: Mapping[str, Any]) -> str:
    kw = config.get("kwargs") or {}
    if kw.get("column"):
        return str(kw["column"])
    if kw.get("column_A"):
        return f"{kw['column_A']}, {kw['column_B']}"
    return ""


def _severity_badge(severity: str) -> str:
    if severity in ("critical", "blocking"):
        return "<span class='badge b-bad'>blocking</span>"
    return "<span class='badge b-warn'>warning</span>"


def _origin_badge(meta: Mapping[str, Any]) -> str:
    origin = meta.get("origin", "sql")
    label = {"derived": "derived", "hand": "hand-written", "sql": "SQL check"}.get(origin, origin)
    cls = {"derived": "b-muted", "hand": "b-info"}.get(origin, "b-muted")
    return f"<span class='badge {cls}'>{_e(label)}</span>"


# --- pages ---------------------------------------------------------------------------------


def _page(title: str, body: str, depth: int, crumbs: str = "") -> str:
    up = "../" * depth
    return offline(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)} · Data Docs</title><style>{_CSS}</style></head><body>"
        f"<header class='top'><a class='brand' href='{up}index.html'>greenstat Data Docs "
        f"数据文档</a><span class='crumbs'>{crumbs}</span>"
        f"<a href='{up}../index.html'>Quality summary 质量摘要</a>"
        f"<a href='{up}../../index.html'>Report site 报告首页</a></header>"
        f"<main>{body}</main><script>{_JS}</script></body></html>"
    )


def _bar(passed: int, warned: int, blocked: int, width: int = 140) -> str:
    """A stacked bar (inline SVG): passed, failed warnings, failed blocking rules."""
    total = passed + warned + blocked
    if not total:
        return ""
    x, parts = 0.0, []
    for n, colour, what in (
        (passed, "#2da44e", "passed"),
        (warned, "#d4a72c", "warnings failed"),
        (blocked, "#cf222e", "blocking failed"),
    ):
        w = width * n / total
        if w:
            parts.append(
                f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='12' fill='{colour}'>"
                f"<title>{n} {what}</title></rect>"
            )
        x += w
    return (
        f"<svg class='bar' width='{width}' height='12' role='img' "
        f"aria-label='{passed} passed, {warned} warnings, {blocked} blocking failed'>"
        f"{''.join(parts)}</svg>"
    )


def _fmt_time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def _observed_cell(r: Mapping[str, Any]) -> str:
    res = r.get("result") or {}
    meta = r.get("meta") or {}
    text = _e(meta.get("observed") or res.get("observed_value", ""))
    counts = res.get("partial_unexpected_counts") or []
    rows = (res.get("details") or {}).get("unexpected_rows") or []
    extra = ""
    if counts:
        body = "".join(
            f"<tr><td>{_e(json.dumps(c['value'], ensure_ascii=False, default=str))}</td>"
            f"<td class='num'>{_e(c['count'])}</td></tr>"
            for c in counts
        )
        extra = (
            "<details><summary>unexpected values</summary><table><thead><tr><th>value</th>"
            f"<th class='num'>rows</th></tr></thead><tbody>{body}</tbody></table></details>"
        )
    elif rows:
        cols = list(rows[0])
        head = "".join(f"<th>{_e(c)}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(row.get(c))}</td>" for c in cols) + "</tr>" for row in rows
        )
        extra = (
            f"<details><summary>first {len(rows)} unexpected rows</summary>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
        )
    err = (r.get("exception_info") or {}).get("exception_message")
    if err:
        extra += f"<div class='badge b-bad'>error</div> <code>{_e(err)}</code>"
    return text + extra


def _short_name(check_name: str, table: str) -> str:
    return check_name.removeprefix(table + ".")


def _validation_page(v: Validation) -> str:
    by_col: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
    for r, sev in zip(v.results, v.severities, strict=True):
        by_col[_column_of(r.get("expectation_config") or {})].append((r, sev))
    sections = []
    for col in sorted(by_col, key=lambda c: (c != "", c)):
        items = by_col[col]
        rows = []
        for r, sev in items:
            cfg = r.get("expectation_config") or {}
            meta = r.get("meta") or {}
            cfg_meta = cfg.get("meta") or {}
            ok = bool(r.get("success"))
            state = "passed" if ok else ("failed" if sev == "blocking" else "warned")
            icon = "icon-ok" if ok else ("icon-bad" if sev == "blocking" else "icon-warn")
            why = f"<div class='why'>{_e(cfg_meta['why'])}</div>" if cfg_meta.get("why") else ""
            query = meta.get("rows_query")
            query_html = (
                f"<details><summary>rows involved (SQL)</summary><pre>{_e(query)}</pre></details>"
                if query
                else ""
            )
            rows.append(
                f"<tr class='{state}'><td data-v='{int(ok)}'><span class='{icon}'></span></td>"
                f"<td>{_e(_short_name(meta.get('check_name', ''), v.table))}<br>"
                f"{_severity_badge(sev)} "
                f"{_origin_badge(cfg_meta)}</td>"
                f"<td>{_e(describe(cfg))}{why}<div class='small muted'>{_e(cfg.get('type'))}"
                f"</div></td><td>{_observed_cell(r)}</td><td>{_e(meta.get('threshold', ''))}"
                f"{query_html}</td></tr>"
            )
        all_ok = all(r.get("success") for r, _ in items)
        title = f"Column {col}" if col else "Table-level expectations"
        anchor = _slug(col or "table")
        sections.append(
            f"<section id='c-{anchor}' class='{'all-passed' if all_ok else ''}'>"
            f"<h3>{_e(title)}</h3><table class='sortable'><thead><tr><th>Status</th>"
            "<th>Check</th><th>Expectation</th><th>Observed</th><th>Expected</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>"
        )
    n = len(v.results)
    ok = n - v.failed
    part = v.partition or "whole table"
    cards = (
        "<div class='cards'>"
        f"<div class='card'><div class='k'>Status</div><div class='v'>"
        f"{'Succeeded' if not v.failed else 'Failed'}</div></div>"
        f"<div class='card'><div class='k'>Evaluated expectations</div><div class='v'>{n}"
        f"</div></div><div class='card'><div class='k'>Successful</div><div class='v'>{ok}"
        f"</div></div><div class='card'><div class='k'>Failed: blocking / warning</div>"
        f"<div class='v'>{v.failed_blocking} / {v.failed - v.failed_blocking}</div></div>"
        f"<div class='card'><div class='k'>Success</div><div class='v'>"
        f"{100 * ok / n if n else 100:.0f}%</div></div></div>"
    )
    toc = "".join(
        f"<a href='#c-{_slug(c or 'table')}'>{_e(c or 'table-level')}</a>" for c in sorted(by_col)
    )
    body = (
        f"<h1>Validation: {_e(v.table)} <span class='muted'>[{_e(part)}]</span></h1>"
        f"<p class='muted'>Run <code>{_e(v.run_id or 'none')}</code>, checked "
        f"{_e(_fmt_time(v.checked_at))}. Suite: <a href='../../{suite_page(v.table)}'>"
        f"{_e(v.table)}</a>. GX result JSON: <a href='{_slug(v.partition)}.json'>"
        f"{_slug(v.partition)}.json</a>.</p>{cards}"
        "<div class='toolbar'><button data-show='all' class='on'>Show all</button>"
        "<button data-show='failed'>Failed only</button></div>"
        f"<nav class='toc'>{toc}</nav>{''.join(sections)}"
    )
    return _page(f"{v.table} [{part}]", body, 2, _e(f"{v.table} [{part}]"))


def _suite_page(name: str) -> str:
    suite = suite_for(name)
    by_col: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in suite.expectations:
        cfg = e.to_json()
        by_col[_column_of(cfg)].append(cfg)
    sections = []
    for col in sorted(by_col, key=lambda c: (c != "", c)):
        rows = "".join(
            f"<tr><td>{_e(cfg['meta'].get('check'))}</td><td>{_severity_badge(cfg['severity'])}"
            f" {_origin_badge(cfg['meta'])}</td><td>{_e(describe(cfg))}"
            + (f"<div class='why'>{_e(cfg['meta']['why'])}</div>" if cfg["meta"].get("why") else "")
            + (
                f"<details><summary>SQL</summary><pre>{_e(cfg['kwargs']['unexpected_rows_query'])}"
                "</pre></details>"
                if cfg["type"] == "unexpected_rows_expectation"
                else ""
            )
            + f"</td><td><code>{_e(cfg['type'])}</code></td></tr>"
            for cfg in by_col[col]
        )
        title = f"Column {col}" if col else "Table-level expectations"
        sections.append(
            f"<h3>{_e(title)}</h3><table><thead><tr><th>Check</th><th>Kind</th>"
            f"<th>Expectation</th><th>GX type</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    table_desc = suite.meta.get("table") or {}
    derived = sum(1 for e in suite.expectations if e.meta.get("origin") == "derived")
    body = (
        f"<h1>Expectation suite: {_e(name)}</h1><p>{_e(table_desc.get('en'))} · "
        f"{_e(table_desc.get('zh'))}</p><p class='muted'>{len(suite.expectations)} expectations: "
        f"{derived} derived from <code>warehouse/tables.py</code>, "
        f"{len(suite.expectations) - derived} written by hand. Source: "
        f"<code>quality/suites/{_e(name)}.json</code> (GX {_e(gx_version())} format; "
        f"<a href='{_e(name)}.json'>copy</a>).</p>{''.join(sections)}"
    )
    return _page(f"suite {name}", body, 1, _e(f"suite {name}"))


def _index(validations: Sequence[Validation], history: Sequence[tuple]) -> str:
    rows = []
    for v in validations:
        n = len(v.results)
        warned = v.failed - v.failed_blocking
        state = (
            "<span class='badge b-bad'>blocking failed</span>"
            if v.failed_blocking
            else "<span class='badge b-warn'>warnings</span>"
            if warned
            else "<span class='badge b-ok'>passed</span>"
        )
        cls = "failed" if v.failed_blocking else "warned" if warned else "passed"
        rows.append(
            f"<tr class='{cls}'><td><a href='{validation_page(v.table, v.partition)}'>"
            f"{_e(v.table)}</a></td><td>{_e(v.partition or 'whole table')}</td>"
            f"<td data-v='{v.failed_blocking * 1000 + warned}'>{state}</td>"
            f"<td class='num'>{n}</td><td class='num'>{v.failed_blocking}</td>"
            f"<td class='num'>{warned}</td>"
            f"<td>{_bar(n - v.failed, warned, v.failed_blocking)}</td>"
            f"<td class='small'>{_e(_fmt_time(v.checked_at))}</td>"
            f"<td class='small'><code>{_e((v.run_id or 'none')[:8])}</code></td></tr>"
        )
    suites = []
    for t in SUITE_TABLES:
        try:
            s = suite_for(t)
        except FileNotFoundError:
            continue
        hand = sum(1 for e in s.expectations if e.meta.get("origin") == "hand")
        suites.append(
            f"<tr><td><a href='{suite_page(t.qualified)}'>{_e(t.qualified)}</a></td>"
            f"<td>{_e(t.en)}<br><span class='muted'>{_e(t.zh)}</span></td>"
            f"<td class='num'>{len(s.expectations)}</td><td class='num'>{hand}</td></tr>"
        )
    runs = "".join(
        f"<tr><td><code>{_e(run_id or 'none')}</code></td><td>{_e(_fmt_time(first))}</td>"
        f"<td>{_e(_fmt_time(last))}</td><td class='num'>{tables}</td><td class='num'>{n}</td>"
        f"<td class='num'>{blocked}</td><td class='num'>{warned}</td></tr>"
        for run_id, first, last, n, blocked, warned, tables in history
    )
    total = sum(len(v.results) for v in validations)
    failed_b = sum(v.failed_blocking for v in validations)
    failed_w = sum(v.failed - v.failed_blocking for v in validations)
    body = (
        "<h1>Data Docs: expectation suites and their latest validations</h1>"
        "<p class='muted'>Every staged table and mart has a Great Expectations suite "
        "(<code>quality/suites/</code>); greenstat runs it natively in DuckDB as Dagster asset "
        "checks and records each result in <code>quality.check_results</code> in GX's result "
        "format. Blocking rules stop the marts downstream; warnings are for review. 每个暂存表"
        "和数据集市表都有期望套件；阻断性规则失败时停止下游发布，警告供统计人员审阅。</p>"
        "<div class='cards'>"
        f"<div class='card'><div class='k'>Validations shown</div><div class='v'>"
        f"{len(validations)}</div></div><div class='card'><div class='k'>Checks</div>"
        f"<div class='v'>{total}</div></div><div class='card'><div class='k'>Blocking failed"
        f"</div><div class='v'>{failed_b}</div></div><div class='card'><div class='k'>"
        f"Warnings failed</div><div class='v'>{failed_w}</div></div></div>"
        "<h2>Latest validation per table and partition 各表最近一次验证</h2>"
        "<div class='toolbar'><input type='search' placeholder='filter tables…' "
        "data-filter='validations'><button data-show='all' class='on'>Show all</button>"
        "<button data-show='failed'>Failed only</button></div>"
        "<table id='validations' class='sortable'><thead><tr><th>Table</th><th>Partition</th>"
        "<th>Status</th><th class='num'>Checks</th><th class='num'>Blocking failed</th>"
        "<th class='num'>Warnings failed</th><th>Passed / warning / blocking</th>"
        f"<th>Checked</th><th>Run</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<h2>Expectation suites 期望套件</h2><table class='sortable'><thead><tr><th>Suite</th>"
        "<th>Table</th><th class='num'>Expectations</th><th class='num'>Hand-written</th>"
        f"</tr></thead><tbody>{''.join(suites)}</tbody></table>"
        "<h2>Recent runs 最近的运行</h2><table class='sortable'><thead><tr><th>Run</th>"
        "<th>First check</th><th>Last check</th><th class='num'>Tables</th>"
        "<th class='num'>Checks</th><th class='num'>Blocking failed</th>"
        f"<th class='num'>Warnings failed</th></tr></thead><tbody>{runs}</tbody></table>"
    )
    return _page("Data Docs", body, 0)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _json(data: Any) -> str:
    return offline(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def build_data_docs(con: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write the Data Docs into ``out_dir`` and return the path of its index.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    validations = latest_validations(con)
    for v in validations:
        page = out_dir / validation_page(v.table, v.partition)
        _write(page, _validation_page(v))
        _write(page.with_suffix(".json"), _json(v.gx()))
    for t in SUITE_TABLES:
        try:
            suite = suite_for(t)
        except FileNotFoundError:
            continue
        _write(out_dir / suite_page(t.qualified), _suite_page(t.qualified))
        _write(out_dir / "expectations" / f"{t.qualified}.json", _json(suite.to_json()))
    index = out_dir / "index.html"
    _write(index, _index(validations, run_history(con)))
    return index


def pages(out_dir: Path) -> Iterable[Path]:
    """Every file the Data Docs wrote (for tests and the site's checks)."""
    return (p for p in out_dir.rglob("*") if p.is_file())
