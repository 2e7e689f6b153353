"""The assets: ``sources`` -> the tables (``dataset_tables``) -> ``release``. Unpartitioned.

* ``sources``: everything in the raw folder at the start of the run, read,
  segmented and analysed (``pipeline.engine.build.build_sources``: a plain
  function mapped over the source units, cached per unit, in a worker pool that
  ends with the step). Its metadata lists every raw file with its hash,
  documents, errors and the release it last entered. Fails, and so makes no
  release, when the raw folder is missing or empty.
* ``documents`` ... ``errors`` (one multi-asset): every table of
  ``pipeline.schema``, from the stored results of the current sources
  (``pipeline.engine.dataset.build_dataset``); a deleted file's rows are gone.
* ``release``: ``pipeline.publish.publish_release``; refuses a release that
  drops more than half of the previous one's documents (``allow_shrink``).

Steps pass nothing through module state: ``sources`` leaves the current source
set in ``<out>/work/sources.json`` for the tables, which stage their files in
``<out>/work/tables/`` for the checks and the release.
"""


import json

import dagster as dg
import pandas as pd
import pyarrow as pa

from pipeline import atomic, schema
from pipeline.defs.metadata import column_schema, markdown_table, table_preview
from pipeline.defs.resources import PipelineConfig
from pipeline.engine import dataset
from pipeline.engine.build import RawFolderError, build_sources
from pipeline.publish import retention
from pipeline.workdir import Workdir

SOURCES_GROUP, DATASET_GROUP, RELEASE_GROUP = "sources", "dataset", "release"
RELEASED_FILE = "source_releases.json"  # under work/: raw file -> {sha256, release}
MAX_FILES_SHOWN = 500
MAX_ERRORS_SHOWN = 50


class SourcesConfig(dg.Config):
    """Run config of the ``sources`` asset."""

    rebuild: list[str] = []  # raw files (paths relative to the raw folder) to compute again, cache or not


# ---- sources ---------------------------------------------------------------------


