"""Dagster wiring of the pipeline, one module per concept; ``build_defs()`` assembles it.

* ``resources``: ``PipelineConfig`` (raw/output folders, licence, workers) from env vars
* ``partitions``: the ``sources`` dynamic partitions (one per source unit) and planning
* ``assets_documents``: per-document assets (read -> segment -> extract), partitioned
* ``assets_dataset``: one asset per published table, built from all documents
* ``assets_release``: the ``release`` asset (``pipeline.publish``)
* ``checks``: asset checks on the tables (blocking where a failure breaks a release)
* ``jobs``, ``sensors``, ``schedules``: ``build_all``, ``raw_sources_sensor``, ``daily_rebuild``
* ``headless``: ``python -m pipeline build`` and ``build_release()`` on the same instance
* ``stages``, ``progress``, ``metadata``: the per-document work (no Dagster), progress
  reporting, and the schema's Dagster metadata

Domain logic lives outside this package and imports no Dagster. See docs/dagster.md.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Dagster is imported by build_defs, not by the package: the worker
    import dagster as dg  # processes import pipeline.defs.stages and need none of it


def build_defs() -> dg.Definitions:
    """Every asset, check, job, sensor, schedule and resource of the pipeline."""
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    from pipeline.defs import assets_dataset, assets_documents, assets_release, checks
    from pipeline.defs.jobs import build_all
    from pipeline.defs.resources import config_from_env
    from pipeline.defs.schedules import daily_rebuild
    from pipeline.defs.sensors import raw_sources_sensor

    return dg.Definitions(
        assets=[*assets_documents.ASSETS, *assets_dataset.ASSETS, *assets_release.ASSETS],
        asset_checks=list(checks.build_checks()),
        jobs=[build_all],
        sensors=[raw_sources_sensor],
        schedules=[daily_rebuild],
        resources={"pipeline": config_from_env()},
        executor=dg.in_process_executor,  # see jobs.py: a chain gains nothing from one process per step
    )
