"""The static report site in ``$GREENSTAT_HOME/site``: self-contained HTML, no network.

Everything a page needs is inline, so it opens from disk on a machine with no
internet. Every figure carries its data kind (official / derived / demo).
"""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.store import first_row

FOCUS_REGIONS = ("CN", "CN-BJ", "CN-CQ")
YEARS_SHOWN = 10

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;
color:#1b1b1b;max-width:72rem}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#e8e8e8}
.kind{display:inline-block;padding:0 .35rem;border:1px solid #333;border-radius:3px;
font-size:.75rem;font-weight:600}
.official{background:#fff}.derived{background:#ddd}.demo{background:#333;color:#fff}
.fail{font-weight:700;text-decoration:underline}.muted{color:#555}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _kind(kind: str) -> str:
    return f'<span class="kind {_e(kind)}">{_e(kind)}</span>'


def _td(cell: str) -> str:
    """Numbers right-aligned so digits line up; text left."""
    plain = cell.replace(",", "").replace(".", "").replace("—", "").replace("-", "").strip()
    return f"<td class='n'>{cell}</td>" if plain.isdigit() or cell == "—" else f"<td>{cell}</td>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_td(c) for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STATUS_LABELS = {
    "achieved": "✔ achieved 已实现",
    "on_track": "▲ on track 进展顺利",
    "moderate": "◆ moderate 进展一般",
    "off_track": "▼ off track 进展滞后",
    "deteriorating": "✖ deteriorating 逆向变化",
    "no_data": "○ no data 暂无数据",
    "not_quantifiable": "– not quantifiable 不可量化",
}


def _progress_table(con: duckdb.DuckDBPyConnection, code: str) -> str:
    rows = con.execute(
        """SELECT p.target_id, coalesce(i.name_zh || ' ' || i.name_en, t.indicator_code, ''),
                  CASE WHEN t.measure = 'reduction_from_baseline'
                       THEN '−' || t.value_as_written || t.unit_as_written || ' vs '
                            || t.baseline_year
                       ELSE coalesce(t.comparator || ' ', '') || t.value_as_written
                            || coalesce(t.unit_as_written, '') END, p.target_year,
                  p.latest_year, p.latest_value, p.target_unit, p.status, p.data_kind, t.clause
           FROM marts.indicator_progress p JOIN ref.policy_targets t USING (target_id)
           LEFT JOIN ref.indicators i ON i.indicator_code = t.indicator_code
           WHERE p.region_code = ? ORDER BY p.target_id""",
        [code],
    ).fetchall()
    if not rows:
        return ""
    table = [
        [
            f"<span title='{_e(clause)}'>{_e(tid)}</span>",
            _e(ind),
            f"{_e(written)} ({_e(ty)})" if written else _e(ty),
            f"{_num(lv)} {_e(unit)} ({ly})" if ly else "—",
            STATUS_LABELS.get(status, _e(status)),
            _kind(kind) if kind else "",
        ]
        for tid, ind, written, ty, ly, lv, unit, status, kind, clause in rows
    ]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[7]] = counts.get(r[7], 0) + 1
    summary = ", ".join(f"{STATUS_LABELS.get(k, k)}: {n}" for k, n in sorted(counts.items()))
    return f"<h3>Targets 目标 ({len(rows)})</h3><p>{summary}</p>" + _table(
        ["Target", "Indicator 指标", "Target 目标值", "Latest 最新", "Status 状态", "Kind"], table
    )


def _region_section(con: duckdb.DuckDBPyConnection, code: str) -> str:
    region = first_row(
        con, "SELECT name_zh, name_en FROM ref.regions WHERE region_code = ?", [code]
    )
    title = f"{region[0]} {region[1]} ({code})" if region else code
    rows = con.execute(
        """SELECT v.indicator_code, i.name_zh, i.name_en, v.unit, v.year, v.value, v.data_kind
           FROM marts.indicator_values v JOIN ref.indicators i USING (indicator_code)
           WHERE v.region_code = ? ORDER BY v.indicator_code, v.year""",
        [code],
    ).fetchall()
    progress = _progress_table(con, code)
    if not rows:
        return (
            f"<h2>{_e(title)}</h2>{progress}"
            "<p class='muted'>No indicator values yet. 暂无数据。</p>"
        )
    years = sorted({r[4] for r in rows})[-YEARS_SHOWN:]
    series: dict[str, dict[str, object]] = {}
    for ind, zh, en, unit, year, value, kind in rows:
        s = series.setdefault(
            ind,
            {
                "label": f"{zh}<br><span class='muted'>{_e(en)}</span>",
                "unit": unit,
                "values": {},
                "kinds": set(),
            },
        )
        s["values"][year] = value  # type: ignore[index]
        if year in years:
            s["kinds"].add(kind)  # type: ignore[union-attr]
    table_rows = [
        [str(s["label"]), _e(s["unit"]), " ".join(_kind(k) for k in sorted(s["kinds"]))]  # type: ignore[arg-type]
        + [_num(s["values"].get(y)) for y in years]  # type: ignore[union-attr]
        for s in series.values()
    ]
    return f"<h2>{_e(title)}</h2>{progress}<h3>Indicators 指标</h3>" + _table(
        ["Indicator 指标", "Unit 单位", "Kind 性质", *map(str, years)], table_rows
    )


