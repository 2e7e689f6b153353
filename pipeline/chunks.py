"""Per-batch chunk files: many source units' stored results in a few files.

A worker writes each unit's results as small per-unit files (``Workdir.write``,
atomically), so a lost worker's unit is simply run again and an incremental
build recomputes only the changed units. At 10^10 characters those would be
tens of millions of files, so once a build's per-document work is done its
completed unit files are *compacted* (:meth:`ChunkStore.compact`) into chunk
files, and the per-unit files are removed:

* ``work/chunks/<stage>/<chunk>.<part>.arrow``: one Arrow IPC file per (batch,
  part), the units' rows one unit after the other (up to ``CHUNK_UNITS`` units);
* ``work/chunks/<stage>/index-32/<shard>.arrow``: the index, split by a hash of
  the unit key (``shard_of``: CRC-32 modulo ``INDEX_SHARDS``) into 32 files, one
  row per unit: its key, the cache key of its results, its chunk, and per part the
  offset and number of its rows in that chunk (and the per-part metadata, e.g.
  document counts). A unit's row is looked up in its shard alone (``entry``); the
  fan-in reads the union of the shards (``entries``).

A per-unit file, when there is one, supersedes the unit's chunk row (it is newer:
the unit was computed again since); the next compaction moves it into a new chunk
and points the index there. A unit that is removed (``drop``) leaves the index;
a chunk no row of the index points to is deleted, and chunks that hold fewer than
half of ``CHUNK_UNITS`` live units are packed together again. A compaction (or a
removal) rewrites only the shards of the units it moved (or removed): an
incremental build of one unit rewrites one shard per stage, not an index of
every unit.

Crash safety: chunk files and index shards are written to a temporary name
(``pipeline.atomic``) and renamed into place, and a temporary is never read; a
chunk is referenced only by shards written after it, chunks are deleted only
after every shard is written, and the per-unit files are removed only after that.
A crash between two shards leaves each shard whole, its rows pointing to the old
chunk or the new one, both present, and the per-unit files still supersede them.
A half-written or orphaned chunk or shard is therefore never read, and is deleted
by the next compaction.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from pipeline import atomic

CHUNKS_DIR = "chunks"
# The index is split by key hash into INDEX_SHARDS files, so that a compaction rewrites only the
# shards of the units it moved. Fixed: the folder's name carries it (another count is another index).
INDEX_SHARDS = 32
INDEX_DIR = f"index-{INDEX_SHARDS}"
_SHARD_NAME = re.compile(r"^(\d{3})\.arrow$")
CHUNK_UNITS = int(os.environ.get("PIPELINE_CHUNK_UNITS", "") or 1000)  # units per chunk (at most)
COMPRESSION = "lz4"  # Arrow IPC buffer compression (fast to decode)


@dataclass
class Entry:
    """Where one unit's results of one stage are: its chunk and, per part, (offset, rows)."""

    cache_key: str
    chunk: str
    spans: dict[str, tuple[int, int]]
    meta: dict[str, dict[str, str]] = field(default_factory=dict)  # part -> pipeline.* metadata
    made: int = 0  # when the unit's results were computed (ns since the epoch; kept when repacked)


def write_ipc_atomic(table: pa.Table, path: Path) -> None:
    """``table`` as one Arrow IPC file at ``path``, written to a temporary name and renamed."""
    options = ipc.IpcWriteOptions(compression=COMPRESSION)
    with atomic.replacing(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, \
            ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)


def read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path), "r") as source:
        return ipc.open_file(source).read_all()


# the chunk tables this process read last (a worker reading several units of one chunk
# decodes it once); keyed by path and file identity, so a rewritten file is read afresh
_RECENT: dict[tuple, pa.Table] = {}
_RECENT_MAX = 4
# the loaded index shards, by path and file identity; their union per index folder, by the shards' identities
_INDEXES: dict[Path, tuple[tuple, dict[str, Entry]]] = {}
_MERGED: dict[Path, tuple[tuple, dict[str, Entry]]] = {}


