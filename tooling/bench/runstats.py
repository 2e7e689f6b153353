"""Timings read back from a Dagster instance: how long each run and step took.

Used by the benchmark (``tooling.bench``) to report the time of each stage of a
build from the instance's own event log (step start/success markers), so the
numbers are the ones the Dagster UI shows. Also opens a fresh, persistent
instance in a given directory (``DAGSTER_HOME`` for one benchmark build).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import dagster as dg


def open_instance(home: Path) -> dg.DagsterInstance:
    """A persistent instance whose ``DAGSTER_HOME`` is ``home`` (created if missing)."""
    from pipeline.defs.instance import ensure_home

    ensure_home(home)  # the defaults (SQLite in ``home``), telemetry off
    return dg.DagsterInstance.from_config(str(home))


def run_ids(instance: dg.DagsterInstance) -> list[str]:
    """Every run id recorded in the instance, oldest first."""
    return list(reversed(instance.get_run_ids()))


def run_summaries(instance: dg.DagsterInstance, ids: list[str]) -> list[dict]:
    """``{"run_id", "job", "status", "seconds", "partitions"}`` for each run in ``ids``."""
    out = []
    if not ids:  # e.g. a headless build that found nothing to do made no run
        return out
    for rec in instance.get_run_records(filters=dg.RunsFilter(run_ids=ids)):
        run = rec.dagster_run
        seconds = (rec.end_time - rec.start_time) if rec.start_time and rec.end_time else None
        tags = run.tags or {}
        out.append(
            {
                "run_id": run.run_id,
                "job": run.job_name,
                "status": run.status.value,
                "seconds": seconds,
                "start_time": rec.start_time,
                "end_time": rec.end_time,
                "partition_range": [tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")],
            }
        )
    return sorted(out, key=lambda r: ids.index(r["run_id"]))


def step_seconds(instance: dg.DagsterInstance, ids: list[str]) -> dict[str, float]:
    """Seconds spent in each step (summed over the runs ``ids``), in first-start order.

    A step is one asset (or multi-asset) op; with a single-run backfill a
    per-document asset is one step covering all its partitions.
    """
    total: dict[str, float] = defaultdict(float)
    first_start: dict[str, float] = {}
    for run_id in ids:
        for stats in instance.get_run_step_stats(run_id):
            if stats.start_time is None or stats.end_time is None:
                continue
            total[stats.step_key] += stats.end_time - stats.start_time
            first_start[stats.step_key] = min(first_start.get(stats.step_key, stats.start_time), stats.start_time)
    return {key: total[key] for key in sorted(total, key=lambda k: first_start[k])}
