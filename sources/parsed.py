"""What every connector hands to ingest: candidate observations, rejections, counts.

A connector only reads its format. Resolving regions, indicators and units, and
writing staging and quarantine, happen once, in ``sources.ingest``, for all kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sources.units import BadValueError, ParsedValue, parse_value

# A vintage is a release: a year, a month or a day, ISO-formatted so that string order
# is time order ('2018' < '2025' < '2025-03-31').
VINTAGE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# A span of years for a change over several years: '2016-2020', '2016—2020', '2016/2020',
# '2016～2020年'; stored as 'YYYY/YYYY' with the year of the period its last year.
SPAN = re.compile(r"(\d{4})\s*年?\s*(?:-|/|—|–|－|～|~|至|到)\s*(\d{4})\s*年?")


def parse_span(text: str) -> tuple[int, int] | None:
    """(first, last) years of a span as written, or None when ``text`` is not one."""
    m = SPAN.fullmatch(text.strip())
    if m is None:
        return None
    first, last = int(m.group(1)), int(m.group(2))
    return (first, last) if first < last else None


def span_period(first: int, last: int) -> str:
    return f"{first}/{last}"


@dataclass(frozen=True)
class Candidate:
    """One value read from a file, not yet conformed."""

    source_row: int
    column: str | None  # header of the cell, e.g. '2019年'
    raw: str  # the raw row, for quarantine
    region_label: str | None  # as written; a code or any alias in ref.regions
    indicator: str  # an indicator code (by_code) or a name as the source writes it
    value: float  # in unit_as_written
    value_as_written: str
    unit_as_written: str
    year: int
    period: str  # 'YYYY', 'YYYY-MM', or 'YYYY/YYYY' for a change over a span of years
    vintage: str
    data_kind: str
    citation: str
    by_code: bool = False
    flags: str = ""
    industry_code: str | None = None  # GB/T 4754 code the source's sector maps to
    source_sector: str | None = None  # the source's own sector, e.g. a CEADs sector name
    fuel: str | None = None  # fuel or emission process, e.g. 'Raw Coal', 'Process'
    price_basis: str | None = None  # as written (可比价, 2015年价格, 当年价); normalised by ingest
    qualifier: str | None = None  # about, at_least, at_most (sources.units.parse_qualified)
    # The indicator's published name when ``indicator`` is a code: a change rate's sign
    # comes from its words (较上年减少 3.48 is -3.48).
    indicator_as_written: str | None = None


@dataclass(frozen=True)
class Reject:
    source_row: int
    column: str | None
    reason: str
    raw: str
    cells: int = 1  # value cells this rejection accounts for


@dataclass
class Parsed:
    candidates: list[Candidate]
    rejects: list[Reject]
    cells_missing: int
    cells_in: int
    meta: dict[str, object] = field(default_factory=dict)  # raw.files columns
    vintage: str | None = None


@dataclass
class Tally:
    """What a connector has read so far, for workbooks read sheet by sheet."""

    candidates: list[Candidate] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    missing: int = 0
    cells_in: int = 0
    notes: list[str] = field(default_factory=list)

    def text_cell(self, shown: str, row: int, column: str | None, raw: str) -> ParsedValue | None:
        """A workbook cell that holds text, not a number: a missing-value marker or an
        empty cell is counted missing, anything unreadable is rejected with its reason;
        None unless it holds a number."""
        if not shown:
            self.missing += 1
            return None
        try:
            parsed = parse_value(shown)
        except BadValueError as exc:
            self.rejects.append(Reject(row, column, str(exc), raw))
            return None
        if parsed.missing or parsed.value is None:
            self.missing += 1
            return None
        return parsed


class Options(Protocol):
    indicator: str | None
    region: str | None
    vintage: str | None


@dataclass(frozen=True)
class Connector:
    kind: str
    sniff: Callable[[Path, bytes], bool]
    parse: Callable[[Path, Options], Parsed]
