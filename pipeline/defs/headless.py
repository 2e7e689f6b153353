"""The headless build: ``python -m pipeline build [--raw DIR] [--out DIR]`` (what ``make run`` calls).

It runs the same Dagster job as the UI (``build_all``) against the same
persistent instance (``DAGSTER_HOME``, default ``<repo>/.dagster_home``,
created when missing), so its runs, partitions and materializations show up in
``make ui``:

1. list the sources of the raw folder; register a partition for each new one
   and delete the partitions of removed ones;
2. execute ``build_all`` in this process over the range of the partitions
   that are new, changed, or were made by other code (single-run backfill:
   each per-document asset is one step looping over their documents, skipping
   those whose stored result is current), then the tables, their checks and
   the release; when every document is current, only the tables, checks and
   release run; when, besides, nothing changed since the last successful build
   (the same sources, code, data and settings, and ``latest`` still the release
   it made or kept), no run is made at all: the tables would be the same, so
   the outcome is "no new release" at the cost of listing the sources;
3. print the release path and row counts per table (or why no release was
   made), or the failed steps/checks and exit non-zero.

``build_release(raw_dir, out_dir, instance=None, progress=True)`` is the same
as a function, for the evaluation and the benchmark.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import dagster as dg

from pipeline.defs import progress as progress_mod
from pipeline.defs.jobs import BUILD_JOB_NAME, UNPARTITIONED_ASSETS
from pipeline.defs.partitions import SOURCES_PARTITIONS_NAME, SourcePlan
from pipeline.defs.stages import shutdown_pool, stale_partitions
from pipeline.defs.resources import DEFAULT_OUTPUT_DIR, DEFAULT_RAW_DIR, env_config, env_or

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # pipeline/


@dataclass
class BuildOutcome:
    success: bool
    run_id: str | None
    sources: int  # source partitions after registration
    added: int  # partitions added by this build
    deleted: int  # partitions deleted by this build
    published: bool = False
    version: str | None = None
    release_path: str | None = None
    reason: str = ""
    row_counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # failed steps and checks, in words
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.success:
            return "build FAILED:\n" + "\n".join(f"  - {f}" for f in self.failures)
        head = (
            f"new release {self.version}: {self.release_path}"
            if self.published
            else f"no new release ({self.reason})" + (f"; latest is {self.version}: {self.release_path}" if self.version else "")
        )
        width = max((len(n) for n in self.row_counts), default=0)
        rows = "\n".join(f"  {n:<{width}}  {c:>8,}" for n, c in self.row_counts.items())
        return f"{head}\nrows per table:\n{rows}\n({self.sources} source file(s), {self.seconds:.1f} s)"


def default_dagster_home() -> Path:
    """``$DAGSTER_HOME`` if set, else ``<repo>/.dagster_home`` (the repo of this checkout)."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if home:
        return Path(home).expanduser().resolve()
    root = REPO_ROOT if (REPO_ROOT / "pyproject.toml").exists() else Path.cwd()
    return (root / ".dagster_home").resolve()


DEFAULT_INSTANCE_YAML = """\
# Written by `python -m pipeline build` for the project's own instance folder.
# Local SQLite storage under this folder (Dagster's default); no usage statistics sent.
telemetry:
  enabled: false
"""


def open_instance() -> dg.DagsterInstance:
    """The persistent instance of ``DAGSTER_HOME`` (absolute; created when missing).

    In the project's own folder (``<repo>/.dagster_home``) a missing ``dagster.yaml``
    is written with telemetry off; a user's own ``DAGSTER_HOME`` is left as it is.
    """
    home = default_dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if home == (REPO_ROOT / ".dagster_home").resolve() and not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DEFAULT_INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


@contextmanager
def _progress_bar(enabled: bool):
    if not enabled:
        yield
        return
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def listener(stage: str, done: int, total: int, chars: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:<20}", unit="doc", file=sys.stderr, leave=True)
        bar.n = done
        bar.set_postfix_str(f"{chars:,} chars", refresh=False)
        bar.refresh()
        if done >= total:
            bar.close()

    progress_mod.add_listener(listener)
    try:
        yield
    finally:
        progress_mod.remove_listener(listener)
        for bar in bars.values():
            bar.close()


