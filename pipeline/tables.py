"""Per-document results + entity resolution -> the published tables, typed per ``schema``.

``build_tables(documents, analyses, errors, previous)`` returns one pandas
DataFrame per table of ``schema.TABLES``, with exactly the schema's columns and
dtypes, sorted by primary key, such that every ``mentions.entity_id`` and
``metrics.subject_id`` is a row of an entity table and every ``doc_id`` is a row
of ``documents``. ``read_previous_ids(release_dir)`` reads the entity IDs of a
published release so that entities keep their IDs (``nlp.resolve``).

Column rules:
- counts: ``mention_count`` = mentions in all documents (a district or zone
  mention counts toward its city), ``doc_count`` = documents with a mention;
- ``people.firm_id`` / ``role``: the person -> firm relation stated most often
  (ties: the first stated); ``firms.hq_city_id``: likewise from headquarters
  relations; ``firms.founded_year``: from facts whose metric is 成立年份 about the firm;
- metrics: the subject is the entity of the mention at the fact's subject offsets;
  a subject that resolves to no entity leaves subject_id, subject_type and
  subject_name empty;
- IDs: ``mention_id`` = ``men_`` + first 16 hex of sha1 of ``doc_id:char_start:char_end``;
  ``metric_id`` = ``met_`` + first 16 hex of sha1 of ``doc_id:char_start:char_end:metric``.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.nlp.resolve import PreviousIds, Resolution, resolve
from pipeline.records import Document, DocumentAnalysis, SourceError

FOUNDED_METRIC = "成立年份"


def _hash16(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def mention_id(doc_id: str, start: int, end: int) -> str:
    return "men_" + _hash16(f"{doc_id}:{start}:{end}")


def metric_id(doc_id: str, start: int, end: int, metric: str) -> str:
    return "met_" + _hash16(f"{doc_id}:{start}:{end}:{metric}")


def build_tables(
    documents: Iterable[Document],
    analyses: Iterable[DocumentAnalysis],
    errors: Iterable[SourceError],
    previous: PreviousIds | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of ``schema.TABLES`` from the documents, their analyses and the input errors."""
    docs: dict[str, Document] = {}
    for d in sorted(documents, key=lambda d: d.source_key):
        docs.setdefault(d.doc_id, d)
    analyses = [a for a in analyses if a.doc_id in docs]
    res = resolve(analyses, previous)

    rows: dict[str, list[dict]] = {name: [] for name in schema.TABLES}
    for d in docs.values():
        rows["documents"].append(
            {
                "doc_id": d.doc_id, "source_path": _source_path(d), "title": d.title or "",
                "published_at": d.published_at, "url": d.url, "n_chars": len(d.text), "sha256": d.sha256,
                "text": d.text,
            }
        )

    # mentions and counts
    mention_count: Counter = Counter()
    docs_of: dict[str, set[str]] = defaultdict(set)
    seen_ids: set[str] = set()
    for a in analyses:
        for m in a.mentions:
            eid = res.mention_entity.get((m.doc_id, m.start, m.end, m.entity_type))
            if eid is None:
                continue
            mid = mention_id(m.doc_id, m.start, m.end)
            if mid in seen_ids:  # two entities on one span (should not happen): keep both, distinct IDs
                mid = "men_" + _hash16(f"{m.doc_id}:{m.start}:{m.end}:{eid}")
            seen_ids.add(mid)
            mention_count[eid] += 1
            docs_of[eid].add(m.doc_id)
            rows["mentions"].append(
                {
                    "mention_id": mid, "entity_id": eid, "entity_type": m.entity_type, "doc_id": m.doc_id,
                    "char_start": m.start, "char_end": m.end, "text": m.text,
                }
            )

    # relations -> people.firm_id/role, firms.hq_city_id
    person_firm: dict[str, Counter] = defaultdict(Counter)
    firm_city: dict[str, Counter] = defaultdict(Counter)
    order = 0
    first_seen: dict[tuple, int] = {}
    for a in analyses:
        for r in a.relations:
            if r.kind == "person_firm":
                subj = res.mention_entity.get((r.doc_id, r.subject_start, r.subject_end, "person"))
                obj = res.mention_entity.get((r.doc_id, r.object_start, r.object_end, "firm"))
                if subj and obj:
                    person_firm[subj][(obj, r.role)] += 1
                    first_seen.setdefault((subj, obj, r.role), order)
            elif r.kind == "firm_hq_city":
                subj = res.mention_entity.get((r.doc_id, r.subject_start, r.subject_end, "firm"))
                obj = res.mention_entity.get((r.doc_id, r.object_start, r.object_end, "city"))
                if subj and obj:
                    firm_city[subj][obj] += 1
                    first_seen.setdefault((subj, obj), order)
            order += 1

    # metrics
    founded: dict[str, Counter] = defaultdict(Counter)
    metric_ids: set[str] = set()
    for a in analyses:
        for f in a.facts:
            subj = _fact_subject(res, f)
            ent = res.entities.get(subj) if subj else None
            mid = metric_id(f.doc_id, f.start, f.end, f.metric)
            if mid in metric_ids:
                continue
            metric_ids.add(mid)
            rows["metrics"].append(
                {
                    "metric_id": mid, "doc_id": f.doc_id,
                    "subject_id": ent.entity_id if ent else None,
                    "subject_type": ent.entity_type if ent else None,
                    "subject_name": ent.name if ent else None,
                    "metric": f.metric, "value": float(f.value), "unit": f.unit, "qualifier": f.qualifier,
                    "year": f.year, "period": f.period, "span_text": f.span_text, "sentence": f.sentence,
                    "char_start": f.start, "char_end": f.end,
                }
            )
            if ent is not None and ent.entity_type == "firm" and f.metric == FOUNDED_METRIC:
                year = f.year if f.year is not None else int(f.value)
                founded[ent.entity_id][year] += 1

    for eid, e in sorted(res.entities.items()):
        base = {"aliases": list(e.aliases), "mention_count": mention_count.get(eid, 0), "doc_count": len(docs_of.get(eid, ()))}
        if e.entity_type == "person":
            firm_id = role = None
            if person_firm.get(eid):
                (firm_id, role), _n = max(
                    person_firm[eid].items(), key=lambda kv: (kv[1], -first_seen[(eid, *kv[0])])
                )
            rows["people"].append({"person_id": eid, "name": e.name, **base, "firm_id": firm_id, "role": role or None})
        elif e.entity_type == "firm":
            hq = None
            if firm_city.get(eid):
                hq, _n = max(firm_city[eid].items(), key=lambda kv: (kv[1], -first_seen[(eid, kv[0])]))
            year = founded[eid].most_common(1)[0][0] if founded.get(eid) else None
            rows["firms"].append({"firm_id": eid, "name": e.name, **base, "hq_city_id": hq, "founded_year": year})
        elif e.entity_type == "org":
            rows["organizations"].append({"org_id": eid, "name": e.name, **base, "kind": e.attrs.get("kind", "other")})
        elif e.entity_type == "city":
            rows["cities"].append(
                {
                    "city_id": eid, "name": e.name, "full_name": e.attrs["full_name"], "province": e.attrs["province"],
                    "level": e.attrs["level"], **base,
                }
            )
        else:  # province, country
            rows["regions"].append(
                {"region_id": eid, "name": e.name, "full_name": e.attrs["full_name"], "level": e.attrs["level"], **base}
            )

    seen_err: set[tuple] = set()
    for err in errors:
        k = (err.source_path, err.line)
        if k in seen_err:
            continue
        seen_err.add(k)
        rows["errors"].append({"source_path": err.source_path, "line": err.line, "reason": err.reason, "sha256": err.sha256})

    out: dict[str, pd.DataFrame] = {}
    for name, table in schema.TABLES.items():
        key = list(table.primary_key)
        data = sorted(rows[name], key=lambda r: tuple(_sortable(r.get(k)) for k in key))
        out[name] = schema.table_from_rows(name, data)
    return out


def _source_path(d: Document) -> str:
    """The raw file's relative path, plus ``#<record id or line>`` for a .jsonl record (unescaped key)."""
    if not d.source_key:
        return d.source_path
    from pipeline.ingest.sources import source_key_path

    rel, fragment = source_key_path(d.source_key)
    return f"{rel}#{fragment}" if fragment is not None else rel


def _sortable(v):
    return (v is not None, v if v is not None else 0)


def _fact_subject(res: Resolution, f) -> str | None:
    if f.subject_start is None or f.subject_end is None:
        return None
    if f.subject_type:
        eid = res.mention_entity.get((f.doc_id, f.subject_start, f.subject_end, f.subject_type))
        if eid:
            return eid
    for t in ("firm", "person", "org", "city", "province", "country"):
        eid = res.mention_entity.get((f.doc_id, f.subject_start, f.subject_end, t))
        if eid:
            return eid
    return None


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
