"""The published release files, with real components: frictionless, sha256sum, zipfile, sqlite3."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.publish import publish_release
from pipeline.publish.release import fingerprint
from pipeline.publish.fts import match_query
from pipeline.publish.sqlite import search
from pipeline.publish.version import next_version
from publish_sample import TEXT1, sample_tables, second_build_rows, sources_for, tables_from

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    """A first release of the sample, then a second build with a known add/remove/change."""
    out = tmp_path_factory.mktemp("out")
    first_tables = sample_tables()
    first = publish_release(first_tables, out, sources_for(first_tables), now=T0, code_version="c1")
    second_tables = tables_from(second_build_rows())
    second = publish_release(second_tables, out, sources_for(second_tables), now=T1, code_version="c1")
    return out, first, second, second_tables


def test_layout_and_versions(two_releases):
    out, first, second, _ = two_releases
    assert first.published and second.published
    assert (first.version, second.version) == ("2026.11.28.01", "2026.11.28.02")
    assert os.readlink(out / "latest") == "releases/2026.11.28.02"
    names = {p.name for p in second.path.iterdir()}
    for table in schema.TABLES:
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert {"datapackage.json", "SHA256SUMS", "CHANGES.md", "dataset.sqlite", "dataset-2026.11.28.02.zip"} <= names
    assert not [p for p in (out / "releases").iterdir() if p.name.startswith(".")]  # no leftovers
    assert all(p.stat().st_mode & 0o222 == 0 for p in second.path.iterdir())  # read-only files


def test_parquet_and_csv_follow_the_schema(two_releases):
    _, _, second, tables = two_releases
    for name, t in schema.TABLES.items():
        arrow = pq.read_table(second.path / f"{name}.parquet")
        assert arrow.schema.equals(t.arrow_schema(), check_metadata=False), name
        assert arrow.num_rows == len(tables[name])
        raw = (second.path / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == t.column_names
        assert len(rows) - 1 == len(tables[name])
    firms = list(csv.DictReader(io.StringIO((second.path / "firms.csv").read_text("utf-8-sig"))))
    assert {f["name"]: f["aliases"] for f in firms}["深度求索"] == "深度求索公司"


def test_datapackage_is_valid_frictionless(two_releases):
    from frictionless import validate

    _, _, second, _ = two_releases
    report = validate(str(second.path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldNumber", "type", "note"])[:10]
    package = json.loads((second.path / "datapackage.json").read_text("utf-8"))
    assert package["version"] == second.version
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert {s["file"] for s in package["sources"]} == {"hangzhou.txt", "unitree.txt"}
    assert all(len(s["sha256"]) == 64 for s in package["sources"])
    tables = {r["name"]: r for r in package["resources"] if r["type"] == "table" and r["format"] == "csv"}
    assert list(tables) == list(schema.TABLES)
    twins = {r["name"]: r for r in package["resources"] if r["type"] == "table" and r["format"] == "parquet"}
    assert list(twins) == [f"{n}-parquet" for n in schema.TABLES]  # the Parquet files are tabular too
    assert [f["name"] for f in twins["metrics-parquet"]["schema"]["fields"]] == schema.TABLES["metrics"].column_names
    metrics = tables["metrics"]
    assert metrics["schema"]["primaryKey"] == ["metric_id"]
    assert {"fields": "doc_id", "reference": {"resource": "documents", "fields": "doc_id"}} in metrics["schema"]["foreignKeys"]
    assert all(f["description"] for f in metrics["schema"]["fields"])
    assert metrics["bytes"] == (second.path / "metrics.csv").stat().st_size
    assert metrics["hash"].startswith("sha256:") and len(metrics["hash"]) == 7 + 64
    assert package["fingerprint"] == second.fingerprint


def test_datapackage_detects_a_tampered_file(two_releases, tmp_path):
    from frictionless import validate

    _, _, second, _ = two_releases
    copy = tmp_path / "copy"
    shutil.copytree(second.path, copy)
    (copy / "people.csv").chmod(0o644)  # release files are read-only
    with open(copy / "people.csv", "a", encoding="utf-8") as fh:
        fh.write('"per_x","某人","",1,1,,\n')
    assert not validate(str(copy / "datapackage.json")).valid


def test_sha256sum_accepts_the_release(two_releases):
    _, _, second, _ = two_releases
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum (GNU coreutils) is not installed")
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=second.path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = {line.split("  ", 1)[1] for line in (second.path / "SHA256SUMS").read_text().splitlines()}
    assert "datapackage.json" in listed and "people.parquet" in listed and "dataset.sqlite" in listed


def test_changes_md_lists_the_known_differences(two_releases):
    _, first, second, _ = two_releases
    first_text = (first.path / "CHANGES.md").read_text("utf-8")
    assert "First release" in first_text
    text = (second.path / "CHANGES.md").read_text("utf-8")
    assert f"previous release, {first.version}" in text
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:7]]
            for line in text.splitlines() if line.startswith("| ") and "table" not in line}
    # rows before, rows after, added, removed, changed
    assert rows["documents"] == ["1", "2", "1", "0", "0"]
    assert rows["people"] == ["1", "2", "1", "0", "0"]
    assert rows["organizations"] == ["1", "0", "0", "1", "0"]
    assert rows["cities"] == ["1", "1", "0", "0", "1"]
    assert rows["mentions"] == ["6", "7", "2", "1", "0"]
    assert rows["regions"] == ["1", "1", "0", "0", "0"]
    assert "`per_wang` 王兴兴" in text
    assert "`org_zju` 浙江大学" in text
    assert "mention_count: 2 → 3" in text
    assert second.changes["firms"] == {"added": 1, "removed": 0, "changed": 0}


def test_zip_holds_every_table_and_checks_out(two_releases, tmp_path):
    _, _, second, _ = two_releases
    zip_path = second.path / f"dataset-{second.version}.zip"
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        top = f"dataset-{second.version}/"
        for table in schema.TABLES:
            assert top + f"{table}.csv" in names and top + f"{table}.parquet" in names
        assert {top + "datapackage.json", top + "SHA256SUMS"} <= names
        zf.extractall(tmp_path)
    if shutil.which("sha256sum"):
        result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / top, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
    assert pq.read_table(tmp_path / top / "mentions.parquet").num_rows == 7


def test_sqlite_keys_join_and_full_text_search(two_releases):
    _, _, second, _ = two_releases
    db = second.path / "dataset.sqlite"
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        fks = con.execute("PRAGMA foreign_key_list(metrics)").fetchall()
        assert any(row[2] == "documents" and row[3] == "doc_id" for row in fks)
        joined = con.execute(
            "SELECT p.name, f.name, c.name FROM people p JOIN firms f ON p.firm_id = f.firm_id "
            "JOIN cities c ON f.hq_city_id = c.city_id ORDER BY p.name"
        ).fetchall()
        assert ("梁文锋", "深度求索", "杭州") in joined and ("王兴兴", "宇树科技", "杭州") in joined
        # the offsets slice the document text in SQL too (substr is 1-based), where the text is
        # published (the default policy withholds the unlicensed second document's text)
        ok, with_text = con.execute(
            "SELECT sum(substr(d.text, m.char_start + 1, m.char_end - m.char_start) = m.text), count(*) "
            "FROM mentions m JOIN documents d USING (doc_id) WHERE d.text IS NOT NULL"
        ).fetchone()
        assert ok == with_text == 5
        hits = con.execute(
            "SELECT m.metric, m.value FROM metrics_fts JOIN metrics m ON m.rowid = metrics_fts.rowid "
            "WHERE metrics_fts MATCH ?", (match_query("数字经济核心"),)
        ).fetchall()
        assert len(hits) == 2
        names = con.execute("SELECT name FROM firms_fts WHERE firms_fts MATCH ?", (match_query("深度求索"),)).fetchall()
        assert names == [("深度求索",)]
        indexes = {r[1] for r in con.execute("PRAGMA index_list(mentions)")}
        assert "idx_mentions_entity_id" in indexes and "idx_mentions_doc_id" in indexes
        # the entities view joins the polymorphic IDs in one step
        by_type = con.execute(
            "SELECT m.entity_type, count(*) FROM mentions m JOIN entities e "
            "ON e.entity_id = m.entity_id AND e.entity_type = m.entity_type GROUP BY m.entity_type"
        ).fetchall()
        assert sum(n for _, n in by_type) == 7 and ("country", 1) in by_type
        assert con.execute("SELECT published_at FROM documents WHERE source_path = 'hangzhou.txt'").fetchone() == ("2025-02-01",)
        aliases = con.execute("SELECT aliases FROM firms WHERE firm_id = 'firm_deepseek'").fetchone()[0]
        assert aliases == "深度求索公司"  # lists joined with | as in the CSV
    finally:
        con.close()
    assert [r["name"] for r in search(db, "cities", "杭州")] == ["杭州"]  # 2 characters, through FTS
    assert [r["name"] for r in search(db, "cities", "杭")] == ["杭州"]  # 1 character
    assert [r["name"] for r in search(db, "people", "王兴兴")] == ["王兴兴"]


def test_catalogue_lists_releases_newest_first(two_releases):
    out, first, second, _ = two_releases
    catalog = json.loads((out / "releases.json").read_text("utf-8"))
    assert catalog["latest"] == second.version
    versions = [e["version"] for e in catalog["releases"]]
    assert versions == [second.version, first.version]
    entry = catalog["releases"][0]
    assert entry["row_counts"]["mentions"] == 7 and entry["created"] == "2026-11-28T11:00:00Z"
    import hashlib

    zip_bytes = (second.path / entry["zip"]).read_bytes()
    assert entry["zip_sha256"] == hashlib.sha256(zip_bytes).hexdigest()


def test_republishing_the_same_tables_makes_no_release(tmp_path):
    tables = sample_tables()
    first = publish_release(tables, tmp_path, sources_for(tables), now=T0)
    before = {p.name: p.stat().st_mtime_ns for p in first.path.iterdir()}
    # same content in another row order: still the same release
    shuffled = {n: f.iloc[::-1].reset_index(drop=True) for n, f in tables.items()}
    again = publish_release(shuffled, tmp_path, sources_for(tables), now=T1)
    assert not again.published and again.version == first.version
    assert "unchanged" in again.reason
    assert [p.name for p in (tmp_path / "releases").iterdir()] == [first.version]
    assert os.readlink(tmp_path / "latest") == f"releases/{first.version}"
    assert {p.name: p.stat().st_mtime_ns for p in first.path.iterdir()} == before
    # a new code version is a new release; the old one stays as it was
    new_code = publish_release(tables, tmp_path, sources_for(tables), now=T1, code_version="v2")
    assert new_code.published and new_code.version == "2026.11.28.02"
    assert {p.name: p.stat().st_mtime_ns for p in first.path.iterdir()} == before


def test_fingerprint_sees_a_one_cell_change():
    tables = sample_tables()
    changed = {n: f.copy() for n, f in tables.items()}
    changed["metrics"].loc[0, "value"] = 5.1e11
    assert fingerprint(tables) != fingerprint(changed)
    assert fingerprint(tables) == fingerprint({n: f.copy() for n, f in tables.items()})


def test_versions_sort_in_creation_order():
    assert next_version([], T0) == "2026.11.28.01"
    v = ["2026.11.28.01"]
    for _ in range(10):
        v.append(next_version(v, T0))
    assert v == sorted(v) and v[-1] == "2026.11.28.11"
    assert next_version(["2026.11.29.03"], T0) == "2026.11.29.04"  # clock went back: still after
    assert next_version(["2026.11.27.07"], T0) == "2026.11.28.01"


def test_failed_write_leaves_latest_and_no_partial_release(tmp_path):
    tables = sample_tables()
    first = publish_release(tables, tmp_path, sources_for(tables), now=T0)
    second = tables_from(second_build_rows())
    # A stray file where the new release folder must go: the final rename fails.
    (tmp_path / "releases" / "2026.11.28.02").write_text("in the way")
    with pytest.raises(OSError):
        publish_release(second, tmp_path, sources_for(second), now=T1)
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == [first.version, "2026.11.28.02"]
    assert (tmp_path / "releases" / "2026.11.28.02").is_file()  # nothing half-written
    assert os.readlink(tmp_path / "latest") == f"releases/{first.version}"
    assert json.loads((tmp_path / "releases.json").read_text())["latest"] == first.version


def test_offsets_in_the_release_slice_the_text(two_releases):
    _, _, second, _ = two_releases
    mentions = pq.read_table(second.path / "mentions.parquet").to_pylist()
    for m in mentions:
        if m["doc_id"] == sample_tables()["documents"]["doc_id"][0]:
            assert TEXT1[m["char_start"]:m["char_end"]] == m["text"]


def test_publish_refuses_tables_that_fail_a_blocking_check(tmp_path):
    from pipeline.publish import ReleaseBlocked
    from publish_sample import sample_rows

    tables = sample_tables()
    first = publish_release(tables, tmp_path, sources_for(tables), now=T0)
    rows = sample_rows()
    rows["mentions"][0]["char_end"] += 1
    broken = tables_from(rows)
    with pytest.raises(ReleaseBlocked) as err:
        publish_release(broken, tmp_path, sources_for(broken), now=T1)
    assert "mentions.offsets" in str(err.value)
    assert [p.name for p in (tmp_path / "releases").iterdir()] == [first.version]
    assert os.readlink(tmp_path / "latest") == f"releases/{first.version}"


def test_latest_folder_copied_by_hand_is_replaced_by_the_symlink(tmp_path):
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "old.csv").write_text("x")
    tables = sample_tables()
    result = publish_release(tables, tmp_path, sources_for(tables), now=T0)
    assert (tmp_path / "latest").is_symlink()
    assert (tmp_path / "latest").resolve() == result.path.resolve()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".latest")]


# --- incremental publishing: SQLite updated from the previous release, zip pieces reused ------------


def _sqlite_rows(path):
    con = sqlite3.connect(path)
    try:
        out = {}
        for name, t in schema.TABLES.items():
            out[name] = con.execute(f"SELECT * FROM {name} ORDER BY {', '.join(t.primary_key)}").fetchall()
            if t.search_columns:
                con.execute(f"INSERT INTO {name}_fts({name}_fts) VALUES ('integrity-check')")
        out["search"] = [sorted(map(str, r)) for r in (search(path, "people", "王兴兴"), search(path, "metrics", "增加值"),
                                                          search(path, "firms", "宇树科"), search(path, "cities", "杭州"))]
        out["entities"] = con.execute("SELECT * FROM entities ORDER BY entity_id").fetchall()
        return out
    finally:
        con.close()


def test_sqlite_updated_from_the_previous_release_equals_a_fresh_write(tmp_path):
    from pipeline.publish import changes, files, sqlite as sq
    from pipeline.publish.release import _sqlite_changes

    first = {n: files.to_arrow(n, f) for n, f in sample_tables().items()}
    second = {n: files.to_arrow(n, f) for n, f in tables_from(second_build_rows()).items()}
    sq.write_sqlite(first, tmp_path / "first.sqlite")
    diff = changes.diff_tables(first, second)
    assert sq.update_sqlite(tmp_path / "first.sqlite", tmp_path / "updated.sqlite", second,
                            _sqlite_changes(diff, first, second))
    sq.write_sqlite(second, tmp_path / "fresh.sqlite")
    updated, fresh = _sqlite_rows(tmp_path / "updated.sqlite"), _sqlite_rows(tmp_path / "fresh.sqlite")
    assert updated == fresh
    assert any(updated["search"]) and len(updated["mentions"]) == len(second["mentions"])
    # a file made with other table definitions is not updated
    con = sqlite3.connect(tmp_path / "first.sqlite")
    con.execute("CREATE INDEX extra ON people(name)")
    con.commit()
    con.close()
    assert not sq.update_sqlite(tmp_path / "first.sqlite", tmp_path / "refused.sqlite", second, {})
    assert not (tmp_path / "refused.sqlite").exists()


def test_second_release_reuses_the_previous_zip_and_sqlite(two_releases, tmp_path):
    out, first, second, second_tables = two_releases
    from pipeline.publish import archive

    index = archive.read_index(out / "work" / "zip-index", second.version)
    assert index and index["members"]["dataset.sqlite"]  # the chunks of every deflated file
    assert index["chunks_reused"] > 0  # unchanged pieces of the first zip were copied
    with zipfile.ZipFile(second.zip_path) as zf:
        assert zf.testzip() is None
        top = f"dataset-{second.version}/"
        for name in ("dataset.sqlite", "mentions.csv", "datapackage.json", "people.parquet"):
            assert zf.read(top + name) == (second.path / name).read_bytes()
    assert _sqlite_rows(second.path / "dataset.sqlite")["mentions"] == _sqlite_rows(
        _fresh_sqlite(second_tables, tmp_path))["mentions"]


def _fresh_sqlite(tables, folder):
    from pipeline.publish import sqlite as sq

    return sq.write_sqlite(tables, folder / "fresh.sqlite")


def test_zip_chunks_are_content_defined():
    import random

    from pipeline.publish.archive import MAX_CHUNK, chunk_ends

    rng = random.Random(1)
    lines = [("%06d," % i + "".join(rng.choice("abcdefghij") for _ in range(rng.randint(20, 120)))).encode()
             for i in range(40_000)]
    before = b"\n".join(lines)
    after = b"\n".join(lines[:20_000] + [b"a new row in the middle"] + lines[20_000:])
    cut_before = {before[e - 40:e] for e in chunk_ends(before)}
    cut_after = {after[e - 40:e] for e in chunk_ends(after)}
    assert len(cut_before) > 20 and len(cut_before & cut_after) >= len(cut_before) - 2  # the cuts survive an insertion
    ends = chunk_ends(b"x" * (3 * MAX_CHUNK + 5))  # no line ends: fixed steps
    assert ends[-1] == 3 * MAX_CHUNK + 5 and all(b - a <= MAX_CHUNK for a, b in zip([0] + ends, ends))


def test_diff_finds_added_removed_and_changed_rows_of_arrow_tables():
    from pipeline.publish import changes, files

    first = {n: files.to_arrow(n, f) for n, f in sample_tables().items()}
    second = {n: files.to_arrow(n, f) for n, f in tables_from(second_build_rows()).items()}
    by_table = {c.table: c for c in changes.diff_tables(first, second)}
    assert [len(by_table["cities"].changed), len(by_table["cities"].added)] == [1, 0]
    assert "mention_count: 2 → 3" in by_table["cities"].examples_changed[0]
    assert len(by_table["organizations"].removed) == 1 and len(by_table["people"].added) == 1
    assert by_table["people"].added_rows == [second["people"].column("person_id").to_pylist().index("per_wang")]
    assert not by_table["regions"].any


def test_publish_updates_the_previous_sqlite(two_releases, monkeypatch, tmp_path):
    from pipeline.publish import sqlite as sq

    shared, first, second, second_tables = two_releases
    out = tmp_path / "out"
    shutil.copytree(shared, out, symlinks=True)  # the shared fixture stays at two releases
    calls = []
    real = sq.update_sqlite
    monkeypatch.setattr(sq, "update_sqlite", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    third_rows = second_build_rows()
    third_rows["cities"][0]["mention_count"] = 4
    third = publish_release(tables_from(third_rows), out, sources_for(second_tables), now=T1, code_version="c1")
    assert third.published and calls == [out / "releases" / second.version / "dataset.sqlite"]
    con = sqlite3.connect(third.path / "dataset.sqlite")
    assert con.execute("SELECT mention_count FROM cities WHERE city_id = '330100'").fetchone() == (4,)
    con.close()
