"""Bring the stored per-document results up to date with everything in a raw folder.

:func:`build_sources` is the per-document work of a build, as one plain
function: it lists the source units of the raw folder (``ingest.list_sources``),
and maps the stages of ``pipeline.engine.stages`` over them. Each unit is read
in this process (reading is fast), and its segmentation and extraction go, in
one pass, to a :class:`~pipeline.engine.pool.WorkerPool` as soon as it is read
(or run here when there is too little work for a pool to pay). Units whose
stored results are current are skipped.

It writes, under ``<out>/work/``:

* ``sources.json``: the current source set (every unit key and its sha256, in
  listing order), what the dataset step builds the tables from. A deleted file
  is absent from it, so its rows leave the next release;
* the units' results (``pipeline.workdir``): the per-unit files the stages write,
  compacted at the end of the build into per-batch chunks (``stages.compact``);
* ``extracted/<file>.json`` per raw file: its units' cache keys and its
  documents and errors, so that the next build tells in one read that a file
  (e.g. an archive of thousands of records) is current, and the ``sources``
  view lists its documents and errors without reading them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipeline import atomic
from pipeline.accounting import list_accounted
from pipeline.engine import stages
from pipeline.engine.pool import WorkerPool, resolve_workers
from pipeline.engine.progress import Progress
from pipeline.executors import min_chars_for_pool
from pipeline.ingest import list_sources
from pipeline.records import SourceError
from pipeline.workdir import Workdir, safe_name

SOURCES_FILE = "sources.json"
EXTRACTED_DIR = "extracted"
# Below this many characters to (re)compute, a process pool costs more than it saves:
# each worker first loads the models (seconds); this process has them once.
MIN_CHARS_FOR_POOL = min_chars_for_pool(500_000)  # PIPELINE_MIN_CHARS_FOR_POOL overrides


class RawFolderError(ValueError):
    """The raw folder is missing or holds no source: no release must be made from it."""


@dataclass
class FileSummary:
    """One raw file as this build saw it."""

    path: str  # relative to the raw folder (the key of its units without ``#record``)
    sha256: str  # the file's content hash (of its records' hashes for a .jsonl archive)
    units: int = 0
    documents: int = 0
    chars: int = 0
    errors: list[dict] = field(default_factory=list)  # {"line", "reason"}
    processed: int = 0  # units (re)computed by this build


@dataclass
class SourcesOutcome:
    files: list[FileSummary]
    units: int
    processed: int
    chars_processed: int
    workers: int
    pool_used: bool
    seconds: float
    errors: list[SourceError]  # new errors found by this build (for the run log)


def list_units(raw_dir: Path, allow_empty: bool = False, output_dir: Path | None = None):
    """The source units of ``raw_dir``; ``RawFolderError`` when it is missing, or empty (unless allowed).

    With ``output_dir``, the units last read under a folder that cannot be listed now are
    carried over (``accounting.list_accounted``): an unreadable folder is not a deletion.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawFolderError(
            f"the raw folder {raw_dir} does not exist (not mounted, or a wrong PIPELINE_RAW_DIR / --raw / "
            "resources.pipeline.config.raw_dir): no release made, the latest one is unchanged"
        )
    units = list_sources(raw_dir) if output_dir is None else list_accounted(raw_dir, output_dir)
    if not units and not allow_empty:
        raise RawFolderError(
            f"the raw folder {raw_dir} holds no source (.txt, .md, .jsonl): no release made, the latest one "
            "is unchanged. To publish an empty release on purpose, build with --allow-shrink "
            "(run config: resources.pipeline.config.allow_shrink: true)"
        )
    return units


