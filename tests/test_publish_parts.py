"""The partitioned release layout (``pipeline.publish.parts``): large releases as Parquet parts.

A corpus of many small documents is published with ``PIPELINE_PARTITION_ABOVE=0`` and a
small part size, so that each large table has several parts; then one document is added.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from pipeline import schema
from tooling.evaluation.gold import read_release
from pipeline.publish import files, parts, publish_release, serve
from pipeline.publish.downloads import build_zip

sys.path.insert(0, str(Path(__file__).resolve().parent))
from publish_sample import TEXT1, _mention, _metric, sample_rows, sample_tables, sources_for, tables_from  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 5, 6, 0, tzinfo=timezone.utc)


def corpus_rows(n: int) -> dict[str, list[dict]]:
    """The sample's entity tables and ``n`` documents, each with its own mentions and metrics."""
    rows = sample_rows()
    rows["documents"], rows["mentions"], rows["metrics"] = [], [], []
    hz = ("330100", "city", "杭州")
    for i in range(n):
        text = TEXT1 + f"（第{i}篇）"
        doc = "d" + hashlib.sha256(text.encode()).hexdigest()[:16]
        rows["documents"].append({
            "doc_id": doc, "source_path": f"corpus.jsonl#{i}", "title": f"杭州数字经济 {i}", "published_at": None,
            "url": None, "license": "CC-BY-4.0", "n_chars": len(text), "sha256": hashlib.sha256(f"{i}".encode()).hexdigest(),
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text})
        rows["mentions"] += [_mention(doc, text, "杭州", "330100", "city"),
                             _mention(doc, text, "深度求索公司", "firm_deepseek", "firm")]
        rows["metrics"].append(_metric(doc, text, "超过5000亿元", "数字经济核心产业增加值", 5e11, "元", ">", 2024, hz,
                                       "2024年杭州数字经济核心产业增加值超过5000亿元，同比增长7.1%。"))
    for table in ("people", "firms", "organizations", "cities", "regions"):
        for entity in rows[table]:
            entity["mention_count"], entity["doc_count"] = max(1, n), max(1, n)
    return rows


def corpus_tables(n: int):
    return tables_from(corpus_rows(n))


@pytest.fixture
def small_parts(monkeypatch):
    """Every release partitioned, with parts of a few documents each."""
    monkeypatch.setenv(parts.ENV, "0")
    monkeypatch.setattr(parts, "PART_BYTES", 1024)


def _publish(out: Path, n: int, step: int = 0, **kw):
    tables = corpus_tables(n)
    return publish_release(tables, out, sources_for(tables), now=NOW + timedelta(minutes=step), check=False, **kw)


def _sha256sum_ok(folder: Path) -> bool:
    run = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    return run.returncode == 0


@pytest.mark.parametrize("setting, expected", [
    ("0", 0), ("off", None), ("OFF", None), ("16MiB", 16 << 20), ("512k", 512 << 10), ("1048576", 1 << 20),
    ("", parts.DEFAULT_ABOVE), (None, parts.DEFAULT_ABOVE),
])
def test_threshold_settings(setting, expected, monkeypatch):
    monkeypatch.delenv(parts.ENV, raising=False)
    assert parts.partition_above(setting) == expected


@pytest.mark.parametrize("setting", ["lots", "16 parsecs", "-"])
def test_bad_threshold_is_refused(setting):
    with pytest.raises(ValueError, match=parts.ENV):
        parts.parse_above(setting)


def test_partitioned_only_above_the_threshold():
    tables = {n: __import__("pipeline.publish.files", fromlist=["to_arrow"]).to_arrow(n, t)
              for n, t in sample_tables().items()}
    assert not parts.is_partitioned(tables, parts.DEFAULT_ABOVE)  # the sample: single files
    assert not parts.is_partitioned(tables, None)  # off
    assert parts.is_partitioned(tables, 0)  # 0: always
    assert parts.is_partitioned(tables, 100)


def test_a_small_release_keeps_single_files_csv_sqlite_and_zip(tmp_path, monkeypatch):
    monkeypatch.delenv(parts.ENV, raising=False)
    tables = sample_tables()
    result = publish_release(tables, tmp_path, sources_for(tables), now=NOW)
    names = {p.name for p in result.path.iterdir()}
    assert {"documents.csv", "documents.parquet", "mentions.csv", "dataset.sqlite", "dataset.duckdb"} <= names
    assert result.zip_path is not None and result.zip_path.exists()
    assert not any(p.is_dir() for p in result.path.iterdir())


