"""Taking one snapshot run: every source of ``sources.yaml`` fetched into ``raw/<folder>/<name>/``.

Layout, per source ``<name>``::

    raw/snapshots/<name>/<UTC time>-<sha256[:12]>.<ext>            the bytes as served (read-only)
    raw/snapshots/<name>/<UTC time>-<sha256[:12]>.<ext>.meta.json  its sidecar (ingest.sidecar)
    raw/snapshots/<name>/.pages/<sha256(url)[:16]>-<sha256[:12]>.html  pages of a feed's summary-only items
    raw/snapshots/<name>/last.fetch-error                           why the last run failed (removed on success)

A snapshot is immutable: written under a temporary name with its sidecar
first, then renamed into place and made read-only, never rewritten. When the
bytes equal the source's latest snapshot, nothing new is written
("unchanged"). The sidecar records the URL asked for and the final URL, the
access time (UTC), the HTTP status, the content type, the sha256 and size of
the bytes, the source's name and licence, and for a feed the ``pages`` it
saved (item link -> path relative to the feed's folder), which the feed
reader uses for items that carry only a summary.

A failing source (network error, timeout, HTTP status other than 200,
robots.txt forbidding it, the run's request or time budget spent) writes
``last.fetch-error``: the ingest reads it as an error row of the next release
(``errors`` table), and nothing else changes; a run never raises for a
source. ``take_snapshots`` is bounded: at most ``max_requests`` requests and
about ``time_budget`` + ``timeout`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from pipeline import atomic
from pipeline.ingest.sidecar import write_sidecar
from pipeline.snapshots.config import SnapshotSettings, SourceSpec
from pipeline.snapshots.fetch import Fetcher, FetchError, Response

ERROR_FILE = "last.fetch-error"
PAGES_DIR = ".pages"
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/rss+xml": ".xml", "application/atom+xml": ".xml", "application/xml": ".xml", "text/xml": ".xml",
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".md",
}


@dataclass
class SourceOutcome:
    name: str
    url: str
    status: str  # saved, unchanged, error
    path: str | None = None  # relative to raw/ (saved or unchanged)
    reason: str = ""
    pages: int = 0


@dataclass
class SnapshotReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0

    @property
    def saved(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "saved"]

    @property
    def errors(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "error"]


def take_snapshots(raw_dir: Path, settings: SnapshotSettings, sources: list[SourceSpec], *,
                   now=None) -> SnapshotReport:
    """Fetch every source into ``raw_dir`` (see the module doc); never raises for a source."""
    started = time.monotonic()
    fetcher = Fetcher(settings.user_agent, settings.timeout, settings.max_bytes, settings.max_requests,
                      rate_limits={urlsplit(s.url).netloc: s.rate_limit for s in sources})
    report = SnapshotReport()
    for spec in sources:
        folder = Path(raw_dir) / settings.folder / spec.name
        if time.monotonic() - started > settings.time_budget:
            outcome = SourceOutcome(spec.name, spec.url, "error",
                                    reason=f"not fetched: the run's time budget ({settings.time_budget:g} s) is spent")
        else:
            outcome = _snapshot_one(fetcher, spec, folder, now, started, settings)
        _record_error(folder, outcome)
        report.outcomes.append(outcome)
    report.requests = fetcher.requests
    report.seconds = time.monotonic() - started
    return report


def _now(now) -> str:
    moment = now() if callable(now) else (now or datetime.now(timezone.utc))
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snapshot_one(fetcher: Fetcher, spec: SourceSpec, folder: Path, now, started: float,
                  settings: SnapshotSettings) -> SourceOutcome:
    try:
        ok, why = fetcher.allowed(spec.url)
        if not ok:
            return SourceOutcome(spec.name, spec.url, "error", reason=why)
        accessed = _now(now)
        resp = fetcher.get(spec.url)
    except FetchError as exc:
        return SourceOutcome(spec.name, spec.url, "error", reason=exc.reason)
    if resp.status != 200:
        return SourceOutcome(spec.name, spec.url, "error", reason=f"HTTP {resp.status}")
    if not resp.body:
        return SourceOutcome(spec.name, spec.url, "error", reason="empty response (HTTP 200, 0 bytes)")
    pages: dict[str, str] = {}
    if spec.kind == "feed":
        pages = _fetch_pages(fetcher, spec, folder, resp.body, now, started, settings)
    meta = _meta(spec, resp, accessed)
    if pages:
        meta["pages"] = pages
    ext = _EXTENSIONS.get(resp.content_type) or (".xml" if spec.kind == "feed" else ".html")
    path, saved = _save(folder, resp.body, ext, accessed, meta)
    rel = path.relative_to(folder.parent.parent).as_posix()
    return SourceOutcome(spec.name, spec.url, "saved" if saved else "unchanged", rel, pages=len(pages))


def _meta(spec: SourceSpec, resp: Response, accessed: str) -> dict:
    return {
        "source": spec.name,
        "url": spec.url,
        "final_url": resp.url,
        "accessed_at": accessed,
        "status": resp.status,
        "content_type": resp.content_type,
        "sha256": hashlib.sha256(resp.body).hexdigest(),
        "bytes": len(resp.body),
        "license": spec.license,
    }


def _save(folder: Path, body: bytes, ext: str, accessed: str, meta: dict) -> tuple[Path, bool]:
    """Write the snapshot and its sidecar unless the latest snapshot has the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    sha = hashlib.sha256(body).hexdigest()
    latest = _latest(folder)
    if latest is not None and hashlib.sha256(latest.read_bytes()).hexdigest() == sha:
        return latest, False
    stamp = accessed.replace("-", "").replace(":", "")
    path = folder / f"{stamp}-{sha[:12]}{ext}"
    if path.exists():
        return path, False
    write_sidecar(path, meta)  # first: a reader that sees the file sees its metadata
    _write_immutable(path, body)
    return path, True


