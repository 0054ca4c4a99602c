"""Global Energy Monitor, Global Wind Power Tracker (CC BY 4.0): wind farm phases in China.

Recognised by its header, whatever the file is called: GEM's workbook (sheet ``Data``,
an ``About`` sheet naming the release) and greenstat's compact extract of it
(``sources/extracts/gem_wind_china.csv``, built by ``build_gem_extract``). Rows are
staged whole into ``staging.wind_farm_phases``; ``warehouse.renewable_capacity`` rolls
them up to provincial stocks.

Scope (docs/decisions.md §21): Country ``China`` only, i.e. the mainland, as Chinese
national statistics count it; GEM lists Taiwan, Hong Kong and Macao as countries of
their own. Rows of other countries are not in ``cells_in`` (as OWID columns outside the
map are not): their count, by country group, is written to ``raw.files.notes`` so the
sheet still adds up (rows in sheet = in scope + out of scope; in scope = staged +
quarantined). The ``Below Threshold`` sheet (phases of 1-10 MW, given "for some
countries when the data were readily available") is not staged: its coverage varies by
country and release, which would make the series break whenever it changes; its China
rows (none in May 2023) are counted in the notes.

Quarantined, with every reason a row has: a province ``ref.regions`` cannot resolve, a
capacity that is missing, not a number or not positive, a status or installation type
GEM does not define, a year that is not a year, and a GEM phase ID listed twice (both
rows, each naming the other). An operating phase with no start year is staged (it is a
valid record) and reported by ``quality.capacity_checks``: it cannot be placed in a year.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.archive import ArchivedFile
from sources.errors import SourceFormatError
from sources.records import RecordSource, RecordsStaged
from sources.regions import default_resolver
from warehouse.tables import WIND_FARM_PHASES

KIND = "gem_wind_tracker"
TABLE = "staging.wind_farm_phases"
COUNTRY = "China"  # GEM's name for the mainland; Taiwan, Hong Kong, Macao are apart
SHEET = "Data"
BELOW_THRESHOLD_SHEET = "Below Threshold"
LICENCE = "CC BY 4.0"
PUBLISHER = "Global Energy Monitor"
# GEM's statuses (About sheet, Definitions) and installation types (About, Columns).
STATUSES = (
    "operating", "construction", "pre-construction", "announced", "shelved", "mothballed",
    "retired", "cancelled",
)  # fmt: skip
INSTALLATION_TYPES = {
    "onshore": "onshore_wind",
    "offshore hard mount": "offshore_wind",
    "offshore floating": "offshore_wind",
    "offshore mount unknown": "offshore_wind",
}
# Workbook columns read (exact GEM spelling) -> field. The first eight must be present.
COLUMNS = {
    "GEM phase ID": "gem_phase_id",
    "Country": "country",
    "State/Province": "province",
    "Capacity (MW)": "capacity_mw",
    "Installation Type": "installation_type",
    "Status": "status",
    "Start year": "start_year",
    "Retired year": "retired_year",
    "GEM location ID": "gem_location_id",
    "Project Name": "project_name",
    "Project Name in Local Language / Script": "project_name_zh",
    "Phase Name": "phase_name",
    "Owner": "owner",
}
REQUIRED = tuple(list(COLUMNS)[:8])
# greenstat's extract: China rows only, the columns the rollup needs.
EXTRACT_HEADER = (
    "gem_phase_id", "province", "capacity_mw", "installation_type", "status", "start_year",
    "retired_year",
)  # fmt: skip
_ZIP_MAGIC = b"PK\x03\x04"
_MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}  # fmt: skip
_RELEASE = re.compile(r"(" + "|".join(_MONTHS) + r")\s+(\d{4})")
_VINTAGE = re.compile(r"vintage (\d{4}-\d{2})")


@dataclass(frozen=True)
class Phase:
    """One in-scope row, every cell as written (text; '' when empty)."""

    source_row: int
    gem_phase_id: str
    province: str
    capacity_mw: str
    installation_type: str
    status: str
    start_year: str
    retired_year: str
    gem_location_id: str = ""
    project_name: str = ""
    project_name_zh: str = ""
    phase_name: str = ""
    owner: str = ""

    def raw(self) -> str:
        cells = [getattr(self, c) for c in EXTRACT_HEADER]
        return ",".join([*cells, self.project_name] if self.project_name else cells)


@dataclass
class Read:
    layout: str  # "workbook" or "extract"
    phases: list[Phase]
    vintage: str | None  # YYYY-MM of the GEM release
    citation: str
    notes: list[str] = field(default_factory=list)


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def release_of(text: str) -> str | None:
    """'Global Wind Power Tracker - May 2023' -> '2023-05'."""
    m = _RELEASE.search(text)
    return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}" if m else None


# --- recognising ---------------------------------------------------------------------


def _first_data_line(text: str) -> tuple[int, list[str], list[str]]:
    """(line index, cells) of the first line that is not a '#' comment, and the comments."""
    comments = []
    for i, line in enumerate(text.splitlines()):
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        return i, next(csv.reader([line.lstrip("\ufeff")]), []), comments
    return -1, [], comments


def _sheet_names(path: Path) -> list[str]:
    """Sheet names from xl/workbook.xml, without parsing any sheet."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    return re.findall(r'<sheet [^>]*name="([^"]+)"', xml)


def _sheet_rows(path: Path, sheet: str, n_rows: int | None = None) -> list[tuple]:
    import fastexcel  # deferred: only workbooks need it

    try:
        reader = fastexcel.read_excel(str(path))
        data = reader.load_sheet_by_name(sheet, header_row=None, n_rows=n_rows, dtypes="string")
        return data.to_polars().rows()
    except Exception as exc:
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        raise SourceFormatError(f"{path.name}: unreadable sheet {sheet!r}: {detail[:200]}") from exc


def _is_gem_header(cells: list | tuple) -> bool:
    return set(REQUIRED) <= {_text(c) for c in cells}


def sniff(path: Path, head: bytes) -> bool:
    """GEM's Data sheet header, or the extract's header after its comments. Never raises."""
    try:
        if head.startswith(_ZIP_MAGIC):
            if SHEET not in _sheet_names(path):
                return False
            rows = _sheet_rows(path, SHEET, n_rows=1)
            return bool(rows) and _is_gem_header(rows[0])
        text = head.decode("utf-8-sig", errors="strict")
    except Exception:
        return False
    return tuple(c.strip() for c in _first_data_line(text)[1]) == EXTRACT_HEADER


def check(path: Path) -> None:
    """Fail before archiving when the header is not GEM's (or the extract's)."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not sniff(path, head):
        raise SourceFormatError(f"{path.name}: not a GEM Global Wind Power Tracker header")


# --- reading -------------------------------------------------------------------------


def _read_workbook(path: Path) -> Read:
    about = _sheet_rows(path, "About", n_rows=10) if "About" in _sheet_names(path) else []
    about_lines = [_text(r[0]) for r in about if r and _text(r[0])]
    title = about_lines[0] if about_lines else path.name
    cited = next((ln for ln in about_lines if ln.startswith("Citation:")), "")
    citation = cited.removeprefix("Citation:").strip().strip('"') or f"{title}, {PUBLISHER}"
    rows = _sheet_rows(path, SHEET)
    if not rows or not _is_gem_header(rows[0]):
        raise SourceFormatError(f"{path.name}: sheet {SHEET!r} has no GEM header in row 1")
    index = {_text(h): i for i, h in enumerate(rows[0])}
    phases: list[Phase] = []
    others: Counter[str] = Counter()
    for n, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue
        f = {name: _text(row[index[h]]) for h, name in COLUMNS.items() if h in index}
        if f["country"] != COUNTRY:
            others[f["country"] or "(no country)"] += 1
            continue
        f.pop("country")
        phases.append(Phase(n, **f))
    out_of_scope = sum(others.values())
    apart = ", ".join(f"{c} {others[c]}" for c in ("Taiwan", "Hong Kong", "Macao") if others[c])
    notes = [
        f"{SHEET}: {len(phases) + out_of_scope} rows: {len(phases)} with Country {COUNTRY!r} "
        f"(read: staged or quarantined), {out_of_scope} of {len(others)} other countries "
        f"out of scope, not counted in cells_in" + (f" (of which {apart})" if apart else ""),
    ]
    if BELOW_THRESHOLD_SHEET in _sheet_names(path):
        below = _sheet_rows(path, BELOW_THRESHOLD_SHEET)
        bidx = {_text(h): i for i, h in enumerate(below[0])} if below else {}
        body = [r for r in below[1:] if any(_text(c) for c in r)]
        china = [r for r in body if "Country" in bidx and _text(r[bidx["Country"]]) == COUNTRY]
        notes.append(
            f"{BELOW_THRESHOLD_SHEET}: {len(body)} rows ({len(china)} {COUNTRY}) not staged: "
            "GEM gives phases under its 10 MW threshold only for some countries "
            "(docs/decisions.md §21)"
        )
    return Read("workbook", phases, release_of(title), citation, notes)


def _read_extract(path: Path) -> Read:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceFormatError(f"{path.name}: not UTF-8 text") from None
    skip, header, comments = _first_data_line(text)
    if tuple(c.strip() for c in header) != EXTRACT_HEADER:
        raise SourceFormatError(f"{path.name}: not greenstat's GEM wind extract header")
    comment = " ".join(comments)
    m = _VINTAGE.search(comment)
    cite = re.search(r'Cite: "([^"]+)"', comment)
    reader = csv.reader(text.splitlines()[skip + 1 :])
    phases = [
        Phase(n, *(_text(c) for c in (cells + [""] * len(EXTRACT_HEADER))[: len(EXTRACT_HEADER)]))
        for n, cells in enumerate(reader, start=2)
        if any(c.strip() for c in cells)
    ]
    citation = cite.group(1) if cite else f"Global Wind Power Tracker, {PUBLISHER}"
    return Read("extract", phases, m.group(1) if m else None, citation)


def read(path: Path) -> Read:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    return _read_workbook(path) if head.startswith(_ZIP_MAGIC) else _read_extract(path)


# --- conforming ----------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _year(text: str) -> int | str | None:
    """None when empty, the year, or 'bad' when it is not a year."""
    if not text:
        return None
    v = _number(text)
    if v is None or v != int(v) or not 1900 <= v <= 2100:
        return "bad"
    return int(v)


def conform(phases: list[Phase], release_year: int) -> tuple[list[dict], list[tuple]]:
    """Staging rows and (row, reason, raw) rejections: every reason a row has."""
    resolver = default_resolver()
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for p in phases:
        rows_by_id[p.gem_phase_id].append(p.source_row)
    rows: list[dict[str, object]] = []
    rejects: list[tuple[int, str, str]] = []
    for p in phases:
        reasons = []
        if not p.gem_phase_id:
            reasons.append("no GEM phase ID")
        elif len(rows_by_id[p.gem_phase_id]) > 1:
            others = [r for r in rows_by_id[p.gem_phase_id] if r != p.source_row]
            reasons.append(
                f"GEM phase ID {p.gem_phase_id} is also listed at row "
                f"{', '.join(map(str, others))}; neither row is loaded"
            )
        code = resolver.resolve(p.province) if p.province else None
        if code is None:
            reasons.append(f"State/Province {p.province!r} is not in ref.regions")
        capacity = _number(p.capacity_mw)
        if capacity is None or capacity <= 0:
            reasons.append(f"Capacity (MW) {p.capacity_mw!r} is not a positive number")
        if p.status not in STATUSES:
            reasons.append(f"Status {p.status!r} is not one of GEM's ({', '.join(STATUSES)})")
        if p.installation_type not in INSTALLATION_TYPES:
            reasons.append(
                f"Installation Type {p.installation_type!r} is not one of GEM's "
                f"({', '.join(INSTALLATION_TYPES)})"
            )
        start, retired = _year(p.start_year), _year(p.retired_year)
        if start == "bad":
            reasons.append(f"Start year {p.start_year!r} is not a year")
        if retired == "bad":
            reasons.append(f"Retired year {p.retired_year!r} is not a year")
        if isinstance(start, int) and isinstance(retired, int) and retired < start:
            reasons.append(f"Retired year {retired} is before the start year {start}")
        if reasons:
            rejects.append((p.source_row, "; ".join(reasons), p.raw()))
            continue
        assert code is not None and capacity is not None
        rows.append(
            {
                "gem_phase_id": p.gem_phase_id,
                "gem_location_id": p.gem_location_id or None,
                "year": release_year,
                "project_name": p.project_name or None,
                "project_name_zh": p.project_name_zh or None,
                "phase_name": p.phase_name or None,
                "region_code": resolver.provincial_code(code),
                "province_as_written": p.province,
                "capacity_kw": capacity * 1000,
                "installation_type": p.installation_type,
                "status": p.status,
                "start_year": start,
                "retired_year": retired,
                "owner": p.owner or None,
                "data_kind": "official",
                "source_row": p.source_row,
            }
        )
    return rows, rejects


def stage(con: duckdb.DuckDBPyConnection, archived: ArchivedFile) -> RecordsStaged:
    import pyarrow as pa  # lazily: not needed to ingest metering

    got = read(archived.archive_path)
    release_year = int(got.vintage[:4]) if got.vintage else datetime.now(UTC).year
    rows, rejects = conform(got.phases, release_year)
    sha = archived.sha256
    con.execute(f"DELETE FROM {TABLE} WHERE archive_sha256 = ?", [sha])
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    if rows:
        names = WIND_FARM_PHASES.stored_column_names
        for r in rows:
            r["archive_sha256"] = sha
        con.register("_phases", pa.table({n: [r.get(n) for r in rows] for n in names}))
        con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM _phases")
        con.unregister("_phases")
    if rejects:
        now = datetime.now(UTC).replace(tzinfo=None)
        con.executemany(
            "INSERT INTO quality.quarantine VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
            [[sha, archived.original_name, row, reason, raw, now] for row, reason, raw in rejects],
        )
    starts = [int(str(r["start_year"])) for r in rows if r["start_year"] is not None]
    years = set(range(min(starts), release_year + 1)) if starts else {release_year}
    return RecordsStaged(
        rows_in=len(got.phases),
        staged=len(rows),
        quarantined=len(rejects),
        years=years,
        meta={
            "encoding": "utf-8" if got.layout == "extract" else None,
            "layout": got.layout,
            "notes": got.notes,
            "vintage": got.vintage,
            "vintage_basis": "the GEM release the file names (About sheet title, or the "
            "extract's header comment)",
            "source_line": f"{got.citation} ({LICENCE})",
        },
    )


def extract_text(phases: list[Phase], header_comment: str) -> str:
    """The extract's bytes (as text): a comment line, the header, one row per phase."""
    buf = io.StringIO()
    buf.write(f"# {header_comment}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXTRACT_HEADER)
    for p in phases:
        w.writerow([getattr(p, c) for c in EXTRACT_HEADER])
    return buf.getvalue()


SOURCE = RecordSource(KIND, TABLE, sniff, check, stage)