def test_partitioned_release_round_trips(tmp_path, small_parts):
    result = _publish(tmp_path, 40)
    release = result.path
    expected = {n: t for n, t in corpus_tables(40).items()}
    for name in parts.PARTITIONED_TABLES:
        assert not (release / f"{name}.csv").exists() and not (release / f"{name}.parquet").exists()
    for name in ("documents", "mentions", "metrics"):
        assert len(parts.part_paths(release, name)) > 1, name
    for absent in ("dataset.sqlite", "dataset.duckdb", f"dataset-{result.version}.zip"):
        assert not (release / absent).exists()
    assert result.zip_path is None
    assert (release / "people.parquet").exists() and not list(release.rglob("*.csv"))  # no CSV at all
    read = parts.read_release_arrow(release)
    for name, frame in expected.items():
        pk = list(schema.TABLES[name].primary_key)
        got = read[name].to_pandas().sort_values(pk).reset_index(drop=True)
        want = schema.to_arrow(name, frame).to_pandas().sort_values(pk).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # the folders read directly with pandas and pyarrow.dataset
    assert len(pd.read_parquet(release / "mentions")) == 80
    assert ds.dataset(release / "metrics", format="parquet").count_rows() == 40
    # the evaluation reader
    assert len(read_release(release)["documents"]) == 40
    # datapackage: one multipart resource per partitioned table, listing exactly the part files
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    for name in parts.PARTITIONED_TABLES:
        r = resources[name]
        assert r["layout"] == "parts" and r["format"] == "parquet" and isinstance(r["path"], list)
        assert sorted(r["path"]) == sorted(p.relative_to(release).as_posix() for p in parts.part_paths(release, name))
        assert f"{name}-parquet" not in resources
    assert resources["documents"]["rows"] == 40
    assert resources["people"]["path"] == "people.parquet" and resources["people"]["format"] == "parquet"
    assert "people-parquet" not in resources
    # SHA256SUMS covers every part and verifies with sha256sum -c
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    for path in release.rglob("part-*.parquet"):
        assert path.relative_to(release).as_posix() in sums
    assert _sha256sum_ok(release)
    # release files are read-only; the part folders stay traversable
    assert all(p.stat().st_mode & 0o222 == 0 for p in release.rglob("*") if p.is_file())
    assert (release / "documents").stat().st_mode & 0o500 == 0o500


def test_one_new_document_touches_one_part_per_table_the_rest_are_hard_links(tmp_path, small_parts):
    first = _publish(tmp_path, 40)
    second = _publish(tmp_path, 41, step=1)
    assert second.published and second.changes["documents"]["added"] == 1
    for name in ("documents", "mentions", "metrics"):
        old = {p.name: p for p in parts.part_paths(first.path, name)}
        new = parts.part_paths(second.path, name)
        changed = [p for p in new if p.name not in old]
        assert len(changed) == 1, (name, len(new), len(changed))  # only the part the new document fell into
        for p in new:
            if p.name in old:
                assert p.stat().st_ino == old[p.name].stat().st_ino  # stored once
            else:
                assert p.stat().st_nlink == 1
        assert len(new) >= 2
    assert _sha256sum_ok(second.path)
    # the documents per part are kept from the previous release
    package = json.loads((second.path / "datapackage.json").read_text(encoding="utf-8"))
    before = json.loads((first.path / "datapackage.json").read_text(encoding="utf-8"))
    every = {r["name"]: r.get("docs_per_part") for r in package["resources"]}
    assert every["documents"] == {r["name"]: r.get("docs_per_part") for r in before["resources"]}["documents"]


def test_cuts_depend_on_document_ids_only():
    table = schema.to_arrow("documents", corpus_tables(60)["documents"])
    cut = parts.split_parts("documents", table, 4)
    shuffled = parts.split_parts("documents", table.take(list(reversed(range(table.num_rows)))), 4)
    assert [p.to_pylist() for p in cut] == [p.to_pylist() for p in shuffled]
    assert sum(p.num_rows for p in cut) == 60 and len(cut) > 3
    assert len(parts.split_parts("documents", table, 1 << 16)) <= 2  # a large divisor: (nearly) one part
    empty = parts.split_parts("documents", table.slice(0, 0), 4)
    assert len(empty) == 1 and empty[0].num_rows == 0


