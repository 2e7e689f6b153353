"""Growth of the fan-in with the corpus: peak RSS and wall time at 1x, 2x, 4x, 8x (issue 18).

A synthetic corpus repeats a ``.jsonl`` corpus (``xwlb.jsonl``) ``k`` times as
``copy-00.jsonl`` .. ``copy-<k-1>.jsonl``: copy 0 is the corpus unchanged, every
other copy gives each record a new ID (``<id>-c<k>``) and shuffles its sentences
(seeded, so the corpus is reproducible), so that every copy is a new set of
documents (a document's ID is the hash of its text) with the same names, firms and
figures, as a corpus that grows would have.

Subcommands (self-contained; ``python -m tooling.bench.growth <cmd> -h``):

* ``generate --corpus X --copies 8 --raw DIR``: write the synthetic corpus;
* ``sources --raw DIR --out OUT``: the per-document work (segmentation and
  extraction) of every copy, once (``engine.build.build_sources``);
* ``extend --raw DIR --out OUT --sources 0 1 --targets 2 3``: copies made from
  others *with* their stored results (new IDs, a marker line after each text),
  when the NLP of every copy cannot be afforded;
* ``replicate --out OUT --copies k --to OUTk``: a work folder for the first ``k``
  copies, hard links to ``OUT``'s per-unit files (no copy, no NLP again);
* ``fanin --out OUTk``: the fan-in (``engine.dataset.build_dataset``) in a child
  process, its peak RSS (sampled) and wall/CPU time per phase, as JSON;
* ``run --raw DIR --out OUTk``: the whole headless build (``python -m pipeline build``)
  in a child process, peak RSS of its process tree and wall time;
* ``compare A B``: the staged tables of two work folders, equal or where they differ.

No Dagster import here (``run`` starts the build as a command).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")


def shuffled_text(text: str, rng: random.Random) -> str:
    """The text's sentences (ending in 。！？!? or a line break) in a random order."""
    sentences = [s for s in SENTENCE_END.split(text) if s]
    rng.shuffle(sentences)
    return "".join(sentences)


