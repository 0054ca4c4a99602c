"""Build ``owid_cn.csv``, the embedded extract of OWID's national series for China.

Run from the repository root with the public files beside it::

    .venv/bin/python -m sources.extracts.build_owid_extract ../shared/data

It reads the two OWID files with greenstat's own connector (``sources.owid``), so
the extract holds exactly the mapped columns, units as OWID writes them and the
inferred vintage, one cited row per figure with the file, its sha256 prefix, row
and column as origin. Rebuilding from the same inputs gives the same bytes.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from sources.extract import write_extract
from sources.ingest import IngestOptions
from sources.owid import parse_owid

OUTPUT = Path(__file__).resolve().parent / "owid_cn.csv"
INPUTS = (
    "owid/owid-energy-data_CHN_2010-2025.csv",
    "owid/owid-co2-data_CHN_2014-2023.csv",
)


def build(shared: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for relpath in INPUTS:
        path = shared / relpath
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        parsed = parse_owid(path, IngestOptions())
        if parsed.rejects:
            first = parsed.rejects[0]
            raise SystemExit(f"{relpath} row {first.source_row}: {first.reason}")
        for c in parsed.candidates:
            rows.append(
                {
                    "region_code": str(c.region_label),
                    "indicator_code": c.indicator,
                    "year": str(c.year),
                    "value_as_written": c.value_as_written,
                    "unit_as_written": c.unit_as_written,
                    "vintage": c.vintage,
                    "data_kind": c.data_kind,
                    "citation": f"{c.citation}; vintage {parsed.meta['vintage_basis']}",
                    "origin": f"{relpath} sha256:{sha[:16]} row {c.source_row} col {c.column}",
                }
            )
    rows.sort(key=lambda r: (r["indicator_code"], r["vintage"], r["region_code"], r["year"]))
    return rows


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared/data")
    rows = build(shared)
    write_extract(OUTPUT, rows)
    print(f"wrote {len(rows)} rows to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
