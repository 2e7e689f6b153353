"""Chinese tech-economy news -> people, firms, cities and numeric facts, as an open dataset.

Domain logic lives in plain modules (``ingest``, ``nlp``, ``tables``,
``publish``); Dagster wiring lives in ``pipeline.defs`` only.
"""

__version__ = "0.1.0"
