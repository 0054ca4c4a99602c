"""The expectation suites in ``quality/suites/``: one GX 1.x suite per table.

Each suite holds two kinds of expectation, told apart by ``meta.origin``:

- ``derived``: written by ``python -m quality.suites`` from the table's description in
  ``warehouse/tables.py`` (column types, not null, closed value sets, non-negative
  quantities, the primary key). Change the description, not the suite: a test fails
  when a committed suite differs from what the generator writes.
- ``hand``: statistical expectations a statistician writes and reviews (shares within
  0..100, year-over-year change bounds, parts summing to totals). The generator keeps
  them, in their order, after the derived ones.

Severity is GX's own field: ``critical`` blocks a publish, ``warning`` is reported.
Derived rules are structural and critical, except the non-negativity of quantities,
which is plausibility (a negative capacity may be a source's error, and is reported
for review, never dropped). ``meta.check`` names each expectation within its table;
``quality.check_results.check_name`` is ``<schema>.<table>.<check>``.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from quality.expectations import CRITICAL, WARNING, Expectation, Suite, gx_version
from warehouse.tables import TABLES, Table

SUITES_DIR = Path(__file__).resolve().parent / "suites"
# Units of quantities that cannot be negative: amounts of energy, power, mass, volume,
# things counted. Differences and balances (t CO2 gaps, yuan value added, percent
# changes) can be, so their units are not here.
NON_NEGATIVE_UNITS = frozenset({"count", "kWh", "kW", "tce", "t", "m3", "GJ", "bytes"})
SUITE_TABLES: tuple[Table, ...] = TABLES


def _e(check: str, kind: str, severity: str = CRITICAL, **kwargs: object) -> Expectation:
    return Expectation(kind, kwargs, {"origin": "derived", "check": check}, severity)


def derive_expectations(t: Table) -> list[Expectation]:
    """The structural expectations that follow from a table's description."""
    out: list[Expectation] = []
    for c in t.columns:
        out.append(
            _e(f"{c.name}.type", "expect_column_values_to_be_of_type", column=c.name, type_=c.type)
        )
        if not c.nullable:
            out.append(
                _e(f"{c.name}.not_null", "expect_column_values_to_not_be_null", column=c.name)
            )
        if c.values:
            out.append(
                _e(
                    f"{c.name}.in_set",
                    "expect_column_values_to_be_in_set",
                    column=c.name,
                    value_set=list(c.values),
                )
            )
        if c.unit in NON_NEGATIVE_UNITS and c.type in ("DOUBLE", "BIGINT", "INTEGER"):
            out.append(
                _e(
                    f"{c.name}.non_negative",
                    "expect_column_values_to_be_between",
                    WARNING,
                    column=c.name,
                    min_value=0,
                )
            )
    if len(t.primary_key) == 1:
        out.append(
            _e("primary_key_unique", "expect_column_values_to_be_unique", column=t.primary_key[0])
        )
    elif t.primary_key:
        out.append(
            _e(
                "primary_key_unique",
                "expect_compound_columns_to_be_unique",
                column_list=list(t.primary_key),
            )
        )
    return out


def suite_path(name: str, directory: Path = SUITES_DIR) -> Path:
    return directory / f"{name}.json"


def hand_expectations(name: str, directory: Path = SUITES_DIR) -> list[Expectation]:
    """The hand-written expectations of a committed suite (kept on regeneration)."""
    path = suite_path(name, directory)
    if not path.exists():
        return []
    suite = Suite.from_json(json.loads(path.read_text(encoding="utf-8")))
    hand = [e for e in suite.expectations if e.meta.get("origin") == "hand"]
    for e in hand:
        if "check" not in e.meta:
            raise ValueError(f"{path}: a hand-written {e.type} has no meta.check name")
    return hand


def build_suite(t: Table, directory: Path = SUITES_DIR) -> Suite:
    exps = [*derive_expectations(t), *hand_expectations(t.qualified, directory)]
    names = [e.name for e in exps]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{t.qualified}: expectation names used twice: {', '.join(dupes)}")
    return Suite(
        t.qualified,
        tuple(exps),
        {
            "great_expectations_version": gx_version(),
            "table": {"en": t.en, "zh": t.zh},
            "storage": t.storage,
        },
        "Expectations with meta.origin 'derived' are generated from warehouse/tables.py "
        "(python -m quality.suites); those with 'hand' are written and reviewed here.",
    )


def render_suite(t: Table, directory: Path = SUITES_DIR) -> str:
    return json.dumps(build_suite(t, directory).to_json(), indent=2, ensure_ascii=False) + "\n"


def write_suites(directory: Path = SUITES_DIR) -> list[Path]:
    """Write every table's suite; return the files whose content changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for t in SUITE_TABLES:
        path = suite_path(t.qualified, directory)
        text = render_suite(t, directory)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_suites(directory: Path = SUITES_DIR) -> list[str]:
    """Suites whose committed file differs from what the generator writes, or that have
    no table any more."""
    stale = [
        t.qualified
        for t in SUITE_TABLES
        if not suite_path(t.qualified, directory).exists()
        or suite_path(t.qualified, directory).read_text(encoding="utf-8")
        != render_suite(t, directory)
    ]
    known = {t.qualified for t in SUITE_TABLES}
    stale += sorted(p.stem for p in directory.glob("*.json") if p.stem not in known)
    return stale


@cache
def load_suite(name: str) -> Suite:
    """The committed suite of a table (what the pipeline runs)."""
    path = suite_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no suite for {name}: run python -m quality.suites")
    return Suite.from_json(json.loads(path.read_text(encoding="utf-8")))


def suite_for(t: Table | str) -> Suite:
    return load_suite(t if isinstance(t, str) else t.qualified)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_suites()
        for name in stale:
            print(f"stale suite: {name} (run: python -m quality.suites)")
        return 1 if stale else 0
    for path in write_suites():
        print(f"wrote {path.relative_to(SUITES_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
