"""MIIT green manufacturing lists (绿色制造名单): factories, parks, supply chains, products.

Each list is published in batches by a notice; the notices index gives each batch its
date (``sources/ref/miit_notices.csv``). Lists are recognised by their header, whatever
the file is called: the four list layouts as MIIT (via shangfr/GreenCreditPolicy)
publishes them, and greenstat's own compact extract of all four
(``sources/extracts/miit_green_lists.csv``).

地区 is a province, a separately-planned city (counted in its province, and visible on
its own), a spelling variant (内蒙, 兵团), or, in the design-product list, sometimes a
prefecture (合肥) or a company-name prefix (海信). Provinces and cities go through
``ref.regions``; prefectures and counties through the GB/T 2260 place names; anything
else is quarantined with its reason, as are rows with no entity (section headings the
source scraped into the product list) and entries listed a second time.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb

from sources.admin_divisions import place_names
from sources.archive import ArchivedFile
from sources.errors import SourceFormatError
from sources.industries import miit_industry
from sources.nbs_export import decode_head
from sources.records import RecordSource, RecordsStaged
from sources.regions import default_resolver
from warehouse.tables import ENTERPRISE_DESIGNATIONS

KIND = "miit_green_list"
NOTICES_CSV = Path(__file__).resolve().parent / "ref" / "miit_notices.csv"
VIA = "via shangfr/GreenCreditPolicy (Apache-2.0)"


@dataclass(frozen=True)
class ListLayout:
    designation: str
    list_zh: str  # the list's name in the notices index
    header: tuple[str, ...]
    name: str  # column holding the entity
    assessor: str
    industry: str | None = None
    product: tuple[str, str, str] | None = None  # name, model, category columns


LAYOUTS = (
    ListLayout(
        "factory", "绿色工厂名单", ("序号", "地区", "工厂名称", "行业", "第三方评价机构", "批次"),
        "工厂名称", "第三方评价机构", industry="行业",
    ),
    ListLayout(
        "park", "绿色工业园区名单", ("序号", "地区", "园区", "第三方评价机构", "批次"),
        "园区", "第三方评价机构",
    ),
    ListLayout(
        "supply_chain", "绿色供应链管理示范企业名单",
        ("序号", "地区", "企业名称", "第三方评价机构", "批次"), "企业名称", "第三方评价机构",
    ),
    ListLayout(
        "product", "绿色设计产品名单",
        ("序号", "企业名称", "产品名称", "产品型号", "推荐单位", "地区", "批次", "种类",
         "绿色设计亮点", "适用评价标准"),
        "企业名称", "推荐单位", product=("产品名称", "产品型号", "种类"),
    ),
)  # fmt: skip
# greenstat's extract: the four lists in one long file, the columns staging needs.
EXTRACT_HEADER = (
    "designation", "batch", "seq", "region_as_written", "entity_name", "industry_as_written",
    "product_name", "product_model", "product_category", "assessor",
)  # fmt: skip
_LIST_BY_DESIGNATION = {layout.designation: layout for layout in LAYOUTS}


@dataclass(frozen=True)
class Notice:
    list_zh: str
    batch: str
    published_on: date
    page_url: str
    list_url: str

    @property
    def year(self) -> int:
        """The year a batch counts for: the year it is named for (the 2021 list, published
        in January 2022), else the year of its notice."""
        return int(self.batch) if len(self.batch) == 4 else self.published_on.year

    def citation(self) -> str:
        return (
            f"工业和信息化部 {self.list_zh}（批次 {self.batch}，{self.published_on.isoformat()} "
            f"公布）{self.page_url} {VIA}"
        )


@cache
def load_notices(path: Path = NOTICES_CSV) -> dict[tuple[str, str], Notice]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {
            (r["list_zh"], r["batch"]): Notice(
                r["list_zh"],
                r["batch"],
                date.fromisoformat(r["published_on"]),
                r["page_url"],
                r["list_url"],
            )
            for r in rows
        }


@dataclass(frozen=True)
class Entry:
    """One data row of a list, in the extract's terms."""

    source_row: int
    designation: str
    batch: str
    seq: str
    region_as_written: str
    entity_name: str
    industry_as_written: str
    product_name: str
    product_model: str
    product_category: str
    assessor: str

    def raw(self) -> str:
        return ",".join(
            [self.designation, self.batch, self.seq, self.region_as_written, self.entity_name,
             self.industry_as_written, self.product_name, self.product_model,
             self.product_category, self.assessor]
        )  # fmt: skip


def _clean(text: str | None) -> str:
    """NFKC-free trim: names are kept as listed; the scraper's literal 'nan' is empty."""
    t = (text or "").strip()
    return "" if t.lower() == "nan" else t


def _header_after_comments(text: str) -> tuple[int, list[str]]:
    """(line index, cells) of the first line that is not a '#' comment."""
    for i, line in enumerate(text.splitlines()):
        if not line.startswith("#"):
            return i, next(csv.reader([line.lstrip("\ufeff")]), [])
    return -1, []


def _layout(cells: list[str]) -> ListLayout | str | None:
    """The raw layout, 'extract', or None."""
    cells = [c.strip() for c in cells]
    if tuple(cells) == EXTRACT_HEADER:
        return "extract"
    return next((lay for lay in LAYOUTS if tuple(cells) == lay.header), None)


def sniff(path: Path, head: bytes) -> bool:
    text = decode_head(head)
    return text is not None and _layout(_header_after_comments(text)[1]) is not None


