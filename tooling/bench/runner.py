"""One benchmark point: build a release from a fraction of the corpus, then rebuild incrementally.

:func:`bench_fraction` writes the first fraction of the corpus into a temp raw
folder, builds a release with ``pipeline.defs.headless.build_release`` on a
fresh ``DAGSTER_HOME`` and output folder, and measures the wall time, the peak
RSS of the process tree, the time of each Dagster step (read back from the
instance's event log) and, in a fresh child process, bare
``jieba.posseg.cut`` over the same texts. It then adds one new document (the
project's sample article, ``raw/hangzhou_deepseek.txt``, or a held-out corpus
record when that is missing) and times the incremental rebuild to a new
release, and finally a rebuild with no change (which must publish nothing).
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from tooling.bench.measure import (
    CorpusRecord,
    PeakRss,
    jieba_posseg_throughput,
    take_fraction,
    write_slice,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ARTICLE = ROOT / "raw" / "hangzhou_deepseek.txt"


def _outcome_summary(outcome) -> dict:
    """The scalar fields of a ``BuildOutcome`` (whatever its exact shape), for the report."""
    if outcome is None:
        return {}
    if dataclasses.is_dataclass(outcome):
        items = dataclasses.asdict(outcome).items()
    else:
        items = getattr(outcome, "__dict__", {}).items()
    out = {}
    for key, value in items:
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif isinstance(value, Path):
            out[key] = str(value)
        elif isinstance(value, dict) and all(isinstance(v, (int, float, str)) for v in value.values()):
            out[key] = value
    return out


def _releases(out_dir: Path) -> list[str]:
    rel = out_dir / "releases"
    return sorted(p.name for p in rel.iterdir() if p.is_dir()) if rel.exists() else []


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _written_since(out_dir: Path, since: float) -> dict[str, int]:
    """Per-document files (re)written after ``since`` (epoch s), per asset folder of ``work/``."""
    work = out_dir / "work"
    counts: dict[str, int] = {}
    if not work.is_dir():
        return counts
    for folder in sorted(p for p in work.iterdir() if p.is_dir() and p.name != "tables"):
        stems = {f.name.rsplit(".", 2)[0] for f in folder.glob("*.parquet") if f.stat().st_mtime >= since}
        counts[folder.name] = len(stems)
    return counts


def _timed_build(build_release, instance, raw_dir: Path, out_dir: Path, progress: bool, sampler: PeakRss, phase: str):
    from tooling.bench import runstats

    before = set(runstats.run_ids(instance))
    load_before = os.getloadavg()[0]
    with sampler.phase(phase):
        epoch, cpu0, start = time.time(), _cpu_seconds(), time.perf_counter()
        outcome = build_release(raw_dir, out_dir, instance=instance, progress=progress)
        wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu0
    new_runs = [r for r in runstats.run_ids(instance) if r not in before]
    runs = runstats.run_summaries(instance, new_runs)
    starts = [r["start_time"] for r in runs if r.get("start_time")]
    ends = [r["end_time"] for r in runs if r.get("end_time")]
    return {
        # before the first run started: listing sources, registering partitions, loading the
        # definitions, creating the run (one planned-materialization event per partition and asset)
        "before_run_s": (min(starts) - epoch) if starts else None,
        "after_run_s": (epoch + wall - max(ends)) if ends else None,
        "wall_s": wall,
        "cpu_s": cpu,
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "partitions_written": _written_since(out_dir, epoch - 1.0),
        "peak_rss_bytes": sampler.peaks[phase],
        "stages_s": runstats.step_seconds(instance, new_runs),
        "runs": runs,
        "outcome": _outcome_summary(outcome),
        "raw_outcome": outcome,
        "releases": _releases(out_dir),
    }


def bench_fraction(
    records: list[CorpusRecord],
    fraction: float,
    *,
    work_base: Path | None = None,
    keep: bool = False,
    progress: bool = False,
    baseline: bool = True,
    incremental: bool = True,
) -> dict:
    """Measure one fraction of the corpus; returns the result dict (see ``tooling.bench``)."""
    from tooling.bench import runstats
    from pipeline.defs.headless import build_release

    chosen = take_fraction(records, fraction)
    chars = sum(len(r.text) for r in chosen)
    base = Path(tempfile.mkdtemp(prefix=f"bench-{fraction:g}-", dir=work_base))
    raw_dir, out_dir, home = base / "raw", base / "out", base / "dagster_home"
    corpus_file = write_slice(chosen, raw_dir)
    result: dict = {
        "fraction": fraction,
        "documents": len(chosen),
        "chars": chars,
        "work_dir": str(base) if keep else None,
    }
    old_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)  # for any process the build spawns
    try:
        if baseline:
            peer = jieba_posseg_throughput(corpus_file)
            result["jieba_posseg_chars_per_second"] = peer["chars_per_second"]
            result["jieba_posseg_s"] = peer["seconds"]
            result["jieba_posseg_cpu_s"] = peer["cpu_seconds"]
        instance = runstats.open_instance(home)
        with PeakRss() as sampler:
            full = _timed_build(build_release, instance, raw_dir, out_dir, progress, sampler, "full")
            result.update(
                wall_s=full["wall_s"],
                chars_per_second=chars / full["wall_s"],
                peak_rss_bytes=full["peak_rss_bytes"],
                cpu_s=full["cpu_s"],
                load_avg_1m=full["load_avg_1m"],
                stages_s=full["stages_s"],
                before_run_s=full["before_run_s"],
                runs=full["runs"],
                build=full["outcome"],
            )
            if baseline:
                result["ratio"] = result["chars_per_second"] / result["jieba_posseg_chars_per_second"]
                # CPU seconds per character relative to the peer: robust to other load on the machine
                result["cpu_ratio"] = peer["cpu_seconds"] / full["cpu_s"] if full["cpu_s"] else None
            if not full["outcome"].get("success", True):
                result["failed"] = list(getattr(full["raw_outcome"], "failures", []) or ["build failed"])
            elif incremental:
                new_doc = _add_one_document(raw_dir, records, len(chosen))
                inc = _timed_build(build_release, instance, raw_dir, out_dir, progress, sampler, "incremental")
                noop = _timed_build(build_release, instance, raw_dir, out_dir, progress, sampler, "noop")
                result.update(
                    incremental_document=new_doc,
                    incremental_wall_s=inc["wall_s"],
                    incremental_ratio=inc["wall_s"] / full["wall_s"],
                    incremental_stages_s=inc["stages_s"],
                    incremental_before_run_s=inc["before_run_s"],
                    incremental_peak_rss_bytes=inc["peak_rss_bytes"],
                    incremental_partitions_written=inc["partitions_written"],
                    incremental_load_avg_1m=inc["load_avg_1m"],
                    incremental_new_release=len(inc["releases"]) > len(full["releases"]),
                    noop_wall_s=noop["wall_s"],
                    noop_partitions_written=noop["partitions_written"],
                    noop_new_release=len(noop["releases"]) > len(inc["releases"]),
                    releases=noop["releases"],
                )
                for name, phase in (("incremental", inc), ("no-change", noop)):
                    if not phase["outcome"].get("success", True):
                        failures = getattr(phase["raw_outcome"], "failures", []) or ["build failed"]
                        result.setdefault("failed", []).extend(f"{name} rebuild: {f}" for f in failures)
        instance.dispose()
    finally:
        if old_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old_home
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    return result


def _add_one_document(raw_dir: Path, records: list[CorpusRecord], used: int) -> str:
    """Drop one new document into ``raw_dir``; return its file name."""
    if SAMPLE_ARTICLE.exists():
        target = raw_dir / f"new_{SAMPLE_ARTICLE.name}"
        shutil.copyfile(SAMPLE_ARTICLE, target)
        return target.name
    # a held-out record, or (for the whole corpus) the first one re-dated so its text is new
    text = records[used].text if used < len(records) else records[0].text + "\n（重播）"
    target = raw_dir / "new_document.txt"
    target.write_text(text, encoding="utf-8")
    return target.name
