"""What changed between two releases, per table, by primary key; rendered as ``CHANGES.md``.

A row is *added* when its primary key is new, *removed* when its key is gone,
and *changed* when the key is in both releases but another column differs.
The first few rows of each kind are listed, with the changed columns shown
as ``old → new``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
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


def _canonical(name: str, frame: pd.DataFrame | None) -> dict[str, pa.ChunkedArray]:
    """Every schema column of the table as comparable strings."""
    table = schema.to_arrow(name, frame if frame is not None else schema.empty_frame(name))
    return {c: _strings(table.column(c)) for c in table.column_names}


def _joined(cells: dict[str, pa.ChunkedArray], columns: list[str]) -> list[str]:
    if len(columns) == 1:
        return cells[columns[0]].to_pylist()
    return pc.binary_join_element_wise(*(cells[c] for c in columns), SEP).to_pylist()


def _show(text: str) -> str:
    return "(null)" if text == NULL else _short(text)


def _short(text: str) -> str:
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def _row(cells: dict[str, pa.ChunkedArray], i: int) -> dict[str, str]:
    return {c: col[i].as_py() for c, col in cells.items()}


def _label(table: schema.Table, row: dict) -> str:
    key = ", ".join(f"`{row[c]}`" if row[c] != NULL else "(null)" for c in table.primary_key)
    shown = LABEL_COLUMNS.get(table.name, ("name", "title", "text", "reason"))
    words = [_short(row[c]) for c in shown if c in row and row[c] not in ("", NULL) and c not in table.primary_key]
    return f"{key} " + " ".join(words) if words else key


def diff_table(name: str, old: pd.DataFrame | None, new: pd.DataFrame | None) -> TableChanges:
    t = schema.TABLES[name]
    columns, pk = t.column_names, list(t.primary_key)
    old_cells, new_cells = _canonical(name, old), _canonical(name, new)
    old_keys, new_keys = _joined(old_cells, pk), _joined(new_cells, pk)
    old_rows, new_rows = _joined(old_cells, columns), _joined(new_cells, columns)
    old_at = {k: i for i, k in enumerate(old_keys)}
    new_set = set(new_keys)
    ch = TableChanges(name, len(old_keys), len(new_keys))
    added = [i for i, k in enumerate(new_keys) if k not in old_at]
    removed = [i for i, k in enumerate(old_keys) if k not in new_set]
    changed = [(old_at[k], i) for i, k in enumerate(new_keys) if k in old_at and old_rows[old_at[k]] != new_rows[i]]
    ch.added = [tuple(new_keys[i].split(SEP)) for i in added]
    ch.removed = [tuple(old_keys[i].split(SEP)) for i in removed]
    ch.changed = [tuple(new_keys[j].split(SEP)) for _, j in changed]
    ch.examples_added = [_label(t, _row(new_cells, i)) for i in added[:SHOW]]
    ch.examples_removed = [_label(t, _row(old_cells, i)) for i in removed[:SHOW]]
    for i, j in changed[:SHOW]:
        before, after = _row(old_cells, i), _row(new_cells, j)
        diffs = [f"{c}: {_show(before[c])} → {_show(after[c])}" for c in columns if before[c] != after[c]]
        ch.examples_changed.append(f"{_label(t, after)}: " + "; ".join(diffs))
    return ch


def diff_tables(
    old: dict[str, pd.DataFrame] | None, new: dict[str, pd.DataFrame]
) -> list[TableChanges]:
    old = old or {}
    names = [n for n in schema.TABLES if n in new or n in old]
    return [diff_table(n, old.get(n), new.get(n)) for n in names]


def render_changes(
    version: str, previous_version: str | None, changes: list[TableChanges], created: str
) -> str:
    """The Markdown text of ``CHANGES.md``."""
    lines = [f"# Changes in release {version}", "", f"Created {created}."]
    if previous_version is None:
        lines += ["", "First release: every row is new.", ""]
    else:
        lines += ["", f"Compared with the previous release, {previous_version}, by primary key.", ""]
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
    return "\n".join(lines) + "\n"
