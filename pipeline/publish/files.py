"""Writing and reading one table's files: Parquet and CSV, typed by ``pipeline.schema``.

Parquet gets the Arrow schema of ``schema.Table.arrow_schema()`` (strings,
int64, float64, dates, ``list<string>``). CSV is UTF-8 with a byte-order mark
(so that Excel shows Chinese correctly), a header row, every string quoted,
nulls as empty fields, dates as ISO 8601 and list columns joined with
``schema.LIST_SEPARATOR`` (``|``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipeline import schema
from pipeline.publish import checksums
from pipeline.publish.dictionary import field_metadata
from pipeline.schema import to_arrow  # noqa: F401  (the one conversion; callers import it from here too)

BOM = "\ufeff".encode("utf-8")


def _write_bytes(path: Path, data) -> None:
    """Write bytes (or an Arrow buffer) and register their SHA-256 (no second read)."""
    digest = hashlib.sha256(data).hexdigest()
    with open(path, "wb") as fh:
        fh.write(data)
    checksums.remember(path, digest)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write an Arrow table to Parquet (zstd, with statistics; deterministic bytes)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", store_schema=True)
    _write_bytes(path, sink.getvalue())


def csv_ready(table: pa.Table) -> pa.Table:
    """Arrow table with list columns joined into strings, ready for the CSV writer."""
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            column = pc.binary_join(column, schema.LIST_SEPARATOR)
            field = pa.field(field.name, pa.string(), nullable=True)
        columns.append(column)
        fields.append(field)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


CSV_ROWS = 100_000  # rows made into CSV at a time (the whole CSV is never held in memory)


def csv_pieces(table: pa.Table, rows: int = CSV_ROWS, header: bool = True):
    """The table's CSV (header, values quoted where needed, lists joined) as Arrow buffers
    of ``rows`` rows each; joined, the bytes of one ``pyarrow.csv.write_csv`` of the table."""
    for start in range(0, max(table.num_rows, 1), rows):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(
            csv_ready(table.slice(start, rows)),
            sink,
            write_options=pa_csv.WriteOptions(include_header=header and start == 0, quoting_style="needed"),
        )
        yield sink.getvalue()


def write_csv(table: pa.Table, path: Path) -> None:
    """Write an Arrow table as CSV: UTF-8 with BOM, header, lists joined with '|' (in pieces)."""
    write_csv_parts([table], path)


def write_csv_parts(tables, path: Path) -> None:
    """``write_csv`` of the tables one after another (one header), holding one table at a time:
    the CSV of a partitioned table, read part by part."""
    digest = hashlib.sha256(BOM)
    with open(path, "wb") as fh:
        fh.write(BOM)
        for k, table in enumerate(tables):
            for piece in csv_pieces(table, header=k == 0):
                digest.update(piece)
                fh.write(piece)
    checksums.remember(path, digest.hexdigest())


@lru_cache(maxsize=None)
def published_metadata(name: str) -> dict:
    """The schema metadata of a published Parquet file: the table's description and the
    ``pandas`` metadata (so that ``pandas.read_parquet`` gives the nullable dtypes: Int64,
    string), the same for every release whether the table came as a DataFrame or Arrow."""
    return dict(schema.to_arrow(name, schema.empty_frame(name)).schema.metadata or {})


@lru_cache(maxsize=None)
def described_schema(name: str) -> pa.Schema:
    """The published Parquet schema: ``published_metadata`` plus each field's description,
    type and nullability in its field metadata (``publish.dictionary.field_metadata``)."""
    meta = field_metadata(name)
    base = schema.TABLES[name].arrow_schema()
    return pa.schema([f.with_metadata(meta[f.name]) for f in base], metadata=published_metadata(name))


def write_table_files(name: str, frame: pd.DataFrame | pa.Table, folder: Path, csv: bool = True) -> list[Path]:
    """Write ``<name>.parquet`` and (with ``csv``) ``<name>.csv`` into folder; return their paths."""
    table = to_arrow(name, frame)
    parquet = folder / f"{name}.parquet"
    write_parquet(pa.Table.from_arrays(table.columns, schema=described_schema(name)), parquet)
    if not csv:
        return [parquet]
    write_csv(table, folder / f"{name}.csv")
    return [parquet, folder / f"{name}.csv"]


def read_release_arrow(release_dir: Path) -> dict[str, pa.Table]:
    """Every schema table present in a release folder, as Arrow (missing ones are skipped); single
    files or partitioned folders (``parts``)."""
    from pipeline.publish import parts

    return parts.read_release_arrow(release_dir)
