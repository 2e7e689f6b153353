"""End to end: raw files -> Dagster (real temporary instance) -> a published release.

The module builds the sample article of ``raw/`` once (module fixture) and
checks the release against the contract; the lifecycle test then rebuilds with
nothing changed, adds a document, and adds broken files. The CLI tests run
``python -m pipeline build`` as a subprocess on a temporary ``DAGSTER_HOME``.
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from dagster_instance import fast_temp_dir, temp_instance
from pipeline import schema
from pipeline.engine import stages
from pipeline.defs.headless import build_release
from pipeline.workdir import Workdir
from conftest import REPO, SAMPLE

SECOND = (
    "# 深圳企业加快布局人工智能\n\n"
    "2024年，深圳市南山区的腾讯公司发布了新的大模型产品。腾讯董事会主席马化腾表示，"
    "公司全年研发投入超过700亿元，同比增长约10%。\n\n"
    "与此同时，华为在东莞松山湖建设的研发基地已聚集了3万名工程师。\n"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    raw, out = base / "raw", base / "outputs"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    with temp_instance() as instance:
        first = build_release(raw, out, instance=instance, progress=False)
        yield {"raw": raw, "out": out, "instance": instance, "first": first}


def _release_tables(path: Path) -> dict:
    return {name: pq.read_table(path / f"{name}.parquet") for name in schema.TABLES}


def test_first_build_publishes_every_table(world):
    first = world["first"]
    assert first.success, first.failures
    assert first.published and first.version
    release = Path(first.release_path)
    assert release.parent == world["out"] / "releases"
    assert (world["out"] / "latest").resolve() == release.resolve()
    for name, table in schema.TABLES.items():
        parquet = pq.read_table(release / f"{name}.parquet")
        expected = table.arrow_schema()
        assert parquet.schema.names == expected.names, name
        for field in expected:
            assert parquet.schema.field(field.name).type == field.type, (name, field.name)
        header = (release / f"{name}.csv").read_bytes().split(b"\n", 1)[0]
        assert header.startswith(b"\xef\xbb\xbf"), f"{name}.csv has no BOM"
        assert next(csv.reader([header[3:].decode("utf-8").strip()])) == table.column_names
        assert first.row_counts[name] == parquet.num_rows
    assert first.row_counts["documents"] == 1
    for name in ("people", "firms", "cities", "metrics", "mentions"):
        assert first.row_counts[name] > 0, f"the sample article yields no {name}"


def test_offsets_slice_to_the_stated_text(world):
    """The sample states no licence, so (default policy) its text is withheld: a user who has
    the source normalises it, checks text_sha256, and the offsets slice that text."""
    from pipeline.ingest import list_sources, read_source

    tables = _release_tables(Path(world["first"].release_path))
    docs = tables["documents"].to_pylist()
    assert all(d["text"] is None and d["license"] is None for d in docs)
    own = {d.doc_id: d.text for u in list_sources(world["raw"]) for d in read_source(world["raw"], u.key)[0]}
    texts = {}
    for d in docs:
        assert hashlib.sha256(own[d["doc_id"]].encode()).hexdigest() == d["text_sha256"]
        texts[d["doc_id"]] = own[d["doc_id"]]
    checked = 0
    for name, t in schema.TABLES.items():
        for start, end, text_col in t.offset_columns:
            rows = tables[name].select(["doc_id", start, end, text_col]).to_pylist()
            for r in rows:
                assert texts[r["doc_id"]][r[start]:r[end]] == r[text_col], (name, r)
                checked += 1
    assert checked > 0


def test_foreign_keys_hold(world):
    tables = _release_tables(Path(world["first"].release_path))
    for name, t in schema.TABLES.items():
        for fk in t.foreign_keys:
            targets = set(tables[fk.table][fk.ref_column].to_pylist())
            for other in fk.other_tables:
                other_table, other_col = other.split(".")
                targets |= set(tables[other_table][other_col].to_pylist())
            values = [v for v in tables[name][fk.column].to_pylist() if v is not None]
            missing = sorted(set(values) - targets)
            assert not missing, f"{name}.{fk.column} -> {fk.table}: {missing[:5]}"


def _sha_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_lifecycle_unchanged_added_broken(world):
    raw, out, instance, first = world["raw"], world["out"], world["instance"], world["first"]
    first_release = Path(first.release_path)
    before = _sha_tree(first_release)
    wd = Workdir(out)
    sample_key = SAMPLE.name
    stored_at = wd.chunks(stages.EXTRACTIONS).entry(sample_key)  # the unit's chunk row
    assert stored_at is not None and not wd.path(stages.EXTRACTIONS, sample_key, "mentions").exists()

    # 1. nothing changed since the last build: no run at all, no new release
    runs_before = len(instance.get_run_records())
    again = build_release(raw, out, instance=instance, progress=False)
    assert again.success, again.failures
    assert not again.published and again.version == first.version and again.run_id is None
    assert again.row_counts == first.row_counts and "no new release" in again.summary()
    assert len(instance.get_run_records()) == runs_before
    assert sorted(p.name for p in (out / "releases").iterdir() if p.is_dir()) == [first.version]
    # without the record of the last build, every document is still current: nothing
    # computed again, and the same tables make no new release
    (out / "work" / "last_build.json").unlink()
    again = build_release(raw, out, instance=instance, progress=False)
    assert again.success and not again.published and again.version == first.version
    assert _sources_metadata(instance)["units_processed"] == 0

    # 2. a second document: a new release with both, the first untouched, NLP only for the new one
    (raw / "shenzhen.md").write_text(SECOND, encoding="utf-8")
    second = build_release(raw, out, instance=instance, progress=False)
    assert second.success, second.failures
    assert second.published and second.version > first.version
    docs = pq.read_table(Path(second.release_path) / "documents.parquet")
    assert sorted(docs["source_path"].to_pylist()) == ["hangzhou_deepseek.txt", "shenzhen.md"]
    assert _sha_tree(first_release) == before
    assert wd.chunks(stages.EXTRACTIONS).entry(sample_key).cache_key == stored_at.cache_key, \
        "the unchanged document was analysed again"
    assert _sources_metadata(instance)["units_processed"] == 1
    entity_ids = set(pq.read_table(first_release / "cities.parquet")["city_id"].to_pylist())
    assert entity_ids <= set(pq.read_table(Path(second.release_path) / "cities.parquet")["city_id"].to_pylist())

    # 3. broken input: reported as errors, everything else still published
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (raw / "feed.jsonl").write_text(
        json.dumps({"id": "ok1", "title": "杭州", "text": "杭州市余杭区的阿里巴巴公司发布了新产品。"}, ensure_ascii=False)
        + "\n{this is not json\n",
        encoding="utf-8",
    )
    third = build_release(raw, out, instance=instance, progress=False)
    assert third.success, third.failures
    assert third.published
    release = Path(third.release_path)
    errors = pq.read_table(release / "errors.parquet").to_pylist()
    by_path = {(e["source_path"], e["line"]) for e in errors}
    assert ("binary.txt", None) in by_path
    assert ("feed.jsonl", 2) in by_path
    docs = pq.read_table(release / "documents.parquet")["source_path"].to_pylist()
    assert sorted(docs) == ["feed.jsonl#ok1", "hangzhou_deepseek.txt", "shenzhen.md"]
    # the run log names the bad file
    records = instance.all_logs(third.run_id)
    assert any("binary.txt" in (r.user_message or "") for r in records)

    # 4. a deleted source drops out of the next release
    (raw / "shenzhen.md").unlink()
    fourth = build_release(raw, out, instance=instance, progress=False)
    assert fourth.success and fourth.published
    docs = pq.read_table(Path(fourth.release_path) / "documents.parquet")["source_path"].to_pylist()
    assert "shenzhen.md" not in docs
    assert not wd.has(stages.EXTRACTIONS, "shenzhen.md", "mentions")
    changes = (Path(fourth.release_path) / "CHANGES.md").read_text(encoding="utf-8")
    assert "1 source file(s) removed" in changes and "- shenzhen.md (1 document)" in changes


def _sources_metadata(instance) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey("sources"))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def _cli(args, home: Path, cwd: Path, **extra_env):
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO), **extra_env}
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--no-progress", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def test_cli_build_prints_release_and_counts(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw)
    home = fast_temp_dir()
    proc = _cli(["--raw", str(raw), "--out", str(tmp_path / "out")], home, tmp_path, PIPELINE_LICENSE="CC0-1.0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    package = json.loads((tmp_path / "out" / "latest" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"  # the environment reaches the run's resource
    assert "new release" in proc.stdout and str(tmp_path / "out" / "releases") in proc.stdout
    for name in schema.TABLES:
        assert name in proc.stdout
    # the run is recorded in the persistent instance the UI reads
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_run_records()
        assert len(runs) == 1 and runs[0].dagster_run.job_name == "build_all"
    shutil.rmtree(home, ignore_errors=True)


def test_cli_fails_clearly(tmp_path):
    home = fast_temp_dir()
    proc = _cli(["--raw", str(tmp_path / "missing"), "--out", str(tmp_path / "out")], home, tmp_path)
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr and "see run None" not in proc.stderr

    # a failing step: the staged-tables folder is blocked by a file
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw)
    (tmp_path / "out" / "work").mkdir(parents=True)
    (tmp_path / "out" / "work" / "tables").write_text("not a folder")
    proc = _cli(["--raw", str(raw), "--out", str(tmp_path / "out")], home, tmp_path)
    shutil.rmtree(home, ignore_errors=True)
    assert proc.returncode != 0
    assert "build FAILED" in proc.stderr and "dataset_tables" in proc.stderr
