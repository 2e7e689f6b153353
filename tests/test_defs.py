"""The Dagster definitions load and have the shape the architecture promises."""

import json

import dagster as dg
import pyarrow.parquet as pq

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
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"source_documents", "document_segments", "document_extractions", "release"} <= keys
    assert set(schema.TABLES) <= keys  # one asset per published table
    for name in ("source_documents", "document_segments", "document_extractions"):
        node = graph.get(dg.AssetKey(name))
        assert node.partitions_def is not None and node.partitions_def.name == "sources"
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    for name in schema.TABLES:
        node = graph.get(dg.AssetKey(name))
        assert node.partitions_def is None
        assert dg.AssetKey("document_extractions") in node.parent_keys
        cols = node.metadata["dagster/column_schema"].columns
        assert [c.name for c in cols] == schema.TABLES[name].column_names
        assert all(c.description for c in cols)
    assert set(graph.get(dg.AssetKey("release")).parent_keys) == {dg.AssetKey(n) for n in schema.TABLES}


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


def test_records_round_trip_with_fingerprint(tmp_path):
    from datetime import date

    doc = Document("d1", "a.txt", "a.txt", "标题", date(2025, 1, 2), None, "标题\n正文。", "ab",
                   [Block(0, 2, "title"), Block(3, 6, "body")])
    wd = Workdir(tmp_path)
    wd.write("source_documents", "a.txt", "documents", records_to_table(Document, [doc]), "fp1")
    assert wd.fingerprint("source_documents", "a.txt", "documents") == "fp1"
    assert wd.is_current("source_documents", "a.txt", ["documents"], "fp1")
    assert not wd.is_current("source_documents", "a.txt", ["documents"], "fp2")
    assert table_to_records(Document, wd.read("source_documents", "a.txt", "documents")) == [doc]
    # an empty list of records keeps its typed schema
    empty = records_to_table(Fact, [])
    assert empty.num_rows == 0 and str(empty.schema.field("value").type) == "double"
    wd.write("source_documents", "b.txt", "documents", records_to_table(Document, []), "fp")
    removed = wd.prune("source_documents", ["a.txt"])
    assert [p.name for p in removed] == [f"{safe_name('b.txt')}.documents.parquet"]
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


def test_stage_pool_matches_serial(tmp_path):
    """The process-pool path of a stage writes the same results as the serial path."""
    from pipeline.defs import stages
    from pipeline.ingest import list_sources

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [
        json.dumps({"id": f"n{i}", "text": f"第{i}条：杭州市余杭区的企业今年营收增长了{i}%。"}, ensure_ascii=False)
        for i in range(10)
    ]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = stages.group_units(list_sources(raw))["feed.jsonl"]
    results = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        for stage in (stages.DOCUMENTS, stages.SEGMENTS):
            jobs = [stages.StageJob(stage, str(out), str(raw), k, sha) for k, sha in units]
            outcomes = stages.run_stage(jobs, workers=workers, min_chars_for_pool=0)
            assert len(outcomes) == len(units) and not any(o.skipped for o in outcomes)
        wd = Workdir(out)
        results[workers] = {k: wd.read(stages.SEGMENTS, k, "tokens").to_pylist() for k, _ in units}
        # a second pass finds everything current
        again = stages.run_stage([stages.StageJob(stages.SEGMENTS, str(out), str(raw), k, sha) for k, sha in units], workers=workers)
        assert all(o.skipped for o in again)
    assert results[1] == results[2]
    assert stages.stale_partitions(tmp_path / "out2", {"feed.jsonl": units}) == ["feed.jsonl"]  # no manifest yet
