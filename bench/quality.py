"""Benchmark: the quality layer on a 10M-row table against the same checks written by
hand in plain DuckDB SQL, in the same process and run.

The table is ``marts.indicator_values`` with 10,000,000 generated rows (40 regions x
250 indicators x 1,000 years; 10% of the indicators are shares in percent), in a
warehouse file in a temporary directory. The quality layer: every expectation of the
committed suite (types, not null, the data-kind set, the primary key, shares within
0..100, year-over-year bounds) run by ``quality.checks.run_checks`` as the asset checks
run it, including writing one ``quality.check_results`` row per expectation with its GX
result JSON. The baseline: the same checks as a person would write them, one aggregate
query for the per-row rules, one for the key, one for the year-over-year join and one
schema lookup, counting offending rows only. Best of N for both.

For the record, GX 1.x itself (pandas mode; SQL mode needs the ``duckdb_engine`` dialect,
which is not installed) validates the same per-row and key expectations on a 1M-row
slice; its time is shown beside ours on the same slice.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.ratio import ratio_result
from quality.checks import run_checks, suite_checks
from quality.expectations import Batch, validate
from quality.suites import suite_for
from warehouse.ddl import ensure_schema
from warehouse.tables import INDICATOR_VALUES

ROWS = 10_000_000
GX_ROWS = 1_000_000
BUDGET_RATIO = 2.0
TABLE = "marts.indicator_values"

# Generated columns by name; any other column of the declaration is NULL of its type.
_GENERATED = {
    "region_code": "'R' || lpad((i % 40)::VARCHAR, 3, '0')",
    "indicator_code": "'ind_' || lpad(((i // 40) % 250)::VARCHAR, 3, '0')",
    "year": "(1000 + i // 10000)::INTEGER",
    "value": "CASE WHEN (i // 40) % 250 < 25 THEN 100 * random() "
    "ELSE 1e6 * (1 + 0.05 * random()) END",
    "unit": "CASE WHEN (i // 40) % 250 < 25 THEN 'percent' ELSE 'persons' END",
    "data_kind": "['official', 'derived', 'demo'][1 + i % 3]",
    "source": "'bench'",
    "vintage": "'2024'",
    "provenance": "'sha256:bench#row=' || i",
}

# The suite's checks written by hand: what plain DuckDB SQL costs for the same rules.
PLAIN_ROWS = """SELECT
  count(*) FILTER (WHERE region_code IS NULL), count(*) FILTER (WHERE indicator_code IS NULL),
  count(*) FILTER (WHERE year IS NULL), count(*) FILTER (WHERE value IS NULL),
  count(*) FILTER (WHERE unit IS NULL), count(*) FILTER (WHERE data_kind IS NULL),
  count(*) FILTER (WHERE source IS NULL), count(*) FILTER (WHERE vintage IS NULL),
  count(*) FILTER (WHERE provenance IS NULL),
  count(*) FILTER (WHERE data_kind NOT IN ('official', 'derived', 'demo')),
  count(*) FILTER (WHERE unit = 'percent' AND indicator_code <> 'fai_funds_in_place_growth'
                   AND (value < 0 OR value > 100))
FROM marts.indicator_values"""
PLAIN_KEY = """SELECT count(*) FROM (SELECT region_code, indicator_code, year
  FROM marts.indicator_values GROUP BY ALL HAVING count(*) > 1)"""
PLAIN_YOY = """SELECT count(*) FROM marts.indicator_values c
JOIN marts.indicator_values p ON p.region_code = c.region_code
 AND p.indicator_code = c.indicator_code AND p.year = c.year - 1 AND p.unit = c.unit
JOIN (VALUES ('persons', 0.9, 1.1), ('yuan', 0.7, 1.5), ('tce/10k yuan', 0.6, 1.4),
             ('t CO2/10k yuan', 0.6, 1.4), ('m3/10k yuan', 0.6, 1.4), ('kgce/t', 0.8, 1.2))
     b(unit, low, high) ON b.unit = c.unit
