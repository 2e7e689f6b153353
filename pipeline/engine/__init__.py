"""The build's work without Dagster: source units, the per-document stages and their cache
(``stages``), the worker pool that lives and dies with a build (``pool``), the per-document
step (``build.build_sources``), the fan-in to tables (``dataset.build_dataset``) and progress.
The Dagster assets in ``pipeline.defs`` call these functions.
"""
