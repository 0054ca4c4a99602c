"""Ingest: archive a file, detect its kind, parse it, stage its observations.

Every value cell of a file ends in exactly one place: ``staging.observations``,
``quality.quarantine`` (with file, row, reason and raw values) or the count of
missing-value markers. ``raw.files`` records the three counts, and a blocking
check holds the warehouse to ``cells_in = loaded + quarantined + missing``.

Re-ingesting the same bytes replaces that file's rows: idempotent by sha256.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from sources.archive import ArchivedFile, archive_file
from sources.catalogue import Catalogue, Indicator, default_catalogue
from sources.connectors import (
    CONNECTORS,
    KIND_EXTRACT,
    KIND_NBS,
    RECORD_SOURCES,
    connector,
    record_source,
)
from sources.errors import SourceFormatError
from sources.parsed import VINTAGE, Candidate, parse_span
from sources.price_basis import UnknownPriceBasisError, normalise_price_basis
from sources.records import Prepared, RecordSource
from sources.regions import RegionResolver, default_resolver
from sources.units import UnknownUnitError, parse_unit
from warehouse.store import first_row
from warehouse.tables import OBSERVATIONS, QUARANTINE

__all__ = ["KIND_EXTRACT", "KIND_NBS", "IngestOptions", "detect_kind", "ingest_file"]
HEAD_BYTES = 8192


if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class IngestOptions:
    """What a user may tell greenstat about a file that does not say it itself."""

    indicator: str | None = None  # e.g. '地区生产总值(亿元)' for an export without 指标：
    region: str | None = None  # region of a one-region export without 地区：
    vintage: str | None = None  # release date or year, overriding the inferred vintage

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> IngestOptions:
        return cls(**json.loads(text)) if text else cls()


@dataclass
class FileResult:
    path: Path
    sha256: str
    kind: str
    rows_loaded: int
    rows_quarantined: int
    cells_missing: int
    cells_in: int
    vintage: str | None
    already_archived: bool = False
    years: set[int] = field(default_factory=set)

    def counts(self) -> str:
        """What `greenstat ingest` prints after the file's name."""
        vintage = f"vintage {self.vintage}, " if self.vintage else ""
        return (
            f"kind {self.kind}, {self.rows_loaded} rows loaded, {self.rows_quarantined} rows "
            f"quarantined, {self.cells_missing} cells marked missing "
            f"({vintage}sha256 {self.sha256[:12]})"
        )

    def summary(self) -> str:
        return f"{self.path.name}: {self.counts()}"


