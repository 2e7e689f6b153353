"""Typed configuration of the pipeline, as a Dagster resource.

``PipelineConfig`` is the one resource the assets, sensor and schedule use. Its
fields read environment variables (``dg.EnvVar``) so the UI, the daemon and the
headless ``python -m pipeline build`` see the same folders:

==========================  =====================  ===========================================
environment variable        default                meaning
==========================  =====================  ===========================================
``PIPELINE_RAW_DIR``        ``raw``                folder of raw articles (.txt, .md, .jsonl)
``PIPELINE_OUTPUT_DIR``     ``outputs``            releases, ``latest/`` and ``work/``
``PIPELINE_LICENSE``        ``CC-BY-4.0``          licence written into datapackage.json
``PIPELINE_WORKERS``        ``0``                  processes for per-document work (0: one per core)
``PIPELINE_SERVE_URL``      http://127.0.0.1:8001  where ``make serve`` shows the latest release
``PIPELINE_KEEP_RELEASES``  ``10``                 release folders kept (older ones are pruned; 0: all)
``PIPELINE_PARTITION_ABOVE`` ``16MiB``             table data above which a release is partitioned
                                                   (``publish.parts``; ``0``: always, ``off``: never)
==========================  =====================  ===========================================

``allow_shrink`` (no variable: a per-run decision; ``--allow-shrink`` on the command
line) lets a build publish from an empty raw folder or drop more than half of the
previous release's documents.

Relative paths are resolved against the current working directory (the repo
root for ``make``, ``dagster dev`` and ``workspace.yaml``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

DEFAULT_RAW_DIR = "raw"
DEFAULT_OUTPUT_DIR = "outputs"
DEFAULT_LICENSE = "CC-BY-4.0"
DEFAULT_SERVE_URL = "http://127.0.0.1:8001"
DEFAULT_KEEP_RELEASES = 10


def env_or(name: str, default: str) -> str:
    """The environment variable ``name`` when set and non-empty, else ``default``."""
    value = os.environ.get(name, "").strip()
    return value or default


class PipelineConfig(dg.ConfigurableResource):
    """Folders and settings of the pipeline (see the module docstring for the variables)."""

    raw_dir: str = DEFAULT_RAW_DIR
    output_dir: str = DEFAULT_OUTPUT_DIR
    license: str = DEFAULT_LICENSE
    workers: int = 0
    serve_url: str = DEFAULT_SERVE_URL
    keep_releases: int = DEFAULT_KEEP_RELEASES
    allow_shrink: bool = False
    partition_above: str = ""  # "" = $PIPELINE_PARTITION_ABOVE or 16 MiB; "0" always; "off" never
    title: str = "Chinese tech-economy news: people, firms, cities and numeric facts"

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir).expanduser().resolve()

    @property
    def output_path(self) -> Path:
        return Path(self.output_dir).expanduser().resolve()


def _env(name: str, default: str):
    """``dg.EnvVar(name)`` when the variable is set (the UI shows where the value comes
    from, and it is read when a run starts), else the plain default: ``dg.EnvVar`` alone
    would fail on an unset variable."""
    return dg.EnvVar(name) if os.environ.get(name, "").strip() else default


def config_from_env() -> PipelineConfig:
    """The ``PipelineConfig`` of the environment (defaults for unset variables).

    The launchpad of the UI (and the headless build, through run config) can still
    override every field per run.
    """
    return PipelineConfig(
        raw_dir=_env("PIPELINE_RAW_DIR", DEFAULT_RAW_DIR),
        output_dir=_env("PIPELINE_OUTPUT_DIR", DEFAULT_OUTPUT_DIR),
        license=_env("PIPELINE_LICENSE", DEFAULT_LICENSE),
        workers=dg.EnvVar.int("PIPELINE_WORKERS") if os.environ.get("PIPELINE_WORKERS", "").strip() else 0,
        serve_url=_env("PIPELINE_SERVE_URL", DEFAULT_SERVE_URL),
        keep_releases=(dg.EnvVar.int("PIPELINE_KEEP_RELEASES") if os.environ.get("PIPELINE_KEEP_RELEASES", "").strip()
                       else DEFAULT_KEEP_RELEASES),
        partition_above=_env("PIPELINE_PARTITION_ABOVE", ""),
    )


def env_config(**overrides) -> dict:
    """The resource's config values from the environment (defaults for unset variables),
    with ``overrides``: the run config of a headless build. Run config replaces the
    resource's configured values wholesale, so every field is given."""
    values = {
        "raw_dir": env_or("PIPELINE_RAW_DIR", DEFAULT_RAW_DIR),
        "output_dir": env_or("PIPELINE_OUTPUT_DIR", DEFAULT_OUTPUT_DIR),
        "license": env_or("PIPELINE_LICENSE", DEFAULT_LICENSE),
        "workers": int(env_or("PIPELINE_WORKERS", "0")),
        "serve_url": env_or("PIPELINE_SERVE_URL", DEFAULT_SERVE_URL),
        "keep_releases": int(env_or("PIPELINE_KEEP_RELEASES", str(DEFAULT_KEEP_RELEASES))),
        "allow_shrink": False,
        "partition_above": env_or("PIPELINE_PARTITION_ABOVE", ""),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values
