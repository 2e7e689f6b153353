"""The published row IDs of mentions and metrics: one definition, used where the rows are made.

``mention_id`` = ``men_`` + the first 16 hex of SHA-1 of ``doc_id:start:end``;
``metric_id`` = ``met_`` + the same of ``doc_id:start:end:metric``; ``relation_id`` =
``rel_`` + the same of ``doc_id:span_start:span_end:relation`` (the evidence span). Both depend on
one document only, so the per-document extraction step computes them (in the
worker processes, stored with the document's results: ``with_row_ids``) and the
dataset step takes them from there; rows stored by an older version without them
get them computed then (``ids_column``). Changing this scheme changes every ID in
the next release: don't.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

MENTION_ID_COLUMNS = ("doc_id", "start", "end")
METRIC_ID_COLUMNS = ("doc_id", "start", "end", "metric")


def hash16(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def relation_id(doc_id: str, span_start: int, span_end: int, relation: str) -> str:
    return "rel_" + hash16(f"{doc_id}:{span_start}:{span_end}:{relation}")


def hash_ids(prefix: str, *columns: list) -> list[str]:
    """``prefix`` + first 16 hex of sha1 of the values joined with ':', row by row."""
    sha1 = hashlib.sha1
    if len(columns) == 3:
        return [prefix + sha1(f"{a}:{b}:{c}".encode()).hexdigest()[:16] for a, b, c in zip(*columns)]
    if len(columns) == 4:
        return [prefix + sha1(f"{a}:{b}:{c}:{d}".encode()).hexdigest()[:16] for a, b, c, d in zip(*columns)]
    return [prefix + sha1(":".join(map(str, values)).encode("utf-8")).hexdigest()[:16] for values in zip(*columns)]


def _key_columns(table: pa.Table, keys: tuple[str, ...]) -> list[list]:
    """The key columns' values; for metrics, a fact's ``id_key`` (set where one span holds facts about
    several subjects: A、B的增速均超过10%) stands in for its metric."""
    cols = [table.column(k).to_pylist() for k in keys]
    if "metric" in keys and "id_key" in table.column_names:
        i = keys.index("metric")
        cols[i] = [k if k else m for k, m in zip(table.column("id_key").to_pylist(), cols[i])]
    return cols


def ids_column(table: pa.Table, column: str, prefix: str, keys: tuple[str, ...]) -> list[str]:
    """The IDs of ``table``'s rows: its stored ``column`` where present, computed where not."""
    if column in table.column_names:
        ids = table.column(column).to_pylist()
        missing = [i for i, x in enumerate(ids) if x is None]
        if not missing:
            return ids
        sub = table.take(pa.array(missing, pa.int64()))
        for i, x in zip(missing, hash_ids(prefix, *_key_columns(sub, keys))):
            ids[i] = x
        return ids
    return hash_ids(prefix, *_key_columns(table, keys))


def with_row_ids(mentions: pa.Table, facts: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Per-document ``mentions`` and ``facts`` tables with their ``mention_id`` / ``metric_id`` appended."""
    m = hash_ids("men_", *(mentions.column(k).to_pylist() for k in MENTION_ID_COLUMNS))
    f = hash_ids("met_", *_key_columns(facts, METRIC_ID_COLUMNS))
    return (mentions.append_column("mention_id", pa.array(m, pa.string())),
            facts.append_column("metric_id", pa.array(f, pa.string())))
