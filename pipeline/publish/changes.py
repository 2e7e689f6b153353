"""What changed between two releases, per table, by primary key; rendered as ``CHANGES.md``.

A row is *added* when its primary key is new, *removed* when its key is gone,
and *changed* when the key is in both releases but another column differs.
The first few rows of each kind are listed, with the changed columns shown
as ``old → new``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema

SHOW = 5  # rows listed per kind and table
CELL = 60  # characters shown of a long value
# Columns that make a row recognisable in CHANGES.md (default: those of name, title, text, reason present).
LABEL_COLUMNS = {
    "documents": ("source_path", "title"),
    "metrics": ("subject_name", "metric", "span_text"),
    "mentions": ("entity_type", "text"),
    "relations": ("subject_name", "relation", "object_name"),
    "errors": ("reason",),
}


@dataclass
class TableChanges:
    table: str
    rows_before: int
    rows_after: int
    added: list[tuple] = field(default_factory=list)
    removed: list[tuple] = field(default_factory=list)
    changed: list[tuple] = field(default_factory=list)
    examples_added: list[str] = field(default_factory=list)
    examples_removed: list[str] = field(default_factory=list)
    examples_changed: list[str] = field(default_factory=list)
    # positions of the added and changed rows in the new table, of the removed ones in the old
    # table (for updating the SQLite file)
    added_rows: list[int] = field(default_factory=list)
    changed_rows: list[int] = field(default_factory=list)
    removed_rows: list[int] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


NULL = "\x00"  # a null cell, distinct from an empty string
SEP = "\x1f"  # between the columns of a key


def _strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as strings for cell-by-cell comparison: lists joined, nulls as NULL."""
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        column = pc.binary_join(column, schema.LIST_SEPARATOR)
    elif not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, NULL)


def _joined(cells: dict[str, pa.ChunkedArray], columns: list[str]) -> pa.ChunkedArray:
    if len(columns) == 1:
        return cells[columns[0]]
    return pc.binary_join_element_wise(*(cells[c] for c in columns), SEP)


