"""The dataset assets: every published table, built from all per-document results.

One multi-asset with one ``AssetSpec`` per table of ``pipeline.schema.TABLES``
(asset keys = table names). It reads the stored per-document files of the
partitions that exist now (the units listed in their manifests; a deleted
source drops out and its files are pruned), resolves entities across documents keeping the IDs of
the previous release (``pipeline.tables``), and stages one Parquet file per
table under ``<out>/work/tables/``. Each table's materialization carries
``dagster/row_count`` and ``dagster/column_schema`` (from the schema module,
with descriptions). No NLP runs here: rebuilding after one new source costs
reading the stored results, not re-analysing them.
"""


import time
from pathlib import Path

import dagster as dg
import pandas as pd

from pipeline import schema
from pipeline.defs import stages
from pipeline.defs.assets_documents import document_extractions, source_documents
from pipeline.defs.metadata import column_schema
from pipeline.defs.partitions import SOURCES_PARTITIONS_NAME
from pipeline.defs.resources import PipelineConfig
from pipeline.records import Document, DocumentAnalysis, Fact, Mention, Relation, SourceError
from pipeline.workdir import Workdir, table_to_records

GROUP = "dataset"
TABLE_NAMES = list(schema.TABLES)


def load_results(wd: Workdir, groups: dict[str, list[str]], log=None) -> tuple[list[Document], list[DocumentAnalysis], list[SourceError]]:
    """The stored documents, analyses and errors of ``groups`` (partition -> unit keys), in order."""
    missing = [k for keys in groups.values() for k in keys
               if not wd.path(stages.EXTRACTIONS, k, "mentions").exists()]
    if missing and log:
        log(f"{len(missing)} document(s) have no stored extraction yet and are left out "
            f"(materialize document_extractions for their partitions): {missing[:10]}")
    skip = set(missing)
    present = {p: [k for k in keys if k not in skip] for p, keys in groups.items()}

    def part(stage: str, name: str, cls):
        table = stages.read_part_by_partition(wd, stage, name, present)
        return [] if table is None else table_to_records(cls, table)

    documents = part(stages.DOCUMENTS, "documents", Document)
    errors = part(stages.DOCUMENTS, "errors", SourceError) + part(stages.EXTRACTIONS, "errors", SourceError)
    by_doc: dict[str, DocumentAnalysis] = {d.doc_id: DocumentAnalysis(doc_id=d.doc_id) for d in documents}
    for m in part(stages.EXTRACTIONS, "mentions", Mention):
        by_doc.setdefault(m.doc_id, DocumentAnalysis(doc_id=m.doc_id)).mentions.append(m)
    for f in part(stages.EXTRACTIONS, "facts", Fact):
        by_doc.setdefault(f.doc_id, DocumentAnalysis(doc_id=f.doc_id)).facts.append(f)
    for r in part(stages.EXTRACTIONS, "relations", Relation):
        by_doc.setdefault(r.doc_id, DocumentAnalysis(doc_id=r.doc_id)).relations.append(r)
    # The same text in two sources (a copied file) is one document: keep the first.
    seen: set[str] = set()
    unique_docs = []
    for d in documents:
        if d.doc_id not in seen:
            seen.add(d.doc_id)
            unique_docs.append(d)
    analyses = [by_doc[d.doc_id] for d in unique_docs]
    return unique_docs, analyses, errors


def previous_ids(output_dir: Path):
    """The entity IDs of the latest release (so entities keep their IDs), or None."""
    from pipeline import tables as tables_module

    latest = output_dir / "latest"
    if not latest.exists():
        return None
    return tables_module.read_previous_ids(latest)


def build_dataset(output_dir: Path, partitions: list[str], log=print) -> dict[str, pd.DataFrame]:
    """Build every table from the stored results of the units of ``partitions`` and stage them."""
    from pipeline.tables import build_tables

    wd = Workdir(output_dir)
    keys, unread = stages.manifest_units(wd, partitions)
    if unread:
        log(f"{len(unread)} partition(s) have not been read yet and are left out "
            f"(materialize source_documents for them): {unread[:10]}")
    unit_keys = [k for k, _ in keys]
    for stage in stages.STAGES:
        removed = wd.prune(stage, unit_keys)
        if removed:
            log(f"{stage}: removed {len(removed)} file(s) of deleted sources")
        wd.prune(f"bundle.{stage}", partitions)
    wd.prune_manifests(partitions)
    groups: dict[str, list[str]] = {}
    for k in unit_keys:
        groups.setdefault(stages.partition_of(k), []).append(k)
    documents, analyses, errors = load_results(wd, groups, log)
    tables = build_tables(documents, analyses, errors, previous_ids(output_dir))
    for name in TABLE_NAMES:
        frame = tables.get(name)
        if frame is None:
            frame = schema.empty_frame(name)
            tables[name] = frame
        wd.write_table(name, schema.to_arrow(name, frame))
    return tables


def read_staged_tables(output_dir: Path) -> dict[str, pd.DataFrame]:
    """The staged tables as typed DataFrames (what the checks and the release read)."""
    wd = Workdir(output_dir)
    return {
        name: wd.read_table(name).to_pandas(types_mapper=schema._pandas_type)
        for name in TABLE_NAMES
    }


@dg.multi_asset(
    name="dataset_tables",
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            name,
            deps=[source_documents, document_extractions],
            description=f"{t.title}: {t.description} Staged as work/tables/{name}.parquet; "
            "published by the release asset.",
            metadata={"dagster/column_schema": column_schema(name)},
            kinds={"parquet"},
            group_name=GROUP,
        )
        for name, t in schema.TABLES.items()
    ],
    description="Every published table, built from the stored per-document results of all current sources.",
)
def dataset_tables(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    started = time.perf_counter()
    keys = list(context.instance.get_dynamic_partitions(SOURCES_PARTITIONS_NAME))
    context.log.info(f"building the tables from the documents of {len(keys)} source partition(s)")
    tables = build_dataset(pipeline.output_path, keys, log=context.log.warning)
    seconds = time.perf_counter() - started
    wd = Workdir(pipeline.output_path)
    for name in TABLE_NAMES:
        frame = tables[name]
        metadata = {
            "dagster/row_count": len(frame),
            "dagster/column_schema": column_schema(name),
            "path": dg.MetadataValue.path(str(wd.table_path(name))),
            "sources": len(keys),
            "seconds_all_tables": round(seconds, 3),
        }
        if name == "errors" and len(frame):
            for row in frame.head(50).itertuples():
                where = row.source_path + ("" if pd.isna(row.line) else f" line {row.line}")
                context.log.warning(f"input error: {where}: {row.reason}")
            metadata["preview"] = dg.MetadataValue.md(_markdown(frame.head(50)))
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)


def _markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = ["" if (not isinstance(v, (list, tuple)) and pd.isna(v)) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ")[:80] for c in cells) + " |")
    return "\n".join(lines)


ASSETS = [dataset_tables]
