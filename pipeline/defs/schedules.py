"""``daily_rebuild``: a daily catch-up build of everything in the raw folder.

At 03:00 UTC every day it registers any source the sensor missed (and deletes
the partitions of removed sources), then requests one ``build_all`` run over
the partitions whose stored results are not current (new, changed, or made by
older code), or, when all are current, a run of the tables and release only.
An unchanged dataset publishes nothing, so the daily run is cheap when nothing
happened. Default status: RUNNING (it only fires while the Dagster daemon runs,
as under ``make ui``); it can be stopped in the UI.
"""


import dagster as dg

from pipeline.defs.jobs import UNPARTITIONED_ASSETS, build_all
from pipeline.defs.partitions import SOURCES_PARTITIONS_NAME, SourcePlan
from pipeline.defs.resources import PipelineConfig
from pipeline.defs.stages import stale_partitions

SCHEDULE_NAME = "daily_rebuild"
CRON = "0 3 * * *"


@dg.schedule(
    name=SCHEDULE_NAME,
    cron_schedule=CRON,
    execution_timezone="UTC",
    job=build_all,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily catch-up: registers unseen sources, drops removed ones and rebuilds "
    "(unchanged documents are skipped; nothing is published when nothing changed).",
)
def daily_rebuild(context: dg.ScheduleEvaluationContext, pipeline: PipelineConfig):
    from pipeline.accounting import list_accounted

    raw = pipeline.raw_path
    if not raw.is_dir():
        return dg.SkipReason(f"raw folder {raw} does not exist")
    plan = SourcePlan(list_accounted(raw, pipeline.output_path), context.instance.get_dynamic_partitions(SOURCES_PARTITIONS_NAME))
    plan.apply(context.instance)
    run_key = context.scheduled_execution_time.strftime("%Y-%m-%d") if context.scheduled_execution_time else None
    tags = {"pipeline/trigger": SCHEDULE_NAME}
    stale = stale_partitions(pipeline.output_path, {p: plan.grouped[p] for p in plan.ordered})
    if stale:
        return dg.RunRequest(run_key=run_key, tags={**tags, **plan.range_tags(stale)})
    return dg.RunRequest(run_key=run_key, asset_selection=UNPARTITIONED_ASSETS, tags=tags)
