"""The one job of the pipeline: ``build_all``, every asset and check of the graph.

The sensor, the schedule and the headless build launch it; a run over a
partition range (``partitions.partition_range_tags``) processes those
partitions of the per-document assets in one step each (single-run backfill
policy), then rebuilds the tables, runs the checks and publishes. A run that
only needs the tables rebuilt (a source was deleted) selects
``UNPARTITIONED_ASSETS`` and carries no partition tags.

Executor: in-process. The graph is a chain (read -> segment -> extract ->
tables -> checks -> release), so Dagster's multiprocess executor would gain no
parallelism and would pay a fresh Python process, code import and model load
per step (~3-4 s each). Parallelism is inside the per-document steps instead
(a process pool, ``PipelineConfig.workers``), with models loaded once per
worker.
"""

from __future__ import annotations

import dagster as dg

from pipeline import schema

BUILD_JOB_NAME = "build_all"
UNPARTITIONED_ASSETS = [dg.AssetKey(name) for name in schema.TABLES] + [dg.AssetKey("release")]

build_all = dg.define_asset_job(
    BUILD_JOB_NAME,
    # every asset but the source snapshots (pipeline.defs.snapshots): the build never fetches
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("snapshots"),
    executor_def=dg.in_process_executor,
    description="Read new or changed sources, segment and analyse them, rebuild every table, "
    "check them and publish a release (nothing new when nothing changed).",
)
