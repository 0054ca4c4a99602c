"""Render the data dictionary (docs/tables.md) from the table descriptions.

``python -m warehouse.docs > docs/tables.md``; a test keeps the file current.
"""

from __future__ import annotations

from warehouse.tables import TABLES


def render() -> str:
    out = [
        "# Tables",
        "",
        "Generated from `warehouse/tables.py` by `python -m warehouse.docs`; do not edit.",
        "",
    ]
    for t in TABLES:
        out += [f"## `{t.qualified}`", "", f"{t.en}. {t.zh}", ""]
        if t.primary_key:
            out += [f"One row per {', '.join(t.primary_key)}.", ""]
        base = f"lake/{t.schema}/{t.name}"
        if t.storage == "lake" and t.lake_partition is None:
            out += [f"Held in the lake, one file per archived file: `{base}/<sha256>.parquet`.", ""]
        elif t.storage == "lake":
            key = "YYYY-MM" if t.lake_partition == "month" else "YYYY"
            out += [f"Held in the lake: `{base}/{t.lake_partition}={key}/<sha256>.parquet`.", ""]
        elif t.lake_partition:
            key = "YYYY-MM" if t.lake_partition == "month" else "YYYY"
            out += [f"Also in the lake: `{base}/{t.lake_partition}={key}/`.", ""]
        out += ["| column | type | unit | description | 说明 |", "|---|---|---|---|---|"]
        for c in t.columns:
            desc = c.en + ("" if c.nullable else " (not null)")
            if c.values:
                desc += f"; one of {', '.join(f'`{v}`' for v in c.values)}"
            out.append(f"| `{c.name}` | {c.type} | {c.unit or ''} | {desc} | {c.zh} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
