"""Dagster metadata derived from ``pipeline.schema``: column schemas and table previews."""

from __future__ import annotations

import dagster as dg

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


def table_definition_metadata(table: str) -> dict:
    """Metadata for a table asset's definition (shown in the UI before any run)."""
    return {"dagster/column_schema": column_schema(table)}
