"""Tools around the runtime: gold evaluation and audits, NER training and scoring, benchmarks.

``python -m tooling evaluate|audit-sample|evaluate-ner|train-ner|bench``. The
tooling imports the runtime package ``pipeline``; the runtime never imports the
tooling (an import-linter contract, ``tests/test_architecture.py``), and no
file here is part of the extraction cache key or of a release's code version.
"""
