"""SHA-256 of files and the ``SHA256SUMS`` file (the format ``sha256sum -c`` reads).

A release needs the digest of each of its files three times (``datapackage.json``,
``SHA256SUMS``, the catalogue's zip hash). ``sha256_file`` therefore remembers
digests per file identity (device, inode, size, modification time in ns), which a
rename keeps and any rewrite changes; the writers that hold a file's bytes anyway
register its digest with ``remember``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.chunks import file_identity

CHUNK = 1 << 20
_KNOWN: dict[tuple[int, int, int, int], str] = {}
_MAX_KNOWN = 10_000


def remember(path: Path, digest: str) -> None:
    """Record the SHA-256 of a file just written (call after closing it)."""
    if len(_KNOWN) >= _MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN[file_identity(path)] = digest


def _sha256_read(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    key = file_identity(path)
    digest = _KNOWN.get(key)
    if digest is None:
        digest = _sha256_read(path)
        remember(path, digest)
    return digest


def write_sha256sums(folder: Path, names: list[str]) -> Path:
    """Write ``folder/SHA256SUMS`` for the given file names (relative to folder), sorted.

    One line per file: ``<hex digest><two spaces><name>``, GNU coreutils text format.
    """
    folder = Path(folder)
    lines = [f"{sha256_file(folder / name)}  {name}\n" for name in sorted(names)]
    path = folder / "SHA256SUMS"
    path.write_text("".join(lines), encoding="utf-8")
    return path
