"""The partitioned layout of a large release: the contract, the writer and the readers.

A release whose table data (Arrow bytes of all tables) exceeds the *partition
threshold* is published **partitioned**:

* the large per-document tables (``PARTITIONED_TABLES``: documents, metrics,
  mentions, relations) are folders ``<table>/`` of Parquet *parts*
  ``part-<first 20 hex of the part's sha256>.parquet`` (content-addressed: equal
  bytes, equal name), with no CSV;
* the rows of a table are sorted by ``doc_id`` (then the primary key) and cut
  *between documents*, after each document whose ID hashes to 0 modulo the
  table's ``docs_per_part`` (a power of two chosen so that a part holds about
  ``PART_BYTES`` of Parquet). The cuts depend only on the document IDs, so a new
  document changes the one part it falls into and every other part keeps its
  bytes and its name, and is hard-linked to the previous release's
  (``retention.link_unchanged``). ``docs_per_part`` is kept from the previous
  release unless the data moved it by more than a factor of two;
* the other tables are ``<table>.parquet``;
* no CSV, ``dataset.sqlite``, ``dataset.duckdb`` or zip inside the release folder
  (the entity tables' counts change with every document: their CSVs would be
  rewritten each time): ``python -m pipeline zip`` builds the download, with a CSV
  of every table, into ``<out>/downloads/`` and
  ``python -m pipeline serve`` builds ``<out>/serve/<version>/dataset.sqlite``,
  each on demand.

The threshold: ``PIPELINE_PARTITION_ABOVE`` (bytes, or with a unit: ``16MiB``,
``512k``; ``0`` = always; ``off`` = never), or the Dagster resource field
``partition_above``; default ``DEFAULT_ABOVE`` (16 MiB). The sample releases
stay single files.

Readers: ``read_table`` / ``read_release_arrow`` (Arrow) and
``read_release_frames`` (pandas) read either layout; ``pandas.read_parquet`` and
``pyarrow.dataset`` read a ``<table>/`` folder directly.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import schema
from pipeline.publish import checksums
from pipeline.publish.files import described_schema

ENV = "PIPELINE_PARTITION_ABOVE"
DEFAULT_ABOVE = 16 << 20  # bytes of table data (Arrow) above which a release is partitioned
PARTITIONED_TABLES = ("documents", "metrics", "mentions", "relations")
PART_BYTES = 256 << 10  # the Parquet size a part aims at
ARROW_PER_PARQUET = 2  # Arrow bytes per Parquet byte of these tables (zstd; measured on xwlb.jsonl)
PART_PREFIX = "part-"
MAX_DOCS_PER_PART = 1 << 16
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_above(value: str | int | None) -> int | None:
    """The threshold in bytes from a setting: ``None``/``""`` = the default, ``off`` = never (None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_ABOVE
    if isinstance(value, int):
        return value if value >= 0 else None
    text = value.strip().lower()
    if text in ("off", "never", "none", "false"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"{ENV}: expected bytes (16777216, 16MiB, 512k), 0 or off, not {value!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def partition_above(setting: str | int | None = None) -> int | None:
    """The threshold: ``setting`` when given, else ``$PIPELINE_PARTITION_ABOVE``, else the default."""
    if setting is None or (isinstance(setting, str) and not setting.strip()):
        setting = os.environ.get(ENV)
    return parse_above(setting)


def is_partitioned(tables: dict[str, pa.Table], above: int | None) -> bool:
    """Whether a release of ``tables`` is published partitioned (``above``: bytes, None = never)."""
    if above is None:
        return False
    return above == 0 or sum(t.nbytes for t in tables.values()) > above


def docs_per_part(table: pa.Table, previous: int | None = None) -> int:
    """Documents per part (a power of two) for about ``PART_BYTES`` of Parquet per part;
    ``previous`` (the previous release's) is kept when within a factor of two."""
    docs = len(table.column("doc_id").unique()) if table.num_rows else 0
    if not docs:
        return previous or 1
    per_doc = max(1.0, table.nbytes / ARROW_PER_PARQUET / docs)
    wanted = max(1, min(MAX_DOCS_PER_PART, 2 ** round(math.log2(max(1.0, PART_BYTES / per_doc)))))
    if previous and previous / 2 <= wanted <= previous * 2:
        return previous
    return wanted


def _cuts_after(doc_id: str, every: int) -> bool:
    """A part ends after this document (depends on the ID only: stable between releases)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % every == 0


def split_parts(name: str, table: pa.Table, every: int) -> list[pa.Table]:
    """The table's rows sorted by doc_id and primary key, cut into parts between documents."""
    keys = ["doc_id"] + [c for c in schema.TABLES[name].primary_key if c != "doc_id"]
    if not table.num_rows:
        return [table]
    table = table.sort_by([(c, "ascending") for c in keys])
    ids = table.column("doc_id").to_pylist()
    parts, start = [], 0
    for i, doc in enumerate(ids):
        last_of_doc = i + 1 == len(ids) or ids[i + 1] != doc
        if last_of_doc and (i + 1 == len(ids) or _cuts_after(doc, every)):
            parts.append(table.slice(start, i + 1 - start))
            start = i + 1
    return parts


def _parquet_bytes(name: str, part: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(part.columns, schema=described_schema(name)), sink,
                   compression="zstd", store_schema=True)
    return sink.getvalue()


def write_parts(name: str, table: pa.Table, folder: Path, every: int) -> list[str]:
    """Write ``folder/<name>/part-<sha256>.parquet`` files; their relative paths, in document order."""
    target = Path(folder) / name
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for part in split_parts(name, table, every):
        data = _parquet_bytes(name, part)
        digest = hashlib.sha256(data).hexdigest()
        path = target / f"{PART_PREFIX}{digest[:20]}.parquet"
        if not path.exists():  # two equal parts (two empty ones) are one file
            with open(path, "wb") as fh:
                fh.write(data)
            checksums.remember(path, digest)
        rel = f"{name}/{path.name}"
        if rel not in names:
            names.append(rel)
    return names


def part_paths(release_dir: Path, name: str) -> list[Path]:
    """The part files of a partitioned table (empty when the table is a single file)."""
    folder = Path(release_dir) / name
    return sorted(folder.glob(f"{PART_PREFIX}*.parquet")) if folder.is_dir() else []


def is_partitioned_release(release_dir: Path) -> bool:
    return any(part_paths(release_dir, name) for name in PARTITIONED_TABLES)


def table_files(release_dir: Path, name: str) -> list[Path]:
    """The Parquet files of one table, in order: ``<name>.parquet`` or its parts; empty if absent."""
    single = Path(release_dir) / f"{name}.parquet"
    return [single] if single.exists() else part_paths(release_dir, name)


def read_table(release_dir: Path, name: str, columns: list[str] | None = None) -> pa.Table | None:
    """One table of a release as Arrow, from ``<name>.parquet`` or the ``<name>/`` parts; None if absent."""
    single = Path(release_dir) / f"{name}.parquet"
    if single.exists():
        return pq.read_table(single, columns=columns)
    paths = part_paths(release_dir, name)
    if not paths:
        return None
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in paths])


def read_release_arrow(release_dir: Path) -> dict[str, pa.Table]:
    """Every schema table present in a release folder (either layout), as Arrow."""
    tables = {}
    for name in schema.TABLES:
        table = read_table(release_dir, name)
        if table is not None:
            tables[name] = schema.to_arrow(name, table)
    return tables


def read_frame(release_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """One table as pandas (nullable dtypes, as ``pandas.read_parquet`` gives them), either layout."""
    table = read_table(release_dir, name, columns)
    return None if table is None else table.to_pandas()


def read_release_frames(release_dir: Path, names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """The tables of a release (all present, or ``names``) as pandas, either layout."""
    out = {}
    for name in names or tuple(schema.TABLES):
        frame = read_frame(release_dir, name)
        if frame is not None:
            out[name] = frame
    return out
