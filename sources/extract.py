"""greenstat extract files: tidy, cited figures transcribed or extracted by the project.

The embedded default data is kept in this format (``sources/extracts/*.csv``):
one figure a row, with the value and unit exactly as the publisher wrote them,
the vintage, the data kind and a citation. Users can write the same format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sources.errors import SourceFormatError

EXTRACT_COLUMNS = (
    "region_code",
    "indicator_code",
    "year",
    "value_as_written",
    "unit_as_written",
    "vintage",
    "data_kind",
    "citation",
    "origin",
)
# Optional columns, after ``origin``, in any order: sector rows of an inventory give the
# GB/T 4754 code, the source's sector and the fuel; cited figures may give the indicator's
# name as published (a change rate's sign is in its words), a period other than the year
# (2016/2020 for a change over a span) and the price basis.
BREAKDOWN_COLUMNS = ("industry_code", "source_sector", "fuel")
OPTIONAL_COLUMNS = (*BREAKDOWN_COLUMNS, "indicator_as_written", "period", "price_basis")
HEADER_LINE = ",".join(EXTRACT_COLUMNS)


def _header_columns(first_line: str) -> tuple[str, ...] | None:
    """The columns of an extract header, or None when the line is not one."""
    cells = tuple(c.strip() for c in first_line.split(","))
    base, rest = cells[: len(EXTRACT_COLUMNS)], cells[len(EXTRACT_COLUMNS) :]
    if base != EXTRACT_COLUMNS or len(set(rest)) != len(rest):
        return None
    if not set(rest) <= set(OPTIONAL_COLUMNS):
        return None
    return cells


@dataclass(frozen=True)
class ExtractRow:
    source_row: int
    fields: dict[str, str]
    raw: str


def sniff_extract(head: bytes) -> bool:
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(first) and _header_columns(first[0]) is not None


def read_extract(path: Path) -> list[ExtractRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{path.name}: extract files must be UTF-8 ({exc.reason})") from exc
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = next(reader, None)
    columns = _header_columns(",".join(header)) if header else None
    if columns is None:
        raise SourceFormatError(
            f"{path.name}: header is not {HEADER_LINE} followed by any of "
            f"{', '.join(OPTIONAL_COLUMNS)}"
        )
    rows = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = lines[line_no - 1] if line_no - 1 < len(lines) else ",".join(cells)
        padded = [*cells, *[""] * (len(columns) - len(cells))]
        fields = {k: v.strip() for k, v in zip(columns, padded, strict=False)}
        for k in OPTIONAL_COLUMNS:
            fields.setdefault(k, "")
        if len(cells) > len(columns):
            fields["_extra"] = ",".join(cells[len(columns) :])
        rows.append(ExtractRow(line_no, fields, raw))
    return rows


def write_extract(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    breakdown: bool = False,
    optional: tuple[str, ...] = (),
) -> int:
    """Write rows in the extract format (with the breakdown columns, or the optional
    columns named, if asked); the count written. Builders of the embedded extracts all
    write through here."""
    extra = BREAKDOWN_COLUMNS if breakdown else optional
    assert set(extra) <= set(OPTIONAL_COLUMNS), extra
    columns = [*EXTRACT_COLUMNS, *extra]
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
            n += 1
    return n
