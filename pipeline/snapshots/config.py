"""``sources.yaml``: the feeds and pages to snapshot, their licence and how politely to fetch them.

Format::

    settings:                 # all optional
      user_agent: "cn-tech-city-dataset/0.1 (+https://...)"
      timeout: 20             # seconds for one request, connecting and reading included
      max_bytes: 10000000     # a larger response is an error
      max_requests: 200       # per snapshot run, robots.txt included
      time_budget: 600        # seconds per snapshot run; sources not reached are error rows
      folder: snapshots       # under raw/
    sources:
      - name: example-tech    # [a-z0-9-]+, unique: the folder raw/<folder>/<name>/
        url: https://example.org/tech/rss.xml
        kind: feed            # feed (default when the name or URL says rss/atom/feed) or page
        license: CC-BY-4.0    # the licence the publisher grants (documents.license), or omit
        rate_limit: 2         # seconds between two requests to the same host (default 1)
        max_items: 20         # feed: pages fetched for items that carry only a summary (default 20; 0: none)

A wrong file raises ``ValueError`` naming the entry and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KINDS = ("feed", "page")


@dataclass(frozen=True)
class SnapshotSettings:
    user_agent: str = "cn-tech-city-dataset-snapshots/0.1"
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    max_requests: int = 200
    time_budget: float = 600.0
    folder: str = "snapshots"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    url: str
    kind: str = "page"
    license: str | None = None
    rate_limit: float = 1.0
    max_items: int = 20


def load_sources(path: Path) -> tuple[SnapshotSettings, list[SourceSpec]]:
    """The settings and sources of a ``sources.yaml`` file (see the module doc)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a mapping with 'sources' was expected")
    settings = _settings(data.get("settings") or {}, path)
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("sources") or [], 1):
        spec = _spec(entry, f"{path}: source {i}")
        if spec.name in seen:
            raise ValueError(f"{path}: source {i}: name {spec.name!r} is used twice")
        seen.add(spec.name)
        specs.append(spec)
    return settings, specs


def _settings(raw: dict, path) -> SnapshotSettings:
    known = SnapshotSettings.__dataclass_fields__
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}")
    values = {k: type(getattr(SnapshotSettings, k))(v) for k, v in raw.items()}
    return SnapshotSettings(**values)


def _spec(entry, where: str) -> SourceSpec:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: a mapping was expected")
    unknown = sorted(set(entry) - set(SourceSpec.__dataclass_fields__))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    name, url = str(entry.get("name", "")), str(entry.get("url", ""))
    if not NAME.match(name):
        raise ValueError(f"{where}: name {name!r} must be lower-case letters, digits and '-'")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{where} ({name}): url must be http(s), got {url!r}")
    kind = entry.get("kind") or ("feed" if re.search(r"rss|atom|feed", f"{name} {url}", re.I) else "page")
    if kind not in KINDS:
        raise ValueError(f"{where} ({name}): kind must be one of {KINDS}")
    rate = float(entry.get("rate_limit", 1.0))
    if rate < 0:
        raise ValueError(f"{where} ({name}): rate_limit must be >= 0 seconds")
    return SourceSpec(name=name, url=url, kind=kind, license=entry.get("license") or None,
                      rate_limit=rate, max_items=int(entry.get("max_items", 20)))
