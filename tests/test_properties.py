"""Property-based tests (Hypothesis): from raw bytes to release rows, nothing escapes, nothing is lost.

Random Unicode (CJK, full-width forms, emoji and ZWJ sequences, zero-width and
bidi controls, combining marks, control characters, very long lines,
number-only text, HTML fragments, names at the very end of a text), random
encodings and random ``.jsonl`` records go through the stages of a build as
plain functions (no Dagster: the same functions the assets call): listing,
reading, the per-document analysis within its budget, accounting, the tables
with quarantine, and the blocking checks. Properties:

- no exception escapes a stage (a bad input is an error row);
- every input is accounted for: each file and each non-blank ``.jsonl`` line
  ends as a document or an error row (duplicates are error rows);
- every offset of the published rows slices to its text, every number is
  finite (the blocking checks pass on what would be published);
- IDs are stable (the same input gives the same doc, mention and metric IDs);
- publishing the same tables again publishes nothing.

Profiles: ``ci`` (default; bounded, part of ``make test``) and ``fuzz``
(``make fuzz``: many more examples). Choose with ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.accounting import account_documents
from pipeline.ingest import list_sources, read_source
from pipeline.ingest.decode import DecodeError, decode_bytes
from pipeline.ingest.normalize import normalize_text
from pipeline.ids import with_row_ids
from pipeline.nlp.analyse import analyse_within_budget
from pipeline.publish import validate
from pipeline.publish.quarantine import build_quarantined
from pipeline.records import Document, Fact, Mention, Relation, SourceError
from pipeline.tables import DOCUMENT_COLUMNS, build_tables_arrow
from pipeline.workdir import records_to_table

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FRAGMENTS = [
    "腾讯", "华为", "深圳", "杭州市", "阿里巴巴", "马化腾", "李斌", "蔚来", "营收", "增长", "同比下降", "10%", "100亿元",
    "2023年", "前三季度", "。", "，", "、", "\n", "\n\n", "\u200b", "\u200d", "\u202e", "\u202c", "\u2066", "\u2069",
    "\ufeff", "e\u0301\u0301", "\u0308", "👨\u200d👩\u200d👧", "🇨🇳", "👍🏽", "ＡＢＣ１２３", "１２３４．５亿元", "％",
    "<p>", "</b>", "&amp;", "&#x4e2d;", "<script>alert(1)</script>", "\x00", "\x01", "\x1b[31m", "\x7f", "\r\n",
    "1234567890", "3.14", "-5", "1e309", "NaN", " ", "\t", "\u3000", "据报道，华为在深圳", "来源：新华社", "# 标题\n",
    "（", "）", "《人民日报》", "http://example.com", "javascript:alert(1)",
]
unicode_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=50).map("".join),
    st.builds(lambda f, n, tail: f * n + tail, st.sampled_from(FRAGMENTS + ["的一是在不了有和人这中大为"]),
              st.integers(50, 1500), st.sampled_from(["", "。", "华为在深圳"])),
    st.text(max_size=300),
)
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "big5", "latin-1", "shift_jis"]


# ---- the stages as plain functions ------------------------------------------------------------


def run_stages(raw: Path) -> tuple[dict[str, pa.Table], int, list[SourceError]]:
    """What a build makes of ``raw``: the tables (after quarantine), the inputs listed, all errors."""
    units = list_sources(raw)
    docs: list[Document] = []
    errors: list[SourceError] = []
    analyses = []  # (source key, analysis)
    for unit in units:
        got, errs = read_source(raw, unit.key)  # never raises for bad input
        errors += errs
        for doc in got:
            docs.append(doc)
            analysis, error = analyse_within_budget(doc)  # never raises
            if error is not None:
                errors.append(error)
                continue
            analyses.append((doc.source_key, analysis))
    documents = records_to_table(Document, docs, columns=DOCUMENT_COLUMNS)
    documents, errors_table, dropped = account_documents(documents, records_to_table(SourceError, errors))
    kept = [a for key, a in analyses if key not in dropped]  # as the dataset assets read them
    mentions = [m for a in kept for m in a.mentions]
    facts = [f for a in kept for f in a.facts]
    relations = [r for a in kept for r in a.relations]
    from pipeline.nlp.resolve import MENTION_COLUMNS

    mention_table, fact_table = with_row_ids(records_to_table(Mention, mentions), records_to_table(Fact, facts))
    keep = set(documents.column("doc_id").to_pylist())

    def only_kept(t: pa.Table) -> pa.Table:
        import pyarrow.compute as pc

        return t.filter(pc.is_in(t.column("doc_id"), value_set=pa.array(sorted(keep), pa.string()))) if t.num_rows else t

    parts = {
        "documents": documents,
        "mentions": only_kept(mention_table.select([*MENTION_COLUMNS, "mention_id"])),
        "facts": only_kept(fact_table),
        "relations": only_kept(records_to_table(Relation, relations)),
        "errors": errors_table,
    }
    tables, _ = build_quarantined(parts, lambda p: build_tables_arrow(
        p["documents"], p["mentions"], p["facts"], p["relations"], p["errors"], None, of_documents=True))
    return tables, len(units), errors


def assert_publishable(tables: dict[str, pa.Table]) -> None:
    failures = validate.blocking_failures(validate.check_tables(tables))
    assert not failures, validate.summarize(failures)


def accounted(tables: dict[str, pa.Table]) -> int:
    return tables["documents"].num_rows + tables["errors"].num_rows


class RawFolder:
    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="prop-raw-"))
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


# ---- properties -------------------------------------------------------------------------------


@given(st.binary(max_size=2000))
def test_any_bytes_read_as_one_document_or_one_error(data):
    with RawFolder() as raw:
        (raw / "x.txt").write_bytes(data)
        docs, errors = read_source(raw, "x.txt")
        assert len(docs) + len(errors) == 1


@given(st.lists(unicode_text, min_size=1, max_size=4))
def test_random_unicode_files_end_in_documents_or_errors_and_publish_cleanly(texts):
    with RawFolder() as raw:
        for i, t in enumerate(texts):
            (raw / f"f{i}.txt").write_text(t, encoding="utf-8", errors="surrogatepass")
        tables, inputs, _ = run_stages(raw)
        assert inputs == len(texts)
        assert accounted(tables) == len(texts)  # every file: a document or an error row
        assert_publishable(tables)  # offsets slice to their text, numbers finite, keys unique


@given(unicode_text, st.sampled_from(ENCODINGS))
def test_random_encodings_decode_faithfully_or_say_why(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        decoded, name = decode_bytes(data)
    except DecodeError as exc:
        assert exc.reason
        return
    if encoding in ("utf-8", "utf-8-sig", "utf-16"):  # unambiguous: the text comes back as written
        assert normalize_text(decoded) == normalize_text(text)


RECORD_VALUE = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(), unicode_text,
                         st.lists(st.integers(), max_size=3))
records = st.lists(
    st.one_of(
        st.fixed_dictionaries({"text": unicode_text}, optional={
            "id": st.one_of(st.text(max_size=8), st.integers(), st.none()), "title": RECORD_VALUE,
            "url": st.one_of(st.sampled_from(["javascript:alert(1)", "https://a.example/x", ""]), RECORD_VALUE),
            "published_at": st.one_of(st.sampled_from(["2024-01-02", "2024年3月", "yesterday"]), RECORD_VALUE),
        }).map(lambda r: json.dumps(r, ensure_ascii=False)),
        st.dictionaries(st.text(max_size=5), RECORD_VALUE, max_size=3).map(json.dumps),
        st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),
    ),
    min_size=1, max_size=6,
)


@given(records)
@example(["{}", "\u00a0"])  # a line of only NBSP is blank (skipped), as str.strip sees it
def test_random_jsonl_lines_each_end_in_documents_or_errors(lines):
    with RawFolder() as raw:
        (raw / "r.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        tables, _, _ = run_stages(raw)
        non_blank = sum(1 for ln in lines if ln.strip())
        expected = max(non_blank, 1)  # an empty file is one error row
        assert accounted(tables) == expected
        assert_publishable(tables)


@given(st.lists(unicode_text, min_size=1, max_size=3))
def test_ids_are_stable_and_a_rerun_publishes_nothing(texts):
    with RawFolder() as raw:
        for i, t in enumerate(texts):
            (raw / f"f{i}.txt").write_text(t, encoding="utf-8", errors="surrogatepass")
        first, _, _ = run_stages(raw)
        second, _, _ = run_stages(raw)
        for name, t in schema.TABLES.items():
            key = list(t.primary_key)
            assert first[name].select(key).to_pylist() == second[name].select(key).to_pylist(), name
        from pipeline.publish.release import fingerprint

        assert fingerprint(first) == fingerprint(second)  # so publishing again writes nothing


def test_publishing_the_same_tables_twice_publishes_nothing(tmp_path):
    from pipeline.publish import publish_release

    with RawFolder() as raw:
        (raw / "a.txt").write_text("据报道，华为在深圳\u200b发布👍🏽新品，营收增长１０％。来源：新华社", encoding="utf-8")
        (raw / "b.txt").write_text("据报道，华为在深圳", encoding="utf-8")
        tables, _, _ = run_stages(raw)
    first = publish_release(tables, tmp_path, [])
    again = publish_release(tables, tmp_path, [])
    assert first.published and not again.published and again.version == first.version
