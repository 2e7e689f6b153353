"""``python -m tooling evaluate-ner FILE.jsonl``: span-level scores of the recogniser.

Exact match of (start, end, type) for PER / ORG / LOC; gold spans of other
types are ignored. Prints precision, recall and F1 per type and overall, and
tagging speed in characters per second (text only, model loaded beforehand);
``--json OUT`` writes ``{"per_type": {"PER": {"precision", "recall", "f1"},
...}, "overall": {...}, "chars_per_second": N}``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tooling.ner.data import TYPES, Record, read_jsonl


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="benchmark .jsonl (text + entities with start/end/type)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    parser.add_argument("--model", type=Path, default=None,
                        help="a neural.npz with its gazetteer.tsv, clusters.tsv and names.tsv beside it "
                             "(default: the shipped pipeline/data/ner/neural.npz)")
    parser.add_argument(
        "--convention", choices=["b", "m", "c", "shared"], default=None,
        help="annotation convention to tag with (default: the pipeline's, see nlp/ner/tagger.py): "
             "b = Boson news, m = MSRA / People's Daily, c = CLUENER, shared = all three mixed evenly",
    )


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score_spans(gold: list[set], pred: list[set]) -> dict:
    """Scores from per-record sets of (start, end, type)."""
    per_type = {}
    totals = [0, 0, 0]
    for t in TYPES:
        tp = sum(len({x for x in g if x[2] == t} & {x for x in p if x[2] == t}) for g, p in zip(gold, pred))
        n_pred = sum(1 for p in pred for x in p if x[2] == t)
        n_gold = sum(1 for g in gold for x in g if x[2] == t)
        per_type[t] = prf(tp, n_pred, n_gold)
        per_type[t].update({"gold": n_gold, "predicted": n_pred})
        totals = [totals[0] + tp, totals[1] + n_pred, totals[2] + n_gold]
    overall = prf(*totals)
    overall.update({"gold": totals[2], "predicted": totals[1]})
    return {"per_type": per_type, "overall": overall}


def score_records(tagger, records: list[Record]) -> dict:
    t0 = time.perf_counter()
    preds = [set(tagger.tag(r.text)) for r in records]
    elapsed = time.perf_counter() - t0
    result = score_spans([set(r.entities) for r in records], [{x for x in p if x[2] in TYPES} for p in preds])
    chars = sum(len(r.text) for r in records)
    result["chars"] = chars
    result["seconds"] = round(elapsed, 3)
    result["chars_per_second"] = round(chars / elapsed) if elapsed > 0 else 0
    result["tagger"] = tagger.kind
    return result


def run(args: argparse.Namespace) -> int:
    from pipeline.nlp.ner.tagger import DEFAULT_CONVENTION, MODEL_PATH, NerTagger
    from pipeline.nlp.segment import segment

    records = list(read_jsonl(args.file))
    convention = DEFAULT_CONVENTION if args.convention is None else (None if args.convention == "shared" else args.convention)
    tagger = NerTagger(args.model or MODEL_PATH, convention=convention)
    segment("预热")  # load jieba before timing, like a long-running process would
    tagger.tag("预热")
    result = score_records(tagger, records)
    print(f"{args.file}: {len(records)} records, {result['chars']} chars, tagger={tagger.kind}")
    print(f"{'type':<8}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}")
    for name, s in [*result["per_type"].items(), ("overall", result["overall"])]:
        print(f"{name:<8}{s['precision']:>8.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}{s['gold']:>8}{s['predicted']:>8}")
    print(f"speed: {result['chars_per_second']:,} chars/s ({result['seconds']} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0
