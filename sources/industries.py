"""GB/T 4754-2017 industry codes (``ref/industries.csv``) and the words MIIT lists use for them.

Filings write the code of a factory's industry many ways (C3011, 3011, C 3011, full-width
digits); every spelling is reduced here to one code and its division, so facts can be
grouped by division and 工业 (sections B, C, D) can be told from the rest. A code that is
not in the standard is rejected with a reason, never repaired by guessing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REF_DIR = Path(__file__).resolve().parent / "ref"
INDUSTRIES_CSV = REF_DIR / "industries.csv"
MIIT_INDUSTRIES_CSV = REF_DIR / "miit_industries.csv"

COLUMNS = ("industry_code", "level", "section", "name_zh", "name_en", "is_industry")
MIIT_COLUMNS = ("as_written", "industry_code", "note")
LEVELS = ("section", "division")
_BOOLS = {"true": True, "false": False}
_WHITESPACE = re.compile(r"\s+")
_CODE = re.compile(r"(?P<letter>[A-Z]?)(?P<digits>.*)")


@dataclass(frozen=True)
class Industry:
    """One row of industries.csv: a section ("C") or a division ("C30")."""

    industry_code: str
    level: str
    section: str
    name_zh: str
    name_en: str
    is_industry: bool


@dataclass(frozen=True)
class MiitIndustry:
    """One row of miit_industries.csv; industry_code is '' when the word spans divisions."""

    as_written: str
    industry_code: str
    note: str


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The data rows of a reference CSV; '#' lines are its documentation and are skipped."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path}: columns must be {','.join(columns)}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def _industry(row: dict[str, str]) -> Industry:
    code, level, section = row["industry_code"], row["level"], row["section"]
    if level not in LEVELS or row["is_industry"] not in _BOOLS:
        raise ValueError(f"industries: {code}: bad level or is_industry {row}")
    pattern = r"[A-T]" if level == "section" else r"[A-T]\d{2}"
    if not re.fullmatch(pattern, code) or code[0] != section:
        raise ValueError(f"industries: {code!r} is not a {level} code of section {section!r}")
    return Industry(
        industry_code=code,
        level=level,
        section=section,
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        is_industry=_BOOLS[row["is_industry"]],
    )


@cache
def load_industries() -> tuple[Industry, ...]:
    """Sections and divisions of the packaged industries.csv, read and checked once."""
    industries = tuple(_industry(row) for row in _rows(INDUSTRIES_CSV, COLUMNS))
    codes = [i.industry_code for i in industries]
    if len(set(codes)) != len(codes):
        raise ValueError("industries: duplicate industry_code")
    sections = {i.industry_code for i in industries if i.level == "section"}
    orphans = [i.industry_code for i in industries if i.section not in sections]
    if orphans:
        raise ValueError(f"industries: divisions of unknown sections: {orphans}")
    return industries


@cache
def _divisions_by_number() -> dict[str, Industry]:
    """'30' -> C30: division numbers are unique across sections, so the letter is optional."""
    return {i.industry_code[1:]: i for i in load_industries() if i.level == "division"}


def normalise_industry_code(text: str) -> tuple[str, str] | str:
    """``(code, division)`` for a GB/T 4754-2017 division, group or class as filings write it
    ("C3011", "3011", "c 3011", full-width "Ｃ３０"), e.g. ("C3011", "C30"); otherwise a
    one-line reason.

    Only the 97 divisions are enumerated (ref/industries.csv): a three- or four-digit group
    or class is accepted when its division is known, without checking that the group or
    class itself exists. A bare section letter is too coarse for a filing and is refused;
    a letter that contradicts the division's section is refused, not corrected, because
    either half may be the typo.
    """
    s = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not s:
        return "industry code is empty"
    m = _CODE.fullmatch(s)
    assert m is not None  # the pattern matches any string
    letter, digits = m["letter"], m["digits"]
    if not digits:
        sections = {i.industry_code for i in load_industries() if i.level == "section"}
        if letter in sections:
            return f"industry code {text!r} is section {letter} only; a division or finer is needed"
        return f"industry code {text!r} is not a GB/T 4754-2017 code"
    if not re.fullmatch(r"[0-9]+", digits):
        return f"industry code {text!r}: {digits!r} is not all digits after the section letter"
    if len(digits) not in (2, 3, 4):
        n = len(digits)
        return (
            f"industry code {text!r} has {n} digit{'s' * (n != 1)}; a division, group or class "
            "has 2, 3 or 4"
        )
    division = _divisions_by_number().get(digits[:2])
    if division is None:
        return f"industry code {text!r}: {digits[:2]} is not one of the 97 GB/T 4754-2017 divisions"
    if letter and letter != division.section:
        return (
            f"industry code {text!r}: letter {letter} does not match division {digits[:2]}, "
            f"which is in section {division.section}"
        )
    return division.section + digits, division.industry_code


@cache
def load_miit_industries() -> tuple[MiitIndustry, ...]:
    """miit_industries.csv, checked against the divisions so a typo there cannot pass."""
    divisions = {i.industry_code for i in load_industries() if i.level == "division"}
    rows = tuple(MiitIndustry(**row) for row in _rows(MIIT_INDUSTRIES_CSV, MIIT_COLUMNS))
    for r in rows:
        if r.industry_code and r.industry_code not in divisions:
            raise ValueError(f"miit_industries: {r.as_written}: unknown {r.industry_code!r}")
        if not r.industry_code and not r.note:
            raise ValueError(f"miit_industries: {r.as_written} has no code and no note why")
    words = [r.as_written for r in rows]
    if len(set(words)) != len(words):
        raise ValueError("miit_industries: a word is listed twice")
    return rows


def miit_industry(as_written: str) -> str | None:
    """The division of a MIIT 行业 word, or None when the word spans several divisions
    (see its note in miit_industries.csv) or is not in the file."""
    word = unicodedata.normalize("NFKC", as_written).strip()
    for r in load_miit_industries():
        if r.as_written == word:
            return r.industry_code or None
    return None
