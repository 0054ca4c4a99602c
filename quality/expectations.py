"""Great Expectations suites executed natively in DuckDB SQL, with GX-format results.

A suite is GX 1.x JSON (``quality/suites/``), readable and editable by statisticians
and loadable by GX itself. Running it through GX costs 7 to 12 times plain SQL on a
large table (``docs/benchmarks.md``), so here every expectation is compiled to SQL:
the per-row rules of a batch (not null, sets, ranges, column pairs, row counts) become
``count(*) FILTER (WHERE ...)`` terms of one aggregate query, one scan of the batch;
uniqueness and hand-written unexpected-rows queries run as one query each; types are
read from ``information_schema``. Each result is written in GX's
``ExpectationValidationResult`` JSON so Data Docs can render it, and carries the SQL
that lists its offending rows. GX is never imported here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from typing import Any

import duckdb

CRITICAL = "critical"  # GX's severity for a rule whose failure blocks a publish
WARNING = "warning"
SEVERITIES = {CRITICAL: "blocking", WARNING: "warning", "info": "warning"}
SAMPLES = 20  # GX's partial_unexpected_list length

# Expectation types by how they run. Row rules share one scan of the batch.
ROW_TYPES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
UNIQUE_TYPES = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
QUERY_TYPES = frozenset(
    {
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "unexpected_rows_expectation",
    }
)
SUPPORTED = (
    ROW_TYPES
    | QUERY_TYPES
    | {
        "expect_column_values_to_be_of_type",
        "expect_table_row_count_to_be_between",
    }
)
# information_schema spells some types differently from the DDL.
_TYPE_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE", "INT": "INTEGER", "FLOAT8": "DOUBLE"}


@cache
def gx_version() -> str:
    """The installed GX version, read from package metadata (no import)."""
    return version("great_expectations")


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Expectation:
    """One GX expectation configuration (type, kwargs, meta, severity, description).

    ``meta.check`` names it within its table (``value.not_null``); ``meta.origin`` says
    whether it was derived from ``warehouse/tables.py`` or written by hand."""

    type: str
    kwargs: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    severity: str = CRITICAL
    description: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Expectation:
        return cls(
            d["type"],
            dict(d.get("kwargs") or {}),
            dict(d.get("meta") or {}),
            d.get("severity", CRITICAL),
            d.get("description"),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "kwargs": dict(self.kwargs)}
        if self.description:
            out["description"] = self.description
        out["severity"] = self.severity
        out["meta"] = dict(self.meta)
        return out

    @property
    def name(self) -> str:
        return str(self.meta["check"])

    @property
    def blocking(self) -> bool:
        return self.severity == CRITICAL

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")


@dataclass(frozen=True)
class Suite:
    name: str  # the qualified table it describes
    expectations: tuple[Expectation, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    notes: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Suite:
        return cls(
            d["name"],
            tuple(Expectation.from_json(e) for e in d["expectations"]),
            dict(d.get("meta") or {}),
            d.get("notes"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": None,
            "expectations": [e.to_json() for e in self.expectations],
            "meta": dict(self.meta),
            "notes": self.notes,
        }

    def select(self, severity: str | None = None) -> list[Expectation]:
        return [e for e in self.expectations if severity is None or e.severity == severity]


@dataclass(frozen=True)
class Batch:
    """The rows a validation looks at: a table, optionally one partition of it."""

    table: str
    where: str | None = None
    partition: str | None = None

    def rows(self, *conditions: str) -> str:
        """``SELECT * FROM table WHERE ...`` for the batch and further conditions."""
        conds = [c for c in (self.where, *conditions) if c and c != "true"]
        where = " WHERE " + " AND ".join(f"({c})" for c in conds) if conds else ""
        return f"SELECT * FROM {self.table}{where}"

    @property
    def subquery(self) -> str:
        return f"({self.rows()})" if self.where else self.table


# --- compiling expectations -------------------------------------------------------


def condition_sql(cond: Any) -> str:
    """A GX 1.x row_condition (structured: comparison, nullity, and, or) as SQL."""
    if cond is None:
        return "true"
    if isinstance(cond, str):
        raise ValueError(f"string row_condition {cond!r}: write it as a structured condition")
    kind = cond.get("type")
    if kind in ("and", "or"):
        parts = [condition_sql(c) for c in cond["conditions"]]
        return "(" + f" {kind.upper()} ".join(parts) + ")"
    col = ident(cond["column"]["name"])
    if kind == "nullity":
        return f"{col} IS {'' if cond['is_null'] else 'NOT '}NULL"
    if kind == "comparison":
        op, param = cond["operator"], cond["parameter"]
        if op in ("IN", "NOT_IN"):
            values = ", ".join(sql_literal(v) for v in param)
            return f"{col} {'NOT IN' if op == 'NOT_IN' else 'IN'} ({values})"
        sql_op = {"==": "=", "!=": "<>"}.get(op, op)
        return f"{col} {sql_op} {sql_literal(param)}"
    raise ValueError(f"unsupported row_condition {cond!r}")


def _bounds(col: str, kw: Mapping[str, Any]) -> str:
    """A predicate true when a non-NULL value lies outside min/max (GX semantics)."""
    out = []
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None:
        out.append(f"{col} {'<=' if kw.get('strict_min') else '<'} {sql_literal(lo)}")
    if hi is not None:
        out.append(f"{col} {'>=' if kw.get('strict_max') else '>'} {sql_literal(hi)}")
    return " OR ".join(out) or "false"


@dataclass(frozen=True)
class _RowRule:
    domain: str  # rows the expectation looks at
    missing: str | None  # rows of the domain GX counts as missing (not judged)
    unexpected: str  # rows of the domain (not missing) that break it
    sample: str  # the value(s) shown for an unexpected row


def _row_rule(e: Expectation) -> _RowRule:
    kw = e.kwargs
    domain = condition_sql(kw.get("row_condition"))
    if e.type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = ident(kw["column_A"]), ident(kw["column_B"])
        op = ">=" if kw.get("or_equal") else ">"
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        missing = {
            "both_values_are_missing": f"{a} IS NULL AND {b} IS NULL",
            "either_value_is_missing": f"{a} IS NULL OR {b} IS NULL",
            "neither": "false",
        }[ignore]
        return _RowRule(
            domain,
            missing,
            f"NOT ({missing}) AND ({a} IS NULL OR {b} IS NULL OR NOT ({a} {op} {b}))",
            f"[{a}, {b}]",
        )
    col = ident(kw["column"])
    if e.type == "expect_column_values_to_not_be_null":
        return _RowRule(domain, None, f"{col} IS NULL", col)
    if e.type == "expect_column_values_to_be_null":
        return _RowRule(domain, None, f"{col} IS NOT NULL", col)
    values = ", ".join(sql_literal(v) for v in kw.get("value_set") or [])
    bad = {
        "expect_column_values_to_be_in_set": f"{col} NOT IN ({values})" if values else "true",
        "expect_column_values_to_not_be_in_set": f"{col} IN ({values})" if values else "false",
        "expect_column_values_to_be_between": _bounds(col, kw),
        "expect_column_values_to_match_regex": (
            f"NOT regexp_matches({col}::VARCHAR, {sql_literal(kw.get('regex', ''))})"
        ),
    }[e.type]
    return _RowRule(domain, f"{col} IS NULL", f"{col} IS NOT NULL AND ({bad})", col)


def _query(e: Expectation, batch: Batch) -> str:
    """For the query-kind expectations: SQL listing the offending rows or keys, with a
    column ``n`` (rows behind each key) for uniqueness."""
    kw = e.kwargs
    if e.type == "unexpected_rows_expectation":
        query = str(kw["unexpected_rows_query"])
        return query.replace("{batch}", batch.subquery).replace("{{", "{").replace("}}", "}")
    cols = kw["column_list"] if "column_list" in kw else [kw["column"]]
    key = ", ".join(ident(c) for c in cols)
    cond = condition_sql(kw.get("row_condition"))
    if e.type == "expect_column_values_to_be_unique":
        cond = f"{cond} AND {ident(cols[0])} IS NOT NULL"
    return (
        f"SELECT {key}, count(*) AS n FROM ({batch.rows(cond)}) GROUP BY {key} HAVING count(*) > 1"
    )


def _schema_name(table: str) -> tuple[str, str]:
    schema, _, name = table.partition(".")
    return schema, name


def _type_query(e: Expectation, batch: Batch) -> str:
    schema, name = _schema_name(batch.table)
    expected = _norm_type(str(e.kwargs["type_"]))
    return (
        f"SELECT * FROM (SELECT {sql_literal(e.kwargs['column'])} AS column_name, "
        f"{sql_literal(expected)} AS expected_type, (SELECT data_type FROM "
        f"information_schema.columns WHERE table_schema = {sql_literal(schema)} AND "
        f"table_name = {sql_literal(name)} AND column_name = {sql_literal(e.kwargs['column'])})"
        " AS data_type) WHERE data_type IS DISTINCT FROM expected_type"
    )


def _norm_type(t: str) -> str:
    t = " ".join(t.upper().split())
    return _TYPE_ALIASES.get(t, t)


def rows_query(e: Expectation, batch: Batch) -> str:
    """Runnable SQL listing the rows (or keys, or schema entries) that break ``e``."""
    if e.type in ROW_TYPES:
        r = _row_rule(e)
        return batch.rows(r.domain, r.unexpected)
    if e.type in QUERY_TYPES:
        return _query(e, batch)
    if e.type == "expect_column_values_to_be_of_type":
        return _type_query(e, batch)
    if e.type == "expect_table_row_count_to_be_between":
        return (
            f"SELECT count(*) AS row_count FROM ({batch.rows()}) "
            f"HAVING {_bounds('count(*)', e.kwargs)}"
        )
    raise ValueError(f"{e.type} is not supported natively")


# --- results -----------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dt.datetime | dt.date | dt.time | decimal.Decimal | dt.timedelta):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _short(v: Any) -> str:
    text = "NULL" if v is None else repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class ExpectationResult:
    """The outcome of one expectation on one batch."""

    expectation: Expectation
    batch: Batch
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None  # rows that break it (for a type: 0 or 1)
    missing_count: int | None = None
    observed_value: Any = None  # types, row counts, unexpected-rows counts
    groups: int | None = None  # duplicated keys, for uniqueness
    partial: list[Any] = field(default_factory=list)
    partial_counts: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def rows_query(self) -> str:
        return rows_query(self.expectation, self.batch)

    @property
    def name(self) -> str:
        return f"{self.batch.table}.{self.expectation.name}"

    @property
    def severity(self) -> str:
        return SEVERITIES[self.expectation.severity]

    @property
    def failing_rows(self) -> int:
        if self.success:
            return 0
        return self.unexpected_count if self.unexpected_count is not None else 1

    def observed(self) -> str:
        """The observed value in words, with a few offending values when it failed."""
        if self.error:
            return f"error: {self.error}"
        e = self.expectation
        if e.type == "expect_column_values_to_be_of_type":
            return str(self.observed_value or "column missing")
        if e.type == "expect_table_row_count_to_be_between":
            return f"{self.observed_value:,} rows"
        if e.type == "unexpected_rows_expectation":
            text = f"{self.observed_value:,} rows"
        elif e.type in (
            "expect_compound_columns_to_be_unique",
            "expect_column_values_to_be_unique",
        ):
            text = f"{self.unexpected_count:,} rows in {self.groups or 0:,} duplicated keys"
        else:
            judged = (self.element_count or 0) - (self.missing_count or 0)
            text = f"{self.unexpected_count:,} of {judged:,} rows"
        if self.partial and not self.success:
            text += ", e.g. " + ", ".join(_short(v) for v in self.partial[:3])
        return text

    def threshold(self) -> str:
        """The bound, in words (the rule itself is in the expectation)."""
        e, kw = self.expectation, self.expectation.kwargs
        if e.type == "expect_column_values_to_be_of_type":
            return _norm_type(str(kw["type_"]))
        if e.type == "expect_table_row_count_to_be_between":
            return f"between {kw.get('min_value')} and {kw.get('max_value')} rows"
        mostly = kw.get("mostly")
        if mostly is not None and mostly < 1:
            return f"at least {mostly:.0%} of rows"
        return "0 rows"

    def line(self) -> str:
        """One line for a failure message: table and check, expectation, observed."""
        where = f" [{self.batch.partition}]" if self.batch.partition else ""
        return (
            f"{self.name}{where} ({self.expectation.type}): observed {self.observed()}, "
            f"expected {self.threshold()}"
        )

    def gx(self, run_id: str | None = None) -> dict[str, Any]:
        """GX's ExpectationValidationResult JSON."""
        e = self.expectation
        config = e.to_json()
        config["kwargs"] = {"batch_id": f"warehouse-{self.batch.table}", **config["kwargs"]}
        result: dict[str, Any]
        if e.type in ROW_TYPES or e.type in UNIQUE_TYPES:
            n, u, m = self.element_count or 0, self.unexpected_count or 0, self.missing_count
            result = {
                "element_count": n,
                "unexpected_count": u,
                "unexpected_percent": _pct(u, n - (m or 0)),
                "partial_unexpected_list": self.partial,
            }
            if m is not None:
                result |= {
                    "missing_count": m,
                    "missing_percent": _pct(m, n),
                    "unexpected_percent_total": _pct(u, n),
                    "unexpected_percent_nonmissing": _pct(u, n - m),
                }
            result["partial_unexpected_counts"] = self.partial_counts
        elif e.type == "unexpected_rows_expectation":
            result = {"observed_value": self.observed_value}
            if self.partial:
                result["details"] = {"unexpected_rows": self.partial}
        else:
            result = {"observed_value": self.observed_value}
        return _jsonable(
            {
                "success": self.success,
                "expectation_config": config,
                "result": result,
                "meta": {
                    "check_name": self.name,
                    "partition": self.batch.partition,
                    "run_id": run_id,
                    "rows_query": self.rows_query,
                },
                "exception_info": {
                    "raised_exception": self.error is not None,
                    "exception_traceback": None,
                    "exception_message": self.error,
                },
            }
        )


