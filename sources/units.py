"""Chinese statistical units and value cells, normalised before anything is stored.

NBS tables write magnitudes into the unit (亿元 = 1e8 yuan, 万吨标准煤 = 1e4 tce) and
decorate values with footnote marks and missing-value dashes. Everything here is pure
string handling, so every connector converts units and reads cells the same way:
``value_canonical = value_as_written * factor``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


class UnknownUnitError(ValueError):
    """A unit greenstat has no conversion for; the caller quarantines the value."""


class BadValueError(ValueError):
    """A value cell that is neither a number nor a missing-value marker."""


@dataclass(frozen=True)
class UnitConversion:
    """How to turn a value in ``unit_as_written`` into ``canonical`` units."""

    unit_as_written: str
    canonical: str
    factor: float


@dataclass(frozen=True)
class ParsedValue:
    """One value cell: the number (None when missing) and the footnote marks it carried."""

    value: float | None
    flags: str
    missing: bool


# Base units: name as written (after normalisation) -> (canonical, factor).
_BASE_UNITS: dict[str, tuple[str, float]] = {
    # money
    "元": ("yuan", 1.0),
    "yuan": ("yuan", 1.0),
    "千元": ("yuan", 1e3),
    "万元": ("yuan", 1e4),
    "百万元": ("yuan", 1e6),
    "亿元": ("yuan", 1e8),
    "万亿元": ("yuan", 1e12),
    # people
    "人": ("persons", 1.0),
    "万人": ("persons", 1e4),
    "亿人": ("persons", 1e8),
    # energy, as standard coal equivalent
    "吨标准煤": ("tce", 1.0),
    "万吨标准煤": ("tce", 1e4),
    "亿吨标准煤": ("tce", 1e8),
    "吨标煤": ("tce", 1.0),
    "万吨标煤": ("tce", 1e4),
    "亿吨标煤": ("tce", 1e8),
    "tce": ("tce", 1.0),
    "千克标准煤": ("kgce", 1.0),
    "千克标煤": ("kgce", 1.0),
    "kgce": ("kgce", 1.0),
    # electricity
    "千瓦时": ("kWh", 1.0),
    "万千瓦时": ("kWh", 1e4),
    "亿千瓦时": ("kWh", 1e8),
    "kwh": ("kWh", 1.0),
    "千瓦": ("kW", 1.0),
    "万千瓦": ("kW", 1e4),
    "亿千瓦": ("kW", 1e8),
    "kw": ("kW", 1.0),
    "mwh": ("kWh", 1e3),
    "gwh": ("kWh", 1e6),
    "twh": ("kWh", 1e9),
    "mw": ("kW", 1e3),
    "gw": ("kW", 1e6),
    # mass
    "吨": ("t", 1.0),
    "t": ("t", 1.0),
    "万吨": ("t", 1e4),
    "亿吨": ("t", 1e8),
    "吨二氧化碳": ("t CO2", 1.0),
    "万吨二氧化碳": ("t CO2", 1e4),
    "亿吨二氧化碳": ("t CO2", 1e8),
    "tco2": ("t CO2", 1.0),
    "mtco2": ("t CO2", 1e6),  # million tonnes (CEADs, OWID)
    # volume
    "立方米": ("m3", 1.0),
    "万立方米": ("m3", 1e4),
    "亿立方米": ("m3", 1e8),
    "m3": ("m3", 1.0),
    "万m3": ("m3", 1e4),  # 万m³ after NFKC
    "亿m3": ("m3", 1e8),
    # heat
    "吉焦": ("GJ", 1.0),
    "百万千焦": ("GJ", 1.0),
    "gj": ("GJ", 1.0),
    "万吉焦": ("GJ", 1e4),
    # indices and intensities published as such
    # Two bases, two units: a chained index (previous year = 100) and a fixed-base one
    # are different quantities, and mixing them would compound levels as growth rates.
    "上年=100": ("index (previous year = 100)", 1.0),
    "previousyear=100": ("index (previous year = 100)", 1.0),
    "2020=100": ("index (2020 = 100)", 1.0),
    "gco2/km": ("g CO2/km", 1.0),
    "克/公里": ("g CO2/km", 1.0),
    "kgco2/int$": ("kg CO2/int$", 1.0),
    # ratios
    "%": ("percent", 1.0),
    "±%": ("percent", 1.0),  # a signed change, as NBS writes 上升或下降(±%)
    "‰": ("permille", 1.0),
    # counts
    "个": ("count", 1.0),
    "家": ("count", 1.0),
    "座": ("count", 1.0),
    "万个": ("count", 1e4),
    "种": ("count", 1.0),  # kinds (of products)
    "万种": ("count", 1e4),
    "台": ("count", 1.0),  # pieces of equipment
    "万台": ("count", 1e4),
    "项": ("count", 1.0),  # items (standards, projects)
    "辆": ("count", 1.0),
    "万辆": ("count", 1e4),
    "万家": ("count", 1e4),
}

MISSING_MARKERS = frozenset(
    {"", "—", "——", "--", "-", "－", "…", "……", "...", "空", "na", "n/a", "null", "nan"}
)
_FLAG_CHARS = frozenset("*#※" + "".join(chr(c) for c in range(0x2460, 0x2474)))  # ①..⑳
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_OPEN, _CLOSE = "(（", ")）"


def _normalise_unit(text: str) -> str:
    """Full-width forms to ASCII (（）％ -> ()%), all whitespace removed, one outer pair
    of parentheses dropped, so '（万吨 标准煤）' and '万吨标准煤' look the same."""
    norm = "".join(unicodedata.normalize("NFKC", text).split())
    if len(norm) >= 2 and norm[0] == "(" and norm[-1] == ")":
        norm = norm[1:-1]
    return norm


def _lookup(norm: str) -> tuple[str, float] | None:
    return _BASE_UNITS.get(norm) or _BASE_UNITS.get(norm.lower())


def parse_unit(text: str) -> UnitConversion:
    """The canonical unit and factor for a unit as NBS writes it.

    Ratios like 吨标准煤/万元 (energy intensity) are the quotient of two known units.
    Raises UnknownUnitError naming the unit rather than guessing a factor.
    """
    norm = _normalise_unit(text)
    found = _lookup(norm)
    if found is None and norm.count("/") == 1:
        num, den = (_lookup(part) for part in norm.split("/"))
        if num is not None and den is not None:
            # Intensities keep the Chinese statistical denominator, per 10^4 yuan (万元).
            if den == ("yuan", 1e4):
                found = (f"{num[0]}/10k yuan", num[1])
            else:
                found = (f"{num[0]}/{den[0]}", num[1] / den[1])
    if found is None:
        raise UnknownUnitError(f"unknown unit {text.strip()!r}")
    canonical, factor = found
    return UnitConversion(unit_as_written=text.strip(), canonical=canonical, factor=factor)


def is_known_unit(text: str) -> bool:
    """True if parse_unit would accept ``text``."""
    try:
        parse_unit(text)
    except UnknownUnitError:
        return False
    return True


def split_name_unit(label: str) -> tuple[str, str | None]:
    """Split an NBS indicator label into (name, unit).

    NBS puts the unit in the LAST parenthesised group ('人口数(人口抽样调查)(人)'); earlier
    groups belong to the name. When that group is not a known unit the label is returned
    whole with None, so a qualifier is never mistaken for a unit.
    """
    text = label.strip()
    if not text or text[-1] not in _CLOSE:
        return text, None
    depth = 0
    for pos in range(len(text) - 1, -1, -1):
        ch = text[pos]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            depth -= 1
            if depth == 0:
                break
    else:
        return text, None  # unbalanced parentheses
    unit = text[pos + 1 : -1].strip()
    name = text[:pos].strip()
    if not name or not unit or not is_known_unit(unit):
        return text, None
    return name, unit


def _strip_flags(text: str) -> tuple[str, str]:
    """Footnote marks peeled off both ends, kept in reading order."""
    head: list[str] = []
    tail: list[str] = []
    start, end = 0, len(text)
    while start < end and (text[start] in _FLAG_CHARS or text[start].isspace()):
        if not text[start].isspace():
            head.append(text[start])
        start += 1
    while end > start and (text[end - 1] in _FLAG_CHARS or text[end - 1].isspace()):
        if not text[end - 1].isspace():
            tail.append(text[end - 1])
        end -= 1
    return text[start:end], "".join(head) + "".join(reversed(tail))


def parse_value(text: str) -> ParsedValue:
    """Read one value cell as written.

    Missing markers ('', —, …, NA) give ``missing=True`` and never a zero; footnote marks
    (* # ※ ①-⑳) are stripped from either end and returned as ``flags``; thousands
    separators are dropped. Anything else raises BadValueError quoting the text.
    """
    core, flags = _strip_flags(text.strip())
    if core.lower() in MISSING_MARKERS:
        return ParsedValue(value=None, flags=flags, missing=True)
    # NFKC after the flags are off: it would turn ① into 1.
    norm = unicodedata.normalize("NFKC", core).replace("\u2212", "-").strip()
    if norm.lower() in MISSING_MARKERS:
        return ParsedValue(value=None, flags=flags, missing=True)
    if _THOUSANDS.fullmatch(norm):
        norm = norm.replace(",", "")
    if not _NUMBER.fullmatch(norm):
        raise BadValueError(f"not a number: {text.strip()!r}")
    return ParsedValue(value=float(norm), flags=flags, missing=False)


# Words that make a figure approximate or open-ended (约 3.7 亿千瓦, 3.7 亿千瓦以上): such a
# cell is not one number, so it is refused rather than read as if it were exact.
_QUALIFIERS = ("约", "近", "超过", "超", "逾", "左右", "以上", "以下", "多", "余", "接近", "不足")
_LEADING_NUMBER = re.compile(r"(?P<num>[+-]?(?:[\d,]*\d(?:\.\d+)?|\.\d+))\s*(?P<unit>.*)")


def split_value_unit(text: str) -> tuple[float, str]:
    """Split a cell that carries its unit ('3.7亿千瓦', '12.5%', '1,234.5 万吨') into the
    number and the unit as written.

    Briefings write magnitudes into the cell, so one column mixes 亿千瓦 and 万千瓦. Anything
    that is not exactly one number followed by one known unit (a range, an approximation,
    an unknown unit, no unit at all) raises BadValueError quoting the text: a guessed
    magnitude would be off by 10^4.
    """
    shown = text.strip()
    norm = unicodedata.normalize("NFKC", shown).replace("\u2212", "-").strip()
    if not norm:
        raise BadValueError("empty value: expected a number with its unit, e.g. '3.7亿千瓦'")
    m = _LEADING_NUMBER.fullmatch(norm)
    unit = m.group("unit").strip() if m else ""
    if m and unit and is_known_unit(unit):
        num = m.group("num")
        if "," in num:
            if not _THOUSANDS.fullmatch(num):
                raise BadValueError(f"misplaced thousands separator in {shown!r}")
            num = num.replace(",", "")
        return float(num), unit
    qualifier = next((q for q in _QUALIFIERS if q in norm), None)
    if qualifier is not None:
        raise BadValueError(
            f"{shown!r} is approximate or open-ended ({qualifier!r}): write the number alone "
            "and put the qualifier in the notes"
        )
    if m is None:
        raise BadValueError(f"{shown!r} does not start with a number")
    if not unit:
        raise BadValueError(f"{shown!r} carries no unit")
    if any(ch.isdigit() for ch in unit):
        raise BadValueError(f"{shown!r} holds more than one number (a range or a sum?)")
    raise BadValueError(f"unknown unit {unit!r} in {shown!r}")


def parse_value_unit(text: str) -> tuple[ParsedValue, str | None]:
    """Read a value cell that may carry its unit: footnote marks and missing markers as in
    parse_value; a plain number gives unit None, '3.7亿千瓦*' gives (3.7, flags '*') and
    '亿千瓦'. Raises BadValueError as parse_value or split_value_unit do."""
    core, flags = _strip_flags(text.strip())
    try:
        parsed = parse_value(core)
    except BadValueError:
        value, unit = split_value_unit(core)
        return ParsedValue(value=value, flags=flags, missing=False), unit
    return ParsedValue(value=parsed.value, flags=flags + parsed.flags, missing=parsed.missing), None


# How publishers qualify a figure, at its start or end: the figure is then a rounding
# (about) or a bound (at_least, at_most), kept with its qualifier and never read as exact.
_QUALIFIER_WORDS: tuple[tuple[str, str, str], ...] = (  # (word, where, qualifier)
    ("大约", "start", "about"),
    ("约", "start", "about"),
    ("接近", "start", "about"),
    ("近", "start", "about"),
    ("不少于", "start", "at_least"),
    ("超过", "start", "at_least"),
    ("逾", "start", "at_least"),
    ("≥", "start", "at_least"),
    (">", "start", "at_least"),
    ("不超过", "start", "at_most"),
    ("不足", "start", "at_most"),
    ("不到", "start", "at_most"),
    ("≤", "start", "at_most"),
    ("<", "start", "at_most"),
    ("左右", "end", "about"),
    ("以上", "end", "at_least"),
    ("有余", "end", "at_least"),
    ("余", "end", "at_least"),
    ("多", "end", "at_least"),
    ("以下", "end", "at_most"),
)


def _is_figure(core: str) -> bool:
    """A number, or a number followed by a known unit ('3.7亿千瓦')."""
    if core[-1:].isdigit():
        return True
    m = _LEADING_NUMBER.fullmatch(core)
    return bool(m and m.group("unit").strip() and is_known_unit(m.group("unit").strip()))


def parse_qualified(text: str) -> tuple[str, str | None]:
    """Peel one qualifier off a value cell: ('约20', -> '20', 'about'); ('180以上' ->
    '180', 'at_least'); a unit may follow a trailing word's number ('75左右万千瓦' is not
    expected, '75万千瓦左右' is). Returns the text unchanged and None when unqualified."""
    shown = text.strip()
    norm = unicodedata.normalize("NFKC", shown).strip()
    for word, where, qualifier in _QUALIFIER_WORDS:
        w = unicodedata.normalize("NFKC", word)
        if where == "start" and norm.startswith(w) and norm[len(w) :].strip()[:1].isdigit():
            return norm[len(w) :].strip(), qualifier
        if where == "end" and norm.endswith(w) and _is_figure(norm[: -len(w)].strip()):
            return norm[: -len(w)].strip(), qualifier
    return shown, None
