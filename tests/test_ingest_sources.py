"""Listing sources (partition keys) and reading .txt/.md/.jsonl sources."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date

import pytest

from pipeline.ingest import list_sources, read_source, source_key_path
from pipeline.ingest.sources import escape_key, make_key

try:
    from dagster._core.definitions.partitions.utils.base import INVALID_PARTITION_SUBSTRINGS
except ImportError:  # pragma: no cover - location changed in another Dagster version
    INVALID_PARTITION_SUBSTRINGS = ["...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0"]


def _jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rec(**kw):
    return json.dumps(kw, ensure_ascii=False)


def test_listing_rules(tmp_path):
    (tmp_path / "a.txt").write_text("甲。", encoding="utf-8")
    (tmp_path / "B.MD").write_text("# 乙\n正文。", encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "c.txt").write_text("丙。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "d.txt").write_text("x", encoding="utf-8")
    (tmp_path / "~$lock.txt").write_text("x", encoding="utf-8")
    (tmp_path / "scan.png").write_bytes(b"\x89PNG")
    (tmp_path / "gone.txt.meta.json").write_text("{}", encoding="utf-8")  # a sidecar, not a source
    units = list_sources(tmp_path)
    assert [u.key for u in units] == ["B.MD", "a.txt", "sub/deeper/c.txt"]
    assert [u.path for u in units] == ["B.MD", "a.txt", "sub/deeper/c.txt"]
    assert all(u.line is None for u in units)
    assert units[1].sha256 == hashlib.sha256("甲。".encode()).hexdigest()
    (doc,), _ = read_source(tmp_path, "sub/deeper/c.txt")
    assert doc.source_path == "sub/deeper/c.txt" and doc.text == "丙。"


def test_missing_folder_and_missing_file(tmp_path):
    assert list_sources(tmp_path / "nope") == []
    docs, errors = read_source(tmp_path, "gone.txt")
    assert docs == [] and "not found" in errors[0].reason
    docs, errors = read_source(tmp_path, "../etc/passwd.txt")
    assert docs == [] and "inside the raw folder" in errors[0].reason


def test_changed_file_gets_a_new_hash_touched_file_does_not(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("第一版。", encoding="utf-8")
    first = list_sources(tmp_path)[0].sha256
    os.utime(f, ns=(1, 1))  # touched: new mtime, same content
    assert list_sources(tmp_path)[0].sha256 == first
    f.write_text("第二版，长一些。", encoding="utf-8")
    assert list_sources(tmp_path)[0].sha256 != first


def test_jsonl_records_keys_with_and_without_ids(tmp_path):
    _jsonl(
        tmp_path / "feed.jsonl",
        [
            _rec(id="a1", text="第一条。", title="标题一", url="https://e.com/1", published_at="2024-03-01"),
            "",
            _rec(text="没有编号的第二条。"),
            _rec(id=7, text="整数编号。", published_at="2024-03-05T08:30:00+08:00"),
            _rec(id="dup", text="重复一。"),
            _rec(id="dup", text="重复二。"),
            _rec(id="L1", text="保留形式的编号。"),
            "   ",
        ],
    )
    units = list_sources(tmp_path)
    assert [(u.key, u.line) for u in units] == [
        ("feed.jsonl#a1", 1),
        ("feed.jsonl#L3", 3),
        ("feed.jsonl#7", 4),
        ("feed.jsonl#L5", 5),
        ("feed.jsonl#L6", 6),
        ("feed.jsonl#L7", 7),
    ]
    lines = (tmp_path / "feed.jsonl").read_bytes().split(b"\n")
    assert units[0].sha256 == hashlib.sha256(lines[0]).hexdigest()
    (doc,), errors = read_source(tmp_path, "feed.jsonl#a1")
    assert errors == []
    assert (doc.source_path, doc.source_key, doc.title, doc.url, doc.published_at) == (
        "feed.jsonl#a1", "feed.jsonl#a1", "标题一", "https://e.com/1", date(2024, 3, 1)
    )
    assert doc.sha256 == units[0].sha256
    (doc,), _ = read_source(tmp_path, "feed.jsonl#L3")
    assert doc.source_path == "feed.jsonl#L3" and doc.text == "没有编号的第二条。"
    assert doc.title == "没有编号的第二条。" and doc.published_at is None
    (doc,), _ = read_source(tmp_path, "feed.jsonl#7")
    assert doc.published_at == date(2024, 3, 5)
    (doc,), _ = read_source(tmp_path, "feed.jsonl#L6")
    assert doc.text == "重复二。"
    # the whole file at once
    docs, errors = read_source(tmp_path, "feed.jsonl")
    assert len(docs) == 6 and errors == []


def test_jsonl_broken_lines_are_reported_others_read(tmp_path):
    _jsonl(
        tmp_path / "news.jsonl",
        [
            _rec(id="ok1", text="杭州有很多科技公司。"),
            '{"id": "broken", "text": "没有结束',
            _rec(id="ok2", text="深圳也有。"),
            "[1, 2, 3]",
            _rec(id="notext", title="只有标题"),
            _rec(id="emptytext", text="  \u200b "),
            _rec(id="numtext", text=42),
            _rec(id="ok3", text="合肥投资蔚来。", published_at="not a date"),
        ],
    )
    units = list_sources(tmp_path)
    assert len(units) == 8  # a malformed line still gets a unit
    assert units[1].key == "news.jsonl#L2"  # its id could not be read
    got = {u.key: read_source(tmp_path, u.key) for u in units}
    ok = {k for k, (docs, errs) in got.items() if docs and not errs}
    assert ok == {"news.jsonl#ok1", "news.jsonl#ok2", "news.jsonl#ok3"}
    assert got["news.jsonl#ok3"][0][0].published_at is None  # unparseable date: kept, None
    errors = {k: errs[0] for k, (docs, errs) in got.items() if errs}
    assert {k: e.line for k, e in errors.items()} == {
        "news.jsonl#L2": 2,
        "news.jsonl#L4": 4,
        "news.jsonl#notext": 5,
        "news.jsonl#emptytext": 6,
        "news.jsonl#numtext": 7,
    }
    for e in errors.values():
        assert e.source_path == "news.jsonl"
        assert e.reason and not e.reason.startswith("line")  # the line is its own field
        assert e.sha256 is not None
    assert "not valid JSON" in errors["news.jsonl#L2"].reason
    assert "object" in errors["news.jsonl#L4"].reason
    assert "'text'" in errors["news.jsonl#notext"].reason
    # reading the whole file gives the same split
    docs, errs = read_source(tmp_path, "news.jsonl")
    assert len(docs) == 3 and sorted(e.line for e in errs) == [2, 4, 5, 6, 7]


def test_jsonl_bom_crlf_and_gbk_line(tmp_path):
    data = (
        b"\xef\xbb\xbf" + _rec(id="x", text="第一条").encode() + b"\r\n"
        + _rec(id="y", text="第二条").encode("gbk") + b"\r\n"
    )
    (tmp_path / "f.jsonl").write_bytes(data)
    units = list_sources(tmp_path)
    assert [u.key for u in units] == ["f.jsonl#x", "f.jsonl#L2"]  # GBK line: id not peeked
    docs = [read_source(tmp_path, u.key)[0][0].text for u in units]
    assert docs == ["第一条", "第二条"]


def test_empty_jsonl_is_reported(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")
    (unit,) = list_sources(tmp_path)
    assert unit.key == "empty.jsonl"
    docs, errors = read_source(tmp_path, unit.key)
    assert docs == [] and "empty" in errors[0].reason


@pytest.mark.parametrize(
    "name",
    ["a,b.txt", "x[1].txt", "p|q.txt", "wait....txt", "100%.txt", "c#d.txt", "空 格 中文.txt"],
)
def test_keys_are_valid_partition_keys_and_reversible(tmp_path, name):
    (tmp_path / name).write_text("内容。", encoding="utf-8")
    (unit,) = list_sources(tmp_path)
    for bad in [*INVALID_PARTITION_SUBSTRINGS, ",", "[", "]", "|"]:
        assert bad not in unit.key
    assert unit.key.count("#") == 0
    assert source_key_path(unit.key) == (name, None)
    (doc,), errors = read_source(tmp_path, unit.key)
    assert errors == [] and doc.source_path == name


def test_record_ids_are_escaped(tmp_path):
    _jsonl(tmp_path / "r.jsonl", [_rec(id="a,b...c#d\n", text="内容。")])
    (unit,) = list_sources(tmp_path)
    assert unit.key == "r.jsonl#a%2Cb%2E%2E%2Ec%23d" and source_key_path(unit.key) == ("r.jsonl", "a,b...c#d")
    (doc,), _ = read_source(tmp_path, unit.key)
    assert doc.source_path == "r.jsonl#a,b...c#d"


def test_escape_is_identity_on_ordinary_paths():
    assert escape_key("新闻/2024-01-02 杭州.txt") == "新闻/2024-01-02 杭州.txt"
    assert make_key("f.jsonl", "L3") == "f.jsonl#L3"


def test_markdown_front_matter_and_title(tmp_path):
    (tmp_path / "a.md").write_text(
        "---\ntitle: 杭州六小龙\nurl: https://example.com/a\npublished_at: 2025-02-21\n---\n"
        "## 第一节\n\n正文在这里。\n",
        encoding="utf-8",
    )
    (doc,), _ = read_source(tmp_path, "a.md")
    assert doc.title == "杭州六小龙" and doc.url == "https://example.com/a"
    assert doc.published_at == date(2025, 2, 21)
    assert doc.text == "## 第一节\n\n正文在这里。"  # the markdown itself is kept as is
    (tmp_path / "b.md").write_text("# 标题 #\n\n正文。\n", encoding="utf-8")
    (doc,), _ = read_source(tmp_path, "b.md")
    assert doc.title == "标题" and doc.text.startswith("# 标题 #")
    assert [b.kind for b in doc.blocks] == ["title", "body"]


def test_title_falls_back_to_truncated_first_line(tmp_path):
    long = "从开年火到今天,网上每天都有人在用Deepseek解构大千世界,面对人工智能对当下的改变,有人围观欢呼,有人则热衷于反思和讨论各种问题以及更多的内容"
    (tmp_path / "a.txt").write_text(long + "。\n第二段。", encoding="utf-8")
    (doc,), _ = read_source(tmp_path, "a.txt")
    assert doc.title == long[:60] + "…"


def test_sample_article(tmp_path):
    from pathlib import Path

    raw = Path(__file__).resolve().parent.parent / "raw"
    units = [u for u in list_sources(raw) if u.key == "hangzhou_deepseek.txt"]
    assert units, "raw/hangzhou_deepseek.txt is shipped"
    (doc,), errors = read_source(raw, units[0].key)
    assert errors == []
    assert doc.doc_id.startswith("d") and len(doc.doc_id) == 17
    assert doc.title == "杭州如何把AI变成“内战”"
    assert doc.text.startswith("从开年火到今天,网上每天")
    assert doc.sha256 == units[0].sha256


def test_keys_are_unique_and_accepted_by_dagster(tmp_path):
    import dagster as dg

    from pipeline.ingest import read_sources

    (tmp_path / "sub").mkdir()
    for name in ["a.txt", "b...c.md", "x,y.txt", "sub/中文 名.txt"]:
        (tmp_path / name).write_text("杭州。", encoding="utf-8")
    _jsonl(tmp_path / "sub" / "f.jsonl", [_rec(id="1", text="一。"), _rec(text="二。"), "{bad", _rec(id="t\tab", text="三。")])
    units = list_sources(tmp_path)
    keys = [u.key for u in units]
    assert len(keys) == len(set(keys)) == 8
    dg.StaticPartitionsDefinition(keys)  # raises on keys Dagster does not accept
    results = read_sources(tmp_path, keys)
    assert [k for k, _, _ in results] == keys
    for key, docs, errors in results:
        assert len(docs) + len(errors) == 1
        for doc in docs:
            assert doc.source_key == key
            assert doc.sha256 == next(u.sha256 for u in units if u.key == key)


def test_jsonl_line_with_nul_bytes_is_a_binary_line(tmp_path):
    (tmp_path / "n.jsonl").write_bytes(_rec(id="a", text="好。").encode() + b"\n\x00\x00\x00\n")
    got = [read_source(tmp_path, u.key) for u in list_sources(tmp_path)]
    assert [len(d) for d, _ in got] == [1, 0]
    err = got[1][1][0]
    assert (err.line, err.source_path) == (2, "n.jsonl") and err.reason.startswith("binary line")


@pytest.mark.parametrize("line, blank", [
    (b"", True),
    (b"  \t\r", True),
    ("\u00a0".encode(), True),                 # NBSP
    ("\u3000 \u00a0".encode(), True),          # ideographic space
    (b"\x1c\x1f", True),                        # separators str.strip removes
    ("\u3000".encode("gb18030"), True),       # a GB18030 file's ideographic space
    (b"{}", False),
    ("\u00a0{}".encode(), False),
    (b"\xff\xfe\x00", False),                  # undecodable: a line to report, not skip
])
def test_blank_jsonl_lines_are_whitespace_as_str_strip_sees_it(line, blank):
    from pipeline.ingest.jsonl import is_blank

    assert is_blank(line) is blank
