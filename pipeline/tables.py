"""Per-document results + entity resolution -> the published tables, typed per ``schema``.

``build_tables(documents, analyses, errors, previous)`` returns one pandas
DataFrame per table of ``schema.TABLES`` (``build_tables_arrow`` does the work, over
Arrow tables of the records, which is how the dataset assets call it: columns are
joined and counted with ``pyarrow.compute``; Python loops run over entities,
relations and facts, not over mentions, and turn a batch of rows into Python
values at a time: ``TEXT_BATCH``, ``RELATION_BATCH``, ``FACT_BATCH``), with exactly
the schema's columns and dtypes, sorted by primary key (``documents`` built directly
in key order, each text copied once; every other table let go as soon as its sorted
copy is made), such that every ``mentions.entity_id`` and ``metrics.subject_id`` is
a row of an entity table and every ``doc_id`` is a row of ``documents``. ``read_previous_ids(release_dir)`` reads the entity IDs of a
published release so that entities keep their IDs (``nlp.resolve``).

Column rules:
- counts: ``mention_count`` = mentions in all documents (a district or zone
  mention counts toward its city), ``doc_count`` = documents with a mention;
- ``relations``: one row per relation a document states (``nlp.relations``; the
  first statement is the evidence) whose subject and object resolve to entities; ``relation_id`` = ``rel_`` + first 16 hex of
  sha1 of ``doc_id:char_start:char_end:relation`` (the evidence span);
- ``people.firm_id`` / ``role``: the person -> firm relation (founded, leads,
  works_at; founded and leads count double) stated most often (ties: the first
  stated); ``firms.hq_city_id``: likewise from ``headquartered_in`` relations;
  ``firms.founded_year``: from facts whose metric is 成立年份 about the firm;
- metrics: the subject is the entity of the mention at the fact's subject offsets;
  a subject that resolves to no entity leaves subject_id, subject_type and
  subject_name empty (and subject_method ``none``); ``indicator_id`` maps the metric
  phrase and unit to the indicator vocabulary (``nlp.indicators``);
- indicators: the rows of ``pipeline/data/metrics/indicators.csv`` (plus the user's files);
- IDs: ``mention_id`` = ``men_`` + first 16 hex of sha1 of ``doc_id:char_start:char_end``;
  ``metric_id`` = ``met_`` + first 16 hex of sha1 of ``doc_id:char_start:char_end:metric``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema
from pipeline.ids import MENTION_ID_COLUMNS, METRIC_ID_COLUMNS, hash16, ids_column, relation_id
from pipeline.ingest.sources import source_key_path
from pipeline.nlp.indicators import indicator_for, indicator_rows
from pipeline.nlp.resolve import PreviousIds, mentions_table, resolve_table
from pipeline.records import Document, DocumentAnalysis, Fact, Relation, SourceError
from pipeline.rights import text_sha256
from pipeline.workdir import records_to_table

FOUNDED_METRIC = "成立年份"


def build_tables(
    documents: Iterable[Document],
    analyses: Iterable[DocumentAnalysis],
    errors: Iterable[SourceError],
    previous: PreviousIds | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of ``schema.TABLES`` from the documents, their analyses and the input errors."""
    analyses = list(analyses)
    tables = build_tables_arrow(
        records_to_table(Document, list(documents), columns=DOCUMENT_COLUMNS),
        mentions_table(analyses),
        records_to_table(Fact, [f for a in analyses for f in a.facts]),
        records_to_table(Relation, [r for a in analyses for r in a.relations]),
        records_to_table(SourceError, list(errors)),
        previous,
    )
    return {name: t.to_pandas(types_mapper=schema._pandas_type) for name, t in tables.items()}


DOCUMENT_COLUMNS = ("doc_id", "source_key", "source_path", "title", "published_at", "url", "text", "sha256",
                    "license", "accessed_at")


