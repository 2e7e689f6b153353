"""Checks run on the tables before a release is published (plain functions, no Dagster).

Each check looks at one table (and, for keys and offsets, the tables it refers
to) and returns a ``CheckOutcome``. Blocking checks guard against a broken
release; a failure stops publishing:

- ``columns``: exactly the schema's columns, convertible to the schema's types,
  no nulls in required columns;
- ``primary_key``: the primary key is non-empty and unique;
- ``foreign_keys``: every reference resolves, including the polymorphic
  ``metrics.subject_id`` / ``mentions.entity_id`` (resolved in the table that
  their ``subject_type`` / ``entity_type`` names);
- ``offsets``: ``documents.text[char_start:char_end]`` equals the text column (rows of
  a document whose text the release withholds, ``pipeline.rights``, are not checked);
- ``finite``: no NaN or infinite number;
- ``names``: no entity whose name is empty or only punctuation/symbols.

A warning (not blocking): ``row_drop``, a table losing more than a share
(default 20%) of its rows against the previous release.

``CHECKS`` lists which checks apply to which table; the Dagster asset checks
(``pipeline/defs/checks.py``) are generated from it.

The tables may be pandas DataFrames or Arrow tables. The checks run on Arrow
(vectorised with ``pyarrow.compute`` where they can be, one pass over Python
lists where they cannot, e.g. slicing texts); a DataFrame is converted once, and
one that cannot be converted to the schema's types is checked row by row with
the pandas versions below (its ``columns`` check already fails).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema

MAX_DROP_SHARE = 0.20
EXAMPLES = 5


@dataclass
class CheckOutcome:
    check: str  # columns, primary_key, foreign_keys, offsets, finite, names, row_drop
    table: str
    passed: bool
    blocking: bool
    message: str  # "ok", or what is wrong in words
    failures: int = 0  # number of offending rows
    examples: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list, repr=False)  # every finding ("row <i>: ..."), for quarantine

    @property
    def name(self) -> str:
        return f"{self.table}_{self.check}"


def _outcome(check: str, table: str, bad: list[str], what: str, blocking: bool = True) -> CheckOutcome:
    if not bad:
        return CheckOutcome(check, table, True, blocking, "ok")
    return CheckOutcome(
        check, table, False, blocking, f"{len(bad)} {what}", failures=len(bad), examples=bad[:EXAMPLES], details=bad
    )


def _is_null(v) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


def _blank(v) -> bool:
    return _is_null(v) or (isinstance(v, str) and not v.strip())


# --- blocking checks ---------------------------------------------------------------------------

_KIND_OK: dict[str, Callable[[pd.Series], bool]] = {
    "string": lambda s: pd.api.types.is_string_dtype(s.dtype) or s.dtype == object,
    "integer": lambda s: pd.api.types.is_integer_dtype(s.dtype) or (s.dtype == object and s.isna().all()),
    "number": lambda s: pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype),
    "boolean": lambda s: pd.api.types.is_bool_dtype(s.dtype) or s.dtype == object,
    "date": lambda s: s.dtype == object or pd.api.types.is_datetime64_any_dtype(s.dtype),
    "list": lambda s: s.dtype == object,
}


def check_columns(name: str, frame: pd.DataFrame | None) -> CheckOutcome:
    t = schema.TABLES[name]
    if frame is None:
        return CheckOutcome("columns", name, False, True, "table is missing", failures=1)
    problems = []
    missing = [c for c in t.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in t.column_names]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if extra:
        problems.append(f"columns not in the schema: {', '.join(map(str, extra))}")
    for c in t.columns:
        if c.name not in frame.columns:
            continue
        s = frame[c.name]
        if not _KIND_OK[c.type](s):
            problems.append(f"{c.name}: dtype {s.dtype} is not {c.type}")
        elif not c.nullable and s.isna().any():
            problems.append(f"{c.name}: {int(s.isna().sum())} nulls in a required column")
    if not missing and not problems:
        try:
            schema.to_arrow(name, frame)
        except Exception as exc:  # noqa: BLE001 - any conversion failure is the finding
            problems.append(f"not convertible to the schema's types: {exc}")
    return _outcome("columns", name, problems, "column problem(s)")


def check_primary_key(name: str, frame: pd.DataFrame) -> CheckOutcome:
    t = schema.TABLES[name]
    pk = [c for c in t.primary_key if c in frame.columns]
    required = [c for c in pk if not t.column(c).nullable]
    bad = []
    for c in required:
        empty = frame[c].map(_blank)
        bad += [f"row {i}: empty {c}" for i in frame.index[empty.to_numpy(dtype=bool)]]
    keys = frame[pk].astype(object).where(frame[pk].notna(), None)
    dup = keys.duplicated(keep=False)
    if dup.any():
        counts = keys[dup].apply(tuple, axis=1).value_counts()
        bad += [f"{'/'.join(map(str, k))} appears {n} times" for k, n in counts.items()]
    return _outcome("primary_key", name, bad, "empty or duplicate key(s)")


def _ids(tables: dict[str, pd.DataFrame], ref: str) -> set:
    table, column = ref.split(".")
    frame = tables.get(table)
    if frame is None or column not in frame.columns:
        return set()
    return set(frame[column].dropna().tolist())


def check_foreign_keys(name: str, tables: dict[str, pd.DataFrame]) -> CheckOutcome:
    t = schema.TABLES[name]
    frame = tables[name]
    default_type_column = {"mentions": "entity_type", "metrics": "subject_type"}.get(name)
    bad = []
    for fk in t.foreign_keys:
        type_column = fk.type_column or default_type_column
        values = frame[fk.column]
        present = values.notna().to_numpy(dtype=bool)
        if fk.other_tables and type_column:
            # Polymorphic: the row's type names the table the ID must be in.
            id_sets = {
                etype: _ids(tables, f"{tbl}.{col}") for etype, (tbl, col) in schema.ENTITY_TABLES.items()
            }
            any_ids = set().union(*id_sets.values())
            for i, v, ty in zip(frame.index[present], values[present], frame[type_column][present]):
                ids = id_sets.get(ty) if not _is_null(ty) else any_ids
                if ids is None:
                    bad.append(f"row {i}: {type_column} {ty!r} is not an entity type")
                elif v not in ids:
                    bad.append(f"row {i}: {fk.column} {v!r} not found among {ty or 'entities'}")
        else:
            ids = _ids(tables, f"{fk.table}.{fk.ref_column}")
            for ref in fk.other_tables:
                ids |= _ids(tables, ref)
            for i, v in zip(frame.index[present], values[present]):
                if v not in ids:
                    bad.append(f"row {i}: {fk.column} {v!r} not in {fk.table}.{fk.ref_column}")
    return _outcome("foreign_keys", name, bad, "unresolved reference(s)")


def check_offsets(name: str, tables: dict[str, pd.DataFrame]) -> CheckOutcome:
    t = schema.TABLES[name]
    frame = tables[name]
    docs = tables.get("documents")
    texts = dict(zip(docs["doc_id"], docs["text"])) if docs is not None else {}
    bad = []
    for start_col, end_col, text_col in t.offset_columns:
        for i, doc, s, e, span in zip(
            frame.index, frame["doc_id"], frame[start_col], frame[end_col], frame[text_col]
        ):
            if doc in texts and _is_null(texts[doc]):
                continue  # the text is withheld by the release (pipeline.rights): nothing to check against
            text = texts.get(doc)
            if text is None:
                bad.append(f"row {i}: no text for document {doc!r}")
            elif _is_null(s) or _is_null(e) or not (0 <= s < e <= len(text)):
                bad.append(f"row {i}: offsets {s}:{e} outside 0:{len(text)} or empty")
            elif text[int(s) : int(e)] != span:
                bad.append(f"row {i}: text[{s}:{e}] is {text[int(s):int(e)]!r}, {text_col} is {span!r}")
    return _outcome("offsets", name, bad, "offset(s) not slicing to the stated text")


def check_finite(name: str, frame: pd.DataFrame) -> CheckOutcome:
    t = schema.TABLES[name]
    bad = []
    for c in t.columns:
        if c.type != "number" or c.name not in frame.columns:
            continue
        for i, v in zip(frame.index, frame[c.name].tolist()):
            if v is None or v is pd.NA:
                continue  # a null is the columns check's business
            try:
                ok = math.isfinite(float(v))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                bad.append(f"row {i}: {c.name} = {v!r}")
    return _outcome("finite", name, bad, "value(s) not finite")


def _punctuation_only(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in text)


def check_names(name: str, frame: pd.DataFrame) -> CheckOutcome:
    t = schema.TABLES[name]
    bad = []
    for c in t.name_columns:
        for i, v in zip(frame.index, frame[c]):
            if _blank(v) or _punctuation_only(str(v)):
                bad.append(f"row {i}: {c} = {v!r}")
    return _outcome("names", name, bad, "empty or punctuation-only name(s)")


# --- warnings ----------------------------------------------------------------------------------


def check_row_drop(
    name: str, frame: pd.DataFrame, previous: pd.DataFrame | int | None, max_drop_share: float = MAX_DROP_SHARE
) -> CheckOutcome:
    before = previous if isinstance(previous, int) else (len(previous) if previous is not None else None)
    after = len(frame)
    if not before or after >= before * (1 - max_drop_share):
        msg = "ok" if before is None else f"ok: {before} → {after} rows"
        return CheckOutcome("row_drop", name, True, False, msg)
    share = 1 - after / before
    return CheckOutcome(
        "row_drop", name, False, False,
        f"rows fell from {before} to {after} (-{share:.0%}, more than {max_drop_share:.0%})",
        failures=before - after,
    )



# --- the same checks on Arrow tables -------------------------------------------------------------


def _as_arrow(name: str, frame) -> pa.Table | None:
    """The table as Arrow with the schema's columns and types, or None when it cannot be."""
    if frame is None:
        return None
    target = schema.TABLES[name].arrow_schema()
    try:
        if isinstance(frame, pa.Table):
            from pipeline.publish.files import to_arrow

            return to_arrow(name, frame)
        return schema.to_arrow(name, frame)
    except Exception:  # noqa: BLE001 - the columns check reports why
        return None


