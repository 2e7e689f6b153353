"""HTML, PDF, DOCX and RSS fixtures (tests/fixtures/formats, made by make_fixtures.py) read
through ``read_source``: the text equals the original at character recall >= 0.99, the
metadata is read, and each bad variant is an error row while the good files still read."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest import list_sources, read_source
from pipeline.ingest.normalize import normalize_text

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
ORIGINAL = (FIXTURES / "article.txt").read_text(encoding="utf-8")


def recall(original: str, extracted: str) -> float:
    """Share of the original's non-space characters found in the extracted text (as multisets)."""
    want = Counter(ch for ch in normalize_text(original) if not ch.isspace())
    got = Counter(ch for ch in extracted if not ch.isspace())
    return sum(min(n, got[ch]) for ch, n in want.items()) / sum(want.values())


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for f in FIXTURES.iterdir():
        if f.is_file() and f.suffix != ".py" and f.name != "article.txt":
            shutil.copy(f, raw / f.name)
    shutil.copytree(FIXTURES / "feed", raw / "feed")
    return raw


@pytest.fixture(scope="module")
def read(raw):
    units = list_sources(raw)
    return {u.key: read_source(raw, u.key) for u in units}


@pytest.mark.parametrize("name", ["article.html", "article.pdf", "article.docx"])
def test_good_files_read_at_full_recall(read, name):
    docs, errors = read[name]
    assert errors == [] and len(docs) == 1
    assert recall(ORIGINAL, docs[0].text) >= 0.99
    assert docs[0].title == "合肥量子信息产业集群年产值突破三百亿元"


def test_pdf_lines_wrapped_by_the_layout_are_joined(read):
    text = read["article.pdf"][0][0].text
    assert any(line.endswith("产值达到312亿元，同比增长18.6%，集聚相关企业超过90家。") for line in text.split("\n"))


def test_html_metadata_canonical_url_date_licence(read):
    doc = read["article.html"][0][0]
    assert doc.url == "https://news.example.cn/2025/12/03/hefei-quantum.html"
    assert str(doc.published_at) == "2025-12-03"
    assert doc.license == "CC-BY-4.0"
    assert "京ICP备" not in doc.text and "相关阅读" not in doc.text  # boilerplate removed


def test_feed_gives_one_document_per_item_and_reads_the_saved_page(read):
    docs, errors = read["feed/tech.rss"]
    assert errors == []
    by_path = {d.source_path: d for d in docs}
    assert sorted(by_path) == ["feed/tech.rss#q1", "feed/tech.rss#q2"]
    full = by_path["feed/tech.rss#q1"]
    assert recall(ORIGINAL.split("\n", 1)[1], full.text) >= 0.99 and "<p>" not in full.text
    # q2 has only a summary in the feed: its page, saved beside the feed, gives the whole paragraph
    page_item = by_path["feed/tech.rss#q2"]
    assert ORIGINAL.split("\n")[2] in page_item.text
    assert page_item.url == "https://news.example.cn/item/q2.html"
    assert page_item.license == "CC-BY-4.0" and page_item.accessed_at == "2025-12-03T10:00:00Z"


@pytest.mark.parametrize("name, reason", [
    ("bad_scanned.pdf", "no text layer"),
    ("bad_encrypted.pdf", "encrypted"),
    ("bad_truncated.docx", "broken or truncated archive"),
    ("bad_nobody.html", "no main text"),
    ("bad_malformed.rss", "malformed feed"),
])
def test_bad_variants_are_error_rows(read, name, reason):
    docs, errors = read[name]
    assert docs == [] and len(errors) == 1
    assert reason in errors[0].reason and errors[0].source_path == name and errors[0].sha256


def test_sidecars_are_not_sources(raw):
    keys = {u.key for u in list_sources(raw)}
    assert "feed/tech.rss" in keys and not any(k.endswith(".meta.json") for k in keys)


def test_radicals_become_unified_ideographs_whatever_the_reader():
    assert normalize_text("\u2f00\u4e2a\u2ef0\u5934\u4f01\u4e1a") == "一个龙头企业"
    assert normalize_text("\u2e80") == "\u2e80"  # no equivalent ideograph: kept


@pytest.mark.slow
def test_a_dagster_build_publishes_the_good_files_and_reports_the_bad(raw, tmp_path):
    """The whole pipeline (real Dagster instance) over the fixtures: the good files are documents
    of the release, each bad variant one error row; licensed text published, the rest withheld."""
    import pyarrow.parquet as pq

    from dagster_instance import temp_instance
    from pipeline.defs.headless import build_release

    with temp_instance() as instance:
        result = build_release(raw, tmp_path / "out", instance=instance, progress=False)
    assert result.success, result.failures
    release = Path(result.release_path)
    docs = {d["source_path"]: d for d in pq.read_table(release / "documents.parquet").to_pylist()}
    errors = {e["source_path"] for e in pq.read_table(release / "errors.parquet").to_pylist()}
    assert errors == {"bad_scanned.pdf", "bad_encrypted.pdf", "bad_truncated.docx", "bad_nobody.html",
                      "bad_malformed.rss"}
    assert set(docs) == {"article.html", "article.pdf", "article.docx", "feed/tech.rss#q1", "feed/tech.rss#q2"}
    assert docs["article.html"]["license"] == "CC-BY-4.0" and docs["article.html"]["text"]
    assert docs["article.pdf"]["license"] is None and docs["article.pdf"]["text"] is None  # no licence stated
    assert docs["article.pdf"]["text_sha256"] and docs["article.docx"]["text"] is None
    q2 = docs["feed/tech.rss#q2"]
    assert q2["license"] == "CC-BY-4.0" and q2["text"] and q2["accessed_at"] == "2025-12-03T10:00:00Z"
    import json

    sources = {x["file"]: x for x in json.loads((release / "datapackage.json").read_text())["sources"]}
    assert sources["article.html"]["license"] == "CC-BY-4.0" and "license" not in sources["article.pdf"]
    firms = pq.read_table(release / "firms.parquet")["name"].to_pylist()
    assert any("国盾" in f or "本源" in f for f in firms)


def test_feed_items_empty_after_normalisation_are_one_error_row(tmp_path):
    items = "".join(f"<item><guid>e{i}</guid><description>&lt;p&gt;&lt;/p&gt;\u200b</description></item>" for i in range(2))
    items += "<item><guid>ok</guid><description>深圳发布人工智能产业政策。</description></item>"
    (tmp_path / "f.rss").write_text(f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>",
                                    encoding="utf-8")
    docs, errors = read_source(tmp_path, "f.rss")
    assert [d.source_path for d in docs] == ["f.rss#ok"]
    assert len(errors) == 1 and "'#e0', '#e1'" in errors[0].reason
