"""The headless build: ``python -m pipeline build [--raw DIR] [--out DIR]`` (what ``make run`` calls).

It runs the same Dagster job as the UI (``build_all``: ``sources`` -> tables ->
checks -> ``release``), in this process, against the same persistent instance
(``DAGSTER_HOME``, default ``<repo>/.dagster_home``, created when missing with
telemetry off), so its runs and materializations show up in ``make ui``.

When nothing changed since its last successful build (the same source units,
code, data and settings, and ``latest`` still the release it made or kept), no
run is made at all: the outcome is "no new release" at the cost of listing the
sources. A missing or empty raw folder, or a release that would drop more than
half of the documents, fails (exit 1) with the reason and how to override
(``--allow-shrink``); nothing is published then.

``build_release(raw_dir, out_dir, instance=None, progress=True)`` is the same
as a function, for the evaluation and the benchmark.
"""

from __future__ import annotations

import argparse
import errno
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

from pipeline import atomic
from pipeline.defs.instance import default_dagster_home, open_instance
from pipeline.defs.jobs import BUILD_JOB_NAME
from pipeline.buildlock import BuildLocked, build_lock, clean_temporaries
from pipeline.defs.resources import DEFAULT_OUTPUT_DIR, DEFAULT_RAW_DIR, env_config, env_or
from pipeline.engine import progress as progress_mod
from pipeline.publish.datapackage import read_datapackage, table_row_counts

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # pipeline/


@dataclass
class BuildOutcome:
    success: bool
    run_id: str | None
    sources: int  # raw files built from
    added: int  # (kept for callers; always 0)
    deleted: int  # (kept for callers; always 0)
    published: bool = False
    version: str | None = None
    release_path: str | None = None
    reason: str = ""
    row_counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # failed steps and checks, in words
    seconds: float = 0.0
    locked: bool = False  # another build held the output folder: this one did nothing

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


@contextmanager
def _progress_bar(enabled: bool):
    if not enabled:
        yield
        return
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def listener(stage: str, done: int, total: int, chars: int) -> None:  # noqa: ARG001
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
            cause = root_cause(err)
            if cause and cause not in message:
                message = f"{message} (root cause: {cause})"
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


_NO_SPACE = ("No space left on device", "Disk quota exceeded", "File too large")


def _cause_text(message: str) -> str:
    text = (message or "").strip().splitlines()[0] if message and message.strip() else ""
    for marker in _NO_SPACE:
        if marker in (message or ""):
            return f"disk full (ENOSPC: {marker.lower()}): {text}" if "ENOSPC" not in text else text
    return text


def root_cause(err) -> str:
    """The innermost error of a Dagster ``SerializableErrorInfo`` chain (cause, then context), in one line.

    A full disk is named as such (``ENOSPC``) wherever it is in the chain."""
    chain, seen = [], set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        chain.append(err)
        err = getattr(err, "cause", None) or getattr(err, "context", None)
    for e in reversed(chain):  # a full disk anywhere in the chain is the root cause
        if any(m in (e.message or "") for m in _NO_SPACE):
            return _cause_text(e.message)
    return _cause_text(chain[-1].message) if len(chain) > 1 else ""


def root_cause_of_exception(exc: BaseException) -> str:
    """The innermost exception of a chain, in one line (a full disk named as ENOSPC)."""
    seen = set()
    while (exc.__cause__ or exc.__context__) is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"disk full (ENOSPC): {exc}"
    return _cause_text(f"{type(exc).__name__}: {exc}")


def _release_metadata(result) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key == dg.AssetKey("release"):
            return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return {}



# ---- the no-change shortcut ----------------------------------------------------

BUILD_STATE = "last_build.json"  # under <out>/work/: what the last successful build saw


