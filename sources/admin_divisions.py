"""GB/T 2260 administrative divisions down to county level, with the years of each code.

The code lists come with python-stdnum (``stdnum/cn/loc.dat``, compiled from the
published lists for checking identity-card numbers), so greenstat carries no copy of
its own and checks filings offline. A code is known for a year when one of its names
was in use that year: 500105 江北区 is fine in 2020, 110103 崇文区 is not after 2010.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from stdnum import numdb

from sources.regions import RegionResolver, default_resolver

_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


@dataclass(frozen=True)
class AdminDivision:
    gb2260: str
    name_zh: str
    level: str  # province | prefecture | county
    region_code: str  # separately-planned city or provincial-level division
    province_code: str
    valid_from: int | None
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


def _names(text: str) -> list[tuple[str, int | None, int | None]]:
    """'[1997-1997]万县区,[1998-]万州区' -> [(万县区, 1997, 1997), (万州区, 1998, None)]."""
    out = []
    for part in text.split(","):
        m = _PERIOD.match(part.strip())
        if m:
            start, end, name = m.groups()
            out.append((name, int(start) if start else None, int(end) if end else None))
        else:
            out.append((part.strip(), None, None))
    return out


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


@cache
def admin_divisions(resolver: RegionResolver | None = None) -> tuple[AdminDivision, ...]:
    """Every (code, name, period) in the lists, mapped to greenstat's regions: a
    separately-planned city owns every code under its four-digit prefix."""
    resolver = resolver or default_resolver()
    out: list[AdminDivision] = []
    for _, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if low != high:
            raise ValueError(f"stdnum cn/loc: unexpected province range {low}-{high}")
        province = resolver.resolve(f"{low}0000")
        if province is None:
            continue  # not a region greenstat knows (none today; kept explicit)
        for _, c_low, c_high, c_props, _ in children:
            if c_low != c_high or "county" not in c_props:
                continue
            code = f"{low}{c_low}"
            city = resolver.resolve(f"{code[:4]}00") if not code.endswith("0000") else None
            region = city if city and resolver.provincial_code(city) == province else province
            for name, start, end in _names(c_props["county"]):
                out.append(AdminDivision(code, name, _level(code), region, province, start, end))
    return tuple(out)


def known_codes(divisions: Iterable[AdminDivision]) -> dict[str, list[AdminDivision]]:
    index: dict[str, list[AdminDivision]] = {}
    for d in divisions:
        index.setdefault(d.gb2260, []).append(d)
    return index


_SUFFIXES = ("市", "县", "区", "地区", "自治州", "盟")


@cache
def place_names() -> dict[str, str]:
    """Prefecture and county names still in use, with and without their suffix, mapped to
    the region they lie in, for lists that name a city (合肥) instead of its province.
    A prefecture's name wins over a county's (西安 is the city, not 西安区 in Liaoyuan);
    a name shared by two regions at the same level maps to neither."""
    tiers: dict[str, dict[str, set[str]]] = {"prefecture": {}, "county": {}}
    for d in admin_divisions():
        if d.level == "province" or d.valid_to is not None or d.name_zh in ("市辖区", "县"):
            continue
        keys = {d.name_zh}
        for suffix in _SUFFIXES:
            if d.name_zh.endswith(suffix) and len(d.name_zh) > len(suffix) + 1:
                keys.add(d.name_zh[: -len(suffix)])
        for k in keys:
            tiers[d.level].setdefault(k, set()).add(d.region_code)
    out: dict[str, str] = {}
    for level in ("county", "prefecture"):  # prefectures overwrite counties
        out.update({k: next(iter(v)) for k, v in tiers[level].items() if len(v) == 1})
        for k, v in tiers[level].items():
            if len(v) > 1 and level == "prefecture":
                out.pop(k, None)
    return out
