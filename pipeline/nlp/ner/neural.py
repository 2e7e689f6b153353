"""A character BiLSTM-CRF tagger, run with NumPy (no deep-learning library at run time).

Each character of a sentence is described by a few categorical *fields*
(``FIELDS``): the character, the character bigram starting at it, jieba's word
position (B/M/E/S + length) and word class, the word / character clusters of
``clusters.tsv``, the name code of ``names.tsv``, the gazetteer tag, the
character type, the word's part of speech in jieba's dictionary, and the
person-name prior of ``features.given_name_codes`` (surname, given-name
frequency band, transliteration character; from outside the training sets).
A model file lists the fields it was trained with, and only those are used.
``sentence_fields`` computes them (the same code in training
and tagging, so they cannot drift apart); each field has its own vocabulary
and embedding. The embeddings, concatenated with a one-hot of the annotation
convention, go through one bidirectional LSTM layer; a linear layer (which
also sees the convention) gives BIOES label scores, and Viterbi decoding over
a learned transition matrix picks the label sequence.

The weights are trained by ``train_neural.py`` (PyTorch, the ``ner-train``
extra) and saved as ``neural.npz`` (``save``): matrices in float16 to keep the
file to a few MB, vectors in float32; several networks trained with different
seeds can be stored as one averaged ensemble (``combine``).
``NeuralModel.tag_sentences`` runs all sentences of a text at once, so that
the per-step cost of the LSTM loop in NumPy is shared by many sentences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from pipeline.nlp.ner.features import (
    Resources,
    char_type,
    gazetteer_tags,
    given_name_codes,
    word_pos,
    word_positions,
)
from pipeline.nlp.segment import get_tokenizer

LABELS = ("O", "B-PER", "I-PER", "E-PER", "S-PER", "B-ORG", "I-ORG", "E-ORG", "S-ORG",
          "B-LOC", "I-LOC", "E-LOC", "S-LOC")
CONVENTIONS = ("b", "m", "c")
# (field, embedding size); "char" and "bigram" start from word2vec vectors of unlabelled text
FIELDS = (("char", 64), ("bigram", 32), ("word_position", 8), ("wclass", 8), ("wcoarse", 8), ("wfine", 16),
          ("ccoarse", 4), ("name", 6), ("gaz", 8), ("ctype", 4), ("part_of_speech", 8),
          ("given", 6))
UNK = 0  # id 0 of every vocabulary: unseen / rare value


def sentence_fields(sent: str, words: list[tuple[int, int]], res: Resources) -> list[list[str]]:
    """Per field (in ``FIELDS`` order), the value of each character of ``sent`` as a string."""
    n = len(sent)
    position, word, cls = word_positions(sent, words)
    wcl = res.word_clusters
    ccl = res.char_clusters
    miss = ("-", "-")
    wc = [wcl.get(w, miss) for w in word]
    names = res.names
    gaz = gazetteer_tags(sent, res.gazetteer) or ["-"] * n
    part_of_speech = word_pos()
    freq = get_tokenizer().FREQ
    given = given_name_codes()
    return [
        list(sent),
        [sent[i:i + 2] for i in range(n - 1)] + [sent[-1:] + "$"] if n else [],
        position,
        cls,
        [x[0] for x in wc],
        [x[1] for x in wc],
        [ccl.get(ch, miss)[0] for ch in sent],
        [names.get(ch, "x") for ch in sent],
        gaz,
        [char_type(ch) for ch in sent],
        [part_of_speech.get(w, "n") if freq.get(w) else "U" for w in word],  # "U": a word jieba's HMM made up
        [given.get(ch, "-x-") for ch in sent],
    ]


def field_ids(fields: list[list[str]], vocabs: Sequence[Mapping[str, int]]) -> np.ndarray:
    """(n, n_fields) int32 ids of ``sentence_fields`` output (unknown values -> ``UNK``)."""
    n = len(fields[0])
    out = np.empty((n, len(fields)), dtype=np.int32)
    unk = repeat(UNK)
    for j, (col, vocab) in enumerate(zip(fields, vocabs)):
        out[:, j] = np.fromiter(map(vocab.get, col, unk), dtype=np.int32, count=n)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class _Network:
    """One trained network: embeddings, BiLSTM, output layer (its transitions are averaged by ``NeuralModel``)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], fields: Sequence[str]):
        f32 = np.float32
        self.emb = [arrays[f"emb_{name}"].astype(f32) for name in fields]
        self.hidden = h = arrays["lstm_w_hh_f"].shape[0]
        # stacked (forward, backward), the cell gate's columns doubled (see _bilstm)
        scale = np.ones(4 * h, dtype=f32)
        scale[2 * h:3 * h] = 2.0
        self._w_ih = np.stack([arrays["lstm_w_ih_f"] * scale, arrays["lstm_w_ih_b"] * scale]).astype(f32)  # (2, D, 4H)
        self._w_hh = np.stack([arrays["lstm_w_hh_f"] * scale, arrays["lstm_w_hh_b"] * scale]).astype(f32)  # (2, H, 4H)
        self._bias = np.stack([arrays["lstm_b_f"] * scale, arrays["lstm_b_b"] * scale]).astype(f32)  # (2, 4H)
        self.out_w = arrays["out_w"].astype(f32)  # (2H + n_conv, n_labels)
        self.out_b = arrays["out_b"].astype(f32)

    def _bilstm(self, x: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Forward and backward states (2, N, H) of sentences packed end to end in ``x`` (N, D).

        The sentences are in order of decreasing length, so at step k the
        first ``active[k]`` of them are live; the backward direction reads each
        sentence from its end. Both directions run in one loop (a stacked batch
        of two), without padding: each step gathers the live rows' input
        projections and scatters their states back to their characters. The
        cell gate's weights are doubled at load time, so one sigmoid gives all
        four gates (tanh(x) = 2 sigmoid(2x) - 1).
        """
        n = x.shape[0]
        h_size = self.hidden
        gates_x = np.matmul(x, self._w_ih).reshape(2 * n, 4 * h_size)  # forward rows, then backward rows
        gates_x[:n] += self._bias[0]
        gates_x[n:] += self._bias[1]
        b = len(lengths)
        h = np.zeros((2, b, h_size), dtype=np.float32)
        c = np.zeros((2, b, h_size), dtype=np.float32)
        out = np.empty((2 * n, h_size), dtype=np.float32)
        ends = starts + lengths - 1 + n  # last character of each sentence, in the backward rows
        h2, h3 = 2 * h_size, 3 * h_size
        active = b
        for k in range(int(lengths[0]) if b else 0):
            while lengths[active - 1] <= k:
                active -= 1
            m = active
            rows = np.concatenate([starts[:m] + k, ends[:m] - k])
            g = gates_x[rows].reshape(2, m, 4 * h_size)
            g += np.matmul(h[:, :m], self._w_hh)
            g = _sigmoid(g)
            cm = g[..., h_size:h2] * c[:, :m] + g[..., :h_size] * (2.0 * g[..., h2:h3] - 1.0)
            c[:, :m] = cm
            hm = g[..., h3:] * np.tanh(cm)
            h[:, :m] = hm
            out[rows] = hm.reshape(2 * m, h_size)
        return out.reshape(2, n, h_size)

    def emissions(self, batch: list[np.ndarray], conv: np.ndarray) -> list[np.ndarray]:
        """Label scores (n, n_labels) of each sentence's ids (sentences of any order and length)."""
        if not batch:
            return []
        order = sorted(range(len(batch)), key=lambda k: -len(batch[k]))
        lengths = np.array([len(batch[k]) for k in order])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ids = np.concatenate([batch[k] for k in order])
        n = ids.shape[0]
        conv_rows = np.broadcast_to(conv, (n, conv.shape[0]))
        x = np.concatenate([emb[ids[:, j]] for j, emb in enumerate(self.emb)] + [conv_rows], axis=1)
        states = self._bilstm(x, starts, lengths)
        scores = np.concatenate([states[0], states[1], conv_rows], axis=1) @ self.out_w + self.out_b
        out: list[np.ndarray] = [None] * len(batch)  # type: ignore[list-item]
        for row, k in enumerate(order):
            out[k] = scores[starts[row]:starts[row] + lengths[row]]
        return out


class NeuralModel:
    """The saved model: vocabularies, one or more networks (an ensemble averages their scores), transitions.

    ``neural.npz`` holds one network's arrays under plain names, or several
    under ``<k>/<name>`` (an array that all networks share, such as frozen
    word2vec vectors, is stored once under its plain name).
    """

    def __init__(self, arrays: Mapping[str, np.ndarray], meta: dict):
        self.meta = meta
        # the fields the model was trained with (a subset of FIELDS, in FIELDS order)
        self.fields = [name for name, _ in FIELDS if name in meta["vocabs"]]
        self._columns = [j for j, (name, _) in enumerate(FIELDS) if name in meta["vocabs"]]
        self.vocabs = [{v: i for i, v in enumerate(meta["vocabs"][name])} for name in self.fields]
        n = int(meta.get("networks", 1))
        if n == 1 and "out_w" in arrays:
            members = [dict(arrays)]
        else:
            members = [{**{k: v for k, v in arrays.items() if "/" not in k},
                        **{k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{i}/")}} for i in range(n)]
        self.networks = [_Network(m, self.fields) for m in members]
        self.hidden = self.networks[0].hidden
        trans = np.mean([m["trans"] for m in members], axis=0)  # (n_labels, n_labels): from -> to
        start = np.mean([m["start"] for m in members], axis=0)
        end = np.mean([m["end"] for m in members], axis=0)
        # label constraints (BIOES) enforced in decoding as well as learned
        allowed = np.array([[_allowed(a, b) for b in LABELS] for a in LABELS])
        self.trans = np.where(allowed, trans, -1e4).astype(np.float32)
        self.start = np.where([lab[0] in "OBS" for lab in LABELS], start, -1e4).astype(np.float32)
        self.end = np.where([lab[0] in "OES" for lab in LABELS], end, -1e4).astype(np.float32)

    @classmethod
    def load(cls, path: Path) -> "NeuralModel":
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k != "meta"}
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        return cls(arrays, meta)

    def convention_vector(self, convention: str | Mapping[str, float] | None) -> np.ndarray:
        """One-hot of a convention, a {convention: weight} mix, or uniform for None (shared)."""
        v = np.zeros(len(CONVENTIONS), dtype=np.float32)
        if convention is None:
            v[:] = 1.0 / len(CONVENTIONS)
        elif isinstance(convention, str):
            v[CONVENTIONS.index(convention)] = 1.0
        else:
            for k, w in convention.items():
                v[CONVENTIONS.index(k)] = w
        return v

    def ids(self, sent: str, words: list[tuple[int, int]], res: Resources) -> np.ndarray:
        fields = sentence_fields(sent, words, res)
        return field_ids([fields[j] for j in self._columns], self.vocabs)

    def emissions(self, batch: list[np.ndarray], conv: np.ndarray) -> list[np.ndarray]:
        """Label scores (n, n_labels) of each sentence, averaged over the networks."""
        runs = [net.emissions(batch, conv) for net in self.networks]
        if len(runs) == 1:
            return runs[0]
        return [np.mean(xs, axis=0) for xs in zip(*runs)]

    def viterbi_batch(self, scores: list[np.ndarray]) -> list[list[str]]:
        """The best BIOES label sequence of each sentence's scores (Viterbi), all sentences at once.

        One step per character position, over the sentences still live at it
        (longest first), then one backtracking pass in the same order.
        """
        if not scores:
            return []
        order = sorted(range(len(scores)), key=lambda k: -len(scores[k]))
        lengths = np.array([len(scores[k]) for k in order])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        flat = np.concatenate([scores[k] for k in order]) if lengths.sum() else np.zeros((0, len(LABELS)))
        n_live = int((lengths > 0).sum())  # empty sentences come last
        best = self.start + flat[starts[:n_live]]
        back = np.zeros(flat.shape, dtype=np.intp)
        trans = self.trans[None]
        active = n_live
        t = int(lengths[0])
        for k in range(1, t):
            while lengths[active - 1] <= k:
                active -= 1
            cand = best[:active, :, None] + trans  # (m, from, to)
            arg = cand.argmax(axis=1)
            rows = starts[:active] + k
            back[rows] = arg
            best[:active] = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0, :] + flat[rows]
        cur = (best + self.end).argmax(axis=1)
        path = np.empty(flat.shape[0], dtype=np.intp)
        path[starts[:n_live] + lengths[:n_live] - 1] = cur
        for k in range(t - 1, 0, -1):
            m = int((lengths[:n_live] > k).sum())
            rows = starts[:m] + k
            cur[:m] = back[rows, cur[:m]]
            path[rows - 1] = cur[:m]
        names = np.array(LABELS, dtype=object)
        out: list[list[str]] = [[] for _ in scores]
        for row, k in enumerate(order[:n_live]):
            out[k] = names[path[starts[row]:starts[row] + lengths[row]]].tolist()
        return out

    def tag_sentences(self, batch: list[np.ndarray], conv: np.ndarray, max_batch: int = 512) -> list[list[str]]:
        """BIOES labels for each sentence (as ``field_ids`` arrays)."""
        labels: list[list[str]] = []
        for s in range(0, len(batch), max_batch):
            labels.extend(self.viterbi_batch(self.emissions(batch[s:s + max_batch], conv)))
        return labels


def _allowed(a: str, b: str) -> bool:
    """May label ``b`` follow label ``a`` in BIOES?"""
    if a[0] in "BI":
        return b[0] in "IE" and b[2:] == a[2:]
    return b[0] in "OBS"


def combine(models: Sequence[tuple[Mapping[str, np.ndarray], dict]]) -> tuple[dict[str, np.ndarray], dict]:
    """One ensemble file's arrays and meta from several single networks (same vocabularies).

    An array equal in every network is stored once under its plain name; the
    rest go under ``<k>/<name>``.
    """
    vocabs = models[0][1]["vocabs"]
    if any(meta["vocabs"] != vocabs for _, meta in models):
        raise ValueError("networks with different vocabularies cannot be combined")
    out: dict[str, np.ndarray] = {}
    for name in models[0][0]:
        values = [arrays[name] for arrays, _ in models]
        if all(v.shape == values[0].shape and np.array_equal(v, values[0]) for v in values[1:]):
            out[name] = values[0]
        else:
            out.update({f"{k}/{name}": v for k, v in enumerate(values)})
    meta = {**models[0][1], "networks": len(models), "members": [m.get("seed") for _, m in models]}
    return out, meta


def save(path: Path, arrays: Mapping[str, np.ndarray], meta: dict) -> None:
    """Write ``neural.npz``: weight matrices as float16 (the file stays a few MB); vectors and the
    transition matrix as float32."""
    out = {k: (v.astype(np.float16) if v.ndim == 2 and k.rsplit("/", 1)[-1] not in ("trans",) else v)
           for k, v in arrays.items()}
    out["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez(path, **out)
