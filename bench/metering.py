"""Benchmark: hourly metering, (a) `greenstat ingest` of a 10M-row file against plain
DuckDB reading the same CSV into Parquet, and (b) the monthly rollup of 100M rows with
its peak memory.

(a) Both sides are whole processes, timed from outside (Python start and imports
included), on the same file in the same run: `greenstat ingest FILE` on a data home
whose enterprise register holds the demo filers (everything ingest does: archive by
sha256, validate every row, write the lake partitions, the blocking gates, publish),
and `python -c` running DuckDB's `COPY (FROM read_csv(FILE)) TO 'x.parquet'`.
(b) 100M rows written straight into the lake layout (twelve monthly files), then one
child process rebuilds every month of the marts; its ru_maxrss is the peak.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.ratio import ratio_result
from sources.demo_enterprises import write_demo_filings
from sources.demo_meter import BENCH_REGISTER, write_bench_lake, write_bench_meter

INGEST_ROWS = 10_000_000
ROLLUP_ROWS = 100_000_000
BUDGET_RATIO = 1.5
BUDGET_RSS_MIB = 4096

PLAIN = """
import sys, duckdb
csv, out = sys.argv[1:3]
duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)")
"""

ROLLUP = """
import json, resource, sys, time
import duckdb
from pathlib import Path
from warehouse.lake import publish_lake_view
from warehouse.meter import build_meter_marts
from warehouse.tables import ENTERPRISE_METER_HOURLY
db, lake = sys.argv[1], Path(sys.argv[2])
con = duckdb.connect(db)
publish_lake_view(con, lake, ENTERPRISE_METER_HOURLY)
t = time.perf_counter()
counts = build_meter_marts(con)
seconds = time.perf_counter() - t
con.execute("CHECKPOINT")
rows = con.sql("SELECT sum(hours) FROM marts.enterprise_electricity WHERE month IS NULL").fetchall()
print(json.dumps({"seconds": seconds, "months": len(counts), "rows": int(rows[0][0]),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["GREENSTAT_HOME"] = str(home)
    return env


def _greenstat(*args: str, home: Path) -> float:
    exe = Path(sys.executable).with_name("greenstat")
    t = time.perf_counter()
    out = subprocess.run([str(exe), *args], env=_env(home), capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if out.returncode != 0:
        raise RuntimeError(f"greenstat {' '.join(args)} failed: {out.stdout}{out.stderr}")
    return seconds


def _register_home(tmp: Path, enterprises: int) -> Path:
    """A data home whose staging.enterprises holds ``enterprises`` demo filers."""
    home = tmp / f"register-{enterprises}"
    filings = write_demo_filings(tmp / f"filings-{enterprises}", enterprises=enterprises)
    _greenstat("ingest", str(filings), home=home)
    return home


def bench_meter_ingest(repeats: int, rows: int = INGEST_ROWS) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="greenstat-bench-meter-") as tmp_:
        tmp = Path(tmp_)
        base = _register_home(tmp, BENCH_REGISTER)
        csv = tmp / "meter_2024-03.csv"  # a monthly export, named by its month
        written = write_bench_meter(csv, rows)
        plain, ours = [], []
        for i in range(repeats):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", PLAIN, str(csv), str(tmp / "plain.parquet")], check=True
            )
            plain.append(time.perf_counter() - t)
            (tmp / "plain.parquet").unlink()
            home = tmp / f"home{i}"
            shutil.copytree(base, home)
            ours.append(_greenstat("ingest", str(csv), home=home))
            shutil.rmtree(home)
        size = csv.stat().st_size
    o, p = min(ours), min(plain)
    return ratio_result(
        "meter_ingest",
        f"greenstat ingest of {written:,} hourly meter rows ({size / 2**20:.0f} MiB CSV) "
        "as a whole process, against a whole-process DuckDB CSV-to-Parquet copy",
        o,
        p,
        BUDGET_RATIO,
        repeats=repeats,
    )


def bench_meter_rollup(rows: int = ROLLUP_ROWS) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="greenstat-bench-rollup-") as tmp_:
        tmp = Path(tmp_)
        home = _register_home(tmp, BENCH_REGISTER)
        t = time.perf_counter()
        per_month = write_bench_lake(home / "lake", rows)
        generated = time.perf_counter() - t
        out = subprocess.run(
            [sys.executable, "-c", ROLLUP, str(home / "warehouse.duckdb"), str(home / "lake")],
            check=True, capture_output=True, text=True, env=_env(home),
        )  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
    total = sum(per_month.values())
    if result["rows"] != total:
        raise RuntimeError(f"rollup counted {result['rows']} hours of {total} rows")
    return {
        "name": "meter_rollup",
        "what": f"monthly and yearly rollups of {total:,} hourly rows (12 months) in one process",
        "seconds_min": round(result["seconds"], 2),
        "plain_seconds_min": None,
        "ratio_to_plain": None,
        "peak_rss_mib": round(result["peak_rss_mib"]),
        "budget_rss_mib": BUDGET_RSS_MIB,
        "within_budget": result["peak_rss_mib"] < BUDGET_RSS_MIB,
        "generate_seconds": round(generated, 1),
        "repeats": 1,
    }


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if which in ("ingest", "both"):
        print(json.dumps(bench_meter_ingest(repeats), indent=2))
    if which in ("rollup", "both"):
        print(json.dumps(bench_meter_rollup(), indent=2))