def _released(wd: Workdir) -> dict[str, dict]:
    try:
        return json.loads((wd.root / RELEASED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_released(wd: Workdir, version: str) -> None:
    """After a new release: each raw file whose current content was not yet released entered ``version``."""
    from pipeline.engine.build import read_record, read_source_set
    from pipeline.engine.stages import partition_of

    units = read_source_set(wd) or []
    files = list(dict.fromkeys(partition_of(k) for k, _ in units))
    known = _released(wd)
    current = {}
    for path in files:
        record = read_record(wd, path) or {}
        sha = record.get("sha256")
        entry = known.get(path)
        current[path] = entry if entry and entry.get("sha256") == sha else {"sha256": sha, "release": version}
    atomic.write_json(wd.root / RELEASED_FILE, current)


def _files_table(files, released: dict[str, dict]) -> dg.TableMetadataValue:
    records = []
    for f in files[:MAX_FILES_SHOWN]:
        entry = released.get(f.path)
        release = entry["release"] if entry and entry.get("sha256") == f.sha256 else "(not yet released)"
        reasons = "; ".join(sorted({e["reason"] for e in f.errors}))[:200]
        records.append(dg.TableRecord({
            "file": f.path, "sha256": f.sha256[:16], "units": f.units, "documents": f.documents,
            "errors": len(f.errors), "error_reasons": reasons, "release": release,
            "rebuilt_now": f.processed,
        }))
    return dg.MetadataValue.table(records, schema=dg.TableSchema(columns=[
        dg.TableColumn("file", "string", description="path relative to the raw folder"),
        dg.TableColumn("sha256", "string", description="content hash (first 16 hex)"),
        dg.TableColumn("units", "int", description="source units (records of a .jsonl file)"),
        dg.TableColumn("documents", "int"),
        dg.TableColumn("errors", "int", description="rows of the errors table from this file"),
        dg.TableColumn("error_reasons", "string"),
        dg.TableColumn("release", "string", description="the release this content first entered"),
        dg.TableColumn("rebuilt_now", "int", description="units computed by this run (0: all cached)"),
    ]))


@dg.asset(
    group_name=SOURCES_GROUP,
    kinds={"python", "parquet"},
    description="Every file in the raw folder (`PIPELINE_RAW_DIR`) read, segmented and analysed "
    "(entities, relations, numeric facts), cached per document: unchanged documents are skipped. "
    "The metadata lists each file with its hash, documents, errors and the release it entered. "
    "Fails when the raw folder is missing or empty. To recompute one file whatever the cache says, "
    "launch with run config `ops: {sources: {config: {rebuild: [<file>]}}}`.",
)
def sources(context: dg.AssetExecutionContext, config: SourcesConfig, pipeline: PipelineConfig) -> dg.MaterializeResult:
    try:
        outcome = build_sources(pipeline.raw_path, pipeline.output_path, workers=pipeline.workers,
                                rebuild=config.rebuild, allow_empty=pipeline.allow_shrink, log=context.log.info)
    except RawFolderError as exc:
        raise dg.Failure(description=str(exc)) from None
    for e in outcome.errors:
        where = e.source_path + (f" line {e.line}" if e.line is not None else "")
        context.log.warning(f"skipped {where}: {e.reason}")
    wd = Workdir(pipeline.output_path)
    errors = [(f.path, e) for f in outcome.files for e in f.errors]
    metadata: dict = {
        "files": _files_table(outcome.files, _released(wd)),
        "file_count": len(outcome.files),
        "source_units": outcome.units,
        "documents": sum(f.documents for f in outcome.files),
        "units_processed": outcome.processed,
        "chars_processed": outcome.chars_processed,
        "errors": len(errors),
        "workers": outcome.workers if outcome.pool_used else 1,
        "seconds": round(outcome.seconds, 3),
        "raw_dir": dg.MetadataValue.path(str(pipeline.raw_path)),
    }
    if errors:
        metadata["error_list"] = dg.MetadataValue.md(markdown_table(
            ["file", "line", "reason"],
            [[path, "" if e["line"] is None else e["line"], e["reason"]] for path, e in errors[:MAX_ERRORS_SHOWN]],
        ))
    return dg.MaterializeResult(metadata=metadata)


# ---- the tables ------------------------------------------------------------------


@dg.multi_asset(
    name="dataset_tables",
    group_name=DATASET_GROUP,
    specs=[
        dg.AssetSpec(
            name,
            deps=[sources],
            description=f"{t.title}: {t.description} Staged as `work/tables/{name}.parquet`; "
            "published by the release asset.",
            metadata={"dagster/column_schema": column_schema(name)},
            kinds={"parquet"},
            group_name=DATASET_GROUP,
        )
        for name, t in schema.TABLES.items()
    ],
    description="Every published table, built from the stored per-document results of the current sources.",
)
def dataset_tables(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    with dataset.gc_paused():
        try:
            tables = dataset.build_dataset(pipeline.output_path, log=context.log.warning)
        except FileNotFoundError as exc:
            raise dg.Failure(description=str(exc)) from None
    wd = Workdir(pipeline.output_path)
    for name in dataset.TABLE_NAMES:
        table = tables[name]
        metadata = {
            "dagster/row_count": table.num_rows,
            "dagster/column_schema": column_schema(name),
            "path": dg.MetadataValue.path(str(wd.table_path(name))),
        }
        if name == "errors" and table.num_rows:
            frame = table.slice(0, 50).to_pandas(types_mapper=schema._pandas_type)
            for row in frame.itertuples():
                where = row.source_path + ("" if pd.isna(row.line) else f" line {row.line}")
                context.log.warning(f"input error: {where}: {row.reason}")
            metadata["preview"] = table_preview(name, table, 50)
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)


# ---- the release -----------------------------------------------------------------


def checks_gate_this_run(context: dg.AssetExecutionContext) -> bool:
    """True when every table asset and its checks are part of this run.

    Then the blocking ``table_checks`` ran on exactly the staged tables before this
    step (a failure skips it), so ``publish_release`` need not validate them again.
    """
    run = context.run
    tables = {dg.AssetKey(t) for t in schema.TABLES}
    if run.asset_selection and not tables <= set(run.asset_selection):  # empty = the whole job
        return False
    if run.asset_check_selection is None:  # every check of the selected assets
        return True
    return tables <= {k.asset_key for k in run.asset_check_selection}


def sources_of(documents: pa.Table) -> list[dict]:
    """The raw sources of a release (for datapackage.json), from the documents table."""
    columns = [documents.column(c).to_pylist() if c in documents.column_names else [None] * documents.num_rows
               for c in ("source_path", "title", "url", "sha256", "license", "accessed_at")]
    return [{"path": p, "title": t, "url": u, "sha256": s, "license": lic, "accessed_at": at}
            for p, t, u, s, lic, at in zip(*columns)]


@dg.asset(
    group_name=RELEASE_GROUP,
    deps=list(schema.TABLES),
    kinds={"parquet", "csv", "sqlite"},
    description="A versioned release of every table in `<out>/releases/<version>/` (Parquet, CSV, "
    "SQLite, `datapackage.json`, `SHA256SUMS`, `CHANGES.md`, zip), and `<out>/latest` pointing to it. "
    "Nothing is written when the tables equal the latest release. Refused when it would drop more "
    "than half of the previous release's documents, unless run config "
    "`resources.pipeline.config.allow_shrink` is true. Above `partition_above` (default 16 MiB of "
    "table data) the large tables are folders of Parquet parts and the SQLite and zip are built on "
    "demand (docs/publishing.md).",
)
def release(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
    from pipeline.publish import publish_release
    from pipeline.publish.release import ReleaseRefused

    tables = dataset.read_staged_arrow(pipeline.output_path)
    try:
        with dataset.gc_paused():
            result = publish_release(
                tables, pipeline.output_path, sources_of(tables["documents"]),
                license=pipeline.license, check=not checks_gate_this_run(context),
                allow_shrink=pipeline.allow_shrink, keep=pipeline.keep_releases,
                partition_above=pipeline.partition_above or None,
            )
    except ReleaseRefused as exc:
        raise dg.Failure(description=str(exc)) from None
    if result.published:
        record_released(Workdir(pipeline.output_path), result.version)
        context.log.info(f"published release {result.version} at {result.path}")
    else:
        context.log.info(f"no new release: {result.reason}")
    metadata: dict = {
        "version": result.version or "",
        "path": dg.MetadataValue.path(str(result.path) if result.path else ""),
        "published": result.published,
        "reason": result.reason,
        "row_counts": dg.MetadataValue.md(markdown_table(["table", "rows"], list(result.row_counts.items()))),
        "browse": dg.MetadataValue.url(pipeline.serve_url),
    }
    for name, count in result.row_counts.items():
        metadata[f"rows_{name}"] = count
    if result.previous_version:
        metadata["previous_version"] = result.previous_version
    if result.zip_path:
        metadata["zip"] = dg.MetadataValue.path(str(result.zip_path))
    if result.changes:
        metadata["changes"] = dg.MetadataValue.md(markdown_table(
            ["table", "added", "removed", "changed"],
            [[t, c.get("added", 0), c.get("removed", 0), c.get("changed", 0)] for t, c in result.changes.items()],
        ))
    usage = retention.disk_usage(pipeline.output_path)
    metadata["releases_bytes_stored"] = usage["stored"]
    for name in schema.TABLES:
        metadata[f"preview_{name}"] = table_preview(name, tables[name])
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [sources, dataset_tables, release]
