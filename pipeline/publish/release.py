"""Publishing one release: ``publish_release`` writes ``<out>/releases/<version>/`` whole.

Steps, under an exclusive lock on ``<out>/.publish.lock`` (one publisher at a time):

1. Fingerprint the tables (content sorted by primary key, the Arrow schema,
   the code version). If it equals the latest release's fingerprint (stored
   in its ``datapackage.json``), nothing is written: ``published=False``.
2. Write every file into ``<out>/releases/.incomplete-<version>-<pid>/``:
   Parquet + CSV per table, ``CHANGES.md`` (against the previous release, by
   primary key), ``dataset.sqlite`` (the previous release's file updated with the
   rows that changed, when it was made with the same table definitions; else
   written afresh), ``datapackage.json``, ``SHA256SUMS``, then the zip (reusing the
   deflated pieces of the previous release's zip whose bytes did not change;
   ``archive``). The chunk index of each zip is kept in ``<out>/work/zip-index/``.
3. Rename that folder to ``<out>/releases/<version>/`` (atomic on one file
   system): a release appears whole or not at all. Its files are made
   read-only; earlier releases are never touched.
4. Switch ``<out>/latest``: a relative symlink ``latest -> releases/<version>``
   is created under a temporary name and renamed over the old one
   (``rename(2)`` replaces it atomically: readers see the old or the new
   release, never a missing or half-written one).
5. Add the release to ``<out>/releases.json``. ``latest`` is the authority on
   the current release: when this step fails (a full disk) the release is still
   published (the result's reason carries a warning) and the next publish
   repairs ``releases.json`` from the release folders (``catalog.repair_catalog``).
6. Disk (``retention``): files equal to the previous release's are hard links
   to them (stored once); release folders beyond ``keep`` (default 10) are pruned.

Above a size (``parts``: ``PIPELINE_PARTITION_ABOVE``, default 16 MiB of table
data) the release is *partitioned*: the large tables are folders of
content-addressed Parquet parts cut between documents (a new document changes
one part per table; the others are hard links to the previous release's), with
no CSV, SQLite, DuckDB or zip in the release folder (``python -m
pipeline zip`` and ``serve`` build those on demand, outside ``releases/``).

Guard: a release that would hold fewer than half the documents of the previous
one is refused (``ReleaseRefused``) unless ``allow_shrink``: an emptied or
half-mounted raw folder must not replace the public dataset.
Provenance (``provenance.provenance()``: project version, git commit, code
version, sha256 of the model and data files) goes into ``datapackage.json`` and
``releases.json``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import atomic, rights, schema
from pipeline.publish import (archive, catalog, changes, checksums, datapackage, extras, files, parts,
                             provenance, retention, sqlite, validate)
from pipeline.publish import version as versions

DEFAULT_LICENSE = "CC-BY-4.0"
DEFAULT_TITLE = "Chinese tech-economy entities and facts"
DEFAULT_DESCRIPTION = (
    "People, firms, organisations, cities, regions and numeric facts extracted from "
    "Chinese technology and economy news articles, with every mention and fact "
    "located by character offsets in the normalised source text."
)
SQLITE_NAME = "dataset.sqlite"
# Above this share of rows to delete or insert (in a database of 10,000 rows or more), writing
# the SQLite file afresh is as quick as updating the previous release's.
MAX_SQLITE_UPDATE_SHARE = 0.25
INCOMPLETE_PREFIX = ".incomplete-"
WRITER_THREADS = 2  # table files written side by side (the machine this was measured on has 2 cores)
ZIP_INDEX_DIR = Path("work") / "zip-index"  # under the output folder; see archive


@dataclass
class ReleaseResult:
    version: str | None  # the new release, or the latest one when nothing changed
    path: Path | None
    created: str | None
    row_counts: dict[str, int]
    published: bool  # False when the tables equal the latest release's
    reason: str
    previous_version: str | None = None
    zip_path: Path | None = None
    fingerprint: str | None = None
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> added/removed/changed


class ReleaseRefused(ValueError):
    """The new release would drop more than half of the previous release's documents."""