def test_zip_on_demand(tmp_path, small_parts):
    result = _publish(tmp_path, 30)
    run = subprocess.run([sys.executable, "-m", "pipeline", "zip", "--out", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    path = Path(run.stdout.strip())
    assert path == tmp_path / "downloads" / f"dataset-{result.version}.zip" and path.exists()
    assert not (result.path / path.name).exists()  # outside the release folder
    with zipfile.ZipFile(path) as zf:
        zf.extractall(tmp_path / "unzipped")
        names = zf.namelist()
    top = tmp_path / "unzipped" / f"dataset-{result.version}"
    assert any(n.startswith(f"dataset-{result.version}/documents/part-") for n in names)
    assert _sha256sum_ok(top)
    csv_sums = subprocess.run(["sha256sum", "-c", "--quiet", "CSV.SHA256SUMS"], cwd=top, capture_output=True)
    assert csv_sums.returncode == 0
    for table in schema.TABLES:  # every table as CSV, in the single-file release's format
        assert (top / f"{table}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for table in ("documents", "mentions"):  # written part by part: the bytes of the whole table's CSV
        assert len(parts.part_paths(result.path, table)) > 1
        files.write_csv(files.to_arrow(table, parts.read_table(result.path, table)), tmp_path / "whole.csv")
        assert (top / f"{table}.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert len(pd.read_csv(top / "mentions.csv", encoding="utf-8-sig")) == 60
    assert _sha256sum_ok(result.path)  # the release's own SHA256SUMS untouched
    assert build_zip(tmp_path) == path  # built once, then reused
    missing = subprocess.run([sys.executable, "-m", "pipeline", "zip", "--out", str(tmp_path / "none")], cwd=REPO,
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert missing.returncode == 1 and "no release" in missing.stderr


def test_serve_builds_the_database_on_demand(tmp_path, small_parts):
    import sqlite3

    result = _publish(tmp_path, 12)
    db = serve.database_of(result.path, tmp_path)
    assert db == tmp_path / "serve" / result.version / "dataset.sqlite"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 12
        assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 24
    assert serve.database_of(result.path, tmp_path) == db  # reused
    assert "python -m pipeline zip" in serve.description_html(result.path, tmp_path, {"version": result.version})


def test_retention_prunes_partitioned_releases(tmp_path, small_parts):
    versions = [_publish(tmp_path, 20 + i, step=i, keep=2).version for i in range(4)]
    remaining = sorted(p.name for p in (tmp_path / "releases").iterdir() if p.is_dir())
    assert remaining == versions[2:]
    for version in versions[:2]:
        assert sorted(os.listdir(tmp_path / "pruned" / version)) == ["CHANGES.md", "datapackage.json"]
    for version in remaining:
        assert _sha256sum_ok(tmp_path / "releases" / version)  # shared parts survive the pruning
    catalog = {e["version"]: e for e in json.loads((tmp_path / "releases.json").read_text(encoding="utf-8"))["releases"]}
    assert all(catalog[v].get("pruned") for v in versions[:2])
    assert catalog[versions[-1]]["zip"] is None and catalog[versions[-1]]["row_counts"]["documents"] == 23


def test_the_layout_follows_the_threshold_from_one_release_to_the_next(tmp_path, small_parts, monkeypatch):
    first = _publish(tmp_path, 20)
    assert parts.is_partitioned_release(first.path)
    monkeypatch.setenv(parts.ENV, "off")
    second = _publish(tmp_path, 21, step=1)  # back to single files: written afresh
    assert not parts.is_partitioned_release(second.path)
    assert {"documents.csv", "documents.parquet", "dataset.sqlite"} <= {p.name for p in second.path.iterdir()}
    assert second.zip_path is not None and _sha256sum_ok(second.path)
    assert second.changes["documents"] == {"added": 1, "removed": 0, "changed": 0}
    third = _publish(tmp_path, 22, step=2, partition_above="0")  # the argument wins over the variable
    assert parts.is_partitioned_release(third.path) and third.changes["documents"]["added"] == 1
    assert len(parts.read_table(third.path, "documents")) == 22 and _sha256sum_ok(third.path)