def build_sources(
    raw_dir: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    workers: int = 0,
    rebuild: Iterable[str] = (),
    allow_empty: bool = False,
    log: Callable[[str], None] = print,
    min_chars_for_pool: int = MIN_CHARS_FOR_POOL,
) -> SourcesOutcome:
    """Read, segment and analyse every source unit of ``raw_dir`` whose stored results are not current.

    ``rebuild``: raw file paths (relative to ``raw_dir``) whose stored results are
    thrown away first, so that they are computed again whatever the cache says.
    """
    started = time.perf_counter()
    raw, out = Path(raw_dir).resolve(), Path(output_dir).resolve()
    units = list_units(raw, allow_empty, out)
    wd = Workdir(out)
    if stages.reset_old_work_format(wd):
        log("the work folder was of an older layout: its per-document results are computed again")
    grouped = stages.group_units(units)
    rebuild = set(rebuild)
    _forget_rebuilt(wd, grouped, rebuild, raw, log)
    code_versions = {s: stages.code_version(s) for s in stages.STAGES}
    workers = resolve_workers(workers)
    tally = _Tally({p: FileSummary(p, stages.partition_hash(p, u), units=len(u)) for p, u in grouped.items()},
                   Progress("sources", len(units), log))
    with WorkerPool(workers) as pool:
        dispatch = _Dispatch(pool, workers, min_chars_for_pool, log)
        for partition, punits in grouped.items():
            record = read_record(wd, partition)
            if partition not in rebuild and _record_current(wd, record, punits):
                tally.carry(partition, record, len(punits))
                continue
            for key, sha in punits:
                job = stages.StageJob(stage=stages.DOCUMENTS, output_dir=str(out), raw_dir=str(raw), key=key,
                                      source_sha256=sha, code_versions=code_versions)
                _read_unit(wd, job, partition, tally, dispatch)
        pool_used = pool.started
        dispatch.finish(tally)
    tally.progress.finish()
    _leave_for_next_build(wd, units, grouped, tally, log)
    return SourcesOutcome(
        files=list(tally.summaries.values()), units=len(units), processed=len(tally.computed),
        chars_processed=sum(tally.unit_chars.get(k, 0) for k in tally.computed),
        workers=workers, pool_used=pool_used, seconds=time.perf_counter() - started, errors=tally.new_errors,
    )


def _forget_rebuilt(wd: Workdir, grouped: dict[str, stages.Units], rebuild: set[str], raw: Path,
                    log: Callable[[str], None]) -> None:
    """Throw away the stored results of the raw files to ``rebuild`` (``RawFolderError`` for an unknown one)."""
    unknown = rebuild - set(grouped)
    if unknown:
        raise RawFolderError(f"cannot rebuild {sorted(unknown)}: no such file in {raw} (give paths relative to it)")
    for path in rebuild:
        log(f"rebuilding {path}: its stored results are thrown away")
        forget_file(wd, path, [k for k, _ in grouped[path]])


@dataclass
class _Tally:
    """What the build learns of each raw file and unit as the stages' outcomes come back."""

    summaries: dict[str, FileSummary]  # by raw file
    progress: Progress
    new_errors: list[SourceError] = field(default_factory=list)
    cache_keys: dict[str, str] = field(default_factory=dict)  # unit -> its extraction's cache key
    unit_chars: dict[str, int] = field(default_factory=dict)
    computed: set[str] = field(default_factory=set)  # units with at least one stage computed now

    def carry(self, partition: str, record: dict, n_units: int) -> None:
        """A raw file recorded current: its summary and cache keys as the record has them."""
        self.cache_keys.update(record["units"])
        s = self.summaries[partition]
        s.documents, s.chars, s.errors = record["documents"], record["chars"], list(record["errors"])
        self.progress.update(0, skipped=True, n=n_units)

    def account(self, partition: str, o: stages.StageOutcome, *, read: bool = False) -> None:
        s = self.summaries[partition]
        if read:
            s.documents += o.documents
            s.chars += o.chars
            self.unit_chars[o.key] = o.chars
        s.errors.extend({"line": e.line, "reason": e.reason} for e in o.errors)
        if not o.skipped:
            if o.key not in self.computed:
                s.processed += 1
            self.computed.add(o.key)
            self.new_errors.extend(o.errors)
        if o.cache_key:
            self.cache_keys[o.key] = o.cache_key

    def collect(self, partition: str, o: stages.StageOutcome) -> None:
        """One fused NLP outcome: the segmentation, then the extraction it did."""
        extraction, o.then = o.then, None
        self.account(partition, o)
        if extraction is not None:
            self.account(partition, extraction)
        self.progress.update(0 if o.skipped else o.chars, skipped=o.skipped)


class _Dispatch:
    """NLP jobs held back until there is enough work for the pool, then submitted largest first;
    what never reached the pool runs in this process."""

    def __init__(self, pool: WorkerPool, workers: int, min_chars: int, log: Callable[[str], None]):
        self.pool, self.workers, self.min_chars, self.log = pool, workers, min_chars, log
        self.waiting: list[tuple[str, stages.StageJob, int]] = []  # NLP jobs not yet submitted
        self.futures: dict[Future, str] = {}  # -> the raw file of the unit
        self.chars_waiting = 0

    def add(self, partition: str, job: stages.StageJob, chars: int) -> None:
        self.waiting.append((partition, job, chars))
        self.chars_waiting += chars
        if self.workers > 1 and (self.pool.started or (self.chars_waiting >= self.min_chars and len(self.waiting) >= 2)):
            if not self.pool.started:
                self.log(f"starting {self.workers} worker process(es) for the segmentation and extraction")
            self.waiting.sort(key=lambda w: -w[2])  # largest first: a short tail
            self.futures.update((self.pool.submit(stages.process, j), p) for p, j, _ in self.waiting)
            self.waiting = []

    def finish(self, tally: _Tally) -> None:
        for partition, job, _chars in self.waiting:  # too little work for a pool: here
            tally.collect(partition, stages.process(job))
        for future in as_completed(self.futures):
            tally.collect(self.futures[future], future.result())