MAX_SHRINK = 0.5  # a release may keep no fewer than this share of the previous release's documents


def check_shrink(previous_package: dict | None, documents: int, allow_shrink: bool) -> None:
    """Raise ``ReleaseRefused`` when ``documents`` < half the previous release's, unless allowed."""
    if allow_shrink or not previous_package:
        return
    before = next((r.get("rows") for r in previous_package.get("resources", [])
                   if r.get("name") == "documents" and r.get("type") == "table"), None)
    if isinstance(before, int) and documents < MAX_SHRINK * before:
        raise ReleaseRefused(
            f"the new release would hold {documents} document(s), fewer than half of the {before} of the "
            f"previous release {previous_package.get('version')}: refused, latest is unchanged (is the raw "
            "folder complete?). To publish it anyway, build with --allow-shrink (run config: "
            "resources.pipeline.config.allow_shrink: true)"
        )


class ReleaseBlocked(ValueError):
    """The tables failed a blocking check; nothing was published."""

    def __init__(self, failures: list[validate.CheckOutcome]):
        self.failures = failures
        super().__init__("release blocked by failed checks:\n" + validate.summarize(failures))


@contextmanager
def _publish_lock(out_dir: Path):
    with open(out_dir / ".publish.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def complete_tables(tables: dict) -> dict:
    """Tables in schema order; a schema table that is absent becomes an empty table."""
    unknown = sorted(set(tables) - set(schema.TABLES))
    if unknown:
        raise ValueError(f"not tables of the schema: {unknown}")
    return {n: tables[n] if n in tables else schema.empty_frame(n) for n in schema.TABLES}


def fingerprint(tables: dict, code_version: str | None = None) -> str:
    """SHA-256 of the tables' content, independent of row order, plus schema and code version."""
    h = hashlib.sha256()
    h.update(f"code_version={code_version or ''}\n".encode())
    for name in schema.TABLES:
        if name not in tables:
            continue
        t = schema.TABLES[name]
        arrow = files.to_arrow(name, tables[name])
        if arrow.num_rows:
            arrow = arrow.sort_by([(c, "ascending") for c in t.primary_key])
        h.update(f"table={name}\n{arrow.schema.to_string(show_schema_metadata=False)}\n".encode())
        for piece in files.csv_pieces(arrow):
            h.update(piece)
    return h.hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def switch_latest(out_dir: Path, version: str) -> Path:
    """Point ``<out>/latest`` at ``releases/<version>`` by renaming a new symlink over it."""
    latest = out_dir / "latest"
    aside = out_dir / f".latest.{os.getpid()}.old"
    with atomic.replacing(latest) as tmp:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(Path("releases") / version, tmp, target_is_directory=True)
        if latest.exists() and not latest.is_symlink():  # a real folder (copied by hand): move it aside
            os.rename(latest, aside)
    if aside.exists():
        shutil.rmtree(aside)
    extras.write_latest_json(out_dir, version)  # the pointer that survives object storage
    return latest


def _repair_catalog(out_dir: Path, version: str | None = None) -> str:
    """Add ``version`` to ``releases.json`` (or repair it); a failure (full disk) is a warning, not a
    failed release: ``latest`` already points at the release and the next publish repairs the file."""
    try:
        if version is not None:
            catalog.add_to_catalog(out_dir, version)
        catalog.repair_catalog(out_dir)
    except OSError as exc:
        return (f"; warning: releases.json could not be updated ({exc.strerror or exc}); `latest` is "
                "authoritative and the next build repairs releases.json")
    return ""


def _clean_incomplete(releases_dir: Path) -> None:
    """Remove folders left by an interrupted publish (safe: we hold the lock)."""
    for p in releases_dir.glob(INCOMPLETE_PREFIX + "*"):
        shutil.rmtree(p, ignore_errors=True)


def _sqlite_changes(diff: list, old: dict[str, pa.Table], new: dict[str, pa.Table]) -> dict:
    """table -> (typed keys of the rows to delete, positions of the rows to insert), for ``update_sqlite``."""
    out = {}
    for ch in diff:
        if not ch.any:
            continue
        pk = list(schema.TABLES[ch.table].primary_key)
        keys: list[tuple] = []
        if ch.removed_rows:
            keys += list(zip(*(old[ch.table].column(c).take(ch.removed_rows).to_pylist() for c in pk)))
        if ch.changed_rows:
            keys += list(zip(*(new[ch.table].column(c).take(ch.changed_rows).to_pylist() for c in pk)))
        out[ch.table] = (keys, sorted(ch.added_rows + ch.changed_rows))
    return out


def _write_sqlite(tables: dict[str, pa.Table], path: Path, previous_dir: Path | None,
                  previous_tables: dict[str, pa.Table] | None, diff: list, copy: Path | None) -> str:
    # (updated or written: the tables and search results are the same either way; see sqlite.py)
    """Update the previous release's SQLite file when possible, else write it; say which."""
    try:
        if previous_dir is not None and previous_tables is not None and set(previous_tables) == set(tables):
            changes = _sqlite_changes(diff, previous_tables, tables)
            changed_rows = sum(len(k) + len(r) for k, r in changes.values())
            total_rows = sum(t.num_rows for t in tables.values())
            if changed_rows <= MAX_SQLITE_UPDATE_SHARE * total_rows or total_rows < 10_000:
                if sqlite.update_sqlite(previous_dir / SQLITE_NAME, path, tables, changes, copy=copy):
                    return "updated"
        sqlite.write_sqlite(tables, path)
        return "written"
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)


