"""greenstat extract files: tidy, cited figures transcribed or extracted by the project.

The embedded default data is kept in this format (``sources/extracts/*.csv``):
one figure a row, with the value and unit exactly as the publisher wrote them,
the vintage, the data kind and a citation. Users can write the same format.
"""

from __future__ import annotations

import csv
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
HEADER_LINE = ",".join(EXTRACT_COLUMNS)


@dataclass(frozen=True)
class ExtractRow:
    source_row: int
    fields: dict[str, str]
    raw: str


def sniff_extract(head: bytes) -> bool:
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(first) and first[0].strip() == HEADER_LINE


def read_extract(path: Path) -> list[ExtractRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{path.name}: extract files must be UTF-8 ({exc.reason})") from exc
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != EXTRACT_COLUMNS:
        raise SourceFormatError(f"{path.name}: header is not {HEADER_LINE}")
    rows = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = lines[line_no - 1] if line_no - 1 < len(lines) else ",".join(cells)
        padded = [*cells, *[""] * (len(EXTRACT_COLUMNS) - len(cells))]
        fields = {k: v.strip() for k, v in zip(EXTRACT_COLUMNS, padded, strict=False)}
        if len(cells) > len(EXTRACT_COLUMNS):
            fields["_extra"] = ",".join(cells[len(EXTRACT_COLUMNS) :])
        rows.append(ExtractRow(line_no, fields, raw))
    return rows
