"""``python -m tooling train-ner``: train the BiLSTM-CRF of ``pipeline.nlp.ner.model`` with PyTorch.

Uses the same training records, jackknifed gazetteer and name codes, and
word / character clusters that ``train.py`` builds, and its block
holdout (``--holdout K``). Before training, character and bigram vectors are
learned with word2vec from unlabelled text (the corpus plus the training
texts, never the test sets) and cached (``pipeline/cache.py``); the network
starts from them. Each epoch's model is exported to NumPy and, with a
holdout, scored through ``model.NeuralModel`` itself (so the exported
run-time path is what is measured). What is written to ``--out``/``neural.npz``
is the mean of the last ``--average-last`` epochs' weights, or with 0 the best
epoch on the holdout (the last epoch without one); with several ``--seeds``,
the networks as one averaged ensemble.

PyTorch and gensim come with the ``ner-train`` extra; the pipeline does not
need them to tag.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from pipeline.nlp.ner.bioes import LABELS, encode
from pipeline.nlp.ner.input_fields import FIELDS, field_ids, sentence_fields
from pipeline.nlp.ner.model import CONVENTIONS, NeuralModel, combine, save
from pipeline.nlp.ner.resources import Resources
from pipeline.nlp.ner.sentences import MAX_SENT_LEN, document_sentences
from pipeline.nlp.segment import segment
from tooling.ner import clusters as nerclusters
from tooling.ner import data as nerdata
from tooling.ner.holdout import convention_of, holdout_scores

PRETRAINED = ("char", "bigram")
MAX_PRETRAINED = {"char": 8000, "bigram": 40000}


def featurise(records: list[nerdata.Record], folds: list[Resources]):
    """(fields, labels, convention index) per training sentence; record k uses folds[k % len]."""
    out = []
    for k, r in enumerate(records):
        conv = CONVENTIONS.index(convention_of(r.source))
        spans = nerdata.sentence_spans(r.text, r.entities, MAX_SENT_LEN)
        res = folds[k % len(folds)]
        for s, sent, words in document_sentences(r.text, segment(r.text), spans):
            n = len(sent)
            if not n or sent.isspace():
                continue
            ents = [(es - s, ee - s, t) for es, ee, t in r.entities if es >= s and ee <= s + n]
            out.append((sentence_fields(sent, words, res), [LABELS.index(x) for x in encode(n, ents)], conv))
    return out


def pretrained_vectors(train_texts: list[str], corpus_dir: Path, cache_dir: Path | None, workers: int = 2) -> dict:
    """{field: (tokens, vectors)} for characters and bigrams, from word2vec over unlabelled text.

    Cached in ``cache_dir`` under a name made from the texts and the settings,
    so another corpus or other sizes never reuse stale vectors.
    """
    texts = nerclusters.corpus_texts(corpus_dir, train_texts)
    digest = hashlib.sha256(json.dumps([[f, dict(FIELDS)[f], MAX_PRETRAINED[f]] for f in PRETRAINED]).encode())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    cache = cache_dir / f"ner-w2v-{digest.hexdigest()[:16]}.npz" if cache_dir is not None else None
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            return {f: (list(z[f"{f}_tokens"]), z[f"{f}_vectors"]) for f in PRETRAINED}
    from gensim.models import Word2Vec

    from pipeline.nlp.segment import split_sentences

    t0 = time.time()
    chars, bigrams = [], []
    for text in texts:
        for s, e in split_sentences(text, MAX_SENT_LEN):
            sent = text[s:e]
            if sent.strip():
                chars.append(list(sent))
                bigrams.append([sent[i:i + 2] for i in range(len(sent) - 1)] + [sent[-1] + "$"])
    out = {}
    for name, sents in (("char", chars), ("bigram", bigrams)):
        dim = dict(FIELDS)[name]
        model = Word2Vec(sents, vector_size=dim, window=5, min_count=3, sg=1, negative=5, epochs=5,
                         workers=workers, seed=1, max_final_vocab=MAX_PRETRAINED[name])
        tokens = list(model.wv.index_to_key)
        out[name] = (tokens, np.stack([model.wv[t] for t in tokens]).astype(np.float32))
        print(f"word2vec {name}: {len(tokens)} tokens ({time.time() - t0:.0f}s)", flush=True)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **{f"{f}_tokens": np.array(out[f][0]) for f in PRETRAINED},
                 **{f"{f}_vectors": out[f][1] for f in PRETRAINED})
    return out


def build_vocabs(data, pretrained: dict, min_count: int = 2) -> list[list[str]]:
    """Per field: [UNK, values...] of the values seen ``min_count`` times in training.

    Characters: word2vec's vocabulary first, then the training-only ones;
    bigrams: word2vec's vocabulary only (training-only bigrams would bloat the model).
    """
    vocabs = []
    for j, (name, _) in enumerate(FIELDS):
        if name == "bigram":
            vocabs.append(["\x00UNK", *pretrained[name][0]])
            continue
        counts = Counter(v for fields, _, _ in data for v in fields[j])
        values = [v for v, n in counts.most_common() if n >= min_count]
        if name in pretrained:
            seen = set(pretrained[name][0])
            values = pretrained[name][0] + [v for v in values if v not in seen]
        vocabs.append(["\x00UNK", *values])
    return vocabs


class _Net:
    """The PyTorch twin of ``model.NeuralModel`` (built lazily so that torch is imported only to train)."""

    def __init__(self, vocabs, pretrained, hidden: int, dropout: float, frozen: tuple[str, ...] = ()):
        import torch
        from torch import nn

        self.torch = torch
        n_conv = len(CONVENTIONS)
        embs = []
        for (name, dim), vocab in zip(FIELDS, vocabs):
            e = nn.Embedding(len(vocab), dim)
            nn.init.normal_(e.weight, std=0.1)
            if name in pretrained:
                tokens, vecs = pretrained[name]
                w = torch.tensor(vecs / (np.abs(vecs).std() * 10 + 1e-9))  # scale to the init's spread
                e.weight.data[1:1 + len(tokens)] = w
            if name in frozen:  # kept at the word2vec vectors (UNK at zero), the same in every network
                e.weight.data[0] = 0.0
                e.weight.requires_grad_(False)
            embs.append(e)
        d_in = sum(dim for _, dim in FIELDS) + n_conv
        self.modules = nn.ModuleDict({
            "emb": nn.ModuleList(embs),
            "lstm": nn.LSTM(d_in, hidden, batch_first=True, bidirectional=True),
            "out": nn.Linear(2 * hidden + n_conv, len(LABELS)),
            "drop": nn.Dropout(dropout),
        })
        self.trans = nn.Parameter(torch.zeros(len(LABELS), len(LABELS)))
        self.start = nn.Parameter(torch.zeros(len(LABELS)))
        self.end = nn.Parameter(torch.zeros(len(LABELS)))
        self.hidden = hidden

    def parameters(self):
        return [p for p in (*self.modules.parameters(), self.trans, self.start, self.end) if p.requires_grad]

    def emissions(self, ids, conv, lengths, unk_rate: float = 0.0):
        torch = self.torch
        parts = []
        for j, emb in enumerate(self.modules["emb"]):
            col = ids[:, :, j]
            if unk_rate and self.modules.training and FIELDS[j][0] in PRETRAINED:
                col = col.masked_fill(torch.rand(col.shape) < unk_rate, 0)
            parts.append(emb(col))
        b, t = ids.shape[:2]
        conv_t = conv[:, None, :].expand(b, t, conv.shape[1])
        x = self.modules["drop"](torch.cat([*parts, conv_t], dim=2))
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=True)
        h, _ = self.modules["lstm"](packed)
        h, _ = torch.nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=t)
        return self.modules["out"](torch.cat([self.modules["drop"](h), conv_t], dim=2))

    def nll(self, em, tags, mask, lengths):
        """Summed negative log-likelihood of the gold label sequences under the linear-chain CRF."""
        torch = self.torch
        b, t, n = em.shape
        gold = em.gather(2, tags[:, :, None]).squeeze(2)
        score = (gold * mask).sum(1) + self.start[tags[:, 0]]
        score = score + (self.trans[tags[:, :-1], tags[:, 1:]] * mask[:, 1:]).sum(1)
        last = tags.gather(1, (lengths - 1)[:, None]).squeeze(1)
        score = score + self.end[last]
        alpha = self.start[None] + em[:, 0]
        for k in range(1, t):
            nxt = torch.logsumexp(alpha[:, :, None] + self.trans[None] + em[:, k, None, :], dim=1)
            alpha = torch.where(mask[:, k, None] > 0, nxt, alpha)
        z = torch.logsumexp(alpha + self.end[None], dim=1)
        return (z - score).sum()

    def export(self, vocabs, meta: dict) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, meta) of ``neural.npz`` (LSTM biases summed, matrices transposed for x @ W)."""
        def a(t):
            return t.detach().cpu().numpy().astype(np.float32)

        lstm = self.modules["lstm"]
        arrays = {f"emb_{name}": a(e.weight).astype(np.float16) for (name, _), e in zip(FIELDS, self.modules["emb"])}
        for d, sfx in (("f", ""), ("b", "_reverse")):
            arrays[f"lstm_w_ih_{d}"] = a(getattr(lstm, f"weight_ih_l0{sfx}")).T.copy()
            arrays[f"lstm_w_hh_{d}"] = a(getattr(lstm, f"weight_hh_l0{sfx}")).T.copy()
            arrays[f"lstm_b_{d}"] = a(getattr(lstm, f"bias_ih_l0{sfx}")) + a(getattr(lstm, f"bias_hh_l0{sfx}"))
        arrays["out_w"] = a(self.modules["out"].weight).T.copy()
        arrays["out_b"] = a(self.modules["out"].bias)
        arrays["trans"], arrays["start"], arrays["end"] = a(self.trans), a(self.start), a(self.end)
        meta = {**meta, "vocabs": {name: v for (name, _), v in zip(FIELDS, vocabs)}, "labels": list(LABELS),
                "conventions": list(CONVENTIONS)}
        return arrays, meta