def _write_immutable(path: Path, body: bytes) -> None:
    with atomic.replacing(path) as tmp:
        tmp.write_bytes(body)
        tmp.chmod(0o444)


def _latest(folder: Path) -> Path | None:
    snaps = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and not p.name.endswith((".meta.json", ".fetch-error")))
    return snaps[-1] if snaps else None


def _fetch_pages(fetcher: Fetcher, spec: SourceSpec, folder: Path, feed: bytes, now, started: float,
                 settings: SnapshotSettings) -> dict[str, str]:
    """Save the pages of the feed's items that carry only a summary; item link -> relative path.

    A page that cannot be fetched is left out (the item keeps its summary)."""
    import feedparser

    pages: dict[str, str] = {}
    entries = feedparser.parse(feed).get("entries") or []
    wanted = [e.get("link") for e in entries if e.get("link") and not any(c.get("value") for c in e.get("content") or [])]
    for link in wanted[: spec.max_items]:
        if time.monotonic() - started > settings.time_budget:
            break
        try:
            ok, _ = fetcher.allowed(link)
            if not ok:
                continue
            resp = fetcher.get(link)
        except FetchError:
            continue
        if resp.status != 200 or not resp.body:
            continue
        sha = hashlib.sha256(resp.body).hexdigest()
        name = f"{hashlib.sha256(link.encode()).hexdigest()[:16]}-{sha[:12]}.html"
        target = folder / PAGES_DIR / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_sidecar(target, {**_meta(spec, resp, _now(now)), "url": link})
            _write_immutable(target, resp.body)
        pages[link] = f"{PAGES_DIR}/{name}"
    return pages


def _record_error(folder: Path, outcome: SourceOutcome) -> None:
    """Write (error) or remove (success) the source's ``last.fetch-error``."""
    path = folder / ERROR_FILE
    if outcome.status != "error":
        path.unlink(missing_ok=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    # no time in the file: the same failure again leaves it (and the next release) unchanged
    text = json.dumps({"source": outcome.name, "url": outcome.url, "reason": outcome.reason},
                      ensure_ascii=False, indent=2) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    atomic.write_text(path, text)
