"""Per-document assets, one dynamic partition per source unit.

``source_documents`` (read, decode, normalise) -> ``document_segments`` (jieba
tokens) -> ``document_extractions`` (mentions, relations, numeric facts).
All three use ``BackfillPolicy.single_run()``: a backfill or a sensor run over
many partitions is one run whose asset functions loop over
``context.partition_keys`` (the work itself is in ``pipeline.defs.stages``;
partitions whose stored result is current are skipped).

Bad input never stops the others: an unreadable file or a malformed ``.jsonl``
line becomes a row of the ``errors`` table, a warning in the run log (file,
line, reason) and a line of the asset's metadata.
"""


import dagster as dg

from pipeline.defs import stages
from pipeline.defs.partitions import sources
from pipeline.defs.progress import Progress
from pipeline.defs.resources import PipelineConfig
from pipeline.records import SourceError

GROUP = "documents"
MAX_ERRORS_SHOWN = 50


def _run(context: dg.AssetExecutionContext, pipeline: PipelineConfig, stage: str,
         source_hashes: dict[str, str] | None = None) -> dg.MaterializeResult:
    keys = list(context.partition_keys)
    jobs = [
        stages.StageJob(
            stage=stage,
            output_dir=str(pipeline.output_path),
            raw_dir=str(pipeline.raw_path),
            key=k,
            source_sha256=(source_hashes or {}).get(k),
        )
        for k in keys
    ]
    workers = stages.resolve_workers(pipeline.workers)
    context.log.info(f"{stage}: {len(keys)} partitions, up to {workers} worker process(es)")
    progress = Progress(stage, len(keys), context.log.info)
    errors: list[SourceError] = []
    documents = chars = 0

    def on_result(o: stages.StageOutcome) -> None:
        nonlocal documents, chars
        documents += o.documents
        chars += o.chars
        for e in o.errors:
            errors.append(e)
            if not o.skipped:
                where = f"{e.source_path}" + (f" line {e.line}" if e.line is not None else "")
                context.log.warning(f"{stage}: skipped {where}: {e.reason}")
        progress.update(o.chars, o.skipped)

    outcomes = stages.run_stage(jobs, workers=workers, on_result=on_result)
    progress.finish()
    processed = [o for o in outcomes if not o.skipped]
    metadata: dict = {
        "partitions": len(keys),
        "partitions_processed": len(processed),
        "partitions_unchanged": len(outcomes) - len(processed),
        "documents": documents,
        "chars": chars,
        "chars_processed": sum(o.chars for o in processed),
        "seconds": round(progress.seconds, 3),
        "chars_per_second": round(progress.chars_per_second, 1),
        "workers": workers,
        "code_version": stages.code_version(stage),
        "errors": len(errors),
        "dagster/row_count": documents,
    }
    if errors:
        lines = [f"| {e.source_path} | {'' if e.line is None else e.line} | {e.reason} |" for e in errors[:MAX_ERRORS_SHOWN]]
        more = f"\n\n… and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        metadata["error_list"] = dg.MetadataValue.md(
            "| file | line | reason |\n|---|---|---|\n" + "\n".join(lines) + more
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    partitions_def=sources,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"python", "parquet"},
    description="Each source read, decoded and normalised into Documents (text, title, blocks); "
    "unreadable files and malformed .jsonl lines become error rows. "
    "Stored as work/source_documents/<source>.{documents,errors}.parquet.",
)
def source_documents(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
    from pipeline.ingest import list_sources

    hashes = {u.key: u.sha256 for u in list_sources(pipeline.raw_path)}
    return _run(context, pipeline, stages.DOCUMENTS, hashes)


@dg.asset(
    partitions_def=sources,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"python", "parquet"},
    deps=[source_documents],
    description="jieba word tokens of each document, with exact character offsets. "
    "Stored as work/document_segments/<source>.tokens.parquet.",
)
def document_segments(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
    return _run(context, pipeline, stages.SEGMENTS)


@dg.asset(
    partitions_def=sources,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"python", "parquet"},
    deps=[document_segments],
    description="Entity mentions, relations and numeric facts of each document (nlp.analyse). "
    "Stored as work/document_extractions/<source>.{mentions,facts,relations}.parquet.",
)
def document_extractions(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
    return _run(context, pipeline, stages.EXTRACTIONS)


ASSETS = [source_documents, document_segments, document_extractions]