def _batches(data, ids, batch_size: int, rng: random.Random):
    """Index lists of similar-length sentences, shuffled."""
    order = sorted(range(len(data)), key=lambda k: (len(ids[k]), rng.random()))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def train(records, folds, dev, dev_res, out: Path, pretrained: dict, epochs: int, hidden: int, dropout: float,
          lr: float, batch_size: int, seeds: tuple[int, ...], frozen: tuple[str, ...], average_last: int,
          unk_rate: float, log=print) -> dict:
    """Train one network per seed on the same features, write them (as an ensemble if several) to neural.npz."""
    t0 = time.time()
    data = featurise(records, folds)
    vocabs = build_vocabs(data, pretrained)
    vocab_maps = [{v: i for i, v in enumerate(vocab)} for vocab in vocabs]
    ids = [field_ids(fields, vocab_maps) for fields, _, _ in data]
    log(f"{len(data)} sentences featurised; vocab sizes {[len(v) for v in vocabs]} ({time.time() - t0:.0f}s)")
    networks, histories = [], {}
    for seed in seeds:
        arrays, meta, history, best_epoch = train_network(data, ids, vocabs, dev, dev_res, pretrained, epochs,
                                                          hidden, dropout, lr, batch_size, seed, frozen, log,
                                                          average_last, unk_rate)
        networks.append((arrays, meta))
        histories[seed] = {"history": history, "best_epoch": best_epoch}
    arrays, meta = networks[0] if len(networks) == 1 else combine(networks)
    save(out / "neural.npz", arrays, meta)
    report = {"networks": histories, "sentences": len(data),
              "vocab_sizes": {name: len(v) for (name, _), v in zip(FIELDS, vocabs)}}
    if dev:
        saved = NeuralModel.load(out / "neural.npz")  # what ships: float16, averaged
        report["holdout"] = score_holdout(saved, dev, dev_res)
        log(json.dumps({"saved model holdout": report["holdout"]}), flush=True)
    report["train_seconds"] = round(time.time() - t0, 1)
    return report


