"""The guards, deletions, provenance and disk use of builds (real Dagster runs, real files).

* a missing or empty raw folder: exit 1, no new release, ``latest`` unchanged;
* deleting one file of three: a release without its rows, and CHANGES.md says so;
* dropping more than half of the documents: refused unless ``allow_shrink``;
* provenance in datapackage.json and releases.json;
* 12 builds: 10 release folders remain, each passes ``sha256sum -c SHA256SUMS``, older ones
  pruned (their datapackage.json and CHANGES.md kept), unchanged files stored once (hard links).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dagster_instance import fast_temp_dir, temp_instance
from pipeline.defs.headless import build_release
from conftest import REPO

ARTICLES = {
    "a.txt": "杭州市余杭区的阿里巴巴公司2023年营收增长了8%。马云表示将继续投资人工智能。\n",
    "b.txt": "深圳市南山区的腾讯公司发布了新的大模型。马化腾表示研发投入超过700亿元。\n",
    "c.txt": "合肥市的蔚来汽车2024年交付量增长了30%。李斌表示将在合肥建设研发中心。\n",
}

pytestmark = pytest.mark.slow


def _raw(tmp_path, names=ARTICLES) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name in names:
        (raw / name).write_text(ARTICLES[name], encoding="utf-8")
    return raw


def _docs(release: Path) -> list[str]:
    return sorted(pq.read_table(release / "documents.parquet")["source_path"].to_pylist())


def _cli(*args, home: Path):
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pipeline", "build", "--no-progress", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_missing_or_empty_raw_folder_fails_and_keeps_latest(tmp_path):
    raw, out = _raw(tmp_path), tmp_path / "out"
    home = fast_temp_dir()
    try:
        assert _cli("--raw", str(raw), "--out", str(out), home=home).returncode == 0
        latest = os.readlink(out / "latest")
        releases = sorted(os.listdir(out / "releases"))
        empty = tmp_path / "empty"
        empty.mkdir()
        for folder, reason in ((empty, "holds no source"), (tmp_path / "missing", "does not exist")):
            proc = _cli("--raw", str(folder), "--out", str(out), home=home)
            assert proc.returncode == 1
            assert reason in proc.stderr and "no release made" in proc.stderr and "see run None" not in proc.stderr
            assert os.readlink(out / "latest") == latest and sorted(os.listdir(out / "releases")) == releases
            if folder == empty:  # how to override
                assert "--allow-shrink" in proc.stderr
        # telemetry off in the instance the project creates
        assert "enabled: false" in (home / "dagster.yaml").read_text(encoding="utf-8")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_deletions_and_the_shrink_guard(tmp_path):
    raw, out = _raw(tmp_path), tmp_path / "out"
    with temp_instance() as instance:
        first = build_release(raw, out, instance=instance, progress=False)
        assert first.success and _docs(Path(first.release_path)) == ["a.txt", "b.txt", "c.txt"]
        b_doc = [d for d, p in zip(*(pq.read_table(Path(first.release_path) / "documents.parquet")[c].to_pylist()
                                     for c in ("doc_id", "source_path"))) if p == "b.txt"][0]

        (raw / "b.txt").unlink()  # one file of three: fine
        second = build_release(raw, out, instance=instance, progress=False)
        assert second.success and second.published, second.failures
        release = Path(second.release_path)
        assert _docs(release) == ["a.txt", "c.txt"]
        for table in ("mentions", "metrics"):
            assert b_doc not in pq.read_table(release / f"{table}.parquet")["doc_id"].to_pylist()
        changes = (release / "CHANGES.md").read_text(encoding="utf-8")
        assert "1 source file(s) removed" in changes and "- b.txt (1 document)" in changes

        (raw / "a.txt").unlink()
        (raw / "c.txt").write_text(ARTICLES["b.txt"], encoding="utf-8")  # 1 of 2 documents left: half is fine
        assert build_release(raw, out, instance=instance, progress=False).published
        _raw(tmp_path)  # three again
        assert build_release(raw, out, instance=instance, progress=False).published
        (raw / "a.txt").unlink()
        (raw / "b.txt").unlink()  # 1 of 3 left: more than half dropped
        refused = build_release(raw, out, instance=instance, progress=False)
        assert not refused.success and not refused.published
        message = " ".join(refused.failures)
        assert "fewer than half" in message and "--allow-shrink" in message and "allow_shrink" in message
        latest = Path(os.path.realpath(out / "latest"))
        assert len(_docs(latest)) == 3  # latest unchanged
        allowed = build_release(raw, out, instance=instance, progress=False, allow_shrink=True)
        assert allowed.success and allowed.published and _docs(Path(allowed.release_path)) == ["c.txt"]


def test_provenance_retention_and_shared_files(tmp_path):
    raw, out = _raw(tmp_path, ["a.txt", "b.txt"]), tmp_path / "out"
    versions = []
    with temp_instance() as instance:
        for i in range(12):
            (raw / "c.txt").write_text(f"第{i}期：合肥市的蔚来汽车交付量增长了{i + 10}%。\n", encoding="utf-8")
            outcome = build_release(raw, out, instance=instance, progress=False)
            assert outcome.success and outcome.published, outcome.failures
            versions.append(outcome.version)
    folders = sorted(p.name for p in (out / "releases").iterdir() if p.is_dir())
    assert folders == versions[2:]  # the newest 10
    for version in folders:
        check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out / "releases" / version,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    catalog = {e["version"]: e for e in json.loads((out / "releases.json").read_text(encoding="utf-8"))["releases"]}
    assert set(catalog) == set(versions)
    for version in versions[:2]:
        assert catalog[version]["pruned"] is True
        assert sorted(os.listdir(out / "pruned" / version)) == ["CHANGES.md", "datapackage.json"]
    assert not any(catalog[v].get("pruned") for v in versions[2:])
    # unchanged files are stored once: the errors table (empty) is one inode in every release
    inodes = {(out / "releases" / v / "errors.parquet").stat().st_ino for v in folders}
    assert len(inodes) == 1 and (out / "releases" / folders[-1] / "errors.parquet").stat().st_nlink == 10
    # provenance
    package = json.loads((out / "latest" / "datapackage.json").read_text(encoding="utf-8"))
    made_by = package["provenance"]
    assert made_by["project_version"] and len(made_by["code_version"]) == 16
    assert package["code_version"] == made_by["code_version"]
    assert "data/ner/neural.npz" in made_by["data_files"] and len(made_by["data_files"]["data/ner/neural.npz"]) == 64
    if (REPO / ".git").exists():
        assert len(made_by["git_commit"]) == 40
    entry = catalog[versions[-1]]
    assert entry["code_version"] == made_by["code_version"] and entry["data_files"] == made_by["data_files"]
