"""DDL and column comments generated from ``warehouse.tables``.

``ensure_schema`` is idempotent and additive: it creates what is missing and
adds columns that a newer table description introduced, so an existing
warehouse follows the descriptions without a rebuild.
"""

from __future__ import annotations

import duckdb

from warehouse.tables import SCHEMAS, TABLES, Table


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table_sql(t: Table) -> str:
    cols = [
        f'"{c.name}" {c.type} GENERATED ALWAYS AS ({c.generated}) VIRTUAL'
        if c.generated
        else f'"{c.name}" {c.type}{"" if c.nullable else " NOT NULL"}'
        for c in t.columns
    ]
    if t.primary_key and t.key_in_ddl:
        cols.append(f"PRIMARY KEY ({', '.join(t.primary_key)})")
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {t.qualified} (\n  {body}\n)"


def comment_sql(t: Table) -> list[str]:
    stmts = [f"COMMENT ON TABLE {t.qualified} IS {_quote(t.comment)}"]
    stmts += [
        f'COMMENT ON COLUMN {t.qualified}."{c.name}" IS {_quote(c.comment)}' for c in t.columns
    ]
    return stmts


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    columns: dict[tuple[str, str], set[str]] = {}
    for s, t, c in con.sql(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
    ).fetchall():
        columns.setdefault((s, t), set()).add(c)
    for t in TABLES:
        present = columns.get((t.schema, t.name))
        if present is None:
            con.execute(create_table_sql(t))
        else:
            for c in t.columns:
                if c.name not in present:
                    con.execute(f'ALTER TABLE {t.qualified} ADD COLUMN "{c.name}" {c.type}')
        for stmt in comment_sql(t):
            con.execute(stmt)


def full_ddl() -> str:
    """The whole schema as one SQL script (written to docs for analysts)."""
    parts = [f"CREATE SCHEMA IF NOT EXISTS {s};" for s in SCHEMAS]
    for t in TABLES:
        parts.append(create_table_sql(t) + ";")
        parts.extend(s + ";" for s in comment_sql(t))
    return "\n".join(parts) + "\n"
