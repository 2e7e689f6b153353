"""``outputs/releases.json``: the catalogue of every release, newest first.

One entry per release: version, created, path (relative to the output
folder), row counts per table, the zip's file name, bytes and sha256, and the
content fingerprint. The file is rewritten whole (temp file + rename) after
each release; it can always be rebuilt from the release folders with
``rebuild_catalog``.

``<out>/latest`` is the authority on which release is current: it is switched
first (one atomic rename), then this file. Its ``latest`` field is read from
the ``latest`` link; when a crash or a full disk came between the two, the
next publish or build repairs the file (``repair_catalog``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline import atomic
from pipeline.publish.checksums import sha256_file
from pipeline.publish.datapackage import read_datapackage, table_row_counts
from pipeline.publish.version import existing_versions

CATALOG = "releases.json"


def catalog_entry(out_dir: Path, version: str) -> dict:
    """The catalogue entry of a written release, read from its own files."""
    folder = Path(out_dir) / "releases" / version
    package = read_datapackage(folder) or {}
    zip_name = f"dataset-{version}.zip"
    zip_path = folder / zip_name
    rows = table_row_counts(package)
    return {
        "version": version,
        "created": package.get("created"),
        "path": f"releases/{version}",
        "row_counts": rows,
        "zip": zip_name if zip_path.exists() else None,  # a partitioned release: `python -m pipeline zip`
        "zip_bytes": zip_path.stat().st_size if zip_path.exists() else None,
        "zip_sha256": sha256_file(zip_path) if zip_path.exists() else None,
        "fingerprint": package.get("fingerprint"),
        **_provenance_fields(package),
    }


def _provenance_fields(package: dict) -> dict:
    """The release's provenance (project version, git commit, code version, data files' sha256)."""
    made_by = package.get("provenance") or {}
    keys = ("project_version", "git_commit", "git_dirty", "code_version", "data_files")
    return {k: made_by[k] for k in keys if k in made_by}


def read_catalog(out_dir: Path) -> list[dict]:
    path = Path(out_dir) / CATALOG
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["releases"]


def write_catalog(out_dir: Path, entries: list[dict]) -> Path:
    entries = sorted(entries, key=lambda e: e["version"], reverse=True)
    path = Path(out_dir) / CATALOG
    body = {"latest": latest_version(out_dir, entries), "releases": entries}
    atomic.write_text(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return path


def latest_version(out_dir: Path, entries: list[dict] | None = None) -> str | None:
    """The version ``<out>/latest`` points at (the authority), else the newest entry's."""
    latest = Path(out_dir) / "latest"
    if latest.is_dir():
        return Path(os.path.realpath(latest)).name
    return entries[0]["version"] if entries else None


def is_consistent(out_dir: Path) -> bool:
    """True when ``releases.json`` names the release ``latest`` points at, and lists it."""
    try:
        body = json.loads((Path(out_dir) / CATALOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return not (Path(out_dir) / "latest").exists()
    latest = latest_version(out_dir)
    return body.get("latest") == latest and any(e.get("version") == latest for e in body.get("releases", []))


def repair_catalog(out_dir: Path) -> bool:
    """Rebuild ``releases.json`` when it disagrees with ``latest`` (after a crash or a full disk); True when rebuilt."""
    if is_consistent(out_dir):
        return False
    rebuild_catalog(out_dir)
    return True


def add_to_catalog(out_dir: Path, version: str) -> Path:
    """Add (or refresh) one release's entry; entries of releases no longer on disk are kept."""
    entries = [e for e in read_catalog(out_dir) if e["version"] != version]
    entries.append(catalog_entry(out_dir, version))
    return write_catalog(out_dir, entries)


def rebuild_catalog(out_dir: Path) -> Path:
    """Rewrite the catalogue from the release folders on disk (keeping the entries of pruned releases)."""
    versions = existing_versions(Path(out_dir) / "releases")
    try:
        kept = [e for e in read_catalog(out_dir) if e.get("pruned") and e.get("version") not in versions]
    except (OSError, ValueError, KeyError):
        kept = []
    return write_catalog(out_dir, kept + [catalog_entry(out_dir, v) for v in versions])
