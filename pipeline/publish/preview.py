"""Markdown previews of tables, for the release asset's materialization metadata in the Dagster UI.

Plain Markdown tables (no extra dependency): the first rows of each table,
long cells shortened, ``|`` and line breaks escaped, lists joined with ``|``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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


def table_markdown(frame: pd.DataFrame, n: int = 5, columns: list[str] | None = None) -> str:
    """The first ``n`` rows of a DataFrame as a Markdown table, with the total row count."""
    columns = columns or [str(c) for c in frame.columns]
    head = frame.head(n)
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in head[columns].itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    shown = min(n, len(frame))
    lines.append("")
    lines.append(f"*{shown} of {len(frame)} rows shown.*" if len(frame) else "*No rows.*")
    return "\n".join(lines)


def release_metadata_markdown(tables: dict[str, pd.DataFrame], n: int = 5) -> dict[str, str]:
    """``{table name: Markdown preview of its first n rows}``, in schema order."""
    out = {}
    for name in schema.TABLES:
        if name in tables:
            t = schema.TABLES[name]
            cols = [c for c in t.column_names if c in tables[name].columns]
            out[name] = table_markdown(tables[name], n, cols)
    return out