def _mostly_ok(unexpected: int, judged: int, mostly: float | None) -> bool:
    if judged == 0 or unexpected == 0:
        return True
    return mostly is not None and (judged - unexpected) / judged >= mostly


def validate(
    con: duckdb.DuckDBPyConnection,
    expectations: Iterable[Expectation],
    batch: Batch,
    *,
    samples: int = SAMPLES,
) -> list[ExpectationResult]:
    """Run ``expectations`` on ``batch``: one aggregate scan for every row rule, one
    query per uniqueness or unexpected-rows rule, one schema lookup for the types."""
    exps = list(expectations)
    results: dict[int, ExpectationResult] = {}
    row_idx = [i for i, e in enumerate(exps) if e.type in ROW_TYPES]
    needs_count = [
        i
        for i, e in enumerate(exps)
        if e.type in ROW_TYPES
        or e.type in QUERY_TYPES - {"unexpected_rows_expectation"}
        or e.type == "expect_table_row_count_to_be_between"
    ]
    agg: dict[int, tuple[int, int, int | None]] = {}
    errors: dict[int, str] = {}
    total = 0
    if needs_count:
        try:
            total, agg = _aggregate(con, exps, row_idx, batch)
        except duckdb.Error:
            # A broken rule (a column that does not exist, a bad condition) would fail the
            # whole scan: run each rule alone, so only the broken one fails.
            try:
                total = _aggregate(con, exps, [], batch)[0]
            except duckdb.Error as exc:  # the batch itself cannot be read
                errors = dict.fromkeys(needs_count, _first_line(exc))
            for i in row_idx if not errors else []:
                try:
                    agg |= _aggregate(con, exps, [i], batch)[1]
                except duckdb.Error as exc:
                    errors[i] = _first_line(exc)
    types = None
    if any(e.type == "expect_column_values_to_be_of_type" for e in exps):
        types = _column_types(con, batch.table)
    for i, e in enumerate(exps):
        if i in errors:
            results[i] = ExpectationResult(e, batch, False, error=errors[i])
            continue
        try:
            results[i] = _one(con, e, batch, agg.get(i), total, samples, types)
        except duckdb.Error as exc:  # a broken hand-written query fails its own check only
            results[i] = ExpectationResult(e, batch, False, error=_first_line(exc))
    return [results[i] for i in range(len(exps))]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def _aggregate(
    con: duckdb.DuckDBPyConnection, exps: Sequence[Expectation], idx: Sequence[int], batch: Batch
) -> tuple[int, dict[int, tuple[int, int, int | None]]]:
    """Row count, and (domain, unexpected, missing) counts of the row rules ``idx``, in one
    aggregate query; identical terms (every row, the same NULL test) computed once."""
    terms: dict[str, int] = {"count(*)": 0}

    def term(cond: str) -> int:
        sql = "count(*)" if cond == "true" else f"count(*) FILTER (WHERE {cond})"
        return terms.setdefault(sql, len(terms))

    wanted: dict[int, tuple[int, int, int | None]] = {}
    for i in idx:
        r = _row_rule(exps[i])
        wanted[i] = (
            term(r.domain),
            term(_within(r.domain, r.unexpected)),
            term(_within(r.domain, r.missing)) if r.missing else None,
        )
    where = f" WHERE {batch.where}" if batch.where else ""
    row = con.execute(f"SELECT {', '.join(terms)} FROM {batch.table}{where}").fetchall()[0]
    counts = {
        i: (int(row[d]), int(row[u]), int(row[m]) if m is not None else None)
        for i, (d, u, m) in wanted.items()
    }
    return int(row[0]), counts


