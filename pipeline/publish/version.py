"""Release versions: ``YYYY.MM.DD.NN``.

The date is the UTC day of publication; ``NN`` is the two-digit, zero-padded
number of the release on that day (01, 02, ...). Zero-padding makes the
versions sort lexicographically in the order they were made
(``2026.11.28.09`` < ``2026.11.28.10``), which a plain ``.9``/``.10`` would not.
A version is always greater than every existing one, even if the clock went
back. More than 99 releases on one day is refused rather than mis-ordered.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})\.(\d{2})$")
MAX_PER_DAY = 99


def is_version(name: str) -> bool:
    return bool(VERSION_RE.match(name))


def existing_versions(releases_dir: Path) -> list[str]:
    """Versions of the complete releases in ``releases_dir``, oldest first."""
    releases_dir = Path(releases_dir)
    if not releases_dir.is_dir():
        return []
    return sorted(p.name for p in releases_dir.iterdir() if p.is_dir() and is_version(p.name))


def next_version(existing: list[str], now: datetime | None = None) -> str:
    """The version for a release made at ``now`` (UTC), after all ``existing`` versions."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    day = now.strftime("%Y.%m.%d")
    latest = max(existing) if existing else None
    if latest is not None and latest[:10] >= day:
        day = latest[:10]  # same day, or the clock went back: continue the latest day's count
        n = int(latest[11:]) + 1
    else:
        n = 1
    if n > MAX_PER_DAY:
        raise RuntimeError(f"more than {MAX_PER_DAY} releases on {day}: versions would no longer sort")
    return f"{day}.{n:02d}"
