"""The held-out block of the NER training data: which records are held out, how they score,
and which annotation convention a training file follows (used by ``train`` and ``train_neural``)."""

from __future__ import annotations

from collections import defaultdict

from tooling.ner import data as nerdata
from tooling.ner.evaluate import score_records


def holdout_split(records: list[nerdata.Record], k: int) -> tuple[list[nerdata.Record], list[nerdata.Record]]:
    """(train, held out): the last 1/k of each source file's records is held out as one block.

    A contiguous block, not every k-th record: adjacent sentences of one
    article share names, so a strided holdout leaks them and is optimistic
    (MSRA dev PER 0.958 strided vs 0.842 on MSRA test).
    """
    by_source: dict[str, list[nerdata.Record]] = defaultdict(list)
    for r in records:
        by_source[r.source].append(r)
    train: list[nerdata.Record] = []
    dev: list[nerdata.Record] = []
    for recs in by_source.values():
        cut = len(recs) - max(1, len(recs) // k)
        train.extend(recs[:cut])
        dev.extend(recs[cut:])
    return train, dev


def holdout_scores(dev: list[nerdata.Record], tagger_for) -> dict[str, dict[str, float]]:
    """{training file: {"f1", "PER", "ORG", "LOC"}} of the held-out records, tagged by ``tagger_for(file)``."""
    by_source: dict[str, list[nerdata.Record]] = defaultdict(list)
    for r in dev:
        by_source[r.source].append(r)
    out = {}
    for src, recs in sorted(by_source.items()):
        x = score_records(tagger_for(src), recs)
        out[src] = {"f1": x["overall"]["f1"], **{t: x["per_type"][t]["f1"] for t in nerdata.TYPES}}
    return out


def convention_of(source: str) -> str:
    """Annotation convention of a training file: m (MSRA / People's Daily), c (CLUENER), b (Boson)."""
    if source.startswith(("msra", "people_daily")):
        return "m"
    return source[:1]
