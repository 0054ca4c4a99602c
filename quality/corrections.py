"""The corrections register (OWID-style): reviewed overrides and drops, never silent edits.

A statistician records a correction in ``quality/corrections.csv`` (reviewed in git like
code) or, for a local one, in ``$GREENSTAT_HOME/corrections.csv``. Each entry names a
staged figure by its natural key (region, indicator, period, and optionally source,
vintage and breakdown), says ``override`` (a new value) or ``drop``, and carries reason,
provider, status and date. Only ``approved`` entries are applied, in staging, after the
sources are staged and before the marts are built:

- override: ``staging.observations.value`` takes the new value, ``correction_id`` marks
  the row, and ``quality.corrections`` keeps the value as published (``original_values``);
- drop: the row moves to ``quality.quarantine`` with the correction in its reason and the
  staged row as JSON in ``raw_values``; ``raw.files`` counts follow, so every cell stays
  accounted for.

Applying is idempotent: the previous state (read from ``quality.corrections``) is undone
first, then the approved entries are applied again, so withdrawing an approval restores
the published value. The marts show the correction (``marts.indicator_values.correction``
and a "corrected: <id>" note in ``source``); an approved entry whose key matches nothing
is reported by the ``corrections.unmatched`` check.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from quality.checks import Check
from warehouse.tables import CORRECTIONS, OBSERVATIONS

REPO_REGISTER = Path(__file__).with_name("corrections.csv")
HOME_REGISTER_NAME = "corrections.csv"
COLUMNS = (
    "id",
    "status",
    "action",
    "source_id",
    "region_code",
    "indicator_code",
    "period",
    "industry_code",
    "source_sector",
    "fuel",
    "vintage",
    "value",
    "unit",
    "reason",
    "provider",
    "date",
)
REQUIRED = (
    *("id", "status", "action", "region_code", "indicator_code", "period"),
    *("reason", "provider", "date"),
)
STATUSES = ("proposed", "approved", "rejected")
ACTIONS = ("override", "drop")
ANY = "*"
DROP_REASON = "dropped by correction {id}: {reason} ({provider}, {date})"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PERIOD = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class CorrectionsError(ValueError):
    """The register cannot be read: one line naming the file, line and problem."""


@dataclass(frozen=True)
class Correction:
    id: str
    status: str
    action: str
    region_code: str
    indicator_code: str
    period: str
    reason: str
    provider: str
    decided_on: date
    register: str = "repo"
    source_id: str | None = None
    industry_code: str | None = None
    source_sector: str | None = None
    fuel: str | None = None
    vintage: str | None = None
    value: float | None = None
    unit: str | None = None

    def key_sql(self) -> tuple[str, list[object]]:
        """WHERE clause and parameters selecting the staged rows this entry names."""
        where = ["region_code = ?", "indicator_code = ?", "period = ?"]
        params: list[object] = [self.region_code, self.indicator_code, self.period]
        for col in ("source_id", "vintage"):
            v = getattr(self, col)
            if v is not None:
                where.append(f"{col} = ?")
                params.append(v)
        for col in ("industry_code", "source_sector", "fuel"):
            v = getattr(self, col)
            if v is None:
                where.append(f"{col} IS NULL")
            elif v != ANY:
                where.append(f"{col} = ?")
                params.append(v)
        return " AND ".join(where), params


def register_paths(home_root: Path | None) -> list[Path]:
    """The reviewed register in the repo, then the data home's local one if present."""
    paths = [REPO_REGISTER]
    if home_root is not None and (home_root / HOME_REGISTER_NAME).is_file():
        paths.append(home_root / HOME_REGISTER_NAME)
    return paths