def _in_order(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    """The rows of ``table`` whose ``column`` is among ``values``, in their order."""
    return table.filter(pc.is_in(table.column(column), value_set=values))


def _sorted(name: str, table: pa.Table) -> pa.Table:
    """Rows sorted by primary key, nulls first (a stable sort)."""
    if table.num_rows <= 1:
        return table
    return table.sort_by([(k, "ascending", "at_start") for k in schema.TABLES[name].primary_key])


def _span_lookup(kept: pa.Table) -> pa.Table:
    """The resolved mentions (``kept``: in mention order, with their ``entity_id``) as the span
    lookup of ``_entity_at``: doc_id, start, end, entity_type, entity ID (eid) and row number.
    The columns are those of ``kept``, not copies."""
    return pa.table({
        "doc_id": kept.column("doc_id"), "start": kept.column("start"), "end": kept.column("end"),
        "entity_type": kept.column("entity_type"), "eid": kept.column("entity_id"),
        "_row": pa.array(np.arange(kept.num_rows, dtype=np.int64)),
    })


def _entity_at(spans: pa.Table, *queries: tuple) -> list[dict[int, dict[str, str]]]:
    """For each query (doc, start, end columns): row -> {entity_type: entity ID} of the mentions on
    exactly that row's span (the last such mention per type, as a dict filled in mention order
    would hold); rows on no mention's span are absent (not an empty dict each).

    One hash join for all queries, built on the queries (smaller than the mentions)."""
    sizes = [len(q[0]) for q in queries]
    out: list[dict[int, dict[str, str]]] = [{} for _ in sizes]
    if not sum(sizes) or not spans.num_rows:
        return out
    parts = []
    offset = 0
    for (doc, start, end), n in zip(queries, sizes):
        parts.append(pa.table({
            "doc_id": doc, "start": start, "end": end,
            "_q": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
        }))
        offset += n
    query = pa.concat_tables(parts)
    query = query.filter(pc.and_(pc.is_valid(query.column("start")), pc.is_valid(query.column("end"))))
    joined = spans.join(query, keys=["doc_id", "start", "end"], join_type="inner", use_threads=False)
    if joined.num_rows > 1:
        joined = joined.sort_by([("_row", "ascending")])
    bounds = np.cumsum([0, *sizes]).tolist()
    for q, etype, eid in zip(*(joined.column(c).to_pylist() for c in ("_q", "entity_type", "eid"))):
        which = int(np.searchsorted(bounds, q, side="right")) - 1
        out[which].setdefault(q - bounds[which], {})[etype] = eid
    return out


def _document_rows(documents: pa.Table) -> pa.Array:
    """The row of each published document: the first of each doc_id in source-key order (a text
    stored by two sources is its first), in that order. Only the key columns are sorted, not the texts."""
    n = documents.num_rows
    keys = pa.table({"doc_id": documents.column("doc_id"), "source_key": documents.column("source_key"),
                     "_row": pa.array(np.arange(n, dtype=np.int64))})
    if n > 1:
        keys = keys.sort_by([("source_key", "ascending")])
    firsts = keys.append_column("_pos", pa.array(np.arange(n, dtype=np.int64)))
    firsts = firsts.group_by(["doc_id"], use_threads=False).aggregate([("_pos", "min")])
    if firsts.num_rows != n:
        keys = keys.take(pa.array(np.sort(firsts.column("_pos_min").to_numpy()), pa.int64()))
    return keys.column("_row").combine_chunks()


TEXT_BATCH = 20_000  # documents whose texts are turned into Python strings at a time


def _text_sha256s(texts: pa.ChunkedArray | pa.Array) -> pa.Array:
    """``rights.text_sha256`` of each text, a batch of texts at a time (never every text as Python strings)."""
    out: list[str] = []
    for start in range(0, len(texts), TEXT_BATCH):
        out.extend(text_sha256(t) for t in texts.slice(start, TEXT_BATCH).to_pylist())
    return pa.array(out, pa.string())


def build_documents(documents: pa.Table, rows: pa.Array, doc_ids: pa.Array) -> pa.Table:
    """The ``documents`` table: the rows ``rows`` of the stored documents (``doc_ids`` their IDs), in
    primary-key order; each column is taken once, in its final order (the texts are copied once)."""
    order = pc.array_sort_indices(doc_ids, null_placement="at_start") if len(doc_ids) > 1 else pa.array(np.arange(len(doc_ids)), pa.int64())
    final = rows.take(order)
    keys, paths = (documents.column(c).take(final).to_pylist() for c in ("source_key", "source_path"))
    text = documents.column("text").take(final)
    table = pa.table({
        "doc_id": doc_ids.take(order),
        "source_path": pa.array([_source_path_of(k, p) for k, p in zip(keys, paths)], pa.string()),
        "title": pc.fill_null(documents.column("title").take(final), ""),
        "published_at": documents.column("published_at").take(final),
        "url": documents.column("url").take(final),
        "license": _column_or_null(documents, "license", pa.string()).take(final),
        "accessed_at": _column_or_null(documents, "accessed_at", pa.string()).take(final),
        "n_chars": pc.cast(pc.utf8_length(text), pa.int64()),
        "sha256": documents.column("sha256").take(final),
        "text_sha256": _text_sha256s(text),
        "text": text,
    })
    target = schema.TABLES["documents"].arrow_schema()
    return table.select(target.names).cast(target)


def _mention_ids(kept: pa.Table):
    """The ``mention_id`` of each resolved mention: the stored one (an Arrow column, never Python
    strings when every row has one), computed where missing; two entities on one span (should not
    happen) keep both rows, the second with an ID that also hashes its entity."""
    stored = kept.column("mention_id") if "mention_id" in kept.column_names else None
    if stored is not None and stored.null_count == 0:
        ids = stored
    else:
        ids = pa.array(ids_column(kept, "mention_id", "men_", MENTION_ID_COLUMNS), pa.string())
    if pc.count_distinct(ids).as_py() == len(ids):
        return ids
    m_ids = ids.to_pylist()
    seen: set[str] = set()
    m_doc, m_start, m_end = (kept.column(c).to_pylist() for c in MENTION_ID_COLUMNS)
    eids = kept.column("entity_id").to_pylist()
    for i, mid in enumerate(m_ids):
        if mid in seen:
            m_ids[i] = mid = "men_" + hash16(f"{m_doc[i]}:{m_start[i]}:{m_end[i]}:{eids[i]}")
        seen.add(mid)
    return pa.array(m_ids, pa.string())


FACT_BATCH = 50_000  # facts whose columns are turned into Python values at a time


def _first_of_each(ids) -> pa.Array | None:
    """The rows holding the first of each ID, in order; None when every ID is distinct."""
    if pc.count_distinct(ids).as_py() == len(ids) and ids.null_count == 0:
        return None
    firsts = pa.table({"id": ids, "_row": pa.array(np.arange(len(ids), dtype=np.int64))})
    firsts = firsts.group_by(["id"], use_threads=False).aggregate([("_row", "min")])
    return pa.array(np.sort(firsts.column("_row_min").to_numpy()), pa.int64())


def build_metrics(facts: pa.Table, subject_at: dict[int, dict[str, str]], entities: dict) -> tuple[pa.Table, dict]:
    """The ``metrics`` table (one row per metric ID: its first fact) and the founding years stated
    about each firm (firm ID -> Counter of years). ``subject_at``: fact row -> {entity type: entity ID}
    of the mentions on its subject span. The facts are read a batch (``FACT_BATCH``) at a time."""
    if "metric_id" in facts.column_names and facts.column("metric_id").null_count == 0:
        f_ids = facts.column("metric_id")
    else:
        f_ids = pa.array(ids_column(facts, "metric_id", "met_", METRIC_ID_COLUMNS), pa.string())
    keep = _first_of_each(f_ids)
    kept_facts = facts.take(keep) if keep is not None else facts
    rows = keep.to_numpy() if keep is not None else np.arange(facts.num_rows)
    methods = kept_facts.column("subject_method") if "subject_method" in kept_facts.column_names else None
    founded: dict[str, Counter] = defaultdict(Counter)
    subject_ids: list = []
    indicator_ids: list = []
    subject_methods: list = []
    for b in range(0, kept_facts.num_rows, FACT_BATCH):
        part = kept_facts.slice(b, FACT_BATCH)
        cols = {c: part.column(c).to_pylist() for c in ("subject_type", "metric", "unit", "year", "value")}
        method = methods.slice(b, FACT_BATCH).to_pylist() if methods is not None else [None] * part.num_rows
        for j, row in enumerate(rows[b:b + FACT_BATCH].tolist()):
            found = subject_at.get(row)
            subj = None
            if found:
                stype = cols["subject_type"][j]
                subj = found.get(stype) if stype else None
                if not subj:
                    subj = next((found[t] for t in SUBJECT_TYPES if t in found), None)
            ent = entities.get(subj) if subj else None
            sid = ent.entity_id if ent else None
            subject_ids.append(sid)
            subject_methods.append((method[j] or "none") if sid else "none")
            indicator_ids.append(indicator_for(cols["metric"][j], cols["unit"][j]))
            if ent is not None and ent.entity_type == "firm" and cols["metric"][j] == FOUNDED_METRIC:
                year = cols["year"][j] if cols["year"][j] is not None else int(cols["value"][j])
                founded[ent.entity_id][year] += 1
    table = pa.table({
        "metric_id": f_ids.take(keep) if keep is not None else f_ids,
        "doc_id": kept_facts.column("doc_id"),
        "subject_id": pa.array(subject_ids, pa.string()),
        "subject_type": pa.array([entities[e].entity_type if e else None for e in subject_ids], pa.string()),
        "subject_name": pa.array([entities[e].name if e else None for e in subject_ids], pa.string()),
        **{c: kept_facts.column(c) for c in ("metric", "value", "unit", "qualifier", "year", "period", "span_text", "sentence")},
        "char_start": kept_facts.column("start"), "char_end": kept_facts.column("end"),
        "indicator_id": pa.array(indicator_ids, pa.string()),
        "subject_method": pa.array(subject_methods, pa.string()),
    })
    return table, founded


def build_tables_arrow(
    documents: pa.Table,
    mentions: pa.Table,
    facts: pa.Table,
    relations: pa.Table,
    errors: pa.Table,
    previous: PreviousIds | None = None,
    of_documents: bool = False,
) -> dict[str, pa.Table]:
    """``build_tables`` over Arrow tables of the records (``pipeline.workdir`` layout), one row per record.

    ``mentions``, ``facts`` and ``relations`` are in the order of their documents'
    analyses (what resolution and "first seen" mean); rows of documents not in
    ``documents`` are left out (``of_documents``: the caller already did). Returns
    Arrow tables with the schema's types.
    """
    doc_rows = _document_rows(documents)  # the first of each doc_id, in source-key order
    doc_ids = documents.column("doc_id").take(doc_rows).combine_chunks()
    out: dict[str, pa.Table] = {}  # the documents table is made last: its texts are a copy
    if not of_documents:
        mentions = _in_order(mentions, "doc_id", doc_ids)
        facts = _in_order(facts, "doc_id", doc_ids)
        relations = _in_order(relations, "doc_id", doc_ids)
    _phase("resolve")
    entities, ids = resolve_table(mentions, previous)
    _phase("mentions")
    kept = _resolved_mentions(mentions, ids)
    del ids
    out["mentions"] = build_mentions(kept)
    counts = _MentionCounts.of(kept)

    _phase("relations")
    r_doc = relations.column("doc_id")
    subj_at, obj_at, subject_at = _entity_at(
        _span_lookup(kept),
        (r_doc, relations.column("subject_start"), relations.column("subject_end")),
        (r_doc, relations.column("object_start"), relations.column("object_end")),
        (facts.column("doc_id"), facts.column("subject_start"), facts.column("subject_end")),
    )
    del kept
    relation_rows, said = _relation_rows(relations, subj_at, obj_at, entities,
                                         documents.column("text"), doc_rows.take(pc.index_in(r_doc, value_set=doc_ids)))

    _phase("metrics")
    out["metrics"], founded = build_metrics(facts, subject_at, entities)
    out["indicators"] = build_indicators()

    _phase("entity_tables")
    ordered = sorted(entities.items())
    out["people"] = build_people(ordered, counts, said)
    out["firms"] = build_firms(ordered, counts, said, founded)
    out["organizations"] = build_organizations(ordered, counts)
    out["cities"] = build_cities(ordered, counts)
    out["regions"] = build_regions(ordered, counts)
    out["relations"] = build_relations(relation_rows)
    del relation_rows

    _phase("errors_and_sort")
    out["errors"] = build_errors(errors)
    result: dict[str, pa.Table] = {}
    for name in schema.TABLES:
        if name != "documents":  # each built table is let go as soon as its sorted copy is made
            result[name] = _sorted(name, _typed(name, out.pop(name)))
    _phase("documents")
    result["documents"] = build_documents(documents, doc_rows, doc_ids)  # built in key order
    return {name: result[name] for name in schema.TABLES}


def _typed(name: str, table: pa.Table) -> pa.Table:
    """``table`` with exactly the schema's columns of table ``name``, in order, with its types."""
    target = schema.TABLES[name].arrow_schema()
    return table.select(target.names).cast(target)


def _rows_table(name: str, records: list[dict]) -> pa.Table:
    """Table ``name`` from row dicts (a column absent from a row is null)."""
    target = schema.TABLES[name].arrow_schema()
    return pa.Table.from_pydict({c: [r.get(c) for r in records] for c in target.names}, schema=target)


def _resolved_mentions(mentions: pa.Table, ids: pa.Array) -> pa.Table:
    """The mentions that resolved to an entity, in mention order, with their ``entity_id``."""
    stored = [c for c in ("mention_id",) if c in mentions.column_names]
    kept = mentions.select(["doc_id", "start", "end", "entity_type", "text", *stored]).append_column("entity_id", ids)
    return kept.filter(pc.is_valid(ids))


def build_mentions(kept: pa.Table) -> pa.Table:
    """The ``mentions`` table from the resolved mentions."""
    return pa.table({
        "mention_id": _mention_ids(kept), "entity_id": kept.column("entity_id"),
        "entity_type": kept.column("entity_type"), "doc_id": kept.column("doc_id"),
        "char_start": kept.column("start"), "char_end": kept.column("end"), "text": kept.column("text"),
    })


class _MentionCounts:
    """Per entity ID: mentions in all documents (``mention_count``) and documents with a mention (``doc_count``)."""

    def __init__(self, mentions: dict[str, int], documents: dict[str, int]):
        self.mentions = mentions
        self.documents = documents

    @classmethod
    def of(cls, kept: pa.Table) -> "_MentionCounts":
        per_entity = kept.group_by(["entity_id"], use_threads=False).aggregate(
            [("doc_id", "count"), ("doc_id", "count_distinct")])
        eids = per_entity.column("entity_id").to_pylist()
        return cls(dict(zip(eids, per_entity.column("doc_id_count").to_pylist())),
                   dict(zip(eids, per_entity.column("doc_id_count_distinct").to_pylist())))

    def columns(self, eid: str, entity) -> dict:
        """The columns every entity table has: aliases, mention_count, doc_count."""
        return {"aliases": list(entity.aliases), "mention_count": self.mentions.get(eid, 0),
                "doc_count": self.documents.get(eid, 0)}


class _RelationTallies:
    """What the relations say about the entity tables: a person's firm and role, a firm's head-quarters city.

    The relation stated most often wins (founded and leads count double); ties: the first stated.
    """

    def __init__(self):
        self.person_firm: dict[str, Counter] = defaultdict(Counter)
        self.firm_city: dict[str, Counter] = defaultdict(Counter)
        self.first_seen: dict[tuple, int] = {}

    def add(self, order: int, kind: str, role: str | None, subj_types: dict, obj_types: dict) -> tuple[str, str] | None:
        """Count relation ``order`` when it is person -> firm or firm -> city; returns its (subject, object) then."""
        if kind in PERSON_FIRM_KINDS and "person" in subj_types and "firm" in obj_types:
            subj, obj = subj_types["person"], obj_types["firm"]
            self.person_firm[subj][(obj, role)] += 1 + (kind in ("founded", "leads"))
            self.first_seen.setdefault((subj, obj, role), order)
            return subj, obj
        if kind == "headquartered_in" and "firm" in subj_types and "city" in obj_types:
            subj, obj = subj_types["firm"], obj_types["city"]
            self.firm_city[subj][obj] += 1
            self.first_seen.setdefault((subj, obj), order)
            return subj, obj
        return None

    def employer(self, eid: str) -> tuple[str | None, str | None]:
        """(firm ID, role) of a person, or (None, None)."""
        if not self.person_firm.get(eid):
            return None, None
        (firm_id, role), _n = max(self.person_firm[eid].items(), key=lambda kv: (kv[1], -self.first_seen[(eid, *kv[0])]))
        return firm_id, role

    def headquarters(self, eid: str) -> str | None:
        """City ID of a firm's head-quarters, or None."""
        if not self.firm_city.get(eid):
            return None
        hq, _n = max(self.firm_city[eid].items(), key=lambda kv: (kv[1], -self.first_seen[(eid, kv[0])]))
        return hq


RELATION_COLUMNS = ("doc_id", "kind", "role", "subject_start", "subject_end", "object_start", "object_end",
                    "span_start", "span_end", "sentence")


def _relation_rows(relations: pa.Table, subj_at: dict, obj_at: dict, entities: dict, texts: pa.ChunkedArray,
                   doc_rows: pa.Array) -> tuple[list[dict], _RelationTallies]:
    """One ``relations`` row per stated relation whose subject and object resolve to two entities, and the
    tallies of person -> firm and firm -> city relations. ``subj_at`` / ``obj_at``: relation row ->
    {entity type: entity ID} on its subject / object span; ``doc_rows``: each relation's row in ``texts``."""
    said = _RelationTallies()
    rows: list[dict] = []
    if not relations.num_rows:
        return rows, said
    r_cols = {c: relations.column(c).to_pylist() if c in relations.column_names else [None] * relations.num_rows
              for c in RELATION_COLUMNS}
    span_texts = _span_texts(r_cols, doc_rows, texts)
    for order in range(relations.num_rows):
        subj_types, obj_types = subj_at.get(order, {}), obj_at.get(order, {})
        kind, role = r_cols["kind"][order], r_cols["role"][order] or None
        subj = next(iter(subj_types.values()), None)
        obj = next(iter(obj_types.values()), None)
        if not subj or not obj or subj == obj or kind not in schema.RELATION_KINDS:
            continue
        typed = said.add(order, kind, role, subj_types, obj_types)
        if typed is not None:
            subj, obj = typed
        rows.append(_relation_row(r_cols, order, span_texts[order], entities[subj], entities[obj], kind, role))
    return rows, said


def build_relations(relation_rows: list[dict]) -> pa.Table:
    """The ``relations`` table: one row per document, subject, relation and object."""
    return _rows_table("relations", _unique_relation_ids(relation_rows))


def build_indicators() -> pa.Table:
    """The ``indicators`` table: the indicator vocabulary (``nlp.indicators``)."""
    return pa.Table.from_pylist(indicator_rows(), schema=schema.TABLES["indicators"].arrow_schema())


def build_people(entities: list[tuple], counts: _MentionCounts, said: _RelationTallies) -> pa.Table:
    """The ``people`` table; ``entities``: (entity ID, entity) pairs sorted by ID."""
    rows = []
    for eid, e in entities:
        if e.entity_type == "person":
            firm_id, role = said.employer(eid)
            rows.append({"person_id": eid, "name": e.name, **counts.columns(eid, e), "firm_id": firm_id,
                         "role": role or None})
    return _rows_table("people", rows)


def build_firms(entities: list[tuple], counts: _MentionCounts, said: _RelationTallies,
                founded: dict[str, Counter]) -> pa.Table:
    """The ``firms`` table (``founded``: firm ID -> Counter of the founding years stated about it)."""
    rows = []
    for eid, e in entities:
        if e.entity_type == "firm":
            year = founded[eid].most_common(1)[0][0] if founded.get(eid) else None
            rows.append({"firm_id": eid, "name": e.name, **counts.columns(eid, e),
                         "hq_city_id": said.headquarters(eid), "founded_year": year})
    return _rows_table("firms", rows)


def build_organizations(entities: list[tuple], counts: _MentionCounts) -> pa.Table:
    """The ``organizations`` table."""
    rows = [{"org_id": eid, "name": e.name, **counts.columns(eid, e), "kind": e.attrs.get("kind", "other")}
            for eid, e in entities if e.entity_type == "org"]
    return _rows_table("organizations", rows)


def build_cities(entities: list[tuple], counts: _MentionCounts) -> pa.Table:
    """The ``cities`` table."""
    rows = [{"city_id": eid, "name": e.name, "full_name": e.attrs["full_name"], "province": e.attrs["province"],
             "level": e.attrs["level"], **counts.columns(eid, e)}
            for eid, e in entities if e.entity_type == "city"]
    return _rows_table("cities", rows)


def build_regions(entities: list[tuple], counts: _MentionCounts) -> pa.Table:
    """The ``regions`` table: provinces and countries (every entity type without a table of its own)."""
    rows = [{"region_id": eid, "name": e.name, "full_name": e.attrs["full_name"], "level": e.attrs["level"],
             **counts.columns(eid, e)}
            for eid, e in entities if e.entity_type not in ("person", "firm", "org", "city")]
    return _rows_table("regions", rows)


ERROR_COLUMNS = ("source_path", "line", "reason", "sha256", "kind", "check", "duplicate_of")


def build_errors(errors: pa.Table) -> pa.Table:
    """The ``errors`` table: one row per source path and line (the first error stated)."""
    seen: set[tuple] = set()
    rows = []
    columns = [errors.column(c).to_pylist() if c in errors.column_names else [None] * errors.num_rows
               for c in ERROR_COLUMNS]
    for path, line, reason, sha, kind, check, duplicate_of in zip(*columns):
        if (path, line) in seen:
            continue
        seen.add((path, line))
        rows.append({"source_path": path, "line": line, "reason": reason, "sha256": sha,
                     "kind": kind or "unreadable", "check": check, "duplicate_of": duplicate_of})
    return _rows_table("errors", rows)


# Called with the name of each phase of the fan-in as it starts (the growth benchmark's
# per-phase memory profile, ``tooling.bench.growth``); None: nothing is called.
PHASE_HOOK = None


def phase(name: str) -> None:
    """Mark the start of a phase of the fan-in (``PHASE_HOOK``)."""
    if PHASE_HOOK is not None:
        PHASE_HOOK(name)


_phase = phase


SUBJECT_TYPES = ("firm", "person", "org", "city", "province", "country")
PERSON_FIRM_KINDS = ("founded", "leads", "works_at")


def _evidence(cols: dict, i: int) -> tuple[int, int]:
    """The evidence span of relation ``i``: its stated span, or (stored by an older version) the two mentions' extent."""
    start, end = cols["span_start"][i], cols["span_end"][i]
    if start is None or end is None:
        start = min(cols["subject_start"][i], cols["object_start"][i])
        end = max(cols["subject_end"][i], cols["object_end"][i])
    return start, end


RELATION_BATCH = 2_000  # relations whose documents' texts are turned into Python strings at a time


def _span_texts(cols: dict, doc_rows: pa.Array, texts: pa.ChunkedArray) -> list[str]:
    """The text of each relation's evidence span; ``doc_rows``: each relation's row in ``texts`` (null: none).

    The texts are turned into Python strings only for the documents of ``RELATION_BATCH`` relations at a time."""
    batch = RELATION_BATCH
    out: list[str] = []
    rows = doc_rows.to_pylist()
    for b in range(0, len(rows), batch):
        block = rows[b:b + batch]
        wanted = sorted({r for r in block if r is not None})
        text_of = dict(zip(wanted, texts.take(pa.array(wanted, pa.int64())).to_pylist())) if wanted else {}
        for i, r in enumerate(block, start=b):
            start, end = _evidence(cols, i)
            out.append((text_of.get(r) or "")[start:end])
    return out


def _relation_row(cols: dict, i: int, span_text: str, subj, obj, kind: str, role: str | None) -> dict:
    """One ``relations`` row: the resolved subject and object, the evidence span and its sentence."""
    doc_id = cols["doc_id"][i]
    start, end = _evidence(cols, i)
    return {
        "relation_id": relation_id(doc_id, start, end, kind), "doc_id": doc_id,
        "subject_id": subj.entity_id, "subject_type": subj.entity_type, "subject_name": subj.name,
        "relation": kind,
        "object_id": obj.entity_id, "object_type": obj.entity_type, "object_name": obj.name,
        "role": role if kind in PERSON_FIRM_KINDS else None,
        "span_text": span_text, "sentence": cols["sentence"][i] or "", "char_start": start, "char_end": end,
    }


def _unique_relation_ids(rows: list[dict]) -> list[dict]:
    """One row per document, subject, relation and object (the first statement is the evidence); a
    second pair on the same span and relation gets an ID that also hashes its subject and object."""
    out, seen, ids = [], set(), set()
    for r in rows:
        key = (r["doc_id"], r["subject_id"], r["relation"], r["object_id"])
        if key in seen:
            continue
        seen.add(key)
        if r["relation_id"] in ids:
            r["relation_id"] = "rel_" + hash16(f"{r['relation_id']}:{r['subject_id']}:{r['object_id']}")
        ids.add(r["relation_id"])
        out.append(r)
    return out


def _column_or_null(table: pa.Table, name: str, type_: pa.DataType) -> pa.Array:
    """A column of the records, or nulls when they were stored before it existed."""
    if name in table.column_names:
        return table.column(name)
    return pa.nulls(table.num_rows, type_)


def _source_path_of(source_key: str | None, source_path: str) -> str:
    if not source_key:
        return source_path

    rel, fragment = source_key_path(source_key)
    return f"{rel}#{fragment}" if fragment is not None else rel


def read_previous_ids(release_dir: str | Path) -> PreviousIds:
    """(entity_type, name or alias) -> entity ID, from a release's people, firms and organizations Parquet files."""
    release_dir = Path(release_dir)
    out: PreviousIds = {}
    for table, etype, id_col in (("people", "person", "person_id"), ("firms", "firm", "firm_id"), ("organizations", "org", "org_id")):
        path = release_dir / f"{table}.parquet"
        if not path.exists():
            continue
        frame = pd.read_parquet(path, columns=[id_col, "name", "aliases"])
        for eid, name, aliases in zip(frame[id_col], frame["name"], frame["aliases"]):
            out.setdefault((etype, str(name)), str(eid))
            for a in list(aliases) if aliases is not None else []:
                out.setdefault((etype, str(a)), str(eid))
    return out
