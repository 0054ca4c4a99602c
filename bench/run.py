"""Benchmarks: `python -m bench.run` (or `make bench`). Results go to bench/results/
and a summary table is printed for docs/benchmarks.md.

Each benchmark is a ratio to a plain baseline measured in the same run, on the
same machine, so numbers stay comparable across machines; wall times are shown
for context only. Nothing here is a timed test.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPEATS = int(os.environ.get("GREENSTAT_BENCH_REPEATS", "3"))

PLAIN_PIPELINE = """
import sys, time
t0 = time.perf_counter()
from greenstat.settings import home
from quality.checks import ACCOUNTING, ORPHANS, run_checks, structural_checks
from reports.site import build_site
from sources.extracts import embedded_files
from sources.ingest import (IngestOptions, detect_kind, pending_files, register_archived,
                            stage_archived)
from sources.archive import archive_file
from warehouse.lake import export_years
from warehouse.marts import build_indicator_progress, build_indicator_values
from warehouse.ref import load_reference
from warehouse.store import Warehouse
from warehouse.tables import INDICATOR_VALUES, OBSERVATIONS, TABLES
h = home(sys.argv[1]).ensure()
wh = Warehouse(h)
with wh.write() as con:
    load_reference(con)
with wh.write() as con:
    for p in embedded_files():
        register_archived(con, archive_file(p, h.archive), detect_kind(p), IngestOptions())
with wh.write() as con:
    for a, o in pending_files(con):
        stage_archived(con, a, o)
    run_checks(con, [ACCOUNTING, ORPHANS, *structural_checks(OBSERVATIONS)])
years = list(range(1990, 2026))
with wh.write() as con:
    build_indicator_values(con, years)
    export_years(con, h.lake, INDICATOR_VALUES, years)
    export_years(con, h.lake, OBSERVATIONS, years)
    run_checks(con, structural_checks(INDICATOR_VALUES))
with wh.write() as con:
    build_indicator_progress(con)
with wh.write() as con:
    run_checks(con, [c for t in TABLES for c in structural_checks(t)])
with wh.connect_read() as con:
    build_site(con, h.site)
"""


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def bench_demo() -> dict[str, object]:
    """`make demo` after install = `greenstat run` on a fresh data home, as a whole process,
    against the same work done by the plain modules without Dagster."""
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    demo, plain = [], []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as tmp:
            env["GREENSTAT_HOME"] = str(Path(tmp) / "a")
            demo.append(_timed([str(bin_dir / "greenstat"), "run"], env))
            plain.append(_timed([sys.executable, "-c", PLAIN_PIPELINE, str(Path(tmp) / "b")], env))
    d, p = min(demo), min(plain)
    return {
        "name": "demo_wall",
        "what": "greenstat run on a fresh data home (the work of `make demo` after install)",
        "seconds_min": round(d, 2),
        "plain_seconds_min": round(p, 2),
        "ratio_to_plain": round(d / p, 2),
        "dagster_overhead_share": round((d - p) / d, 2),
        "budget_seconds": 30,
        "within_budget": d < 30,
        "repeats": REPEATS,
    }


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = [bench_demo()]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "when": stamp,
    }
    (RESULTS / f"{stamp}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    shutil.copyfile(RESULTS / f"{stamp}.json", RESULTS / "latest.json")
    print("| benchmark | seconds | plain baseline | ratio | Dagster share | budget |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['seconds_min']} | {r['plain_seconds_min']} | "
            f"{r['ratio_to_plain']} | {r['dagster_overhead_share']:.0%} | "
            f"< {r['budget_seconds']} s: {'yes' if r['within_budget'] else 'NO'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
