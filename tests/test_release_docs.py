"""A citable release: README, data dictionary, Parquet field descriptions, CITATION.cff,
.zenodo.json, latest.json and dataset.duckdb, with real files and a real DuckDB."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline import schema
from pipeline.publish import publish_release
from publish_sample import second_build_rows, tables_from

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = publish_release(tables_from(second_build_rows()), out, [], now=NOW, publish_text="licensed")
    return out, result


@pytest.mark.parametrize("name", ["README.md", "DATA_DICTIONARY.md", "data-dictionary.html"])
def test_readme_and_dictionary_list_every_table_and_column(release, name):
    _, result = release
    text = (result.path / name).read_text(encoding="utf-8")
    for table, t in schema.TABLES.items():
        assert table in text
        for column in t.column_names:
            assert f"`{column}`" in text or f"<code>{column}</code>" in text, (name, table, column)


def test_readme_says_licence_citation_trust_and_text_policy(release):
    _, result = release
    text = (result.path / "README.md").read_text(encoding="utf-8")
    for heading in ("## Files", "## Licence and what is published", "## How to cite",
                    "## How far to trust each table", "## Caveats"):
        assert heading in text
    assert "1 document text(s) published, 1 withheld" in text  # the default policy, one unlicensed text
    assert "firms F1 0.80" in text  # a measured figure (firms, on the held-out articles; trust.yaml)
    assert f"version {result.version}" in text


def test_parquet_fields_carry_their_descriptions(release):
    _, result = release
    for table, t in schema.TABLES.items():
        fields = pq.read_schema(result.path / f"{table}.parquet")
        for c in t.columns:
            meta = fields.field(c.name).metadata or {}
            assert meta.get(b"description", b"").decode() == c.description, (table, c.name)


def test_citation_and_zenodo_metadata(release):
    _, result = release
    cff = yaml.safe_load((result.path / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == result.version and cff["date-released"] == "2026-12-04"
    assert cff["authors"] and cff["cff-version"] == "1.2.0"
    # no repository address until the project has a public one (none is invented)
    assert "repository-code" not in cff or cff["repository-code"].startswith("https://")
    zenodo = json.loads((result.path / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["upload_type"] == "dataset" and zenodo["version"] == result.version
    assert zenodo["publication_date"] == "2026-12-04" and zenodo["license"] == "cc-by-4.0"
    assert zenodo["creators"] and zenodo["title"] == cff["title"]


def test_latest_json_points_at_the_latest_release(release):
    out, result = release
    pointer = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert pointer["version"] == result.version
    assert (out / pointer["datapackage"]).is_file() and (out / pointer["zip"]).is_file()
    assert os.path.realpath(out / "latest") == os.path.realpath(out / pointer["path"])


def test_duckdb_join_equals_the_parquet_files(release):
    import duckdb

    _, result = release
    con = duckdb.connect(str(result.path / "dataset.duckdb"), read_only=True)
    try:
        sql = ("SELECT m.metric_id, m.value, d.title, f.name AS firm FROM {m} m JOIN {d} d USING (doc_id) "
               "LEFT JOIN {f} f ON f.firm_id = m.subject_id ORDER BY m.metric_id")
        in_db = con.execute(sql.format(m="metrics", d="documents", f="firms")).fetchall()
        parquet = {n: f"read_parquet('{result.path / (n + '.parquet')}')" for n in ("metrics", "documents", "firms")}
        from_files = con.execute(sql.format(m=parquet["metrics"], d=parquet["documents"], f=parquet["firms"])).fetchall()
        assert in_db == from_files and len(in_db) > 0
        for table in schema.TABLES:
            assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == result.row_counts[table]
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'metrics' AND column_name = 'value'"
        ).fetchone()[0]
        assert comment == schema.TABLES["metrics"].column("value").description
    finally:
        con.close()


def test_every_extra_file_is_in_the_checksums_and_the_datapackage(release):
    _, result = release
    listed = {line.split("  ", 1)[1] for line in (result.path / "SHA256SUMS").read_text().splitlines()}
    package = json.loads((result.path / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    for name in ("README.md", "DATA_DICTIONARY.md", "data-dictionary.html", "CITATION.cff", ".zenodo.json",
                 "dataset.duckdb"):
        assert name in listed and name in paths
    assert package["text_policy"] == "licensed" and package["texts_withheld"] == 1


def test_the_next_release_updates_the_previous_duckdb_to_equal_its_parquet(tmp_path, monkeypatch):
    import duckdb

    from pipeline.publish import duckdb as duckdb_file
    from publish_sample import sample_tables

    publish_release(sample_tables(), tmp_path, [], now=NOW, publish_text="all")

    def no_fresh_write(*args, **kwargs):
        raise AssertionError("the second release should update the previous DuckDB file")

    monkeypatch.setattr(duckdb_file, "write_duckdb", no_fresh_write)
    second = publish_release(tables_from(second_build_rows()), tmp_path, [], now=NOW, publish_text="all")
    con = duckdb.connect(str(second.path / "dataset.duckdb"), read_only=True)
    try:
        for table, t in schema.TABLES.items():
            order = ", ".join(t.primary_key)
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            in_db = con.execute(f'SELECT {cols} FROM "{table}" ORDER BY {order}').fetchall()
            in_file = con.execute(
                f"SELECT {cols} FROM read_parquet('{second.path / (table + '.parquet')}') ORDER BY {order}").fetchall()
            assert in_db == in_file, table
    finally:
        con.close()


def test_the_repository_data_dictionary_is_generated_from_the_schema():
    """docs/DATA_DICTIONARY.md is `python -m pipeline.publish.dictionary` (regenerate it when schema.py changes)."""
    from pathlib import Path

    from pipeline.publish import dictionary

    copy = Path(__file__).resolve().parents[1] / dictionary.DOCS_COPY
    assert copy.read_text(encoding="utf-8") == dictionary.render_markdown() + "\n", (
        "docs/DATA_DICTIONARY.md differs from pipeline/schema.py: run "
        "`python -m pipeline.publish.dictionary > docs/DATA_DICTIONARY.md`")
