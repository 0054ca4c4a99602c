"""Benchmark: staging enterprise filings with full row validation, against plain DuckDB
reading the same CSV into Parquet.

Both sides run in their own process (so each has its own peak memory) on the same file
in the same benchmark run; the clock runs around the work only, not interpreter start
or imports. greenstat's side is what ingest does to a filing file: read, validate every
row, write the staged rows to their Parquet file in the lake (staging.enterprise_filings,
decision 29), point the warehouse's view at it, quarantine the rest and checkpoint the
warehouse file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ratio import ratio_result
from sources.demo_enterprises import write_bench_filings

# 570,000 enterprises x 10 years, less entry and exit: about 5.0M rows.
ENTERPRISES = 570_000
BUDGET_RATIO = 2.0  # issue 5
BAD_EVERY = 1000  # one row in 1,000 made invalid, so quarantine is exercised too

PLAIN = """
import json, resource, sys, time
import duckdb
csv, out = sys.argv[1:3]
con = duckdb.connect()
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)")
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

GREENSTAT = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from sources.archive import ArchivedFile
from sources.enterprise_filing import stage
from warehouse.ddl import ensure_schema
from warehouse.ref import load_reference
csv, lake, db = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
con = duckdb.connect(db)
ensure_schema(con)
load_reference(con)
archived = ArchivedFile("0" * 64, csv.name, csv, csv.stat().st_size, False)
t = time.perf_counter()
staged = stage(con, archived, lake=lake)
con.execute("CHECKPOINT")
seconds = time.perf_counter() - t
lake_rows = con.execute("SELECT sum(rows) FROM staging.enterprise_filings_files").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows_in": staged.rows_in, "staged": staged.staged,
                  "quarantined": staged.quarantined, "lake_rows": lake_rows,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _spoil(path: Path) -> int:
    """Make every BAD_EVERY-th data row break a rule (a negative energy figure)."""
    spoiled = path.with_name("spoiled.csv")
    n = 0
    with open(path, encoding="utf-8") as src, open(spoiled, "w", encoding="utf-8") as dst:
        dst.write(src.readline())
        for i, line in enumerate(src, start=1):
            if i % BAD_EVERY == 0:
                cells = line.split(",")
                cells[5] = "-" + cells[5]
                line = ",".join(cells)
                n += 1
            dst.write(line)
    spoiled.replace(path)
    return n


def _run(script: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_filings(repeats: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="greenstat-bench-") as tmp:
        csv = Path(tmp) / "filings.csv"
        rows = write_bench_filings(csv, enterprises=ENTERPRISES)
        spoiled = _spoil(csv)
        plain, ours = [], []
        for i in range(repeats):
            plain.append(_run(PLAIN, str(csv), f"{tmp}/plain{i}.parquet"))
            ours.append(_run(GREENSTAT, str(csv), f"{tmp}/lake{i}", f"{tmp}/wh{i}.duckdb"))
            for leftover in Path(tmp).glob(f"*{i}.*"):
                leftover.unlink()
            shutil.rmtree(f"{tmp}/lake{i}")
    best_plain = min(plain, key=lambda r: r["seconds"])
    best = min(ours, key=lambda r: r["seconds"])
    if (best["rows_in"], best["quarantined"], best["lake_rows"]) != (
        rows,
        spoiled,
        rows - spoiled,
    ):
        raise RuntimeError(f"filings bench: staged {best}, expected {rows} rows, {spoiled} bad")
    return ratio_result(
        "filings_staging",
        f"stage {rows:,} filing rows ({spoiled:,} invalid) with full validation into the lake",
        best["seconds"],
        best_plain["seconds"],
        BUDGET_RATIO,
        peak_rss_mib=round(best["peak_rss_mib"]),
        plain_peak_rss_mib=round(best_plain["peak_rss_mib"]),
        repeats=repeats,
    )


if __name__ == "__main__":
    print(json.dumps(bench_filings(int(sys.argv[1]) if len(sys.argv) > 1 else 1), indent=2))