def generate(corpus: Path, copies: int, raw_dir: Path, seed: int = 18) -> list[Path]:
    """Write ``copies`` copies of ``corpus`` into ``raw_dir`` (copy 0 unchanged); their paths."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    lines = [ln for ln in corpus.read_text(encoding="utf-8").splitlines() if ln.strip()]
    paths = []
    for k in range(copies):
        path = raw_dir / f"copy-{k:02d}.jsonl"
        rng = random.Random(seed * 1000 + k)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for line in lines:
                if k == 0:
                    fh.write(line + "\n")
                    continue
                record = json.loads(line)
                record["id"] = f"{record.get('id', '')}-c{k}"
                record["text"] = shuffled_text(record.get("text") or "", rng)
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def sources(raw_dir: Path, out: Path, workers: int) -> dict:
    """The per-document work of every unit of ``raw_dir`` into ``out``."""
    from pipeline.engine.build import build_sources

    started = time.perf_counter()
    outcome = build_sources(raw_dir, out, workers=workers, log=lambda m: print(m, flush=True))
    return {"units": outcome.units, "processed": outcome.processed, "chars": outcome.chars_processed,
            "seconds": round(time.perf_counter() - started, 1)}


REPLICA_SUFFIX = "\n〔复本〕"  # what a replicated copy's texts end with (no name, no number)


def extend(raw_dir: Path, out: Path, sources: list[int], targets: list[int]) -> int:
    """Copies ``targets`` of the corpus made from copies ``sources`` (one each) *with their per-document
    results*, for a machine that cannot afford the NLP of every copy: each record of the target
    copy is the source copy's record with a new ID and ``REPLICA_SUFFIX`` after its text (a new
    document: its ID is the hash of its text), and its stored results are the source record's
    (the suffix holds nothing to extract; every offset stays valid) under the new document ID,
    with the cache keys a build of it would write, so that a build finds them current."""
    import pyarrow as pa

    from pipeline.engine import stages
    from pipeline.engine.build import FileSummary, write_record, write_source_set
    from pipeline.ids import hash_ids, _key_columns, MENTION_ID_COLUMNS, METRIC_ID_COLUMNS
    from pipeline.ingest import list_sources, read_source
    from pipeline.records import Document, SourceError
    from pipeline.workdir import Workdir, records_to_table

    wd = Workdir(out)
    for src, dst in zip(sources, targets):
        with open(raw_dir / f"copy-{src:02d}.jsonl", encoding="utf-8") as fh, \
                open(raw_dir / f"copy-{dst:02d}.jsonl", "w", encoding="utf-8", newline="\n") as w:
            for line in fh:
                if not line.strip():
                    continue
                record = json.loads(line)
                base = str(record.get("id", "")).split("-c")[0]
                record["id"] = f"{base}-c{dst}"
                record["text"] = (record.get("text") or "") + REPLICA_SUFFIX
                w.write(json.dumps(record, ensure_ascii=False) + "\n")
    units = list_sources(raw_dir)
    by_file: dict[str, list] = {}
    for u in units:
        by_file.setdefault(stages.partition_of(u.key), []).append(u)
    made = 0
    for src, dst in zip(sources, targets):
        partition = f"copy-{dst:02d}.jsonl"
        summary = FileSummary(partition, stages.partition_hash(partition, [(u.key, u.sha256) for u in by_file[partition]]),
                              units=len(by_file[partition]))
        cache_keys = {}
        for s_unit, unit in zip(by_file[f"copy-{src:02d}.jsonl"], by_file[partition]):
            docs, errors = read_source(raw_dir, unit.key)
            key_doc = stages.cache_key(stages.DOCUMENTS, unit.sha256 or "missing")
            key_seg = stages.cache_key(stages.SEGMENTS, key_doc)
            key_ext = stages.cache_key(stages.EXTRACTIONS, key_seg)
            chars = sum(len(d.text) for d in docs)
            wd.write(stages.DOCUMENTS, unit.key, "documents", records_to_table(Document, docs), key_doc,
                     extra={"documents": len(docs), "chars": chars})
            wd.write(stages.DOCUMENTS, unit.key, "errors", records_to_table(SourceError, list(errors)), key_doc)
            wd.write(stages.SEGMENTS, unit.key, "tokens", wd.read(stages.SEGMENTS, s_unit.key, "tokens"), key_seg)
            new_id = docs[0].doc_id if docs else None
            for part in stages.PARTS[stages.EXTRACTIONS]:
                table = wd.read(stages.EXTRACTIONS, s_unit.key, part).replace_schema_metadata(None)
                if new_id is not None and "doc_id" in table.column_names and table.num_rows:
                    table = table.set_column(table.column_names.index("doc_id"), "doc_id",
                                             pa.array([new_id] * table.num_rows, pa.string()))
                    for column, prefix, keys in (("mention_id", "men_", MENTION_ID_COLUMNS),
                                                 ("metric_id", "met_", METRIC_ID_COLUMNS)):
                        if column in table.column_names:
                            ids = hash_ids(prefix, *_key_columns(table, keys))
                            table = table.set_column(table.column_names.index(column), column, pa.array(ids, pa.string()))
                wd.write(stages.EXTRACTIONS, unit.key, part, table, key_ext)
            cache_keys[unit.key] = key_ext
            summary.documents += len(docs)
            summary.chars += chars
            summary.errors.extend({"line": e.line, "reason": e.reason} for e in errors)
            made += 1
        wd.write_manifest(partition, [(u.key, u.sha256) for u in by_file[partition]])
        write_record(wd, partition, cache_keys, summary)
    done = {stages.partition_of(k) for k, _ in json.loads((wd.root / "sources.json").read_text())["units"]} \
        if (wd.root / "sources.json").exists() else set()
    done |= {f"copy-{k:02d}.jsonl" for k in [*sources, *targets]}
    write_source_set(wd, [u for u in units if stages.partition_of(u.key) in done])
    stages.compact(wd, [u.key for u in units])  # into chunks, as a build leaves its results
    return made


def replicate(out: Path, copies: int, to: Path) -> int:
    """A work folder at ``to`` for the first ``copies`` copy files of ``out``: hard links, a filtered source set."""
    from pipeline.engine import stages
    from pipeline.workdir import Workdir, safe_name

    src, dst = Workdir(out), Workdir(to)
    units = json.loads((src.root / "sources.json").read_text(encoding="utf-8"))["units"]
    wanted = {f"copy-{k:02d}.jsonl" for k in range(copies)}
    keep = [[k, h] for k, h in units if stages.partition_of(k) in wanted]
    linked = 0
    for stage in stages.STAGES:
        (dst.root / stage).mkdir(parents=True, exist_ok=True)
        for key, _ in keep:
            for part in stages.PARTS[stage]:
                a, b = src.path(stage, key, part), dst.path(stage, key, part)
                if a.exists() and not b.exists():
                    os.link(a, b)
                    linked += 1
    for stage in stages.STAGES:  # the chunks whole: the dataset step drops the other copies' units
        folder = src.chunks(stage).folder
        for a in folder.rglob("*") if folder.is_dir() else []:  # chunk files and index shards
            b = dst.chunks(stage).folder / a.relative_to(folder)
            if a.is_file() and not a.name.startswith(".") and not b.exists():
                b.parent.mkdir(parents=True, exist_ok=True)
                os.link(a, b)
                linked += 1
    for partition in sorted(wanted):
        for folder in ("partitions", "extracted"):
            a = src.root / folder / f"{safe_name(partition)}.json"
            if a.exists():
                (dst.root / folder).mkdir(parents=True, exist_ok=True)
                b = dst.root / folder / a.name
                if not b.exists():
                    os.link(a, b)
    if (src.root / "format.json").exists() and not (dst.root / "format.json").exists():
        os.link(src.root / "format.json", dst.root / "format.json")
    (dst.root / "sources.json").write_text(json.dumps({"units": keep}, ensure_ascii=False), encoding="utf-8")
    return linked


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure_command(cmd: list[str], env: dict | None = None, interval: float = 0.05) -> dict:
    """Run ``cmd``; its wall time, CPU time (children) and the peak summed RSS of its process tree."""
    import psutil

    started = time.perf_counter()
    started_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    before = os.times()
    child = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc = psutil.Process(child.pid)
    peak = 0
    timeline: list[list] = []  # [seconds since start, RSS MB of the tree], at most one a second
    chunks: list[bytes] = []
    reader = __import__("threading").Thread(target=lambda: chunks.extend(iter(lambda: child.stdout.read(65536), b"")),
                                            daemon=True)
    reader.start()
    while child.poll() is None:
        rss = _tree_rss(proc)
        peak = max(peak, rss)
        now = time.perf_counter() - started
        if not timeline or now - timeline[-1][0] >= 1.0:
            timeline.append([round(now, 1), round(rss / 2**20)])
        time.sleep(interval)
    reader.join()
    output = b"".join(chunks).decode("utf-8", "replace")
    after = os.times()
    return {
        "rc": child.returncode, "started_at": started_at, "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round((after.children_user - before.children_user) + (after.children_system - before.children_system), 2),
        "peak_rss_mb": round(peak / 2**20), "timeline": timeline, "output": output[-20000:],
    }


class PhaseRss:
    """A background sampler of this process's RSS; ``mark(name)`` starts a phase, ``peaks`` holds each one's peak."""

    def __init__(self, interval: float = 0.02):
        import threading

        import psutil

        self._proc = psutil.Process(os.getpid())
        self._interval = interval
        self._phase = "start"
        self.peaks: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.arrow_mb: dict[str, int] = {}  # Arrow memory in use as each phase starts
        self.held_mb: dict[str, int] = {}  # RSS as each phase starts after a collection and trim (GROWTH_TRIM=1)
        self._since = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        rss = self._proc.memory_info().rss
        if rss > self.peaks.get(self._phase, 0):
            self.peaks[self._phase] = rss

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def mark(self, name: str) -> None:
        self._sample()
        now = time.perf_counter()
        self.seconds[self._phase] = self.seconds.get(self._phase, 0.0) + now - self._since
        self._phase, self._since = name, now
        import pyarrow as pa

        self.arrow_mb[name] = round(pa.total_allocated_bytes() / 2**20)
        if os.environ.get("GROWTH_RELEASE"):  # what returning the pool's unused memory at each phase would save
            pa.default_memory_pool().release_unused()
        if os.environ.get("GROWTH_TRIM"):  # what is still held as the phase starts (freed memory returned)
            import ctypes
            import gc

            gc.collect()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            self.held_mb[name] = round(self._proc.memory_info().rss / 2**20)
        self._sample()

    def stop(self) -> None:
        self.mark("end")
        self._stop.set()
        self._thread.join()


_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) [+\d]+ - dagster - \w+ - \S+ - \S+ - (\w+) - (.{0,80})")


def step_times(log: str) -> list[list[str]]:
    """(time, step, message) of each line a step logged (to place the RSS timeline: ``started_at``)."""
    return [list(m.groups()) for m in map(_LOG_LINE.match, log.splitlines()) if m]


def fanin_child(out: Path) -> dict:
    """In this process: the fan-in of ``out``, with the peak RSS and time of each of its phases."""
    import pyarrow as pa

    from pipeline import tables as tables_module
    from pipeline.engine import dataset

    rss = PhaseRss()
    tables_module.PHASE_HOOK = rss.mark
    started = time.perf_counter()
    cpu = time.process_time()
    with dataset.gc_paused():
        tables = dataset.build_dataset(out, log=lambda m: None)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    rss.stop()
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(max(rss.peaks.values()) / 2**20),
            "phase_peak_mb": {k: round(v / 2**20) for k, v in rss.peaks.items()},
            "phase_s": {k: round(v, 2) for k, v in rss.seconds.items()},
            "arrow_mb_at_start": rss.arrow_mb, "held_mb_at_start": rss.held_mb, "arrow_pool": pa.default_memory_pool().backend_name,
            "rows": {k: t.num_rows for k, t in tables.items()}}


def compare(a: Path, b: Path) -> list[str]:
    """Where the staged tables of two output folders differ (empty: every table equal)."""
    import pyarrow.parquet as pq

    from pipeline.engine.dataset import TABLE_NAMES
    from pipeline.workdir import Workdir

    diffs = []
    for name in TABLE_NAMES:
        ta, tb = (pq.read_table(Workdir(x).table_path(name)) for x in (a, b))
        if not ta.equals(tb):
            diffs.append(f"{name}: {ta.num_rows} vs {tb.num_rows} rows, differ")
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.bench.growth", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("generate")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--copies", type=int, default=8)
    p.add_argument("--raw", type=Path, required=True)
    p = sub.add_parser("sources")
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--workers", type=int, default=1)
    p = sub.add_parser("extend")
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--sources", type=int, nargs="+", required=True)
    p.add_argument("--targets", type=int, nargs="+", required=True)
    p = sub.add_parser("replicate")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--copies", type=int, required=True)
    p.add_argument("--to", type=Path, required=True)
    p = sub.add_parser("fanin")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p = sub.add_parser("run")
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--workers", type=int, default=1)
    p = sub.add_parser("compare")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "generate":
        for path in generate(args.corpus, args.copies, args.raw):
            print(path)
    elif args.cmd == "sources":
        print(json.dumps(sources(args.raw, args.out, args.workers)))
    elif args.cmd == "extend":
        print(f"{extend(args.raw, args.out, args.sources, args.targets)} unit(s) replicated")
    elif args.cmd == "replicate":
        print(f"{replicate(args.out, args.copies, args.to)} file(s) linked into {args.to}")
    elif args.cmd == "fanin":
        if args.child:
            print("RESULT " + json.dumps(fanin_child(args.out)), flush=True)
            return 0
        # the child runs this file as a script, so that PYTHONPATH chooses the pipeline measured (another checkout's too)
        result = measure_command([sys.executable, str(Path(__file__).resolve()), "fanin", "--child", "--out", str(args.out)])
        inner = next((json.loads(ln[7:]) for ln in result["output"].splitlines() if ln.startswith("RESULT ")), None)
        result.pop("output") if inner else None
        print(json.dumps({**result, "inner": inner}, ensure_ascii=False))
        return result["rc"]
    elif args.cmd == "run":
        result = measure_command([sys.executable, "-m", "pipeline", "build", "--raw", str(args.raw), "--out",
                                  str(args.out), "--workers", str(args.workers), "--no-progress", "--verbose"])
        result["steps"] = step_times(result.pop("output"))
        print(json.dumps(result, ensure_ascii=False))
        return result["rc"]
    elif args.cmd == "compare":
        diffs = compare(args.a, args.b)
        print("\n".join(diffs) or "every table equal")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
