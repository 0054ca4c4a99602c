"""The indicator catalogue (``sources/ref/indicators.csv``), reviewed like code.

Besides levels, the catalogue holds the annual change rates NBS and the provinces publish
for intensities and growth (万元地区生产总值能耗比上年下降 3.2%): each rate indicator names
the level it is the change of (``change_of``), and a rate published under the level's
name followed by a change word (比上年下降, 增长率, 降低率, 上升或下降 ...) is read as that
rate, with its sign from the word, so a communiqué and an NBS export agree.
"""

from __future__ import annotations

import csv
import re
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
    change_of: str = ""  # for an annual change rate: the indicator it is the change of
    published_in: str = ""  # where the figure is published (communiqué section, bulletin)


@dataclass(frozen=True)
class RateName:
    """A published name read as a change rate: the rate indicator and the sign that turns
    the value as written into a signed change (下降 3.2 is -3.2; 上升或下降 -3.2 is -3.2)."""

    indicator: Indicator
    sign: int
    cumulative: bool  # 累计下降: a change over a span of years, not one year
    word: str
    span: tuple[int, int] | None = None  # the years a five-year-plan name states (十三五)


def _norm(name: str) -> str:
    return "".join(name.split())


# Change words after a level's name. Longest first, so 上升或下降 is not read as 下降.
_SIGNED = ("上升或下降", "升降", "增减", "变化率", "变化", "变动")  # the value carries its sign
_DOWN = ("下降率", "降低率", "下降", "降低", "减少", "减少率", "回落")
_UP = ("增长率", "增速", "增幅", "增长", "提高", "上升", "增加", "上涨")
_RATE_WORD = re.compile(
    r"^(?P<base>.+?)(?P<span>[(（]?(?:十[一二三四五六七八九]五|“十[一二三四五六七八九]五”)"
    r"(?:期间|时期)?[)）]?)?(?P<prefix>比上年|较上年|比去年|较去年|同比|年均|累计)?"
    r"(?P<word>" + "|".join(sorted(_SIGNED + _DOWN + _UP, key=len, reverse=True)) + r")"
    r"(?P<tail>[(（][^()（）]*[)）])?$"
)


_PLAN_NUMERALS = "一二三四五六七八九"
_PLAN = re.compile(r"十([一二三四五六七八九])五")


def plan_span(text: str) -> tuple[int, int] | None:
    """The years of the five-year plan a text names: 十三五 is 2016-2020 (the 11th plan
    began in 2006)."""
    m = _PLAN.search(text)
    if m is None:
        return None
    start = 1951 + 5 * (10 + _PLAN_NUMERALS.index(m.group(1)) + 1)
    return start, start + 4


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
                change_of=(r.get("change_of") or "").strip(),
                published_in=(r.get("published_in") or "").strip(),
            )
            for r in csv.DictReader(fh)
        ]


class Catalogue:
    """Looks indicators up by code or by any name a source publishes them under."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.by_code = {i.indicator_code: i for i in indicators}
        self.by_name: dict[str, Indicator] = {}
        self.change_of: dict[str, Indicator] = {}  # level code -> its change-rate indicator
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
            if ind.change_of:
                if ind.change_of not in {i.indicator_code for i in indicators}:
                    raise ValueError(
                        f"indicators.csv: {ind.indicator_code} is the change of an unknown "
                        f"indicator {ind.change_of!r}"
                    )
                if ind.change_of in self.change_of:
                    raise ValueError(
                        f"indicators.csv: {ind.change_of} has two change indicators "
                        f"({self.change_of[ind.change_of].indicator_code}, {ind.indicator_code})"
                    )
                self.change_of[ind.change_of] = ind

    def lookup_name(self, name: str) -> Indicator | None:
        return self.by_name.get(_norm(name))

    def lookup_rate(self, name: str) -> RateName | None:
        """A name read as a change rate: a rate indicator's own name (the value carries its
        sign), or a level's name followed by a change word. None when it is neither."""
        key = _norm(name)
        own = self.by_name.get(key)
        if own is not None:
            return RateName(own, 1, False, "") if own.change_of else None
        m = _RATE_WORD.fullmatch(key)
        if m is None:
            return None
        base = self.by_name.get(m["base"])
        if base is None:
            return None
        rate = self.change_of.get(base.indicator_code)
        if rate is None:
            return None
        word = m["word"]
        sign = -1 if word in _DOWN else 1
        span = plan_span(key)
        cumulative = "累计" in key or span is not None
        return RateName(rate, sign, cumulative, (m["prefix"] or "") + word, span)

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
