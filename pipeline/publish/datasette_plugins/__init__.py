"""Datasette plugins loaded by ``pipeline serve`` with ``--plugins-dir`` (each module is one plugin)."""
