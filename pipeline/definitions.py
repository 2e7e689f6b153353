"""Dagster entry point (``workspace.yaml``, ``dg``/``dagster dev``): all wiring is in ``pipeline.defs``."""

from pipeline.defs import build_defs

defs = build_defs()
