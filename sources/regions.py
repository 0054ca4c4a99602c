"""Regions (``sources/ref/regions.csv``) and the resolver every source goes through.

Sources spell a region many ways (北京, 北京市, Beijing2019, BJ, 110000, 广西省 ...).
Keys in the warehouse are ISO 3166-2 codes only, so every label is mapped here,
by exact lookup of a normalised spelling: no prefix or fuzzy matching, because a
wrong region is worse than a rejected row (it lands in quarantine, not in a mart).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent / "ref" / "regions.csv"

COLUMNS = ("region_code", "gb2260", "name_zh", "name_en", "level", "parent_code", "aliases")
LEVELS = ("nation", "province", "city", "corps")
# Levels that roll up into their parent province for provincial totals (BRIEF 5).
SUB_PROVINCIAL_LEVELS = frozenset({"city", "corps"})

_SEPARATORS = re.compile(r"[\s_\-]+")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))
# CEADs names its sheets `Beijing2019`, `InnerMongolia2019`: drop the year, Latin only,
# so a GB/T 2260 code or a Chinese label ending in digits is never cut.
_LATIN_WITH_YEAR = re.compile(r"([a-z][a-z.']*)((?:19|20)\d{2})")


@dataclass(frozen=True)
class Region:
    """One row of regions.csv; empty strings (not None) where the file has no value."""

    region_code: str
    gb2260: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    aliases: tuple[str, ...]

    def spellings(self) -> tuple[str, ...]:
        """Every label that must resolve to this region (code, names, aliases)."""
        own = (self.region_code, self.gb2260, self.name_zh, self.name_en, *self.aliases)
        return tuple(s for s in own if s)


def normalise_label(label: str) -> str:
    """The lookup key of a label: NFKC, no whitespace/underscores/hyphens, lower case.

    NFKC turns full-width letters and the ideographic space into ASCII, so labels
    typed on a Chinese keyboard match; removing separators makes ``Inner Mongolia``,
    ``InnerMongolia`` and ``inner_mongolia`` one key.
    """
    s = unicodedata.normalize("NFKC", label).translate(_INVISIBLE)
    s = _SEPARATORS.sub("", s).lower()
    m = _LATIN_WITH_YEAR.fullmatch(s)
    return m.group(1) if m else s


def _build_index(regions: Iterable[Region]) -> dict[str, str]:
    """Normalised spelling -> region_code; a spelling claimed twice is an error in the file."""
    index: dict[str, str] = {}
    for region in regions:
        for spelling in region.spellings():
            key = normalise_label(spelling)
            if not key:
                raise ValueError(f"regions: {region.region_code} has an empty alias")
            other = index.setdefault(key, region.region_code)
            if other != region.region_code:
                raise ValueError(
                    f"regions: spelling {spelling!r} (normalised {key!r}) is claimed by "
                    f"both {other} and {region.region_code}; an alias must name one region"
                )
    return index


def _check(regions: list[Region]) -> None:
    codes: set[str] = set()
    gb_codes: set[str] = set()
    for r in regions:
        if not r.region_code or r.region_code in codes:
            raise ValueError(f"regions: missing or duplicate region_code {r.region_code!r}")
        codes.add(r.region_code)
        if r.level not in LEVELS:
            raise ValueError(f"regions: {r.region_code} has unknown level {r.level!r}")
        if r.gb2260:
            if not re.fullmatch(r"\d{6}", r.gb2260) or r.gb2260 in gb_codes:
                raise ValueError(f"regions: {r.region_code}: bad or duplicate gb2260 {r.gb2260!r}")
            gb_codes.add(r.gb2260)
    for r in regions:
        if (r.level == "nation") != (not r.parent_code):
            raise ValueError(f"regions: {r.region_code}: only the nation has no parent")
        if r.parent_code and r.parent_code not in codes:
            raise ValueError(f"regions: {r.region_code} has unknown parent {r.parent_code!r}")
    _build_index(regions)


def load_regions(path: Path | None = None) -> list[Region]:
    """Read and validate regions.csv (default: the packaged one); raises ValueError if invalid."""
    csv_path = path or REGIONS_CSV
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{csv_path}: columns must be {','.join(COLUMNS)}")
        regions = [
            Region(
                region_code=row["region_code"].strip(),
                gb2260=row["gb2260"].strip(),
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                level=row["level"].strip(),
                parent_code=row["parent_code"].strip(),
                aliases=tuple(a.strip() for a in row["aliases"].split("|") if a.strip()),
            )
            for row in reader
        ]
    _check(regions)
    return regions


class RegionResolver:
    """Maps any known spelling of a region to its region_code in O(1)."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._regions = tuple(regions)
        self._by_code = {r.region_code: r for r in self._regions}
        self._index = _build_index(self._regions)

    @property
    def regions(self) -> tuple[Region, ...]:
        return self._regions

    def resolve(self, label: str) -> str | None:
        """region_code for a label, or None when the label is not a known spelling."""
        return self._index.get(normalise_label(label))

    def region(self, region_code: str) -> Region:
        try:
            return self._by_code[region_code]
        except KeyError:
            raise KeyError(f"unknown region_code {region_code!r}") from None

    def provincial_code(self, region_code: str) -> str:
        """The province a figure counts towards: cities and the corps roll up to their parent."""
        region = self.region(region_code)
        return region.parent_code if region.level in SUB_PROVINCIAL_LEVELS else region_code


@cache
def default_resolver() -> RegionResolver:
    """The resolver over the packaged regions.csv, built once per process."""
    return RegionResolver(load_regions())