def _zip_of(folder: Path | None, version: str | None) -> Path | None:
    """The release's own zip, when it has one (a partitioned release has none)."""
    if folder is None or version is None:
        return None
    path = Path(folder) / f"dataset-{version}.zip"
    return path if path.exists() else None


def _start_copy(source: Path, target: Path) -> threading.Thread | None:
    """Copy a file on a thread (the copy releases the GIL) while the release does other work."""
    if not source.exists():
        return None
    thread = threading.Thread(target=shutil.copyfile, args=(source, target), daemon=True)
    thread.start()
    return thread


@dataclass
class _Release:
    """What one publish knows before it writes: the tables as published and the facts recorded about them."""

    tables: dict[str, pa.Table]  # schema order, converted to Arrow, text policy applied
    text_policy: str
    row_counts: dict[str, int]
    partitioned: bool
    now: datetime
    made_by: dict  # provenance.provenance()
    code_version: str
    fingerprint: str
    license: str
    title: str
    description: str
    sources: list[dict]


@dataclass
class _Previous:
    """The latest release folder before this publish (all None for a first release)."""

    existing: list[str]
    version: str | None
    folder: Path | None
    package: dict | None


@dataclass
class _Written:
    """What writing the release folder produced, for the result and the zip index."""

    diff: list
    zip_index: object | None


def _prepared_tables(tables: dict, check: bool, publish_text: str | None) -> tuple[dict[str, pa.Table], str]:
    """The schema's tables, checked (``ReleaseBlocked`` on a blocking failure), as Arrow, with the text policy."""
    tables = complete_tables(tables)
    if check:
        # on the tables as given (a DataFrame that cannot be converted is a finding, not a crash)
        failures = validate.blocking_failures(validate.check_tables(tables))
        if failures:
            raise ReleaseBlocked(failures)
    tables = {n: files.to_arrow(n, t) for n, t in tables.items()}  # converted once
    text_policy = rights.publish_text_policy(publish_text)
    tables["documents"] = rights.apply_text_policy(tables["documents"], text_policy)
    return tables, text_policy


