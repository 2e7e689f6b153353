"""Measuring instruments for the benchmark: corpus slices, peak memory, the jieba peer.

* :func:`load_corpus` / :func:`write_slice` read the benchmark corpus (a
  ``.jsonl`` of ``{"id", "text", ...}`` records) and write its first fraction
  into a raw folder as one ``.jsonl`` file, one record a line, unchanged.
* :class:`PeakRss` samples, on a background thread, the resident set size of
  this process and all of its descendants (``psutil``; the list of descendants
  refreshed every 0.2 s) and keeps the peak of their sum per phase. Summed
  RSS counts pages shared between a parent and its forked workers once per
  process, so it over- rather than under-estimates.
* :func:`jieba_posseg_throughput` runs bare ``jieba.posseg.cut`` (default
  dictionary, HMM on, what a user's own script would do) over the same texts
  in one fresh child process, timing only the cutting (dictionary loading is
  excluded), and returns characters per second.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class CorpusRecord:
    line: str  # the raw JSON line, written back unchanged
    text: str


def load_corpus(path: Path) -> list[CorpusRecord]:
    """Every record of a ``.jsonl`` corpus with a non-empty ``text``, in file order."""
    records: list[CorpusRecord] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            text = obj.get("text") or ""
            if text.strip():
                records.append(CorpusRecord(line, text))
    return records


def take_fraction(records: list[CorpusRecord], fraction: float) -> list[CorpusRecord]:
    """The first ``fraction`` of the records (at least one)."""
    n = max(1, round(len(records) * fraction))
    return records[:n]


def write_slice(records: list[CorpusRecord], raw_dir: Path, name: str = "corpus.jsonl") -> Path:
    """Write the records into ``raw_dir/name``, one JSON line each; return the path."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    path = raw_dir / name
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(rec.line + "\n")
    return path


class PeakRss:
    """Background sampler of the process tree's summed RSS; ``phase()`` gives each phase's peak.

    The sampler runs inside the measured process and its CPU time counts as the
    build's, so it is kept cheap: the RSS of the known processes is read every
    ``interval`` (one small ``/proc`` read each), the list of descendants (a scan
    of every process of the machine, ~2 ms) only every ``rescan`` seconds and at
    the start and end of each phase.
    """

    def __init__(self, interval: float = 0.1, rescan: float = 0.2):
        self.interval = interval
        self.rescan = rescan
        self._proc = psutil.Process(os.getpid())
        self._procs: list[psutil.Process] = [self._proc]
        self._scanned = 0.0
        self._peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="peak-rss", daemon=True)
        self.peaks: dict[str, int] = {}

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self, rescan: bool = False) -> None:
        now = time.monotonic()
        if rescan or now - self._scanned >= self.rescan:
            try:
                self._procs = [self._proc, *self._proc.children(recursive=True)]
            except psutil.Error:
                self._procs = [self._proc]
            self._scanned = now
        rss = 0
        for p in self._procs:
            try:
                rss += p.memory_info().rss
            except psutil.Error:  # exited since the last scan
                pass
        with self._lock:
            if rss > self._peak:
                self._peak = rss

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def phase(self, name: str):
        """Record the peak summed RSS seen while the ``with`` body runs as ``peaks[name]``."""
        with self._lock:
            self._peak = 0
        self._sample(rescan=True)
        try:
            yield
        finally:
            self._sample(rescan=True)
            with self._lock:
                self.peaks[name] = self._peak


def _posseg_worker(path: str, conn) -> None:
    import logging

    import jieba
    import jieba.posseg

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [json.loads(line)["text"] for line in open(path, encoding="utf-8") if line.strip()]
    chars = sum(len(t) for t in texts)
    start, cpu0 = time.perf_counter(), time.process_time()
    words = 0
    for text in texts:
        for _pair in jieba.posseg.cut(text):
            words += 1
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    conn.send({"chars": chars, "seconds": seconds, "cpu_seconds": cpu, "words": words})
    conn.close()


def jieba_posseg_throughput(corpus_slice: Path) -> dict:
    """Bare ``jieba.posseg.cut`` over the texts of ``corpus_slice`` in one fresh process.

    Returns ``{"chars", "seconds", "cpu_seconds", "words", "chars_per_second"}``.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_posseg_worker, args=(str(corpus_slice), child), name="jieba-posseg-peer")
    proc.start()
    child.close()
    result = parent.recv()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"jieba.posseg baseline process exited with {proc.exitcode}")
    result["chars_per_second"] = result["chars"] / result["seconds"] if result["seconds"] else 0.0
    return result
