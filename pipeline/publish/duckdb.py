"""``dataset.duckdb``: every table of a release in one DuckDB database (duckdb is MIT).

Tables are created from ``pipeline.schema`` (types, NOT NULL; list columns
as ``VARCHAR[]``), filled from the same Arrow tables as the Parquet files,
and every table and column carries its description (``COMMENT ON``; see
``duckdb_columns()``). Keys are documented in the comments and the data
dictionary but not declared: DuckDB's key indexes cost more than the whole
table write, and would stop the update below (DuckDB refuses to delete and
re-insert one key in a transaction). The release's checks already verified
them.

Like the SQLite file, a new release's database is the previous release's
copied and updated with the rows that changed (``update_duckdb``: delete by
primary key, insert), when its table definitions (``_schema`` table) are
the same and the change is small; otherwise it is written afresh
(``write_duckdb``). The contents are equal either way.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow as pa

from pipeline import atomic, schema

DUCKDB_NAME = "dataset.duckdb"
SCHEMA_TABLE = "_schema"
_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
          "date": "DATE", "list": "VARCHAR[]"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table_sql(name: str) -> str:
    t = schema.TABLES[name]
    cols = [f"{_q(c.name)} {_TYPES[c.type]}{'' if c.nullable else ' NOT NULL'}" for c in t.columns]
    return f"CREATE TABLE {_q(name)} (\n  " + ",\n  ".join(cols) + "\n)"


def _comments(name: str) -> list[str]:
    t = schema.TABLES[name]
    keys = f" Primary key: {', '.join(t.primary_key)}."
    out = [f"COMMENT ON TABLE {_q(name)} IS {_lit(t.title + '. ' + t.description + keys)}"]
    out += [f"COMMENT ON COLUMN {_q(name)}.{_q(c.name)} IS {_lit(c.description)}" for c in t.columns]
    return out


def definitions_hash(names: list[str]) -> str:
    """What a database must have been made with for ``update_duckdb`` to apply."""
    text = "\n".join(create_table_sql(n) + "\n" + "\n".join(_comments(n)) for n in names)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _connect(tmp: Path):
    """A connection to the new database file ``tmp`` (a stale write-ahead log of that name removed)."""
    import duckdb

    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return duckdb.connect(str(tmp))


def write_duckdb(tables: dict[str, pa.Table], path: Path) -> Path:
    """Write ``tables`` (Arrow, schema columns) into a new DuckDB file at ``path``."""
    names = [n for n in schema.TABLES if n in tables]
    with atomic.replacing(path) as tmp:
        tmp.unlink(missing_ok=True)
        con = _connect(tmp)
        try:
            for name in names:
                con.execute(create_table_sql(name))
                _insert(con, name, tables[name])
                for sql in _comments(name):
                    con.execute(sql)
            con.execute(f"CREATE TABLE {SCHEMA_TABLE} (definitions VARCHAR)")
            con.execute(f"INSERT INTO {SCHEMA_TABLE} VALUES (?)", [definitions_hash(names)])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return Path(path)


def _insert(con, name: str, table: pa.Table) -> None:
    if not table.num_rows:
        return
    con.register("_source", table.select(schema.TABLES[name].column_names))
    try:
        con.execute(f"INSERT INTO {_q(name)} SELECT * FROM _source")
    finally:
        con.unregister("_source")


def update_duckdb(previous: Path, path: Path, tables: dict[str, pa.Table], changes: dict) -> bool:
    """Write ``path`` as ``previous`` plus ``changes``; False (nothing written) when that cannot be done.

    ``changes``: table -> (primary keys of the rows to delete, as tuples; indices into the
    new table of the rows to insert), as for ``sqlite.update_sqlite``.
    """
    import duckdb

    previous, path = Path(previous), Path(path)
    if not previous.exists():
        return False
    names = [n for n in schema.TABLES if n in tables]
    try:
        con = duckdb.connect(str(previous), read_only=True)
        try:
            stored = con.execute(f"SELECT definitions FROM {SCHEMA_TABLE}").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return False
    if stored is None or stored[0] != definitions_hash(names):
        return False
    with atomic.replacing(path) as tmp:
        shutil.copyfile(previous, tmp)
        tmp.chmod(0o644)
        _apply_changes(_connect(tmp), tables, changes)
    return True


def _apply_changes(con, tables: dict[str, pa.Table], changes: dict) -> None:
    """Delete and insert the rows of ``changes`` through ``con``, in one transaction; closes ``con``."""
    try:
        con.execute("BEGIN")
        for name, (delete_keys, insert_rows) in changes.items():
            if name not in tables:
                continue
            t = schema.TABLES[name]
            if delete_keys:
                keys = pa.table({k: pa.array([row[i] for row in delete_keys], tables[name].schema.field(k).type)
                                 for i, k in enumerate(t.primary_key)})
                con.register("_keys", keys)
                match = " AND ".join(f"{_q(name)}.{_q(k)} IS NOT DISTINCT FROM _keys.{_q(k)}" for k in t.primary_key)
                con.execute(f"DELETE FROM {_q(name)} USING _keys WHERE {match}")
                con.unregister("_keys")
            if insert_rows:
                _insert(con, name, tables[name].take(pa.array(insert_rows, pa.int64())))
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
