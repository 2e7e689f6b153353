"""The ``release`` asset: publish the staged tables as a versioned release.

Depends on every table asset (and so runs only after their blocking checks
passed). Calls ``pipeline.publish.publish_release``, which writes
``<out>/releases/<version>/`` atomically and then moves ``<out>/latest``, or
writes nothing when the tables equal the latest release's. The materialization
shows the version, the path, whether a release was made and why, row counts
per table, a Markdown preview of each table and a link to the served release
(``make serve``).
"""


import dagster as dg
import pandas as pd
import pyarrow as pa

from pipeline import schema
from pipeline.defs.assets_dataset import gc_paused, read_staged_arrow
from pipeline.defs.resources import PipelineConfig

GROUP = "release"


def checks_gate_this_run(context: dg.AssetExecutionContext) -> bool:
    """True when every table asset and its checks are part of this run.

    Then the blocking ``table_checks`` ran on exactly the staged tables before this
    step (a failure skips it), so ``publish_release`` need not validate them again.
    When ``release`` is materialized on its own, the checks did not run and
    ``publish_release`` validates (``check=True``).
    """
    run = context.run
    tables = {dg.AssetKey(t) for t in schema.TABLES}
    if run.asset_selection and not tables <= set(run.asset_selection):  # empty = the whole job
        return False
    if run.asset_check_selection is None:  # every check of the selected assets
        return True
    checked = {k.asset_key for k in run.asset_check_selection}
    return tables <= checked


def sources_of(documents: pd.DataFrame | pa.Table) -> list[dict]:
    """The raw sources of a release (for datapackage.json), from the documents table."""
    if isinstance(documents, pa.Table):
        columns = [documents.column(c).to_pylist() for c in ("source_path", "title", "url", "sha256")]
        rights = [
            documents.column(c).to_pylist() if c in documents.column_names else [None] * documents.num_rows
            for c in ("license", "accessed_at")
        ]
        return [
            {"path": path, "title": title, "url": url, "sha256": sha, "license": lic, "accessed_at": at}
            for path, title, url, sha, lic, at in zip(*columns, *rights)
        ]
    out = []
    for row in documents.itertuples(index=False):
        out.append({
            "path": row.source_path,
            "title": row.title,
            "url": None if pd.isna(row.url) else row.url,
            "sha256": row.sha256,
        })
    return out


@dg.asset(
    group_name=GROUP,
    deps=list(schema.TABLES),
    kinds={"parquet", "csv", "sqlite"},
    description="A versioned release of every table under <out>/releases/<version>/ (Parquet, CSV, "
    "SQLite, datapackage.json, SHA256SUMS, CHANGES.md, zip), and <out>/latest. "
    "Nothing is written when the tables equal the latest release.",
)
def release(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
    from pipeline.publish import publish_release

    tables = read_staged_arrow(pipeline.output_path)
    with gc_paused():
        result = publish_release(
            tables,
            pipeline.output_path,
            sources_of(tables["documents"]),
            license=pipeline.license,
            check=not checks_gate_this_run(context),
        )
    if result.published:
        context.log.info(f"published release {result.version} at {result.path}")
    else:
        context.log.info(f"no new release: {result.reason}")
    counts = "\n".join(f"| {n} | {c} |" for n, c in result.row_counts.items())
    metadata: dict = {
        "version": result.version or "",
        "path": dg.MetadataValue.path(str(result.path) if result.path else ""),
        "published": result.published,
        "reason": result.reason,
        "row_counts": dg.MetadataValue.md("| table | rows |\n|---|---|\n" + counts),
        "browse": dg.MetadataValue.url(pipeline.serve_url),
    }
    for name, count in result.row_counts.items():
        metadata[f"rows_{name}"] = count
    if result.previous_version:
        metadata["previous_version"] = result.previous_version
    if result.zip_path:
        metadata["zip"] = dg.MetadataValue.path(str(result.zip_path))
    if result.changes:
        lines = [f"| {t} | {c.get('added', 0)} | {c.get('removed', 0)} | {c.get('changed', 0)} |"
                 for t, c in result.changes.items()]
        metadata["changes"] = dg.MetadataValue.md("| table | added | removed | changed |\n|---|---|---|---|\n" + "\n".join(lines))
    try:
        from pipeline.publish.preview import release_metadata_markdown
    except ImportError:  # the preview module is optional for the release itself
        release_metadata_markdown = None
    if release_metadata_markdown is not None:
        for name, md in release_metadata_markdown(tables).items():
            metadata[f"preview_{name}"] = dg.MetadataValue.md(md)
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [release]
