"""The per-run data-quality summary for statisticians: ``site/quality/index.html``.

One page per run, readable without SQL or code: what is new (files received since the
previous run), what failed (blocking rules first, each with the SQL that lists its
rows), what was quarantined, what changed since the last release, which corrections
were applied, and the reconciliations, with links into the Data Docs. A copy is kept
per run in ``site/quality/runs/``.

A *run* is a Dagster run id in ``quality.check_results`` (every run records checks). A
*release* is what a run published: ``record_release`` snapshots marts.indicator_values
into ``quality.release_values`` after the marts are built (keeping the current and the
previous release), so "changed since the last release" compares the two. Revisions
between vintages of the sources are shown beside it (marts.revisions).

Offline: CSS inline, charts as inline SVG, no external URL.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reports.site import CSS

EXTRA_CSS = """
.tiles{display:flex;flex-wrap:wrap;gap:.6rem;margin:.8rem 0}
.tile{border:1px solid #333;padding:.4rem .8rem;min-width:9rem}
.tile b{display:block;font-size:1.5rem}
.pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
pre{white-space:pre-wrap;font-size:.8rem;background:#f4f4f4;padding:.4rem;margin:.2rem 0}
details summary{cursor:pointer}
.blocking{font-weight:700}
"""
SAMPLE_ROWS = 20
# Derived sums are computed in parallel and may differ in the last bits between runs:
# values within this relative difference are the same release value.
SAME_VALUE_REL = 1e-9
CHANGES_SHOWN = 40
DIFFERS = "<span class='fail'>differs</span>"
_URL = re.compile(r"(?i)\b(https?):/{2}")


def _e(value: object) -> str:
    """Escaped text; a URL in the data is shown but never written as one (offline pages
    must hold no http(s) address)."""
    text = html.escape("" if value is None else str(value))
    return _URL.sub(lambda m: m.group(1) + ":&#47;&#47;", text)


def _n(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    if not rows:
        return "<p class='muted'>None.</p>"
    numeric = numeric or set()
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(pct: float) -> str:
    return f"{pct:+.2f}%" if abs(pct) >= 0.01 else f"{pct:+.2g}%"


def _kind(kind: str | None) -> str:
    return f'<span class="kind {_e(kind)}">{_e(kind)}</span>' if kind else ""


def _sql(query: str | None) -> str:
    if not query:
        return ""
    return f"<details><summary>rows</summary><pre>{_e(query.strip())}</pre></details>"


def bar_chart(title: str, items: list[tuple[str, int]], width: int = 420) -> str:
    """A horizontal bar chart as inline SVG: greyscale, each bar labelled with its value,
    so it reads in print and without colour."""
    if not items:
        return ""
    bar_h, gap, label_w = 16, 6, 170
    top = max(v for _, v in items) or 1
    height = len(items) * (bar_h + gap) + 24
    parts = [
        # Inline SVG in HTML needs no namespace declaration (and so no URL).
        f"<svg role='img' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"aria-label='{_e(title)}'>",
        f"<title>{_e(title)}</title>",
        f"<text x='0' y='12' font-size='12' font-weight='600'>{_e(title)}</text>",
    ]
    span = width - label_w - 50
    for i, (label, value) in enumerate(items):
        y = 20 + i * (bar_h + gap)
        w = max(1, round(span * value / top))
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f"<text x='{label_w - 4}' y='{y + 12}' font-size='11' text-anchor='end'>"
            f"{_e(short)}</text>"
            f"<rect x='{label_w}' y='{y}' width='{w}' height='{bar_h}' fill='#444'/>"
            f"<text x='{label_w + w + 4}' y='{y + 12}' font-size='11'>{value:,}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Run:
    run_id: str
    started: datetime
    ended: datetime


def runs(con: duckdb.DuckDBPyConnection) -> list[Run]:
    """The runs that published a release (newest first), else those that recorded checks.

    ``greenstat run`` is a main run (marts, release) followed by a monthly one (metering):
    the page describes the release run and everything checked since it started."""
    released = con.sql(
        """SELECT r.run_id, coalesce(min(c.checked_at), max(r.released_at)),
                  greatest(max(r.released_at), max(c.checked_at))
           FROM quality.release_values r
           LEFT JOIN quality.check_results c USING (run_id)
           GROUP BY r.run_id ORDER BY max(r.released_at) DESC"""
    ).fetchall()
    if released:
        return [Run(r, s, e) for r, s, e in released]
    return [
        Run(r, s, e)
        for r, s, e in con.sql(
            """SELECT run_id, min(checked_at), max(checked_at) FROM quality.check_results
               WHERE run_id IS NOT NULL GROUP BY run_id ORDER BY max(checked_at) DESC"""
        ).fetchall()
    ]


def record_release(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Snapshot marts.indicator_values as this run's release; keep only it and the
    previous release. Returns the rows snapshotted."""
    con.execute("DELETE FROM quality.release_values WHERE run_id = ?", [run_id])
    con.execute(
        """DELETE FROM quality.release_values WHERE run_id NOT IN (
             SELECT run_id FROM quality.release_values GROUP BY run_id
             ORDER BY max(released_at) DESC LIMIT 1)"""
    )
    con.execute(
        """INSERT INTO quality.release_values BY NAME
           SELECT ? AS run_id, ? AS released_at, region_code, indicator_code, year, value, unit,
                  data_kind, source FROM marts.indicator_values""",
        [run_id, datetime.now(UTC).replace(tzinfo=None)],
    )
    rows = con.execute(
        "SELECT count(*) FROM quality.release_values WHERE run_id = ?", [run_id]
    ).fetchall()
    return int(rows[0][0])


# ---------------------------------------------------------------- sections


def _new_files(con: duckdb.DuckDBPyConnection, previous: Run | None) -> tuple[str, int]:
    since = previous.ended if previous else None
    rows = con.execute(
        """SELECT original_name, kind, vintage, cells_in, rows_loaded, rows_quarantined,
                  cells_missing, strftime(ingested_at, '%Y-%m-%d %H:%M'), substr(sha256, 1, 12)
           FROM raw.files WHERE CAST($since AS TIMESTAMP) IS NULL OR ingested_at > $since
           ORDER BY ingested_at, original_name""",
        {"since": since},
    ).fetchall()
    basis = (
        f"received since the previous run ended ({previous.ended:%Y-%m-%d %H:%M} UTC)"
        if previous
        else "received so far (no earlier run recorded)"
    )
    table = _table(
        [
            "File 文件",
            "Kind",
            "Vintage 版本",
            "Cells",
            "Loaded 入库",
            "Quarantined 隔离",
            "Missing 缺失",
            "Received",
            "sha256",
        ],
        [[_e(c) if i not in (3, 4, 5, 6) else _n(c) for i, c in enumerate(r)] for r in rows],
        {3, 4, 5, 6},
    )
    return f"<p>{len(rows)} file(s) {basis}.</p>" + table, len(rows)


def _results(con: duckdb.DuckDBPyConnection, run: Run | None) -> list[tuple]:
    """The latest result of every check recorded since the run started (all of them when
    no run is known): check, table, partition, severity, passed, observed, threshold,
    rows_query."""
    return con.execute(
        """SELECT check_name, table_name, partition, severity, passed, observed, threshold,
                  rows_query FROM quality.check_results
           WHERE CAST($since AS TIMESTAMP) IS NULL OR checked_at >= $since
           QUALIFY row_number() OVER (PARTITION BY check_name, partition
                                      ORDER BY checked_at DESC) = 1
           ORDER BY severity, check_name, partition""",
        {"since": run.started if run else None},
    ).fetchall()


def _failed_section(results: list[tuple]) -> str:
    failed = [r for r in results if not r[4]]
    failed.sort(key=lambda r: (r[3] != "blocking", r[1], r[0], r[2] or ""))
    rows = [
        [
            f"<span class='{'blocking fail' if sev == 'blocking' else ''}'>{_e(sev)}</span>",
            _e(name),
            _e(table),
            _e(part),
            _e(obs),
            _e(thr),
            _sql(q),
        ]
        for name, table, part, sev, _, obs, thr, q in failed
    ]
    blocking = sum(1 for r in failed if r[3] == "blocking")
    lead = (
        f"<p><span class='fail'>{blocking} blocking rule(s) failed</span>: the marts downstream "
        "of them were not published.</p>"
        if blocking
        else "<p>No blocking rule failed. Warnings are for review; they never stop a run.</p>"
    )
    return lead + _table(
        ["Severity", "Check", "Table", "Partition", "Observed", "Expected", "Rows"], rows
    )


def _chart_pair(title: str, items: list[tuple[str, int]], headers: list[str]) -> str:
    if not items:
        return ""
    table = _table(headers, [[_e(k), _n(v)] for k, v in items], {1})
    return f"<div class='pair'><div>{bar_chart(title, items)}</div><div>{table}</div></div>"


def _quarantine_section(con: duckdb.DuckDBPyConnection) -> tuple[str, int, list]:
    per_file = con.sql(
        """SELECT source_file, sum(cells)::BIGINT FROM quality.quarantine
           GROUP BY 1 ORDER BY 2 DESC, 1"""
    ).fetchall()
    reasons = con.sql(
        """SELECT source_file, regexp_replace(reason, '\\d+', '#', 'g') AS kind_of_reason,
                  count(*), sum(cells)::BIGINT, min(reason)
           FROM quality.quarantine GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2 LIMIT 40"""
    ).fetchall()
    sample = con.execute(
        """SELECT source_file, source_row, source_column, reason, raw_values
           FROM quality.quarantine ORDER BY quarantined_at DESC, source_file, source_row
           LIMIT ?""",
        [SAMPLE_ROWS],
    ).fetchall()
    total = sum(int(n) for _, n in per_file)
    out = (
        f"<p>{total:,} cell(s) quarantined in {len(per_file)} file(s); every value cell of "
        "every file is either loaded, quarantined or a missing-value marker (the "
        "<code>raw.files.cells_accounted_for</code> rule).</p>"
        + _chart_pair(
            "Quarantined cells by file", [(f, int(n)) for f, n in per_file[:12]], ["File", "Cells"]
        )
        + "<h3>By reason 按原因</h3>"
        + _table(
            ["File", "Reason (e.g.)", "Rows", "Cells"],
            [[_e(f), _e(ex), _n(n), _n(c)] for f, _, n, c, ex in reasons],
            {2, 3},
        )
        + f"<h3>Sample 样例 (latest {SAMPLE_ROWS})</h3>"
        + _table(
            ["File", "Row", "Column", "Reason", "Raw values 原始内容"],
            [
                [_e(f), _e(r), _e(c), _e(why), f"<code>{_e((raw or '')[:240])}</code>"]
                for f, r, c, why, raw in sample
            ],
        )
    )
    return out, total, per_file


def _release_section(con: duckdb.DuckDBPyConnection) -> str:
    releases = con.sql(
        """SELECT run_id, max(released_at) FROM quality.release_values
           GROUP BY run_id ORDER BY 2 DESC LIMIT 2"""
    ).fetchall()
    if len(releases) < 2:
        return (
            "<p class='muted'>No earlier release recorded: this is the first (a release is the "
            "set of indicator values a run publishes).</p>"
        )
    (cur, cur_at), (prev, prev_at) = releases
    diff_sql = """
      WITH c AS (SELECT * FROM quality.release_values WHERE run_id = $cur),
           p AS (SELECT * FROM quality.release_values WHERE run_id = $prev)
      SELECT coalesce(c.region_code, p.region_code) AS region_code,
             coalesce(c.indicator_code, p.indicator_code) AS indicator_code,
             coalesce(c.year, p.year) AS year, p.value AS before, c.value AS after,
             coalesce(c.unit, p.unit) AS unit, p.data_kind AS kind_before,
             c.data_kind AS kind_after, c.source AS source,
             CASE WHEN p.value IS NULL THEN 'new' WHEN c.value IS NULL THEN 'removed'
                  ELSE 'changed' END AS change,
             CASE WHEN p.value <> 0 THEN (c.value - p.value) / abs(p.value) * 100 END AS pct
      FROM c FULL JOIN p USING (region_code, indicator_code, year)
      WHERE p.value IS NULL OR c.value IS NULL OR c.data_kind <> p.data_kind
         OR abs(c.value - p.value) > $rel * greatest(abs(c.value), abs(p.value))"""
    params = {"cur": cur, "prev": prev, "rel": SAME_VALUE_REL}
    counts = dict(
        con.execute(f"SELECT change, count(*) FROM ({diff_sql}) GROUP BY 1", params).fetchall()
    )
    rows = con.execute(
        f"""SELECT * FROM ({diff_sql})
            ORDER BY change = 'changed', abs(coalesce(pct, 1e300)) DESC, indicator_code,
                     region_code, year LIMIT {CHANGES_SHOWN}""",
        params,
    ).fetchall()
    table = _table(
        ["Region", "Indicator 指标", "Year", "Before", "After", "Unit", "Change", "Kind", "Source"],
        [
            [
                _e(r),
                _e(i),
                _e(y),
                _n(b),
                _n(a),
                _e(u),
                _e(ch if pct is None else _pct(pct)),
                _kind(ka or kb),
                _e(src),
            ]
            for r, i, y, b, a, u, kb, ka, src, ch, pct in rows
        ],
        {3, 4},
    )
    summary = ", ".join(f"{counts.get(k, 0):,} {k}" for k in ("changed", "new", "removed"))
    return (
        f"<p>Release of run <code>{_e(cur[:8])}</code> ({cur_at:%Y-%m-%d %H:%M} UTC) against "
        f"the previous release, run <code>{_e(prev[:8])}</code> ({prev_at:%Y-%m-%d %H:%M} "
        f"UTC): {summary} indicator value(s).</p>"
        + (
            f"<p class='muted'>{len(rows)} shown: new and removed first, then the largest "
            "changes.</p>"
            if sum(counts.values()) > len(rows)
            else ""
        )
        + table
    )


def _revisions_section(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.sql(
        """SELECT indicator_code, previous_vintage, vintage, count(*),
                  count(*) FILTER (WHERE abs(change_pct) > 10), max(abs(change_pct)),
                  arg_max(region_code || ' ' || period, abs(coalesce(change_pct, 0))),
                  min(data_kind)
           FROM marts.revisions GROUP BY indicator_code, previous_vintage, vintage
           ORDER BY 1, 2, 3"""
    ).fetchall()
    return (
        "<p>Figures whose value changed from one vintage of a source to the next (every "
        "vintage is kept; the marts use the newest).</p>"
        + _table(
            [
                "Indicator 指标",
                "Earlier vintage",
                "Later vintage",
                "Figures revised",
                "Beyond 10%",
                "Largest change",
                "Where",
                "Kind",
            ],
            [
                [
                    _e(i),
                    _e(p),
                    _e(v),
                    _n(n),
                    _n(b),
                    "—" if m is None else f"{m:.1f}%",
                    _e(w),
                    _kind(k),
                ]
                for i, p, v, n, b, m, w, k in rows
            ],
            {3, 4, 5},
        )
    )


def _corrections_section(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    rows = con.sql(
        """SELECT correction_id, register, status, action,
                  concat_ws(' ', region_code, indicator_code, period, industry_code,
                            source_sector, fuel, CASE WHEN vintage IS NOT NULL
                                                      THEN 'vintage ' || vintage END),
                  new_value, unit, original_values, matched_rows, applied, note, reason,
                  provider, decided_on
           FROM quality.corrections ORDER BY applied DESC, correction_id"""
    ).fetchall()
    applied = sum(1 for r in rows if r[9])
    table = _table(
        [
            "Id",
            "Register",
            "Status",
            "Action",
            "Figure",
            "New value",
            "As published",
            "Rows",
            "Applied",
            "Reason",
            "Provider",
            "Date",
        ],
        [
            [
                _e(i),
                _e(reg),
                _e(st),
                _e(act),
                _e(key),
                "" if nv is None else f"{_n(nv)} {_e(unit)}",
                ", ".join(_n(v) for v in (orig or [])[:3]) + (" …" if len(orig or []) > 3 else ""),
                _n(m),
                "yes" if ok else f"<span class='fail'>no</span> ({_e(note)})",
                _e(why),
                _e(who),
                _e(d),
            ]
            for i, reg, st, act, key, nv, unit, orig, m, ok, note, why, who, d in rows
        ],
        {7},
    )
    return (
        f"<p>{applied} correction(s) applied of {len(rows)} in the register. A corrected value "
        "is marked in the marts (<code>marts.indicator_values.correction</code>, and "
        "“corrected: id” in its source); the published value is kept here.</p>" + table,
        applied,
    )


def _reconciliation_section(results: list[tuple]) -> str:
    rec = [r for r in results if r[0].startswith("reconcile.")]
    if not rec:
        return "<p class='muted'>No reconciliation recorded in this run.</p>"
    groups: dict[str, list[tuple]] = {}
    for r in rec:
        groups.setdefault(r[0].split(".")[1], []).append(r)
    parts = []
    for group, rs in sorted(groups.items()):
        bad = sum(1 for r in rs if not r[4])
        rs.sort(key=lambda r: (bool(r[4]), r[0], r[2] or ""))  # differences first
        rows = [
            [_e(n.split(".", 2)[-1]), _e(p), "passed" if ok else DIFFERS, _e(obs), _e(thr), _sql(q)]
            for n, _, p, _, ok, obs, thr, q in rs
        ]
        parts.append(
            f"<details{' open' if bad else ''}><summary><b>{_e(group)}</b>: {len(rs)} "
            f"compared, {bad} differ</summary>"
            + _table(["Figure", "Partition", "Outcome", "Observed", "Expected", "Rows"], rows)
            + "</details>"
        )
    return (
        "<p>Two sources of one figure side by side; both numbers are kept and neither is "
        "altered.</p>" + "".join(parts)
    )


def _earlier_pages(out: Path, current: str | None, prefix: str) -> str:
    pages = sorted(
        (p for p in (out / "runs").glob("*.html") if p.stem != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )[:10]
    if not pages:
        return ""
    links = " · ".join(f"<a href='{prefix}runs/{_e(p.name)}'>{_e(p.stem[:8])}</a>" for p in pages)
    return f"<p class='muted'>Earlier runs: {links}</p>"


def _page(con: duckdb.DuckDBPyConnection, out: Path, prefix: str, docs_ok: bool) -> str:
    """The page; ``prefix`` leads from where it is written back to ``site/quality/``."""
    all_runs = runs(con)
    run = all_runs[0] if all_runs else None
    previous = all_runs[1] if len(all_runs) > 1 else None
    results = _results(con, run)
    failed = [r for r in results if not r[4]]
    blocking = [r for r in failed if r[3] == "blocking"]
    new_files, n_new = _new_files(con, previous)
    quarantine, quarantined, _ = _quarantine_section(con)
    corrections, applied = _corrections_section(con)
    by_table: dict[str, int] = {}
    for r in failed:
        by_table[r[1]] = by_table.get(r[1], 0) + 1
    failed_items = sorted(by_table.items(), key=lambda kv: (-kv[1], kv[0]))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run_line = (
        f"Run <code>{_e(run.run_id)}</code>, {run.started:%Y-%m-%d %H:%M} to "
        f"{run.ended:%H:%M} UTC, and the checks recorded since."
        if run
        else "No run id recorded: the latest result of every check is shown."
    )
    docs = (
        f"<a href='{prefix}docs/index.html'>Data Docs 数据文档</a> (every expectation suite "
        "and its latest result)"
        if docs_ok
        else "<span class='muted'>Data Docs were not built in this run.</span>"
    )
    tiles = [
        ("New files 新文件", n_new),
        ("Checks run 检查", len(results)),
        ("Blocking failed 阻断失败", len(blocking)),
        ("Warnings 警告", len(failed) - len(blocking)),
        ("Quarantined cells 隔离", quarantined),
        ("Corrections applied 更正", applied),
    ]
    tiles_html = "".join(f"<div class='tile'>{label}<b>{n:,}</b></div>" for label, n in tiles)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data quality 数据质量 · greenstat</title><style>{CSS}{EXTRA_CSS}</style></head>
<body>
<p><a href="{prefix}../index.html">← greenstat report 报告首页</a> · {docs}</p>
<h1>Data quality summary 数据质量摘要</h1>
<p class="muted">{run_line} Page generated {generated}. Data kinds: {_kind("official")} as
published, {_kind("derived")} computed from official figures, {_kind("demo")} generated
demo data.</p>
{_earlier_pages(out, run.run_id if run else None, prefix)}
<div class="tiles">{tiles_html}</div>
<p><a href="#new">New 新增</a> · <a href="#failed">Failed 未通过</a> ·
<a href="#quarantine">Quarantine 隔离</a> · <a href="#changed">Changed 变化</a> ·
<a href="#corrections">Corrections 更正</a> ·
<a href="#reconciliations">Reconciliations 核对</a></p>
<h2 id="new">What is new 本次新增文件</h2>
{new_files}
<h2 id="failed">What failed 未通过的检查</h2>
{_chart_pair("Failed checks by table", failed_items, ["Table", "Failed"])}
{_failed_section(results)}
<h2 id="quarantine">What was quarantined 隔离区</h2>
{quarantine}
<h2 id="changed">What changed since the last release 与上次发布相比的变化</h2>
{_release_section(con)}
<h3>Revisions between vintages 数据版本修订</h3>
{_revisions_section(con)}
<h2 id="corrections">Corrections 数据更正</h2>
{corrections}
<h2 id="reconciliations">Reconciliations 来源核对</h2>
{_reconciliation_section(results)}
</body></html>
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def build_quality_pages(con: duckdb.DuckDBPyConnection, site_dir: Path) -> Path:
    """Write ``site_dir/quality/index.html`` (and this run's copy under ``runs/``), build the
    Data Docs beside it, and return the index path."""
    out = site_dir / "quality"
    out.mkdir(parents=True, exist_ok=True)
    try:
        from quality.data_docs import build_data_docs
    except ImportError:  # built by another part of the project; the page stands alone
        docs_ok = False
    else:
        build_data_docs(con, out / "docs")
        docs_ok = True
    index = out / "index.html"
    _write(index, _page(con, out, "", docs_ok))
    latest = runs(con)
    if latest:
        _write(out / "runs" / f"{latest[0].run_id}.html", _page(con, out, "../", docs_ok))
    return index
