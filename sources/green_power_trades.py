"""Green power trades (绿电交易), greenstat's monthly template (docs/green_power_trades.md).

No public file gives provincial green power trades, so users bring the trading centre's
monthly settlement in this layout (CSV, UTF-8 or GB18030)::

    month,seller_region,buyer_region,buyer_credit_code,energy_mwh,price_yuan_per_mwh,certificates

``month`` is ``YYYY-MM``; regions are any spelling ``ref.regions`` knows (内蒙古, NM,
CN-NM, 150000); ``buyer_credit_code``, price and certificates may be empty. An optional
last column ``data_kind`` marks generated files (``demo``). Files are small (a row per
contract and month), so rows are validated in Python, each failure quarantined with its
reason; energy is stored in kWh.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from sources.archive import ArchivedFile
from sources.credit_code import problem as credit_code_problem
from sources.errors import SourceFormatError
from sources.nbs_export import decode_head
from sources.records import RecordSource, RecordsStaged
from sources.regions import default_resolver
from sources.units import MISSING_MARKERS

KIND = "green_power_trades"
HEADER = (
    "month",
    "seller_region",
    "buyer_region",
    "buyer_credit_code",
    "energy_mwh",
    "price_yuan_per_mwh",
    "certificates",
)
KIND_HEADER = "data_kind"
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in next(csv.reader(io.StringIO(line)), [])]


def sniff(path: Path, head: bytes) -> bool:
    text = decode_head(head)
    if not text:
        return False
    cells = _cells(text.lstrip("\ufeff").split("\n", 1)[0].strip())
    return tuple(cells[: len(HEADER)]) == HEADER


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SourceFormatError(f"{path.name}: neither UTF-8 nor GB18030 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [c.strip() for c in next(reader, [])]
    if tuple(header[: len(HEADER)]) != HEADER or header[len(HEADER) :] not in ([], [KIND_HEADER]):
        raise SourceFormatError(
            f"{path.name}: header must be {','.join(HEADER)}[,{KIND_HEADER}] "
            "(docs/green_power_trades.md)"
        )
    rows = [(n, cells) for n, cells in enumerate(reader, start=2) if any(c.strip() for c in cells)]
    return header, rows, "utf-8" if encoding == "utf-8-sig" else encoding


def check(path: Path) -> None:
    _read(path)


def _blank(text: str) -> bool:
    return text.strip().lower() in MISSING_MARKERS


def _number(text: str, what: str, problems: list[str], required: bool) -> float | None:
    if _blank(text):
        if required:
            problems.append(f"{what} is empty")
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        problems.append(f"{what} {text.strip()!r} is not a number")
        return None
    if value < 0:
        problems.append(f"{what} is negative ({text.strip()})")
    return value


@dataclass
class _Row:
    month: date
    seller: str
    buyer: str
    code: str | None
    kwh: float
    price: float | None
    certificates: int | None
    data_kind: str
    source_row: int


def conform(
    header: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[_Row], list[tuple[int, str, str]]]:
    """Rows to stage and (row, reason, raw) rejections: every rule a row breaks."""
    resolver = default_resolver()
    good: list[_Row] = []
    bad: list[tuple[int, str, str]] = []
    for n, cells in rows:
        raw = json.dumps(dict(zip(header, cells, strict=False)), ensure_ascii=False)
        if len(cells) != len(header):
            bad.append((n, f"row has {len(cells)} cells, the header {len(header)}", raw))
            continue
        f = dict(zip(header, cells, strict=True))
        problems: list[str] = []
        m = _MONTH.fullmatch(f["month"].strip())
        month = None
        if not m or not 1 <= int(m.group(2)) <= 12:
            problems.append(f"month {f['month'].strip()!r} is not YYYY-MM")
        else:
            month = date(int(m.group(1)), int(m.group(2)), 1)
        regions = {}
        for side in ("seller_region", "buyer_region"):
            label = f[side].strip()
            regions[side] = resolver.resolve(label) if label else None
            if regions[side] is None:
                problems.append(
                    f"{side} {label!r} is not a known region" if label else f"{side} is empty"
                )
        code = f["buyer_credit_code"].strip().upper() or None
        if code and (why := credit_code_problem(code)):
            problems.append(why)
        mwh = _number(f["energy_mwh"], "energy_mwh", problems, required=True)
        if mwh == 0:
            problems.append("energy_mwh is zero")
        price = _number(f["price_yuan_per_mwh"], "price_yuan_per_mwh", problems, required=False)
        certs = _number(f["certificates"], "certificates", problems, required=False)
        if certs is not None and certs != int(certs):
            problems.append(f"certificates {f['certificates'].strip()!r} is not a whole number")
        kind = (f.get(KIND_HEADER) or "official").strip().lower() or "official"
        if kind not in ("official", "demo"):
            problems.append(f"data_kind {kind!r} is not official or demo")
        if problems or month is None or mwh is None:
            bad.append((n, "; ".join(problems), raw))
            continue
        good.append(
            _Row(
                month,
                str(regions["seller_region"]),
                str(regions["buyer_region"]),
                code,
                mwh * 1000.0,
                price,
                int(certs) if certs is not None else None,
                kind,
                n,
            )
        )
    return good, bad


def stage(con: duckdb.DuckDBPyConnection, archived: ArchivedFile) -> RecordsStaged:
    """Replace this file's rows in staging.green_power_trades and quality.quarantine."""
    import pyarrow as pa  # lazily: not needed to ingest metering

    header, rows, encoding = _read(archived.archive_path)
    good, bad = conform(header, rows)
    sha, name = archived.sha256, archived.original_name
    con.execute("DELETE FROM staging.green_power_trades WHERE archive_sha256 = ?", [sha])
    con.execute("DELETE FROM quality.quarantine WHERE archive_sha256 = ?", [sha])
    table = pa.table(
        {
            "month": pa.array([r.month for r in good], pa.date32()),
            "year": pa.array([r.month.year for r in good], pa.int32()),
            "seller_region": [r.seller for r in good],
            "buyer_region": [r.buyer for r in good],
            "buyer_credit_code": pa.array([r.code for r in good], pa.string()),
            "energy_kwh": pa.array([r.kwh for r in good], pa.float64()),
            "price_yuan_per_mwh": pa.array([r.price for r in good], pa.float64()),
            "certificates": pa.array([r.certificates for r in good], pa.int64()),
            "data_kind": [r.data_kind for r in good],
            "source_row": pa.array([r.source_row for r in good], pa.int32()),
        }
    )
    con.register("_trades", table)
    try:
        con.execute(
            "INSERT INTO staging.green_power_trades BY NAME "
            "SELECT *, $sha AS archive_sha256 FROM _trades",
            {"sha": sha},
        )
    finally:
        con.unregister("_trades")
    now = datetime.now(UTC).replace(tzinfo=None)
    if bad:
        con.executemany(
            "INSERT INTO quality.quarantine VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
            [[sha, name, n, reason, raw, now] for n, reason, raw in bad],
        )
    return RecordsStaged(
        rows_in=len(rows),
        staged=len(good),
        quarantined=len(bad),
        years={r.month.year for r in good},
        meta={"encoding": encoding, "layout": "greenstat green power trades template"},
    )


SOURCE = RecordSource(KIND, "staging.green_power_trades", sniff, check, stage)
