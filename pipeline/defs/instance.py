"""The project's own Dagster instance folder: ``DAGSTER_HOME``, default ``<repo>/.dagster_home``.

``ensure_home()`` creates the folder with a ``dagster.yaml`` that turns Dagster's
telemetry off (no usage statistics are sent); ``make ui`` and ``make run`` call it
(``python -m pipeline.defs.instance``) and the headless build opens the instance
through it. The same file limits the instance to one run at a time (the run
queue: runs launched from the UI, the sensor or a schedule wait for the one in
progress). A ``dagster.yaml`` already there (e.g. ``deploy/dagster.yaml`` for
PostgreSQL) is left as it is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[2]

INSTANCE_YAML = """\
# Written by the pipeline (pipeline/defs/instance.py) for the project's instance folder.
# Local SQLite storage under this folder (Dagster's default); no usage statistics sent.
telemetry:
  enabled: false
# One run at a time: two builds on one output folder would prune each other's work
# (runs launched from the UI, the sensor and the schedules wait in the queue; the
# headless build holds the output folder's lock, pipeline/buildlock.py).
concurrency:
  runs:
    max_concurrent_runs: 1
"""


def default_dagster_home() -> Path:
    """``$DAGSTER_HOME`` if set, else ``<repo>/.dagster_home`` (the repo of this checkout)."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if home:
        return Path(home).expanduser().resolve()
    root = REPO_ROOT if (REPO_ROOT / "pyproject.toml").exists() else Path.cwd()
    return (root / ".dagster_home").resolve()


def ensure_home(home: Path | None = None) -> Path:
    """Create the instance folder, with telemetry off when it has no ``dagster.yaml`` yet."""
    home = Path(home) if home else default_dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    return home


def open_instance() -> dg.DagsterInstance:
    """The persistent instance of ``DAGSTER_HOME`` (absolute; created when missing)."""
    home = ensure_home()
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


if __name__ == "__main__":  # make ui / make run: python -m pipeline.defs.instance
    print(ensure_home(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
