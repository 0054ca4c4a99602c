"""Generated docs stay in step with their source."""

from __future__ import annotations

from greenstat.settings import PROJECT_ROOT
from warehouse.docs import render


def test_tables_doc_is_current() -> None:
    committed = (PROJECT_ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == render(), "run: .venv/bin/python -m warehouse.docs > docs/tables.md"
