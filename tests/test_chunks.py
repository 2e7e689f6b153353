"""Per-batch chunks of the per-unit results (``pipeline.chunks`` through ``pipeline.workdir.Workdir``):
many units in few files, a newer per-unit file supersedes its chunk row, removed units leave, a
half-written chunk is never read, and an incremental build recomputes exactly the changed units."""

from __future__ import annotations

import json
import time

import pyarrow as pa
import pytest

from pipeline import chunks
from pipeline.workdir import WORK_FORMAT, Workdir

STAGE = "document_extractions"
PARTS = ("mentions", "errors")


def _unit_table(key: str, n: int, tag: str = "") -> pa.Table:
    return pa.table({"doc_id": pa.array([f"{key}{tag}"] * n, pa.string()), "n": pa.array(range(n), pa.int64())})


def _write_units(wd: Workdir, keys, ck="fp1", tag=""):
    for i, key in enumerate(keys):
        for part in PARTS:
            wd.write(STAGE, key, part, _unit_table(key, i % 3, tag), ck, extra={"documents": 1})


def _work_files(wd: Workdir) -> list[str]:
    return sorted(str(p.relative_to(wd.root)) for p in wd.root.rglob("*") if p.is_file())


KEYS = [f"feed.jsonl#n{i}" for i in range(25)]


