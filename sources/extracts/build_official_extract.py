"""Build ``official_figures.csv``: published figures from communiqués and bulletins, cited.

Run from the repository root with the public files beside it::

    .venv/bin/python -m sources.extracts.build_official_extract ../shared/data

The input (``official_figures/official_figures.csv``) holds figures read from stored
public pages, each with its publisher, the page's URL and the phrase around the number.
A figure is kept as ``official`` only where (decision 33):

- its publisher is a statistics bureau, a ministry or a government body (associations,
  trading centres and the like publish no official statistics);
- it is not read from a secondary analysis (a third-party article quoting a yearbook);
- the quoted phrase contains the number as written (the figure is verbatim);
- the catalogue knows its indicator, under its published name (change rates included);
- an intensity level states its price basis, or its publisher states one for the same
  series elsewhere in the file (a level without one cannot be placed).

Everything else is written to ``docs/official_figures.md`` with the reason, so nothing is
dropped unseen. Approximate and open-ended values (约20, 180以上) are kept as written:
ingest stores them with their qualifier, never as exact figures.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sources.catalogue import Catalogue, Indicator, default_catalogue
from sources.extract import write_extract
from sources.price_basis import (
    CURRENT,
    UnknownPriceBasisError,
    is_comparable,
    normalise_price_basis,
)
from sources.units import parse_qualified

INPUT = "official_figures/official_figures.csv"
OUTPUT = Path(__file__).resolve().parent / "official_figures.csv"
REPORT = Path(__file__).resolve().parents[2] / "docs" / "official_figures.md"
OPTIONAL = ("indicator_as_written", "price_basis")

# Publishers of official statistics: statistics bureaus, ministries, commissions,
# administrations and governments (国家统计局, 水利部, 国家发展和改革委员会, 国家能源局,
# 北京市人民政府, 重庆市经济和信息化委员会, 重庆市水利局 ...).
_OFFICIAL = re.compile(r"(统计局|调查总队|部|委员会|人民政府|政府|(?<!交易)局)")
_NOT_OFFICIAL = re.compile(r"(协会|学会|交易中心|公司|研究院|联合会|商会)")
_SECONDARY = ("第三方文章",)
_DATE = re.compile(r"(20\d{2})-(\d{2})-(\d{2})")
# Qualifiers of the published name that say nothing about what is measured.
_NAME_NOISE = ("（累计）", "(累计)")


@dataclass(frozen=True)
class Decision:
    row: int
    fields: dict[str, str]
    indicator: Indicator | None
    reason: str | None  # why it is left out; None when kept
    price_basis: str = ""


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _publisher_reason(publisher: str, title: str) -> str | None:
    if _NOT_OFFICIAL.search(publisher) or not _OFFICIAL.search(publisher):
        return f"publisher {publisher!r} is not a statistics bureau, ministry or government"
    if any(w in title for w in _SECONDARY):
        return "read from a secondary article, not from the publisher's release"
    return None


def _verbatim(value: str, context: str) -> bool:
    core, _ = parse_qualified(value)
    number = _norm(core).replace(",", "").lstrip("+")
    return number.lstrip("-") in _norm(context).replace(",", "")


def _indicator(cat: Catalogue, name: str) -> Indicator | None:
    for noise in _NAME_NOISE:
        name = name.replace(noise, "")
    found = cat.lookup_name(name)
    if found is not None:
        return found
    rate = cat.lookup_rate(name)
    return rate.indicator if rate is not None else None


def _series_basis(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], str]:
    """The price basis a publisher states for a series somewhere in the file."""
    stated: dict[tuple[str, str, str], str] = {}
    for r in rows:
        if r["price_basis"].strip():
            key = (r["region_code"], _norm(r["indicator_zh"]).split("(")[0], r["publisher"])
            stated.setdefault(key, r["price_basis"].strip())
    return stated


def decide(rows: list[dict[str, str]], cat: Catalogue | None = None) -> list[Decision]:
    cat = cat or default_catalogue()
    stated = _series_basis(rows)
    out = []
    for n, r in enumerate(rows, start=2):
        reason = _publisher_reason(r["publisher"], r["source_title"])
        ind = _indicator(cat, r["indicator_zh"])
        basis = r["price_basis"].strip()
        if reason is None and not _verbatim(r["value"], r["context"]):
            reason = f"the quoted phrase does not contain {r['value']!r}"
        if reason is None and ind is None:
            reason = f"no catalogued indicator is published as {r['indicator_zh']!r}"
        if reason is None and ind is not None and ind.unit.endswith("/10k yuan"):
            key = (r["region_code"], _norm(r["indicator_zh"]).split("(")[0], r["publisher"])
            basis = basis or stated.get(key, "")
            if not basis:
                reason = "an intensity level with no price basis stated for its series"
        if reason is None and basis:
            try:
                normalise_price_basis(basis)
            except UnknownPriceBasisError as exc:
                reason = str(exc)
        out.append(Decision(n, r, ind if reason is None else None, reason, basis))
    return out


def _current_prices_twin(cat: Catalogue, ind: Indicator, basis: str) -> Indicator:
    """An intensity level at current prices belongs to the *_current_prices indicator."""
    if normalise_price_basis(basis) == CURRENT:
        twin = cat.by_code.get(f"{ind.indicator_code}_current_prices")
        if twin is not None:
            return twin
    return ind


def _unit(ind: Indicator, unit: str) -> str:
    """The unit as published; an intensity's 万元 denominator is in its name (万元工业增加值
    用水量: 立方米), so it is written out where the publisher left it there."""
    if ind.unit.endswith("/10k yuan") and "/" not in unit:
        return f"{unit}/万元"
    return unit


def _inherited(r: dict[str, str], d: Decision) -> str:
    if d.price_basis and not r["price_basis"].strip():
        return f" (price basis {d.price_basis}: as the publisher states it for this series)"
    return ""


def _vintage(r: dict[str, str]) -> str:
    """The release date where the source names one, else the year after the figure's
    year (communiqués and bulletins come out the following year)."""
    m = _DATE.search(r["source_title"])
    return m.group(0) if m else str(int(r["year"]) + 1)


def build(shared: Path) -> tuple[list[dict[str, str]], list[Decision]]:
    path = shared / INPUT
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cat = default_catalogue()
    decisions = decide(rows, cat)
    out = []
    for d in decisions:
        if d.indicator is None:
            continue
        r = d.fields
        ind = d.indicator
        if (
            d.price_basis
            and ind.unit.endswith("/10k yuan")
            and not is_comparable(normalise_price_basis(d.price_basis))
        ):
            ind = _current_prices_twin(cat, ind, d.price_basis)
        out.append(
            {
                "region_code": r["region_code"],
                "indicator_code": ind.indicator_code,
                "year": r["year"],
                "value_as_written": r["value"].strip(),
                "unit_as_written": _unit(ind, r["unit"].strip()),
                "vintage": _vintage(r),
                "data_kind": "official",
                "citation": f"{r['publisher']}: {r['source_title']} 「{r['context']}」 {r['url']}"
                + _inherited(r, d),
                "origin": f"{INPUT} sha256:{sha[:16]} row {d.row}",
                "indicator_as_written": r["indicator_zh"].strip(),
                "price_basis": d.price_basis,
            }
        )
    out.sort(key=lambda x: (x["region_code"], x["indicator_code"], x["year"], x["vintage"]))
    return out, decisions


def report(decisions: list[Decision], kept: int) -> str:
    left = [d for d in decisions if d.reason is not None]
    lines = [
        "# Official figures: what the embedded extract keeps, and what it leaves out",
        "",
        "Generated by `python -m sources.extracts.build_official_extract ../shared/data`; "
        "do not edit. The rules are in the builder's docstring and docs/decisions.md.",
        "",
        f"{len(decisions)} figures read, {kept} kept as `official` in "
        f"`sources/extracts/official_figures.csv`, {len(left)} left out:",
        "",
        "| row | region | year | figure as published | value | publisher | why it is left out |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in left:
        f = d.fields
        cells = [
            str(d.row), f["region_code"], f["year"], f["indicator_zh"], f"{f['value']} {f['unit']}",
            f["publisher"], str(d.reason),
        ]  # fmt: skip
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write(
    rows: list[dict[str, str]],
    decisions: list[Decision],
    out: Path = OUTPUT,
    report_path: Path = REPORT,
) -> None:
    write_extract(out, rows, optional=OPTIONAL)
    report_path.write_text(report(decisions, len(rows)), encoding="utf-8")


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared/data")
    rows, decisions = build(shared)
    write(rows, decisions)
    print(f"wrote {len(rows)} rows to {OUTPUT} and the report to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