def _values(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks else pa.array([], pa.string())


def _positions(mask) -> list[int]:
    return pc.indices_nonzero(mask).to_pylist() if len(mask) else []


def _show(text: str) -> str:
    return "(null)" if text == NULL else _short(text)


def _short(text: str) -> str:
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def _label(table: schema.Table, row: dict) -> str:
    key = ", ".join(f"`{row[c]}`" if row[c] != NULL else "(null)" for c in table.primary_key)
    shown = LABEL_COLUMNS.get(table.name, ("name", "title", "text", "reason"))
    words = [_short(row[c]) for c in shown if c in row and row[c] not in ("", NULL) and c not in table.primary_key]
    return f"{key} " + " ".join(words) if words else key


def _differs(new: pa.ChunkedArray, old: pa.ChunkedArray):
    """Per row: do two aligned columns differ (as their CSV-like strings would)?"""
    if pa.types.is_list(new.type) or pa.types.is_large_list(new.type) or pa.types.is_floating(new.type):
        return pc.not_equal(_strings(new), _strings(old))
    both_null = pc.and_(pc.is_null(new), pc.is_null(old))
    return pc.invert(pc.or_(pc.fill_null(pc.equal(new, old), False), both_null))


def _arrow(name: str, frame) -> pa.Table:
    if frame is None:
        frame = schema.empty_frame(name)
    return schema.to_arrow(name, frame)


def diff_table(name: str, old, new) -> TableChanges:
    """Added, removed and changed rows of one table (DataFrames or Arrow tables), by primary key.

    Vectorised: the keys are matched with a hash lookup, then the matched rows are compared
    column by column (lists joined, numbers as text, nulls equal to nulls); only the rows
    shown as examples are turned into Python values.
    """
    t = schema.TABLES[name]
    columns, pk = t.column_names, list(t.primary_key)
    old_t, new_t = _arrow(name, old), _arrow(name, new)
    old_keys = _joined({c: _strings(old_t.column(c)) for c in pk}, pk)
    new_keys = _joined({c: _strings(new_t.column(c)) for c in pk}, pk)
    ch = TableChanges(name, old_t.num_rows, new_t.num_rows)
    at_old = pc.index_in(new_keys, value_set=_values(old_keys))  # the old row of each new key, or null
    matched = pc.is_valid(at_old)
    added = _positions(pc.invert(matched))
    removed = _positions(pc.invert(pc.is_in(old_keys, value_set=_values(new_keys))))
    changed: list[int] = []
    common = pc.indices_nonzero(matched.combine_chunks() if isinstance(matched, pa.ChunkedArray) else matched)
    if len(common):
        old_rows = pc.drop_null(at_old)
        differs = None
        for c in columns:
            d = _differs(new_t.column(c).take(common), old_t.column(c).take(old_rows))
            differs = d if differs is None else pc.or_(differs, d)
        changed = common.filter(differs).to_pylist() if isinstance(differs, pa.Array) else \
            common.filter(differs.combine_chunks()).to_pylist()
    new_key_list = new_keys.take(added + changed).to_pylist() if added or changed else []
    ch.added = [tuple(k.split(SEP)) for k in new_key_list[: len(added)]]
    ch.changed = [tuple(k.split(SEP)) for k in new_key_list[len(added):]]
    ch.removed = [tuple(k.split(SEP)) for k in old_keys.take(removed).to_pylist()] if removed else []
    ch.added_rows, ch.changed_rows, ch.removed_rows = added, changed, removed
    new_cells = _cells(new_t, added[:SHOW] + changed[:SHOW])
    old_cells = _cells(old_t, removed[:SHOW])
    ch.examples_added = [_label(t, new_cells[i]) for i in added[:SHOW]]
    ch.examples_removed = [_label(t, old_cells[i]) for i in removed[:SHOW]]
    if changed:
        shown = changed[:SHOW]
        old_at = at_old.take(pa.array(shown, pa.int64())).to_pylist()
        before_cells = _cells(old_t, old_at)
        for i, j in zip(old_at, shown):
            before, after = before_cells[i], new_cells[j]
            diffs = [f"{c}: {_show(before[c])} → {_show(after[c])}" for c in columns if before[c] != after[c]]
            ch.examples_changed.append(f"{_label(t, after)}: " + "; ".join(diffs))
    return ch


def _cells(table: pa.Table, rows: list[int]) -> dict[int, dict[str, str]]:
    """The given rows as {column: comparable string} (as ``_strings`` writes them)."""
    if not rows:
        return {}
    part = table.take(pa.array(rows, pa.int64()))
    columns = {c: _strings(part.column(c)).to_pylist() for c in part.column_names}
    return {r: {c: v[k] for c, v in columns.items()} for k, r in enumerate(rows)}


def diff_tables(old: dict | None, new: dict) -> list[TableChanges]:
    """``diff_table`` for every schema table in ``old`` or ``new`` (DataFrames or Arrow tables)."""
    old = old or {}
    names = [n for n in schema.TABLES if n in new or n in old]
    return [diff_table(n, old.get(n), new.get(n)) for n in names]


def source_changes(before: pa.Table | None, after: pa.Table) -> tuple[dict[str, int], dict[str, int]]:
    """(added, removed): raw file -> its documents, for files whose documents entered or left.

    From the ``documents`` tables of two releases (``source_path``, without a
    ``.jsonl`` record's ``#id``).
    """
    def files(table: pa.Table | None) -> dict[str, int]:
        out: dict[str, int] = {}
        if table is None or "source_path" not in table.column_names:
            return out
        for path in table.column("source_path").to_pylist():
            key = (path or "").split("#", 1)[0]
            out[key] = out.get(key, 0) + 1
        return out

    old, new = files(before), files(after)
    return ({f: n for f, n in new.items() if f not in old}, {f: n for f, n in old.items() if f not in new})


def _sources_section(added: dict[str, int], removed: dict[str, int]) -> list[str]:
    lines: list[str] = []
    for title, files in (
        ("Sources removed from the raw folder (their rows are gone from every table)", removed),
        ("Sources added", added),
    ):
        if files:
            lines += ["", f"{title}: {len(files)}", ""]
            shown = sorted(files)[:50]
            lines += [f"- {f} ({files[f]} document{'s' if files[f] != 1 else ''})" for f in shown]
            if len(files) > len(shown):
                lines.append(f"- … and {len(files) - len(shown)} more")
    return ["", "## Sources", *lines] if lines else []


def render_changes(
    version: str, previous_version: str | None, changes: list[TableChanges], created: str,
    sources: tuple[dict[str, int], dict[str, int]] | None = None,
) -> str:
    """The Markdown text of ``CHANGES.md``; ``sources``: ``source_changes`` (raw files added, removed)."""
    lines = [f"# Changes in release {version}", "", f"Created {created}."]
    if previous_version is None:
        lines += ["", "First release: every row is new.", ""]
    else:
        lines += ["", f"Compared with the previous release, {previous_version}, by primary key.", ""]
        if sources and sources[1]:
            lines += [f"**{len(sources[1])} source file(s) removed** from the raw folder: their documents "
                      "and every row found in them are gone (see Sources below).", ""]
    lines += [
        "| table | rows before | rows after | added | removed | changed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for ch in changes:
        lines.append(
            f"| {ch.table} | {ch.rows_before} | {ch.rows_after} | {len(ch.added)} "
            f"| {len(ch.removed)} | {len(ch.changed)} |"
        )
    for ch in changes:
        if not ch.any:
            continue
        lines += ["", f"## {ch.table}"]
        for kind, total, examples in (
            ("Added", len(ch.added), ch.examples_added),
            ("Removed", len(ch.removed), ch.examples_removed),
            ("Changed", len(ch.changed), ch.examples_changed),
        ):
            if not total:
                continue
            more = f" (first {len(examples)} shown)" if total > len(examples) else ""
            lines += ["", f"{kind}: {total}{more}", ""]
            lines += [f"- {e}" for e in examples]
    if previous_version is not None and sources:
        lines += _sources_section(*sources)
    return "\n".join(lines) + "\n"
