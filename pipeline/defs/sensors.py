"""``raw_sources_sensor``: pick up new, changed and deleted files in the raw folder.

On each tick (every 30 s while the Dagster daemon runs; ``make ui`` starts it)
the sensor lists the source units of ``PIPELINE_RAW_DIR`` with the sha256 of
their bytes and compares them with its cursor (JSON: ``{"seq": n, "sources":
{key: sha256}}``):

* new sources get a dynamic partition, removed sources lose theirs;
* new or changed sources (by content hash: a touched but unchanged file
  requests nothing; a change already built by ``python -m pipeline build``
  requests nothing either) are built by ONE run of ``build_all`` over the partition
  range that holds them (single-run backfill: one process, one step per
  per-document asset), followed by the tables, checks and release in the same
  run. Unchanged partitions inside that range are skipped by the stage cache;
* when sources were only deleted, one run rebuilds the tables and the release.

Default status: RUNNING, so that dropping a file into ``raw/`` while the UI is
up is enough. It can be stopped in the UI (Automation tab). The first tick on a
fresh instance sees every source as new and builds them all.
"""


import hashlib
import json

import dagster as dg

from pipeline.defs.jobs import UNPARTITIONED_ASSETS, build_all
from pipeline.defs.partitions import SOURCES_PARTITIONS_NAME, SourcePlan
from pipeline.defs.resources import PipelineConfig
from pipeline.defs.stages import stale_partitions

SENSOR_NAME = "raw_sources_sensor"
MINIMUM_INTERVAL_SECONDS = 30


def read_cursor(cursor: str | None) -> tuple[int, dict[str, str]]:
    if not cursor:
        return 0, {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        return 0, {}
    if "sources" in data:
        return int(data.get("seq", 0)), dict(data["sources"])
    return 0, dict(data)  # a plain {key: sha256} cursor


@dg.sensor(
    name=SENSOR_NAME,
    job=build_all,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the raw folder (PIPELINE_RAW_DIR): registers a partition per new source, "
    "deletes those of removed sources, and launches one build_all run for the new or changed ones "
    "(by content hash).",
)
def raw_sources_sensor(context: dg.SensorEvaluationContext, pipeline: PipelineConfig):
    from pipeline.accounting import list_accounted

    seq, known = read_cursor(context.cursor)
    raw = pipeline.raw_path
    if not raw.is_dir():
        return dg.SkipReason(f"raw folder {raw} does not exist")
    plan = SourcePlan(list_accounted(raw, pipeline.output_path), context.instance.get_dynamic_partitions(SOURCES_PARTITIONS_NAME), known)
    for key in plan.invalid:
        context.log.warning(f"source {key!r} skipped: its name is not a valid partition key")
    if not plan.changed and not plan.delete and not plan.add:
        return dg.SensorResult(skip_reason=f"no new or changed source in {raw}", cursor=context.cursor)
    # a change already built elsewhere (e.g. by `python -m pipeline build`) needs no run
    stale = set(stale_partitions(pipeline.output_path, {p: plan.grouped[p] for p in plan.changed}))
    built_elsewhere = [p for p in plan.changed if p not in stale]
    if built_elsewhere:
        context.log.info(f"{len(built_elsewhere)} changed source(s) already built: {built_elsewhere[:5]}")
    to_build = [p for p in plan.changed if p in stale]

    seq += 1
    cursor = json.dumps({"seq": seq, "sources": plan.current}, ensure_ascii=False, sort_keys=True)
    run_key = f"{seq}-" + hashlib.sha256(cursor.encode()).hexdigest()[:16]
    tags = {"pipeline/trigger": SENSOR_NAME}
    if to_build:
        tags.update(plan.range_tags(to_build))
        run = dg.RunRequest(run_key=run_key, tags=tags)
        what = f"{len(to_build)} new or changed source(s)"
    elif plan.delete:
        run = dg.RunRequest(run_key=run_key, asset_selection=UNPARTITIONED_ASSETS, tags=tags)
        what = "the tables (sources deleted)"
    else:
        return dg.SensorResult(
            skip_reason="every new or changed source is already built",
            cursor=cursor,
            dynamic_partitions_requests=plan.requests(),
        )
    context.log.info(
        f"{len(plan.add)} partition(s) added, {len(plan.delete)} deleted; requesting one run for {what}"
    )
    return dg.SensorResult(run_requests=[run], cursor=cursor, dynamic_partitions_requests=plan.requests())
