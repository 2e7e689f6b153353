"""Throughput of the metrics stage (number reading + facts) in one process.

``python -m tooling.bench.facts [JSONL] [--docs N]`` reads the first N
records of a ``.jsonl`` corpus through ingest (normalisation and blocks),
segments them and recognises entities once (not timed), then times
``extract_facts`` over all of them and prints characters per second.
Used for docs/BENCHMARKS-facts.md; not part of the pipeline.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from pipeline.ingest.sources import list_sources, read_source
    from pipeline.nlp.entities import recognize
    from pipeline.nlp.facts import extract_facts
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.numbers import read_quantities
    from pipeline.nlp.segment import segment

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jsonl", nargs="?", default="/work/shared/corpus/xwlb.jsonl")
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    path = Path(args.jsonl).resolve()
    units = [u for u in list_sources(path.parent) if u.key.startswith(path.name + "#")][: args.docs]
    tagger = load_tagger()
    prepared = []
    for u in units:
        docs, _ = read_source(path.parent, u.key)
        for d in docs:
            tokens = segment(d.text)
            prepared.append((d, tokens, recognize(d, tokens, tagger.tag(d.text, tokens))))
    n_chars = sum(len(d.text) for d, _, _ in prepared)
    best_facts = best_numbers = float("inf")
    n_facts = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        n_facts = sum(len(extract_facts(d, t, m)) for d, t, m in prepared)
        best_facts = min(best_facts, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for d, _, _ in prepared:
            read_quantities(d.text)
        best_numbers = min(best_numbers, time.perf_counter() - t0)
    print(f"{len(prepared)} documents, {n_chars} characters, {n_facts} facts")
    print(f"extract_facts (whole metrics stage): {best_facts:.3f} s = {n_chars / best_facts:,.0f} chars/s")
    print(f"read_quantities alone:               {best_numbers:.3f} s = {n_chars / best_numbers:,.0f} chars/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
