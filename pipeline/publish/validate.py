"""Checks run on the tables before a release is published (plain functions).

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

The tables may be pandas DataFrames or Arrow tables; every check runs on Arrow
(vectorised with ``pyarrow.compute`` where it can be, one pass over Python lists
where it cannot, e.g. slicing texts), one implementation each. A table is
converted once (``as_arrow``): a column that does not convert to the schema's
type keeps its own, the ``columns`` check reports it, and every other check still
reports on its own (a check the wrong type keeps from running fails and says so).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
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


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _punctuation_only(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in text)


# --- warnings ----------------------------------------------------------------------------------


def check_row_drop(
    name: str, rows: int, previous: int | None, max_drop_share: float = MAX_DROP_SHARE
) -> CheckOutcome:
    """Warn when the table has fewer than ``1 - max_drop_share`` of the ``previous`` release's rows."""
    before, after = previous, rows
    if not before or after >= before * (1 - max_drop_share):
        msg = "ok" if before is None else f"ok: {before} → {after} rows"
        return CheckOutcome("row_drop", name, True, False, msg)
    share = 1 - after / before
    return CheckOutcome(
        "row_drop", name, False, False,
        f"rows fell from {before} to {after} (-{share:.0%}, more than {max_drop_share:.0%})",
        failures=before - after,
    )



# --- the tables as Arrow ----------------------------------------------------------------------

UNCONVERTIBLE = b"unconvertible"  # field metadata key: why a column kept a type of its own


def as_arrow(name: str, frame) -> pa.Table | None:
    """The table as Arrow for the checks (None when missing), column by column: a column
    takes the schema's type when its own is of the same kind (``_compatible``), else it
    keeps its own (as text, with the reason in its field metadata, when it has none);
    columns outside the schema are kept, for the ``columns`` check to name.
    """
    if frame is None:
        return None
    t = schema.TABLES[name]
    if isinstance(frame, pa.Table) and schema.same_schema(frame.schema, t.arrow_schema()):
        return frame
    fields, arrays = [], []
    names = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
    for c in names:
        array, why = _own_column(frame, c)
        if c in t.column_names and not why:
            want = schema.ARROW_TYPES[t.column(c).type]
            if not array.type.equals(want) and _compatible(array.type, want):
                try:
                    array = array.cast(want)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    why = str(exc)
        fields.append(pa.field(str(c), array.type, metadata={UNCONVERTIBLE: why} if why else None))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _own_column(frame, column) -> tuple[pa.Array | pa.ChunkedArray, str]:
    """The column in its own Arrow type, or as text with the reason it has none."""
    if isinstance(frame, pa.Table):
        return frame.column(column), ""
    series = frame[column]
    try:  # a NaN in a float column stays a NaN (the finite check's business), not a null
        return pa.array(series, from_pandas=getattr(series.dtype, "kind", "O") != "f"), ""
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError) as exc:
        return pa.array([None if v is None else str(v) for v in series.tolist()], pa.string()), str(exc)


def _kind(t: pa.DataType) -> str:
    for kind, test in (("integer", pa.types.is_integer), ("number", pa.types.is_floating),
                       ("string", lambda x: pa.types.is_string(x) or pa.types.is_large_string(x)),
                       ("list", lambda x: pa.types.is_list(x) or pa.types.is_large_list(x)),
                       ("null", pa.types.is_null)):
        if test(t):
            return kind
    return str(t)


def _compatible(own: pa.DataType, want: pa.DataType) -> bool:
    """Whether a column of type ``own`` is one of ``want``'s kind (an integer is a number; all-null is any)."""
    a, b = _kind(own), _kind(want)
    return a == b or a == "null" or (a, b) == ("integer", "number")


def _wrong_types(name: str, table: pa.Table) -> list[str]:
    """The schema columns of the table whose type is not the schema's."""
    t = schema.TABLES[name]
    return [c.name for c in t.columns if c.name in table.column_names
            and not table.column(c.name).type.equals(schema.ARROW_TYPES[c.type])]


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
        why = (table.schema.field(c.name).metadata or {}).get(UNCONVERTIBLE)
        if why:
            problems.append(f"{c.name}: not convertible to {c.type}: {why.decode()}")
        elif not col.type.equals(schema.ARROW_TYPES[c.type]):
            problems.append(f"{c.name}: type {col.type} is not {c.type}")
        elif not c.nullable and col.null_count:
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


ROW_CHECKS: dict[str, Callable] = {
    "primary_key": lambda name, tables: _arrow_primary_key(name, tables[name]),
    "foreign_keys": lambda name, tables: _arrow_foreign_keys(name, tables),
    "offsets": lambda name, tables: _arrow_offsets(name, tables),
    "finite": lambda name, tables: _arrow_finite(name, tables[name]),
    "names": lambda name, tables: _arrow_names(name, tables[name]),
}


def arrow_tables(tables: dict) -> dict[str, pa.Table | None]:
    """Every schema table of ``tables`` as Arrow for the checks (``as_arrow``)."""
    return {n: as_arrow(n, f) for n, f in tables.items() if n in schema.TABLES}


def run_check(
    check: str,
    table: str,
    tables: dict,
    previous_tables: dict | None = None,
    max_drop_share: float = MAX_DROP_SHARE,
    _arrow: dict | None = None,
) -> CheckOutcome:
    """Run one named check on one table (``tables`` holds every table, for references)."""
    arrow = _arrow if _arrow is not None else arrow_tables(tables)
    frame = arrow.get(table)
    blocking = CHECKS[check][0]
    if frame is None:
        return CheckOutcome(check, table, False, blocking, "table is missing", failures=1)
    if check == "columns":
        return _arrow_columns(table, frame)
    missing = [c for c in schema.TABLES[table].column_names if c not in frame.column_names]
    if missing:
        return CheckOutcome(check, table, False, blocking, f"cannot run: missing columns {missing}", failures=1)
    if check == "row_drop":
        previous = (previous_tables or {}).get(table)
        if previous is not None and not isinstance(previous, int):
            previous = len(previous)
        return check_row_drop(table, frame.num_rows, previous, max_drop_share)
    try:
        return ROW_CHECKS[check](table, arrow)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError) as exc:
        wrong = [(n, c) for n, t in arrow.items() if t is not None for c in _wrong_types(n, t)]
        because = f"columns of the wrong type: {', '.join(f'{n}.{c}' for n, c in wrong)}" if wrong else str(exc)
        return CheckOutcome(check, table, False, blocking, f"cannot run: {because}", failures=1)


def check_tables(
    tables: dict,
    previous_tables: dict | None = None,
    *,
    max_drop_share: float = MAX_DROP_SHARE,
) -> list[CheckOutcome]:
    """Every applicable check on every schema table (DataFrames or Arrow tables).

    ``previous_tables``: frames or row counts."""
    arrow = arrow_tables(tables)
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
