"""``raw_sources_sensor``: a build whenever the files in the raw folder change.

On each tick (every 30 s while the Dagster daemon runs; ``make ui`` starts it)
the sensor hashes the raw folder's files (``ingest.list_sources``: a file's
content, or its records' for a ``.jsonl`` archive) and compares them with its
cursor (JSON ``{"seq": n, "sources": {file: sha256}}``). When a file was added,
changed or *deleted*, it requests one ``build_all`` run, the same job as
"Materialize all": the run reads whatever is in the folder then, computes only
the new or changed documents and drops the rows of deleted files.

Nothing is requested when a file was touched but not changed, when the change
was already built (by ``make run``: the last build's source set in
``<out>/work/sources.json`` equals the folder), or when the folder is missing or
empty (a build would refuse to publish from it; the tick says why).

Default status: RUNNING, so that dropping a file into ``raw/`` while the UI is
up is enough. It can be stopped in the UI (Automation).
"""


import hashlib
import json

import dagster as dg

from pipeline.defs.jobs import build_all
from pipeline.defs.resources import PipelineConfig

SENSOR_NAME = "raw_sources_sensor"
MINIMUM_INTERVAL_SECONDS = 30


def read_cursor(cursor: str | None) -> tuple[int, dict[str, str]]:
    if not cursor:
        return 0, {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        return 0, {}
    return int(data.get("seq", 0)), dict(data.get("sources", {}))


def file_hashes(units) -> dict[str, str]:
    """raw file -> content hash, from ``list_sources`` units."""
    from pipeline.engine.stages import group_units, partition_hash

    return {p: partition_hash(p, u) for p, u in group_units(units).items()}


def describe_change(known: dict[str, str], current: dict[str, str]) -> str:
    added = [k for k in current if k not in known]
    deleted = [k for k in known if k not in current]
    changed = [k for k in current if k in known and known[k] != current[k]]
    parts = [f"{len(v)} {what}" for what, v in (("added", added), ("changed", changed), ("deleted", deleted)) if v]
    return ", ".join(parts) or "no change"


@dg.sensor(
    name=SENSOR_NAME,
    job=build_all,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the raw folder (PIPELINE_RAW_DIR) and launches one build_all run when a file "
    "is added, changed or deleted (by content hash).",
)
def raw_sources_sensor(context: dg.SensorEvaluationContext, pipeline: PipelineConfig):
    from pipeline.engine.build import read_source_set
    from pipeline.ingest import list_sources
    from pipeline.workdir import Workdir

    seq, known = read_cursor(context.cursor)
    raw = pipeline.raw_path
    if not raw.is_dir():
        return dg.SkipReason(f"raw folder {raw} is missing: nothing built (a build would refuse)")
    units = list_sources(raw)
    if not units:
        return dg.SkipReason(f"raw folder {raw} is empty: nothing built (a build would refuse)")
    current = file_hashes(units)
    if current == known:
        return dg.SkipReason(f"no file added, changed or deleted in {raw}")
    seq += 1
    cursor = json.dumps({"seq": seq, "sources": current}, ensure_ascii=False, sort_keys=True)
    change = describe_change(known, current)
    if read_source_set(Workdir(pipeline.output_path)) == [(u.key, u.sha256) for u in units]:
        return dg.SensorResult(skip_reason=f"{change}, already built", cursor=cursor)
    context.log.info(f"{change}: requesting one build_all run")
    run_key = f"{seq}-" + hashlib.sha256(cursor.encode()).hexdigest()[:16]
    request = dg.RunRequest(run_key=run_key, tags={"pipeline/trigger": SENSOR_NAME, "pipeline/change": change})
    return dg.SensorResult(run_requests=[request], cursor=cursor)
