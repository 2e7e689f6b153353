"""Per-document assets, one dynamic partition per raw file.

``source_documents`` (read, decode, normalise) -> ``document_segments`` (jieba
tokens) -> ``document_extractions`` (mentions, relations, numeric facts).
All three use ``BackfillPolicy.single_run()``: a backfill or a sensor run over
many partitions is one run whose asset functions loop over the source units
(documents; one per ``.txt``/``.md`` file, one per ``.jsonl`` record) of
``context.partition_keys``. The work itself is in ``pipeline.defs.stages``;
units whose stored result is current are skipped. When the run holds all three
assets (a build), a unit's segmentation and extraction start in the worker pool
as soon as the unit is read and share one worker pass: ``document_segments``
then lasts until the NLP is done and ``document_extractions`` only collects
(metadata ``units_fused``).

Bad input never stops the others: an unreadable file or a malformed ``.jsonl``
line becomes a row of the ``errors`` table, a warning in the run log (file,
line, reason) and a line of the asset's metadata.
"""


import warnings

import dagster as dg

from pipeline.defs import stages
from pipeline.defs.partitions import sources
from pipeline.defs.progress import Progress
from pipeline.defs.resources import PipelineConfig
from pipeline.records import SourceError
from pipeline.workdir import Workdir

# BackfillPolicy on assets is marked beta in Dagster 1.13 but is the documented way
# to run a backfill as one run; the notice says nothing actionable here.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

GROUP = "documents"
MAX_ERRORS_SHOWN = 50


def _run(context: dg.AssetExecutionContext, pipeline: PipelineConfig, stage: str) -> dg.MaterializeResult:
    partitions = list(context.partition_keys)
    wd = Workdir(pipeline.output_path)
    if stage == stages.DOCUMENTS:
        from pipeline.accounting import list_accounted

        grouped = stages.group_units(list_accounted(pipeline.raw_path, pipeline.output_path))
        # a partition whose file is gone keeps one pseudo-unit, which reads as an error row
        units_of = {p: grouped.get(p) or [(p, None)] for p in partitions}
    else:
        units_of = {}
        for p in partitions:
            manifest = wd.read_manifest(p)
            if manifest is None:
                raise dg.Failure(f"{stage}: partition {p!r} has not been read yet: materialize source_documents for it first")
            units_of[p] = manifest
    code_versions = {s: stages.code_version(s) for s in stages.STAGES}
    jobs = [
        stages.StageJob(
            stage=stage,
            output_dir=str(pipeline.output_path),
            raw_dir=str(pipeline.raw_path),
            key=key,
            source_sha256=sha,
            code_versions=code_versions,
        )
        for p in partitions
        for key, sha in units_of[p]
    ]
    keys = [j.key for j in jobs]
    workers = stages.resolve_workers(pipeline.workers)
    context.log.info(
        f"{stage}: {len(partitions)} partition(s) (raw files), {len(keys)} source unit(s), "
        f"up to {workers} worker process(es)"
    )
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

    # Both later per-document assets in this run: the NLP of a unit starts in the worker
    # pool as soon as it is read, and segmentation and extraction share one worker pass
    # (no tokens written, read back and rebuilt in between; the tokens file is still written).
    selection = context.run.asset_selection  # None or empty: the whole job
    in_run = {s: not selection or dg.AssetKey(s) in selection for s in stages.STAGES}
    fuse = stage == stages.SEGMENTS and in_run[stages.EXTRACTIONS]
    ahead = stage == stages.DOCUMENTS and in_run[stages.SEGMENTS] and in_run[stages.EXTRACTIONS]
    outcomes = stages.run_stage(jobs, workers=workers, on_result=on_result, fuse=fuse, ahead=ahead, batch=context.run.run_id)
    progress.finish()
    if stage == stages.DOCUMENTS:
        for p in partitions:
            wd.write_manifest(p, units_of[p])
    if stage == stages.EXTRACTIONS:  # lets the next build tell cheaply that these are current
        written = {o.key: o.fingerprint for o in outcomes if o.fingerprint}
        for p in partitions:
            stages.record_extracted(wd, p, {k: written[k] for k, _ in units_of[p] if k in written})
    processed = [o for o in outcomes if not o.skipped]
    metadata: dict = {
        "partitions": len(partitions),
        "source_units": len(keys),
        "units_processed": len(processed),
        "units_unchanged": len(outcomes) - len(processed),
        "documents": documents,
        "chars": chars,
        "chars_processed": sum(o.chars for o in processed),
        "seconds": round(progress.seconds, 3),
        "chars_per_second": round(progress.chars_per_second, 1),
        "workers": workers,
        # units segmented and extracted in one worker pass (reported by both steps)
        "units_fused": sum(o.fused for o in outcomes),
        "code_version": stages.code_version(stage),
        "errors": len(errors),
    }
    if errors:
        lines = [f"| {e.source_path} | {'' if e.line is None else e.line} | {e.reason} |" for e in errors[:MAX_ERRORS_SHOWN]]
        more = f"\n\n… and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        metadata["error_list"] = dg.MetadataValue.md(
            "| file | line | reason |\n|---|---|---|\n" + "\n".join(lines) + more
        )
    return dg.MaterializeResult(metadata=metadata)


def _per_document_asset(stage: str, description: str, deps: list) -> dg.AssetsDefinition:
    """One per-document asset: partitioned by source file, single-run backfills, work in ``stages``."""

    @dg.asset(
        name=stage,
        partitions_def=sources,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=GROUP,
        kinds={"python", "parquet"},
        deps=deps,
        description=description,
    )
    def _asset(context: dg.AssetExecutionContext, pipeline: PipelineConfig) -> dg.MaterializeResult:
        return _run(context, pipeline, stage)

    return _asset


source_documents = _per_document_asset(
    stages.DOCUMENTS,
    "Each source read, decoded and normalised into Documents (text, title, blocks); "
    "unreadable files and malformed .jsonl lines become error rows. "
    "Stored as work/source_documents/<source>.{documents,errors}.parquet.",
    deps=[],
)
document_segments = _per_document_asset(
    stages.SEGMENTS,
    "jieba word tokens of each document, with exact character offsets. "
    "Stored as work/document_segments/<source>.tokens.parquet.",
    deps=[source_documents],
)
document_extractions = _per_document_asset(
    stages.EXTRACTIONS,
    "Entity mentions, relations and numeric facts of each document (nlp.analyse). "
    "Stored as work/document_extractions/<source>.{mentions,facts,relations}.parquet.",
    deps=[document_segments],
)


ASSETS = [source_documents, document_segments, document_extractions]
