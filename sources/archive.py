"""The raw archive: every file received, kept byte for byte under its sha256.

``archive/<sha[:2]>/<sha256>/<original name>``, read-only. The same bytes
received twice are stored once; provenance points at the hash, so a figure can
always be traced back to the exact file it came from.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    original_name: str
    archive_path: Path  # absolute
    size_bytes: int
    already_archived: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_file(path: Path, archive_root: Path) -> ArchivedFile:
    sha = sha256_of(path)
    target_dir = archive_root / sha[:2] / sha
    target = target_dir / path.name
    existing = [p for p in target_dir.iterdir()] if target_dir.exists() else []
    if existing:
        return ArchivedFile(sha, path.name, existing[0], existing[0].stat().st_size, True)
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".incoming-{os.getpid()}"
    shutil.copyfile(path, tmp)
    if sha256_of(tmp) != sha:
        tmp.unlink()
        raise OSError(f"{path.name}: file changed while it was being archived")
    os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(tmp, target)
    return ArchivedFile(sha, path.name, target, target.stat().st_size, False)
