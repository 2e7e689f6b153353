"""``dataset.duckdb``: every table of a release in one DuckDB database (duckdb is MIT).

Tables are created from ``pipeline.schema`` (types, NOT NULL, primary keys,
the foreign keys that point to one table; list columns as ``VARCHAR[]``) in
an order where every referenced table comes first, filled from the same
Arrow tables as the Parquet files, and every table and column carries its
description (``COMMENT ON``; see ``duckdb_columns()``). A primary key with a
nullable column (``errors``) is not declared (DuckDB's keys are NOT NULL).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline import schema

DUCKDB_NAME = "dataset.duckdb"
_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
          "date": "DATE", "list": "VARCHAR[]"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def creation_order(names: list[str]) -> list[str]:
    """Table names with every table after the tables its foreign keys point to."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...] = ()) -> None:
        if name in done or name in path or name not in names:
            return
        for fk in schema.TABLES[name].foreign_keys:
            if not fk.other_tables:
                visit(fk.table, path + (name,))
        done.append(name)

    for n in names:
        visit(n)
    return done


def create_table_sql(name: str) -> str:
    t = schema.TABLES[name]
    cols = [f"{_q(c.name)} {_TYPES[c.type]}{'' if c.nullable else ' NOT NULL'}" for c in t.columns]
    if not any(t.column(k).nullable for k in t.primary_key):
        cols.append(f"PRIMARY KEY ({', '.join(map(_q, t.primary_key))})")
    for fk in t.foreign_keys:
        if not fk.other_tables:
            cols.append(f"FOREIGN KEY ({_q(fk.column)}) REFERENCES {_q(fk.table)} ({_q(fk.ref_column)})")
    return f"CREATE TABLE {_q(name)} (\n  " + ",\n  ".join(cols) + "\n)"


def write_duckdb(tables: dict[str, pa.Table], path: Path) -> Path:
    """Write ``tables`` (Arrow, schema columns) into a new DuckDB file at ``path``."""
    import duckdb

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name in creation_order(list(tables)):
            t = schema.TABLES[name]
            con.execute(create_table_sql(name))
            con.register("_source", tables[name].select(t.column_names))
            con.execute(f"INSERT INTO {_q(name)} SELECT * FROM _source")
            con.unregister("_source")
            con.execute(f"COMMENT ON TABLE {_q(name)} IS {_lit(t.title + '. ' + t.description)}")
            for c in t.columns:
                con.execute(f"COMMENT ON COLUMN {_q(name)}.{_q(c.name)} IS {_lit(c.description)}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(path)
    return path
