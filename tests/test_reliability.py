"""Nothing lost, nothing blocked, nothing hung: the reliability rules, one by one, without a build.

Quarantine (``publish.quarantine``), accounting of duplicates and failed
documents (``accounting``), inputs that cannot be listed or read
(``ingest.sources``), the per-document budget and analysis in pieces
(``budget``, ``nlp.analyse``), the build lock and temporaries (``buildlock``),
the catalogue's repair, failure summaries, safe links and mixed encodings.
The end-to-end versions (real builds, faults) are ``test_hostile.py``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline import budget
from pipeline.accounting import account_documents, carry_unreadable
from pipeline.buildlock import BuildLocked, build_lock, clean_temporaries
from pipeline.ingest import list_sources, read_source
from pipeline.ingest.decode import DecodeError, decode_bytes
from pipeline.ingest.sources import make_document
from pipeline.nlp.analyse import PIECE, analyse, analyse_within_budget, pieces
from pipeline.publish import catalog, publish_release
from pipeline.publish.quarantine import build_quarantined, failing_documents
from pipeline.publish.serve import description_html, safe_url
from pipeline.records import Document, SourceError
from pipeline.tables import DOCUMENT_COLUMNS, build_tables_arrow
from pipeline.workdir import records_to_table


def _doc(text: str, key: str) -> Document:
    doc = make_document(key, key, text, "s" * 64)
    assert isinstance(doc, Document)
    return doc


def _parts(docs, mentions=(), errors=()):
    from pipeline.nlp.resolve import mentions_table
    from pipeline.records import DocumentAnalysis

    analyses = [DocumentAnalysis(d.doc_id, [m for m in mentions if m.doc_id == d.doc_id]) for d in docs]
    return {
        "documents": records_to_table(Document, list(docs), columns=DOCUMENT_COLUMNS),
        "mentions": mentions_table(analyses),
        "facts": records_to_table(__import__("pipeline.records", fromlist=["Fact"]).Fact, []),
        "relations": records_to_table(__import__("pipeline.records", fromlist=["Relation"]).Relation, []),
        "errors": records_to_table(SourceError, list(errors)),
    }


# ---- quarantine ----------------------------------------------------------------------------


def test_a_document_with_a_bad_offset_is_quarantined_and_the_rest_published(tmp_path):
    from pipeline.records import Mention

    good = _doc("腾讯在深圳发布新品。", "good.txt")
    bad = _doc("据报道，华为在深圳", "bad.txt")
    mentions = [
        Mention(good.doc_id, 0, 2, "腾讯", "firm", canonical="腾讯", source="lexicon"),
        Mention(bad.doc_id, 4, 6, "华为", "firm", canonical="华为", source="lexicon"),
        Mention(bad.doc_id, 7, 15, "深圳市龙岗区坂田", "city", key="440300", canonical="深圳", source="gazetteer"),
    ]
    parts = _parts([good, bad], mentions)
    tables, left_out = build_quarantined(parts, lambda p: build_tables_arrow(
        p["documents"], p["mentions"], p["facts"], p["relations"], p["errors"], None, of_documents=True))
    assert left_out == 1
    assert tables["documents"].column("source_path").to_pylist() == ["good.txt"]
    errors = tables["errors"].to_pylist()
    assert [(e["source_path"], e["kind"], e["check"]) for e in errors] == [("bad.txt", "quarantined", "mentions.offsets")]
    assert "offsets 7:15" in errors[0]["reason"]
    assert failing_documents(tables) == {}
    # the release publishes the rest: every blocking check passes
    result = publish_release(tables, tmp_path, [])
    assert result.published and result.row_counts["documents"] == 1


def test_table_level_invariants_still_block(tmp_path):
    from pipeline.publish.release import ReleaseBlocked

    good = _doc("腾讯在深圳发布新品。", "good.txt")
    tables = build_tables_arrow(*_parts([good]).values(), None)
    doubled = {**tables, "documents": pa.concat_tables([tables["documents"], tables["documents"]])}
    with pytest.raises(ReleaseBlocked, match="primary_key"):
        publish_release(doubled, tmp_path, [])


# ---- accounting ----------------------------------------------------------------------------


def test_duplicates_and_failed_documents_become_error_rows():
    a, b, c = _doc("同一段文字。", "b.txt"), _doc("同一段文字。", "a.txt"), _doc("另一段。", "c.txt")
    failed = SourceError("c.txt", "over budget", kind="budget")
    parts = _parts([a, b, c], errors=[failed])
    docs, errors, dropped = account_documents(parts["documents"], parts["errors"])
    assert docs.column("source_path").to_pylist() == ["a.txt"]  # the first by source key is kept
    rows = {e["source_path"]: e for e in errors.to_pylist()}
    assert rows["b.txt"]["kind"] == "duplicate" and rows["b.txt"]["duplicate_of"] == "a.txt"
    assert rows["c.txt"]["kind"] == "budget"
    assert dropped == {"b.txt", "c.txt"}


def test_links_pipes_and_unreadable_inputs_are_listed_and_reported(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "ok.txt").write_text("腾讯在深圳。", encoding="utf-8")
    os.symlink("missing.txt", raw / "broken.txt")
    os.symlink("loop2.txt", raw / "loop1.txt")
    os.symlink("loop1.txt", raw / "loop2.txt")
    os.symlink(raw / "sub", raw / "folder_link")
    os.mkfifo(raw / "pipe.txt")
    keys = [u.key for u in list_sources(raw)]
    assert keys == ["broken.txt", "folder_link", "loop1.txt", "loop2.txt", "ok.txt", "pipe.txt"]
    reasons = {k: read_source(raw, k)[1] for k in keys if k != "ok.txt"}
    assert "broken symbolic link" in reasons["broken.txt"][0].reason
    assert "loop" in reasons["loop1.txt"][0].reason
    assert "folder" in reasons["folder_link"][0].reason
    assert "not a regular file" in reasons["pipe.txt"][0].reason


def test_an_unreadable_folder_keeps_the_units_last_read_under_it(tmp_path, monkeypatch):
    from pipeline.workdir import Workdir

    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "locked").mkdir(parents=True)
    (raw / "locked" / "a.txt").write_text("腾讯在深圳。", encoding="utf-8")
    (raw / "b.txt").write_text("华为在深圳。", encoding="utf-8")
    before = list_sources(raw)
    Workdir(out).write_manifest("locked/a.txt", [(u.key, u.sha256) for u in before if u.key == "locked/a.txt"])
    real = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    now = list_sources(raw)
    assert [u.key for u in now] == ["b.txt", "locked/"]
    errors = read_source(raw, "locked/")[1]
    assert "cannot list the folder: Permission denied" in errors[0].reason
    carried = carry_unreadable(now, out)
    assert [u.key for u in carried] == ["b.txt", "locked/", "locked/a.txt"]
    assert [u.sha256 for u in carried if u.key == "locked/a.txt"] == [u.sha256 for u in before if u.key == "locked/a.txt"]


def test_an_unreadable_file_is_a_unit_and_an_error(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "secret.txt").write_text("腾讯在深圳。", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    units = list_sources(raw)
    assert [u.key for u in units] == ["secret.txt"]
    assert read_source(raw, "secret.txt")[1][0].reason == "cannot read the file: Permission denied"


# ---- budget and pieces ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "的一是在不了有和人这中大为上个国我以要" * 300 + "华为在深圳。",
    "华为在深圳发布新品，营收增长百分之十，" * 300,
    "1234567890" * 600,
    "abc" * 2000 + "腾讯。",
])
def test_long_unpunctuated_text_is_analysed_in_pieces_with_exact_offsets(text):
    # (each text ends in 。: a name at the very end of a text is the end-offset bug of the entity
    # stage, handled elsewhere; a release quarantines such a document, see above)
    doc = _doc(text, "long.txt")
    cuts = pieces(doc.text)
    assert len(cuts) > 1 and cuts[0][0] == 0 and cuts[-1][1] == len(doc.text)
    assert all(b - a <= PIECE and a < b for a, b in cuts) and all(x[1] == y[0] for x, y in zip(cuts, cuts[1:]))
    result = analyse(doc)
    for m in result.mentions:
        assert 0 <= m.start < m.end <= len(doc.text) and doc.text[m.start:m.end] == m.text
    for f in result.facts:
        assert doc.text[f.start:f.end] == f.span_text


def test_ordinary_text_is_analysed_whole():
    assert pieces("腾讯在深圳发布新品。" * 100) == [(0, 1000)]


def test_a_document_over_the_size_budget_is_an_error_row(monkeypatch):
    monkeypatch.setenv("PIPELINE_DOC_MAX_CHARS", "100")
    error = make_document("big.txt", "big.txt", "腾讯在深圳。" * 50, "s" * 64)
    assert isinstance(error, SourceError) and error.kind == "budget" and "PIPELINE_DOC_MAX_CHARS" in error.reason


def test_a_document_over_the_time_budget_is_an_error_row(monkeypatch):
    monkeypatch.setenv("PIPELINE_DOC_SECONDS", "0.2")
    import pipeline.nlp.analyse as analyse_module

    def slow(doc, tokens=None):
        time.sleep(5)

    monkeypatch.setattr(analyse_module, "analyse", slow)
    started = time.perf_counter()
    result, error = analyse_within_budget(_doc("腾讯在深圳。", "slow.txt"))
    assert result is None and error.kind == "budget" and "PIPELINE_DOC_SECONDS" in error.reason
    assert time.perf_counter() - started < 2


# ---- one build at a time, temporaries, catalogue, failure summaries ------------------------


def test_a_second_build_on_the_same_folder_is_refused_clearly(tmp_path):
    with build_lock(tmp_path):
        with pytest.raises(BuildLocked, match=f"another build is running on {tmp_path} \\(pid {os.getpid()}"):
            with build_lock(tmp_path, wait=0):
                pass


def test_a_second_build_waits_for_the_first(tmp_path):
    order = []
    with build_lock(tmp_path):
        def second():
            with build_lock(tmp_path, wait=10):
                order.append("second")

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.5)
        order.append("first done")
    t.join(5)
    assert order == ["first done", "second"]


def test_temporaries_of_dead_processes_are_removed(tmp_path):
    (tmp_path / "work").mkdir()
    dead = tmp_path / ".releases.json.999999999.tmp"
    mine = tmp_path / "work" / f".last_build.json.{os.getpid()}.tmp"
    dead.write_text("x")
    mine.write_text("x")
    assert clean_temporaries(tmp_path) == [dead]
    assert clean_temporaries(tmp_path, own=True) == [mine]


def test_the_catalogue_follows_latest_and_is_repaired(tmp_path):
    from publish_sample import sample_tables

    first = publish_release(sample_tables(), tmp_path, [])
    (tmp_path / "releases.json").unlink()  # as after a crash or a full disk between the switch and the catalogue
    assert not catalog.is_consistent(tmp_path)
    assert catalog.repair_catalog(tmp_path)
    assert catalog.is_consistent(tmp_path)
    assert catalog.read_catalog(tmp_path)[0]["version"] == first.version


def test_a_failure_summary_names_a_full_disk():
    from pipeline.defs.headless import root_cause, root_cause_of_exception

    class Err:
        def __init__(self, message, cause=None):
            self.message, self.cause, self.context = message, cause, None

    chain = Err("dagster.DagsterExecutionStepExecutionError: Error occurred while executing op",
                Err("OSError: [Errno 28] No space left on device: '/out/work/tables/mentions.parquet'"))
    assert "ENOSPC" in root_cause(chain) and "mentions.parquet" in root_cause(chain)
    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as inner:
            raise RuntimeError("publish failed") from inner
    except RuntimeError as exc:
        assert root_cause_of_exception(exc).startswith("disk full (ENOSPC)")


# ---- security ------------------------------------------------------------------------------


@pytest.mark.parametrize("url,ok", [
    ("https://example.com/a?b=1", True), ("http://example.com", True),
    ("javascript:alert(1)", False), (" JavaScript:alert(1)", False), ("data:text/html,<script>", False),
    ("//evil.example/x", False), ("https://", False), ("http://a.b/\"><script>", False), (None, False),
    ("vbscript:msgbox", False), ("java\tscript:alert(1)", False),
])
def test_only_http_urls_become_links(url, ok):
    assert (safe_url(url) is not None) == ok


def test_a_javascript_url_is_not_a_link_on_the_home_page(tmp_path):
    from publish_sample import sample_tables

    publish_release(sample_tables(), tmp_path, [
        {"path": "a.txt", "title": "evil", "url": "javascript:alert(document.domain)", "sha256": "0" * 64},
        {"path": "b.txt", "title": "fine", "url": "https://example.com/news/1", "sha256": "1" * 64},
    ])
    page = description_html(tmp_path / "latest", tmp_path, __import__("json").loads(
        (tmp_path / "latest" / "datapackage.json").read_text(encoding="utf-8")))
    assert "javascript:" not in page
    assert 'href="https://example.com/news/1"' in page


def test_gbk_with_a_utf8_fragment_is_rejected_as_mixed():
    gbk = "杭州市2023年GDP达到2.01万亿元，同比增长5.6%。阿里巴巴集团表示将继续投资。".encode("gbk")
    assert decode_bytes(gbk)[1] == "GB18030"
    with pytest.raises(DecodeError, match="mixed encodings"):
        decode_bytes(gbk + "腾讯控股有限公司在深圳发布".encode("utf-8") + gbk)
