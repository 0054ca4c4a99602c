"""Build greenstat's GEM wind extract from the Global Wind Power Tracker workbook.

    python -m sources.extracts.build_gem_extract \
        ../shared/data/pypsa_china_pik/Global-Wind-Power-Tracker-May-2023.xlsx

Writes ``sources/extracts/gem_wind_china.csv``: every China row of the ``Data`` sheet
(faulty ones too, so the extract quarantines exactly what the workbook does), only the
columns the capacity rollup uses, cells as GEM wrote them. GEM publishes under CC BY 4.0;
the header comment carries its citation and the release, which the connector reads back
as the vintage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sources.gem_wind import LICENCE, PUBLISHER, extract_text, read

OUTPUT = Path(__file__).resolve().parent / "gem_wind_china.csv"
DEFAULT_SOURCE = "../shared/data/pypsa_china_pik/Global-Wind-Power-Tracker-May-2023.xlsx"


def build(workbook: Path) -> str:
    got = read(workbook)
    if got.layout != "workbook" or got.vintage is None:
        raise ValueError(f"{workbook}: not a GEM workbook naming its release")
    comment = (
        f"greenstat extract of the Global Wind Power Tracker ({PUBLISHER}, {LICENCE}), "
        f"vintage {got.vintage}: the Country 'China' rows of the Data sheet, the columns the "
        f'capacity rollup uses, as written (capacity in MW). Cite: "{got.citation}". '
        "Built by python -m sources.extracts.build_gem_extract."
    )
    return extract_text(got.phases, comment)


def write(text: str, out: Path = OUTPUT) -> int:
    out.write_bytes(text.encode("utf-8"))
    return text.count("\n") - 2


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE)
    print(f"{write(build(src))} rows -> {OUTPUT}")
