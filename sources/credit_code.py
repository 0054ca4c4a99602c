"""Unified social credit codes (统一社会信用代码, GB 32100-2015), checked two ways.

A code is 18 characters from a 31-character alphabet (digits and capitals without
I, O, Z, S, V): registration authority (1), entity type (1), GB/T 2260 division of
the registering authority (6), the organisation code of GB 11714 (9: eight body
characters and their own check character) and the code's check character (1).

A typo almost always breaks one of the two check characters, so both are verified:
python-stdnum computes the 18th character; it does not check the organisation code.

The same rules exist twice on purpose: per code in Python, which says what is wrong
(for quarantine and generators), and vectorised with NumPy over the bytes of an Arrow
array, which only says whether a code is valid: staging checks hundreds of thousands of
distinct codes in a fraction of a second, then asks the first for the reasons of the
few that fail. Tests hold the two to the same verdicts, and the 18th character to
python-stdnum's.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
from stdnum.cn import uscc

from warehouse.store import first_row

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 code characters
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^i mod 31
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714: A=10 ... Z=35
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration management departments (登记管理部门代码) of GB 32100-2015 table 1.
AUTHORITIES = "123456789ANY"


def org_check_char(body8: str) -> str:
    """GB 11714: 11 - (weighted sum mod 11); 10 is written X, 11 is written 0."""
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_code(authority: str, entity_type: str, division: str, org_body: str) -> str:
    """A valid code from its parts (``org_body``: the eight organisation-code characters)."""
    first17 = authority + entity_type + division + org_body + org_check_char(org_body)
    return first17 + uscc.calc_check_digit(first17)


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return f"credit code {code!r} has {len(code)} characters, not 18"
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        return f"credit code {code!r} holds {''.join(bad)!r}, outside the GB 32100 alphabet"
    if code[0] not in AUTHORITIES:
        return f"credit code {code!r}: {code[0]!r} is not a registration authority code"
    if not code[2:8].isdigit():
        return f"credit code {code!r}: characters 3-8 are not a six-digit division code"
    if code[16] != org_check_char(code[8:16]):
        return (
            f"credit code {code!r}: organisation code check character {code[16]!r} should be "
            f"{org_check_char(code[8:16])!r} (GB 11714)"
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        return (
            f"credit code {code!r}: check character {code[17]!r} should be {expected!r} (GB 32100)"
        )
    return None


def _table(alphabet: str, values: range | None = None) -> np.ndarray:
    """Byte -> value of the character in ``alphabet`` (-1 for any other byte)."""
    out = np.full(256, -1, dtype=np.int32)
    out[np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)] = values or range(len(alphabet))
    return out


_USCC_VALUE = _table(ALPHABET)
_ORG_VALUE = _table(ORG_ALPHABET)
_IS_AUTHORITY = _table(AUTHORITIES) >= 0
_IS_DIGIT = _table("0123456789") >= 0
_USCC_W = np.array(USCC_WEIGHTS, dtype=np.int32)
_ORG_W = np.array(ORG_WEIGHTS, dtype=np.int32)


def _valid_rows(chars: np.ndarray) -> np.ndarray:
    """For an (n, 18) array of code bytes: which rows are valid codes, in one vectorised
    pass. Holds to :func:`problem`'s answers (tests compare them)."""
    values = _USCC_VALUE[chars]
    ok = (
        (values >= 0).all(axis=1)
        & _IS_AUTHORITY[chars[:, 0]]
        & _IS_DIGIT[chars[:, 2:8]].all(axis=1)
    )
    org = 11 - (_ORG_VALUE[chars[:, 8:16]] * _ORG_W).sum(axis=1) % 11
    ok &= chars[:, 16] == np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), 48 + org))
    ok &= values[:, 17] == (31 - (values[:, :17] * _USCC_W).sum(axis=1) % 31) % 31
    return ok


def _invalid_in(joined: str) -> list[str]:
    """The invalid codes in ``joined``: 18-character ASCII codes written one after the
    other (the shape DuckDB hands them over in, one string for all of them)."""
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    return [joined[18 * i : 18 * i + 18] for i in np.flatnonzero(~_valid_rows(chars))]


def valid_mask(codes: Sequence[str | None]) -> np.ndarray:
    """Which of ``codes`` are valid (None is not), vectorised over the fixed-width ones."""
    fixed = [i for i, c in enumerate(codes) if c is not None and len(c) == 18 and c.isascii()]
    valid = np.zeros(len(codes), dtype=bool)
    if fixed:
        joined = "".join(str(codes[i]) for i in fixed)
        chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        valid[fixed] = _valid_rows(chars)
    return valid


def problems(codes: Sequence[str | None]) -> dict[str, str]:
    """The invalid codes among ``codes`` (None skipped), each with its reason."""
    mask = valid_mask(codes)
    return {str(c): str(problem(c)) for c, ok in zip(codes, mask, strict=True) if c and not ok}


def create_problem_table(con: duckdb.DuckDBPyConnection, table: str, source: str) -> int:
    """Temporary table ``table`` (credit_code, problem): each distinct invalid code in
    the ``credit_code`` column of ``source`` (a table or subquery), with its reason.
    Returns how many there are (usually none). The fixed-width codes come from DuckDB
    as one string and are checked as bytes; the few of other widths are invalid anyway
    and only need their reason."""
    distinct = f"(SELECT DISTINCT credit_code FROM {source} WHERE credit_code IS NOT NULL)"
    fixed = "strlen(credit_code) = 18 AND length(credit_code) = 18"  # 18 ASCII characters
    row = first_row(
        con,
        f"SELECT string_agg(credit_code, '') FILTER ({fixed}), "
        f"list(credit_code) FILTER (NOT ({fixed})) FROM {distinct}",
    )
    joined, others = row if row else (None, None)
    bad = [*(_invalid_in(joined) if joined else []), *(others or [])]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (credit_code VARCHAR, problem VARCHAR)")
    if bad:
        con.execute(
            f"INSERT INTO {table} SELECT unnest($codes), unnest($problems)",
            {"codes": bad, "problems": [str(problem(c)) for c in bad]},
        )
    return len(bad)