def _arrow_columns(name: str, table: pa.Table) -> CheckOutcome:
    t = schema.TABLES[name]
    problems = []
    missing = [c for c in t.column_names if c not in table.column_names]
    extra = [c for c in table.column_names if c not in t.column_names]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if extra:
        problems.append(f"columns not in the schema: {', '.join(map(str, extra))}")
    for c in t.columns:
        if c.name not in table.column_names:
            continue
        col = table.column(c.name)
        want = schema.ARROW_TYPES[c.type]
        if not col.type.equals(want):
            try:
                col = col.cast(want)
            except Exception:  # noqa: BLE001
                problems.append(f"{c.name}: type {col.type} is not {c.type}")
                continue
        if not c.nullable and col.null_count:
            problems.append(f"{c.name}: {col.null_count} nulls in a required column")
    return _outcome("columns", name, problems, "column problem(s)")


def _rows(mask) -> list[int]:
    return pc.indices_nonzero(mask).to_pylist() if len(mask) else []


def _arrow_primary_key(name: str, table: pa.Table) -> CheckOutcome:
    t = schema.TABLES[name]
    pk = list(t.primary_key)
    bad = []
    for c in pk:
        if t.column(c).nullable:
            continue
        col = table.column(c)
        empty = pc.is_null(col)
        if pa.types.is_string(col.type):
            empty = pc.or_(empty, pc.fill_null(pc.equal(pc.utf8_trim_whitespace(col), ""), False))
        bad += [f"row {i}: empty {c}" for i in _rows(empty)]
    counts = table.select(pk).group_by(pk, use_threads=False).aggregate([([], "count_all")])
    dup = counts.filter(pc.greater(counts.column("count_all"), 1))
    if dup.num_rows:
        dup = dup.sort_by([("count_all", "descending")])
        keys = list(zip(*(dup.column(c).to_pylist() for c in pk)))
        bad += [f"{'/'.join(map(str, k))} appears {n} times" for k, n in zip(keys, dup.column("count_all").to_pylist())]
    return _outcome("primary_key", name, bad, "empty or duplicate key(s)")


