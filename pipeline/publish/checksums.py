"""SHA-256 of files and the ``SHA256SUMS`` file (the format ``sha256sum -c`` reads)."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def write_sha256sums(folder: Path, names: list[str]) -> Path:
    """Write ``folder/SHA256SUMS`` for the given file names (relative to folder), sorted.

    One line per file: ``<hex digest><two spaces><name>``, GNU coreutils text format.
    """
    folder = Path(folder)
    lines = [f"{sha256_file(folder / name)}  {name}\n" for name in sorted(names)]
    path = folder / "SHA256SUMS"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def verify_sha256sums(folder: Path) -> list[str]:
    """Names listed in ``folder/SHA256SUMS`` whose file is missing or differs (empty: all good)."""
    folder = Path(folder)
    bad = []
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = folder / name
        if not path.exists() or sha256_file(path) != digest:
            bad.append(name)
    return bad