def _utc(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now


def _previous_release(out_dir: Path, releases_dir: Path) -> _Previous:
    """The latest release folder and its ``datapackage.json``, after cleaning up interrupted publishes."""
    _clean_incomplete(releases_dir)
    _repair_catalog(out_dir)
    existing = versions.existing_versions(releases_dir)
    previous = existing[-1] if existing else None
    folder = releases_dir / previous if previous else None
    return _Previous(existing, previous, folder, datapackage.read_datapackage(folder) if folder else None)


def _unchanged_result(out_dir: Path, release: _Release, prev: _Previous) -> ReleaseResult | None:
    """The result "nothing to publish" when the tables equal the latest release's (repairing ``latest``
    and ``releases.json`` after an interrupted publish); None when a new release is due."""
    if not prev.package or prev.package.get("fingerprint") != release.fingerprint:
        return None
    if os.path.realpath(out_dir / "latest") != os.path.realpath(prev.folder):
        switch_latest(out_dir, prev.version)  # repair after an interrupted publish
    if prev.version not in {e["version"] for e in catalog.read_catalog(out_dir)}:
        catalog.add_to_catalog(out_dir, prev.version)
    return ReleaseResult(
        version=prev.version,
        path=prev.folder,
        created=prev.package.get("created"),
        row_counts=release.row_counts,
        published=False,
        reason=f"unchanged: the tables and code version equal release {prev.version}",
        previous_version=prev.version,
        zip_path=_zip_of(prev.folder, prev.version),
        fingerprint=release.fingerprint,
    )


def _write_tables_and_compare(work: Path, release: _Release, prev: _Previous):
    """Write every table's files while comparing the tables with the previous release's.

    Arrow's Parquet and CSV writers and hashlib release the GIL: two threads
    write the tables side by side, and compare them with the previous release.
    Returns ({table: file names}, {partitioned table: documents per part},
    the previous release's tables or None, the per-table diff).
    """
    tables = release.tables
    previous_layout = datapackage.parts_layout(prev.package)
    docs_per_part: dict[str, int] = {}

    def write_table(item: tuple[str, pa.Table]) -> tuple[str, list[str]]:
        name, table = item
        if release.partitioned and name in parts.PARTITIONED_TABLES:
            every = docs_per_part[name] = parts.docs_per_part(table, previous_layout.get(name))
            return name, parts.write_parts(name, table, work, every)
        # a partitioned release has no CSV (the zip built on demand carries them: `downloads`)
        return name, [p.name for p in files.write_table_files(name, table, work, csv=not release.partitioned)]

    def compare() -> tuple[dict | None, list]:
        before = files.read_release_arrow(prev.folder) if prev.folder else None
        return before, changes.diff_tables(before, tables)

    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        compared = pool.submit(compare)
        by_table = dict(pool.map(write_table, sorted(tables.items(), key=lambda item: -item[1].nbytes)))
        previous_tables, diff = compared.result()
    return by_table, docs_per_part, previous_tables, diff


def _write_changes_file(work: Path, version: str, created: str, release: _Release, prev: _Previous,
                        previous_tables: dict | None, diff: list) -> str:
    """``CHANGES.md`` against the previous release (by primary key, and the sources added / removed)."""
    (work / "CHANGES.md").write_text(
        changes.render_changes(version, prev.version, diff, created, sources=changes.source_changes(
            previous_tables.get("documents") if previous_tables else None, release.tables["documents"])),
        encoding="utf-8",
    )
    return "CHANGES.md"


def _write_database_and_extras(work: Path, version: str, created: str, release: _Release, prev: _Previous,
                               previous_tables: dict | None, diff: list,
                               copier: threading.Thread | None, sqlite_copy: Path) -> tuple[list[str], dict]:
    """README, dictionary, citation and DuckDB (which releases the GIL) beside the SQLite file.

    Returns the names of the files written here besides the extras, and the extras' datapackage entries.
    """
    tables = release.tables
    names: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as side:
        extras_done = side.submit(
            extras.write_release_extras,
            work, tables, version=version, created=created, title=release.title,
            description=release.description, license=release.license, text_policy=release.text_policy,
            previous=prev.version, previous_dir=prev.folder,
            changes=_sqlite_changes(diff, previous_tables, tables) if previous_tables is not None else None,
            databases=not release.partitioned,
        )
        if copier is not None:
            copier.join()
        if not release.partitioned:  # a partitioned release has no database file: `serve` builds one on demand
            _write_sqlite(tables, work / SQLITE_NAME, prev.folder, previous_tables, diff,
                          sqlite_copy if copier is not None else None)
            names.append(SQLITE_NAME)
        extra_files = extras_done.result()
    return names, extra_files


SQLITE_RESOURCE = {
    "name": "dataset-sqlite",
    "format": "sqlite",
    "mediatype": "application/vnd.sqlite3",
    "title": "All tables in one SQLite database",
    "description": "Primary and foreign keys, indexes on IDs and names, "
    "FTS5 full-text search (trigram) in <table>_fts.",
}
CHANGES_RESOURCE = {
    "name": "changes",
    "format": "md",
    "mediatype": "text/markdown",
    "title": "Changes since the previous release",
}


def _write_package(work: Path, version: str, created: str, release: _Release,
                   table_files: dict[str, list[str]], docs_per_part: dict[str, int], extra_files: dict) -> str:
    """``datapackage.json`` with the release's provenance."""
    package = datapackage.build_datapackage(
        work,
        tables=list(release.tables),
        version=version,
        created=created,
        title=release.title,
        description=release.description,
        license=release.license,
        sources=release.sources,
        fingerprint=release.fingerprint,
        code_version=release.code_version,
        row_counts=release.row_counts,
        parts={name: (table_files[name], every) for name, every in docs_per_part.items()},
        extra_files={
            **({} if release.partitioned else {SQLITE_NAME: SQLITE_RESOURCE}),
            "CHANGES.md": CHANGES_RESOURCE,
            **extra_files,
        },
        properties={"text_policy": release.text_policy,
                    **{f"texts_{k}": v for k, v in rights.text_counts(release.tables["documents"]).items()}},
    )
    package["provenance"] = release.made_by
    datapackage.write_datapackage(work, package)
    return "datapackage.json"


def _write_zip(out_dir: Path, work: Path, version: str, release: _Release, prev: _Previous, names: list[str]):
    """The release's zip, reusing the previous zip's unchanged deflated pieces; returns its chunk index
    (None for a partitioned release, whose zip is built on demand: `python -m pipeline zip`)."""
    if release.partitioned:
        return None
    old_index = archive.read_index(out_dir / ZIP_INDEX_DIR, prev.version) if prev.version else None
    old_zip = prev.folder / f"dataset-{prev.version}.zip" if prev.folder else None
    _zip, index = archive.write_zip(
        work, sorted(names) + ["SHA256SUMS"], version, release.now,
        previous=(old_zip, old_index) if old_index else None,
    )
    return index


def _seal(work: Path, previous_dir: Path | None) -> None:
    """Make the release read-only and hard-link the files equal to the previous release's."""
    for path in work.rglob("*"):
        if path.is_file():
            path.chmod(0o444)  # a release is never modified once written (folders stay writable)
    retention.link_unchanged(work, previous_dir)  # files equal to the previous release's: stored once


def _write_release_folder(work: Path, version: str, created: str, release: _Release, prev: _Previous,
                          copier: threading.Thread | None, sqlite_copy: Path, out_dir: Path) -> _Written:
    """Every file of the release into ``work``: tables, CHANGES.md, SQLite and extras, datapackage.json,
    SHA256SUMS, zip; then sealed."""
    table_files, docs_per_part, previous_tables, diff = _write_tables_and_compare(work, release, prev)
    names: list[str] = [n for name in release.tables for n in table_files[name]]
    names.append(_write_changes_file(work, version, created, release, prev, previous_tables, diff))
    database, extra_files = _write_database_and_extras(work, version, created, release, prev, previous_tables,
                                                       diff, copier, sqlite_copy)
    names += database
    names += list(extra_files)
    names.append(_write_package(work, version, created, release, table_files, docs_per_part, extra_files))
    checksums.write_sha256sums(work, names)
    index = _write_zip(out_dir, work, version, release, prev, names)
    _seal(work, prev.folder)
    return _Written(diff, index)


def _publish_new_release(out_dir: Path, releases_dir: Path, release: _Release, prev: _Previous,
                         keep: int) -> ReleaseResult:
    """Write the release into a temporary folder, rename it into place, switch ``latest``, update the catalogue."""
    version = versions.next_version(prev.existing, release.now)
    created = _iso(release.now)
    work = releases_dir / f"{INCOMPLETE_PREFIX}{version}-{os.getpid()}"
    work.mkdir()
    sqlite_copy = work / f".previous-{SQLITE_NAME}"
    copier = (_start_copy(prev.folder / SQLITE_NAME, sqlite_copy)
              if prev.folder and not release.partitioned else None)
    try:
        written = _write_release_folder(work, version, created, release, prev, copier, sqlite_copy, out_dir)
        final = releases_dir / version
        os.rename(work, final)
        if written.zip_index:
            try:
                archive.write_index(out_dir / ZIP_INDEX_DIR, version, written.zip_index)
            except OSError:
                pass  # only a cache for the next zip: the next release writes its zip whole
    except BaseException:
        if copier is not None:
            copier.join()
        shutil.rmtree(work, ignore_errors=True)
        raise
    switch_latest(out_dir, version)  # from here on the release is published (`latest` is the authority)
    warning = _repair_catalog(out_dir, version)
    retention.prune_releases(out_dir, keep)
    previous = prev.version
    return ReleaseResult(
        version=version,
        path=final,
        created=created,
        row_counts=release.row_counts,
        published=True,
        reason=f"new release {version}" + (f" (previous: {previous})" if previous else " (first release)") + warning,
        previous_version=previous,
        zip_path=_zip_of(final, version),
        fingerprint=release.fingerprint,
        changes={c.table: {"added": len(c.added), "removed": len(c.removed), "changed": len(c.changed)}
                 for c in written.diff},
    )


def publish_release(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    sources: list[dict],
    *,
    license: str = DEFAULT_LICENSE,
    title: str = DEFAULT_TITLE,
    description: str = DEFAULT_DESCRIPTION,
    now: datetime | None = None,
    code_version: str | None = None,
    check: bool = True,
    allow_shrink: bool = True,
    keep: int = retention.DEFAULT_KEEP,
    publish_text: str | None = None,
    partition_above: str | int | None = None,
) -> ReleaseResult:
    """Publish ``tables`` as a new release under ``out_dir`` unless they equal the latest release.

    ``tables``: pandas DataFrames or Arrow tables (with the schema's columns).
    ``sources``: one dict per raw document with ``path``, ``title``, ``url``, ``sha256``.
    With ``check`` (the default) the blocking checks of ``validate`` run first and a failure
    raises ``ReleaseBlocked`` before anything is written, so ``latest`` never moves to a broken
    release, even when the release is made without the Dagster asset checks. Without
    ``allow_shrink``, ``ReleaseRefused`` is raised when fewer than half of the previous
    release's documents remain. ``keep``: release folders kept (0: all).
    ``publish_text``: which documents' full text is published (``pipeline.rights``: ``licensed``,
    ``all``, ``none``; default ``$PIPELINE_PUBLISH_TEXT`` or ``licensed``), applied after the checks.
    ``partition_above``: the size above which the release is partitioned (``parts.parse_above``;
    default ``$PIPELINE_PARTITION_ABOVE`` or 16 MiB).
    """
    out_dir = Path(out_dir)
    releases_dir = out_dir / "releases"
    tables, text_policy = _prepared_tables(tables, check, publish_text)
    releases_dir.mkdir(parents=True, exist_ok=True)
    made_by = provenance.provenance()
    code_version = code_version or made_by["code_version"]
    release = _Release(
        tables=tables,
        text_policy=text_policy,
        row_counts={n: int(t.num_rows) for n, t in tables.items()},
        partitioned=parts.is_partitioned(tables, parts.partition_above(partition_above)),
        now=_utc(now),
        made_by=made_by,
        code_version=code_version,
        fingerprint=fingerprint(tables, code_version + ":" + provenance.data_digest(made_by)),
        license=license,
        title=title,
        description=description,
        sources=sources,
    )
    with _publish_lock(out_dir):
        prev = _previous_release(out_dir, releases_dir)
        unchanged = _unchanged_result(out_dir, release, prev)
        if unchanged is not None:
            return unchanged
        check_shrink(prev.package, release.row_counts.get("documents", 0), allow_shrink)
        return _publish_new_release(out_dir, releases_dir, release, prev, keep)
