"""docs/DATASET.md (the contract's tables) and pipeline/schema.py (what is published) agree.

Every table of the schema is in the contract; every column the contract names is in
the schema's table with a type of the same kind. (docs/DATA_DICTIONARY.md, the full
list, is generated from schema.py: tests/test_release_docs.py.)
"""

import re
from pathlib import Path

import pytest

from pipeline import schema

DATASET_MD = Path(__file__).resolve().parents[1] / "docs" / "DATASET.md"
# the contract's words for a type -> the schema's type
KINDS = {"string": "string", "int64": "integer", "int": "integer", "float64": "number",
         "list<string>": "list", "date": "date", "bool": "boolean", "boolean": "boolean"}


def contract_rows(text: str) -> list[tuple[str, str, str]]:
    """(table, column, type words) of every row of the contract's column tables."""
    rows, table = [], None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 4 or cells[0] in ("table",) or set(cells[0]) <= {"-"} and cells[0]:
            table = None if not cells else table
            continue
        table = cells[0] or table
        for column in re.split(r",\s*", cells[1]):
            rows.append((table, column.strip("` "), cells[2]))
    return rows


def test_contract_rows_are_read():  # the reader itself, on a small example
    text = "| table | column | type | meaning |\n|---|---|---|---|\n| people | person_id | string | |\n| | a, b | int64 | x |\n"
    assert contract_rows(text) == [("people", "person_id", "string"), ("people", "a", "int64"), ("people", "b", "int64")]


ROWS = contract_rows(DATASET_MD.read_text(encoding="utf-8"))


def test_every_published_table_is_in_the_contract():
    assert set(schema.TABLES) - {t for t, _c, _ty in ROWS} == set()


@pytest.mark.parametrize("table, column, words", ROWS, ids=[f"{t}.{c}" for t, c, _ in ROWS])
def test_contract_column_is_published_with_its_type(table, column, words):
    assert table in schema.TABLES, f"{table} is in docs/DATASET.md but not in pipeline/schema.py"
    t = schema.TABLES[table]
    assert column in t.column_names, f"{table}.{column} is in docs/DATASET.md but not in pipeline/schema.py"
    kind = KINDS.get(words.split(",")[0].strip())
    if kind:  # an empty type cell: "as for ..." elsewhere
        assert t.column(column).type == kind, f"{table}.{column}: contract {words!r}, schema {t.column(column).type}"
    if "nullable" in words:
        assert t.column(column).nullable, f"{table}.{column} is nullable in the contract"


def test_layout_lists_every_published_table():
    """The release layout of the contract names each table's Parquet and CSV file."""
    text = DATASET_MD.read_text(encoding="utf-8")
    layout = text[text.index("## Layout"):text.index("## File formats")]
    missing = [t for t in schema.TABLES if f"{t}.parquet" not in layout or f"{t}.csv" not in layout]
    assert missing == [], f"docs/DATASET.md's layout does not name {missing}"
