"""The fan-in of a build: every published table from the stored per-document results.

:func:`build_dataset` reads the stored results of the current source units (the
``work/sources.json`` of the last ``build_sources``; a deleted source is absent,
so its rows leave the tables and its stored files are pruned), resolves
entities across documents keeping the IDs of the previous release
(``pipeline.tables``), and stages one Parquet file per table under
``<out>/work/tables/``. No NLP runs here.

The results are read and joined as Arrow tables (``tables.build_tables_arrow``),
never as one Python object per mention; the stored texts are let go once the
documents table holds them (a quarantine rebuild reads them again: ``with_texts``). :func:`read_staged_arrow` reads the
staged tables back; it keeps the tables this process last wrote or read, keyed
by the file's identity (inode, size, mtime), so the checks and the release step
of an in-process run do not decode the files again. That cache is only a read
cache: a file rewritten by anyone is read afresh.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema
from pipeline import tables as tables_module
from pipeline.accounting import account_documents
from pipeline.chunks import file_identity
from pipeline.engine import stages
from pipeline.engine.build import prune_records, read_source_set
from pipeline.publish.quarantine import build_quarantined
from pipeline.nlp.resolve import MENTION_COLUMNS
from pipeline.publish.files import to_arrow
from pipeline.records import Document, Fact, Mention, Relation, SourceError
from pipeline.workdir import Workdir, record_schema

TABLE_NAMES = list(schema.TABLES)
phase = tables_module.phase  # marks the phases of the fan-in (the growth benchmark's memory profile)


def load_results(wd: Workdir, groups: dict[str, list[str]], log=None) -> dict[str, pa.Table]:
    """The stored documents, mentions, facts, relations and errors of ``groups`` (partition -> unit keys).

    Arrow tables, one row per record: the documents in order (a text stored by two sources
    is one document: the first), and the mentions, facts and relations of each document
    after those of the documents before it (the order resolution reads them in).
    """
    missing = wd.missing(stages.EXTRACTIONS, [k for keys in groups.values() for k in keys], ["mentions"])
    if missing and log:
        log(f"{len(missing)} document(s) have no stored extraction yet and are left out "
            f"(build the sources first): {missing[:10]}")
    skip = set(missing)
    present = {p: [k for k in keys if k not in skip] for p, keys in groups.items()}

    def part(stage: str, name: str, cls, columns=None, row_id: str | None = None, units=None) -> pa.Table:
        table = stages.read_part_by_partition(wd, stage, name, present if units is None else units)
        empty = record_schema(cls)
        if table is None:
            table = empty.empty_table()
        names = list(columns) if columns is not None else empty.names
        out = {  # the record's columns, any stored without a column as nulls
            n: table.column(n) if n in table.column_names else pa.nulls(table.num_rows, empty.field(n).type)
            for n in names
        }
        if row_id is not None:  # the published row ID the worker stored (pipeline.ids); null in older files
            out[row_id] = table.column(row_id) if row_id in table.column_names else pa.nulls(table.num_rows, pa.string())
        return pa.table(out)

    documents = part(stages.DOCUMENTS, "documents", Document, tables_module.DOCUMENT_COLUMNS)
    errors = pa.concat_tables([part(stages.DOCUMENTS, "errors", SourceError),
                               part(stages.EXTRACTIONS, "errors", SourceError)])
    # failed documents out, duplicates reported; the results of the units left out are not read
    documents, errors, _dropped = account_documents(documents, errors)
    firsts = documents.append_column("_pos", pa.array(np.arange(documents.num_rows, dtype=np.int64)))
    firsts = firsts.group_by(["doc_id"], use_threads=False).aggregate([("_pos", "min")])
    if firsts.num_rows != documents.num_rows:  # a text stored by two sources is one document: the first
        documents = documents.take(pa.array(np.sort(firsts.column("_pos_min").to_numpy()), pa.int64()))
    doc_ids = documents.column("doc_id").combine_chunks()
    # the extractions of the sources whose document was kept (a duplicate's would repeat every row)
    kept = set(documents.column("source_key").to_pylist())
    analysed = {p: [k for k in keys if k in kept] for p, keys in present.items()}

    def by_document(table: pa.Table) -> pa.Table:
        """The rows of the kept documents, in their order (no copy when they already are)."""
        rank = pc.index_in(table.column("doc_id"), value_set=doc_ids)
        if rank.null_count:
            table = table.filter(pc.is_valid(rank))
            rank = pc.drop_null(rank)
        if table.num_rows > 1:
            order = rank.to_numpy() if isinstance(rank, pa.Array) else rank.combine_chunks().to_numpy()
            if (np.diff(order) < 0).any():
                table = table.take(pc.sort_indices(rank))  # stable: keeps each document's order
        return table

    return {
        "documents": documents,
        "mentions": by_document(part(stages.EXTRACTIONS, "mentions", Mention, MENTION_COLUMNS, "mention_id",
                                     units=analysed)),
        "facts": by_document(part(stages.EXTRACTIONS, "facts", Fact, row_id="metric_id", units=analysed)),
        "relations": by_document(part(stages.EXTRACTIONS, "relations", Relation, units=analysed)),
        "errors": errors,
    }


def previous_ids(output_dir: Path):
    """The entity IDs of the latest release (so entities keep their IDs), or None."""
    latest = output_dir / "latest"
    if not latest.exists():
        return None
    return tables_module.read_previous_ids(latest)


def build_dataset(output_dir: Path, log=print) -> dict[str, pa.Table]:
    """Build every table from the stored results of the current source units, and stage them."""
    wd = Workdir(output_dir)
    units = read_source_set(wd)
    if units is None:
        raise FileNotFoundError(f"no source set in {wd.root}: build the sources first (the sources asset)")
    unit_keys = [k for k, _ in units]
    partitions = list(dict.fromkeys(stages.partition_of(k) for k in unit_keys))
    for stage in stages.STAGES:
        removed = wd.prune(stage, unit_keys, stages.PARTS[stage])
        if removed:
            log(f"{stage}: removed the results of {removed} deleted source unit(s)")
    wd.prune_manifests(partitions)
    prune_records(wd, partitions)
    groups: dict[str, list[str]] = {}
    for k in unit_keys:
        groups.setdefault(stages.partition_of(k), []).append(k)
    phase("read")
    parts = load_results(wd, groups, log)
    phase("previous_ids")
    previous = previous_ids(output_dir)

    def build(p: dict[str, pa.Table]) -> dict[str, pa.Table]:
        if "text" not in p["documents"].column_names:  # a rebuild after a quarantine: the texts again
            p["documents"] = with_texts(wd, groups, p["documents"])
        tables = tables_module.build_tables_arrow(
            p["documents"], p["mentions"], p["facts"], p["relations"], p["errors"], previous, of_documents=True,
        )
        # the texts are in the documents table now: the stored ones are let go during the checks
        p["documents"] = p["documents"].drop_columns(["text"])
        phase("row_checks")  # the quarantine's row-level checks follow each build
        return tables

    tables, left_out = build_quarantined(parts, build)
    del parts  # the per-document results: not needed once the tables are built
    if left_out:
        log(f"{left_out} document(s) quarantined: their rows failed a row-level check; they are left out "
            "of the release and listed in the errors table (kind 'quarantined')")
    phase("write")
    for name in TABLE_NAMES:
        stage_table(wd, name, tables[name])
    return tables


def with_texts(wd: Workdir, groups: dict[str, list[str]], documents: pa.Table) -> pa.Table:
    """``documents`` (as ``load_results`` gives them, without their ``text``) with their texts read again."""
    stored = stages.read_part_by_partition(wd, stages.DOCUMENTS, "documents", groups)
    if stored is None:
        return documents.append_column("text", pa.nulls(documents.num_rows, pa.string()))
    at = pc.index_in(documents.column("doc_id"), value_set=stored.column("doc_id").combine_chunks())
    return documents.append_column("text", stored.column("text").take(at))


@contextmanager
def gc_paused():
    """Run a fan-in step's work without the cyclic garbage collector.

    The work makes hundreds of thousands of short-lived Python objects (lists of
    values, dicts) and few or no reference cycles; in a process that already holds a
    large heap (a full build ran before in the same process, as in ``make bench`` or
    a long-lived Dagster code server) each automatic collection scans that whole heap
    again, which cost seconds per incremental rebuild. Freed objects are still freed
    by reference counting; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The staged tables this process wrote or read last, by file identity: the checks and the
# release step run in the same process as dataset_tables (in-process executor) and so
# need not read and decode the files again. A file rewritten by anyone is read afresh.
_STAGED: dict[Path, tuple[tuple, pa.Table]] = {}


def stage_table(wd: Workdir, name: str, table: pa.Table) -> None:
    """Write one staged table (``Workdir.write_table``) and remember it."""
    path = wd.write_table(name, table)
    _STAGED[path] = (file_identity(path), table)


def read_staged_arrow(output_dir: Path) -> dict[str, pa.Table]:
    """The staged tables as Arrow tables with the schema's types (what the checks and the release read)."""
    wd = Workdir(output_dir)
    out = {}
    for name in TABLE_NAMES:
        path = wd.table_path(name)
        known = _STAGED.get(path)
        if known is not None and known[0] == file_identity(path):
            out[name] = known[1]
            continue
        table = to_arrow(name, wd.read_table(name))  # Parquet reads list items back as "element"
        _STAGED[path] = (file_identity(path), table)
        out[name] = table
    return out
