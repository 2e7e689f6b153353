"""Dagster wiring of source snapshots: the ``source_snapshots`` asset, its job and schedule.

The asset fetches every source of ``sources.yaml`` (``PIPELINE_SOURCES``,
default ``sources.yaml`` in the working directory) into
``<raw>/snapshots/`` with ``pipeline.snapshots.take_snapshots``; the
raw-folder sensor then picks the new files up like any other source. It runs
on its own schedule (``snapshot_schedule``, every 6 hours), never inside
``build_all`` (that job excludes the ``snapshots`` group). A failing or slow
source never fails the asset: it is listed in the materialization's metadata
and becomes an error row of the next release. A missing or invalid
``sources.yaml`` does fail it (a configuration error).
"""


import os
from pathlib import Path

import dagster as dg

from pipeline.defs.resources import PipelineConfig

GROUP = "snapshots"
JOB_NAME = "snapshot_sources"
SCHEDULE_NAME = "snapshot_schedule"
CRON = "15 */6 * * *"
DEFAULT_SOURCES_FILE = "sources.yaml"


class SnapshotConfig(dg.Config):
    sources_file: str = os.environ.get("PIPELINE_SOURCES", "").strip() or DEFAULT_SOURCES_FILE


@dg.asset(
    group_name=GROUP,
    kinds={"http"},
    description="Fetches the feeds and pages listed in sources.yaml into raw/snapshots/ as immutable files "
    "with sidecars (URL, access time, HTTP status, sha256, licence), respecting robots.txt and a "
    "per-host rate limit. A failing source is reported, never a failed run.",
)
def source_snapshots(context: dg.AssetExecutionContext, config: SnapshotConfig,
                     pipeline: PipelineConfig) -> dg.MaterializeResult:
    from pipeline.snapshots import load_sources, take_snapshots

    settings, sources = load_sources(Path(config.sources_file).expanduser().resolve())
    report = take_snapshots(pipeline.raw_path, settings, sources)
    for o in report.errors:
        context.log.warning(f"source {o.name} ({o.url}): {o.reason}")
    rows = "\n".join(f"| {o.name} | {o.status} | {o.path or ''} | {o.reason} |" for o in report.outcomes)
    return dg.MaterializeResult(metadata={
        "saved": len(report.saved),
        "unchanged": sum(o.status == "unchanged" for o in report.outcomes),
        "errors": len(report.errors),
        "requests": report.requests,
        "seconds": round(report.seconds, 2),
        "sources": dg.MetadataValue.md("| source | status | file | reason |\n|---|---|---|---|\n" + rows),
    })


snapshot_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.groups(GROUP),
    description="Fetch the sources of sources.yaml into raw/snapshots/ (the build never fetches).",
)

snapshot_schedule = dg.ScheduleDefinition(
    name=SCHEDULE_NAME,
    cron_schedule=CRON,
    execution_timezone="UTC",
    job=snapshot_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every 6 hours: snapshot the sources of sources.yaml (with no sources listed, the run "
    "does nothing). Runs only while the Dagster daemon runs (make ui).",
)

ASSETS = [source_snapshots]
JOBS = [snapshot_job]
SCHEDULES = [snapshot_schedule]
