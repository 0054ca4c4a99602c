"""The embedded default data: the project's own compact extracts, each row cited."""

from __future__ import annotations

from pathlib import Path

EXTRACTS_DIR = Path(__file__).resolve().parent


def embedded_files() -> list[Path]:
    return sorted(EXTRACTS_DIR.glob("*.csv"))
