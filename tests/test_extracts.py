"""The committed NBS extract is exactly what its builder writes from the real exports
(the CEADs and OWID extracts have the same test beside their connectors)."""

from __future__ import annotations

from pathlib import Path

from sources.extracts import build_nbs_extract


def test_nbs_extract_is_what_the_builder_writes(shared_data: Path, tmp_path: Path) -> None:
    rebuilt = tmp_path / "nbs_official.csv"
    build_nbs_extract.write(build_nbs_extract.build(shared_data), rebuilt)
    assert rebuilt.read_bytes() == build_nbs_extract.OUTPUT.read_bytes()