def read_entries(path: Path) -> tuple[str, list[Entry]]:
    """The layout name and every data row (record number: header = 1, comments skipped)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceFormatError(f"{path.name}: not UTF-8 text") from None
    skip, header = _header_after_comments(text)
    layout = _layout(header)
    if layout is None:
        raise SourceFormatError(f"{path.name}: not a MIIT green manufacturing list header")
    lines = text.splitlines()[skip:]
    reader = csv.reader(lines)
    next(reader)
    entries = []
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if layout == "extract":
            f = dict(zip(EXTRACT_HEADER, cells, strict=False))
            entries.append(Entry(n, *(_clean(f.get(k)) for k in EXTRACT_HEADER)))
            continue
        f = dict(zip(layout.header, cells, strict=False))
        product = layout.product
        entries.append(
            Entry(
                source_row=n,
                designation=layout.designation,
                batch=_clean(f.get("批次")),
                seq=_clean(f.get("序号")),
                region_as_written=_clean(f.get("地区")),
                entity_name=_clean(f.get(layout.name)),
                industry_as_written=_clean(f.get(layout.industry)) if layout.industry else "",
                product_name=_clean(f.get(product[0])) if product else "",
                product_model=_clean(f.get(product[1])) if product else "",
                product_category=_clean(f.get(product[2])) if product else "",
                assessor=_clean(f.get(layout.assessor)),
            )
        )
    return ("extract" if layout == "extract" else layout.list_zh), entries


def check(path: Path) -> None:
    read_entries(path)


def _key_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _region(label: str) -> tuple[str | None, str]:
    """(region_code, how) for a 地区 label."""
    resolver = default_resolver()
    code = resolver.resolve(label) if label else None
    if code is not None:
        return code, "ref.regions"
    code = place_names().get(label)
    return code, "GB/T 2260 place name"


def conform(entries: list[Entry], data_kind: str = "official") -> tuple[list[dict], list[tuple]]:
    """Staging rows and (row, reason, raw) rejections."""
    notices = load_notices()
    resolver = default_resolver()
    rows: list[dict[str, object]] = []
    rejects: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, ...], Entry] = {}
    for e in entries:
        layout = _LIST_BY_DESIGNATION.get(e.designation)
        notice = notices.get((layout.list_zh, e.batch)) if layout else None
        region, _how = _region(e.region_as_written)
        key = (e.designation, _key_name(e.entity_name), e.product_name, e.product_model)
        reason = None
        if layout is None:
            reason = (
                f"designation {e.designation!r} is not one of {', '.join(_LIST_BY_DESIGNATION)}"
            )
        elif not e.entity_name:
            reason = f"no entity named: not a list entry (序号 holds {e.seq[:40]!r})"
        elif notice is None:
            reason = f"batch {e.batch!r} of {layout.list_zh} is not in the MIIT notices index"
        elif region is None:
            reason = (
                f"地区 {e.region_as_written!r} names no region (not in ref.regions, not a "
                "GB/T 2260 prefecture or county)"
            )
        elif key in seen:
            first = seen[key]
            reason = (
                f"{e.entity_name} {e.product_name} {e.product_model}".strip()
                + f" is already listed at row {first.source_row} (batch {first.batch})"
            )
        if reason is not None:
            rejects.append((e.source_row, reason, e.raw()))
            continue
        assert layout is not None and notice is not None and region is not None
        seen[key] = e
        entity = "park" if e.designation == "park" else "name"
        rows.append(
            {
                "designation": e.designation,
                "level": "national",
                "batch": e.batch,
                "published_on": notice.published_on,
                "year": notice.year,
                "entity_name": e.entity_name,
                "enterprise_id": f"{entity}:{_key_name(e.entity_name)}",
                "region_code": region,
                "province_code": resolver.provincial_code(region),
                "region_as_written": e.region_as_written,
                "industry_code": miit_industry(e.industry_as_written)
                if e.industry_as_written
                else None,
                "industry_as_written": e.industry_as_written or None,
                "product_name": e.product_name or None,
                "product_model": e.product_model or None,
                "product_category": e.product_category or None,
                "assessor": e.assessor or None,
                "citation": notice.citation(),
                "data_kind": data_kind,
                "source_row": e.source_row,
            }
        )
    return rows, rejects


def stage(con: duckdb.DuckDBPyConnection, archived: ArchivedFile) -> RecordsStaged:
    import pyarrow as pa  # lazily: not needed to ingest metering

    layout, entries = read_entries(archived.archive_path)
    rows, rejects = conform(entries)
    sha = archived.sha256
    for r in rows:
        r["archive_sha256"] = sha
    con.execute("DELETE FROM staging.enterprise_designations WHERE archive_sha256 = ?", [sha])
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    if rows:
        names = ENTERPRISE_DESIGNATIONS.stored_column_names
        con.register("_designations", pa.table({n: [r.get(n) for r in rows] for n in names}))
        con.execute(
            "INSERT INTO staging.enterprise_designations BY NAME SELECT * FROM _designations"
        )
        con.unregister("_designations")
    now = datetime.now(UTC).replace(tzinfo=None)
    if rejects:
        con.executemany(
            "INSERT INTO quality.quarantine VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
            [[sha, archived.original_name, row, reason, raw, now] for row, reason, raw in rejects],
        )
    latest = max((r["published_on"] for r in rows), default=None)
    return RecordsStaged(
        rows_in=len(entries),
        staged=len(rows),
        quarantined=len(rejects),
        years={int(str(r["year"])) for r in rows},
        meta={
            "encoding": "utf-8",
            "layout": layout,
            "vintage": latest.isoformat() if latest else None,
            "vintage_basis": "date of the latest notice among the file's batches",
            "source_line": f"工业和信息化部 绿色制造名单 {VIA}",
        },
    )


SOURCE = RecordSource(KIND, "staging.enterprise_designations", sniff, check, stage)