@pytest.mark.parametrize("units, per_chunk, chunk_files", [
    (25, 10, 3 * len(PARTS)),  # 25 units in batches of 10: 3 chunks
    (25, 100, 1 * len(PARTS)),  # all in one
    (1, 10, 1 * len(PARTS)),
    (0, 10, 0),  # nothing to compact: no chunk, no index
])
def test_many_units_make_few_files(tmp_path, monkeypatch, units, per_chunk, chunk_files):
    monkeypatch.setattr(chunks, "CHUNK_UNITS", per_chunk)
    wd = Workdir(tmp_path)
    keys = KEYS[:units]
    _write_units(wd, keys)
    assert len(list(wd.asset_dir(STAGE).glob("*.parquet"))) == units * len(PARTS)
    written, compacted = wd.compact(STAGE, PARTS, keys)
    assert (written, compacted) == (chunk_files // len(PARTS), units)
    assert list(wd.asset_dir(STAGE).glob("*.parquet")) == []  # the per-unit files are gone
    store = wd.chunks(STAGE)
    assert len(store.files()) == chunk_files + len(store.index_files())
    assert len(store.index_files()) == len({chunks.shard_of(k) for k in keys})  # the shards holding a unit
    for i, key in enumerate(keys):  # every unit reads back as written
        assert wd.read(STAGE, key, "mentions").equals(_unit_table(key, i % 3))
        assert wd.cache_key(STAGE, key, "errors") == "fp1"
        assert wd.metadata(STAGE, key, "mentions") == {"documents": "1"}
    assert not wd.has(STAGE, "feed.jsonl#other", "mentions")
    assert wd.cache_key(STAGE, "feed.jsonl#other", "mentions") is None
    # the fan-in's read: the units in the order asked, whatever the chunks hold
    order = list(reversed(keys))
    expected = [_unit_table(k, keys.index(k) % 3) for k in order]
    got = wd.read_units(STAGE, "mentions", order)
    assert (got is None) == (units == 0)
    if got is not None:
        assert got.equals(pa.concat_tables(expected))


def test_a_new_unit_file_supersedes_its_chunk_row(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 10)
    wd = Workdir(tmp_path)
    _write_units(wd, KEYS)
    wd.compact(STAGE, PARTS, KEYS)
    changed = KEYS[4]
    wd.write(STAGE, changed, "mentions", _unit_table(changed, 5, "-new"), "fp2")
    wd.write(STAGE, changed, "errors", _unit_table(changed, 0, "-new"), "fp2")
    # before the next compaction: the per-unit file wins, the other units are their chunk rows
    for when in ("loose", "compacted"):
        assert wd.cache_key(STAGE, changed, "mentions") == "fp2", when
        assert wd.is_current(STAGE, changed, PARTS, "fp2") and not wd.is_current(STAGE, changed, PARTS, "fp1")
        assert wd.read(STAGE, changed, "mentions").num_rows == 5
        got = wd.read_units(STAGE, "mentions", KEYS)
        assert got.column("doc_id").to_pylist().count(f"{changed}-new") == 5
        assert f"{changed}" not in got.column("doc_id").to_pylist()
        assert got.num_rows == sum(i % 3 for i in range(25)) - 4 % 3 + 5
        wd.compact(STAGE, PARTS, KEYS)
    assert list(wd.asset_dir(STAGE).glob("*.parquet")) == []
    assert wd.chunks(STAGE).entry(changed).cache_key == "fp2"
    # no chunk file is left that no unit points to
    live_chunks = {e.chunk for e in wd.chunks(STAGE).entries().values()}
    on_disk = {p.name.split(".", 1)[0] for p in wd.chunks(STAGE).files() if p.parent.name != chunks.INDEX_DIR}
    assert on_disk == live_chunks


def test_removed_units_leave_the_index_and_empty_chunks_go(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 10)
    wd = Workdir(tmp_path)
    _write_units(wd, KEYS)
    wd.compact(STAGE, PARTS, KEYS)
    first_chunk = wd.chunks(STAGE).entry(KEYS[0]).chunk
    keep = KEYS[10:]  # the whole first chunk's units are removed
    assert wd.prune(STAGE, keep, PARTS) == 10
    assert not wd.has(STAGE, KEYS[0], "mentions") and wd.has(STAGE, KEYS[10], "mentions")
    assert not wd.chunks(STAGE).chunk_path(first_chunk, "mentions").exists()
    got = wd.read_units(STAGE, "mentions", KEYS)
    assert set(got.column("doc_id").to_pylist()) == {k for i, k in enumerate(KEYS) if i >= 10 and i % 3}
    assert wd.prune(STAGE, keep, PARTS) == 0  # nothing more to remove
    # a removed unit that still had a per-unit file goes too
    _write_units(wd, ["gone.txt"])
    assert wd.prune(STAGE, keep, PARTS) == 1 and not wd.has(STAGE, "gone.txt", "errors")


def test_a_half_written_chunk_is_never_read(tmp_path, monkeypatch):
    """A crash while chunks are written (before the index points to them) loses nothing: the
    per-unit files still serve the units, and the next compaction deletes the orphans."""
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 10)
    wd = Workdir(tmp_path)
    _write_units(wd, KEYS[:10])
    wd.compact(STAGE, PARTS, KEYS)
    _write_units(wd, KEYS[10:], ck="fp2")
    before = {k: wd.read(STAGE, k, "mentions") for k in KEYS}

    def crash(*_a, **_k):
        raise KeyboardInterrupt("killed while compacting")

    monkeypatch.setattr(chunks.ChunkStore, "_write_index", crash)
    with pytest.raises(KeyboardInterrupt):
        wd.compact(STAGE, PARTS, KEYS)
    monkeypatch.undo()
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 10)
    store = wd.chunks(STAGE)
    # a torn temporary file and a chunk no index row names (garbage inside) lie around
    (store.folder / ".deadbeef-1-0.mentions.arrow.123.tmp").write_bytes(b"half")
    (store.folder / "deadbeef-1-0.mentions.arrow").write_bytes(b"not arrow at all")
    orphans = [p for p in store.files() if p.name.split(".", 1)[0] not in {e.chunk for e in store.entries().values()}
               and p.parent.name != chunks.INDEX_DIR]
    assert len(orphans) >= 3  # the torn files and the chunks written before the crash
    for k in KEYS:  # every unit still reads as before: the index never named the new chunks
        assert wd.read(STAGE, k, "mentions").equals(before[k])
        assert wd.cache_key(STAGE, k, "mentions") == ("fp1" if k in KEYS[:10] else "fp2")
    assert len(list(wd.asset_dir(STAGE).glob("*.parquet"))) == 15 * len(PARTS)
    wd.compact(STAGE, PARTS, KEYS)
    assert not any(p.exists() for p in orphans)
    assert list(wd.asset_dir(STAGE).glob("*.parquet")) == []
    assert all(wd.read(STAGE, k, "mentions").equals(before[k].replace_schema_metadata(None)) for k in KEYS)


