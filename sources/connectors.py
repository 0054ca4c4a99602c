"""The registry of source kinds: how each is recognised and read.

A new source adds a ``Connector`` here (sniff + parse to ``Parsed``); ingest does
the rest (regions, indicators, units, staging, quarantine, accounting).
"""

from __future__ import annotations

from pathlib import Path

from sources import (
    ceads,
    cec_briefing,
    cui_daily,
    enterprise_filing,
    gem_wind,
    green_power_trades,
    grid_load,
    meter_hourly,
    miit_lists,
    nbs_export,
    owid,
    pypsa_capacity,
    sector_template,
)
from sources.catalogue import default_catalogue
from sources.extract import read_extract, sniff_extract
from sources.parsed import (
    Candidate,
    Connector,
    Options,
    Parsed,
    Reject,
    parse_span,
    span_period,
)
from sources.price_basis import price_basis_from_notes
from sources.records import RecordSource
from sources.units import BadValueError, parse_qualified, parse_value
from warehouse.tables import DATA_KINDS

KIND_NBS = "nbs_portal_export"
KIND_EXTRACT = "greenstat_extract"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def _sniff_nbs(path: Path, head: bytes) -> bool:
    return head.startswith((_XLS_MAGIC, _ZIP_MAGIC)) or nbs_export.sniff_nbs_export(path, head)


def parse_nbs(path: Path, options: Options) -> Parsed:
    export = nbs_export.parse_nbs_export(
        path,
        indicator=options.indicator,
        region=options.region,
        known_indicators=default_catalogue().known_labels(),
    )
    latest = export.latest_year_with_data
    if options.vintage:
        vintage, basis = options.vintage, "given at ingest (--vintage)"
    elif latest is not None:
        vintage = str(latest + 1)
        basis = f"inferred: the year after the latest data year ({latest}) in the export"
    else:
        vintage, basis = "", "no data"
    source = export.source_line.split("：", 1)[-1] if export.source_line else "国家统计局"
    citation = f"{source}, 国家数据 {export.database or '分省年度数据'}"
    price_basis = price_basis_from_notes(export.notes)
    candidates = [
        Candidate(
            source_row=c.source_row,
            column=f"{c.year}年",
            raw=f"{c.region_label or ''},{c.indicator_label}({c.unit_as_written}),"
            f"{c.year}年,{c.value_as_written}",
            region_label=c.region_label,
            indicator=c.indicator_label,
            value=c.value,
            value_as_written=c.value_as_written,
            unit_as_written=c.unit_as_written,
            year=c.year,
            period=str(c.year),
            vintage=vintage,
            data_kind="official",
            citation=f"{citation}: {c.indicator_label}({c.unit_as_written})",
            flags=c.flags,
            price_basis=price_basis,
        )
        for c in export.cells
    ]
    rejects = [Reject(r.source_row, r.column, r.reason, r.raw, r.cells) for r in export.rejected]
    indicator_line = export.indicator_line
    if export.indicator_inferred_from is not None:
        indicator_line = f"{indicator_line} (inferred from {export.indicator_inferred_from})"
    meta: dict[str, object] = {
        "encoding": export.encoding,
        "layout": export.layout,
        "database": export.database,
        "indicator_line": indicator_line,
        "time_line": export.time_line,
        "notes": export.notes,
        "source_line": export.source_line,
        "vintage_basis": basis,
    }
    return Parsed(candidates, rejects, export.cells_missing, export.cells_in, meta, vintage or None)


def parse_extract(path: Path, options: Options) -> Parsed:
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    missing = 0
    rows = read_extract(path)
    for r in rows:
        f = r.fields
        reason = None
        if "_extra" in f:
            reason = "more cells than the header has columns"
        elif f["data_kind"] not in DATA_KINDS:
            reason = f"data_kind {f['data_kind']!r} is not one of {', '.join(DATA_KINDS)}"
        elif not f["vintage"]:
            reason = "vintage is empty"
        elif not f["year"].isdigit():
            reason = f"year {f['year']!r} is not a whole number"
        period = f["period"] or f["year"]
        if reason is None and f["period"]:
            span = parse_span(f["period"])
            if span is not None:
                period = span_period(*span)
                if span[1] != int(f["year"]):
                    reason = f"period {f['period']!r} does not end in year {f['year']}"
            elif not (f["period"] == f["year"] or f["period"].startswith(f"{f['year']}-")):
                reason = f"period {f['period']!r} is not in year {f['year']}"
        core, qualifier = parse_qualified(f["value_as_written"])
        if reason is None:
            try:
                parsed = parse_value(core)
            except BadValueError as exc:
                reason = str(exc)
        if reason is not None:
            rejects.append(Reject(r.source_row, None, reason, r.raw))
            continue
        if parsed.missing or parsed.value is None:
            missing += 1
            continue
        citation = f"{f['citation']} [{f['origin']}]" if f["origin"] else f["citation"]
        candidates.append(
            Candidate(
                source_row=r.source_row,
                column=None,
                raw=r.raw,
                region_label=f["region_code"],
                indicator=f["indicator_code"],
                by_code=True,
                value=parsed.value,
                value_as_written=f["value_as_written"],
                unit_as_written=f["unit_as_written"],
                year=int(f["year"]),
                period=period,
                vintage=f["vintage"],
                data_kind=f["data_kind"],
                citation=citation,
                flags=parsed.flags,
                industry_code=f["industry_code"] or None,
                source_sector=f["source_sector"] or None,
                fuel=f["fuel"] or None,
                price_basis=f["price_basis"] or None,
                qualifier=qualifier,
                indicator_as_written=f["indicator_as_written"] or None,
            )
        )
    vintages = sorted({c.vintage for c in candidates})
    meta = {"encoding": "utf-8", "layout": "tidy", "vintage_basis": "per row (vintage column)"}
    return Parsed(candidates, rejects, missing, len(rows), meta, ",".join(vintages) or None)


# Order matters: the most specific sniff first.
CONNECTORS: tuple[Connector, ...] = (
    Connector(KIND_EXTRACT, lambda _p, head: sniff_extract(head), parse_extract),
    owid.CONNECTOR,
    cec_briefing.CONNECTOR,
    ceads.PROVINCE_CONNECTOR,  # CEADs and Cui sniff sheet names in xl/workbook.xml only
    ceads.NATIONAL_CONNECTOR,
    cui_daily.CONNECTOR,
    sector_template.CONNECTOR,  # before KIND_NBS, which claims every workbook by magic bytes
    pypsa_capacity.CONNECTOR,
    Connector(KIND_NBS, _sniff_nbs, parse_nbs),
)


def connector(kind: str) -> Connector:
    for c in CONNECTORS:
        if c.kind == kind:
            return c
    raise KeyError(kind)


# Staged whole into tables of their own (sources.records), each recognised by its header.
RECORD_SOURCES: tuple[RecordSource, ...] = (
    meter_hourly.SOURCE,  # before filings, whose looser sniff also takes credit_code
    enterprise_filing.SOURCE,
    miit_lists.SOURCE,
    gem_wind.SOURCE,
    grid_load.SOURCE,
    green_power_trades.SOURCE,
)


def record_source(kind: str) -> RecordSource | None:
    return next((s for s in RECORD_SOURCES if s.kind == kind), None)
