"""Building the word and character clusters (``clusters.tsv``) from unlabelled text; gensim word2vec + k-means.

``python -m tooling train-ner --clusters`` calls ``build``; the runtime reads
the file with ``pipeline.nlp.ner.clusters.load``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from pipeline.nlp.ner.clusters import Clusters, load  # noqa: F401  (load: for train.py)

CORPUS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
WORD_K = (128, 1024)
CHAR_K = (32, 256)
MAX_WORDS = 40000
MIN_COUNT = 5


def corpus_texts(corpus_dir: Path, train_texts: list[str]) -> list[str]:
    """The unlabelled texts: the news-broadcast transcripts, the sample news, the training texts."""
    texts: list[str] = []
    xwlb = corpus_dir / "xwlb.jsonl"
    if xwlb.exists():
        with xwlb.open(encoding="utf-8") as fh:
            texts.extend(json.loads(line)["text"] for line in fh if line.strip())
    texts.extend(p.read_text(encoding="utf-8") for p in sorted((corpus_dir / "news").glob("*.txt")))
    texts.extend(train_texts)
    return texts


def kmeans(x, k: int, iters: int = 25, seed: int = 0):
    """Spherical k-means (cosine) of the rows of ``x`` (unit vectors); cluster index per row."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), size=k, replace=False)].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(iters):
        assign = np.argmax(x @ centres.T, axis=1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                c = members.sum(axis=0)
                centres[j] = c / (np.linalg.norm(c) or 1.0)
            else:  # re-seed an empty cluster
                centres[j] = x[rng.integers(len(x))]
    return assign


def _embed_and_cluster(sentences: list[list[str]], max_items: int, ks: tuple[int, int], workers: int,
                       seed: int) -> dict[str, tuple[str, str]]:
    import numpy as np
    from gensim.models import Word2Vec

    counts = Counter(tok for sent in sentences for tok in sent)
    keep = [t for t, n in counts.most_common(max_items) if n >= MIN_COUNT and not any(ch.isspace() for ch in t)]
    model = Word2Vec(sentences, vector_size=100, window=5, min_count=MIN_COUNT, sg=1, negative=5,
                     epochs=5, workers=workers, seed=seed)
    keep = [t for t in keep if t in model.wv]
    vecs = np.stack([model.wv[t] for t in keep]).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
    coarse = kmeans(vecs, min(ks[0], len(keep)), seed=seed)
    fine = kmeans(vecs, min(ks[1], len(keep)), seed=seed + 1)
    return {t: (str(a), str(b)) for t, a, b in zip(keep, coarse, fine)}


def build(out_path: Path, train_texts: list[str], corpus_dir: Path = CORPUS_DIR, workers: int = 2,
          seed: int = 1) -> Clusters:
    """Embed, cluster and write ``clusters.tsv``; returns the clusters."""
    from pipeline.nlp.segment import cut_words, split_sentences

    t0 = time.time()
    word_sents: list[list[str]] = []
    char_sents: list[list[str]] = []
    n_chars = 0
    for text in corpus_texts(corpus_dir, train_texts):
        for s, e in split_sentences(text, 200):
            sent = text[s:e]
            words = [w for w in cut_words(sent) if not w.isspace()]
            if words:
                word_sents.append(words)
                char_sents.append([ch for ch in sent if not ch.isspace()])
                n_chars += len(sent)
    print(f"clusters: {len(word_sents)} sentences, {n_chars} chars segmented ({time.time() - t0:.0f}s)", flush=True)
    clusters = Clusters(
        words=_embed_and_cluster(word_sents, MAX_WORDS, WORD_K, workers, seed),
        chars=_embed_and_cluster(char_sents, 100000, CHAR_K, workers, seed),
    )
    with Path(out_path).open("w", encoding="utf-8") as fh:
        fh.write(f"# kind\ttoken\tcoarse\tfine  (word2vec + spherical k-means, words {WORD_K}, chars {CHAR_K};"
                 f" written by train-ner --clusters from {n_chars} chars of unlabelled text)\n")
        for kind, table in (("w", clusters.words), ("c", clusters.chars)):
            for tok, (a, b) in table.items():
                fh.write(f"{kind}\t{tok}\t{a}\t{b}\n")
    print(f"clusters: {len(clusters.words)} words, {len(clusters.chars)} chars ({time.time() - t0:.0f}s)", flush=True)
    return clusters
