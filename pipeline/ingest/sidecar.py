"""Sidecar files: what is known about a raw file from where it came (``<file>.meta.json``).

A source snapshot (``pipeline.snapshots``) writes, next to each fetched file
``x.html``, a sidecar ``x.html.meta.json`` with at least ``url``,
``accessed_at`` (ISO 8601 UTC), ``status`` (HTTP), ``sha256`` (of the file's
bytes) and the ``license`` and ``source`` name from ``sources.yaml``; a feed's
sidecar also maps item links to the pages saved for them (``pages``: url ->
path relative to the feed's folder). Anyone may write one by hand for a file
dropped into ``raw/`` (e.g. only ``{"license": "CC-BY-4.0"}``).

Sidecars are not sources (``.json`` is not a source extension). A sidecar
that cannot be parsed is ignored (the file is still read, without the metadata).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import atomic

__all__ = ["SIDECAR_SUFFIX", "sidecar_path", "read_sidecar", "write_sidecar"]

SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(path: Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict:
    """The sidecar's mapping for the raw file ``path``, or {} when there is none (or it is unreadable)."""
    try:
        data = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_sidecar(path: Path, meta: dict) -> Path:
    """Write the sidecar of ``path`` (through a temporary file and a rename)."""
    target = sidecar_path(path)
    return atomic.write_text(target, json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def page_reader(feed_path: Path, meta: dict):
    """A ``page_for(url)`` callable over the pages a feed's sidecar lists (bytes, or None)."""
    pages = meta.get("pages") if isinstance(meta.get("pages"), dict) else {}
    folder = Path(feed_path).parent.resolve()

    def page_for(url: str) -> bytes | None:
        rel = pages.get(url)
        if not isinstance(rel, str):
            return None
        target = (folder / rel).resolve()
        if folder not in target.parents:
            return None  # a sidecar cannot point outside the feed's folder
        try:
            return target.read_bytes()
        except OSError:
            return None

    return page_for
