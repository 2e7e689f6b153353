"""Source snapshots: fetching the feeds and pages of ``sources.yaml`` into ``raw/`` (OWID's pattern).

Belongs here: reading ``sources.yaml`` (``config``), polite HTTP (``fetch``:
time-bounded GETs, robots.txt, a per-host rate limit) and writing immutable
snapshots with their sidecars (``snapshot``). Nothing here is Dagster; the
asset and its schedule are ``pipeline.defs.snapshots``. The build never
fetches: it reads what the snapshots left in ``raw/``, like any other file.
"""

from pipeline.snapshots.config import SnapshotSettings, SourceSpec, load_sources
from pipeline.snapshots.snapshot import SnapshotReport, take_snapshots

__all__ = ["SnapshotSettings", "SourceSpec", "load_sources", "SnapshotReport", "take_snapshots"]