def file_identity(path: str | os.PathLike) -> tuple[int, int, int, int]:
    """(device, inode, size, modification time in ns) of a file; raises FileNotFoundError.

    Files of the work folder and of a release are only ever written whole and renamed into
    place, so the identity changes whenever the content may have: one ``stat`` tells whether
    a remembered result (a read table, an index, a hash) still belongs to the file.
    """
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def shard_of(key: str) -> int:
    """The index shard of a unit key (a stable hash: the same in every process and run)."""
    return zlib.crc32(key.encode("utf-8")) % INDEX_SHARDS


class ChunkStore:
    """The chunk files and index shards of one stage (``work/chunks/<stage>/``)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.index_dir = self.folder / INDEX_DIR

    # ---- the index: INDEX_SHARDS files, a unit's row in the shard of its key ----------
    def shard_path(self, shard: int) -> Path:
        return self.index_dir / f"{shard:03d}.arrow"

    def _load(self, shard: int) -> tuple[tuple | None, dict[str, Entry]]:
        """(file identity, unit key -> Entry) of one shard ((None, {}) when absent); cached while unchanged."""
        path = self.shard_path(shard)
        try:
            ident = file_identity(path)
        except FileNotFoundError:
            _INDEXES.pop(path, None)
            return None, {}
        known = _INDEXES.get(path)
        if known is not None and known[0] == ident:
            return known
        entries = _entries_from_table(read_ipc(path))
        _INDEXES[path] = (ident, entries)
        return ident, entries

    def _shard(self, shard: int) -> dict[str, Entry]:
        return self._load(shard)[1]

    def _shards_on_disk(self) -> list[int]:
        """The shards that exist (a temporary, ``.<name>.<pid>.tmp``, is not one: never read)."""
        try:
            names = [e.name for e in os.scandir(self.index_dir)]
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for m in map(_SHARD_NAME.match, names) if m and int(m.group(1)) < INDEX_SHARDS)

    def entries(self) -> dict[str, Entry]:
        """unit key -> Entry over every shard (empty when nothing was compacted yet); cached while
        no shard changed."""
        loaded = [(i, *self._load(i)) for i in self._shards_on_disk()]
        ident = tuple((i, f) for i, f, _ in loaded if f is not None)
        known = _MERGED.get(self.index_dir)
        if known is not None and known[0] == ident:
            return known[1]
        merged: dict[str, Entry] = {}
        for _, _, rows in loaded:
            merged.update(rows)
        _MERGED[self.index_dir] = (ident, merged)
        return merged

    def entry(self, key: str) -> Entry | None:
        """The unit's row: one shard read (or none, when cached)."""
        return self._shard(shard_of(key)).get(key)

    def _write_index(self, changes: dict[str, Entry | None], parts: Sequence[str]) -> None:
        """Apply ``changes`` (key -> its new row, or None: the unit leaves) to the shards of those keys,
        and rewrite only these shards (each atomically; an emptied shard is removed)."""
        by_shard: dict[int, dict[str, Entry | None]] = {}
        for key, e in changes.items():
            by_shard.setdefault(shard_of(key), {})[key] = e
        for shard, shard_changes in sorted(by_shard.items()):
            rows = dict(self._shard(shard))
            for key, e in shard_changes.items():
                if e is None:
                    rows.pop(key, None)
                else:
                    rows[key] = e
            path = self.shard_path(shard)
            if rows:
                write_ipc_atomic(_entries_to_table(rows, parts), path)
                _INDEXES[path] = (file_identity(path), rows)
            else:
                path.unlink(missing_ok=True)
                _INDEXES.pop(path, None)

    # ---- reading -------------------------------------------------------------
    def chunk_path(self, chunk: str, part: str) -> Path:
        return self.folder / f"{chunk}.{part}.arrow"

    def _chunk_table(self, chunk: str, part: str) -> pa.Table:
        path = self.chunk_path(chunk, part)
        cache_key = (path, file_identity(path))
        table = _RECENT.get(cache_key)
        if table is None:
            table = read_ipc(path)
            if len(_RECENT) >= _RECENT_MAX:
                _RECENT.pop(next(iter(_RECENT)))
            _RECENT[cache_key] = table
        return table

    def read_unit(self, key: str, part: str) -> pa.Table | None:
        """One unit's rows of one part (None when the unit has no chunk row for it)."""
        e = self.entry(key)
        if e is None or part not in e.spans:
            return None
        offset, rows = e.spans[part]
        return self._chunk_table(e.chunk, part).slice(offset, rows)

    def read_units(self, part: str, keys: Sequence[str]) -> pa.Table | None:
        """The rows of ``keys`` (those that have a chunk row), one unit after the other in the order given."""
        entries = self.entries()
        wanted = [(k, entries[k]) for k in keys if k in entries and part in entries[k].spans]
        if not wanted:
            return None
        chunks = list(dict.fromkeys(e.chunk for _, e in wanted))
        bases, tables, base = {}, [], 0
        for c in chunks:
            t = read_ipc(self.chunk_path(c, part))  # whole chunks: not kept in the small cache
            bases[c] = base
            base += t.num_rows
            tables.append(t)
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        rows = [np.arange(bases[e.chunk] + e.spans[part][0], bases[e.chunk] + sum(e.spans[part]), dtype=np.int64)
                for _, e in wanted]
        take = np.concatenate(rows) if rows else np.empty(0, np.int64)
        if len(take) == table.num_rows and np.array_equal(take, np.arange(table.num_rows)):
            return table  # the chunks hold exactly these units, in this order
        return table.take(pa.array(take))

    # ---- writing -------------------------------------------------------------
    def compact(self, parts: Sequence[str], loose: Iterable[tuple[str, str, Callable[[str], pa.Table], dict, int]],
                order: Sequence[str] = ()) -> tuple[int, list[str]]:
        """Pack the per-unit results ``loose`` (key, cache key, part -> table, part -> metadata, when made) and the
        live units of under-full chunks into new chunks; returns (chunks written, keys compacted from ``loose``).

        ``order``: the unit keys in the order the fan-in reads them (the chunks follow it). Only the
        index shards of the units moved are rewritten.
        """
        entries = self.entries()
        loose = list(loose)
        loose_keys = {k for k, *_ in loose}
        live: dict[str, list[str]] = {}
        for k, e in entries.items():
            live.setdefault(e.chunk, []).append(k)
        underfull = [c for c, ks in live.items() if len(ks) - len(loose_keys.intersection(ks)) < CHUNK_UNITS / 2]
        if not loose and len(underfull) <= 1:
            self._delete_unreferenced()
            return 0, []
        repack = [(k, entries[k]) for c in underfull for k in live[c] if k not in loose_keys]
        rank = {k: i for i, k in enumerate(order)}
        items: list[tuple[str, object]] = [*repack, *((k, rest) for k, *rest in loose)]
        items.sort(key=lambda item: (rank.get(item[0], len(rank)), item[0]))
        written = 0
        moved: dict[str, Entry | None] = {}
        for start in range(0, len(items), CHUNK_UNITS):
            moved.update(self._write_chunk(f"{time.time_ns():x}-{os.getpid()}-{written}",
                                           items[start:start + CHUNK_UNITS], parts))
            written += 1
        self._write_index(moved, parts)
        self._delete_unreferenced()
        return written, [k for k, *_ in loose]

    def _write_chunk(self, chunk: str, batch: list[tuple[str, object]], parts: Sequence[str]) -> dict[str, Entry]:
        """One chunk file per part holding ``batch`` (chunk rows or loose units), one unit after the other;
        the units' new rows."""
        new: dict[str, Entry] = {}
        for part in parts:
            tables, offset = [], 0
            for k, item in batch:
                if isinstance(item, Entry):
                    t = self.read_unit(k, part)
                    ck, meta, made = item.cache_key, item.meta, item.made
                else:
                    ck, get, meta, made = item
                    t = get(part)
                t = t.replace_schema_metadata(None)
                tables.append(t)
                e = new.setdefault(k, Entry(ck, chunk, {}, dict(meta), made))
                e.spans[part] = (offset, t.num_rows)
                offset += t.num_rows
            table = pa.concat_tables(tables, promote_options="default").unify_dictionaries().combine_chunks()
            write_ipc_atomic(table, self.chunk_path(chunk, part))
        return new

    def drop(self, keep_keys: Iterable[str], parts: Sequence[str]) -> list[str]:
        """Remove the units not in ``keep_keys`` from the index (and the chunks left without a unit)."""
        entries = self.entries()
        if not entries:
            return []
        keep = set(keep_keys)
        removed = [k for k in entries if k not in keep]
        if removed:
            self._write_index(dict.fromkeys(removed), parts)
            self._delete_unreferenced()
        return removed

    def forget(self, keys: Iterable[str], parts: Sequence[str]) -> None:
        """Remove ``keys`` from the index (their results are computed again)."""
        gone = [k for k in set(keys) if self.entry(k) is not None]
        if gone:
            self._write_index(dict.fromkeys(gone), parts)
            self._delete_unreferenced()

    def _delete_unreferenced(self) -> None:
        """Delete the chunk files no index row points to (superseded, emptied, or orphaned by a crash),
        temporaries, and index folders of another shard count."""
        if not self.folder.is_dir():
            return
        used = {e.chunk for e in self.entries().values()}
        for path in self.folder.iterdir():
            if path.is_dir():
                if path.name != INDEX_DIR:
                    shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".") or path.name.split(".", 1)[0] not in used:
                path.unlink(missing_ok=True)
        for path in self.index_dir.glob(".*") if self.index_dir.is_dir() else []:
            path.unlink(missing_ok=True)  # a shard half-written by a killed process

    def files(self) -> list[Path]:
        """Every chunk and index file of the stage."""
        return sorted(p for p in self.folder.rglob("*") if p.is_file()) if self.folder.is_dir() else []

    def index_files(self) -> list[Path]:
        return [self.shard_path(i) for i in self._shards_on_disk()]


