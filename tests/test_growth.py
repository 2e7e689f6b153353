"""The growth benchmark's synthetic corpus (``tooling.bench.growth``): copies with new IDs and shuffled sentences."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from tooling.bench.growth import SENTENCE_END, generate, shuffled_text


@pytest.mark.parametrize("text", ["", "一句。", "甲。乙！丙？\n丁", "no end"])
def test_shuffled_text_keeps_every_sentence(text):
    out = shuffled_text(text, random.Random(1))
    assert Counter(out) == Counter(text)
    sentences = [s for s in SENTENCE_END.split(text) if s]
    for sentence in sentences:  # each sentence is still whole somewhere
        assert sentence in out


def test_shuffled_text_changes_the_order():
    text = "".join(f"第{c}句。" for c in "甲乙丙丁戊己庚辛")
    assert shuffled_text(text, random.Random(1)) != text


def test_generate_copies(tmp_path):
    corpus = tmp_path / "c.jsonl"
    records = [{"id": "a", "text": "甲说了一句。乙说了一句。丙说了一句。丁说了一句。"}, {"id": "b", "text": "只有一句。"}]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    paths = generate(corpus, 3, tmp_path / "raw")
    assert [p.name for p in paths] == ["copy-00.jsonl", "copy-01.jsonl", "copy-02.jsonl"]
    copies = [[json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()] for p in paths]
    assert copies[0] == records  # copy 0 unchanged
    assert [r["id"] for r in copies[2]] == ["a-c2", "b-c2"]  # new IDs
    assert sorted(copies[1][0]["text"]) == sorted(records[0]["text"])  # the same characters
    assert copies[1][1]["text"] == "只有一句。"  # one sentence: nothing to shuffle
    assert generate(corpus, 3, tmp_path / "again")[1].read_bytes() == paths[1].read_bytes()  # reproducible