def _arrow_ids(tables: dict[str, pa.Table | None], ref: str) -> pa.Array:
    table, column = ref.split(".")
    t = tables.get(table)
    if t is None or column not in t.column_names:
        return pa.array([], pa.string())
    return pc.drop_null(t.column(column)).combine_chunks()


def _arrow_foreign_keys(name: str, tables: dict[str, pa.Table | None]) -> CheckOutcome:
    t = schema.TABLES[name]
    table = tables[name]
    default_type_column = {"mentions": "entity_type", "metrics": "subject_type"}.get(name)
    bad: list[tuple[int, str]] = []
    for fk in t.foreign_keys:
        type_column = fk.type_column or default_type_column
        values = table.column(fk.column)
        present = pc.is_valid(values)
        if fk.other_tables and type_column:
            types = table.column(type_column)
            by_type: dict[str, list[str]] = {}
            for etype, (tbl, col) in schema.ENTITY_TABLES.items():
                by_type.setdefault(etype, []).append(f"{tbl}.{col}")
            known = pa.array(sorted(by_type), pa.string())
            any_ids = pa.concat_arrays([_arrow_ids(tables, r) for refs in by_type.values() for r in refs])
            unknown = pc.and_(present, pc.and_(pc.is_valid(types), pc.invert(pc.is_in(types, value_set=known))))
            for i in _rows(unknown):
                bad.append((i, f"row {i}: {type_column} {types[i].as_py()!r} is not an entity type"))
            untyped = pc.and_(present, pc.is_null(types))
            missing = pc.and_(untyped, pc.invert(pc.is_in(values, value_set=any_ids)))
            for etype, refs in by_type.items():
                ids = pa.concat_arrays([_arrow_ids(tables, r) for r in refs])
                mine = pc.and_(present, pc.fill_null(pc.equal(types, etype), False))
                missing = pc.or_(missing, pc.and_(mine, pc.invert(pc.is_in(values, value_set=ids))))
            for i in _rows(missing):
                ty = types[i].as_py()
                bad.append((i, f"row {i}: {fk.column} {values[i].as_py()!r} not found among {ty or 'entities'}"))
        else:
            refs = [f"{fk.table}.{fk.ref_column}", *fk.other_tables]
            ids = pa.concat_arrays([_arrow_ids(tables, r) for r in refs])
            missing = pc.and_(present, pc.invert(pc.is_in(values, value_set=ids)))
            for i in _rows(missing):
                bad.append((i, f"row {i}: {fk.column} {values[i].as_py()!r} not in {fk.table}.{fk.ref_column}"))
    bad.sort(key=lambda x: x[0])
    return _outcome("foreign_keys", name, [m for _, m in bad], "unresolved reference(s)")