def _entries_to_table(entries: dict[str, Entry], parts: Sequence[str]) -> pa.Table:
    keys = list(entries)
    columns = {
        "key": pa.array(keys, pa.string()),
        "cache_key": pa.array([entries[k].cache_key for k in keys], pa.string()),
        "chunk": pa.array([entries[k].chunk for k in keys], pa.string()),
        "meta": pa.array([json.dumps(entries[k].meta, ensure_ascii=False) if entries[k].meta else None
                          for k in keys], pa.string()),
        "made": pa.array([entries[k].made for k in keys], pa.int64()),
    }
    for part in parts:
        spans = [entries[k].spans.get(part) for k in keys]
        columns[f"{part}.offset"] = pa.array([s[0] if s else None for s in spans], pa.int64())
        columns[f"{part}.rows"] = pa.array([s[1] if s else None for s in spans], pa.int64())
    return pa.table(columns)


def _entries_from_table(table: pa.Table) -> dict[str, Entry]:
    parts = [n[: -len(".offset")] for n in table.column_names if n.endswith(".offset")]
    cols = {n: table.column(n).to_pylist() for n in table.column_names}
    out = {}
    for i, key in enumerate(cols["key"]):
        spans = {p: (cols[f"{p}.offset"][i], cols[f"{p}.rows"][i]) for p in parts
                 if cols[f"{p}.offset"][i] is not None}
        meta = json.loads(cols["meta"][i]) if cols["meta"][i] else {}
        out[key] = Entry(cols["cache_key"][i], cols["chunk"][i], spans, meta, cols["made"][i])
    return out
