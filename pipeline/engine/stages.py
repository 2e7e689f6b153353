"""The per-document stages and their cache (also runs in worker processes).

The unit of work and of caching is the *source unit* (``ingest.list_sources``: a
``.txt``/``.md`` file, or one record of a ``.jsonl`` file). Three stages turn one
unit's stored input into stored output (``pipeline.workdir`` files):

* ``source_documents``: ``ingest.read_source`` -> documents + errors;
* ``document_segments``: ``nlp.segment.segment`` -> tokens;
* ``document_extractions``: ``nlp.analyse.analyse`` -> mentions, facts, relations.

Each output file stores a *cache key* = hash(stage, code version of the
modules and data the stage depends on, cache key of its input). A unit
whose stored cache key equals the one it would get now is skipped, so adding
one source redoes the NLP for that source only, and editing a lexicon redoes
extraction (not reading) for all.

A *fused* segmentation job (``StageJob.fused``) also extracts from the tokens it
holds, in one worker pass; ``pipeline.engine.build`` maps these jobs over the
units. This module also reads the stored results back (``read_part_by_partition``), and
compacts the per-unit files of a build into per-batch chunks (``compact``, ``pipeline.chunks``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa

from pipeline.ids import with_row_ids
from pipeline.ingest import read_source, source_key_path
from pipeline.nlp.analyse import analyse_within_budget
from pipeline.nlp.segment import segment
from pipeline.records import Document, Fact, Mention, Relation, SourceError, Token
from pipeline.shaping import shaping_files
from pipeline.workdir import Workdir, records_to_table, table_to_records

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # pipeline/

DOCUMENTS, SEGMENTS, EXTRACTIONS = "source_documents", "document_segments", "document_extractions"
STAGES = (DOCUMENTS, SEGMENTS, EXTRACTIONS)
PARTS: dict[str, tuple[str, ...]] = {
    DOCUMENTS: ("documents", "errors"),
    SEGMENTS: ("tokens",),
    EXTRACTIONS: ("mentions", "facts", "relations", "errors"),
}
# What each stage's output depends on (paths relative to pipeline/). A change of
# any of these files invalidates the stage's stored results (and the later stages');
# FORMAT_VERSION is bumped when the layout of the stored files changes. Only what
# shapes the tables counts: the tooling (training, evaluation, benchmarks) is a
# package of its own, and documentation and reports are left out (pipeline.shaping).
CODE_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    DOCUMENTS: ("ingest", "data/ingest", "data/vocab", "vocab.py", "records.py", "rights.py", "data/rights"),
    SEGMENTS: ("nlp/segment.py", "data/jieba_userdict.txt", "records.py"),
    EXTRACTIONS: ("nlp", "data", "vocab.py", "records.py", "ids.py"),
}
# Files inside those folders that no per-document stage runs: the resolver works on
# the stored results (the fan-in), and the release's own texts are not extracted from.
CODE_EXCLUDED = ("nlp/resolve.py", "data/release/")
FORMAT_VERSION = "2"  # 2: tokens without the part-of-speech column


def stage_files(stage: str, root: Path = PACKAGE_DIR) -> list[Path]:
    """The source and data files under ``root`` that shape the stage's output (sorted)."""
    return shaping_files(CODE_DEPENDENCIES[stage], root, CODE_EXCLUDED)