def test_a_compaction_rewrites_only_the_shards_it_touches(tmp_path, monkeypatch):
    """One unit computed again: its shard is rewritten, every other shard stays the same file."""
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 10)
    wd = Workdir(tmp_path)
    _write_units(wd, KEYS)
    wd.compact(STAGE, PARTS, KEYS)
    store = wd.chunks(STAGE)
    before = {p: chunks.file_identity(p) for p in store.index_files()}
    changed = KEYS[7]
    _write_units(wd, [changed], ck="fp2")
    wd.compact(STAGE, PARTS, KEYS)
    after = {p: chunks.file_identity(p) for p in store.index_files()}
    rewritten = {p for p in after if before.get(p) != after[p]}
    assert rewritten == {store.shard_path(chunks.shard_of(changed))}
    assert store.entry(changed).cache_key == "fp2" and store.entries()[changed].cache_key == "fp2"
    assert all(store.entry(k).cache_key == "fp1" for k in KEYS if k != changed)
    assert sorted(store.entries()) == sorted(KEYS)
    # removing one unit rewrites (or removes) its shard alone
    before = after
    wd.prune(STAGE, [k for k in KEYS if k != changed], PARTS)
    after = {p: chunks.file_identity(p) for p in store.index_files()}
    assert {p for p in before if before[p] != after.get(p)} == {store.shard_path(chunks.shard_of(changed))}
    assert store.entry(changed) is None and changed not in store.entries()


def test_a_half_written_shard_is_never_read(tmp_path, monkeypatch):
    """A crash while the index shards are written: the shards written before it are whole, the one being
    written is a temporary that is never read, every unit reads as before, and the next compaction
    finishes the job (deleting the temporary and the chunks no shard names)."""
    monkeypatch.setattr(chunks, "CHUNK_UNITS", 100)
    wd = Workdir(tmp_path)
    _write_units(wd, KEYS[:12])
    wd.compact(STAGE, PARTS, KEYS)
    _write_units(wd, KEYS, ck="fp2", tag="-new")
    before = {k: wd.read(STAGE, k, "mentions") for k in KEYS}
    store = wd.chunks(STAGE)
    shards_before = {p: p.read_bytes() for p in store.index_files()}
    real_write, written = chunks.write_ipc_atomic, []

    def torn(table, path):
        if path.parent == store.index_dir and len(written) == 2:  # the third shard: killed half-way
            tmp = path.with_name(f".{path.name}.999999.tmp")
            tmp.write_bytes(b"ARROW1 half a shard")
            raise KeyboardInterrupt("killed while writing the index")
        real_write(table, path)
        if path.parent == store.index_dir:
            written.append(path)

    monkeypatch.setattr(chunks, "write_ipc_atomic", torn)
    with pytest.raises(KeyboardInterrupt):
        wd.compact(STAGE, PARTS, KEYS)
    monkeypatch.setattr(chunks, "write_ipc_atomic", real_write)
    assert len(written) == 2 and list(store.index_dir.glob(".*.tmp"))
    for p, data in shards_before.items():  # a shard is the old file or a whole new one
        if p not in written:
            assert p.read_bytes() == data
    for k in KEYS:  # the per-unit files still supersede every chunk row
        assert wd.read(STAGE, k, "mentions").equals(before[k])
        assert wd.cache_key(STAGE, k, "mentions") == "fp2"
    assert set(store.entries()) <= set(KEYS)
    wd.compact(STAGE, PARTS, KEYS)
    assert not list(store.index_dir.glob(".*")) and list(wd.asset_dir(STAGE).glob("*.parquet")) == []
    assert sorted(store.entries()) == sorted(KEYS)
    assert {p.name.split(".", 1)[0] for p in store.files() if p.parent.name != chunks.INDEX_DIR} == \
        {e.chunk for e in store.entries().values()}
    for k in KEYS:
        assert wd.read(STAGE, k, "mentions").equals(before[k].replace_schema_metadata(None))
        assert wd.cache_key(STAGE, k, "mentions") == "fp2"


def test_an_incomplete_unit_is_not_compacted(tmp_path):
    """A unit whose parts disagree (a worker lost between two parts) stays per-unit: computed again."""
    wd = Workdir(tmp_path)
    _write_units(wd, ["a.txt", "b.txt"])
    wd.write(STAGE, "b.txt", "errors", _unit_table("b.txt", 0), "ck-other")
    assert wd.compact(STAGE, PARTS, ["a.txt", "b.txt"]) == (1, 1)
    assert wd.chunks(STAGE).entry("a.txt") is not None and wd.chunks(STAGE).entry("b.txt") is None
    assert not wd.is_current(STAGE, "b.txt", PARTS, "fp1")