def _within(domain: str, cond: str) -> str:
    return cond if domain == "true" else f"({domain}) AND ({cond})"


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    schema, name = _schema_name(table)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {c: _norm_type(t) for c, t in rows}


def _one(
    con: duckdb.DuckDBPyConnection,
    e: Expectation,
    batch: Batch,
    counts: tuple[int, int, int | None] | None,
    total: int,
    samples: int,
    types: dict[str, str] | None,
) -> ExpectationResult:
    kw = e.kwargs
    if e.type in ROW_TYPES:
        assert counts is not None
        dom_n, bad, miss = counts
        ok = _mostly_ok(bad, dom_n - (miss or 0), kw.get("mostly"))
        res = ExpectationResult(e, batch, ok, dom_n, bad, miss)
        if bad:
            _sample_values(con, res, samples)
        return res
    if e.type in QUERY_TYPES:
        q = _query(e, batch)
        if e.type == "unexpected_rows_expectation":
            (n,) = con.execute(f"SELECT count(*) FROM ({q})").fetchall()[0]
            res = ExpectationResult(e, batch, n == 0, observed_value=int(n), unexpected_count=n)
            if n:
                res.partial = _dicts(con, f"SELECT * FROM ({q}) LIMIT {samples}")
            return res
        groups, rows = con.execute(f"SELECT count(*), coalesce(sum(n), 0) FROM ({q})").fetchall()[0]
        res = ExpectationResult(e, batch, int(rows) == 0, total, int(rows), 0, groups=int(groups))
        if groups:
            keyed = _dicts(con, f"SELECT * FROM ({q}) ORDER BY n DESC LIMIT {samples}")
            res.partial = [{k: v for k, v in d.items() if k != "n"} for d in keyed]
            res.partial_counts = [
                {"value": {k: v for k, v in d.items() if k != "n"}, "count": d["n"]} for d in keyed
            ]
        return res
    if e.type == "expect_column_values_to_be_of_type":
        if types is None:
            return ExpectationResult(e, batch, False)
        got = types.get(kw["column"])
        ok = got == _norm_type(str(kw["type_"]))
        return ExpectationResult(e, batch, ok, observed_value=got, unexpected_count=0 if ok else 1)
    if e.type == "expect_table_row_count_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        ok = (lo is None or total >= lo) and (hi is None or total <= hi)
        return ExpectationResult(
            e, batch, ok, observed_value=total, unexpected_count=0 if ok else 1
        )
    return ExpectationResult(e, batch, False, error=f"{e.type} is not supported natively")


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _sample_values(con: duckdb.DuckDBPyConnection, res: ExpectationResult, samples: int) -> None:
    r = _row_rule(res.expectation)
    src = f"({res.batch.rows(r.domain, r.unexpected)})"
    res.partial = [
        v for (v,) in con.execute(f"SELECT {r.sample} FROM {src} LIMIT {samples}").fetchall()
    ]
    res.partial_counts = [
        {"value": v, "count": int(n)}
        for v, n in con.execute(
            f"SELECT {r.sample} AS v, count(*) AS n FROM {src} GROUP BY ALL "
            f"ORDER BY n DESC, v LIMIT {samples}"
        ).fetchall()
    ]


