"""Evaluation: scoring built releases against gold files (``gold``) and NER benchmarks.

``python -m tooling evaluate`` is ``tooling.evaluation.gold``.
"""