def test_an_old_work_folder_is_reset(tmp_path):
    wd = Workdir(tmp_path)
    old = [wd.root / "document_extractions" / "a.txt-0123456789.mentions.parquet",
           wd.root / "bundle.document_extractions" / "feed.jsonl-0123456789.mentions.parquet",
           wd.root / "extracted" / "feed.jsonl-0123456789.json"]
    for p in old:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"old")
    (wd.root / "sources.json").write_text('{"units": []}', encoding="utf-8")
    assert wd.ensure_format(["document_extractions"]) is True
    assert not any(p.exists() for p in old) and (wd.root / "sources.json").exists()
    assert json.loads((wd.root / "format.json").read_text())["work_format"] == WORK_FORMAT
    assert wd.ensure_format(["document_extractions"]) is False  # current: nothing touched


def test_a_format_3_folder_is_reset(tmp_path):
    """Format 3 stored the per-unit hash as ``pipeline.fingerprint``: such results are computed again."""
    wd = Workdir(tmp_path)
    (wd.root / "chunks" / STAGE).mkdir(parents=True)
    (wd.root / "chunks" / STAGE / "index.arrow").write_bytes(b"old")
    (wd.root / "format.json").write_text('{"work_format": 3}', encoding="utf-8")
    assert wd.ensure_format([STAGE]) is True
    assert not (wd.root / "chunks").exists()


def test_incremental_build_recomputes_exactly_the_changed_units(tmp_path, monkeypatch):
    """One record changed, one added, one removed: two units computed; the tables follow; the work
    folder holds a few chunk files, not one file per unit and part."""
    from pipeline.engine import dataset, stages
    from pipeline.engine.build import build_sources

    monkeypatch.setattr(chunks, "CHUNK_UNITS", 4)
    raw = tmp_path / "raw"
    raw.mkdir()
    texts = [f"第{i}条：马云在杭州创办了阿里巴巴，{2000 + i}年营收增长了{i}%。" for i in range(8)]

    def feed(records):
        lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in records]
        (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    feed([(f"n{i}", t) for i, t in enumerate(texts)])
    out = tmp_path / "out"
    quiet = {"workers": 1, "log": lambda _m: None}
    assert build_sources(raw, out, **quiet).processed == 8
    wd = Workdir(out)
    per_unit = sum(len(stages.PARTS[s]) for s in stages.STAGES)  # 7 files per unit before
    per_document_files = [p for s in stages.STAGES for p in (wd.root / s).glob("*")] + \
        [p for s in stages.STAGES for p in wd.chunks(s).files()]
    shards = len({chunks.shard_of(f"feed.jsonl#n{i}") for i in range(8)})
    assert len(per_document_files) == 2 * per_unit + shards * len(stages.STAGES)  # 2 chunks of 4 units + index shards
    first = dataset.build_dataset(out, log=lambda _m: None)
    assert first["documents"].num_rows == 8
    assert build_sources(raw, out, **quiet).processed == 0

    changed = [(f"n{i}", t) for i, t in enumerate(texts) if i != 2]  # n2 removed
    changed[0] = ("n0", "第0条：马化腾在深圳创办了腾讯公司。")  # n0 changed
    changed.append(("n9", "第9条：雷军在北京创办了小米公司。"))  # n9 added
    feed(changed)
    since = time.time_ns()
    outcome = build_sources(raw, out, **quiet)
    assert outcome.processed == 2
    for s in stages.STAGES:  # the index tells when each unit's results were computed
        made = {k for k, e in wd.chunks(s).entries().items() if e.made >= since}
        assert made == {"feed.jsonl#n0", "feed.jsonl#n9"}, s
    built = dataset.build_dataset(out, log=lambda _m: None)
    assert built["documents"].num_rows == 8
    assert "腾讯" in "".join(built["mentions"].column("text").to_pylist())
    removed_key = "feed.jsonl#n2"
    for s in stages.STAGES:
        assert wd.chunks(s).entry(removed_key) is None
        assert list((wd.root / s).glob("*.parquet")) == []
    assert build_sources(raw, out, **quiet).processed == 0
    # the same tables as a fresh build of the changed folder
    fresh = tmp_path / "fresh"
    build_sources(raw, fresh, **quiet)
    again = dataset.build_dataset(fresh, log=lambda _m: None)
    for name in ("documents", "mentions", "metrics", "relations"):
        assert built[name].equals(again[name]), name
