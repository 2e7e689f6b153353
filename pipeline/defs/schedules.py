"""``daily_rebuild``: a daily build of everything in the raw folder.

At 03:00 UTC every day it requests one ``build_all`` run (the job of "Materialize
all" and of the sensor). It catches up after the daemon was down or the code
changed; unchanged documents come from the cache and an unchanged dataset
publishes nothing, so the daily run is cheap when nothing happened. Skipped when
the raw folder is missing or empty. Default status: RUNNING (it fires while the
Dagster daemon runs, as under ``make ui``); it can be stopped in the UI.
"""


import dagster as dg

from pipeline.defs.jobs import build_all
from pipeline.defs.resources import PipelineConfig

SCHEDULE_NAME = "daily_rebuild"
CRON = "0 3 * * *"


@dg.schedule(
    name=SCHEDULE_NAME,
    cron_schedule=CRON,
    execution_timezone="UTC",
    job=build_all,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily build of everything in the raw folder (unchanged documents are cached; "
    "nothing is published when nothing changed).",
)
def daily_rebuild(context: dg.ScheduleEvaluationContext, pipeline: PipelineConfig):
    from pipeline.ingest import list_sources

    raw = pipeline.raw_path
    if not raw.is_dir() or not list_sources(raw):
        return dg.SkipReason(f"raw folder {raw} is missing or empty: nothing built (a build would refuse)")
    when = context.scheduled_execution_time
    return dg.RunRequest(run_key=when.strftime("%Y-%m-%d") if when else None,
                         tags={"pipeline/trigger": SCHEDULE_NAME})
