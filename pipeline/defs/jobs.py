"""The one job of the pipeline: ``build_all``, every asset and check of the graph.

"Materialize all" in the asset graph, the job's launchpad (default config), the
sensor, the daily schedule and the headless build (``make run``) all run it: one
run that builds a release from everything in the raw folder at that moment
(new, changed and deleted files; unchanged documents come from the cache).

Executor: in-process. The graph is a chain (sources -> tables -> checks ->
release), so one process per step would only add start-up and model loading
time; the parallelism is inside the ``sources`` step (a worker pool).
"""

from __future__ import annotations

import dagster as dg

BUILD_JOB_NAME = "build_all"

build_all = dg.define_asset_job(
    BUILD_JOB_NAME,
    # every asset but the source snapshots (pipeline.defs.snapshots): the build never fetches
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("snapshots"),
    executor_def=dg.in_process_executor,
    description="Build a release from everything in the raw folder: read and analyse new or changed "
    "files (unchanged documents are cached), drop deleted ones, rebuild every table, check them and "
    "publish (nothing new when nothing changed).",
)