# --- GX suite validation results and quality.check_results -------------------------


def suite_result(
    suite_name: str,
    results: Sequence[Mapping[str, Any]],
    *,
    run_id: str | None,
    checked_at: dt.datetime,
    partition: str | None,
    table: str,
) -> dict[str, Any]:
    """GX's ExpectationSuiteValidationResult JSON from ExpectationValidationResult dicts."""
    ok = sum(1 for r in results if r["success"])
    when = checked_at.replace(tzinfo=dt.UTC).isoformat()
    return {
        "success": ok == len(results),
        "results": list(results),
        "suite_name": suite_name,
        "suite_parameters": {},
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": ok,
            "unsuccessful_expectations": len(results) - ok,
            "success_percent": _pct(ok, len(results)) if results else None,
        },
        "meta": {
            "great_expectations_version": gx_version(),
            "batch_spec": {"table": table, "partition": partition},
            "batch_markers": {},
            "active_batch_definition": {
                "datasource_name": "warehouse",
                "data_connector_name": "duckdb",
                "data_asset_name": table,
                "batch_identifiers": {"partition": partition or "all"},
            },
            "validation_time": when,
            "run_id": {"run_name": run_id, "run_time": when},
            "checkpoint_id": None,
        },
        "id": None,
    }


RESULT_COLUMNS = (
    "check_name",
    "table_name",
    "partition",
    "run_id",
    "severity",
    "passed",
    "observed",
    "threshold",
    "rows_query",
    "gx_result",
)


