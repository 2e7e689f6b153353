"""Evaluation: scoring built releases against gold files (``gold``) and NER benchmarks.

``python -m pipeline evaluate`` is ``pipeline.evaluation.gold``. No Dagster import here.
"""
