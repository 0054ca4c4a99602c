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

from bench.filings import bench_filings
from bench.metering import bench_meter_ingest, bench_meter_rollup
from bench.quality import bench_quality

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPEATS = int(os.environ.get("GREENSTAT_BENCH_REPEATS", "3"))

PLAIN_PIPELINE = """
import sys
from greenstat.settings import home
from pipelines.materialize import plain_pipeline
plain_pipeline(home(sys.argv[1]).ensure())
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
    results = [
        bench_demo(),
        bench_filings(REPEATS),
        bench_meter_ingest(REPEATS),
        bench_meter_rollup(),
        bench_quality(REPEATS),
    ]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "when": stamp,
    }
    (RESULTS / f"{stamp}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    shutil.copyfile(RESULTS / f"{stamp}.json", RESULTS / "latest.json")
    print("| benchmark | seconds | plain baseline | ratio | budget | within |")
    print("|---|---|---|---|---|---|")
    for r in results:
        if "budget_rss_mib" in r:
            budget = f"peak {r['peak_rss_mib']} MiB < {r['budget_rss_mib']} MiB"
        elif "budget_seconds" in r:
            budget = f"< {r['budget_seconds']} s"
        else:
            budget = f"<= {r['budget_ratio']}x"
        print(
            f"| {r['name']} | {r['seconds_min']} | {r['plain_seconds_min']} | "
            f"{r['ratio_to_plain']} | {budget} | {'yes' if r['within_budget'] else 'NO'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