_RESULT_SHAPE = json.dumps(
    [{c: "BOOLEAN" if c == "passed" else "VARCHAR" for c in RESULT_COLUMNS}]
).replace("'", "''")


def insert_results(
    con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]], checked_at: dt.datetime
) -> None:
    """Append rows (in RESULT_COLUMNS order) to quality.check_results in one statement,
    passed as one JSON document: hundreds of single-row inserts cost a second and a half."""
    if not rows:
        return
    doc = json.dumps([dict(zip(RESULT_COLUMNS, r, strict=True)) for r in rows], default=str)
    con.execute(
        "INSERT INTO quality.check_results BY NAME SELECT "
        f"unnest(from_json(?, '{_RESULT_SHAPE}'), recursive := true), ?::TIMESTAMP AS checked_at",
        [doc, checked_at],
    )


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    con: duckdb.DuckDBPyConnection,
    results: Iterable[ExpectationResult],
    *,
    run_id: str | None,
    checked_at: dt.datetime | None = None,
) -> int:
    """One quality.check_results row per result, with its GX JSON."""
    when = checked_at or now_utc()
    rows = [
        [
            r.name,
            r.batch.table,
            r.batch.partition,
            run_id,
            r.severity,
            r.success,
            r.observed(),
            r.threshold(),
            r.rows_query,
            json.dumps(r.gx(run_id), ensure_ascii=False),
        ]
        for r in results
    ]
    insert_results(con, rows, when)
    return len(rows)