WHERE p.value > 0 AND (c.value / p.value < b.low OR c.value / p.value > b.high)"""
PLAIN_TYPES = """SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = 'marts' AND table_name = 'indicator_values'"""


def _generate(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    ensure_schema(con)
    # Built without the DDL's key index, as a mart of this size would be (decision 22's
    # key_in_ddl=False): loading 10M rows through an ART index takes minutes.
    con.execute(f"DROP TABLE {TABLE}")
    cols = ", ".join(
        f"({_GENERATED.get(c.name, 'NULL')})::{c.type} AS {c.name}"
        for c in INDICATOR_VALUES.columns
    )
    con.execute(f"CREATE TABLE {TABLE} AS SELECT {cols} FROM range({rows}) t(i)")
    con.execute("CHECKPOINT")


def _plain(con: duckdb.DuckDBPyConnection, declared: dict[str, str]) -> int:
    failing = sum(con.execute(PLAIN_ROWS).fetchall()[0])
    failing += con.execute(PLAIN_KEY).fetchall()[0][0]
    failing += con.execute(PLAIN_YOY).fetchall()[0][0]
    types = dict(con.execute(PLAIN_TYPES).fetchall())
    return failing + sum(1 for c, t in declared.items() if types.get(c) != t)


def _ours(con: duckdb.DuckDBPyConnection, run: int) -> int:
    outcomes = run_checks(con, suite_checks(INDICATOR_VALUES), run_id=f"bench-{run}")
    return sum(o.failing_rows for o in outcomes)


def _gx_pandas(con: duckdb.DuckDBPyConnection, rows: int) -> dict[str, object]:
    """GX's own execution (pandas) of the suite's per-row and key expectations on a slice,
    against ours on the same slice; the slice's conversion to pandas is not timed."""
    import warnings

    con.execute(f"CREATE OR REPLACE TABLE main.slice AS FROM {TABLE} LIMIT {rows}")
    df = con.sql("SELECT * EXCLUDE (inputs) FROM main.slice").df()
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's per-metric progress bars
    t = time.perf_counter()
    import great_expectations as gx

    imported = time.perf_counter() - t
    portable = [
        e
        for e in suite_for(TABLE).expectations
        if e.type not in ("unexpected_rows_expectation", "expect_column_values_to_be_of_type")
    ]
    ctx = gx.get_context(mode="ephemeral")
    batch_def = (
        ctx.data_sources.add_pandas("bench")
        .add_dataframe_asset("iv")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = gx.ExpectationSuite(name="bench", expectations=[e.to_json() for e in portable])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        result = batch_def.get_batch(batch_parameters={"dataframe": df}).validate(suite)
        gx_seconds = time.perf_counter() - t
    t = time.perf_counter()
    validate(con, portable, Batch("main.slice"))  # the same rules, natively, same rows
    ours_seconds = time.perf_counter() - t
    return {
        "rows": rows,
        "expectations": len(portable),
        "gx_pandas_seconds": round(gx_seconds, 2),
        "gx_import_seconds": round(imported, 2),
        "native_seconds": round(ours_seconds, 3),
        "gx_success": bool(result.success),
    }


def bench_quality(repeats: int, rows: int = ROWS, gx_rows: int | None = GX_ROWS) -> dict:
    with tempfile.TemporaryDirectory(prefix="greenstat-bench-quality-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "warehouse.duckdb"))
        t = time.perf_counter()
        _generate(con, rows)
        generated = time.perf_counter() - t
        declared = {
            c: "TIMESTAMP WITH TIME ZONE" if t == "TIMESTAMPTZ" else t
            for c, t in ((c.name, c.type) for c in INDICATOR_VALUES.columns)
        }
        plain, ours = [], []
        for run in range(repeats):
            t = time.perf_counter()
            plain_failing = _plain(con, declared)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            ours_failing = _ours(con, run)
            ours.append(time.perf_counter() - t)
        if plain_failing != ours_failing:
            raise RuntimeError(f"plain SQL found {plain_failing} failing rows, ours {ours_failing}")
        recorded = con.execute(
            "SELECT count(*), count(DISTINCT run_id) FROM quality.check_results"
        ).fetchall()[0]
        gx = _gx_pandas(con, gx_rows) if gx_rows else None
        con.close()
    o, p = min(ours), min(plain)
    out = ratio_result(
        "quality_suite",
        f"the marts.indicator_values suite ({recorded[0] // repeats} expectations) on "
        f"{rows:,} rows, run natively and recorded with GX results, against the same checks "
        "in hand-written DuckDB SQL (one process, same run)",
        o,
        p,
        BUDGET_RATIO,
        rows_recorded_per_run=recorded[0] // repeats,
        generate_seconds=round(generated, 1),
        repeats=repeats,
    )
    if gx:
        out["gx_pandas"] = gx
    return out


if __name__ == "__main__":
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else ROWS
    print(json.dumps(bench_quality(repeats, rows), indent=2))
