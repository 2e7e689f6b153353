"""``dataset.sqlite``: the release's tables in one SQLite database.

Same tables and columns as the CSV/Parquet files, generated from
``pipeline.schema``: primary keys, foreign keys (the single-table ones; the
polymorphic ``metrics.subject_id`` / ``mentions.entity_id`` are checked before
publishing instead), indexes on ID and name columns, and an FTS5 full-text
index ``<table>_fts`` over each table's ``search_columns`` (names, aliases,
metric sentences, titles), and a view ``entities`` uniting every entity table
(so ``mentions.entity_id`` and ``metrics.subject_id`` join in one step).

Full-text search indexes Chinese text as overlapping character pairs plus
single characters (``pipeline.publish.fts``), so a query of any length, one or
two characters included (``杭州``, ``华为``), matches any substring once rewritten
with ``fts.match_query`` (``make serve`` does this for Datasette's search box).
The FTS tables are external-content tables over the published tables, their
index filled through the SQL function ``pipeline_fts``. List columns are stored
as in the CSV files, joined with ``|``; dates as ISO 8601 text.

``update_sqlite`` makes the same database from the previous release's file and
the rows that changed (by primary key): it copies the file, deletes the removed
and changed rows (and their full-text entries), inserts the added and changed
ones and indexes them for full-text search. Row order on disk (rowids) and the
planner statistics then differ from a fresh write; the rows, indexes and search
results are the same. It refuses (returns False) when the previous file was made
with other table definitions or another tokenizer, and the caller writes afresh.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import atomic, schema
from pipeline.publish import fts as chinese_fts

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT", "list": "TEXT"}
BATCH = 50_000


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fts_tokenizer() -> str:
    """The FTS5 tokenizer of the ``<table>_fts`` tables (over ``fts.index_text``)."""
    return chinese_fts.TOKENIZER


def create_table_sql(t: schema.Table) -> str:
    cols = []
    for c in t.columns:
        null = "" if c.nullable else " NOT NULL"
        cols.append(f"  {_q(c.name)} {SQL_TYPES[c.type]}{null}")
    cols.append(f"  PRIMARY KEY ({', '.join(_q(c) for c in t.primary_key)})")
    for fk in t.foreign_keys:
        if fk.other_tables:
            continue
        cols.append(f"  FOREIGN KEY ({_q(fk.column)}) REFERENCES {_q(fk.table)}({_q(fk.ref_column)})")
    return f"CREATE TABLE {_q(t.name)} (\n" + ",\n".join(cols) + "\n)"


def index_columns(t: schema.Table) -> list[str]:
    """Columns indexed besides the primary key: IDs (foreign keys) and names."""
    out = []
    for c in t.column_names:
        if (c.endswith("_id") or c in t.name_columns or c in ("metric", "entity_type", "subject_type")) and (
            list(t.primary_key) != [c]
        ):
            out.append(c)
    return out


def _column_values(column: pa.Array, type_: str) -> list:
    """One Arrow column as Python values SQLite stores: lists joined with ``|``, dates ISO, booleans 0/1."""
    if type_ == "list":
        return [None if v is None else schema.LIST_SEPARATOR.join(v) for v in column.to_pylist()]
    if type_ == "date":
        return pc.strftime(column, "%Y-%m-%d").to_pylist() if len(column) else []
    if type_ == "boolean":
        return pc.cast(column, pa.int64()).to_pylist()
    return column.to_pylist()


def _insert(con: sqlite3.Connection, t: schema.Table, arrow: pa.Table) -> None:
    types = [c.type for c in t.columns]
    sql = f"INSERT INTO {_q(t.name)} VALUES ({', '.join('?' for _ in types)})"
    for batch in arrow.to_batches(BATCH):
        columns = [_column_values(col, ty) for col, ty in zip(batch.columns, types)]
        con.executemany(sql, zip(*columns))


def entities_view_sql() -> str:
    """A view ``entities`` (entity_id, entity_type, name, mention_count, doc_count) over every entity
    table, so that the polymorphic ``mentions.entity_id`` / ``metrics.subject_id`` join in one step."""
    parts = []
    for table, id_column in sorted({v for v in schema.ENTITY_TABLES.values()}):
        t = schema.TABLES[table]
        types = sorted(k for k, v in schema.ENTITY_TABLES.items() if v == (table, id_column))
        etype = f"'{types[0]}'" if len(types) == 1 else "level"  # regions: province or country
        parts.append(
            f"SELECT {_q(id_column)} AS entity_id, {etype} AS entity_type, name, mention_count, doc_count "
            f"FROM {_q(table)}"
        )
        assert {"name", "mention_count", "doc_count"} <= set(t.column_names)
    return "CREATE VIEW entities AS\n" + "\nUNION ALL\n".join(parts)


def expected_sql(names: list[str], tokenizer: str) -> dict[str, str]:
    """``sqlite_master.sql`` of every table, index, FTS table and view ``write_sqlite`` creates."""
    out: dict[str, str] = {}
    for name in names:
        t = schema.TABLES[name]
        out[name] = create_table_sql(t)
        for c in index_columns(t):
            out[f"idx_{name}_{c}"] = f"CREATE INDEX {_q(f'idx_{name}_{c}')} ON {_q(name)}({_q(c)})"
        if t.search_columns:
            cols = ", ".join(_q(c) for c in t.search_columns)
            out[f"{name}_fts"] = (
                f"CREATE VIRTUAL TABLE {_q(name + '_fts')} USING fts5({cols}, "
                f"content=\"{name}\", content_rowid=\"rowid\", tokenize='{tokenizer}')"
            )
    if all(t in names for t, _ in schema.ENTITY_TABLES.values()):
        out["entities"] = entities_view_sql()
    return out


def update_sqlite(previous: Path, path: Path, tables: dict, changes: dict, copy: Path | None = None) -> bool:
    """Write ``path`` as ``previous`` plus ``changes``; False (nothing written) when that cannot be done.

    ``tables``: every table (Arrow or DataFrame) as it is now; ``changes``: table ->
    (keys of rows to delete: removed and changed, as tuples; indices into the new
    table of the rows to insert: added and changed). A table absent from ``changes``
    is unchanged.
    """
    previous, path = Path(previous), Path(path)
    if not previous.exists():
        return False
    names = [n for n in schema.TABLES if n in tables]
    tokenizer = fts_tokenizer()
    con = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
    try:
        found = {n: sql for n, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '%_fts_%'")}
    finally:
        con.close()
    if found != expected_sql(names, tokenizer):
        return False
    with atomic.replacing(path) as tmp:
        if copy is not None and Path(copy).exists():
            os.replace(copy, tmp)
        else:
            shutil.copyfile(previous, tmp)
        _apply_changes(tmp, names, tables, changes)
    return True


def _apply_changes(tmp: Path, names: list[str], tables: dict, changes: dict) -> None:
    """Delete and insert the rows of ``changes`` in the SQLite file ``tmp`` (and its search indexes)."""
    con = sqlite3.connect(tmp)
    chinese_fts.register(con)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA foreign_keys = OFF")
        for name in names:
            if name not in changes:
                continue
            delete_keys, insert_rows = changes[name]
            t = schema.TABLES[name]
            pk = list(t.primary_key)
            fts = f"{name}_fts" if t.search_columns else None
            cols = ", ".join(_q(c) for c in t.search_columns)
            if delete_keys:
                con.execute("DROP TABLE IF EXISTS temp.gone")
                con.execute(f"CREATE TEMP TABLE gone ({', '.join(_q(c) for c in pk)})")
                con.executemany(f"INSERT INTO temp.gone VALUES ({', '.join('?' for _ in pk)})", delete_keys)
                on = " AND ".join(f"t.{_q(c)} IS g.{_q(c)}" for c in pk)
                select = f"t.rowid{', ' + ', '.join(_fts_value('t.' + _q(c)) for c in t.search_columns) if fts else ''}"
                old = con.execute(f"SELECT {select} FROM {_q(name)} AS t JOIN temp.gone AS g ON {on}").fetchall()
                if fts:
                    con.executemany(
                        f"INSERT INTO {_q(fts)}({_q(fts)}, rowid, {cols}) "
                        f"VALUES ('delete', ?{', ?' * len(t.search_columns)})",
                        old,
                    )
                con.executemany(f"DELETE FROM {_q(name)} WHERE rowid = ?", [(r[0],) for r in old])
                con.execute("DROP TABLE temp.gone")
            if len(insert_rows):
                (top,) = con.execute(f"SELECT coalesce(max(rowid), 0) FROM {_q(name)}").fetchone()
                _insert(con, t, schema.to_arrow(name, tables[name]).take(insert_rows))
                if fts:
                    con.execute(
                        f"INSERT INTO {_q(fts)}(rowid, {cols}) SELECT rowid, {_fts_values(t)} FROM {_q(name)} "
                        "WHERE rowid > ?",
                        (top,),
                    )
        con.commit()
    finally:
        con.close()


def write_sqlite(tables: dict[str, pd.DataFrame], path: Path, *, title: str = "") -> Path:
    """Write every table of ``tables`` (schema order) into a new SQLite file at ``path``."""
    with atomic.replacing(path) as tmp:
        tmp.unlink(missing_ok=True)  # a stale temporary of an earlier process with this id
        _write_tables(tmp, tables)
    return Path(path)


def _write_tables(tmp: Path, tables: dict[str, pd.DataFrame]) -> None:
    tokenizer = fts_tokenizer()
    con = sqlite3.connect(tmp)
    chinese_fts.register(con)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA foreign_keys = OFF")  # enforced by the checks; verified below
        names = [n for n in schema.TABLES if n in tables]
        for name in names:
            t = schema.TABLES[name]
            con.execute(create_table_sql(t))
            _insert(con, t, schema.to_arrow(name, tables[name]))
            for c in index_columns(t):
                con.execute(f"CREATE INDEX {_q(f'idx_{name}_{c}')} ON {_q(name)}({_q(c)})")
            if t.search_columns:
                cols = ", ".join(_q(c) for c in t.search_columns)
                fts = f"{name}_fts"
                con.execute(
                    f"CREATE VIRTUAL TABLE {_q(fts)} USING fts5({cols}, "
                    f"content=\"{name}\", content_rowid=\"rowid\", tokenize='{tokenizer}')"
                )
                con.execute(f"INSERT INTO {_q(fts)}(rowid, {cols}) SELECT rowid, {_fts_values(t)} FROM {_q(name)}")
                con.execute(f"INSERT INTO {_q(fts)}({_q(fts)}) VALUES ('optimize')")
        if all(t in names for t, _ in schema.ENTITY_TABLES.values()):
            con.execute(entities_view_sql())
        con.commit()
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"SQLite foreign key check failed: {broken[:5]}")
        con.execute("ANALYZE")
        con.commit()
    finally:
        con.close()


def search(path: Path, table: str, query: str, limit: int = 20) -> list[dict]:
    """Rows of ``table`` matching ``query`` (any substring of each term, through the FTS index)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        sql = (
            f"SELECT {_q(table)}.* FROM {_q(table + '_fts')} JOIN {_q(table)} "
            f"ON {_q(table)}.rowid = {_q(table + '_fts')}.rowid "
            f"WHERE {_q(table + '_fts')} MATCH ? ORDER BY rank LIMIT ?"
        )
        return [dict(r) for r in con.execute(sql, (chinese_fts.match_query(query), limit)).fetchall()]
    finally:
        con.close()


def _fts_value(column_sql: str) -> str:
    return f"{chinese_fts.SQL_FUNCTION}({column_sql})"


def _fts_values(t: schema.Table) -> str:
    """The SELECT list filling a table's FTS index (each search column through ``pipeline_fts``)."""
    return ", ".join(_fts_value(_q(c)) for c in t.search_columns)
