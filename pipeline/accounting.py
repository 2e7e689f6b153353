"""Every input accounted for: each source unit ends in ``documents`` or in ``errors``.

Belongs here: the rules that turn what the per-document stages
stored into the documents and error rows of a build, so that no input vanishes:

- ``account_documents``: a document whose analysis failed or went over its
  budget (an ``errors`` row of kind ``extraction``/``budget``) leaves
  ``documents``; a document whose text equals an earlier one's (same
  ``doc_id``) is kept once, the others become ``errors`` rows of kind
  ``duplicate`` with ``duplicate_of`` = the source path of the one kept (the
  first by source key, as ``tables.build_tables_arrow`` keeps it);
- ``carry_unreadable``: the sources under a folder that cannot be listed right
  now (permissions, I/O error) keep the units they had when last read, so a
  folder made unreadable neither drops its documents from the next release nor
  wipes their stored results; the folder itself is reported (``ingest.sources``
  lists it as a unit whose reading gives the error row).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DROPPING_KINDS = ("extraction", "budget")


def _source_paths(documents: pa.Table) -> list[str]:
    from pipeline.tables import _source_path_of

    keys = documents.column("source_key").to_pylist()
    paths = documents.column("source_path").to_pylist()
    return [_source_path_of(k, p) for k, p in zip(keys, paths)]


def account_documents(documents: pa.Table, errors: pa.Table) -> tuple[pa.Table, pa.Table, set[str]]:
    """``(documents, errors, dropped)``: failed documents removed, duplicates turned into error rows
    (see module doc); ``dropped``: the source keys of the documents removed (whose stored results
    must not be read: a duplicate's mentions would repeat the kept document's)."""
    from pipeline.records import SourceError
    from pipeline.workdir import records_to_table

    if not documents.num_rows:
        return documents, errors, set()
    dropped_keys: set[str] = set()
    paths = _source_paths(documents)
    if errors.num_rows and "kind" in errors.column_names:
        kinds = errors.column("kind").to_pylist()
        failed = {p for p, k in zip(errors.column("source_path").to_pylist(), kinds) if k in DROPPING_KINDS}
        if failed:
            keep = np.array([p not in failed for p in paths], dtype=bool)
            dropped_keys.update(k for k, ok in zip(documents.column("source_key").to_pylist(), keep) if not ok)
            documents = documents.filter(pa.array(keep))
            paths = [p for p, k in zip(paths, keep) if k]
    if not documents.num_rows:
        return documents, errors, dropped_keys
    order = np.argsort(np.array(documents.column("source_key").to_pylist(), dtype=object), kind="stable")
    first: dict[str, str] = {}
    dropped: list[int] = []
    duplicates: list[SourceError] = []
    ids = documents.column("doc_id").to_pylist()
    shas = documents.column("sha256").to_pylist()
    for i in order.tolist():
        kept = first.get(ids[i])
        if kept is None:
            first[ids[i]] = paths[i]
            continue
        dropped.append(i)
        duplicates.append(SourceError(
            paths[i], f"duplicate: the same text (after normalisation) as {kept}, which is published",
            None, shas[i], kind="duplicate", duplicate_of=kept,
        ))
    if not dropped:
        return documents, errors, dropped_keys
    keep = np.ones(documents.num_rows, dtype=bool)
    keep[dropped] = False
    keys = documents.column("source_key").to_pylist()
    dropped_keys.update(keys[i] for i in dropped)
    extra = records_to_table(SourceError, duplicates)
    return documents.filter(pa.array(keep)), _concat_errors(errors, extra), dropped_keys


def _concat_errors(errors: pa.Table, extra: pa.Table) -> pa.Table:
    if not errors.num_rows:
        return extra
    columns = {}
    for name in extra.column_names:
        field = extra.schema.field(name)
        col = errors.column(name) if name in errors.column_names else pa.nulls(errors.num_rows, field.type)
        columns[name] = pa.concat_arrays([col.combine_chunks().cast(field.type), extra.column(name).combine_chunks()])
    return pa.table(columns)


def carry_unreadable(units: list, output_dir: str | Path) -> list:
    """``units`` plus, for each unreadable folder listed among them, the units last read under it.

    An unreadable folder is listed by ``ingest.list_sources`` as a unit whose key is the
    folder's path ending in '/' (``SourceUnit.line`` is None, ``sha256`` names the error).
    The carried units come from the work folder's partition manifests.
    """
    from pipeline.ingest.sources import SourceUnit, source_key_path
    from pipeline.workdir import Workdir

    folders = [u.key for u in units if u.key.endswith("/")]
    if not folders:
        return units
    wd = Workdir(output_dir)
    known = {u.key for u in units}
    carried = []
    for partition, manifest_units in wd.manifests():
        if partition in known or not any(partition.startswith(f) for f in folders):
            continue
        for key, sha in manifest_units:
            carried.append(SourceUnit(key, source_key_path(key)[0], None, sha))
    return sorted(units + carried, key=lambda u: u.key)


def list_accounted(raw_dir: str | Path, output_dir: str | Path) -> list:
    """``ingest.list_sources(raw_dir)`` plus the units carried over for unreadable folders."""
    from pipeline.ingest import list_sources

    return carry_unreadable(list_sources(Path(raw_dir)), output_dir)
