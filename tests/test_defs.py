"""The Dagster definitions load and have the shape the architecture promises."""

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
