"""Hostile inputs and injected faults on real builds (``tests/hostile/``; the figures: ``make reliability``).

- every kind of hostile input of ``hostile.cases`` in one raw folder: the build
  succeeds, every input ends in ``documents`` or ``errors``, the release passes
  its checks, a second build publishes nothing;
- a folder that becomes unreadable keeps its documents;
- a kill at several moments of the build and publish, a full disk during the
  per-document work and the publish, two builds at once: ``latest`` stays a
  complete release and the next build equals an undisturbed one.

The default run kills at a few points; ``PIPELINE_FAULTS=all`` runs every point
of ``hostile.faultrun.POINTS``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from dagster_instance import temp_instance
from pipeline.defs.headless import build_release
from tests.hostile import cases, faults
from tests.hostile.faultrun import POINTS

pytestmark = pytest.mark.slow

DEFAULT_POINTS = ["nlp", "publish_sqlite", "publish_switch_latest", "publish_catalogue"]
KILL_POINTS = sorted(POINTS) if os.environ.get("PIPELINE_FAULTS") == "all" else DEFAULT_POINTS


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    raw, out = base / "raw", base / "out"
    cases.LONG = 30_000  # the long cases, shorter (the report uses 200 k)
    inputs = cases.write_all(raw)
    with cases.inject_unreadable(raw), temp_instance() as instance:
        first = build_release(raw, out, instance=instance, progress=False, workers=1)
        check = dg.AssetCheckKey(dg.AssetKey("errors"), "valid")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
        check_metadata = record.event.asset_check_evaluation.metadata
        second = build_release(raw, out, instance=instance, progress=False, workers=1)
    yield {"inputs": inputs, "first": first, "second": second, "out": out, "check_metadata": check_metadata}
    for p in (raw / "noperm_file" / "secret.txt", raw / "noperm_dir"):
        if p.exists():
            os.chmod(p, 0o755)


def test_every_hostile_input_is_accounted_for_and_the_release_is_valid(hostile_build):
    first = hostile_build["first"]
    assert first.success and first.published, first.failures
    release = Path(first.release_path)
    docs = pq.read_table(release / "documents.parquet").column("source_path").to_pylist()
    errors = pq.read_table(release / "errors.parquet").to_pylist()
    per_case: dict[str, int] = {}
    for path in docs + [e["source_path"] for e in errors]:
        case = cases.case_of(path)
        per_case[case] = per_case.get(case, 0) + 1
    assert per_case == hostile_build["inputs"]  # nothing lost, nothing counted twice
    assert faults.release_problems(hostile_build["out"]) == []
    kinds = {e["kind"] for e in errors}
    assert {"unreadable", "duplicate", "budget"} <= kinds


def test_the_dagster_check_reports_the_quarantined_documents(hostile_build):
    release = Path(hostile_build["first"].release_path)
    kinds = pq.read_table(release / "errors.parquet").column("kind").to_pylist()
    # (today the texts ending in a known name are quarantined: the entity stage's end-offset bug;
    # once it is fixed the count may be 0, and the rule is tested on a made-up row in test_reliability)
    assert hostile_build["check_metadata"]["quarantined_documents"].value == kinds.count("quarantined")


def test_a_second_build_of_the_same_inputs_publishes_nothing(hostile_build):
    second = hostile_build["second"]
    assert second.success and not second.published and second.version == hostile_build["first"].version


def test_a_folder_made_unreadable_keeps_its_documents(tmp_path, monkeypatch):
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "locked").mkdir(parents=True)
    (raw / "locked" / "a.txt").write_text(cases.GOOD_TEXTS[0], encoding="utf-8")
    (raw / "b.txt").write_text(cases.GOOD_TEXTS[1], encoding="utf-8")
    with temp_instance() as instance:
        first = build_release(raw, out, instance=instance, progress=False, workers=1)
        assert first.success and first.row_counts["documents"] == 2
        real = os.scandir

        def scandir(path="."):  # as a user without the permission (the tests may run as root)
            if not isinstance(path, int) and os.fspath(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
        second = build_release(raw, out, instance=instance, progress=False, workers=1)
    assert second.success, second.failures
    release = Path(second.release_path)
    docs = sorted(pq.read_table(release / "documents.parquet").column("source_path").to_pylist())
    assert docs == ["b.txt", "locked/a.txt"]  # still published
    errors = pq.read_table(release / "errors.parquet").to_pylist()
    assert [(e["source_path"], e["kind"]) for e in errors] == [("locked/", "unreadable")]
    assert (out / "work" / "partitions").is_dir() and any("locked" in p.name for p in (out / "work" / "partitions").iterdir())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    yield faults.make_world(root), root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_leaves_a_complete_release_and_the_next_build_equals_an_undisturbed_one(world, point):
    w, root = world
    result = faults.kill_scenario(w, root, point)
    assert result.returncode == -9, result.message  # the fault happened
    assert result.corrupted == 0, result.extra
    assert result.recovered_equal, result.extra
    assert result.leftovers == []


@pytest.mark.parametrize("during", ["nlp", "publish"])
def test_a_full_disk_fails_clearly_and_keeps_every_release(world, during):
    w, root = world
    result = faults.full_disk_scenario(w, root, during)
    if result.returncode is None:
        pytest.skip(result.message)
    assert result.returncode == 1 and result.extra["names_enospc"], result.message
    assert result.corrupted == 0, result.extra
    assert result.recovered_equal and result.leftovers == []


def test_two_builds_at_once_one_runs_the_other_says_why(world):
    w, root = world
    result = faults.concurrent_scenario(w, root, wait=0)
    assert result.extra["returncodes"] == [0, 75], result.extra["outputs"]
    assert any("another build is running" in o for o in result.extra["outputs"])
    assert result.corrupted == 0 and result.recovered_equal and result.leftovers == []
