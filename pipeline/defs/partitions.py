"""The dynamic partitions of the pipeline: one per raw file.

The partition key is the file's path relative to the raw folder (as escaped by
``ingest.sources.make_key``). A ``.txt``/``.md`` file is one document; a
``.jsonl`` file is one partition holding one source unit (document) per
record: Dagster records an event per partition and asset (tens of ms each on
SQLite), which an archive of thousands of records must not pay, while the
per-document cache (``pipeline.defs.stages``) still limits the work after an
appended record to that record. Partitions are added by the
``raw_sources_sensor``, the daily schedule and the headless build, and
deleted when their file disappears.

Dynamic partitions keep the order in which they were added, so sources added
later form a contiguous range at the end: the sensor requests one run over the
range of new or changed keys (``partition_range_tags``), and partitions inside
the range whose source did not change are skipped by the stage cache.
"""

from __future__ import annotations

from typing import Sequence

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

SOURCES_PARTITIONS_NAME = "sources"
sources = dg.DynamicPartitionsDefinition(name=SOURCES_PARTITIONS_NAME)

# Dagster refuses partition keys containing these.
_INVALID_SUBSTRINGS = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def is_valid_key(key: str) -> bool:
    return bool(key) and not any(s in key for s in _INVALID_SUBSTRINGS)


def partition_range_tags(ordered_keys: Sequence[str], wanted: set[str] | Sequence[str]) -> dict[str, str]:
    """Run tags selecting the smallest range of ``ordered_keys`` that holds all ``wanted`` keys.

    ``ordered_keys`` is the partitions' order (``instance.get_dynamic_partitions``).
    Returns {} when nothing is wanted.
    """
    wanted = set(wanted)
    positions = [i for i, k in enumerate(ordered_keys) if k in wanted]
    if not positions:
        return {}
    return {
        ASSET_PARTITION_RANGE_START_TAG: ordered_keys[min(positions)],
        ASSET_PARTITION_RANGE_END_TAG: ordered_keys[max(positions)],
    }


class SourcePlan:
    """What to do with the partitions (raw files) given the sources found in the raw folder.

    ``units``: ``ingest.list_sources`` output; ``registered``: the partitions now;
    ``known``: partition -> hash as last seen (the sensor's cursor).
    ``current``: partition -> content hash of every valid partition now; ``grouped``:
    partition -> its units; ``add``: partitions to register; ``delete``: registered
    partitions whose file is gone; ``changed``: partitions new or whose hash differs
    from ``known``; ``ordered``: the partition order once ``add``/``delete`` are
    applied; ``invalid``: keys Dagster refuses (reported, skipped).
    """

    def __init__(self, units, registered: Sequence[str], known: dict[str, str] | None = None):
        from pipeline.defs.stages import group_units, partition_hash

        grouped = group_units(units)
        self.invalid = [p for p in grouped if not is_valid_key(p)]
        self.grouped = {p: u for p, u in grouped.items() if is_valid_key(p)}
        self.current: dict[str, str] = {p: partition_hash(p, u) for p, u in self.grouped.items()}
        registered_set = set(registered)
        self.add = [k for k in self.current if k not in registered_set]
        self.delete = [k for k in registered if k not in self.current]
        known = known or {}
        self.changed = [k for k in self.current if known.get(k) != self.current[k] or k in self.add]
        deleted = set(self.delete)
        self.ordered = [k for k in registered if k not in deleted] + self.add

    def range_tags(self, keys: Sequence[str] | None = None) -> dict[str, str]:
        """Partition range tags over ``keys`` (default: every current source)."""
        return partition_range_tags(self.ordered, self.ordered if keys is None else keys)

    def apply(self, instance) -> None:
        """Register new partitions and delete those of removed sources on ``instance``."""
        if self.add:
            instance.add_dynamic_partitions(SOURCES_PARTITIONS_NAME, self.add)
        for key in self.delete:
            instance.delete_dynamic_partition(SOURCES_PARTITIONS_NAME, key)

    def requests(self) -> list:
        out = []
        if self.add:
            out.append(sources.build_add_request(self.add))
        if self.delete:
            out.append(sources.build_delete_request(self.delete))
        return out
