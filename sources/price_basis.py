"""Price bases as publishers write them, normalised.

Intensity and growth figures depend on how value added is priced. Communiqués say
按可比价格计算 or 扣除价格因素 (comparable prices), bulletins 地区生产总值按照2015年价格计算
(constant prices of a base year), and yearbooks sometimes give levels 按当年价格 (current
prices, not comparable across years). greenstat stores one of ``comparable``,
``constant:YYYY`` or ``current``; a basis it cannot read is refused, never guessed.
"""

from __future__ import annotations

import re
import unicodedata

COMPARABLE = "comparable"
CURRENT = "current"

_CONSTANT = re.compile(r"(\d{4})年?(?:不变)?价格?|(\d{4})\s*prices|constant[:\s_-]*(\d{4})")
_COMPARABLE_WORDS = ("可比价", "扣除价格因素", "不变价", "comparable", "constant prices")
_CURRENT_WORDS = ("现价", "当年价", "当年价格", "current")


class UnknownPriceBasisError(ValueError):
    """A price basis greenstat cannot read."""


def normalise_price_basis(text: str | None) -> str | None:
    """'按可比价格计算' -> 'comparable'; '2015年价格' -> 'constant:2015'; '当年价' -> 'current';
    blank -> None. Raises UnknownPriceBasisError quoting anything else."""
    if text is None:
        return None
    shown = text.strip()
    norm = "".join(unicodedata.normalize("NFKC", shown).split()).lower()
    if not norm:
        return None
    m = _CONSTANT.search(norm)
    if m is not None:
        return f"constant:{next(g for g in m.groups() if g)}"
    if any(w in norm for w in _CURRENT_WORDS):
        return CURRENT
    if any(w.replace(" ", "") in norm for w in _COMPARABLE_WORDS):
        return COMPARABLE
    raise UnknownPriceBasisError(
        f"price basis {shown!r} is not one greenstat reads (write 可比价, 2020年价格 or 当年价)"
    )


def is_comparable(basis: str | None) -> bool:
    """Comparable across years: at comparable or constant prices."""
    return basis == COMPARABLE or (basis or "").startswith("constant:")


def price_basis_from_notes(notes: list[str] | tuple[str, ...]) -> str | None:
    """The basis a file's notes state (NBS exports: 注：地区生产总值按2015年价格计算), or None."""
    for note in notes:
        norm = "".join(unicodedata.normalize("NFKC", note).split())
        if "价格" not in norm and "价" not in norm:
            continue
        try:
            found = normalise_price_basis(norm)
        except UnknownPriceBasisError:
            continue
        if found:
            return found
    return None
