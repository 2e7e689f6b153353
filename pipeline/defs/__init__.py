"""Dagster wiring of the pipeline, one module per concept; ``build_defs()`` assembles it.

* ``resources``: ``PipelineConfig`` (raw/output folders, licence, workers, retention) from env vars
* ``assets``: ``sources`` -> the tables (``dataset_tables``) -> ``release``
* ``checks``: asset checks on the tables (blocking where a failure breaks a release)
* ``jobs``, ``sensors``, ``schedules``: ``build_all``, ``raw_sources_sensor``, ``daily_rebuild``
* ``snapshots``: ``source_snapshots`` (fetches ``sources.yaml`` into raw/ on its own job and schedule)
* ``metadata``: column schemas and previews for the UI
* ``headless``: ``python -m pipeline build`` and ``build_release()`` on the same instance
* ``instance``: the project's own Dagster instance folder (telemetry off)

The work itself is in plain packages: ``pipeline.engine`` (units, cache, worker
pool, the fan-in), ``pipeline.publish``, ``pipeline.nlp``. See docs/dagster.md.
"""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    """Every asset, check, job, sensor, schedule and resource of the pipeline."""
    from pipeline.defs import assets, checks, snapshots
    from pipeline.defs.jobs import build_all
    from pipeline.defs.resources import config_from_env
    from pipeline.defs.schedules import daily_rebuild
    from pipeline.defs.sensors import raw_sources_sensor

    return dg.Definitions(
        assets=[*assets.ASSETS, *snapshots.ASSETS],
        asset_checks=list(checks.build_checks()),
        jobs=[build_all, *snapshots.JOBS],
        sensors=[raw_sources_sensor],
        schedules=[daily_rebuild, *snapshots.SCHEDULES],
        resources={"pipeline": config_from_env()},
        executor=dg.in_process_executor,  # see jobs.py: a chain gains nothing from one process per step
    )
