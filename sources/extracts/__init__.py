"""The embedded default data: the project's own compact extracts, each row cited, and
the demo series generated from them (labelled demo on every row)."""

from __future__ import annotations

from pathlib import Path

from sources.demo_enterprises import write_demo_filings
from sources.demo_grid import write_demo_load, write_demo_trades
from sources.demo_meter import write_demo_meter
from sources.demo_series import write_demo_file

EXTRACTS_DIR = Path(__file__).resolve().parent


def extract_files() -> list[Path]:
    return sorted(EXTRACTS_DIR.glob("*.csv"))


def embedded_files(generated_dir: Path) -> list[Path]:
    """The extracts, then the demo series, enterprise filings, hourly load, green power
    trades and enterprise metering written into ``generated_dir``."""
    files = extract_files()
    return [
        *files,
        write_demo_file(generated_dir, files),
        write_demo_filings(generated_dir),
        write_demo_load(generated_dir),
        write_demo_trades(generated_dir),
        write_demo_meter(generated_dir),
    ]
