"""Dagster metadata: column schemas from ``pipeline.schema``, table previews, small Markdown tables."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from pipeline import schema

_DAGSTER_TYPES = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "date": "date",
    "list": "list<string>",
}


def column_schema(table: str) -> dg.TableSchema:
    """The ``dagster/column_schema`` of a published table, with descriptions and constraints."""
    t = schema.TABLES[table]
    columns = [
        dg.TableColumn(
            name=c.name,
            type=_DAGSTER_TYPES[c.type],
            description=c.description,
            constraints=dg.TableColumnConstraints(
                nullable=c.nullable, unique=(t.primary_key == (c.name,))
            ),
        )
        for c in t.columns
    ]
    other = [f"primary key ({', '.join(t.primary_key)})"]
    for fk in t.foreign_keys:
        targets = [f"{fk.table}.{fk.ref_column}", *fk.other_tables]
        other.append(f"foreign key {fk.column} -> {' | '.join(targets)}")
    return dg.TableSchema(columns=columns, constraints=dg.TableConstraints(other=other))


PREVIEW_COLUMNS = 8  # columns shown in a preview: the first ones of the schema (keys and names come first)
PREVIEW_CELL = 60  # characters shown of a long value


def _cell(value):
    """A preview cell: lists joined with ``|``, long text shortened, numbers kept."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = schema.LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    text = str(value).replace("\n", " ")
    return text if len(text) <= PREVIEW_CELL else text[: PREVIEW_CELL - 1] + "…"


def table_preview(table: str, data: pa.Table, n: int = 5) -> dg.TableMetadataValue:
    """The first ``n`` rows of a table as Dagster table metadata (rendered as a real table in the UI)."""
    t = schema.TABLES[table]
    columns = [c for c in t.columns if c.name in data.column_names][:PREVIEW_COLUMNS]
    rows = data.select([c.name for c in columns]).slice(0, n).to_pylist()
    types = {"integer": "int", "number": "float", "boolean": "bool"}
    return dg.MetadataValue.table(
        [dg.TableRecord({k: _cell(v) for k, v in row.items()}) for row in rows],
        schema=dg.TableSchema(columns=[
            dg.TableColumn(c.name, types.get(c.type, "string"), description=c.description) for c in columns
        ]),
    )


def markdown_table(header: list[str], rows) -> str:
    """A small Markdown table (``|`` and line breaks in cells escaped)."""
    def cell(v) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
