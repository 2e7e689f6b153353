"""Writing and reading one table's files: Parquet and CSV, typed by ``pipeline.schema``.

Parquet gets the Arrow schema of ``schema.Table.arrow_schema()`` (strings,
int64, float64, dates, ``list<string>``). CSV is UTF-8 with a byte-order mark
(so that Excel shows Chinese correctly), a header row, every string quoted,
nulls as empty fields, dates as ISO 8601 and list columns joined with
``schema.LIST_SEPARATOR`` (``|``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipeline import schema

BOM = "\ufeff".encode("utf-8")


def to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """The table as Arrow, exactly the schema's columns in the schema's order and types."""
    return schema.to_arrow(name, frame)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write an Arrow table to Parquet (zstd, with statistics; deterministic bytes)."""
    pq.write_table(table, path, compression="zstd", store_schema=True)


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


def write_csv(table: pa.Table, path: Path) -> None:
    """Write an Arrow table as CSV: UTF-8 with BOM, header, lists joined with '|'."""
    with open(path, "wb") as fh:
        fh.write(BOM)
        pa_csv.write_csv(
            csv_ready(table),
            fh,
            write_options=pa_csv.WriteOptions(include_header=True, quoting_style="needed"),
        )


def write_table_files(name: str, frame: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``<name>.parquet`` and ``<name>.csv`` into folder; return the two paths."""
    table = to_arrow(name, frame)
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    write_parquet(table, parquet)
    write_csv(table, csv)
    return [parquet, csv]


def read_parquet_table(name: str, path: Path) -> pd.DataFrame:
    """Read one published Parquet table back as a typed DataFrame (schema dtypes)."""
    arrow = pq.read_table(path)
    return arrow.to_pandas(types_mapper=schema._pandas_type)


def read_release_tables(release_dir: Path) -> dict[str, pd.DataFrame]:
    """Every schema table present as Parquet in a release folder (missing ones are skipped)."""
    tables = {}
    for name in schema.TABLES:
        path = Path(release_dir) / f"{name}.parquet"
        if path.exists():
            tables[name] = read_parquet_table(name, path)
    return tables
