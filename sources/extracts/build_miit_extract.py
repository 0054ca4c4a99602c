"""Build greenstat's MIIT extract and the notices reference from the published lists.

    python -m sources.extracts.build_miit_extract ../shared/data/miit_green_manufacturing

Writes ``sources/extracts/miit_green_lists.csv`` (the four lists in one long file: the
columns staging uses, without the long free-text columns) and
``sources/ref/miit_notices.csv`` (batch dates and addresses from the notices index).
Every row is kept, the faulty ones too, so the extract quarantines exactly what the
original files do.
"""

from __future__ import annotations

import csv
import re
import sys
from datetime import date
from pathlib import Path

from sources.miit_lists import EXTRACT_HEADER, LAYOUTS, NOTICES_CSV, VIA, read_entries

EXTRACT = Path(__file__).resolve().parent / "miit_green_lists.csv"
NOTICES_INDEX = "节能与综合利用.csv"
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def build_notices(source_dir: Path, out: Path = NOTICES_CSV) -> int:
    with open(source_dir / NOTICES_INDEX, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(
            f"# MIIT notices index ({NOTICES_INDEX}) {VIA}: the date each batch of each list "
            "was published. Built by python -m sources.extracts.build_miit_extract.\n"
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["list_zh", "batch", "published_on", "page_url", "list_url"])
        for r in rows:
            m = _DATE.fullmatch(r["时间"].strip())
            if m is None:
                raise ValueError(f"{NOTICES_INDEX} row {r['序号']}: date {r['时间']!r}")
            published = date(*(int(g) for g in m.groups()))
            w.writerow([r["名称"].strip(), r["批次"].strip(), published, r["网页"], r["名单"]])
    return len(rows)


def build_extract(source_dir: Path, out: Path = EXTRACT) -> int:
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(
            f"# greenstat extract of MIIT's green manufacturing lists (绿色制造名单) {VIA}, "
            "batches 1-5 and 2021; free-text columns dropped. Cite: 工业和信息化部 绿色制造名单; "
            "batch dates in sources/ref/miit_notices.csv. Built by python -m "
            "sources.extracts.build_miit_extract.\n"
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EXTRACT_HEADER)
        for layout in LAYOUTS:
            path = source_dir / f"{layout.list_zh}.csv"
            _, entries = read_entries(path)
            for e in entries:
                w.writerow(
                    [e.designation, e.batch, e.seq, e.region_as_written, e.entity_name,
                     e.industry_as_written, e.product_name, e.product_model,
                     e.product_category, e.assessor if e.designation != "product" else ""]
                )  # fmt: skip
                n += 1
    return n


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/miit_green_manufacturing")
    print(f"{build_notices(src)} notices -> {NOTICES_CSV}")
    print(f"{build_extract(src)} rows -> {EXTRACT}")