def _read_unit(wd: Workdir, job: stages.StageJob, partition: str, tally: _Tally, dispatch: _Dispatch) -> None:
    """Read one unit here; its segmentation and extraction go to ``dispatch`` unless both are current."""
    read, docs, docs_key = stages.read_unit(wd, job)
    tally.account(partition, read, read=True)
    nlp = dataclasses.replace(job, stage=stages.SEGMENTS, source_sha256=None, fused=True,
                              documents=docs, documents_key=docs_key)
    extract = dataclasses.replace(nlp, stage=stages.EXTRACTIONS, fused=False)
    if docs is None and stages.is_current(nlp) and stages.is_current(extract):
        tally.account(partition, stages.process(extract))  # current: its stored errors and cache key
        tally.progress.update(0, skipped=True)
        return
    dispatch.add(partition, nlp, read.chars)


def _leave_for_next_build(wd: Workdir, units, grouped: dict[str, stages.Units], tally: _Tally,
                          log: Callable[[str], None]) -> None:
    """Compact the per-unit files; write each raw file's manifest and record, and the source set."""
    chunks, compacted = stages.compact(wd, [u.key for u in units])
    if compacted:
        log(f"compacted {compacted} per-unit result set(s) (unit x stage) into {chunks} chunk(s)")
    for partition, punits in grouped.items():
        wd.write_manifest(partition, punits)
        write_record(wd, partition, {k: tally.cache_keys[k] for k, _ in punits if k in tally.cache_keys},
                     tally.summaries[partition])
    write_source_set(wd, units)


# ---- what the build leaves for the next steps and the next build ----------------


def write_source_set(wd: Workdir, units) -> Path:
    """``work/sources.json``: every current unit (key, sha256), in listing order."""
    path = wd.root / SOURCES_FILE
    _write_json(path, {"units": [[u.key, u.sha256] for u in units]})
    return path


def read_source_set(wd: Workdir) -> list[tuple[str, str | None]] | None:
    """The units of the last ``build_sources`` (None when it never ran)."""
    try:
        data = json.loads((wd.root / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [(k, h) for k, h in data["units"]]


def _record_path(wd: Workdir, partition: str) -> Path:
    return wd.root / EXTRACTED_DIR / f"{safe_name(partition)}.json"


def write_record(wd: Workdir, partition: str, cache_keys: dict[str, str], summary: FileSummary) -> None:
    _write_json(_record_path(wd, partition), {
        "partition": partition, "sha256": summary.sha256, "units": cache_keys,
        "documents": summary.documents, "chars": summary.chars, "errors": summary.errors,
    })


def read_record(wd: Workdir, partition: str) -> dict | None:
    try:
        record = json.loads(_record_path(wd, partition).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "documents" in record else None


def _record_current(wd: Workdir, record: dict | None, units: stages.Units) -> bool:
    """True when every unit's extraction was recorded current for its content and this code, and its files exist."""
    if record is None:
        return False
    recorded = record.get("units", {})
    if len(recorded) != len(units):
        return False
    for key, sha in units:
        if recorded.get(key) != stages.expected_extraction_key(sha):
            return False
    keys = [k for k, _ in units]
    return not any(wd.missing(stage, keys, stages.PARTS[stage]) for stage in stages.STAGES)


def prune_records(wd: Workdir, keep_partitions: list[str]) -> None:
    """Remove the records of raw files that are gone."""
    keep = {_record_path(wd, p).name for p in keep_partitions}
    folder = wd.root / EXTRACTED_DIR
    for path in folder.glob("*.json") if folder.is_dir() else []:
        if path.name not in keep:
            path.unlink(missing_ok=True)


def forget_file(wd: Workdir, partition: str, keys: list[str]) -> None:
    """Remove the stored results of one raw file, so that the next build computes them again."""
    for stage in stages.STAGES:
        wd.forget(stage, keys, stages.PARTS[stage])
    _record_path(wd, partition).unlink(missing_ok=True)


def _write_json(path: Path, data) -> None:
    atomic.write_json(path, data)
