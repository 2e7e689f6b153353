"""``python -m tooling.bench.index_shards N``: one unit updated in a synthetic chunk index of N units.

The whole index in one file (as before the shards) against 32 shards (``pipeline.chunks.INDEX_SHARDS``):
the update's time and the bytes it rewrites, loading every row, one cold lookup (BENCHMARKS.md,
branch house). Measures the index alone: no chunk files are written.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pipeline import chunks

PARTS = ("mentions", "facts", "relations", "errors")


def _entries(n: int) -> dict[str, chunks.Entry]:
    return {f"xwlb.jsonl#{i:09d}": chunks.Entry("%032x" % i, f"c{i // 1000}", {p: (i % 1000, 3) for p in PARTS}, {}, 1)
            for i in range(n)}


def _forget_cache() -> None:
    chunks._INDEXES.clear()
    chunks._MERGED.clear()


def measure(n: int, shards: int) -> str:
    """One line of figures for an index of ``n`` units in ``shards`` files."""
    chunks.INDEX_SHARDS, chunks.INDEX_DIR = shards, f"index-{shards}"
    _forget_cache()
    with tempfile.TemporaryDirectory() as folder:
        store = chunks.ChunkStore(Path(folder))
        store._write_index(_entries(n), PARTS)
        _forget_cache()
        t = time.perf_counter()
        rows = len(store.entries())
        load = time.perf_counter() - t
        _forget_cache()
        t = time.perf_counter()
        store.entry("xwlb.jsonl#000000007")
        lookup = time.perf_counter() - t
        before = {p: chunks.file_identity(p) for p in store.index_files()}
        t = time.perf_counter()
        store._write_index({"xwlb.jsonl#000000005": chunks.Entry("f" * 32, "new", {p: (0, 1) for p in PARTS})}, PARTS)
        update = time.perf_counter() - t
        after = store.index_files()
        rewritten = sum(p.stat().st_size for p in after if before.get(p) != chunks.file_identity(p))
        total = sum(p.stat().st_size for p in after)
    return (f"N={n:,} shards={shards}: one-unit update {update:.3f} s, {rewritten / 1e6:.2f} MB rewritten of "
            f"{total / 1e6:.2f} MB; load all {load:.2f} s ({rows:,} rows); one lookup, cold {lookup * 1000:.0f} ms")


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 200_000
    for shards in (1, 32):
        print(measure(n, shards))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
