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


def _jsonl_feed(tmp_path, texts: list[str]):
    """``raw/feed.jsonl`` with one record per text (ids n0, n1, ...); returns the raw folder and its units."""
    from pipeline.defs import stages
    from pipeline.ingest import list_sources

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return raw, stages.group_units(list_sources(raw))["feed.jsonl"]


def test_stage_pool_matches_serial(tmp_path):
    """The process-pool path of a stage writes the same results as the serial path."""
    from pipeline.defs import stages

    raw, units = _jsonl_feed(tmp_path, [f"第{i}条：杭州市余杭区的企业今年营收增长了{i}%。" for i in range(10)])
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


def test_pipelined_stages_match_stage_by_stage(tmp_path):
    """Reading with NLP submitted ahead, and segmentation fused with extraction, writes the same files."""
    from pipeline.defs import stages

    raw, units = _jsonl_feed(tmp_path, [f"第{i}条：马云在杭州创办了阿里巴巴，2023年营收增长了{i}%。" for i in range(6)])
    codes = {s: stages.code_version(s) for s in stages.STAGES}
    files = {}
    for mode in ("one_by_one", "pipelined"):
        out = tmp_path / mode
        pipelined = mode == "pipelined"
        by_stage = {}
        for stage in stages.STAGES:
            jobs = [stages.StageJob(stage, str(out), str(raw), k, sha, code_versions=codes) for k, sha in units]
            by_stage[stage] = stages.run_stage(
                jobs, workers=2 if pipelined else 1, min_chars_for_pool=0,
                ahead=pipelined, fuse=pipelined, batch="run-1",
            )
            assert len(by_stage[stage]) == len(units) and not any(o.skipped for o in by_stage[stage])
        # in the pipelined run, every unit was segmented and extracted in one worker pass
        assert all(o.fused for o in by_stage[stages.SEGMENTS] + by_stage[stages.EXTRACTIONS]) == pipelined
        wd = Workdir(out)
        files[mode] = {
            (stage, part, k): (wd.read(stage, k, part).to_pylist(), wd.fingerprint(stage, k, part))
            for stage in stages.STAGES for part in stages.PARTS[stage] for k, _ in units
        }
        assert not stages._submitted and not stages._extracted  # nothing left between steps
        # everything is current afterwards, whichever way it was made
        again = stages.run_stage(
            [stages.StageJob(stages.EXTRACTIONS, str(out), str(raw), k, sha, code_versions=codes) for k, sha in units]
        )
        assert all(o.skipped for o in again)
    stages.shutdown_pool()
    assert files["one_by_one"] == files["pipelined"]
    assert any(rows for (stage, part, _), (rows, _) in files["pipelined"].items() if part == "mentions")


def test_stale_partitions_uses_recorded_extractions(tmp_path, monkeypatch):
    """After an extraction step the next check reads no per-unit fingerprints, unless a file is gone."""
    from pipeline.defs import stages
    from pipeline.ingest import list_sources

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"id": f"n{i}", "text": f"第{i}条：杭州市的企业营收增长了{i}%。"}, ensure_ascii=False) for i in range(4)]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = stages.group_units(list_sources(raw))["feed.jsonl"]
    out = tmp_path / "out"
    wd = Workdir(out)
    for stage in stages.STAGES:
        outcomes = stages.run_stage([stages.StageJob(stage, str(out), str(raw), k, sha) for k, sha in units])
    wd.write_manifest("feed.jsonl", units)
    grouped = {"feed.jsonl": units}
    assert stages.stale_partitions(out, grouped) == []  # the slow check: nothing recorded yet
    stages.record_extracted(wd, "feed.jsonl", {o.key: o.fingerprint for o in outcomes})
    calls = []
    monkeypatch.setattr(stages, "unit_is_current", lambda *a: calls.append(a) or True)
    assert stages.stale_partitions(out, grouped) == [] and calls == []  # recorded: no per-unit check
    wd.path(stages.SEGMENTS, units[1][0], "tokens").unlink()
    assert stages.stale_partitions(out, grouped) == [] and len(calls) == len(units)  # a file gone: checked
    monkeypatch.undo()
    assert stages.stale_partitions(out, grouped) == ["feed.jsonl"]
    changed = [(k, "0" * 64 if i == 0 else h) for i, (k, h) in enumerate(units)]
    wd.write_manifest("feed.jsonl", changed)
    assert stages.stale_partitions(out, {"feed.jsonl": changed}) == ["feed.jsonl"]