def read_register(path: Path, register: str = "repo") -> list[Correction]:
    """Parse one register file. Lines starting with '#' are comments (the header notes)."""
    text = path.read_text(encoding="utf-8-sig")
    numbered = [
        (n, next(csv.reader([line])))
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]
    if not numbered:
        return []
    header = [h.strip() for h in numbered[0][1]]
    where = f"{path.name}:{numbered[0][0]}"
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in header]
    if unknown or missing:
        raise CorrectionsError(
            f"corrections register {where}: header must be {','.join(COLUMNS)}"
            + (f"; unknown {unknown}" if unknown else "")
            + (f"; missing {missing}" if missing else "")
        )
    out = []
    for line_no, cells in numbered[1:]:
        if len(cells) != len(header):
            raise CorrectionsError(
                f"corrections register {path.name}:{line_no}: {len(cells)} fields, "
                f"expected {len(header)}"
            )
        rec = dict(zip(header, (c.strip() for c in cells), strict=True))
        out.append(_entry(rec, f"{path.name}:{line_no}", register))
    return out


def _entry(rec: dict[str, str], where: str, register: str) -> Correction:
    def fail(problem: str) -> CorrectionsError:
        return CorrectionsError(f"corrections register {where}: {problem}")

    for col in REQUIRED:
        if not rec[col]:
            raise fail(f"{col} is empty")
    if not _ID.fullmatch(rec["id"]):
        raise fail(f"id {rec['id']!r}: letters, digits, '.', '_' or '-' only")
    if rec["status"] not in STATUSES:
        raise fail(f"status {rec['status']!r} is not one of {', '.join(STATUSES)}")
    if rec["action"] not in ACTIONS:
        raise fail(f"action {rec['action']!r} is not one of {', '.join(ACTIONS)}")
    if not _PERIOD.fullmatch(rec["period"]):
        raise fail(f"period {rec['period']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        decided = date.fromisoformat(rec["date"])
    except ValueError:
        raise fail(f"date {rec['date']!r} is not YYYY-MM-DD") from None
    value: float | None = None
    if rec["action"] == "override":
        if not rec["value"] or not rec["unit"]:
            raise fail("an override needs a value and its unit")
        try:
            value = float(rec["value"].replace(",", ""))
        except ValueError:
            raise fail(f"value {rec['value']!r} is not a number") from None
    elif rec["value"]:
        raise fail("a drop takes no value")
    return Correction(
        id=rec["id"],
        status=rec["status"],
        action=rec["action"],
        region_code=rec["region_code"],
        indicator_code=rec["indicator_code"],
        period=rec["period"],
        reason=rec["reason"],
        provider=rec["provider"],
        decided_on=decided,
        register=register,
        source_id=rec["source_id"] or None,
        industry_code=rec["industry_code"] or None,
        source_sector=rec["source_sector"] or None,
        fuel=rec["fuel"] or None,
        vintage=rec["vintage"] or None,
        value=value,
        unit=rec["unit"] or None,
    )


def load_register(paths: Sequence[Path]) -> list[Correction]:
    """Every entry of the given files; ids must be unique across them."""
    entries: list[Correction] = []
    seen: dict[str, Path] = {}
    for path in paths:
        label = "repo" if path.resolve() == REPO_REGISTER.resolve() else "home"
        for c in read_register(path, label):
            if c.id in seen:
                raise CorrectionsError(
                    f"corrections register {path}: id {c.id} is already used in {seen[c.id]}"
                )
            seen[c.id] = path
            entries.append(c)
    return entries


@dataclass
class Outcome:
    correction: Correction
    applied: bool = False
    provenance: list[str] = field(default_factory=list)
    original_values: list[float] = field(default_factory=list)
    note: str | None = None

    def line(self) -> str:
        c = self.correction
        what = f"{c.id} {c.action} {c.indicator_code} {c.region_code} {c.period}"
        if self.applied:
            return f"{what}: applied to {len(self.provenance)} staged rows"
        return f"{what}: not applied ({self.note})"


@dataclass
class Applied:
    outcomes: list[Outcome]
    changed_years: set[int]

    @property
    def applied(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.applied]

    @property
    def unmatched(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.correction.status == "approved" and not o.applied]


def _state(con: duckdb.DuckDBPyConnection, provenance: Iterable[str]) -> dict[str, tuple]:
    """Per provenance: (year, value, correction_id) if staged; dropped rows are absent."""
    provs = sorted(set(provenance))
    if not provs:
        return {}
    rows = con.execute(
        "SELECT provenance, year, value, correction_id FROM staging.observations "
        "WHERE list_contains($p, provenance)",
        {"p": provs},
    ).fetchall()
    return {p: (y, v, c) for p, y, v, c in rows}


def _dropped(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(archive_sha256, provenance, year) of rows a correction moved to quarantine."""
    out = []
    for sha, raw in con.execute(
        "SELECT archive_sha256, raw_values FROM quality.quarantine "
        "WHERE reason LIKE 'dropped by correction %'"
    ).fetchall():
        row = json.loads(raw)
        out.append((sha, row["provenance"], int(row["year"])))
    return out


def _revert(con: duckdb.DuckDBPyConnection) -> None:
    """Undo what the last application did: restore overridden values, bring dropped rows
    back from quarantine (unless their file was staged again since)."""
    import pyarrow as pa  # lazily: not needed to ingest metering

    con.execute(
        """UPDATE staging.observations o SET value = r.original, correction_id = NULL
           FROM (SELECT correction_id, unnest(provenance) AS p,
                        unnest(original_values) AS original
                 FROM quality.corrections WHERE applied AND action = 'override') r
           WHERE o.provenance = r.p AND o.correction_id = r.correction_id"""
    )
    # A row still marked but not in the register state (e.g. an interrupted earlier run)
    # cannot be restored from here; its file holds the published value.
    rows = con.execute(
        "SELECT archive_sha256, raw_values FROM quality.quarantine "
        "WHERE reason LIKE 'dropped by correction %'"
    ).fetchall()
    if not rows:
        return
    parsed = [(sha, json.loads(raw)) for sha, raw in rows]
    staged = {
        p
        for (p,) in con.execute(
            "SELECT provenance FROM staging.observations WHERE list_contains($p, provenance)",
            {"p": [r["provenance"] for _, r in parsed]},
        ).fetchall()
    }
    back = [r for _, r in parsed if r["provenance"] not in staged]
    if back:
        names = OBSERVATIONS.column_names
        incoming = pa.table({n: [r.get(n) for r in back] for n in names})  # noqa: F841
        con.execute("INSERT INTO staging.observations BY NAME SELECT * FROM incoming")
    counts: dict[str, list[int]] = {}  # sha -> [loaded back, quarantine rows removed]
    for sha, r in parsed:
        n = counts.setdefault(sha, [0, 0])
        n[0] += r["provenance"] not in staged
        n[1] += 1
    con.execute("DELETE FROM quality.quarantine WHERE reason LIKE 'dropped by correction %'")
    con.executemany(
        "UPDATE raw.files SET rows_loaded = rows_loaded + ?, "
        "rows_quarantined = rows_quarantined - ? WHERE sha256 = ?",
        [[loaded, removed, sha] for sha, (loaded, removed) in counts.items()],
    )


def _apply_one(
    con: duckdb.DuckDBPyConnection, c: Correction, taken: dict[str, str], now: datetime
) -> Outcome:
    out = Outcome(c)
    if c.status != "approved":
        out.note = f"status {c.status}"
        return out
    where, params = c.key_sql()
    rows = con.execute(
        f"SELECT provenance, value, unit, archive_sha256, source_row, to_json(o)::VARCHAR "
        f"FROM staging.observations o WHERE {where} ORDER BY provenance",
        params,
    ).fetchall()
    if not rows:
        out.note = "its key matches no staged figure"
        return out
    clash = sorted({taken[p] for p, *_ in rows if p in taken})
    if clash:
        out.note = f"the rows are already corrected by {', '.join(clash)}"
        return out
    if c.action == "override":
        units = sorted({u for _, _, u, *_ in rows})
        if units != [c.unit]:
            out.note = f"unit {c.unit} given, the staged rows are in {', '.join(units)}"
            return out
        con.execute(
            f"UPDATE staging.observations SET value = ?, correction_id = ? WHERE {where}",
            [c.value, c.id, *params],
        )
    else:
        reason = DROP_REASON.format(
            id=c.id, reason=c.reason, provider=c.provider, date=c.decided_on
        )
        con.executemany(
            "INSERT INTO quality.quarantine BY NAME SELECT ? AS archive_sha256, "
            "coalesce((SELECT original_name FROM raw.files WHERE sha256 = ?), ?) AS source_file, "
            "? AS source_row, nullif(regexp_extract(?, ';col=(.*)$', 1), '') AS source_column, "
            "1 AS cells, ? AS reason, ? AS raw_values, ? AS quarantined_at",
            [[sha, sha, sha, row, p, reason, js, now] for p, _, _, sha, row, js in rows],
        )
        con.execute(f"DELETE FROM staging.observations WHERE {where}", params)
        per_file: dict[str, int] = {}
        for *_, sha, _, _ in rows:
            per_file[sha] = per_file.get(sha, 0) + 1
        con.executemany(
            "UPDATE raw.files SET rows_loaded = rows_loaded - ?, "
            "rows_quarantined = rows_quarantined + ? WHERE sha256 = ?",
            [[n, n, sha] for sha, n in per_file.items()],
        )
    out.applied = True
    out.provenance = [p for p, *_ in rows]
    out.original_values = [float(v) for _, v, *_ in rows]
    for p in out.provenance:
        taken[p] = c.id
    return out


def apply_corrections(con: duckdb.DuckDBPyConnection, corrections: Sequence[Correction]) -> Applied:
    """Undo the last application, apply the approved entries, record every entry in
    ``quality.corrections``; return the outcomes and the years whose staged rows changed
    (the marts of those years must be rebuilt)."""
    before_prov = [
        p
        for (ps,) in con.execute(
            "SELECT provenance FROM quality.corrections WHERE applied AND action = 'override'"
        ).fetchall()
        for p in ps or []
    ]
    dropped = _dropped(con)
    if not before_prov and not dropped and not corrections:
        con.execute("DELETE FROM quality.corrections")
        return Applied([], set())
    before: dict[str, tuple | None] = dict(_state(con, before_prov))
    before.update({p: None for _, p, _ in dropped if p not in before})
    years_of = {p: y for _, p, y in dropped}
    _revert(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    taken: dict[str, str] = {}
    outcomes = []
    for c in sorted(corrections, key=lambda c: c.id):
        if c.status == "approved":
            where, params = c.key_sql()
            fresh = [
                p
                for (p,) in con.execute(
                    f"SELECT provenance FROM staging.observations WHERE {where}", params
                ).fetchall()
            ]
            for p, state in _state(con, [p for p in fresh if p not in before]).items():
                before[p] = state
        outcomes.append(_apply_one(con, c, taken, now))
    after = _state(con, before)
    changed: set[int] = set()
    for p, was in before.items():
        now_state = after.get(p)
        if was != now_state:
            for state in (was, now_state):
                if state is not None:
                    changed.add(int(state[0]))
            if p in years_of:
                changed.add(years_of[p])
    _record(con, outcomes, now)
    return Applied(outcomes, changed)


def _record(con: duckdb.DuckDBPyConnection, outcomes: Sequence[Outcome], now: datetime) -> None:
    import pyarrow as pa  # lazily: not needed to ingest metering

    con.execute("DELETE FROM quality.corrections")
    if not outcomes:
        return
    rows: dict[str, list[object]] = {n: [] for n in CORRECTIONS.column_names}
    for o in outcomes:
        c = o.correction
        rec = {
            "correction_id": c.id,
            "register": c.register,
            "status": c.status,
            "action": c.action,
            "source_id": c.source_id,
            "region_code": c.region_code,
            "indicator_code": c.indicator_code,
            "period": c.period,
            "industry_code": c.industry_code,
            "source_sector": c.source_sector,
            "fuel": c.fuel,
            "vintage": c.vintage,
            "new_value": c.value,
            "unit": c.unit,
            "reason": c.reason,
            "provider": c.provider,
            "decided_on": c.decided_on,
            "applied": o.applied,
            "matched_rows": len(o.provenance),
            "provenance": o.provenance,
            "original_values": o.original_values,
            "note": o.note,
            "applied_at": now,
        }
        for n in rows:
            rows[n].append(rec[n])
    incoming = pa.table(  # noqa: F841
        {
            **{n: v for n, v in rows.items() if n not in ("provenance", "original_values")},
            "provenance": pa.array(rows["provenance"], pa.list_(pa.string())),
            "original_values": pa.array(rows["original_values"], pa.list_(pa.float64())),
            "new_value": pa.array(rows["new_value"], pa.float64()),
        }
    )
    con.execute("INSERT INTO quality.corrections BY NAME SELECT * FROM incoming")


def apply_register(con: duckdb.DuckDBPyConnection, home_root: Path | None) -> Applied:
    """Read the repo register (and the home's local one) and apply it."""
    return apply_corrections(con, load_register(register_paths(home_root)))


# Marks the mart rows a correction reaches: the value of a corrected row, a derived value
# computed from one, the value now standing where a dropped total was, and a value
# derived from what remains of a dropped breakdown (a roll-up without the dropped sector).
MARK_SQL = """
WITH c AS (SELECT provenance, correction_id FROM staging.observations
           WHERE correction_id IS NOT NULL),
v AS (SELECT region_code, indicator_code, year, provenance, inputs
      FROM marts.indicator_values WHERE list_contains($years, year)),
hits AS (
  SELECT v.region_code, v.indicator_code, v.year, c.correction_id
  FROM v JOIN c ON v.provenance = c.provenance
  UNION ALL
  SELECT v.region_code, v.indicator_code, v.year, c.correction_id
  FROM v JOIN c ON list_contains(v.inputs, c.provenance)
  UNION ALL
  SELECT v.region_code, v.indicator_code, v.year, q.correction_id
  FROM v JOIN quality.corrections q
    ON q.applied AND q.action = 'drop' AND q.region_code = v.region_code
   AND q.indicator_code = v.indicator_code AND q.period = CAST(v.year AS VARCHAR)
   AND q.industry_code IS NULL AND q.source_sector IS NULL AND q.fuel IS NULL
  UNION ALL
  -- a value derived from the siblings of a dropped row (a sum over sectors without it)
  SELECT v.region_code, v.indicator_code, v.year, q.correction_id
  FROM quality.corrections q
  JOIN staging.observations s
    ON q.applied AND q.action = 'drop' AND s.region_code = q.region_code
   AND s.indicator_code = q.indicator_code AND s.period = q.period
  JOIN v ON list_contains(v.inputs, s.provenance)
), ids AS (
  SELECT region_code, indicator_code, year,
         string_agg(DISTINCT correction_id, ', ' ORDER BY correction_id) AS ids
  FROM hits GROUP BY ALL
)
UPDATE marts.indicator_values m
SET correction = ids.ids, source = m.source || '; corrected: ' || ids.ids
FROM ids
WHERE m.region_code = ids.region_code AND m.indicator_code = ids.indicator_code
  AND m.year = ids.year
"""


def mark_corrected_values(con: duckdb.DuckDBPyConnection, years: Iterable[int]) -> None:
    """Show in marts.indicator_values (rebuilt for ``years``) which values corrections
    reached, so a corrected figure is never presented as published. The staged marker
    alone suffices for overrides (marts rebuilt as of a date copy staging, not this
    schema)."""
    row = con.execute(
        "SELECT EXISTS (SELECT 1 FROM quality.corrections WHERE applied) OR EXISTS "
        "(SELECT 1 FROM staging.observations WHERE correction_id IS NOT NULL)"
    ).fetchall()
    if row and row[0][0]:
        con.execute(MARK_SQL, {"years": sorted(set(years))})


UNMATCHED = Check(
    "corrections.unmatched",
    "quality.corrections",
    "warning",
    """SELECT correction_id, register, action, region_code, indicator_code, period, vintage,
              note FROM quality.corrections
       WHERE status = 'approved' AND NOT applied ORDER BY correction_id""",
    description="every approved correction matches a staged figure and was applied",
)
