"""Unified social credit codes (统一社会信用代码, GB 32100-2015), checked two ways.

A code is 18 characters from a 31-character alphabet (digits and capitals without
I, O, Z, S, V): registration authority (1), entity type (1), GB/T 2260 division of
the registering authority (6), the organisation code of GB 11714 (9: eight body
characters and their own check character) and the code's check character (1).

A typo almost always breaks one of the two check characters, so both are verified:
python-stdnum computes the 18th character; it does not check the organisation code.

The same rules exist twice on purpose: in Python for single codes and generators, and
as one DuckDB SQL expression for staging millions of filing rows in a vectorised pass.
Tests hold the two to the same answers, and the 18th character to python-stdnum's.
"""

from __future__ import annotations

from stdnum.cn import uscc

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


def _sql_char_value(col: str, i: int, alphabet: str) -> str:
    return f"(strpos('{alphabet}', substr({col}, {i}, 1)) - 1)"


def problem_sql(col: str) -> str:
    """A DuckDB expression giving the same reason as :func:`problem` (without the
    expected characters), or NULL for a valid code; ``col`` must be a VARCHAR."""
    org_sum = " + ".join(
        f"{_sql_char_value(col, 9 + i, ORG_ALPHABET)} * {w}" for i, w in enumerate(ORG_WEIGHTS)
    )
    uscc_sum = " + ".join(
        f"{_sql_char_value(col, 1 + i, ALPHABET)} * {w}" for i, w in enumerate(USCC_WEIGHTS)
    )
    org_check = (
        f"CASE 11 - ({org_sum}) % 11 WHEN 10 THEN 'X' WHEN 11 THEN '0' "
        f"ELSE CAST(11 - ({org_sum}) % 11 AS VARCHAR) END"
    )
    uscc_check = f"substr('{ALPHABET}', (31 - ({uscc_sum}) % 31) % 31 + 1, 1)"
    quoted = f"'''' || {col} || ''''"
    return f"""CASE
      WHEN {col} IS NULL THEN 'credit code is missing'
      WHEN length({col}) <> 18 THEN 'credit code ' || {quoted} || ' has '
           || length({col}) || ' characters, not 18'
      WHEN NOT regexp_full_match({col}, '[{ALPHABET}]{{18}}') THEN 'credit code ' || {quoted}
           || ' holds characters outside the GB 32100 alphabet'
      WHEN strpos('{AUTHORITIES}', substr({col}, 1, 1)) = 0 THEN 'credit code ' || {quoted}
           || ': ''' || substr({col}, 1, 1) || ''' is not a registration authority code'
      WHEN NOT regexp_full_match(substr({col}, 3, 6), '[0-9]{{6}}') THEN 'credit code '
           || {quoted} || ': characters 3-8 are not a six-digit division code'
      WHEN substr({col}, 17, 1) <> ({org_check}) THEN 'credit code ' || {quoted}
           || ': organisation code check character is wrong (GB 11714)'
      WHEN substr({col}, 18, 1) <> {uscc_check} THEN 'credit code ' || {quoted}
           || ': check character is wrong (GB 32100)'
    END"""
