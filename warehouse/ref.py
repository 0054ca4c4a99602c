"""Reference tables (``ref.*``) loaded from the reviewed files in ``sources/ref``."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import duckdb

from sources.admin_divisions import admin_divisions
from sources.catalogue import load_indicators
from sources.industries import load_industries
from sources.regions import load_regions
from sources.targets import load_targets
from warehouse.tables import POLICY_TARGETS

CEADS_SECTORS_CSV = Path(__file__).resolve().parent.parent / "sources" / "ref" / "ceads_sectors.csv"


def load_ceads_sectors(path: Path = CEADS_SECTORS_CSV) -> list[dict[str, object]]:
    """The reviewed sector mapping; '#' lines are its commentary."""
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return [
        {
            "sector_no": int(r["sector_no"]),
            "name_en": r["name_en"],
            "name_zh": r["name_zh"],
            "gb4754": r["gb4754"] or None,
            "section": r["section"] or None,
            "is_industry": r["is_industry"].strip().lower() == "true",
            "cui_sector": r["cui_sector"],
        }
        for r in rows
    ]


def load_reference(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    import pyarrow as pa  # lazily: not needed to ingest metering

    regions = load_regions()
    ref_regions = pa.table(  # noqa: F841 (read by DuckDB by name)
        {
            "region_code": [r.region_code for r in regions],
            "gb2260": [r.gb2260 or None for r in regions],
            "name_zh": [r.name_zh for r in regions],
            "name_en": [r.name_en for r in regions],
            "level": [r.level for r in regions],
            "parent_code": [r.parent_code or None for r in regions],
            "aliases": [list(r.aliases) for r in regions],
        }
    )
    indicators = load_indicators()
    ref_indicators = pa.table(  # noqa: F841
        {
            "indicator_code": [i.indicator_code for i in indicators],
            "name_zh": [i.name_zh for i in indicators],
            "name_en": [i.name_en for i in indicators],
            "unit": [i.unit for i in indicators],
            "source_unit": [i.source_unit or None for i in indicators],
            "direction": [i.direction for i in indicators],
            "domain": [i.domain or None for i in indicators],
            "definition": [i.definition or None for i in indicators],
            "source_names": [list(i.source_names) for i in indicators],
            "change_of": [i.change_of or None for i in indicators],
            "published_in": [i.published_in or None for i in indicators],
        }
    )
    con.execute("DELETE FROM ref.regions")
    con.execute("INSERT INTO ref.regions BY NAME SELECT * FROM ref_regions")
    con.execute("DELETE FROM ref.indicators")
    con.execute("INSERT INTO ref.indicators BY NAME SELECT * FROM ref_indicators")
    targets = load_targets()
    ref_targets = pa.table(  # noqa: F841
        {c.name: [t[c.name] for t in targets] for c in POLICY_TARGETS.columns},
        schema=pa.schema(
            [
                (
                    c.name,
                    pa.int32()
                    if c.type == "INTEGER"
                    else pa.float64()
                    if c.type == "DOUBLE"
                    else pa.string(),
                )
                for c in POLICY_TARGETS.columns
            ]
        ),
    )
    con.execute("DELETE FROM ref.policy_targets")
    con.execute("INSERT INTO ref.policy_targets BY NAME SELECT * FROM ref_targets")
    sectors = load_ceads_sectors()
    ref_sectors = pa.Table.from_pylist(sectors)  # noqa: F841
    con.execute("DELETE FROM ref.ceads_sectors")
    con.execute("INSERT INTO ref.ceads_sectors BY NAME SELECT * FROM ref_sectors")
    industries = pa.Table.from_pylist([dataclasses.asdict(i) for i in load_industries()])
    divisions = pa.Table.from_pylist([dataclasses.asdict(d) for d in admin_divisions()])
    for table, rows in (("ref.industries", industries), ("ref.admin_divisions", divisions)):
        con.register("_ref_rows", rows)
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _ref_rows")
        con.unregister("_ref_rows")
    return {
        "ref.industries": industries.num_rows,
        "ref.admin_divisions": divisions.num_rows,
        "ref.ceads_sectors": len(sectors),
        "ref.regions": len(regions),
        "ref.indicators": len(indicators),
        "ref.policy_targets": len(targets),
    }
