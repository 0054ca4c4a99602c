"""The policy target registry (``sources/ref/policy_targets.yaml``), reviewed like code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from warehouse.tables import POLICY_TARGETS

REGISTRY = Path(__file__).resolve().parent / "ref" / "policy_targets.yaml"


def load_targets(path: Path | None = None) -> list[dict[str, Any]]:
    """The registry as rows with exactly the ref.policy_targets columns."""
    source = path or REGISTRY
    entries = yaml.safe_load(source.read_text(encoding="utf-8")) or []
    columns = POLICY_TARGETS.column_names
    rows = []
    for i, entry in enumerate(entries, start=1):
        unknown = set(entry) - set(columns)
        if unknown:
            raise ValueError(f"{source.name}: entry {i} has unknown keys {sorted(unknown)}")
        rows.append({c: entry.get(c) for c in columns})
    return rows