def detect_kind(path: Path) -> str:
    """The file's kind, or a one-line SourceFormatError naming the file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except IsADirectoryError as exc:
        raise SourceFormatError(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot be opened ({exc.strerror})") from exc
    if not head.strip():
        raise SourceFormatError(f"{path.name}: empty file")
    for source in RECORD_SOURCES:  # headers of their own, checked before the looser sniffs
        if source.sniff(path, head):
            return source.kind
    for c in CONNECTORS:
        if c.sniff(path, head):
            return c.kind
    if b"\x00" in head:
        raise SourceFormatError(f"{path.name}: not text (binary content of an unknown format)")
    raise SourceFormatError(
        f"{path.name}: not a recognised format (expected one of: "
        f"{', '.join([*(s.kind for s in RECORD_SOURCES), *(c.kind for c in CONNECTORS)])})"
    )


def validate_file(path: Path, options: IngestOptions | None = None) -> str:
    """Detect the kind and parse the file once, so a file that cannot be staged (say, an
    export naming no indicator, given no --indicator) is refused before it is archived."""
    kind = detect_kind(path)
    source = record_source(kind)
    if source is not None:
        source.check(path)
    else:
        connector(kind).parse(path, options or IngestOptions())
    return kind


@dataclass
class _Staged:
    observations: list[dict[str, object]]
    quarantine: list[dict[str, object]]
    missing: int
    cells_in: int
    file_meta: dict[str, object]
    vintage: str | None


def _quarantine_row(
    archived: ArchivedFile, row: int, column: str | None, reason: str, raw: str
) -> dict[str, object]:
    return {
        "archive_sha256": archived.sha256,
        "source_file": archived.original_name,
        "source_row": row,
        "source_column": column,
        "cells": 1,
        "reason": reason,
        "raw_values": raw,
    }


# A direction word in the unit, as some sources write a decline rate: '%（下降）'.
_UNIT_DIRECTION = re.compile(
    r"(?P<unit>.+?)\s*[(（](?P<word>下降|降低|减少|增长|上升|提高|增加)[)）]"
)
_DOWN_WORDS = ("下降", "降低", "减少")


@dataclass(frozen=True)
class _Meaning:
    """What a candidate's indicator and unit say: the catalogued indicator, the unit to
    convert, the sign that makes a change rate signed, and the span of a cumulative one."""

    indicator: Indicator
    unit: str
    sign: int = 1
    span: tuple[int, int] | None = None
    cumulative: bool = False


def _meaning(c: Candidate, catalogue: Catalogue) -> _Meaning | str:
    """The candidate's indicator (a change rate read from its words where need be), or
    the reason it has none."""
    unit, unit_sign = c.unit_as_written, None
    m = _UNIT_DIRECTION.fullmatch(c.unit_as_written.strip())
    if m is not None:
        unit, unit_sign = m["unit"], -1 if m["word"] in _DOWN_WORDS else 1
    if c.by_code:
        ind = catalogue.by_code.get(c.indicator)
        if ind is None:
            return f"unknown indicator {c.indicator!r}: add it to sources/ref/indicators.csv"
        rate = catalogue.lookup_rate(c.indicator_as_written) if c.indicator_as_written else None
        if rate is not None and rate.indicator.indicator_code == ind.indicator_code:
            sign = rate.sign if rate.word else (unit_sign or 1)
            return _Meaning(ind, unit, sign, rate.span, rate.cumulative)
        if unit_sign is not None and not ind.change_of:
            return (
                f"unit {c.unit_as_written!r} states a change, but {ind.indicator_code} is a level"
            )
        return _Meaning(ind, unit, unit_sign or 1)
    ind = catalogue.lookup_name(c.indicator)
    if ind is not None and (unit_sign is None or ind.change_of):
        return _Meaning(ind, unit, unit_sign or 1)
    rate = catalogue.lookup_rate(c.indicator)
    if rate is not None:
        sign = rate.sign if rate.word else (unit_sign or 1)
        return _Meaning(rate.indicator, unit, sign, rate.span, rate.cumulative)
    if ind is not None and unit_sign is not None:  # a level's name, '%（下降）' as its unit
        change = catalogue.change_of.get(ind.indicator_code)
        if change is not None:
            return _Meaning(change, unit, unit_sign)
        return (
            f"unit {c.unit_as_written!r} states a change, but {ind.indicator_code} has no "
            "change-rate indicator"
        )
    return f"unknown indicator {c.indicator!r}: add it to sources/ref/indicators.csv"


def _conform(
    c: Candidate, resolver: RegionResolver, catalogue: Catalogue
) -> tuple[dict[str, object] | None, str | None]:
    """Map one candidate to a conformed observation, or give the reason it is rejected."""
    region_code = resolver.resolve(c.region_label) if c.region_label else None
    if region_code is None:
        if not c.region_label:
            return None, "region not named in the file (no 地区： line); re-ingest with --region"
        return None, f"unknown region {c.region_label!r} (not in ref.regions)"
    meaning = _meaning(c, catalogue)
    if isinstance(meaning, str):
        return None, meaning
    ind = meaning.indicator
    try:
        conv = parse_unit(meaning.unit)
    except UnknownUnitError:
        return None, f"unknown unit {c.unit_as_written!r}"
    if conv.canonical != ind.unit:
        return None, (
            f"unit {c.unit_as_written!r} is {conv.canonical}, but {ind.indicator_code} is "
            f"measured in {ind.unit}"
        )
    if not VINTAGE.fullmatch(c.vintage or ""):
        return None, f"vintage {c.vintage!r} is not a year or an ISO date (YYYY, YYYY-MM-DD)"
    try:
        price_basis = normalise_price_basis(c.price_basis)
    except UnknownPriceBasisError as exc:
        return None, str(exc)
    period, year = c.period, c.year
    span = parse_span(period.replace("/", "-")) if "/" in period else None
    if meaning.cumulative or span is not None:
        span = span or meaning.span
        if span is None:
            return None, (
                f"{c.indicator!r} is a cumulative change: give its span as the period "
                "(2016-2020) or name the plan (十三五)"
            )
        if not span[0] <= c.year <= span[1]:
            return None, f"year {c.year} is outside the span {span[0]}-{span[1]} it states"
        period, year = f"{span[0]}/{span[1]}", span[1]
    value = _exact(c.value, conv.factor) * meaning.sign
    if ind.change_of and value <= -100:
        return None, f"a change of {value:g}% would leave nothing: not a rate"
    return {
        "region_code": region_code,
        "industry_code": c.industry_code,
        "source_sector": c.source_sector,
        "fuel": c.fuel,
        "indicator_code": ind.indicator_code,
        "period": period,
        "year": year,
        "value": value,
        "unit": ind.unit,
        "value_as_written": c.value_as_written,
        "unit_as_written": c.unit_as_written,
        "flags": c.flags or None,
        "price_basis": price_basis,
        "qualifier": c.qualifier,
        "vintage": c.vintage,
        "data_kind": c.data_kind,
        "citation": c.citation,
        "source_row": c.source_row,
    }, None


def _arrow(rows: Sequence[dict[str, object]], names: list[str]) -> pa.Table:
    import pyarrow as pa  # lazily: not needed to ingest metering

    return pa.table({n: [r.get(n) for r in rows] for n in names})


def _exact(value: float, factor: float) -> float:
    """value × factor without binary noise: 18549.19 亿元 is 1854919000000 yuan, not
    1854918999999.9998."""
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


def _split_duplicates(
    observations: list[dict[str, object]],
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """A file that gives the same region, indicator, industry, period and vintage twice
    is ambiguous: neither value is staged, both are quarantined. (One file may carry
    several vintages of a figure, as greenstat extracts do.)"""

    def key(o: dict[str, object]) -> tuple[object, ...]:
        return (
            o["region_code"],
            o["indicator_code"],
            o["industry_code"],
            o["source_sector"],
            o["fuel"],
            o["period"],
            o["vintage"],
        )

    counts: dict[object, int] = {}
    for o in observations:
        counts[key(o)] = counts.get(key(o), 0) + 1
    keep = [o for o in observations if counts[key(o)] == 1]
    dupes = [o for o in observations if counts[key(o)] > 1]
    return keep, dupes


def stage_archived(
    con: duckdb.DuckDBPyConnection,
    archived: ArchivedFile,
    options: IngestOptions | None = None,
    *,
    resolver: RegionResolver | None = None,
    catalogue: Catalogue | None = None,
    prepared: Prepared | None = None,
) -> FileResult:
    """Parse an archived file and replace its rows in staging and quarantine.

    ``FileResult.years`` holds every year the file touched before or after, so the
    caller can rebuild exactly the mart partitions that may have changed."""
    options = options or IngestOptions()
    kind = detect_kind(archived.archive_path)
    source = record_source(kind)
    if source is not None:
        return _stage_records(con, archived, options, source, prepared)
    resolver = resolver or default_resolver()
    catalogue = catalogue or default_catalogue()
    parsed = connector(kind).parse(archived.archive_path, options)
    staged = _Staged([], [], parsed.cells_missing, parsed.cells_in, parsed.meta, parsed.vintage)
    for r in parsed.rejects:
        row = _quarantine_row(archived, r.source_row, r.column, r.reason, r.raw)
        row["cells"] = r.cells  # a whole rejected row accounts for all its value cells
        staged.quarantine.append(row)
    conformed_rows: list[dict[str, object]] = []
    for cand in parsed.candidates:
        conformed, reason = _conform(cand, resolver, catalogue)
        if conformed is None:
            staged.quarantine.append(
                _quarantine_row(archived, cand.source_row, cand.column, reason or "", cand.raw)
            )
        else:
            conformed["source_id"] = kind
            conformed["_raw"], conformed["_column"] = cand.raw, cand.column
            conformed_rows.append(conformed)
    keep, dupes = _split_duplicates(conformed_rows)
    for o in dupes:
        breakdown = "/".join(str(o[k]) for k in ("source_sector", "fuel") if o[k])
        what = f"{o['region_code']} {o['indicator_code']}" + (
            f" [{breakdown}]" if breakdown else ""
        )
        reason = (
            f"{what} {o['period']} (vintage {o['vintage']}) "
            "appears more than once in this file; neither value is loaded"
        )
        staged.quarantine.append(
            _quarantine_row(archived, int(str(o["source_row"])), o["_column"], reason, o["_raw"])  # type: ignore[arg-type]
        )
    staged.observations = keep
    now = datetime.now(UTC).replace(tzinfo=None)
    for o in staged.observations:
        cell = f";col={o['_column']}" if o["_column"] else ""
        o.update(
            provenance=f"sha256:{archived.sha256}#row={o['source_row']}{cell}",
            archive_sha256=archived.sha256,
        )
    for q in staged.quarantine:
        q["quarantined_at"] = now
    before = con.execute(
        "SELECT DISTINCT year FROM staging.observations WHERE archive_sha256 = ?",
        [archived.sha256],
    ).fetchall()
    received = first_row(
        con, "SELECT ingested_at FROM raw.files WHERE sha256 = ?", [archived.sha256]
    )
    con.execute("DELETE FROM staging.observations WHERE archive_sha256 = ?", [archived.sha256])
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [archived.sha256])
    con.execute("DELETE FROM raw.files WHERE sha256 = ?", [archived.sha256])
    if staged.observations:
        incoming = _arrow(staged.observations, OBSERVATIONS.column_names)  # noqa: F841
        con.execute("INSERT INTO staging.observations BY NAME SELECT * FROM incoming")
    if staged.quarantine:
        incoming_q = _arrow(staged.quarantine, QUARANTINE.column_names)  # noqa: F841
        con.execute("INSERT INTO quality.quarantine BY NAME SELECT * FROM incoming_q")
    meta = staged.file_meta
    quarantined_cells = sum(int(str(q.get("cells", 1))) for q in staged.quarantine)
    row = {
        **_identity(archived),
        "kind": kind,
        "encoding": meta.get("encoding"),
        "layout": meta.get("layout"),
        "database": meta.get("database"),
        "indicator_line": meta.get("indicator_line"),
        "time_line": meta.get("time_line"),
        "notes": meta.get("notes") or [],
        "source_line": meta.get("source_line"),
        "vintage": staged.vintage,
        "vintage_basis": meta.get("vintage_basis"),
        "options": options.to_json(),
        "cells_in": staged.cells_in,
        "rows_loaded": len(staged.observations),
        "rows_quarantined": quarantined_cells,
        "cells_missing": staged.missing,
        "ingested_at": received[0] if received and received[0] else now,
        "staged_at": now,
    }
    _insert_file_row(con, row)
    return FileResult(
        path=Path(archived.original_name),
        sha256=archived.sha256,
        kind=kind,
        rows_loaded=len(staged.observations),
        rows_quarantined=quarantined_cells,
        cells_missing=staged.missing,
        cells_in=staged.cells_in,
        vintage=staged.vintage,
        already_archived=archived.already_archived,
        years={int(str(o["year"])) for o in staged.observations} | {y for (y,) in before},
    )


def _stage_records(
    con: duckdb.DuckDBPyConnection,
    archived: ArchivedFile,
    options: IngestOptions,
    source: RecordSource,
    prepared: Prepared | None = None,
) -> FileResult:
    """Stage a record file (filings, designation lists) into its own table."""
    before = con.execute(
        f"SELECT DISTINCT year FROM {source.table} WHERE archive_sha256 = ?", [archived.sha256]
    ).fetchall()
    received = first_row(
        con, "SELECT ingested_at FROM raw.files WHERE sha256 = ?", [archived.sha256]
    )
    con.execute("DELETE FROM raw.files WHERE sha256 = ?", [archived.sha256])
    staged = source.stage(con, archived, prepared) if prepared else source.stage(con, archived)
    now = datetime.now(UTC).replace(tzinfo=None)
    meta = staged.meta
    _insert_file_row(
        con,
        {
            **_identity(archived),
            "kind": source.kind,
            "encoding": meta.get("encoding"),
            "layout": meta.get("layout"),
            "notes": meta.get("notes") or [],
            "source_line": meta.get("source_line"),
            "vintage": meta.get("vintage"),
            "vintage_basis": meta.get("vintage_basis"),
            "options": options.to_json(),
            "cells_in": staged.rows_in,
            "rows_loaded": staged.staged,
            "rows_quarantined": staged.quarantined,
            "cells_missing": 0,
            "ingested_at": received[0] if received and received[0] else now,
            "staged_at": now,
        },
    )
    return FileResult(
        path=Path(archived.original_name),
        sha256=archived.sha256,
        kind=source.kind,
        rows_loaded=staged.staged,
        rows_quarantined=staged.quarantined,
        cells_missing=0,
        cells_in=staged.rows_in,
        vintage=str(meta["vintage"]) if meta.get("vintage") else None,
        already_archived=archived.already_archived,
        years=staged.years | {int(y) for (y,) in before},
    )


def _identity(archived: ArchivedFile) -> dict[str, object]:
    """The raw.files columns that say which file it is and where its bytes are kept."""
    return {
        "sha256": archived.sha256,
        "original_name": archived.original_name,
        "archive_path": str(archived.archive_path),
        "size_bytes": archived.size_bytes,
    }


def _insert_file_row(con: duckdb.DuckDBPyConnection, row: dict[str, object]) -> None:
    cols = list(row)
    casts = {"notes": "::VARCHAR[]"}
    select = ", ".join(f"?{casts.get(c, '')} AS {c}" for c in cols)
    con.execute(f"INSERT INTO raw.files BY NAME SELECT {select}", [row[c] for c in cols])


def register_archived(
    con: duckdb.DuckDBPyConnection, archived: ArchivedFile, kind: str, options: IngestOptions
) -> bool:
    """Record an archived file in raw.files. Returns whether it needs staging: a file
    already staged with the same options keeps its row (and when it was received)."""
    known = first_row(
        con, "SELECT options, cells_in FROM raw.files WHERE sha256 = ?", [archived.sha256]
    )
    if known is not None and known[1] is not None and known[0] == options.to_json():
        return False
    if known is not None:
        con.execute(
            "UPDATE raw.files SET options = ?, cells_in = NULL WHERE sha256 = ?",
            [options.to_json(), archived.sha256],
        )
        return True
    _insert_file_row(
        con,
        {
            **_identity(archived),
            "kind": kind,
            "options": options.to_json(),
            "ingested_at": datetime.now(UTC).replace(tzinfo=None),
        },
    )
    return True


def pending_files(
    con: duckdb.DuckDBPyConnection, *, all_files: bool = False
) -> list[tuple[ArchivedFile, IngestOptions]]:
    """Archived files not staged yet (or every archived file, to restage)."""
    rows = con.execute(
        "SELECT sha256, original_name, archive_path, size_bytes, options FROM raw.files "
        "WHERE ? OR cells_in IS NULL ORDER BY ingested_at, original_name",
        [all_files],
    ).fetchall()
    return [
        (ArchivedFile(sha, name, Path(path), size, True), IngestOptions.from_json(opts))
        for sha, name, path, size, opts in rows
    ]


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    archive_root: Path,
    options: IngestOptions | None = None,
) -> FileResult:
    """Validate, archive and stage one file (always restaged: the user asked for it).
    A file that cannot be read raises SourceFormatError and nothing of it is kept."""
    options = options or IngestOptions()
    kind = validate_file(path, options)
    source = record_source(kind)
    prepared: Prepared | None = None
    if source is not None and source.prepare is not None:
        # A large file is read while it is copied into the archive: the two overlap.
        with ThreadPoolExecutor(max_workers=1) as pool:
            archiving = pool.submit(archive_file, path, archive_root)
            try:
                prepared = source.prepare(con, path, archive_root)
            finally:
                archived = archiving.result()
    else:
        archived = archive_file(path, archive_root)
    try:
        register_archived(con, archived, kind, options)
        result = stage_archived(con, archived, options, prepared=prepared)
    except SourceFormatError:
        if not archived.already_archived:  # keep the archive to what the warehouse holds
            archived.archive_path.unlink(missing_ok=True)
            archived.archive_path.parent.rmdir()
        raise
    finally:
        if prepared is not None:
            prepared.discard()
    result.path = path
    return result
