"""Build ``nbs_official.csv``, the embedded extract of real NBS figures.

Run from the repository root with the public files beside it::

    .venv/bin/python -m sources.extracts.build_nbs_extract ../shared/data

It reads the NBS portal exports with greenstat's own connector and writes one
cited row per figure (province GDP and year-end resident population, with the
older GDP vintages beside the revised one). The output is the project's own
extract, never a copy of the files it was built from; rebuilding it from the
same inputs gives the same bytes.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from sources.catalogue import default_catalogue
from sources.extract import write_extract
from sources.nbs_export import parse_nbs_export
from sources.regions import default_resolver

OUTPUT = Path(__file__).resolve().parent / "nbs_official.csv"
FIRST_YEAR = 2010


@dataclass(frozen=True)
class Input:
    relpath: str  # under shared/data
    vintage_note: str
    indicator: str | None = None


INPUTS = (
    Input(
        "nbs_easyquery/RenJiyi163_gbk/分省年度数据.csv",
        "revised after the 5th national economic census (第五次全国经济普查)",
    ),
    Input("nbs_easyquery/1lmq/分省年度数据.csv", "year-end resident population release"),
    Input(
        "nbs_easyquery/data-collection_xls/分省年度数据.xls",
        "2018 figures revised after the 4th economic census; earlier years pre-revision",
    ),
    Input(
        "nbs_easyquery/Tobby-star/分省年度数据.csv",
        "old vintage, before the 4th and 5th economic census revisions",
    ),
)


def build(shared: Path) -> list[dict[str, str]]:
    resolver, catalogue = default_resolver(), default_catalogue()
    rows: list[dict[str, str]] = []
    for inp in INPUTS:
        path = shared / inp.relpath
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        export = parse_nbs_export(path, indicator=inp.indicator)
        latest = export.latest_year_with_data
        if latest is None:
            raise SystemExit(f"{inp.relpath}: no data")
        vintage = str(latest + 1)
        for cell in export.cells:
            if cell.year < FIRST_YEAR or cell.region_label is None:
                continue
            region = resolver.resolve(cell.region_label)
            ind = catalogue.lookup_name(cell.indicator_label)
            if region is None or ind is None:
                raise SystemExit(
                    f"{inp.relpath} row {cell.source_row}: cannot map "
                    f"{cell.region_label!r} / {cell.indicator_label!r}"
                )
            rows.append(
                {
                    "region_code": region,
                    "indicator_code": ind.indicator_code,
                    "year": str(cell.year),
                    "value_as_written": cell.value_as_written,
                    "unit_as_written": cell.unit_as_written,
                    "vintage": vintage,
                    "data_kind": "official",
                    "citation": (
                        f"国家统计局 National Bureau of Statistics, 国家数据 "
                        f"{export.database or '分省年度数据'}: {cell.indicator_label}"
                        f"({cell.unit_as_written}); {inp.vintage_note}"
                    ),
                    "origin": f"{inp.relpath} sha256:{sha[:16]} row {cell.source_row}",
                }
            )
    rows.sort(key=lambda r: (r["indicator_code"], r["vintage"], r["region_code"], r["year"]))
    return rows


def write(rows: list[dict[str, str]], out: Path = OUTPUT) -> None:
    write_extract(out, rows)


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared/data")
    rows = build(shared)
    write(rows)
    print(f"wrote {len(rows)} rows to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
