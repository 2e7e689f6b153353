"""Disk use of the release folders: shared files and retention.

* :func:`link_unchanged`: a file of a new release whose bytes equal the file of
  the same name in the previous release (same sha256 in both ``SHA256SUMS``) is
  replaced by a hard link to it, so it is stored once (the parts of a
  partitioned release, ``parts``, are named by their content: an unchanged part
  keeps its name and is linked too). Releases are read-only,
  so a shared file never changes under another release; deleting a release
  folder leaves the other links intact.
* :func:`prune_releases`: keeps the newest ``keep`` release folders (never the
  one ``latest`` points to); an older folder is removed except its
  ``datapackage.json`` and ``CHANGES.md``, which move to
  ``<out>/pruned/<version>/``, and its entry in ``releases.json`` is marked
  ``"pruned": true``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline import atomic
from pipeline.publish import catalog
from pipeline.publish.version import existing_versions

DEFAULT_KEEP = 10
PRUNED_DIR = "pruned"
KEPT_WHEN_PRUNED = ("datapackage.json", "CHANGES.md")


def read_sums(folder: Path) -> dict[str, str]:
    """file name -> sha256 from a release's ``SHA256SUMS`` (empty when absent)."""
    path = Path(folder) / "SHA256SUMS"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            out[name] = digest
    return out


def link_unchanged(folder: Path, previous: Path | None) -> int:
    """Hard-link the files of ``folder`` that equal ``previous``'s; the bytes saved."""
    if previous is None or not previous.is_dir():
        return 0
    old, new = read_sums(previous), read_sums(folder)
    saved = 0
    for name, digest in new.items():
        source = previous / name
        if old.get(name) != digest or not source.is_file():
            continue
        try:
            with atomic.replacing(folder / name) as tmp:
                os.link(source, tmp)
        except OSError:  # another file system, or links not allowed: keep the copy
            continue
        saved += source.stat().st_size
    return saved


def prune_releases(out_dir: Path, keep: int = DEFAULT_KEEP) -> list[str]:
    """Remove all but the newest ``keep`` release folders; return the versions pruned."""
    if keep <= 0:
        return []
    out_dir = Path(out_dir)
    releases = out_dir / "releases"
    versions = existing_versions(releases)
    latest = os.path.realpath(out_dir / "latest")
    pruned = []
    for version in versions[:-keep] if len(versions) > keep else []:
        folder = releases / version
        if os.path.realpath(folder) == latest:
            continue
        kept = out_dir / PRUNED_DIR / version
        kept.mkdir(parents=True, exist_ok=True)
        for name in KEPT_WHEN_PRUNED:
            if (folder / name).exists():
                shutil.copy2(folder / name, kept / name)
        shutil.rmtree(folder)  # read-only files in writable folders: removable
        pruned.append(version)
    if pruned:
        entries = catalog.read_catalog(out_dir)
        for entry in entries:
            if entry["version"] in pruned:
                entry["pruned"] = True
                entry["path"] = f"{PRUNED_DIR}/{entry['version']}"
        catalog.write_catalog(out_dir, entries)
    return pruned


def disk_usage(out_dir: Path) -> dict[str, int]:
    """Bytes of the release folders: ``apparent`` (every file counted) and ``stored`` (each inode once)."""
    seen: set[tuple[int, int]] = set()
    apparent = stored = 0
    for path in (Path(out_dir) / "releases").rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        st = path.stat()
        apparent += st.st_size
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            stored += st.st_size
    return {"apparent": apparent, "stored": stored}