@lru_cache(maxsize=None)
def code_version(stage: str, root: Path = PACKAGE_DIR) -> str:
    """SHA-256 (first 16 hex) of the source and data files the stage depends on."""
    h = hashlib.sha256(f"{stage}:{FORMAT_VERSION}".encode())
    for f in stage_files(stage, root):
        h.update(str(f.relative_to(root)).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def cache_key(stage: str, input_key: str, code: str | None = None) -> str:
    """The cache key of a stage's output: stage, code version (default: this process's) and input."""
    code = code or code_version(stage)
    return hashlib.sha256(f"{stage}|{code}|{input_key}".encode()).hexdigest()[:32]


@dataclass
class StageOutcome:
    """What happened to one partition in one stage."""

    key: str
    skipped: bool = False  # the stored result was current
    documents: int = 0
    chars: int = 0
    errors: list[SourceError] = field(default_factory=list)
    seconds: float = 0.0
    then: "StageOutcome | None" = None  # a fused SEGMENTS job: its EXTRACTIONS outcome
    cache_key: str = ""  # EXTRACTIONS: the cache key of the unit's files (written or current)
    fused: bool = False  # segmented and extracted in one pass


@dataclass
class StageJob:
    """Everything a worker needs to process one partition (picklable)."""

    stage: str
    output_dir: str
    raw_dir: str
    key: str
    source_sha256: str | None = None  # DOCUMENTS only: current hash of the raw source
    # The code versions seen by the process that planned the work, so that worker
    # processes write the cache keys the planner checks (even if files changed since).
    code_versions: dict[str, str] = field(default_factory=dict)
    # SEGMENTS only: also run EXTRACTIONS on the tokens in the same pass (both assets are
    # in the run), so that the tokens are not written, read back and rebuilt in between.
    fused: bool = False
    # SEGMENTS only: the unit's documents and their cache key when the process that
    # read them hands them over (no reading back of the documents file).
    documents: list[Document] | None = None
    documents_key: str | None = None

    def cache_key(self, stage: str, input_key: str) -> str:
        return cache_key(stage, input_key, self.code_versions.get(stage))

    def for_remote(self) -> "StageJob":
        """This job as sent to a worker of a cluster: without the documents the planner read (a
        worker reads them from the shared work folder, where the planner stored them)."""
        return replace(self, documents=None, documents_key=None)


# ---- partitions (raw files) and their units ------------------------------------

Units = list[tuple[str, "str | None"]]  # [(unit key, sha256 of its raw bytes)]


def partition_of(unit_key: str) -> str:
    """The partition (raw file) of a unit key: the key without its ``#record`` part."""
    return unit_key.split("#", 1)[0]


def group_units(units) -> dict[str, Units]:
    """``list_sources`` units grouped by partition, in listing order."""
    out: dict[str, Units] = {}
    for u in units:
        out.setdefault(partition_of(u.key), []).append((u.key, u.sha256))
    return out


def partition_hash(partition: str, units: Units) -> str:
    """The content hash of a partition: its file's sha256, or a hash of its records' hashes."""
    if len(units) == 1 and units[0][0] == partition and units[0][1]:
        return units[0][1]
    return hashlib.sha256("\n".join(f"{k}\t{h}" for k, h in units).encode("utf-8")).hexdigest()


def expected_extraction_key(sha256: str | None) -> str:
    """The cache key a unit's extraction files have when all its stages are current (this code)."""
    ck = cache_key(DOCUMENTS, sha256 or "missing")
    return cache_key(EXTRACTIONS, cache_key(SEGMENTS, ck))


# ---- one unit ------------------------------------------------------------------


def process(job: StageJob) -> StageOutcome:
    """Run one stage for one partition, or skip it when its stored result is current."""
    started = time.perf_counter()
    wd = Workdir(job.output_dir)
    if job.stage == DOCUMENTS:
        out = _documents(wd, job)
    elif job.stage == SEGMENTS:
        out = _segments(wd, job)
    elif job.stage == EXTRACTIONS:
        out = _extractions(wd, job)
    else:
        raise ValueError(f"unknown stage {job.stage}")
    out.seconds = time.perf_counter() - started
    return out


def _input_cache_key(wd: Workdir, stage: str, key: str) -> str:
    upstream = {SEGMENTS: DOCUMENTS, EXTRACTIONS: SEGMENTS}[stage]
    ck = wd.cache_key(upstream, key, PARTS[upstream][0])
    if ck is None:
        raise FileNotFoundError(
            f"{stage}: no stored {upstream} result for partition {key!r}; materialize {upstream} first"
        )
    return ck


def _documents(wd: Workdir, job: StageJob) -> StageOutcome:
    return read_unit(wd, job)[0]


def read_unit(wd: Workdir, job: StageJob) -> tuple[StageOutcome, list[Document] | None, str]:
    """Read one unit (or skip it when current): its outcome, its documents when read now, their cache key."""
    raw_sha = job.source_sha256 or "missing"
    ck = job.cache_key(DOCUMENTS, raw_sha)
    if wd.is_current(DOCUMENTS, job.key, PARTS[DOCUMENTS], ck):
        errors = table_to_records(SourceError, _read(wd, DOCUMENTS, job.key, "errors"))
        n_docs, chars = doc_stats(wd, job.key)
        return StageOutcome(job.key, True, n_docs, chars, errors), None, ck
    if job.source_sha256 is None:
        docs: list[Document] = []
        errors = [SourceError(source_path=_path_of(job.key), reason="source no longer exists in the raw folder")]
    else:
        try:
            docs, errors = read_source(Path(job.raw_dir), job.key)
        except Exception as exc:  # a reader bug must not stop the other sources
            docs, errors = [], [
                SourceError(source_path=_path_of(job.key), reason=f"could not be read: {type(exc).__name__}: {exc}")
            ]
    stats = {"documents": len(docs), "chars": sum(len(d.text) for d in docs)}
    wd.write(DOCUMENTS, job.key, "documents", records_to_table(Document, docs), ck, extra=stats)
    wd.write(DOCUMENTS, job.key, "errors", records_to_table(SourceError, list(errors)), ck)
    return StageOutcome(job.key, False, len(docs), stats["chars"], list(errors)), list(docs), ck


def _path_of(key: str) -> str:
    return source_key_path(key)[0]


def doc_stats(wd: Workdir, key: str) -> tuple[int, int]:
    """(documents, characters) of a unit, from its documents file's metadata (cheap)."""
    meta = wd.metadata(DOCUMENTS, key, "documents")
    if "documents" in meta and "chars" in meta:
        return int(meta["documents"]), int(meta["chars"])
    docs = load_documents(wd, key)
    return len(docs), sum(len(d.text) for d in docs)


def load_documents(wd: Workdir, key: str) -> list[Document]:
    return table_to_records(Document, _read(wd, DOCUMENTS, key, "documents"))


def _segments(wd: Workdir, job: StageJob) -> StageOutcome:
    """Segment one unit; a ``fused`` job then extracts from the tokens in memory (``outcome.then``)."""
    docs = job.documents
    input_key = job.documents_key if docs is not None and job.documents_key else _input_cache_key(wd, SEGMENTS, job.key)
    ck = job.cache_key(SEGMENTS, input_key)
    tokens: dict[str, list[Token]] | None = None
    if wd.is_current(SEGMENTS, job.key, PARTS[SEGMENTS], ck):
        stats = (len(docs), sum(len(d.text) for d in docs)) if docs is not None else doc_stats(wd, job.key)
        out = StageOutcome(job.key, True, *stats)
    else:
        if docs is None:
            docs = load_documents(wd, job.key)
        doc_tokens = [(d.doc_id, segment(d.text)) for d in docs]
        wd.write(SEGMENTS, job.key, "tokens", tokens_table(doc_tokens), ck)
        tokens = {}
        for doc_id, toks in doc_tokens:  # as load_tokens would group them
            tokens.setdefault(doc_id, []).extend(toks)
        out = StageOutcome(job.key, False, len(docs), sum(len(d.text) for d in docs))
    if job.fused:
        out.then = _extractions(wd, job, docs=docs, tokens=tokens, input_key=ck)
        out.fused = out.then.fused = True
    return out


# Tokens are stored compactly: the document's id (dictionary-encoded), int32 start and
# end. The word itself is not stored: it is ``text[start:end]`` of the document,
# re-sliced on loading.
TOKEN_SCHEMA = pa.schema([
    pa.field("doc_id", pa.dictionary(pa.int32(), pa.string())),
    pa.field("start", pa.int32()),
    pa.field("end", pa.int32()),
])


def tokens_table(doc_tokens: Sequence[tuple[str, Sequence[Token]]]) -> pa.Table:
    """The stored form of the tokens of several documents (in document order)."""
    doc_ids = [doc_id for doc_id, _ in doc_tokens]
    doc_index: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, (_, toks) in enumerate(doc_tokens):
        doc_index += [i] * len(toks)
        starts += [t.start for t in toks]
        ends += [t.end for t in toks]
    return pa.Table.from_arrays(
        [
            pa.DictionaryArray.from_arrays(pa.array(doc_index, pa.int32()), pa.array(doc_ids, pa.string())),
            pa.array(starts, pa.int32()),
            pa.array(ends, pa.int32()),
        ],
        schema=TOKEN_SCHEMA,
    )


def tokens_from_table(table: pa.Table, texts: dict[str, str]) -> dict[str, list[Token]]:
    """doc_id -> its Tokens, the words sliced from ``texts`` (doc_id -> normalised text)."""
    doc_col = table.column("doc_id").combine_chunks()
    doc_index = doc_col.indices.to_numpy(zero_copy_only=False)
    doc_names = doc_col.dictionary.to_pylist()
    starts = table.column("start").to_pylist()
    ends = table.column("end").to_pylist()
    out: dict[str, list[Token]] = {}
    # tokens are stored document by document: one run of equal doc_id per document
    cuts = [0, *(np.flatnonzero(np.diff(doc_index)) + 1).tolist(), len(doc_index)]
    for i, j in zip(cuts, cuts[1:]):
        if i == j:
            continue
        doc_id = doc_names[int(doc_index[i])]
        text = texts.get(doc_id, "")
        out.setdefault(doc_id, []).extend(Token(s, e, text[s:e]) for s, e in zip(starts[i:j], ends[i:j]))
    return out


def load_tokens(wd: Workdir, key: str, docs: Sequence[Document] | None = None) -> dict[str, list[Token]]:
    """doc_id -> Tokens of a unit (``docs``: its documents, read when not given)."""
    if docs is None:
        docs = load_documents(wd, key)
    return tokens_from_table(_read(wd, SEGMENTS, key, "tokens"), {d.doc_id: d.text for d in docs})


def _extractions(
    wd: Workdir,
    job: StageJob,
    docs: list[Document] | None = None,
    tokens: dict[str, list[Token]] | None = None,
    input_key: str | None = None,
) -> StageOutcome:
    """Extract from one unit; ``docs``/``tokens``/``input_key`` when a fused pass has them in memory."""
    ck = job.cache_key(EXTRACTIONS, input_key or _input_cache_key(wd, EXTRACTIONS, job.key))
    if wd.is_current(EXTRACTIONS, job.key, PARTS[EXTRACTIONS], ck):
        errors = table_to_records(SourceError, _read(wd, EXTRACTIONS, job.key, "errors"))
        stats = (len(docs), sum(len(d.text) for d in docs)) if docs is not None else doc_stats(wd, job.key)
        return StageOutcome(job.key, True, *stats, errors, cache_key=ck)
    if docs is None:
        docs = load_documents(wd, job.key)
    chars = sum(len(d.text) for d in docs)
    if tokens is None:
        tokens = load_tokens(wd, job.key, docs)
    mentions: list[Mention] = []
    facts: list[Fact] = []
    relations: list[Relation] = []
    errors: list[SourceError] = []
    for d in docs:
        a, error = analyse_within_budget(d, tokens.get(d.doc_id, []))
        if error is not None:  # one document's failure is reported, not fatal
            errors.append(error)
            continue
        mentions.extend(a.mentions)
        facts.extend(a.facts)
        relations.extend(a.relations)
    mention_table, fact_table = with_row_ids(records_to_table(Mention, mentions), records_to_table(Fact, facts))
    wd.write(EXTRACTIONS, job.key, "mentions", mention_table, ck)
    wd.write(EXTRACTIONS, job.key, "facts", fact_table, ck)
    wd.write(EXTRACTIONS, job.key, "relations", records_to_table(Relation, relations), ck)
    wd.write(EXTRACTIONS, job.key, "errors", records_to_table(SourceError, errors), ck)
    return StageOutcome(job.key, False, len(docs), chars, errors, cache_key=ck)


def is_current(job: StageJob) -> bool:
    wd = Workdir(job.output_dir)
    try:
        ck = job.cache_key(job.stage, _input_cache_key(wd, job.stage, job.key))
    except FileNotFoundError:
        return False
    return wd.is_current(job.stage, job.key, PARTS[job.stage], ck)


def _read(wd: Workdir, stage: str, key: str, part: str) -> pa.Table:
    """A unit's stored part (its per-unit file, else its rows in a chunk)."""
    return wd.read(stage, key, part)


def read_part_by_partition(wd: Workdir, stage: str, part: str, groups: dict[str, list[str]]) -> pa.Table | None:
    """One part of a stage's results over partitions -> unit keys (in that order), None when there is none.

    The units compacted into chunks (``pipeline.chunks``) are read a chunk at a time, so a
    large archive's results are a few files, not thousands.
    """
    keys = [k for ks in groups.values() for k in ks]
    return wd.read_units(stage, part, keys)


def compact(wd: Workdir, order: Sequence[str] = ()) -> tuple[int, int]:
    """Compact every stage's per-unit files into chunks; (chunks written, unit results compacted)."""
    chunks = units = 0
    for stage in STAGES:
        c, u = wd.compact(stage, PARTS[stage], order)
        chunks, units = chunks + c, units + u
    return chunks, units


def reset_old_work_format(wd: Workdir) -> bool:
    """Remove the per-document results of a work folder of an older layout (``Workdir.ensure_format``)."""
    return wd.ensure_format(STAGES)
