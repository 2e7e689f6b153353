"""Dagster asset checks on the staged tables (the logic is ``pipeline.publish.validate``).

One ``multi_asset_check`` reads the staged tables once (``<out>/work/tables/``,
usually from memory: ``engine.dataset.read_staged_arrow``) and reports one
blocking check ``valid`` per table, attached to the table's asset, which runs
every check of ``validate.CHECKS`` that applies to the table: ``columns``,
``primary_key``, ``foreign_keys``, ``offsets``, ``finite``, ``names`` are
*blocking* (a failure gives severity ERROR: a broken release, so the downstream
``release`` asset does not run and ``latest`` stays on the previous release);
``row_drop`` is a warning against the row counts of the latest release (alone, a
failure with severity WARN, which does not block). The result's metadata has one
entry per check (its message), the number of failing rows and the first examples;
the ``errors`` table's check also reports ``quarantined_documents``: documents
left out of the release because their rows failed a row-level check
(``pipeline.publish.quarantine``; they are ``errors`` rows of kind ``quarantined``).

One check per table rather than one per (table, check): every check costs
Dagster two events in the instance's event log per run (planned, evaluated),
each a database commit (~15 ms on a local disk), which for the 38 (table, check)
pairs was most of the checks step and a good part of an incremental rebuild.
"""


import dagster as dg

from pipeline import schema
from pipeline.defs.resources import PipelineConfig
from pipeline.engine import dataset
from pipeline.publish import validate
from pipeline.publish.datapackage import read_datapackage, table_row_counts
from pipeline.publish.quarantine import quarantined_count


CHECK_NAME = "valid"


def check_description(table: str) -> str:
    checks = validate.checks_for(table)
    blocking = [c for c in checks if validate.CHECKS[c][0]]
    warnings = [c for c in checks if not validate.CHECKS[c][0]]
    text = "Blocking: " + "; ".join(validate.CHECKS[c][1] for c in blocking)
    if warnings:
        text += " " + " ".join(validate.CHECKS[c][1] for c in warnings) + " (not blocking)"
    return text


def check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=dg.AssetKey(table),
            description=check_description(table),
            blocking=True,
            additional_deps=[dg.AssetKey(t) for t in schema.TABLES if t != table],
        )
        for table in schema.TABLES
    ]


def previous_row_counts(output_dir) -> dict[str, int]:
    """Row counts of the latest release, from its datapackage.json (empty when none)."""
    package = read_datapackage(output_dir / "latest") or {}
    return table_row_counts(package)


def _result(table: str, outcomes: list[validate.CheckOutcome], extra: dict | None = None) -> dg.AssetCheckResult:
    """The table's ``valid`` check from the outcomes of its checks (``extra``: more metadata)."""
    failed = sorted((o for o in outcomes if not o.passed), key=lambda o: not o.blocking)
    blocking = any(o.blocking for o in failed)
    metadata: dict = {o.check: o.message for o in outcomes}
    metadata.update(extra or {})
    metadata["failures"] = sum(o.failures for o in failed)
    examples = [f"- {o.check}: {e}" for o in failed for e in o.examples]
    if examples:
        metadata["examples"] = dg.MetadataValue.md("\n".join(examples))
    description = "ok" if not failed else "; ".join(
        f"{o.check}{'' if o.blocking else ' (warning)'}: {o.message}" for o in failed
    )
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table),
        check_name=CHECK_NAME,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def build_checks() -> list:
    @dg.multi_asset_check(
        specs=check_specs(),
        name="table_checks",
        description="Schema, keys, references, offsets, finiteness and names of every staged table "
        "(blocking); row-count drops against the latest release (warning). One check per table.",
    )
    def table_checks(context: dg.AssetCheckExecutionContext, pipeline: PipelineConfig):
        out = pipeline.output_path
        try:
            tables = dataset.read_staged_arrow(out)
        except FileNotFoundError as exc:
            tables = {}
            context.log.error(f"staged tables missing: {exc}")
        with dataset.gc_paused():
            outcomes = validate.check_tables(tables, previous_row_counts(out))
        failed = validate.summarize(outcomes)
        if validate.blocking_failures(outcomes):
            context.log.error("blocking table checks failed, the release will not be published:\n" + failed)
        elif failed:
            context.log.warning("table checks raised warnings (the release still goes ahead):\n" + failed)
        by_table: dict[str, list[validate.CheckOutcome]] = {}
        for outcome in outcomes:
            by_table.setdefault(outcome.table, []).append(outcome)
        # quarantine (pipeline.publish.quarantine): documents left out for failing row-level checks
        quarantined = quarantined_count(tables.get("errors"))
        if quarantined:
            context.log.warning(f"{quarantined} document(s) quarantined (errors rows of kind 'quarantined')")
        for table in schema.TABLES:
            extra = {"quarantined_documents": quarantined} if table == "errors" else None
            yield _result(table, by_table.get(table, []), extra)

    return [table_checks]
