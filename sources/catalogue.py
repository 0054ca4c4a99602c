"""The indicator catalogue (``sources/ref/indicators.csv``), reviewed like code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REF_DIR = Path(__file__).resolve().parent / "ref"


@dataclass(frozen=True)
class Indicator:
    indicator_code: str
    name_zh: str
    name_en: str
    unit: str
    source_unit: str  # the unit as the NBS portal writes it, '' if none is known
    direction: str
    domain: str
    definition: str
    source_names: tuple[str, ...]


def _norm(name: str) -> str:
    return "".join(name.split())


def load_indicators(path: Path | None = None) -> list[Indicator]:
    with open(path or REF_DIR / "indicators.csv", encoding="utf-8", newline="") as fh:
        return [
            Indicator(
                indicator_code=r["indicator_code"].strip(),
                name_zh=r["name_zh"].strip(),
                name_en=r["name_en"].strip(),
                unit=r["unit"].strip(),
                source_unit=r.get("source_unit", "").strip(),
                direction=r["direction"].strip(),
                domain=r.get("domain", "").strip(),
                definition=r.get("definition", "").strip(),
                source_names=tuple(s.strip() for s in r["source_names"].split("|") if s.strip()),
            )
            for r in csv.DictReader(fh)
        ]


class Catalogue:
    """Looks indicators up by code or by any name a source publishes them under."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.by_code = {i.indicator_code: i for i in indicators}
        self.by_name: dict[str, Indicator] = {}
        for ind in indicators:
            for name in (ind.name_zh, *ind.source_names):
                key = _norm(name)
                other = self.by_name.get(key)
                if other is not None and other.indicator_code != ind.indicator_code:
                    raise ValueError(
                        f"indicators.csv: name {name!r} is claimed by {other.indicator_code} "
                        f"and {ind.indicator_code}"
                    )
                self.by_name[key] = ind

    def lookup_name(self, name: str) -> Indicator | None:
        return self.by_name.get(_norm(name))

    def known_labels(self) -> dict[str, str]:
        """Source names mapped to 'name(unit as NBS writes it)', for inferring the indicator
        of an export that has no 指标： line; indicators with no known source unit are left
        out, since a label without its unit could not be converted."""
        return {
            name: f"{name}({ind.source_unit})"
            for ind in self.by_code.values()
            if ind.source_unit
            for name in (ind.name_zh, *ind.source_names)
        }


@cache
def default_catalogue() -> Catalogue:
    return Catalogue(load_indicators())
