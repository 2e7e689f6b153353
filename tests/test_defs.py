"""The Dagster definitions load and have the shape the architecture promises."""

import json

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.defs import build_defs
from pipeline.defs.metadata import column_schema
from pipeline.workdir import Workdir, records_to_table, safe_name, table_to_records
from pipeline.records import Block, Document, Fact


def test_definitions_load():
    defs = build_defs()
    dg.Definitions.validate_loadable(defs)
    from pipeline.definitions import defs as module_defs

    dg.Definitions.validate_loadable(module_defs)


def test_asset_graph_shape():
    """sources -> every table -> release; nothing partitioned (one run builds everything)."""
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"sources", "release", "source_snapshots", *schema.TABLES}
    for key in graph.get_all_asset_keys():
        assert graph.get(key).partitions_def is None
    for name in schema.TABLES:
        node = graph.get(dg.AssetKey(name))
        assert set(node.parent_keys) == {dg.AssetKey("sources")}
        cols = node.metadata["dagster/column_schema"].columns
        assert [c.name for c in cols] == schema.TABLES[name].column_names
        assert all(c.description for c in cols)
    assert set(graph.get(dg.AssetKey("release")).parent_keys) == {dg.AssetKey(n) for n in schema.TABLES}
    description = graph.get(dg.AssetKey("release")).description
    assert "`<out>/releases/<version>/`" in description  # not read as HTML tags by the UI


def test_sensor_schedule_job_present():
    defs = build_defs()
    sensor = defs.resolve_sensor_def("raw_sources_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("daily_rebuild")
    assert schedule.cron_schedule == "0 3 * * *"
    job = defs.resolve_job_def("build_all")
    assert dg.AssetKey("release") in job.asset_layer.executable_asset_keys


def test_column_schema_types():
    cs = column_schema("metrics")
    types = {c.name: c.type for c in cs.columns}
    assert types["value"] == "float64" and types["char_start"] == "int64"
    assert any("primary key (metric_id)" in o for o in cs.constraints.other)


def test_safe_names_are_unique_and_safe():
    keys = ["a.txt", "a_txt", "新闻/杭州.txt", "feed.jsonl#L3", "feed.jsonl#L30", "x" * 300]
    names = [safe_name(k) for k in keys]
    assert len(set(names)) == len(keys)
    assert all(n.replace("-", "").replace("_", "").replace(".", "").isalnum() for n in names)
    assert all(len(n) <= 71 for n in names)


def test_records_round_trip_with_cache_key(tmp_path):
    from datetime import date

    doc = Document("d1", "a.txt", "a.txt", "标题", date(2025, 1, 2), None, "标题\n正文。", "ab",
                   [Block(0, 2, "title"), Block(3, 6, "body")])
    wd = Workdir(tmp_path)
    wd.write("source_documents", "a.txt", "documents", records_to_table(Document, [doc]), "fp1")
    assert wd.cache_key("source_documents", "a.txt", "documents") == "fp1"
    assert wd.is_current("source_documents", "a.txt", ["documents"], "fp1")
    assert not wd.is_current("source_documents", "a.txt", ["documents"], "fp2")
    assert table_to_records(Document, wd.read("source_documents", "a.txt", "documents")) == [doc]
    # an empty list of records keeps its typed schema
    empty = records_to_table(Fact, [])
    assert empty.num_rows == 0 and str(empty.schema.field("value").type) == "double"
    wd.write("source_documents", "b.txt", "documents", records_to_table(Document, []), "ck")
    assert wd.prune("source_documents", ["a.txt"], ["documents"]) == 1  # b.txt's results
    assert not wd.has("source_documents", "b.txt", "documents")
    assert pq.read_table(wd.path("source_documents", "a.txt", "documents")).num_rows == 1


def test_failures_name_the_failed_check():
    """The headless build's failure report names a failed blocking check (real Dagster run)."""
    from pipeline.defs.headless import _failures

    @dg.asset
    def table():
        return 1

    @dg.asset_check(asset=table, blocking=True)
    def ids_unique():
        return dg.AssetCheckResult(passed=False, description="2 duplicate IDs")

    @dg.asset(deps=[table])
    def downstream():
        return 2

    job = dg.Definitions(assets=[table, downstream], asset_checks=[ids_unique]).resolve_implicit_global_asset_job_def()
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    messages = _failures(result)
    assert any("ids_unique" in m and "2 duplicate IDs" in m for m in messages), messages


def _jsonl_feed(tmp_path, texts: list[str]):
    """``raw/feed.jsonl`` with one record per text (ids n0, n1, ...) and ``raw/a.txt``; returns the raw folder."""
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw / "a.txt").write_text("马化腾在深圳创办了腾讯公司。2023年腾讯营收增长10%。\n", encoding="utf-8")
    return raw


def _stored(out) -> dict:
    from pipeline.engine import stages

    from pipeline.engine.build import read_source_set

    wd = Workdir(out)
    return {
        (stage, f"{key}.{part}"): (wd.read(stage, key, part).to_pylist(), wd.cache_key(stage, key, part))
        for stage in stages.STAGES for key, _ in read_source_set(wd) for part in stages.PARTS[stage]
    }


def test_build_sources_in_a_pool_matches_serial(tmp_path):
    """The worker pool writes the same stored results as the serial path; a second build computes nothing."""
    from pipeline.engine.build import build_sources, read_source_set

    raw = _jsonl_feed(tmp_path, [f"第{i}条：马云在杭州创办了阿里巴巴，2023年营收增长了{i}%。" for i in range(6)])
    results = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        outcome = build_sources(raw, out, workers=workers, min_chars_for_pool=0, log=lambda _m: None)
        assert outcome.units == 7 and outcome.processed == 7
        assert outcome.pool_used == (workers > 1)
        by_file = {f.path: f for f in outcome.files}
        assert by_file["feed.jsonl"].documents == 6 and by_file["a.txt"].documents == 1
        results[workers] = _stored(out)
        again = build_sources(raw, out, workers=workers, min_chars_for_pool=0, log=lambda _m: None)
        assert again.processed == 0 and not again.pool_used
        assert [f.documents for f in again.files] == [f.documents for f in outcome.files]
        assert len(read_source_set(Workdir(out))) == 7
    assert results[1] == results[2]
    assert any(rows for (stage, name), (rows, _) in results[2].items() if name.endswith(".mentions"))


def test_rebuild_one_source_and_errors(tmp_path):
    """``rebuild`` recomputes one file whatever the cache says; a bad record is an error of its file."""
    from pipeline.engine.build import RawFolderError, build_sources

    raw = _jsonl_feed(tmp_path, ["杭州市的企业营收增长了5%。"])
    with open(raw / "feed.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    out = tmp_path / "out"
    first = build_sources(raw, out, workers=1, log=lambda _m: None)
    feed = next(f for f in first.files if f.path == "feed.jsonl")
    assert feed.documents == 1 and [e["line"] for e in feed.errors] == [2]
    again = build_sources(raw, out, workers=1, rebuild=["a.txt"], log=lambda _m: None)
    assert again.processed == 1 and {f.path: f.processed for f in again.files} == {"feed.jsonl": 0, "a.txt": 1}
    assert [e["line"] for e in next(f for f in again.files if f.path == "feed.jsonl").errors] == [2]
    with pytest.raises(RawFolderError, match="no such file"):
        build_sources(raw, out, rebuild=["nope.txt"], log=lambda _m: None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RawFolderError, match="--allow-shrink"):
        build_sources(empty, out, log=lambda _m: None)
