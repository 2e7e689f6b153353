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
- ``offsets``: ``documents.text[char_start:char_end]`` equals the text column;
- ``finite``: no NaN or infinite number;
- ``names``: no entity whose name is empty or only punctuation/symbols.

A warning (not blocking): ``row_drop``, a table losing more than a share
(default 20%) of its rows against the previous release.

``CHECKS`` lists which checks apply to which table; the Dagster asset checks
(``pipeline/defs/checks.py``) are generated from it.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

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

    @property
    def name(self) -> str:
        return f"{self.table}_{self.check}"


def _outcome(check: str, table: str, bad: list[str], what: str, blocking: bool = True) -> CheckOutcome:
    if not bad:
        return CheckOutcome(check, table, True, blocking, "ok")
    return CheckOutcome(
        check, table, False, blocking, f"{len(bad)} {what}", failures=len(bad), examples=bad[:EXAMPLES]
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
    type_column = {"mentions": "entity_type", "metrics": "subject_type"}.get(name)
    bad = []
    for fk in t.foreign_keys:
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
    tables: dict[str, pd.DataFrame],
    previous_tables: dict[str, pd.DataFrame | int] | None = None,
    max_drop_share: float = MAX_DROP_SHARE,
) -> CheckOutcome:
    """Run one named check on one table (``tables`` holds every table, for references)."""
    frame = tables.get(table)
    if check == "columns":
        return check_columns(table, frame)
    blocking = CHECKS[check][0]
    if frame is None:
        return CheckOutcome(check, table, False, blocking, "table is missing", failures=1)
    missing = [c for c in schema.TABLES[table].column_names if c not in frame.columns]
    if missing:
        return CheckOutcome(check, table, False, blocking, f"cannot run: missing columns {missing}", failures=1)
    if check == "primary_key":
        return check_primary_key(table, frame)
    if check == "foreign_keys":
        return check_foreign_keys(table, tables)
    if check == "offsets":
        return check_offsets(table, tables)
    if check == "finite":
        return check_finite(table, frame)
    if check == "names":
        return check_names(table, frame)
    if check == "row_drop":
        previous = (previous_tables or {}).get(table)
        return check_row_drop(table, frame, previous, max_drop_share)
    raise KeyError(check)


def check_tables(
    tables: dict[str, pd.DataFrame],
    previous_tables: dict[str, pd.DataFrame | int] | None = None,
    *,
    max_drop_share: float = MAX_DROP_SHARE,
) -> list[CheckOutcome]:
    """Every applicable check on every schema table. ``previous_tables``: frames or row counts."""
    return [
        run_check(check, table, tables, previous_tables, max_drop_share)
        for table in schema.TABLES
        for check in checks_for(table)
    ]


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
