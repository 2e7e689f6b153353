"""Where intermediate files live, and how records are stored in them.

The pipeline keeps two kinds of intermediate files under ``<output_dir>/work/``:

* per-document results: first one Parquet file per (stage, source unit, part),
  ``work/<asset>/<safe key>.<part>.parquet`` (for example
  ``work/source_documents/hangzhou_deepseek.txt-1a2b3c4d5e.documents.parquet``),
  written by the workers; at the end of a build these per-unit files are compacted
  into per-batch chunks, ``work/chunks/<asset>/`` (``pipeline.chunks``: a few Arrow
  IPC files per thousand units and an index of unit -> cache key, chunk, rows, in shards by key hash).
  A unit's per-unit file, while there is one, supersedes its chunk row;
* per-file manifests ``work/partitions/<safe file key>.json``: the source units
  (key, sha256) a raw file held when it was last read;
* staged tables, one per published table: ``work/tables/<name>.parquet``,
  written by the dataset assets and read by the checks and the release;
* besides these (written by ``pipeline.engine`` and ``pipeline.publish``):
  ``work/sources.json`` (the current source set), ``work/format.json`` (the
  layout version of the work folder: a folder of another layout has its
  per-document results removed and computed again), ``work/extracted/`` (each file's extraction cache keys, documents and errors:
  a quick "is everything current" test), ``work/zip-index/`` (the
  pieces of each release's zip, reused by the next one) and ``work/last_build.json``
  (what the last headless build saw, so an unchanged rebuild makes no run).

Partition keys (``news/a.txt``, ``feed.jsonl#L12``, Chinese file names ...) are
mapped to safe, unique file names by :func:`safe_name`. Each unit's stored results
carry a *cache key* (in the Parquet metadata, or the chunk index): a hash of its inputs and of
the code that made it, so a stage can tell that a stored result is still valid
and skip the work (see ``pipeline.engine.stages``).

Records (``pipeline.records`` dataclasses) are converted to and from Arrow with
a schema derived from their type hints, so a field added to a record is stored
without touching this module.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar, Union

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import atomic
from pipeline.chunks import CHUNKS_DIR, ChunkStore

CACHE_KEY_META = b"pipeline.cache_key"
PARTITION_KEY = b"pipeline.partition_key"
_OWN_META = (CACHE_KEY_META, PARTITION_KEY)
WORK_DIR = "work"
FORMAT_FILE = "format.json"
# 4: the per-unit hash is the *cache key* (metadata pipeline.cache_key, index column cache_key;
# formerly "fingerprint") and the chunk index is in shards (chunks/<stage>/index-32/); 3: per-document results compacted into per-batch chunks (work/chunks/);
# 2 and before: one Parquet file per unit and part, plus work/bundle.<stage>/ (no format recorded)
WORK_FORMAT = 4
TABLES_DIR = "tables"
T = TypeVar("T")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@functools.lru_cache(maxsize=None)
def safe_name(key: str) -> str:
    """A file-name-safe, unique, readable stem for a partition key.

    ASCII letters, digits, ``.``, ``_`` and ``-`` are kept (others become ``_``),
    the result is cut to 60 characters, and the first 10 hex of the key's SHA-1
    are appended so that two keys never share a file.
    """
    readable = _UNSAFE.sub("_", key).strip("._")[:60] or "source"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


class Workdir:
    """Paths and read/write helpers for the intermediate files of one output folder."""

    def __init__(self, output_dir: str | os.PathLike):
        self.output_dir = Path(output_dir).resolve()
        self.root = self.output_dir / WORK_DIR

    # ---- per-document results: per-unit files, compacted into chunks ------------
    def asset_dir(self, asset: str) -> Path:
        return self.root / asset

    def path(self, asset: str, key: str, part: str) -> Path:
        """The per-unit file of a unit's part (present until the unit is compacted into a chunk)."""
        return self.asset_dir(asset) / f"{safe_name(key)}.{part}.parquet"

    def chunks(self, asset: str) -> ChunkStore:
        return ChunkStore(self.root / CHUNKS_DIR / asset)

    def _chunk_entry(self, asset: str, key: str, part: str):
        """The unit's chunk row when it holds ``part`` (a ``chunks.Entry``), else None."""
        entry = self.chunks(asset).entry(key)
        return entry if entry is not None and part in entry.spans else None

    def _loose_meta(self, asset: str, key: str, part: str) -> dict[bytes, bytes] | None:
        try:
            return pq.read_schema(self.path(asset, key, part)).metadata or {}
        except (OSError, pa.ArrowInvalid):
            return None

    def cache_key(self, asset: str, key: str, part: str) -> str | None:
        """The cache key of a unit's stored part (its per-unit file first, else its chunk row), or None."""
        meta = self._loose_meta(asset, key, part)
        if meta is None:
            entry = self._chunk_entry(asset, key, part)
            return entry.cache_key if entry is not None else None
        value = meta.get(CACHE_KEY_META)
        return value.decode("utf-8") if value is not None else None

    def metadata(self, asset: str, key: str, part: str) -> dict[str, str]:
        """The ``pipeline.*`` metadata of a unit's stored part (empty when absent/unreadable)."""
        meta = self._loose_meta(asset, key, part)
        if meta is None:
            entry = self._chunk_entry(asset, key, part)
            return dict(entry.meta.get(part, {})) if entry is not None else {}
        return _pipeline_meta(meta)

    def has(self, asset: str, key: str, part: str) -> bool:
        """True when the unit's part is stored (in a chunk or as a per-unit file)."""
        return not self.missing(asset, [key], [part])

    def missing(self, asset: str, keys: Iterable[str], parts: Sequence[str]) -> list[str]:
        """The units of ``keys`` that lack one of ``parts`` (one index lookup each; a file test
        only for the units not in a chunk)."""
        entries = self.chunks(asset).entries()
        out = []
        for key in keys:
            entry = entries.get(key)
            if entry is not None and all(p in entry.spans for p in parts):
                continue
            if not all((entry is not None and p in entry.spans) or self.path(asset, key, p).exists() for p in parts):
                out.append(key)
        return out

    def is_current(self, asset: str, key: str, parts: Sequence[str], cache_key: str) -> bool:
        """True when every part of the partition exists and was made with ``cache_key``."""
        return all(self.cache_key(asset, key, p) == cache_key for p in parts)

    def write(self, asset: str, key: str, part: str, table: pa.Table, cache_key: str,
              extra: dict[str, str] | None = None) -> Path:
        """Write a per-unit file atomically, with its cache key (and ``extra``) in the metadata.

        It supersedes the unit's chunk row, if any, until the next compaction."""
        meta = dict(table.schema.metadata or {})
        meta[CACHE_KEY_META] = cache_key.encode("utf-8")
        meta[PARTITION_KEY] = key.encode("utf-8")
        for k, v in (extra or {}).items():
            meta[f"pipeline.{k}".encode()] = str(v).encode("utf-8")
        path = self.path(asset, key, part)
        _write_atomic(table.replace_schema_metadata(meta), path)
        return path

    def read(self, asset: str, key: str, part: str) -> pa.Table:
        """A unit's stored part: its per-unit file (with its metadata), else its rows in a chunk."""
        path = self.path(asset, key, part)
        try:
            return pq.ParquetFile(path).read()  # half the time of pq.read_table on small files
        except FileNotFoundError:
            table = self.chunks(asset).read_unit(key, part)
            if table is None:
                raise
            return table

    def read_units(self, asset: str, part: str, keys: Sequence[str]) -> pa.Table | None:
        """One part over the units ``keys`` (those stored), one unit after the other; None when none is."""
        store = self.chunks(asset)
        tables: list[pa.Table] = []
        run: list[str] = []  # consecutive units read from chunks together

        def flush() -> None:
            if run:
                t = store.read_units(part, run)
                if t is not None:
                    tables.append(t)
                run.clear()

        folder = self.asset_dir(asset)
        loose = {e.name for e in os.scandir(folder)} if folder.is_dir() else set()  # one listing, no stat per unit
        for k in keys:
            path = self.path(asset, k, part)
            if path.name in loose:
                flush()
                tables.append(pq.ParquetFile(path).read().replace_schema_metadata(None))
            else:
                run.append(k)
        flush()
        if not tables:
            return None
        return pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]

    def loose_units(self, asset: str, parts: Sequence[str]) -> list[tuple[str, str, Callable, dict, int]]:
        """The units with a complete set of per-unit files (every part, one cache key):
        (key, cache_key, part -> table, part -> metadata, when written (ns))."""
        folder = self.asset_dir(asset)
        if not folder.is_dir():
            return []
        stems: dict[str, set[str]] = {}
        for path in folder.glob("*.parquet"):
            stem, part = path.name[: -len(".parquet")].rsplit(".", 1)
            stems.setdefault(stem, set()).add(part)
        out = []
        for stem, have in sorted(stems.items()):
            if not set(parts) <= have:
                continue
            metas = {p: pq.read_schema(folder / f"{stem}.{p}.parquet").metadata or {} for p in parts}
            cache_keys = {m.get(CACHE_KEY_META) for m in metas.values()}
            keys = {m.get(PARTITION_KEY) for m in metas.values()}
            if len(cache_keys) != 1 or len(keys) != 1 or None in cache_keys or None in keys:
                continue  # an incomplete unit (a worker lost between its parts): computed again
            key = keys.pop().decode("utf-8")
            extras = {p: m for p, m in ((p, _pipeline_meta(metas[p], skip=_OWN_META)) for p in parts) if m}
            made = max((folder / f"{stem}.{p}.parquet").stat().st_mtime_ns for p in parts)
            out.append((key, cache_keys.pop().decode("utf-8"),
                        lambda p, _s=stem: pq.ParquetFile(folder / f"{_s}.{p}.parquet").read(), extras, made))
        return out

    def compact(self, asset: str, parts: Sequence[str], order: Sequence[str] = ()) -> tuple[int, int]:
        """Move the complete per-unit files of ``asset`` into chunks (``ChunkStore.compact``), then
        remove them; returns (chunks written, units compacted)."""
        loose = self.loose_units(asset, parts)
        written, keys = self.chunks(asset).compact(parts, loose, order)
        for key in keys:  # only now that the index points to their chunk
            for part in parts:
                self.path(asset, key, part).unlink(missing_ok=True)
        return written, len(keys)

    def forget(self, asset: str, keys: Iterable[str], parts: Sequence[str]) -> None:
        """Remove the stored results of ``keys`` (per-unit files and chunk rows)."""
        keys = list(keys)
        for key in keys:
            for part in parts:
                self.path(asset, key, part).unlink(missing_ok=True)
        self.chunks(asset).forget(keys, parts)

    def prune(self, asset: str, keep_keys: Iterable[str], parts: Sequence[str] = ()) -> int:
        """Delete the stored results of units that no longer exist; returns how many units' results went."""
        keep_keys = list(keep_keys)
        keep = {safe_name(k) for k in keep_keys}
        removed = set()
        folder = self.asset_dir(asset)
        for path in folder.glob("*.parquet") if folder.is_dir() else []:
            # safe names may contain dots; the stem is everything before ".<part>.parquet"
            stem = path.name[: -len(".parquet")].rsplit(".", 1)[0]
            if stem not in keep:
                path.unlink(missing_ok=True)
                removed.add(stem)
        dropped = self.chunks(asset).drop(keep_keys, parts)
        return len(removed | {safe_name(k) for k in dropped})

    # ---- the layout version of the work folder ---------------------------------
    def ensure_format(self, per_document_dirs: Iterable[str]) -> bool:
        """Make the work folder one of ``WORK_FORMAT``: in a folder of another layout (or of none
        recorded), the per-document results are removed (they are computed again; no reader of
        an old layout is kept). True when something was reset."""
        marker = self.root / FORMAT_FILE
        try:
            current = json.loads(marker.read_text(encoding="utf-8")).get("work_format")
        except (OSError, ValueError, AttributeError):
            current = None
        if current == WORK_FORMAT:
            return False
        folders = [self.root / d for d in per_document_dirs] + [self.root / CHUNKS_DIR, self.root / "extracted"]
        folders += list(self.root.glob("bundle.*")) if self.root.is_dir() else []
        reset = False
        for folder in folders:
            if folder.is_dir():
                shutil.rmtree(folder)
                reset = True
        atomic.write_json(marker, {"work_format": WORK_FORMAT})
        return reset

    # ---- partition manifests -------------------------------------------------
    def manifest_path(self, partition: str) -> Path:
        return self.root / "partitions" / f"{safe_name(partition)}.json"

    def write_manifest(self, partition: str, units: list[tuple[str, str | None]]) -> None:
        """Record the source units ``[(unit key, sha256)]`` of a partition."""
        atomic.write_json(self.manifest_path(partition), {"partition": partition, "units": [[k, h] for k, h in units]})

    def manifests(self) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
        """(partition, its units as last read) of every readable manifest, in file-name order."""
        for path in sorted((self.root / "partitions").glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                partition, units = data["partition"], [(k, h) for k, h in data["units"]]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            yield partition, units

    def prune_manifests(self, keep_partitions: Iterable[str]) -> list[Path]:
        folder = self.root / "partitions"
        if not folder.is_dir():
            return []
        keep = {f"{safe_name(k)}.json" for k in keep_partitions}
        removed = []
        for path in folder.glob("*.json"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    # ---- staged tables -------------------------------------------------------
    def table_path(self, name: str) -> Path:
        return self.root / TABLES_DIR / f"{name}.parquet"

    def write_table(self, name: str, table: pa.Table) -> Path:
        """Stage a table (atomically; uncompressed: it is read back at once, if at all)."""
        path = self.table_path(name)
        _write_atomic(table, path, compression="none")
        return path

    def read_table(self, name: str) -> pa.Table:
        return pq.read_table(self.table_path(name))


def _pipeline_meta(meta: dict[bytes, bytes], skip: Sequence[bytes] = ()) -> dict[str, str]:
    """The ``pipeline.*`` entries of a file's metadata, without the prefix."""
    return {
        k.decode()[len("pipeline."):]: v.decode("utf-8")
        for k, v in meta.items() if k.startswith(b"pipeline.") and k not in skip
    }


def _write_atomic(table: pa.Table, path: Path, compression: str = "snappy") -> None:
    with atomic.replacing(path) as tmp:
        pq.write_table(table, tmp, compression=compression)


# ---- records <-> Arrow --------------------------------------------------------

_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    date: pa.date32(),
}


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
        raise TypeError(f"unsupported union {hint!r}")
    return hint, False


def _arrow_type(hint: Any) -> pa.DataType:
    hint, _ = _unwrap_optional(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return pa.list_(_arrow_type(item))
    if dataclasses.is_dataclass(hint):
        return pa.struct(_fields(hint))
    raise TypeError(f"no Arrow type for {hint!r}")


def _fields(cls: type) -> list[pa.Field]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        _, nullable = _unwrap_optional(hints[f.name])
        out.append(pa.field(f.name, _arrow_type(hints[f.name]), nullable=True))
    return out


def record_schema(cls: type, extra: Sequence[pa.Field] = ()) -> pa.Schema:
    """The Arrow schema of a record dataclass (plus ``extra`` leading columns)."""
    return pa.schema([*extra, *_fields(cls)])


@functools.lru_cache(maxsize=None)
def _record_schema_once(cls: type) -> tuple[pa.Schema, bool]:
    """``record_schema(cls)``, built once per type, and whether every field is a scalar."""
    schema = record_schema(cls)
    return schema, not any(pa.types.is_nested(f.type) for f in schema)


def records_to_table(cls: type, records: Sequence[Any], extra: dict[str, list] | None = None,
                     columns: Sequence[str] | None = None) -> pa.Table:
    """Records of dataclass ``cls`` as an Arrow table; ``extra`` adds leading columns (e.g. doc_id),
    ``columns`` keeps only these fields, in this order. Records of scalar fields (most of them)
    are taken as they are; nested ones go through ``_plain``."""
    extra = extra or {}
    base, flat = _record_schema_once(cls)
    names = list(columns) if columns is not None else base.names
    schema = pa.schema([*(pa.field(name, pa.string()) for name in extra), *(base.field(n) for n in names)])
    data: dict[str, list] = {name: list(values) for name, values in extra.items()}
    for n in names:
        data[n] = [getattr(r, n) for r in records] if flat else [_plain(getattr(r, n)) for r in records]
    return pa.Table.from_pydict(data, schema=schema)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def table_to_records(cls: type[T], table: pa.Table) -> list[T]:
    """Rebuild records of dataclass ``cls`` from an Arrow table (extra columns are ignored).

    Fields absent from the table take their default. Scalar columns are passed
    through as they are; only nested ones (lists of dataclasses) are rebuilt.
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name in table.column_names]
    columns = []
    for n in names:
        values = table.column(n).to_pylist()
        builder = _builder(hints[n])
        if builder is not _identity:
            values = [builder(v) for v in values]
        columns.append(values)
    if not names:
        return [cls() for _ in range(table.num_rows)]
    if names == [f.name for f in dataclasses.fields(cls)]:
        return [cls(*row) for row in zip(*columns)]  # positional: the common, fast case
    return [cls(**dict(zip(names, row))) for row in zip(*columns)]


def _identity(v: Any) -> Any:
    return v


def _builder(hint: Any):
    hint, _ = _unwrap_optional(hint)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        inner = _builder(item)
        if inner is _identity:
            return _identity
        return lambda v: None if v is None else [inner(x) for x in v]
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        sub = {f.name: _builder(hints[f.name]) for f in dataclasses.fields(hint)}
        if all(b is _identity for b in sub.values()):
            order = list(sub)
            # struct values arrive as dicts in field order: pass them positionally when they match
            return lambda v: None if v is None else (
                hint(*v.values()) if list(v) == order else hint(**{k: x for k, x in v.items() if k in sub})
            )
        return lambda v: None if v is None else hint(**{k: sub[k](x) for k, x in v.items() if k in sub})
    return _identity