def _utf32(column) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A string column as one array of code points, where each value starts in it and its
    length in code points (a null counts as empty), without a Python string per value."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(arr.type) else arr
    lengths = pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    starts = np.zeros(len(arr), dtype=np.int64)
    if len(arr) > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    if not len(arr):
        return np.zeros(0, dtype=np.uint32), starts, lengths
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    # only the bytes of these values (a slice shares the whole column's buffer)
    raw = str(memoryview(data)[offsets[0]:offsets[-1]], "utf-8") if data is not None else ""
    points = np.frombuffer(raw.encode("utf-32-le"), dtype=np.uint32)
    return points, starts, lengths


_POINTS: list = []  # kept for callers that clear it; the texts' code points are no longer cached
OFFSET_BATCH_CHARS = 4_000_000  # document characters decoded to code points at a time


def _document_batches(lengths: np.ndarray, limit: int = OFFSET_BATCH_CHARS) -> list[tuple[int, int]]:
    """Consecutive row ranges [a, b) of documents holding about ``limit`` characters each."""
    out, a, total = [], 0, 0
    for i, n in enumerate(lengths.tolist()):
        if total and total + n > limit:
            out.append((a, i))
            a, total = i, 0
        total += n
    if a < len(lengths):
        out.append((a, len(lengths)))
    return out


