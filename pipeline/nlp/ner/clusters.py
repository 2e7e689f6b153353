"""Word and character clusters, input fields of the BiLSTM-CRF (``input_fields.sentence_fields``): reading ``clusters.tsv``.

Built once by ``python -m tooling train-ner --clusters`` (``tooling.ner.clusters.build``): the unlabelled corpus
(``../shared/corpus/xwlb.jsonl``, ``../shared/corpus/news/*.txt`` and the texts of the NER training files, never
``eval/ner/test/``) is cut into sentences and segmented with the project's
jieba; gensim word2vec (skip-gram) embeds words and, separately, characters;
spherical k-means on the unit vectors groups them at two granularities. Only
frequent words and characters are kept, so the map stays small.

The result is the data file ``pipeline/data/ner/clusters.tsv``::

    w<TAB>word<TAB>coarse<TAB>fine
    c<TAB>char<TAB>coarse<TAB>fine

At run time only that file is read (``load``); gensim is a train-only
dependency (the ``ner-train`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Clusters:
    """{word: (coarse, fine)} and {char: (coarse, fine)} cluster ids as strings."""

    words: dict[str, tuple[str, str]] = field(default_factory=dict)
    chars: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.words or self.chars)


def load(path: Path) -> Clusters:
    """Read ``clusters.tsv``; empty ``Clusters`` if the file is missing."""
    out = Clusters()
    if not Path(path).exists():
        return out
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, tok, coarse, fine = line.split("\t")
        (out.words if kind == "w" else out.chars)[tok] = (coarse, fine)
    return out