def _reconciliation_section(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        """SELECT region_code, year, scope, ceads_t, cui_t, gap_t, gap_pct, note
           FROM marts.co2_reconciliation WHERE list_contains($regions, region_code)
           ORDER BY region_code, year, scope""",
        {"regions": list(FOCUS_REGIONS)},
    ).fetchall()
    if not rows:
        return ""
    table = [
        [
            _e(r),
            _e(y),
            _e(sc),
            _num(c),
            _num(u),
            _num(g),
            _pct(p),
            f"<span class='muted'>{_e(n)}</span>",
        ]
        for r, y, sc, c, u, g, p, n in rows
    ]
    return (
        "<h2 id='co2-sources'>CO2: two sources side by side 二氧化碳排放来源核对</h2>"
        "<p>CEADs inventories (official) against the Cui et al. daily dataset summed to years "
        f"({_kind('derived')}), by comparable scope, in t CO2. The scopes differ: the gap is "
        "shown, not removed.</p>"
        + _table(
            ["Region", "Year", "Scope 口径", "CEADs", "Cui et al.", "Gap 差额", "Gap %", "Note"],
            table,
        )
    )


def _revisions_section(con: duckdb.DuckDBPyConnection) -> str:
    total = first_row(con, "SELECT count(*) FROM marts.revisions")
    rows = con.execute(
        """SELECT r.region_code, i.name_zh || ' ' || i.name_en, r.period, r.previous_vintage,
                  r.previous_value, r.vintage, r.value, r.change_pct, r.unit
           FROM marts.revisions r JOIN ref.indicators i USING (indicator_code)
           WHERE list_contains($regions, r.region_code)
           ORDER BY abs(coalesce(r.change_pct, 0)) DESC, r.region_code, r.period LIMIT 20""",
        {"regions": list(FOCUS_REGIONS)},
    ).fetchall()
    if not rows:
        return ""
    table = [
        [_e(rg), _e(ind), _e(per), _e(pv), _num(pval), _e(v), _num(val), _pct(pct), _e(unit)]
        for rg, ind, per, pv, pval, v, val, pct, unit in rows
    ]
    return (
        "<h2 id='revisions'>Revisions 数据修订</h2>"
        f"<p>{total[0] if total else 0} figures changed between releases; every release is "
        "kept (marts.revisions). Largest changes for the focus regions:</p>"
        + _table(
            [
                "Region",
                "Indicator 指标",
                "Period",
                "Earlier release",
                "Earlier value",
                "Later release",
                "Later value",
                "Change %",
                "Unit",
            ],
            table,
        )
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _quality_section(con: duckdb.DuckDBPyConnection) -> str:
    files = con.sql(
        """SELECT original_name, kind, vintage, cells_in, rows_loaded, rows_quarantined,
                  cells_missing, substr(sha256, 1, 12) FROM raw.files ORDER BY ingested_at"""
    ).fetchall()
    file_rows = [[_e(c) for c in r] for r in files]
    latest = con.sql(
        """SELECT check_name, partition, severity, passed, observed FROM quality.check_results
           QUALIFY row_number() OVER (PARTITION BY check_name, partition
                                      ORDER BY checked_at DESC) = 1
           ORDER BY passed, check_name, partition"""
    ).fetchall()
    failed = [r for r in latest if not r[3]]
    check_rows = [
        [_e(n), _e(p), _e(s), "passed" if ok else "<span class='fail'>FAILED</span>", _e(o)]
        for n, p, s, ok, o in latest
    ]
    reasons = con.sql(
        """SELECT source_file, reason, count(*) FROM quality.quarantine
           GROUP BY ALL ORDER BY 3 DESC LIMIT 30"""
    ).fetchall()
    return (
        "<h2 id='quality'>Data quality 数据质量</h2>"
        f"<p>{len(latest)} checks, <span class='{'fail' if failed else ''}'>{len(failed)} "
        "failed</span>. Every value cell of every file is either loaded, quarantined or a "
        "missing-value marker.</p>"
        "<h3>Files 文件</h3>"
        + _table(
            [
                "File 文件",
                "Kind",
                "Vintage 版本",
                "Cells in",
                "Loaded 入库",
                "Quarantined 隔离",
                "Missing 缺失",
                "sha256",
            ],
            file_rows,
        )
        + "<h3>Quarantine reasons 隔离原因</h3>"
        + _table(["File", "Reason 原因", "Rows"], [[_e(c) for c in r] for r in reasons])
        + "<h3>Checks 检查</h3>"
        + _table(["Check", "Partition", "Severity", "Outcome", "Observed"], check_rows)
    )


def build_site(con: duckdb.DuckDBPyConnection, site_dir: Path) -> Path:
    """Write ``index.html`` atomically and return its path."""
    site_dir.mkdir(parents=True, exist_ok=True)
    kinds = [
        r[0]
        for r in con.sql(
            "SELECT DISTINCT data_kind FROM marts.indicator_values ORDER BY 1"
        ).fetchall()
    ]
    demo_note = (
        "<p><strong>Demo figures are present</strong> and marked "
        f"{_kind('demo')}: generated by greenstat, not real statistics.</p>"
        if "demo" in kinds
        else ""
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(_region_section(con, code) for code in FOCUS_REGIONS)
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>greenstat 绿色低碳统计</title><style>{CSS}</style></head>
<body>
<h1>greenstat · 绿色低碳统计数据仓库</h1>
<p class="muted">Generated {generated}. Data kinds: {_kind("official")} as published,
{_kind("derived")} computed from official figures, {_kind("demo")} generated demo data
(a figure computed from demo data is demo too).</p>
{demo_note}
<p><a href="#co2-sources">CO2 sources 排放来源核对</a> ·
<a href="#revisions">Revisions 数据修订</a> · <a href="#quality">Data quality 数据质量</a></p>
{body}
{_reconciliation_section(con)}
{_revisions_section(con)}
{_quality_section(con)}
</body></html>
"""
    index = site_dir / "index.html"
    tmp = site_dir / f".index-{os.getpid()}.html"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, index)
    return index