def _arrow_offsets(name: str, tables: dict[str, pa.Table | None]) -> CheckOutcome:
    """Vectorised: every slice of every document is compared, code point by code point, the
    documents' texts decoded a batch of documents at a time (``OFFSET_BATCH_CHARS``)."""
    t = schema.TABLES[name]
    table = tables[name]
    docs = tables.get("documents")
    doc_ids = docs.column("doc_id").combine_chunks() if docs is not None else pa.array([], pa.string())
    texts = docs.column("text") if docs is not None else pa.chunked_array([], pa.string())
    text_len = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    text_present = (pc.is_valid(docs.column("text")).to_numpy(zero_copy_only=False)
                    if docs is not None and "text" in docs.column_names else np.zeros(0, dtype=bool))
    bad: list[tuple[int, str]] = []
    for start_col, end_col, text_col in t.offset_columns:
        n = table.num_rows
        if not n:
            continue
        doc = pc.index_in(table.column("doc_id"), value_set=doc_ids)
        has_doc = pc.is_valid(doc).to_numpy(zero_copy_only=False)
        d = pc.fill_null(doc, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        s_col, e_col = table.column(start_col), table.column(end_col)
        has_se = pc.and_(pc.is_valid(s_col), pc.is_valid(e_col)).to_numpy(zero_copy_only=False)
        s = pc.fill_null(s_col, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        e = pc.fill_null(e_col, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        length = text_len[d] if len(text_len) else np.zeros(n, dtype=np.int64)
        # a document whose text a release withholds (pipeline.rights) cannot be checked from it
        withheld = has_doc & (~text_present[d] if len(text_present) else np.zeros(n, dtype=bool))
        has_doc = has_doc & ~withheld
        in_range = has_doc & has_se & (0 <= s) & (s < e) & (e <= length)
        span_col = table.column(text_col)
        span, span_at, span_len = _utf32(span_col)
        same_len = in_range & (e - s == span_len) & pc.is_valid(span_col).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(same_len)
        differs = np.zeros(n, dtype=bool)
        for a, b in _document_batches(text_len) if len(rows) else []:
            these = rows[(d[rows] >= a) & (d[rows] < b)]
            lens = span_len[these]
            if not lens.sum():
                continue
            text, text_at, _ = _utf32(texts.slice(a, b - a))
            which = np.repeat(these, lens)
            k = np.arange(lens.sum(), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
            at_text = text_at[d[which] - a] + s[which] + k
            at_span = span_at[which] + k
            differs[which[text[at_text] != span[at_span]]] = True
            del text, text_at, which, k, at_text, at_span
        for i in np.flatnonzero(~has_doc & ~withheld):
            bad.append((i, f"row {i}: no text for document {table.column('doc_id')[i].as_py()!r}"))
        for i in np.flatnonzero(has_doc & ~in_range):
            sv, ev = s_col[i].as_py(), e_col[i].as_py()
            bad.append((i, f"row {i}: offsets {sv}:{ev} outside 0:{length[i]} or empty"))
        for i in np.flatnonzero((in_range & ~same_len) | differs):
            got = docs.column("text")[int(d[i])].as_py()[s[i]:e[i]]
            bad.append((i, f"row {i}: text[{s[i]}:{e[i]}] is {got!r}, {text_col} is {table.column(text_col)[i].as_py()!r}"))
    bad.sort(key=lambda x: x[0])
    return _outcome("offsets", name, [m for _, m in bad], "offset(s) not slicing to the stated text")


def _arrow_finite(name: str, table: pa.Table) -> CheckOutcome:
    t = schema.TABLES[name]
    bad = []
    for c in t.columns:
        if c.type != "number":
            continue
        col = table.column(c.name)
        for i in _rows(pc.invert(pc.fill_null(pc.is_finite(col), True))):
            bad.append(f"row {i}: {c.name} = {col[i].as_py()!r}")
    return _outcome("finite", name, bad, "value(s) not finite")


def _arrow_names(name: str, table: pa.Table) -> CheckOutcome:
    t = schema.TABLES[name]
    bad = []
    for c in t.name_columns:
        values = table.column(c).to_pylist()
        verdict: dict = {}
        for i, v in enumerate(values):
            ok = verdict.get(v)
            if ok is None:
                ok = verdict[v] = not (_blank(v) or _punctuation_only(str(v)))
            if not ok:
                bad.append(f"row {i}: {c} = {v!r}")
    return _outcome("names", name, bad, "empty or punctuation-only name(s)")


# --- the plan ----------------------------------------------------------------------------------

# check name -> (blocking, description, applies to table?)
CHECKS: dict[str, tuple[bool, str, Callable[[schema.Table], bool]]] = {
    "columns": (True, "Columns and types match the schema; required columns have no nulls.", lambda t: True),
    "primary_key": (True, "Primary key values are non-empty and unique.", lambda t: True),
    "foreign_keys": (True, "Every foreign key resolves (polymorphic IDs in the table their type names).", lambda t: bool(t.foreign_keys)),
    "offsets": (True, "documents.text[char_start:char_end] equals the stated text.", lambda t: bool(t.offset_columns)),
    "finite": (True, "Numbers are finite (no NaN, no infinity).", lambda t: any(c.type == "number" for c in t.columns)),
    "names": (True, "No entity has an empty or punctuation-only name.", lambda t: bool(t.name_columns)),
    # Fewer input errors is good news: the errors table is not watched for drops.
    "row_drop": (False, f"Warning: the table lost more than {MAX_DROP_SHARE:.0%} of its rows since the previous release.", lambda t: t.name != "errors"),
}


def checks_for(table: str) -> list[str]:
    """Names of the checks that apply to a table, in order."""
    t = schema.TABLES[table]
    return [c for c, (_b, _d, applies) in CHECKS.items() if applies(t)]


def run_check(
    check: str,
    table: str,
    tables: dict,
    previous_tables: dict | None = None,
    max_drop_share: float = MAX_DROP_SHARE,
    _arrow: dict | None = None,
) -> CheckOutcome:
    """Run one named check on one table (``tables`` holds every table, for references)."""
    frame = tables.get(table)
    arrow = _arrow if _arrow is not None else {n: _as_arrow(n, f) for n, f in tables.items() if n in schema.TABLES}
    if check == "columns":
        if isinstance(frame, pa.Table):
            return _arrow_columns(table, frame)
        return check_columns(table, frame)
    blocking = CHECKS[check][0]
    if frame is None:
        return CheckOutcome(check, table, False, blocking, "table is missing", failures=1)
    columns = frame.column_names if isinstance(frame, pa.Table) else frame.columns
    missing = [c for c in schema.TABLES[table].column_names if c not in columns]
    if missing:
        return CheckOutcome(check, table, False, blocking, f"cannot run: missing columns {missing}", failures=1)
    if check == "row_drop":
        previous = (previous_tables or {}).get(table)
        if isinstance(previous, pa.Table):
            previous = previous.num_rows
        return check_row_drop(table, frame, previous, max_drop_share)
    fast = arrow.get(table)
    # the Arrow versions need every table they refer to in Arrow form too
    if fast is not None and all(arrow.get(n) is not None or tables.get(n) is None for n in tables if n in schema.TABLES):
        if check == "primary_key":
            return _arrow_primary_key(table, fast)
        if check == "foreign_keys":
            return _arrow_foreign_keys(table, arrow)
        if check == "offsets":
            return _arrow_offsets(table, arrow)
        if check == "finite":
            return _arrow_finite(table, fast)
        if check == "names":
            return _arrow_names(table, fast)
        raise KeyError(check)
    if isinstance(frame, pa.Table):  # not convertible to the schema's types: check as pandas
        frame = frame.to_pandas(types_mapper=schema._pandas_type)
    pandas_tables = {
        n: (f.to_pandas(types_mapper=schema._pandas_type) if isinstance(f, pa.Table) else f)
        for n, f in tables.items()
    }
    if check == "primary_key":
        return check_primary_key(table, frame)
    if check == "foreign_keys":
        return check_foreign_keys(table, pandas_tables)
    if check == "offsets":
        return check_offsets(table, pandas_tables)
    if check == "finite":
        return check_finite(table, frame)
    if check == "names":
        return check_names(table, frame)
    raise KeyError(check)


def check_tables(
    tables: dict,
    previous_tables: dict | None = None,
    *,
    max_drop_share: float = MAX_DROP_SHARE,
) -> list[CheckOutcome]:
    """Every applicable check on every schema table (DataFrames or Arrow tables).

    ``previous_tables``: frames or row counts."""
    arrow = {n: _as_arrow(n, f) for n, f in tables.items() if n in schema.TABLES}
    try:
        return [
            run_check(check, table, tables, previous_tables, max_drop_share, _arrow=arrow)
            for table in schema.TABLES
            for check in checks_for(table)
        ]
    finally:
        _POINTS.clear()


def blocking_failures(outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    return [o for o in outcomes if o.blocking and not o.passed]


def summarize(outcomes: list[CheckOutcome]) -> str:
    """One line per failed check (blocking first), for logs and error messages."""
    failed = sorted((o for o in outcomes if not o.passed), key=lambda o: not o.blocking)
    return "\n".join(
        f"{'ERROR' if o.blocking else 'WARN '} {o.table}.{o.check}: {o.message}"
        + (f" (e.g. {'; '.join(o.examples[:3])})" if o.examples else "")
        for o in failed
    )