def build_inputs_digest(units, config: dict) -> str:
    """SHA-256 of everything the tables and the release are made from.

    The units of every source (key and content hash), every source and data file of
    the ``pipeline`` package (the per-document stages, the tables, the checks, the
    release code) and the settings that reach the release (not ``workers``; with
    ``PIPELINE_PUBLISH_TEXT``).
    """
    h = hashlib.sha256()
    for u in units:
        h.update(f"unit\t{u.key}\t{u.sha256}\n".encode("utf-8"))
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
    atomic.write_text(_state_path(out), json.dumps(state))


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
    rows = table_row_counts(package)
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
    allow_shrink: bool = False,
    keep_releases: int | None = None,
) -> BuildOutcome:
    """Materialize the whole graph from ``raw_dir`` into ``out_dir`` (one run of ``build_all``).

    Uses ``instance`` or the persistent one of ``DAGSTER_HOME``. Holds the output
    folder's build lock (``pipeline.buildlock``) throughout: a second build on the
    same folder waits ``PIPELINE_BUILD_WAIT`` seconds, then returns ``locked``.
    Never raises for a failed run: the outcome says what failed (its root cause,
    e.g. a full disk, included). ``log_level`` is the level of the
    run log printed to the console (the instance keeps the whole log either way).
    """
    from pipeline.engine.build import RawFolderError, list_units

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    started = time.perf_counter()
    raw = Path(raw_dir).expanduser().resolve()
    out = Path(out_dir).expanduser().resolve()
    if not raw.is_dir():  # before any run: nothing to show in the UI but the reason
        try:
            list_units(raw, allow_empty=allow_shrink)
        except RawFolderError as exc:
            return BuildOutcome(False, None, 0, 0, 0, failures=[str(exc)], seconds=time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    if instance is None:  # the persistent instance, closed again when done
        with open_instance() as owned:
            return build_release(raw, out, instance=owned, progress=progress, workers=workers,
                                 log_level=log_level, allow_shrink=allow_shrink, keep_releases=keep_releases)
    try:
        with build_lock(out, on_wait=lambda m: print(m, file=sys.stderr)):
            clean_temporaries(out)  # left by a build killed mid-write (we hold the lock: none is running)
            try:
                return _build_locked(raw, out, instance, progress, workers, log_level, allow_shrink,
                                     keep_releases, started)
            except OSError as exc:  # e.g. a full disk outside the run (listing, state files)
                return BuildOutcome(False, None, 0, 0, 0, failures=[f"build stopped: {root_cause_of_exception(exc)}"],
                                    seconds=time.perf_counter() - started)
            finally:
                clean_temporaries(out, own=True)
    except BuildLocked as exc:
        return BuildOutcome(False, None, 0, 0, 0, failures=[str(exc)], locked=True)


def _build_locked(raw: Path, out: Path, instance, progress: bool, workers, log_level: str, allow_shrink: bool,
                  keep_releases, started: float) -> BuildOutcome:
    """``build_release`` while holding the output folder's build lock."""
    from pipeline.defs import build_defs
    from pipeline.engine.build import RawFolderError, list_units
    from pipeline.publish.catalog import repair_catalog

    try:
        repair_catalog(out)  # after a crash or full disk between the `latest` switch and the catalogue
    except OSError:
        pass  # the release step tries again
    try:  # listed once: the empty-folder guard, the change digest (units last read under an unreadable folder kept)
        units = list_units(raw, allow_shrink, out)
    except RawFolderError as exc:  # before any run: nothing to show in the UI but the reason
        return BuildOutcome(False, None, 0, 0, 0, failures=[str(exc)], seconds=time.perf_counter() - started)
    except OSError as exc:
        return BuildOutcome(False, None, 0, 0, 0, failures=[
            f"cannot list the raw folder {raw}: {exc.strerror or exc}; nothing was changed"])
    config = env_config(raw_dir=str(raw), output_dir=str(out), workers=workers, allow_shrink=allow_shrink,
                        keep_releases=keep_releases)
    files = len({u.key.split("#", 1)[0] for u in units})
    digest = build_inputs_digest(units, config)
    unchanged = unchanged_since_last_build(out, digest)
    if unchanged is not None:  # nothing to do: no run
        unchanged.sources = files
        unchanged.seconds = time.perf_counter() - started
        return unchanged
    forget_build(out)  # until this run succeeds
    job = build_defs().resolve_job_def(BUILD_JOB_NAME)
    with _progress_bar(progress):
        result = job.execute_in_process(
            run_config={
                "resources": {"pipeline": {"config": config}},
                "loggers": {"console": {"config": {"log_level": log_level}}},
            },
            instance=instance,
            tags={"pipeline/trigger": "headless"},
            raise_on_error=False,
        )
    outcome = BuildOutcome(success=result.success, run_id=result.run_id, sources=files, added=0, deleted=0,
                           seconds=time.perf_counter() - started)
    failures = _failures(result)
    if not result.success:
        outcome.failures = failures or [f"run {result.run_id} failed"]
        return outcome
    outcome.failures = failures  # non-blocking check warnings
    meta = _release_metadata(result)
    if meta:
        try:
            record_build(out, digest)
        except OSError as exc:  # the release is published; only the no-change shortcut is lost
            failures.append(f"the build state could not be saved ({root_cause_of_exception(exc)}); "
                            "the next build will check every document again")
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
    parser.add_argument("--allow-shrink", action="store_true",
                        help="publish even from an empty raw folder or when more than half of the previous "
                        "release's documents would be dropped (refused by default)")
    parser.add_argument("--keep", type=int, default=None,
                        help="release folders to keep (default: $PIPELINE_KEEP_RELEASES or 10; 0: all)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--verbose", action="store_true", help="print the whole run log (INFO), not only warnings")


def run(args: argparse.Namespace) -> int:
    print(f"DAGSTER_HOME={default_dagster_home()} (runs show up in `make ui`)", file=sys.stderr)
    outcome = build_release(args.raw, args.out, progress=not args.no_progress,
                            workers=args.workers, log_level="INFO" if args.verbose else "WARNING",
                            allow_shrink=args.allow_shrink, keep_releases=args.keep)
    if not outcome.success:
        print(outcome.summary(), file=sys.stderr)
        if outcome.locked:
            return 75  # EX_TEMPFAIL: try again later
        if outcome.run_id:
            print(f"see run {outcome.run_id} in the Dagster UI (make ui) for the full log", file=sys.stderr)
        return 1
    print(outcome.summary())
    for warning in outcome.failures:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