def train_network(data, ids, vocabs, dev, dev_res, pretrained, epochs, hidden, dropout, lr, batch_size, seed,
                  frozen, log, average_last: int, unk_rate: float):
    """(arrays, meta, history, best epoch) of one network.

    With ``average_last`` N, the mean of the last N epochs' weights; otherwise
    the best epoch on the holdout, or the last epoch without one.
    """
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = _Net(vocabs, pretrained, hidden, dropout, frozen)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history = []
    best = (-1.0, None, 0)
    recent: list[dict] = []
    eye = torch.eye(len(CONVENTIONS))
    for epoch in range(1, epochs + 1):
        net.modules.train()
        total = 0.0
        te = time.time()
        for batch in _batches(data, ids, batch_size, rng):
            batch.sort(key=lambda k: -len(ids[k]))
            lengths = torch.tensor([len(ids[k]) for k in batch])
            t = int(lengths[0])
            x = torch.zeros((len(batch), t, len(FIELDS)), dtype=torch.long)
            y = torch.zeros((len(batch), t), dtype=torch.long)
            mask = torch.zeros((len(batch), t))
            for row, k in enumerate(batch):
                n = len(ids[k])
                x[row, :n] = torch.from_numpy(ids[k].astype(np.int64))
                y[row, :n] = torch.tensor(data[k][1])
                mask[row, :n] = 1
            conv = eye[[data[k][2] for k in batch]]
            em = net.emissions(x, conv, lengths, unk_rate=unk_rate)
            loss = net.nll(em, y, mask, lengths)
            opt.zero_grad()
            (loss / len(batch)).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            total += float(loss.detach())
        for g in opt.param_groups:
            g["lr"] *= 0.9
        net.modules.eval()
        arrays, meta = net.export(vocabs, {"epoch": epoch, "hidden": hidden, "seed": seed})
        entry = {"seed": seed, "epoch": epoch, "loss": round(total, 1), "seconds": round(time.time() - te, 1)}
        score = 0.0
        if dev:
            ts = time.time()
            entry["holdout"] = score_holdout(NeuralModel(arrays, meta), dev, dev_res)
            entry["score_seconds"] = round(time.time() - ts, 1)
            score = float(np.mean([x["f1"] for x in entry["holdout"].values()]))
        history.append(entry)
        log(json.dumps(entry), flush=True)
        if epochs - epoch < average_last:
            recent.append(arrays)
        if not dev or score > best[0]:
            best = (score, (arrays, meta), epoch)
    if average_last:
        # the mean of the last epochs' weights (checkpoint averaging): a smoother model at no tagging cost
        averaged = {k: np.mean([a[k].astype(np.float32) for a in recent], axis=0).astype(recent[-1][k].dtype)
                    for k in recent[-1]}
        return averaged, {**best[1][1], "epoch": f"mean of {epochs - len(recent) + 1}-{epochs}"}, history, "averaged"
    return (*best[1], history, best[2])


def score_holdout(model: NeuralModel, dev, dev_res: Resources) -> dict:
    """F1 per training file of the held-out block, each tagged in its own file's convention."""
    from pipeline.nlp.ner.tagger import NeuralBackend

    return holdout_scores(dev, lambda source: NeuralBackend(model, dev_res, convention_of(source)))


def run(args, records, dev, folds, full_res: Resources) -> dict:
    """Entry from ``train.run`` once the shared resources are built; returns the report's neural part."""
    import torch

    torch.set_num_threads(max(1, args.threads))
    from pipeline.cache import cache_dir

    pretrained = pretrained_vectors([r.text for r in nerdata.read_dir(args.train_dir)], args.corpus_dir, cache_dir())
    return train(records, folds, dev, full_res, args.out, pretrained, epochs=args.epochs, hidden=args.hidden,
                 dropout=args.dropout, lr=args.lr, batch_size=args.batch_size,
                 seeds=tuple(int(x) for x in str(args.seeds).split(",")),
                 frozen=tuple(x for x in args.freeze.split(",") if x), average_last=args.average_last,
                 unk_rate=args.unk_rate)

