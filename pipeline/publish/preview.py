"""Markdown previews of tables, for the release asset's materialization metadata in the Dagster UI.

Plain Markdown tables (no extra dependency): the first rows of each table,
long cells shortened, ``|`` and line breaks escaped, lists joined with ``|``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import schema

CELL = 40  # characters shown of a long value


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        value = schema.LIST_SEPARATOR.join(str(v) for v in value)
    elif isinstance(value, float):
        value = f"{value:.6g}"
    text = str(value).replace("\r", " ").replace("\n", " ")
    if len(text) > CELL:
        text = text[: CELL - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|")


def table_markdown(frame: pd.DataFrame, n: int = 5, columns: list[str] | None = None, total: int | None = None) -> str:
    """The first ``n`` rows of a DataFrame as a Markdown table, with the total row count
    (``total``, when ``frame`` holds only the first rows)."""
    columns = columns or [str(c) for c in frame.columns]
    head = frame.head(n)
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in head[columns].itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    total = len(frame) if total is None else total
    shown = min(n, len(frame))
    lines.append("")
    lines.append(f"*{shown} of {total} rows shown.*" if total else "*No rows.*")
    return "\n".join(lines)


def release_metadata_markdown(tables: dict, n: int = 5) -> dict[str, str]:
    """``{table name: Markdown preview of its first n rows}``, in schema order (DataFrames or Arrow)."""
    out = {}
    for name in schema.TABLES:
        if name in tables:
            frame = tables[name]
            if isinstance(frame, pa.Table):  # only the rows shown are converted
                total = frame.num_rows
                frame = frame.slice(0, n).to_pandas(types_mapper=schema._pandas_type)
            else:
                total = len(frame)
            t = schema.TABLES[name]
            cols = [c for c in t.column_names if c in frame.columns]
            out[name] = table_markdown(frame, n, cols, total=total)
    return out
