"""Hostile inputs and fault points for the reliability tests and ``docs/reliability.md`` (see ``report.py``)."""
