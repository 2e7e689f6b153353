"""Dagster asset checks on the staged tables (the logic is ``pipeline.publish.validate``).

One ``multi_asset_check`` reads the staged tables once (``<out>/work/tables/``)
and reports one check per (table, check) of ``validate.CHECKS``, attached to
the table's asset: ``columns``, ``primary_key``, ``foreign_keys``,
``offsets``, ``finite``, ``names`` are *blocking* (severity ERROR: a failure
means a broken release, so the downstream ``release`` asset does not run and
``latest`` stays on the previous release); ``row_drop`` is a warning (severity
WARN, not blocking) against the row counts of the latest release. Each
result's metadata says what is wrong, how many rows, and the first examples.
"""


import dagster as dg

from pipeline import schema
from pipeline.defs.resources import PipelineConfig
from pipeline.publish import validate
from pipeline.publish.datapackage import read_datapackage


def check_specs() -> list[dg.AssetCheckSpec]:
    specs = []
    for table in schema.TABLES:
        for check in validate.checks_for(table):
            blocking, description, _ = validate.CHECKS[check]
            specs.append(
                dg.AssetCheckSpec(
                    name=check,
                    asset=dg.AssetKey(table),
                    description=description,
                    blocking=blocking,
                    additional_deps=[dg.AssetKey(t) for t in schema.TABLES if t != table],
                )
            )
    return specs


def read_staged_tables(output_dir):
    """The staged tables, through the dataset assets' own reader."""
    from pipeline.defs.assets_dataset import read_staged_tables as read

    return read(output_dir)


def previous_row_counts(output_dir) -> dict[str, int]:
    """Row counts of the latest release, from its datapackage.json (empty when none)."""
    package = read_datapackage(output_dir / "latest") or {}
    return {
        r["name"]: int(r["rows"])
        for r in package.get("resources", [])
        if r.get("type") == "table" and r.get("rows") is not None
    }


def _result(outcome: validate.CheckOutcome) -> dg.AssetCheckResult:
    metadata: dict = {"message": outcome.message, "failures": outcome.failures}
    if outcome.examples:
        metadata["examples"] = dg.MetadataValue.md("\n".join(f"- {e}" for e in outcome.examples))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(outcome.table),
        check_name=outcome.check,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.message,
        metadata=metadata,
    )


def build_checks() -> list:
    @dg.multi_asset_check(
        specs=check_specs(),
        name="table_checks",
        description="Schema, keys, references, offsets, finiteness and names of every staged table "
        "(blocking); row-count drops against the latest release (warning).",
    )
    def table_checks(context: dg.AssetCheckExecutionContext, pipeline: PipelineConfig):
        out = pipeline.output_path
        try:
            tables = read_staged_tables(out)
        except FileNotFoundError as exc:
            tables = {}
            context.log.error(f"staged tables missing: {exc}")
        outcomes = validate.check_tables(tables, previous_row_counts(out))
        failed = validate.summarize(outcomes)
        if validate.blocking_failures(outcomes):
            context.log.error("blocking table checks failed, the release will not be published:\n" + failed)
        elif failed:
            context.log.warning("table checks raised warnings (the release still goes ahead):\n" + failed)
        for outcome in outcomes:
            yield _result(outcome)

    return [table_checks]
