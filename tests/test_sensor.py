"""The raw-folder sensor and the daily schedule against a real (temporary) instance and real files."""

import json
import os
import time
from datetime import datetime, timezone

import dagster as dg
import pytest

from dagster_instance import temp_instance
from pipeline.defs import build_defs
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
            """One sensor evaluation, keeping its cursor as the daemon would."""
            ctx = dg.build_sensor_context(instance=instance, cursor=state["cursor"], resources={"pipeline": config})
            result = sensor(ctx)
            if isinstance(result, dg.SkipReason):
                return result
            state["cursor"] = result.cursor
            return result

        yield raw, tick


def _requests(result) -> list:
    return [] if isinstance(result, dg.SkipReason) else list(result.run_requests or [])


def test_sensor_reacts_to_added_changed_and_deleted_files(env):
    raw, tick = env
    (raw / "a.txt").write_text("甲" + ARTICLE, encoding="utf-8")
    (raw / "b.md").write_text("# 标题\n乙" + ARTICLE, encoding="utf-8")
    (raw / "notes.csv").write_text("not a source", encoding="utf-8")

    first = tick()
    (run,) = _requests(first)
    assert run.asset_selection is None and not run.partition_key  # the whole job, unpartitioned
    assert json.loads(first.cursor)["sources"].keys() == {"a.txt", "b.md"}

    assert not _requests(tick())  # no change
    later = time.time() + 5
    os.utime(raw / "a.txt", (later, later))
    assert not _requests(tick())  # touched but unchanged

    (raw / "c.txt").write_text("丙" + ARTICLE, encoding="utf-8")
    (run,) = _requests(tick())
    assert run.tags["pipeline/change"] == "1 added"
    (raw / "a.txt").write_text("甲" + ARTICLE + "新增一句。\n", encoding="utf-8")
    assert _requests(tick())[0].tags["pipeline/change"] == "1 changed"
    record = lambda i, t: json.dumps({"id": i, "text": t + ARTICLE}, ensure_ascii=False) + "\n"  # noqa: E731
    (raw / "feed.jsonl").write_text(record("n1", "丁") + record("n2", "戊"), encoding="utf-8")
    assert len(_requests(tick())) == 1
    with open(raw / "feed.jsonl", "a", encoding="utf-8") as fh:  # a record appended
        fh.write(record("n3", "己"))
    assert _requests(tick())[0].tags["pipeline/change"] == "1 changed"

    (raw / "b.md").unlink()  # a deletion is a change too
    assert _requests(tick())[0].tags["pipeline/change"] == "1 deleted"
    assert not _requests(tick())


def test_sensor_run_keys_are_unique(env):
    raw, tick = env
    keys = []
    for text in ("一" + ARTICLE, "二" + ARTICLE, "一" + ARTICLE):  # A -> B -> A again
        (raw / "a.txt").write_text(text, encoding="utf-8")
        keys.append(tick().run_requests[0].run_key)
    assert len(set(keys)) == 3


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_sensor_and_schedule_skip_a_missing_or_empty_folder(tmp_path, folder):
    raw = tmp_path / "raw"
    if folder == "empty":
        raw.mkdir()
    defs = build_defs()
    config = PipelineConfig(raw_dir=str(raw), output_dir=str(tmp_path / "out"))
    with dg.instance_for_test() as instance:
        result = defs.resolve_sensor_def("raw_sources_sensor")(
            dg.build_sensor_context(instance=instance, resources={"pipeline": config}))
        assert isinstance(result, dg.SkipReason) and folder in result.skip_message
        tick = defs.resolve_schedule_def("daily_rebuild").evaluate_tick(
            dg.build_schedule_context(instance=instance, resources={"pipeline": config}))
        assert not tick.run_requests and folder in tick.skip_message


def test_sensor_requests_nothing_for_sources_already_built(tmp_path):
    """After a headless build the sensor launches no run; the daily schedule launches the same job."""
    from pipeline.defs.headless import build_release

    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "a.txt").write_text("杭州" + ARTICLE, encoding="utf-8")
    with temp_instance() as instance:
        assert build_release(raw, out, instance=instance, progress=False).success
        sensor = build_defs().resolve_sensor_def("raw_sources_sensor")
        config = PipelineConfig(raw_dir=str(raw), output_dir=str(out))
        result = sensor(dg.build_sensor_context(instance=instance, resources={"pipeline": config}))
        assert not result.run_requests and "already built" in result.skip_reason.skip_message
        assert json.loads(result.cursor)["sources"].keys() == {"a.txt"}

        schedule = build_defs().resolve_schedule_def("daily_rebuild")
        day = datetime(2026, 1, 1, 3, tzinfo=timezone.utc)
        (request,) = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources={"pipeline": config}, scheduled_execution_time=day)
        ).run_requests
        assert request.run_key == "2026-01-01" and request.asset_selection is None
