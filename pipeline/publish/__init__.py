"""Publishing releases: files, metadata, checksums, changes, zip, SQLite, catalogue, checks, serving.

The entry points other modules use:

- ``publish_release(tables, out_dir, sources, ...) -> ReleaseResult`` (``release.py``)
- ``check_tables(tables, previous_tables=None) -> list[CheckOutcome]`` (``validate.py``)

A large release is partitioned (``parts.py``: the layout contract and its readers;
``downloads.py``: the zip and SQLite built on demand).

See ``docs/publishing.md`` for the layout of a release and the reasons behind it.
"""

from pipeline.publish.release import ReleaseBlocked, ReleaseResult, fingerprint, publish_release
from pipeline.publish.validate import CheckOutcome, check_tables

__all__ = [
    "CheckOutcome",
    "ReleaseBlocked",
    "ReleaseResult",
    "check_tables",
    "fingerprint",
    "publish_release",
]