def _failures(result) -> list[str]:
    out = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error if event.event_specific_data else None
            message = err.message.strip().splitlines()[0] if err and err.message else "failed"
            out.append(f"step {event.step_key} failed: {message}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if ev is not None and not ev.passed:
                sev = getattr(ev.severity, "value", str(ev.severity))
                desc = ev.description or ""
                meta = ev.metadata or {}
                detail = desc or "; ".join(f"{k}={getattr(v, 'value', v)}" for k, v in list(meta.items())[:3])
                out.append(f"check {ev.asset_key.to_user_string()}:{ev.check_name} failed ({sev}): {detail}")
    return out


def _release_metadata(result) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key == dg.AssetKey("release"):
            return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return {}



# ---- the no-change shortcut ----------------------------------------------------

BUILD_STATE = "last_build.json"  # under <out>/work/: what the last successful build saw


def build_inputs_digest(plan: SourcePlan, config: dict) -> str:
    """SHA-256 of everything the tables and the release are made from, when every document is current.

    The units of every source (key and content hash), every source and data file of
    the ``pipeline`` package (the per-document stages, the tables, the checks, the
    release code) and the settings that reach the release (not ``workers``; with
    ``PIPELINE_PUBLISH_TEXT``).
    """
    h = hashlib.sha256()
    for partition in plan.ordered:
        for key, sha in plan.grouped[partition]:
            h.update(f"unit\t{key}\t{sha}\n".encode("utf-8"))
    h.update(package_version().encode())
    settings = {k: v for k, v in config.items() if k != "workers"}
    from pipeline.rights import publish_text_policy  # read by publish_release from the environment

    settings["publish_text"] = publish_text_policy()
    h.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


@lru_cache(maxsize=1)
def package_version() -> str:
    """SHA-256 of every source and data file of the ``pipeline`` package (this process's code)."""
    h = hashlib.sha256()
    for f in sorted(PACKAGE_DIR.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
            h.update(str(f.relative_to(PACKAGE_DIR)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _latest_release(out: Path) -> tuple[str, Path, dict] | None:
    """(version, folder, datapackage) of ``<out>/latest``, or None."""
    from pipeline.publish.datapackage import read_datapackage

    latest = out / "latest"
    if not latest.is_dir():
        return None
    folder = Path(os.path.realpath(latest))
    package = read_datapackage(folder)
    if not package or not package.get("fingerprint"):
        return None
    return folder.name, folder, package


def _state_path(out: Path) -> Path:
    return out / "work" / BUILD_STATE


def record_build(out: Path, digest: str) -> None:
    """Remember, after a successful build, its inputs and the release ``latest`` is on."""
    latest = _latest_release(out)
    if latest is None:
        return
    state = {"inputs": digest, "version": latest[0], "fingerprint": latest[2]["fingerprint"]}
    path = _state_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)


def forget_build(out: Path) -> None:
    _state_path(out).unlink(missing_ok=True)


def unchanged_since_last_build(out: Path, digest: str) -> BuildOutcome | None:
    """The "no new release" outcome when the inputs equal the last successful build's, else None."""
    try:
        state = json.loads(_state_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    latest = _latest_release(out)
    if latest is None or state.get("inputs") != digest:
        return None
    version, folder, package = latest
    if state.get("version") != version or state.get("fingerprint") != package.get("fingerprint"):
        return None
    rows = {
        r["name"]: int(r["rows"])
        for r in package.get("resources", [])
        if r.get("type") == "table" and r.get("format") != "parquet" and r.get("rows") is not None
    }
    return BuildOutcome(
        success=True, run_id=None, sources=0, added=0, deleted=0, published=False,
        version=version, release_path=str(folder),
        reason=f"unchanged: no source, code or setting changed since the build that made or kept release {version}",
        row_counts=rows,
    )


def build_release(
    raw_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    instance: dg.DagsterInstance | None = None,
    progress: bool = True,
    workers: int | None = None,
    log_level: str = "WARNING",
) -> BuildOutcome:
    """Register the sources of ``raw_dir`` and materialize the whole graph into ``out_dir``.

    Uses ``instance`` or the persistent one of ``DAGSTER_HOME``. Never raises for a
    failed run: the outcome says what failed. ``log_level`` is the level of the
    run log printed to the console (the instance keeps the whole log either way).
    """
    from pipeline.defs import build_defs
    from pipeline.ingest import list_sources

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    started = time.perf_counter()
    raw = Path(raw_dir).expanduser().resolve()
    out = Path(out_dir).expanduser().resolve()
    if not raw.is_dir():
        return BuildOutcome(False, None, 0, 0, 0, failures=[f"raw folder {raw} does not exist"])
    out.mkdir(parents=True, exist_ok=True)
    if instance is None:  # the persistent instance, closed again when done
        with open_instance() as owned:
            return build_release(raw, out, instance=owned, progress=progress, workers=workers, log_level=log_level)

    plan = SourcePlan(list_sources(raw), instance.get_dynamic_partitions(SOURCES_PARTITIONS_NAME))
    plan.apply(instance)
    for key in plan.invalid:
        print(f"warning: source {key!r} skipped: not a valid partition key", file=sys.stderr)

    config = env_config(raw_dir=str(raw), output_dir=str(out), workers=workers)
    tags = {"pipeline/trigger": "headless"}
    selection = None
    stale = stale_partitions(out, {p: plan.grouped[p] for p in plan.ordered})
    digest = build_inputs_digest(plan, config)
    if stale:
        tags.update(plan.range_tags(stale))
    else:
        unchanged = unchanged_since_last_build(out, digest)
        if unchanged is not None:  # nothing to do: no run
            unchanged.sources = len(plan.ordered)
            unchanged.added, unchanged.deleted = len(plan.add), len(plan.delete)
            unchanged.seconds = time.perf_counter() - started
            return unchanged
        selection = UNPARTITIONED_ASSETS  # every document is current: rebuild tables and release only
    forget_build(out)  # until this run succeeds
    job = build_defs().resolve_job_def(BUILD_JOB_NAME)
    try:
        with _progress_bar(progress):
            result = job.execute_in_process(
                run_config={
                    "resources": {"pipeline": {"config": config}},
                    "loggers": {"console": {"config": {"log_level": log_level}}},
                },
                instance=instance,
                tags=tags,
                asset_selection=selection,
                raise_on_error=False,
            )
    finally:
        shutdown_pool()  # one worker pool per run, shared by its steps; none left behind
    outcome = BuildOutcome(
        success=result.success,
        run_id=result.run_id,
        sources=len(plan.ordered),
        added=len(plan.add),
        deleted=len(plan.delete),
        seconds=time.perf_counter() - started,
    )
    failures = _failures(result)
    if not result.success:
        outcome.failures = failures or [f"run {result.run_id} failed"]
        return outcome
    outcome.failures = failures  # non-blocking check warnings
    meta = _release_metadata(result)
    if meta:
        record_build(out, digest)
    outcome.published = bool(meta.get("published"))
    outcome.version = meta.get("version") or None
    outcome.release_path = meta.get("path") or None
    outcome.reason = str(meta.get("reason", ""))
    outcome.row_counts = {k[len("rows_"):]: int(v) for k, v in meta.items() if k.startswith("rows_")}
    return outcome


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", default=env_or("PIPELINE_RAW_DIR", DEFAULT_RAW_DIR),
                        help="folder of raw articles (default: $PIPELINE_RAW_DIR or raw/)")
    parser.add_argument("--out", default=env_or("PIPELINE_OUTPUT_DIR", DEFAULT_OUTPUT_DIR),
                        help="output folder (default: $PIPELINE_OUTPUT_DIR or outputs/)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for per-document work (default: $PIPELINE_WORKERS or one per core)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--verbose", action="store_true", help="print the whole run log (INFO), not only warnings")


def run(args: argparse.Namespace) -> int:
    print(f"DAGSTER_HOME={default_dagster_home()} (runs show up in `make ui`)", file=sys.stderr)
    outcome = build_release(args.raw, args.out, progress=not args.no_progress,
                            workers=args.workers, log_level="INFO" if args.verbose else "WARNING")
    if not outcome.success:
        print(outcome.summary(), file=sys.stderr)
        print(f"see run {outcome.run_id} in the Dagster UI (make ui) for the full log", file=sys.stderr)
        return 1
    print(outcome.summary())
    for warning in outcome.failures:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
