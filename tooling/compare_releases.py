"""``python -m tooling.compare_releases A B``: are two releases' published tables equal, table by table?

A and B are release folders (or output folders, whose ``latest/`` is taken).
Every table of ``pipeline.schema`` is read from its Parquet file and compared
row by row (sorted by the primary key, so the order of rows does not matter).
Prints one line per table (rows in A and B, ``equal`` or how many rows differ);
exits 1 when any table differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyarrow as pa

from pipeline import schema
from pipeline.publish.files import read_release_arrow


def release_dir(path: Path) -> Path:
    return path / "latest" if (path / "latest").is_dir() else path


def compare_table(name: str, a: pa.Table | None, b: pa.Table | None) -> str | None:
    """None when equal, else what differs in words."""
    if a is None or b is None:
        return None if a is b else f"missing in {'A' if a is None else 'B'}"
    keys = [(k, "ascending") for k in schema.TABLES[name].primary_key]
    rows_a, rows_b = a.sort_by(keys).to_pylist(), b.sort_by(keys).to_pylist()
    if rows_a == rows_b:
        return None
    differing = sum(1 for x, y in zip(rows_a, rows_b) if x != y) + abs(len(rows_a) - len(rows_b))
    return f"{differing} row(s) differ"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.compare_releases", description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    tables_a = read_release_arrow(release_dir(args.a))
    tables_b = read_release_arrow(release_dir(args.b))
    differ = 0
    for name in schema.TABLES:
        a, b = tables_a.get(name), tables_b.get(name)
        problem = compare_table(name, a, b)
        differ += problem is not None
        rows = f"{a.num_rows if a is not None else '-':>7} {b.num_rows if b is not None else '-':>7}"
        print(f"{name:<15} {rows}  {problem or 'equal'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
