"""The Dagster asset checks (pipeline/defs/checks.py) on a real instance: a failed blocking
check stops the release asset, so ``latest`` stays on the previous release.

The table assets here stand in for the dataset assets (which need the NLP stages): they stage
known tables under ``<out>/work/tables/`` exactly where the real ones do; the checks and the
``release`` asset are the project's own.
"""

from __future__ import annotations

import os

import dagster as dg
import pytest

from pipeline import schema
from pipeline.defs.assets import release
from pipeline.defs.checks import build_checks
from pipeline.defs.resources import PipelineConfig
from pipeline.publish.validate import checks_for
from pipeline.workdir import Workdir
from publish_sample import sample_rows, tables_from

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning")


def staging_assets(rows_holder: dict):
    @dg.multi_asset(specs=[dg.AssetSpec(name) for name in schema.TABLES], name="stage_tables")
    def stage_tables(pipeline: PipelineConfig):
        tables = tables_from(rows_holder["rows"])
        wd = Workdir(pipeline.output_path)
        for name in schema.TABLES:
            wd.write_table(name, schema.to_arrow(name, tables[name]))
            yield dg.MaterializeResult(asset_key=name, metadata={"dagster/row_count": len(tables[name])})

    return stage_tables


def run(tmp_path, holder, instance):
    defs = dg.Definitions(
        assets=[staging_assets(holder), release],
        asset_checks=build_checks(),
        resources={"pipeline": PipelineConfig(raw_dir=str(tmp_path / "raw"), output_dir=str(tmp_path / "out"))},
    )
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, raise_on_error=False)


def check_results(result):
    """(table, check) -> (passed, severity, message) of every check run inside each table's ``valid`` check."""
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {ev.check_name for ev in evaluations} == {"valid"}
    assert {ev.asset_key.path[-1] for ev in evaluations} == set(schema.TABLES)
    out = {}
    for ev in evaluations:
        table = ev.asset_key.path[-1]
        for check in checks_for(table):
            message = ev.metadata[check].value
            out[(table, check)] = (message.startswith("ok"), ev.severity, message, ev)
    return out


def test_warnings_publish_but_a_failed_blocking_check_stops_the_release(tmp_path):
    holder = {"rows": sample_rows()}
    out = tmp_path / "out"
    with dg.instance_for_test() as instance:
        first = run(tmp_path, holder, instance)
        assert first.success
        evals = check_results(first)
        assert ("mentions", "offsets") in evals and ("people", "names") in evals
        assert all(passed and ev.passed for passed, _sev, _msg, ev in evals.values())
        assert first.asset_materializations_for_node("release")

        # A drop of rows is a warning: the release still goes ahead.
        fewer = sample_rows()
        fewer["mentions"] = fewer["mentions"][:2]
        holder["rows"] = fewer
        second = run(tmp_path, holder, instance)
        assert second.success
        drop = check_results(second)[("mentions", "row_drop")]
        assert not drop[0] and not drop[3].passed and drop[3].severity == dg.AssetCheckSeverity.WARN
        assert "row_drop (warning)" in drop[3].description
        assert second.asset_materializations_for_node("release")
        assert len(list((out / "releases").iterdir())) == 2
        latest = os.readlink(out / "latest")

        # Broken offsets and a punctuation name fail blocking checks: no release.
        broken = sample_rows()
        broken["mentions"][0]["char_start"] += 1
        broken["firms"][0]["name"] = "、"
        holder["rows"] = broken
        third = run(tmp_path, holder, instance)
        assert not third.success
        evals = check_results(third)
        assert not evals[("mentions", "offsets")][0] and not evals[("mentions", "offsets")][3].passed
        assert not evals[("firms", "names")][0]
        assert evals[("firms", "names")][3].severity == dg.AssetCheckSeverity.ERROR
        assert "punctuation" in evals[("firms", "names")][3].description
        assert evals[("people", "columns")][0] and evals[("people", "columns")][3].passed
        assert not third.asset_materializations_for_node("release")
        assert os.readlink(out / "latest") == latest
        assert len(list((out / "releases").iterdir())) == 2
