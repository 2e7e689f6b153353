"""Quarantine, not refusal: a document whose rows fail a row-level check is left out, not the release.

Belongs here: finding the documents behind the rows that fail a
*row-level* check of ``validate`` (``ROW_CHECKS``: references, offsets, finite
numbers, entity names), and rebuilding the tables without them. Each such
document becomes an ``errors`` row of kind ``quarantined``, with its file, the
table and check its rows failed (``check``, e.g. ``mentions.offsets``) and the
first finding in words; every other document is published as usual.

*Table-level* invariants (columns and types, unique primary keys) are not
row-level: they still block the release (``validate`` and the Dagster checks).

A failing row is traced to its documents: a row with a ``doc_id`` to that
document; an entity row (a bad name) to every document that mentions the
entity. The tables are rebuilt from the per-document results without those
documents (entity resolution included), and checked again, at most
``MAX_ROUNDS`` times; what still fails then is left to the blocking checks.
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema
from pipeline.accounting import _concat_errors, _source_paths
from pipeline.publish import validate
from pipeline.records import SourceError
from pipeline.workdir import records_to_table

ROW_CHECKS = ("foreign_keys", "offsets", "finite", "names")
MAX_ROUNDS = 3
_ROW = re.compile(r"^row (\d+):")


def failing_documents(tables: dict[str, pa.Table]) -> dict[str, tuple[str, str, int]]:
    """doc_id -> (``table.check``, first finding, rows failing) for every document behind a failing row."""
    arrow = validate.arrow_tables(tables)
    out: dict[str, tuple[str, str, int]] = {}
    try:
        for table in schema.TABLES:
            if arrow.get(table) is None:
                continue
            for check in validate.checks_for(table):
                if check not in ROW_CHECKS:
                    continue
                outcome = validate.run_check(check, table, tables, _arrow=arrow)
                if outcome.passed:
                    continue
                for doc_id, finding, rows in _documents_of(table, arrow, outcome.details):
                    out.setdefault(doc_id, (f"{table}.{check}", finding, rows))
    finally:
        validate._POINTS.clear()
    return out


def _documents_of(table: str, arrow: dict[str, pa.Table], details: list[str]):
    """(doc_id, first finding, number of findings) of the rows named by ``details``."""
    frame = arrow[table]
    rows: dict[int, str] = {}
    for d in details:
        m = _ROW.match(d)
        if m:
            rows.setdefault(int(m.group(1)), d)
    if not rows:
        return []
    by_doc: dict[str, list[str]] = {}
    if "doc_id" in frame.column_names:
        ids = frame.column("doc_id").to_pylist()
        for i, finding in rows.items():
            if ids[i] is not None:
                by_doc.setdefault(ids[i], []).append(finding)
    else:  # an entity table: the documents that mention the entity
        id_column = schema.TABLES[table].primary_key[0]
        entity_ids = frame.column(id_column).to_pylist()
        wanted = {entity_ids[i]: finding for i, finding in rows.items()}
        mentions = arrow.get("mentions")
        if mentions is not None and mentions.num_rows:
            hit = pc.is_in(mentions.column("entity_id"), value_set=pa.array(list(wanted), pa.string()))
            sel = mentions.filter(pc.fill_null(hit, False))
            for doc_id, eid in zip(sel.column("doc_id").to_pylist(), sel.column("entity_id").to_pylist()):
                by_doc.setdefault(doc_id, []).append(wanted[eid])
    return [(doc, findings[0], len(findings)) for doc, findings in by_doc.items()]


def exclude(parts: dict[str, pa.Table], bad: dict[str, tuple[str, str, int]]) -> dict[str, pa.Table]:
    """The per-document results without the documents of ``bad``, and an error row for each."""
    value_set = pa.array(sorted(bad), pa.string())
    out = dict(parts)
    for name in ("documents", "mentions", "facts", "relations"):
        t = parts[name]
        if t.num_rows:
            out[name] = t.filter(pc.invert(pc.fill_null(pc.is_in(t.column("doc_id"), value_set=value_set), False)))
    docs = parts["documents"]
    hit = pc.fill_null(pc.is_in(docs.column("doc_id"), value_set=value_set), False)
    gone = docs.filter(hit)
    rows = []
    for doc_id, path, sha in zip(gone.column("doc_id").to_pylist(), _source_paths(gone), gone.column("sha256").to_pylist()):
        check, finding, n = bad[doc_id]
        rows.append(SourceError(
            path, f"quarantined: {n} row(s) of {check.replace('.', ' failed the ')} check (e.g. {finding[:300]}); "
            "the document is left out of this release", None, sha, kind="quarantined", check=check,
        ))
    if rows:
        out["errors"] = _concat_errors(parts["errors"], records_to_table(SourceError, rows))
    return out


def build_quarantined(
    parts: dict[str, pa.Table], build: Callable[[dict[str, pa.Table]], dict[str, pa.Table]]
) -> tuple[dict[str, pa.Table], int]:
    """``build(parts)``, rebuilt without the documents whose rows fail a row-level check; and how many were left out."""
    tables = build(parts)
    left_out = 0
    for _ in range(MAX_ROUNDS):
        bad = failing_documents(tables)
        if not bad:
            break
        parts = exclude(parts, bad)
        left_out += len(bad)
        tables = build(parts)
    return tables, left_out


def quarantined_count(errors: pa.Table | None) -> int:
    """Rows of kind ``quarantined`` in an errors table."""
    if errors is None or "kind" not in errors.column_names or not errors.num_rows:
        return 0
    return int(np.sum(np.array(errors.column("kind").to_pylist(), dtype=object) == "quarantined"))
