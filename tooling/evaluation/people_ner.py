"""Person mentions of the whole entity stage (``nlp.entities.recognize``) against the PER labels of an NER set.

``python -m tooling.evaluation.people_ner FILE.jsonl [--docs N] [--per K] [--seed S] [-v]`` shuffles the
records (seed), joins them K at a time into documents of unrelated sentences and scores the person
mentions by exact span. The tagger was trained on ``eval/ner/train``, so on those files the figure
measures what the typing rules keep of the model's person spans and what they add, not the tagger.
Conventions differ (Boson and MSRA label 张某 and given names alone, the pipeline does not), so only a
before/after difference means something. Never run with ``-v`` on ``eval/ner/test``.
"""

from __future__ import annotations

import argparse
import collections
import json
import random


def _documents(path: str, n: int, per: int, seed: int):
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f]
    random.Random(seed).shuffle(recs)
    recs = recs[: n * per]
    for i in range(0, len(recs), per):
        text, gold = "", set()
        for r in recs[i : i + per]:
            off = len(text)
            gold |= {(off + e["start"], off + e["end"]) for e in r["entities"] if e["type"] == "PER"}
            text += r["text"] + "\n"
        yield text, gold


def _context(text: str, s: int, e: int) -> str:
    return (text[max(0, s - 12) : s] + "[" + text[s:e] + "]" + text[e : e + 12]).replace("\n", "/")


def score(path: str, docs: int = 120, per: int = 8, seed: int = 7, verbose: bool = False) -> dict:
    """Person P / R / F1 (and, verbose, the false and missed spans in context)."""
    from pipeline.nlp.entities import recognize
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.segment import segment
    from pipeline.records import Document

    tagger = load_tagger()
    tp = fp = fn = 0
    false, missed = collections.Counter(), collections.Counter()
    for k, (text, gold) in enumerate(_documents(path, docs, per, seed)):
        tokens = segment(text)
        mentions = recognize(Document(f"d{k}", "k", "p", "", None, None, text, ""), tokens, tagger.tag(text, tokens))
        pred = {(m.start, m.end) for m in mentions if m.entity_type == "person"}
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        if verbose:
            false.update(_context(text, s, e) for s, e in pred - gold)
            missed.update(_context(text, s, e) for s, e in gold - pred)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"P": p, "R": r, "F1": 2 * p * r / max(1e-9, p + r), "tp": tp, "fp": fp, "fn": fn,
            "false": list(false), "missed": list(missed)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--per", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    out = score(a.path, a.docs, a.per, a.seed, a.verbose)
    print(f"{a.path}: P {out['P']:.3f} R {out['R']:.3f} F1 {out['F1']:.3f} (tp {out['tp']} fp {out['fp']} fn {out['fn']})")
    for kind in ("false", "missed"):
        for line in out[kind]:
            print(f"  {kind} {line}")


if __name__ == "__main__":
    main()
