"""The fan-in in batches (issue 18): the same tables whatever the batch sizes.

The fan-in turns texts and per-document counts into Python values a batch at a time
(``tables.TEXT_BATCH``, ``RELATION_BATCH``, ``FACT_BATCH``, ``resolve.PER_DOCUMENT_BATCH``) and
checks offsets a batch of documents at a time (``validate.OFFSET_BATCH_CHARS``). With
every batch made tiny (one or two documents), the staged tables must be byte for byte
those of one batch, on the sample corpus and on a few hundred ``xwlb.jsonl`` records.
The helpers are checked on their own, with positive and negative cases.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

from pipeline import tables as tables_module
from pipeline.engine import dataset
from pipeline.engine.build import build_sources
from pipeline.nlp import resolve
from pipeline.publish import validate
from tests.sample_corpus import synthetic_records, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
TINY = {  # (module, constant, value): every batch one or two documents / rows
    "text": (tables_module, "TEXT_BATCH", 1),
    "relations": (tables_module, "RELATION_BATCH", 2),
    "facts": (tables_module, "FACT_BATCH", 2),
    "per_document": (resolve, "PER_DOCUMENT_BATCH", 3),
    "offsets": (validate, "OFFSET_BATCH_CHARS", 1),
}
HUGE = {name: (module, constant, 10**12) for name, (module, constant, _) in TINY.items()}


def _xwlb() -> Path | None:
    for cand in (os.environ.get("PIPELINE_TEST_CORPUS"), ROOT.parent / "shared" / "corpus" / "xwlb.jsonl",
                 ROOT.parents[1] / "shared" / "corpus" / "xwlb.jsonl"):
        if cand and Path(cand).is_file():
            return Path(cand)
    return None


def _staged_bytes(out: Path) -> dict[str, bytes]:
    from pipeline.workdir import Workdir

    wd = Workdir(out)
    return {name: wd.table_path(name).read_bytes() for name in dataset.TABLE_NAMES}


def _fan_in(out: Path, monkeypatch, sizes: dict) -> tuple[dict[str, bytes], dict[str, int]]:
    with monkeypatch.context() as m:
        for module, constant, value in sizes.values():
            m.setattr(module, constant, value)
        built = dataset.build_dataset(out, log=lambda _m: None)
    return _staged_bytes(out), {name: t.num_rows for name, t in built.items()}


def _assert_same_in_any_batches(raw: Path, out: Path, monkeypatch) -> dict[str, int]:
    build_sources(raw, out, workers=1, log=lambda _m: None)
    one_batch, rows = _fan_in(out, monkeypatch, HUGE)
    tiny, rows_tiny = _fan_in(out, monkeypatch, TINY)
    assert rows_tiny == rows
    assert [n for n in dataset.TABLE_NAMES if tiny[n] != one_batch[n]] == []
    return rows


def test_sample_corpus_same_tables_in_tiny_batches(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_jsonl(raw / "feed.jsonl", synthetic_records(12))
    (raw / "hangzhou_deepseek.txt").write_bytes((ROOT / "raw" / "hangzhou_deepseek.txt").read_bytes())
    rows = _assert_same_in_any_batches(raw, tmp_path / "out", monkeypatch)
    assert rows["documents"] == 13 and rows["mentions"] > 100 and rows["relations"] > 0


def test_xwlb_records_same_tables_in_tiny_batches(tmp_path, monkeypatch):
    corpus = _xwlb()
    if corpus is None:
        pytest.skip("../shared/corpus/xwlb.jsonl is not here (or set PIPELINE_TEST_CORPUS)")
    records = []
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            record["text"] = (record.get("text") or "")[:1500]  # a few hundred records, kept quick
            records.append(record)
            if len(records) == 240:
                break
    write_jsonl(tmp_path / "raw" / "xwlb.jsonl", records)
    rows = _assert_same_in_any_batches(tmp_path / "raw", tmp_path / "out", monkeypatch)
    assert rows["documents"] >= 200 and rows["mentions"] > 1000 and rows["metrics"] > 100


def _in_docs(rows: list[tuple[str, str, int]]) -> pa.Table:
    return pa.table({"doc_id": [d for d, _, _ in rows], "form": [f for _, f, _ in rows],
                     "_row_count": [k for _, _, k in rows]})


@pytest.mark.parametrize("batch", [1, 2, 50_000])
@pytest.mark.parametrize("rows, expected", [
    ([], []),
    ([("a", "马云", 2)], [{"马云": 2}]),
    ([("a", "马云", 2), ("a", "阿里", 1), ("b", "马云", 1)], [{"马云": 2, "阿里": 1}, {"马云": 1}]),
    # a document whose rows are not consecutive is still one counter (the dict of every document)
    ([("a", "马云", 2), ("b", "阿里", 1), ("a", "阿里", 3)], [{"马云": 2, "阿里": 3}, {"阿里": 1}]),
])
def test_per_document_counters(rows, expected, batch, monkeypatch):
    monkeypatch.setattr(resolve, "PER_DOCUMENT_BATCH", batch)
    got = list(resolve._per_document(_in_docs(rows)))
    assert got == [Counter(e) for e in expected]
    assert [list(c) for c in got] == [list(e) for e in expected]  # forms in order of first mention


@pytest.mark.parametrize("lengths, limit, expected", [
    ([], 10, []),
    ([3], 10, [(0, 1)]),
    ([3, 4, 5], 10, [(0, 2), (2, 3)]),
    ([30, 1, 1], 10, [(0, 1), (1, 3)]),  # a document longer than the limit is a batch of its own
    ([1, 1, 1], 1, [(0, 1), (1, 2), (2, 3)]),
])
def test_document_batches(lengths, limit, expected):
    assert validate._document_batches(np.array(lengths, dtype=np.int64), limit) == expected


@pytest.mark.parametrize("batch_chars", [1, 10**9])
@pytest.mark.parametrize("start, end, text, ok", [
    (0, 2, "马云", True),
    (8, 12, "阿里巴巴", True),   # in the second document's batch
    (8, 12, "阿里巴X", False),   # one character wrong
    (0, 2, "杭州", False),
    (5, 30, "阿里", False),     # out of range
])
def test_offsets_check_finds_the_same_rows_in_any_batches(start, end, text, ok, batch_chars, monkeypatch):
    monkeypatch.setattr(validate, "OFFSET_BATCH_CHARS", batch_chars)
    docs = pa.table({"doc_id": ["d1", "d2"], "text": ["马云在杭州。", "马云在杭州创办了阿里巴巴。"]})
    mentions = pa.table({"doc_id": ["d1", "d2"], "char_start": [0, start], "char_end": [2, end],
                         "text": ["马云", text]})
    outcome = validate._arrow_offsets("mentions", {"documents": docs, "mentions": mentions})
    assert outcome.passed is ok
    if not ok:
        assert outcome.details and outcome.details[0].startswith("row 1:")


def test_quarantine_rebuild_reads_the_texts_again(tmp_path):
    """The fan-in lets the stored texts go after a build; a rebuild without a quarantined document
    reads them again: every other document keeps its text, and its rows are those of a clean build."""
    from pipeline.engine import stages
    from pipeline.workdir import Workdir

    raw = tmp_path / "raw"
    write_jsonl(raw / "feed.jsonl", synthetic_records(4))
    (raw / "hangzhou_deepseek.txt").write_bytes((ROOT / "raw" / "hangzhou_deepseek.txt").read_bytes())
    out = tmp_path / "out"
    build_sources(raw, out, workers=1, log=lambda _m: None)
    clean = dataset.build_dataset(out, log=lambda _m: None)
    wd = Workdir(out)
    key = "hangzhou_deepseek.txt"
    stored = wd.read(stages.EXTRACTIONS, key, "mentions")
    texts = stored.column("text").to_pylist()
    texts[0] = "不对"  # the first mention no longer slices to its text: its document is quarantined
    # a per-unit file supersedes the unit's chunk row
    wd.write(stages.EXTRACTIONS, key, "mentions",
             stored.set_column(stored.column_names.index("text"), "text", pa.array(texts, pa.string())),
             wd.cache_key(stages.EXTRACTIONS, key, "mentions"))
    built = dataset.build_dataset(out, log=lambda _m: None)
    kinds = built["errors"].column("kind").to_pylist()
    assert kinds.count("quarantined") == 1
    assert built["documents"].num_rows == clean["documents"].num_rows - 1
    assert built["documents"].column("text").null_count == 0
    kept = set(built["documents"].column("doc_id").to_pylist())
    for name in ("documents", "mentions"):
        expected = clean[name].filter(pa.compute.is_in(clean[name].column("doc_id"), value_set=pa.array(sorted(kept))))
        assert built[name].select(["doc_id"]).equals(expected.select(["doc_id"])), name
    assert built["documents"].column("text").equals(
        clean["documents"].filter(pa.compute.is_in(clean["documents"].column("doc_id"),
                                                   value_set=pa.array(sorted(kept)))).column("text"))
