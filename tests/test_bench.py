"""The benchmark harness (``python -m tooling bench``): its instruments and its JSON.

The numbers themselves are measured by ``make bench`` (docs/BENCHMARKS-scale.md),
not asserted here; these tests check that the harness measures what it says:
the corpus slice, the peak RSS of the whole process tree, and a complete run
on a tiny corpus made from the sample article (full build, incremental build
that publishes, no-change build that does not).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tooling.bench.measure import PeakRss, load_corpus, take_fraction, write_slice
from tooling.bench.report import KEYS, json_payload, scaling_exponent
from conftest import REPO, SAMPLE



def _tiny_corpus(path: Path, n: int = 4) -> list[str]:
    """``n`` records cut from the sample article's paragraphs."""
    paras = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 40]
    texts = ["\n".join(paras[i::n]) for i in range(n)]
    with open(path, "w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": f"t{i}", "text": text}, ensure_ascii=False) + "\n")
    return texts


def test_fraction_slice_keeps_lines_and_order(tmp_path):
    texts = _tiny_corpus(tmp_path / "c.jsonl")
    records = load_corpus(tmp_path / "c.jsonl")
    assert [r.text for r in records] == texts
    assert len(take_fraction(records, 0.5)) == 2
    assert len(take_fraction(records, 0.01)) == 1  # never empty
    out = write_slice(take_fraction(records, 0.5), tmp_path / "raw")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(l)["text"] for l in lines] == texts[:2]


def _hold_memory(mb: int, ready, release) -> None:
    block = bytearray(mb * 2**20)
    for i in range(0, len(block), 4096):  # touch every page so it is resident
        block[i] = 1
    ready.set()
    release.wait(30)


def test_peak_rss_includes_child_processes():
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    with PeakRss(interval=0.05) as sampler:
        with sampler.phase("idle"):
            time.sleep(0.2)
        with sampler.phase("child"):
            child = ctx.Process(target=_hold_memory, args=(300, ready, release))
            child.start()
            assert ready.wait(30)
            time.sleep(0.3)
            release.set()
            child.join(30)
    assert sampler.peaks["child"] - sampler.peaks["idle"] > 250 * 2**20


def test_json_payload_and_scaling():
    runs = [
        {"fraction": 0.5, "documents": 5, "chars": 1000, "wall_s": 2.0},
        {"fraction": 1.0, "documents": 10, "chars": 2000, "wall_s": 4.0, "ratio": 1.5},
    ]
    payload = json_payload(runs)
    assert set(KEYS) <= set(payload)
    assert payload["documents"] == 10 and payload["ratio"] == 1.5 and payload["fraction"] == 1.0
    assert payload["runs"] == runs
    assert scaling_exponent(runs) == pytest.approx(1.0)


@pytest.mark.slow
def test_bench_command_on_tiny_corpus(tmp_path):
    corpus = tmp_path / "tiny.jsonl"
    texts = _tiny_corpus(corpus)
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tooling", "bench", "--corpus", str(corpus), "--fraction", "1.0",
         "--json", str(out_json), "--workdir", str(tmp_path / "work")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = json.loads(out_json.read_text(encoding="utf-8"))
    assert result["documents"] == len(texts)
    assert result["chars"] == sum(len(t) for t in texts)
    assert result["wall_s"] > 0 and result["incremental_wall_s"] > 0
    assert result["chars_per_second"] == pytest.approx(result["chars"] / result["wall_s"])
    assert result["ratio"] == pytest.approx(result["chars_per_second"] / result["jieba_posseg_chars_per_second"])
    assert result["peak_rss_bytes"] > 50 * 2**20
    run = result["runs"][0]
    assert run["build"]["success"] and run["build"]["published"]
    assert run["incremental_new_release"] is True  # one new document: a new release
    assert run["noop_new_release"] is False  # nothing changed: nothing published
    assert {"sources", "dataset_tables", "release"} <= set(run["stages_s"])
    assert "no-op s" in proc.stdout
