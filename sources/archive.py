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

from greenstat.settings import Home

CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    original_name: str
    archive_path: Path  # absolute
    size_bytes: int
    already_archived: bool

    @property
    def lake(self) -> Path:
        """The data home's Parquet lake, found from the archive's fixed layout
        (<home>/archive/<sha[:2]>/<sha>/<name>): where this file's rows go when its table
        is held in the lake."""
        return Home(self.archive_path.parents[3]).lake


def archive_file(path: Path, archive_root: Path) -> ArchivedFile:
    """Copy ``path`` into the archive and name the copy by the hash of the bytes it holds.
    Copying first (in the kernel) and hashing the copy reads the file once instead of
    hashing it on both sides; a file whose size or modification time changed while it
    was copied is refused, not archived."""
    before = path.stat()
    archive_root.mkdir(parents=True, exist_ok=True)
    tmp = archive_root / f".incoming-{os.getpid()}-{path.name}"
    try:
        shutil.copyfile(path, tmp)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise OSError(f"{path.name}: file changed while it was being archived")
        digest = hashlib.sha256()
        with open(tmp, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        sha = digest.hexdigest()
        target_dir = archive_root / sha[:2] / sha
        existing = [p for p in target_dir.iterdir()] if target_dir.exists() else []
        if existing:
            return ArchivedFile(sha, path.name, existing[0], existing[0].stat().st_size, True)
        target_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        target = target_dir / path.name
        os.replace(tmp, target)
        return ArchivedFile(sha, path.name, target, target.stat().st_size, False)
    finally:
        tmp.unlink(missing_ok=True)
