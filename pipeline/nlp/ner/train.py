"""``python -m pipeline train-ner``: train the character CRF from the public training sets.

Reads every ``*.jsonl`` of ``--train-dir`` (default ``../shared/eval/ner/train``:
CLUENER train, Boson 0-1599, MSRA dev, People's Daily), splits long documents
into sentences (never inside an entity), segments with the project's jieba,
builds the gazetteer of entity names seen in training (plus China's
administrative divisions and country names from ``pipeline/data/gazetteer/``),
and trains an L1/L2
regularised CRF (L-BFGS) over BIOES labels. The gazetteer feature is computed
jackknife-style in training (for each fifth of the records, from the entity
names of the other four fifths) so that the model learns how far to trust a
gazetteer hit on names it has not been trained on.

Writes ``crf.model`` and ``gazetteer.tsv`` into ``--out`` (default
``pipeline/data/ner/``) and ``training_report.json`` beside them.
``--holdout K`` keeps every K-th record out of training and scores it (model
selection uses only train/; the test sets are never read here).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.nlp.ner import data as nerdata
from pipeline.nlp.ner.features import MAX_GAZ_LEN, MAX_SENT_LEN, Gazetteer, document_features, encode, gazetteer_tags
from pipeline.nlp.segment import segment

DEFAULT_TRAIN_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "ner" / "train"
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_OUT = DATA_DIR / "ner"
FOLDS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-dir", type=Path, default=DEFAULT_TRAIN_DIR, help="folder of training *.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder for crf.model and gazetteer.tsv")
    parser.add_argument("--c1", type=float, default=0.05, help="L1 regularisation (sparsity, model size)")
    parser.add_argument("--c2", type=float, default=0.01, help="L2 regularisation")
    parser.add_argument("--max-iterations", type=int, default=200)
    parser.add_argument("--minfreq", type=float, default=2, help="drop attributes seen fewer times")
    parser.add_argument("--holdout", type=int, default=0, help="hold every K-th record out and score it (0 = train on all)")
    parser.add_argument("--no-places", action="store_true", help="no administrative-division / country names in the gazetteer")
    parser.add_argument("--no-adapt", action="store_true", help="no per-dataset feature copies")
    parser.add_argument("--sources", default="", help="comma-separated file stems to train on (default: all)")


def place_names(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """China's administrative divisions (full and short names) and country names, as LOC.

    Read from the project's gazetteer files (``pipeline/data/gazetteer/``) at
    training time only; the names end up in ``gazetteer.tsv`` with the model.
    """
    import csv

    names: dict[str, str] = {}
    for fname, cols in (("divisions.csv", ("name", "short_name")), ("countries.csv", ("name", "full_name"))):
        path = data_dir / "gazetteer" / fname
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col in cols:
                    name = (row.get(col) or "").strip()
                    if 2 <= len(name) <= MAX_GAZ_LEN:
                        names[name] = "LOC"
    return names


def build_gazetteer(records: list[nerdata.Record], extra: dict[str, str] | None = None,
                    min_precision: float = 0.5) -> dict[str, str]:
    """Entity names of ``records`` (2..MAX_GAZ_LEN chars) with their majority type, plus ``extra``.

    An entry is kept only when, matched greedily over the training texts, at
    least ``min_precision`` of its matches are gold entities of that type (so
    common words that are sometimes names are left out); an ``extra`` name
    never matched in the training texts is kept.
    """
    by_name: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        for s, e, t in r.entities:
            if 2 <= e - s <= MAX_GAZ_LEN:
                by_name[r.text[s:e]][t] += 1
    gaz = dict(extra or {})
    gaz.update({name: c.most_common(1)[0][0] for name, c in by_name.items()})
    gaz = Gazetteer(gaz)
    hits: Counter = Counter()
    good: Counter = Counter()
    for r in records:
        gold = {(s, e): t for s, e, t in r.entities}
        tags = gazetteer_tags(r.text, gaz)
        if tags is None:
            continue
        i = 0
        n = len(tags)
        while i < n:
            if tags[i].endswith("B"):
                j = i + 1
                while not tags[j].endswith("E"):
                    j += 1
                name = r.text[i:j + 1]
                hits[name] += 1
                if gold.get((i, j + 1)) == gaz[name]:
                    good[name] += 1
                i = j + 1
            else:
                i += 1
    return Gazetteer({n: t for n, t in gaz.items() if clean_name(n)
                      and ((hits[n] and good[n] / hits[n] >= min_precision) or (not hits[n] and n not in by_name))})


def clean_name(name: str) -> bool:
    """A plausible gazetteer name: starts and ends with a letter, digit or han character."""
    return name[0].isalnum() and name[-1].isalnum()


def write_gazetteer(gaz: dict[str, str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("# name\ttype  (entity names seen in the NER training sets; written by train-ner)\n")
        for name in sorted(gaz):
            fh.write(f"{name}\t{gaz[name]}\n")


def convention_of(source: str) -> str:
    """Annotation convention of a training file: m (MSRA / People's Daily), c (CLUENER), b (Boson)."""
    if source.startswith(("msra", "people_daily")):
        return "m"
    return source[:1]


def sequences(records: list[nerdata.Record], gazetteers: list[dict[str, str]], adapt: bool = True):
    """(features, labels) per training sentence; record k uses gazetteers[k % len].

    With ``adapt``, every feature is also given a copy tagged with the record's
    annotation convention (feature augmentation, Daume 2007): the plain
    features learn what the datasets agree on, the tagged copies absorb each
    dataset's conventions (CLUENER's whole addresses, MSRA's split place names).
    """
    for k, r in enumerate(records):
        dom = "@" + convention_of(r.source)
        spans = nerdata.sentence_spans(r.text, r.entities, MAX_SENT_LEN)
        gaz = gazetteers[k % len(gazetteers)]
        tokens = segment(r.text)
        for s, feats in document_features(r.text, tokens, gaz, spans=spans):
            n = len(feats)
            ents = [(es - s, ee - s, t) for es, ee, t in r.entities if es >= s and ee <= s + n]
            if adapt:
                feats = [f + [x + dom for x in f] for f in feats]
            yield feats, encode(n, ents)


def run(args: argparse.Namespace) -> int:
    import pycrfsuite

    t0 = time.time()
    records = nerdata.read_dir(args.train_dir)
    if args.sources:
        keep = set(args.sources.split(","))
        records = [r for r in records if r.source in keep]
    dev: list[nerdata.Record] = []
    if args.holdout:
        dev = [r for i, r in enumerate(records) if i % args.holdout == args.holdout - 1]
        records = [r for i, r in enumerate(records) if i % args.holdout != args.holdout - 1]
    print(f"{len(records)} training records, {sum(len(r.text) for r in records)} chars; {len(dev)} held out")

    places = {} if args.no_places else place_names()
    full_gaz = build_gazetteer(records, places)
    folds = [build_gazetteer([r for i, r in enumerate(records) if i % FOLDS != f], places) for f in range(FOLDS)]
    print(f"gazetteer: {len(full_gaz)} names ({time.time() - t0:.0f}s)")

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    n_seq = 0
    for feats, labels in sequences(records, folds, adapt=not args.no_adapt):
        trainer.append(feats, labels)
        n_seq += 1
    print(f"{n_seq} sentences featurised ({time.time() - t0:.0f}s); training ...", flush=True)
    trainer.set_params({
        "c1": args.c1,
        "c2": args.c2,
        "max_iterations": args.max_iterations,
        "feature.minfreq": args.minfreq,
        "feature.possible_transitions": True,
    })
    args.out.mkdir(parents=True, exist_ok=True)
    model = args.out / "crf.model"
    trainer.train(str(model))
    write_gazetteer(full_gaz, args.out / "gazetteer.tsv")
    info = trainer.logparser.last_iteration or {}
    report = {
        "train_dir": str(args.train_dir),
        "records": len(records),
        "chars": sum(len(r.text) for r in records),
        "sentences": n_seq,
        "gazetteer_names": len(full_gaz),
        "params": {"c1": args.c1, "c2": args.c2, "max_iterations": args.max_iterations, "minfreq": args.minfreq},
        "iterations": len(trainer.logparser.iterations),
        "final_loss": info.get("loss"),
        "active_features": info.get("active_features"),
        "model_bytes": model.stat().st_size,
        "train_seconds": round(time.time() - t0, 1),
    }
    if dev:
        from pipeline.nlp.ner.evaluate import score_records
        from pipeline.nlp.ner.tagger import NerTagger

        by_source: dict[str, list] = defaultdict(list)
        for r in dev:
            by_source[r.source].append(r)
        conventions = [None] if args.no_adapt else [None, *sorted({convention_of(r.source) for r in records})]
        report["holdout"] = {}
        for dom in conventions:
            tagger = NerTagger(model, convention=dom)
            res = {src: score_records(tagger, recs) for src, recs in sorted(by_source.items())}
            res = {src: {"f1": x["overall"]["f1"], **{t: x["per_type"][t]["f1"] for t in nerdata.TYPES}} for src, x in res.items()}
            report["holdout"][dom or "general"] = res
            print(dom, json.dumps(res), flush=True)
        report["holdout_all"] = score_records(NerTagger(model), dev)  # default convention
    (args.out / "training_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0
