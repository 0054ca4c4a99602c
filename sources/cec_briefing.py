"""China Electricity Council (中电联) monthly briefings, transcribed as data,sector,source,title.

The briefing (电力工业运行简况) gives national installed capacity by source, with the
magnitude written into each cell ('3.7亿千瓦', '9713万千瓦'), so one column mixes units:
every cell is split into number and unit by ``split_value_unit`` and converted by the
unit it carries. Period and vintage come from the title ('2020年1-10月份...').
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sources.errors import SourceFormatError
from sources.nbs_export import decode_head
from sources.parsed import VINTAGE, Candidate, Connector, Options, Parsed, Reject
from sources.sector_template import decode_text
from sources.units import BadValueError, parse_value_unit

KIND_CEC = "cec_briefing"
COLUMNS = ("data", "sector", "source", "title")
PUBLISHER = "中国电力企业联合会 China Electricity Council"
REGION = "CN"  # the briefings are national

# The briefing's sector names -> indicator codes; explicit, so a new sector is rejected
# with its name rather than matched to something close.
SECTORS: dict[str, str] = {
    "水电": "hydro_capacity",
    "火电": "thermal_capacity",
    "燃煤发电": "coal_capacity",
    "燃气发电": "gas_capacity",
    "核电": "nuclear_capacity",
    "风电": "wind_capacity",
    "太阳能发电": "solar_capacity",
}

# '2020年1-10月份' (cumulative to October), '2020年10月份', '2020年1—10月'; a title with no
# sub-annual marker after the year ('2019年电力工业运行简况', '2020年全年') is the whole year.
# A part of a year greenstat cannot store as a period (上半年, 一季度, 前三季度, 10-12月) is
# refused, never read as the whole year.
_YEAR = re.compile(r"(?P<year>\d{4})年")
_MONTH = re.compile(r"(?:1\s*[-—–~至]\s*)?(?P<month>\d{1,2})月(?:份|末)?")
_PART_OF_YEAR = re.compile(r"[上下前后第]|[一二三四1-4]\s*季|\d")


def sniff_cec(head: bytes) -> bool:
    text = decode_head(head)
    first = text.splitlines()[:1] if text else []
    return bool(first) and tuple(c.strip() for c in first[0].split(",")) == COLUMNS


def period_of(title: str) -> tuple[int, str, str] | None:
    """(year, period, inferred vintage) from a briefing title, or None.

    A briefing up to month M is published in month M+1, so that is its vintage (the
    convention of decision 3: a release follows the period it covers)."""
    m = _YEAR.search(title)
    if m is None:
        return None
    year, rest = int(m.group("year")), title[m.end() :]
    month_m = _MONTH.match(rest)
    if month_m is None:
        if _PART_OF_YEAR.match(rest):
            return None
        return year, str(year), str(year + 1)
    month = int(month_m.group("month"))
    if not 1 <= month <= 12:
        return None
    nxt = f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"
    return year, f"{year}-{month:02d}", nxt


def parse_cec(path: Path, options: Options) -> Parsed:
    text, encoding = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    rows = list(csv.reader(io.StringIO(text)))
    header = tuple(c.strip() for c in rows[0]) if rows else ()
    if header != COLUMNS:
        raise SourceFormatError(f"{path.name}: header is not {','.join(COLUMNS)}")
    if options.vintage and not VINTAGE.fullmatch(options.vintage):
        raise SourceFormatError(f"{path.name}: --vintage {options.vintage!r} is not YYYY[-MM[-DD]]")
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    missing = cells_in = 0
    basis: set[str] = set()
    for line_no, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells_in += 1
        raw = lines[line_no - 1] if line_no - 1 < len(lines) else ",".join(cells)
        data, sector, source, title = (c.strip() for c in (*cells, "", "", "", "")[:4])
        code = SECTORS.get(sector)
        when = period_of(title)
        reason = None
        if len(cells) > len(COLUMNS):
            reason = f"{len(cells)} cells, but the header has {len(COLUMNS)} columns"
        elif code is None:
            reason = f"sector {sector!r} is not mapped (known: {', '.join(SECTORS)})"
        elif when is None:
            reason = f"title {title!r} names no period (expected e.g. '2020年1-10月份...')"
        if reason is None:
            try:
                parsed, unit = parse_value_unit(data)
            except BadValueError as exc:
                reason = f"data: {exc}"
            else:
                if parsed.missing or parsed.value is None:
                    missing += 1
                    continue
                if unit is None:
                    reason = f"data {data!r} carries no unit (the briefing writes '3.7亿千瓦')"
        if reason is not None:
            column = "sector" if code is None else "title" if when is None else "data"
            rejects.append(Reject(line_no, column, reason, raw))
            continue
        assert when is not None and code is not None and unit is not None
        year, period, inferred = when
        if options.vintage:
            vintage = options.vintage
            basis.add("given at ingest (--vintage)")
        else:
            vintage = inferred
            basis.add(f"inferred: the month after the period in the title ({title})")
        candidates.append(
            Candidate(
                source_row=line_no,
                column="data",
                raw=raw,
                region_label=REGION,
                indicator=code,
                by_code=True,
                value=parsed.value,  # type: ignore[arg-type]
                value_as_written=data,
                unit_as_written=unit,
                year=year,
                period=period,
                vintage=vintage,
                data_kind="official",
                citation=f"{PUBLISHER}, 《{title}》, {sector}, {source}".rstrip(", "),
                flags=parsed.flags,
            )
        )
    vintages = sorted({c.vintage for c in candidates})
    meta: dict[str, object] = {
        "encoding": encoding,
        "layout": "tidy (data,sector,source,title)",
        "source_line": PUBLISHER,
        "vintage_basis": "; ".join(sorted(basis)) or "no data",
    }
    return Parsed(candidates, rejects, missing, cells_in, meta, ",".join(vintages) or None)


CONNECTOR = Connector(KIND_CEC, lambda _p, head: sniff_cec(head), parse_cec)
