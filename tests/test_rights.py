"""Rights: licences read from the sources, and the text policy of a release (PIPELINE_PUBLISH_TEXT)."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest

from pipeline.ingest import list_sources, read_source
from pipeline.publish import publish_release
from pipeline.rights import is_redistributable, normalize_license, publish_text_policy
from publish_sample import TEXT1, TEXT2, second_build_rows, tables_from


@pytest.mark.parametrize("written, ident, free", [
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", True),
    ("CC BY-SA 4.0", "CC-BY-SA-4.0", True),
    ("http://creativecommons.org/licenses/by-nc-nd/3.0/deed.zh", "CC-BY-NC-ND-3.0", False),
    ("CC0", "CC0-1.0", True),
    ("版权所有，未经授权不得转载", "版权所有，未经授权不得转载", False),
    (None, None, False),
])
def test_licences_are_named_and_judged(written, ident, free):
    assert normalize_license(written) == ident
    assert is_redistributable(written) is free


def test_unknown_policy_is_refused(monkeypatch):
    monkeypatch.setenv("PIPELINE_PUBLISH_TEXT", "some")
    with pytest.raises(ValueError, match="licensed, all, none"):
        publish_text_policy()
    monkeypatch.delenv("PIPELINE_PUBLISH_TEXT")
    assert publish_text_policy() == "licensed"


def test_licence_and_access_time_come_from_record_front_matter_or_sidecar(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(
        {"id": "x", "text": "杭州发布新规。", "license": "CC-BY-4.0", "accessed_at": "2026-12-01T08:00:00+08:00"},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\nlicense: CC0\ntitle: 乙\n---\n深圳发布新规。\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("广州发布新规。", encoding="utf-8")
    (tmp_path / "c.txt.meta.json").write_text(json.dumps(
        {"url": "https://example.org/c", "license": "All rights reserved", "accessed_at": "2026-12-02T00:00:00Z"}))
    docs = {d.source_path: d for u in list_sources(tmp_path) for d in read_source(tmp_path, u.key)[0]}
    assert (docs["a.jsonl#x"].license, docs["a.jsonl#x"].accessed_at) == ("CC-BY-4.0", "2026-12-01T00:00:00Z")
    assert docs["b.md"].license == "CC0-1.0" and docs["b.md"].text == "深圳发布新规。"
    assert (docs["c.txt"].url, docs["c.txt"].license) == ("https://example.org/c", "All rights reserved")


def _documents(tmp_path, policy):
    result = publish_release(second_build_rows_tables(), tmp_path / policy, [], publish_text=policy)
    return {d["source_path"]: d for d in pq.read_table(result.path / "documents.parquet").to_pylist()}


def second_build_rows_tables():
    return tables_from(second_build_rows())


def test_default_policy_withholds_unlicensed_text_and_publishes_its_hash(tmp_path, monkeypatch):
    monkeypatch.delenv("PIPELINE_PUBLISH_TEXT", raising=False)
    result = publish_release(second_build_rows_tables(), tmp_path, [])
    docs = {d["source_path"]: d for d in pq.read_table(result.path / "documents.parquet").to_pylist()}
    licensed, unlicensed = docs["hangzhou.txt"], docs["unitree.txt"]
    assert licensed["license"] == "CC-BY-4.0" and licensed["text"] == TEXT1
    assert unlicensed["license"] is None and unlicensed["text"] is None
    assert unlicensed["text_sha256"] == hashlib.sha256(TEXT2.encode()).hexdigest()
    assert unlicensed["n_chars"] == len(TEXT2)
    # the evidence columns stay
    metrics = pq.read_table(result.path / "metrics.parquet").to_pylist()
    assert any(m["span_text"] and m["doc_id"] == unlicensed["doc_id"] for m in metrics)


def test_all_publishes_every_text_and_none_no_text(tmp_path):
    every = _documents(tmp_path, "all")
    assert every["unitree.txt"]["text"] == TEXT2 and every["hangzhou.txt"]["text"] == TEXT1
    nothing = _documents(tmp_path, "none")
    assert all(d["text"] is None and d["text_sha256"] for d in nothing.values())


def test_a_sidecar_added_later_changes_the_source_unit(tmp_path):
    (tmp_path / "a.txt").write_text("杭州发布新规。", encoding="utf-8")
    before = list_sources(tmp_path)[0].sha256
    assert before == hashlib.sha256("杭州发布新规。".encode()).hexdigest()
    (tmp_path / "a.txt.meta.json").write_text('{"license": "CC0"}')
    after = list_sources(tmp_path)[0].sha256
    assert after != before  # so the document is read again, with its licence
    (doc,), _ = read_source(tmp_path, "a.txt")
    assert doc.license == "CC0-1.0" and doc.sha256 == before  # documents.sha256 stays the file's


@pytest.mark.slow
def test_changing_the_policy_makes_a_new_release_through_the_headless_build(tmp_path, monkeypatch):
    """The build's no-change shortcut must not hide a change of PIPELINE_PUBLISH_TEXT."""
    from dagster_instance import temp_instance
    from pipeline.defs.headless import build_release

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("深圳市南山区的腾讯公司发布了新的大模型产品。", encoding="utf-8")
    monkeypatch.delenv("PIPELINE_PUBLISH_TEXT", raising=False)
    with temp_instance() as instance:
        first = build_release(raw, tmp_path / "out", instance=instance, progress=False)
        monkeypatch.setenv("PIPELINE_PUBLISH_TEXT", "all")
        second = build_release(raw, tmp_path / "out", instance=instance, progress=False)
    assert first.published and second.published and second.version != first.version
    texts = pq.read_table(f"{second.release_path}/documents.parquet")["text"].to_pylist()
    assert texts == ["深圳市南山区的腾讯公司发布了新的大模型产品。"]
    assert pq.read_table(f"{first.release_path}/documents.parquet")["text"].to_pylist() == [None]
