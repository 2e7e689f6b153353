"""``python -m tooling train-ner``: train the entity recogniser from the public training sets.

Reads every ``*.jsonl`` of ``--train-dir`` (default ``../shared/eval/ner/train``:
CLUENER train, Boson 0-1599, MSRA dev, People's Daily), splits long documents
into sentences (never inside an entity), segments with the project's jieba,
and builds the gazetteer of entity names seen in training (plus China's
administrative divisions and country names from ``pipeline/data/gazetteer/``).
The gazetteer feature is computed jackknife-style in training (for each fifth
of the records, from the entity names of the other four fifths) so that the
model learns how far to trust a gazetteer hit on names it has not been
trained on; the per-character name codes (``name_codes.py``: how often
a character starts / continues a person name) are jackknifed the same way.

Then it trains the shipped model, the BiLSTM-CRF of ``pipeline.nlp.ner.model``
(``train_neural.py``, PyTorch: the ``ner-train`` extra), written as
``neural.npz`` with ``training_report_neural.json``, ``gazetteer.tsv``,
``names.tsv`` and ``clusters.tsv`` into ``--out`` (default
``pipeline/data/ner/``). The cluster
map is built by ``--clusters`` (word2vec + k-means over unlabelled text,
``clusters.py``; needs the ``ner-train`` extra) or read from
``--clusters-file``. ``--holdout K`` keeps the last 1/K of each training file
out of training (a contiguous block, so that names of one article do not leak
across the split) and scores it (model selection uses only train/; the test
sets are never read here).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.nlp.ner.input_fields import gazetteer_tags
from pipeline.nlp.ner.resources import MAX_GAZ_LEN, NameTypes, Resources
from tooling.ner import clusters as nerclusters
from tooling.ner import data as nerdata
from tooling.ner.holdout import holdout_split
from tooling.ner.name_codes import name_codes

DEFAULT_TRAIN_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "ner" / "train"
DATA_DIR = Path(__file__).resolve().parents[2] / "pipeline" / "data"
DEFAULT_OUT = DATA_DIR / "ner"
FOLDS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-dir", type=Path, default=DEFAULT_TRAIN_DIR, help="folder of training *.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder for neural.npz and the data beside it")
    parser.add_argument("--holdout", type=int, default=0,
                        help="hold the last 1/K of each training file out (a contiguous block) and score it (0 = train on all)")
    parser.add_argument("--no-places", action="store_true", help="no administrative-division / country names in the gazetteer")
    parser.add_argument("--sources", default="", help="comma-separated file stems to train on (default: all)")
    parser.add_argument("--clusters", action="store_true",
                        help="(re)build the word/character cluster map (needs the ner-train extra: gensim) before training")
    parser.add_argument("--clusters-file", type=Path, default=DEFAULT_OUT / "clusters.tsv",
                        help="cluster map to read (and write with --clusters); copied into --out")
    parser.add_argument("--epochs", type=int, default=14, help="BiLSTM-CRF: training epochs")
    parser.add_argument("--hidden", type=int, default=64, help="BiLSTM-CRF: LSTM units per direction")
    parser.add_argument("--dropout", type=float, default=0.4, help="BiLSTM-CRF: dropout on inputs and LSTM outputs")
    parser.add_argument("--lr", type=float, default=2e-3, help="BiLSTM-CRF: Adam learning rate (x0.9 per epoch)")
    parser.add_argument("--batch-size", type=int, default=32, help="BiLSTM-CRF: sentences per batch")
    parser.add_argument("--threads", type=int, default=2, help="BiLSTM-CRF: PyTorch threads")
    parser.add_argument("--seeds", default="1",
                        help="BiLSTM-CRF: comma-separated random seeds, one network each (several: an averaged ensemble)")
    parser.add_argument("--average-last", type=int, default=6,
                        help="BiLSTM-CRF: ship the mean of the last N epochs' weights (0: the best epoch on --holdout, else the last)")
    parser.add_argument("--unk-rate", type=float, default=0.05,
                        help="BiLSTM-CRF: share of characters / bigrams replaced by the unknown id in training")
    parser.add_argument("--freeze", default="bigram",
                        help="BiLSTM-CRF: comma-separated fields whose embeddings stay at word2vec's vectors (char, bigram; '' for none)")
    parser.add_argument("--corpus-dir", type=Path, default=nerclusters.CORPUS_DIR,
                        help="unlabelled text for --clusters (xwlb.jsonl, news/*.txt)")


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
    gaz = NameTypes(gaz)
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
    return NameTypes({n: t for n, t in gaz.items() if clean_name(n)
                      and ((hits[n] and good[n] / hits[n] >= min_precision) or (not hits[n] and n not in by_name))})


def clean_name(name: str) -> bool:
    """A plausible gazetteer name: starts and ends with a letter, digit or han character."""
    return name[0].isalnum() and name[-1].isalnum()


def write_gazetteer(gaz: dict[str, str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("# name\ttype  (entity names seen in the NER training sets; written by train-ner)\n")
        for name in sorted(gaz):
            fh.write(f"{name}\t{gaz[name]}\n")


def write_names(codes: dict[str, str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("# char\tcode  (person-name likeness from the NER training sets: P(starts a PER) level,"
                 " P(inside a PER) level; 0 < 5 %, 1 >= 5 %, 2 >= 25 %; written by train-ner)\n")
        for ch in sorted(codes):
            fh.write(f"{ch}\t{codes[ch]}\n")


def run(args: argparse.Namespace) -> int:
    t0 = time.time()
    records = nerdata.read_dir(args.train_dir)
    if args.sources:
        keep = set(args.sources.split(","))
        records = [r for r in records if r.source in keep]
    dev: list[nerdata.Record] = []
    if args.holdout:
        records, dev = holdout_split(records, args.holdout)
    print(f"{len(records)} training records, {sum(len(r.text) for r in records)} chars; {len(dev)} held out")

    places = {} if args.no_places else place_names()
    full_gaz = build_gazetteer(records, places)
    folds = [build_gazetteer([r for i, r in enumerate(records) if i % FOLDS != f], places) for f in range(FOLDS)]
    print(f"gazetteer: {len(full_gaz)} names ({time.time() - t0:.0f}s)")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.clusters:
        # unlabelled text: the corpus plus the texts (not the labels) of every training file
        nerclusters.build(args.clusters_file, [r.text for r in nerdata.read_dir(args.train_dir)], args.corpus_dir)
    clusters = nerclusters.load(args.clusters_file)
    if not clusters:
        raise SystemExit(f"no cluster map at {args.clusters_file}: run train-ner --clusters")
    full_names = name_codes((r.text, r.entities) for r in records)
    fold_names = [name_codes((r.text, r.entities) for i, r in enumerate(records) if i % FOLDS != f)
                  for f in range(FOLDS)]
    folds = [Resources(g, clusters, nm) for g, nm in zip(folds, fold_names)]
    if args.clusters_file.resolve() != (args.out / "clusters.tsv").resolve():
        (args.out / "clusters.tsv").write_text(args.clusters_file.read_text(encoding="utf-8"), encoding="utf-8")
    write_names(full_names, args.out / "names.tsv")
    write_gazetteer(full_gaz, args.out / "gazetteer.tsv")

    from tooling.ner import train_neural

    report = {"train_dir": str(args.train_dir), "records": len(records),
              "chars": sum(len(r.text) for r in records), "held_out": len(dev),
              "params": {k: getattr(args, k) for k in ("epochs", "hidden", "dropout", "lr", "batch_size", "holdout", "seeds", "freeze", "average_last", "unk_rate")},
              **train_neural.run(args, records, dev, folds, Resources(full_gaz, clusters, full_names))}
    report["model_bytes"] = (args.out / "neural.npz").stat().st_size
    (args.out / "training_report_neural.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0
