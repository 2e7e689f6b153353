"""The raw-folder sensor against a real (temporary) instance and real files."""

import json
import os
import time
from datetime import datetime, timezone

import dagster as dg
import pytest
from dagster._core.definitions.dynamic_partitions_request import (
    AddDynamicPartitionsRequest,
    DeleteDynamicPartitionsRequest,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from dagster_instance import temp_instance
from pipeline.defs import build_defs
from pipeline.defs.jobs import UNPARTITIONED_ASSETS
from pipeline.defs.resources import PipelineConfig

ARTICLE = "杭州市余杭区的未来科技城聚集了大量人工智能企业。\n"


@pytest.fixture
def env(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with dg.instance_for_test() as instance:
        sensor = build_defs().resolve_sensor_def("raw_sources_sensor")
        config = PipelineConfig(raw_dir=str(raw), output_dir=str(tmp_path / "out"))
        state = {"cursor": None}

        def tick():
            """One sensor evaluation; applies its partition requests as the daemon would."""
            ctx = dg.build_sensor_context(instance=instance, cursor=state["cursor"], resources={"pipeline": config})
            result = sensor(ctx)
            if isinstance(result, dg.SkipReason):
                return result
            for req in result.dynamic_partitions_requests or []:
                if isinstance(req, AddDynamicPartitionsRequest):
                    instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
                elif isinstance(req, DeleteDynamicPartitionsRequest):
                    for key in req.partition_keys:
                        instance.delete_dynamic_partition(req.partitions_def_name, key)
            state["cursor"] = result.cursor
            return result

        yield raw, instance, tick


def _range(run):
    return run.tags.get(ASSET_PARTITION_RANGE_START_TAG), run.tags.get(ASSET_PARTITION_RANGE_END_TAG)


def test_sensor_adds_new_and_changed_only(env):
    raw, instance, tick = env
    (raw / "a.txt").write_text("甲" + ARTICLE, encoding="utf-8")
    (raw / "b.md").write_text("# 标题\n乙" + ARTICLE, encoding="utf-8")
    (raw / "notes.csv").write_text("not a source", encoding="utf-8")

    first = tick()
    assert instance.get_dynamic_partitions("sources") == ["a.txt", "b.md"]
    assert len(first.run_requests) == 1
    assert _range(first.run_requests[0]) == ("a.txt", "b.md")
    assert json.loads(first.cursor)["sources"].keys() == {"a.txt", "b.md"}

    # no change: nothing requested
    second = tick()
    assert not second.run_requests
    # touched but unchanged: nothing requested
    later = time.time() + 5
    os.utime(raw / "a.txt", (later, later))
    assert not tick().run_requests

    # a new file: exactly its partition
    (raw / "c.txt").write_text("丙" + ARTICLE, encoding="utf-8")
    third = tick()
    assert instance.get_dynamic_partitions("sources") == ["a.txt", "b.md", "c.txt"]
    assert [_range(r) for r in third.run_requests] == [("c.txt", "c.txt")]

    # an edited file: its partition only
    (raw / "a.txt").write_text("甲" + ARTICLE + "新增一句。\n", encoding="utf-8")
    fourth = tick()
    assert [_range(r) for r in fourth.run_requests] == [("a.txt", "a.txt")]
    assert instance.get_dynamic_partitions("sources") == ["a.txt", "b.md", "c.txt"]

    # a .jsonl archive: one partition for the file (its records are its documents)
    record = lambda i, t: json.dumps({"id": i, "text": t + ARTICLE}, ensure_ascii=False) + "\n"  # noqa: E731
    (raw / "feed.jsonl").write_text(record("n1", "丁") + record("n2", "戊"), encoding="utf-8")
    fifth = tick()
    assert instance.get_dynamic_partitions("sources") == ["a.txt", "b.md", "c.txt", "feed.jsonl"]
    assert [_range(r) for r in fifth.run_requests] == [("feed.jsonl", "feed.jsonl")]
    # a record appended to it: the file's partition again
    with open(raw / "feed.jsonl", "a", encoding="utf-8") as fh:
        fh.write(record("n3", "己"))
    assert [_range(r) for r in tick().run_requests] == [("feed.jsonl", "feed.jsonl")]

    # a deleted file: its partition is deleted and the tables are rebuilt
    (raw / "b.md").unlink()
    sixth = tick()
    assert "b.md" not in instance.get_dynamic_partitions("sources")
    (run,) = sixth.run_requests
    assert _range(run) == (None, None)
    assert list(run.asset_selection) == UNPARTITIONED_ASSETS
    assert not tick().run_requests


def test_sensor_run_keys_are_unique(env):
    raw, _instance, tick = env
    keys = []
    for text in ("一" + ARTICLE, "二" + ARTICLE, "一" + ARTICLE):  # A -> B -> A again
        (raw / "a.txt").write_text(text, encoding="utf-8")
        keys.append(tick().run_requests[0].run_key)
    assert len(set(keys)) == 3


def test_sensor_skips_missing_folder(tmp_path):
    with dg.instance_for_test() as instance:
        sensor = build_defs().resolve_sensor_def("raw_sources_sensor")
        config = PipelineConfig(raw_dir=str(tmp_path / "nope"), output_dir=str(tmp_path / "out"))
        ctx = dg.build_sensor_context(instance=instance, resources={"pipeline": config})
        result = sensor(ctx)
        assert isinstance(result, dg.SkipReason) or not result.run_requests


def test_sensor_requests_nothing_for_sources_already_built(tmp_path):
    """After a headless build, the sensor registers the files but launches no run."""
    from pipeline.defs.headless import build_release

    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "a.txt").write_text("杭州" + ARTICLE, encoding="utf-8")
    with temp_instance() as instance:
        assert build_release(raw, out, instance=instance, progress=False).success
        sensor = build_defs().resolve_sensor_def("raw_sources_sensor")
        config = PipelineConfig(raw_dir=str(raw), output_dir=str(out))
        result = sensor(dg.build_sensor_context(instance=instance, resources={"pipeline": config}))
        assert not result.run_requests
        assert json.loads(result.cursor)["sources"].keys() == {"a.txt"}

        # the daily schedule: nothing stale -> tables and release only
        schedule = build_defs().resolve_schedule_def("daily_rebuild")
        day1, day2 = datetime(2026, 1, 1, 3, tzinfo=timezone.utc), datetime(2026, 1, 2, 3, tzinfo=timezone.utc)
        request = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources={"pipeline": config}, scheduled_execution_time=day1)
        ).run_requests[0]
        assert list(request.asset_selection) == UNPARTITIONED_ASSETS
        assert request.run_key == "2026-01-01"
        # a new file the sensor missed: registered by the schedule, and only it is built
        (raw / "b.txt").write_text("深圳" + ARTICLE, encoding="utf-8")
        request = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources={"pipeline": config}, scheduled_execution_time=day2)
        ).run_requests[0]
        assert instance.get_dynamic_partitions("sources") == ["a.txt", "b.txt"]
        assert _range(request) == ("b.txt", "b.txt")
