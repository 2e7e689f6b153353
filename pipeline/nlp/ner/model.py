"""The saved BiLSTM-CRF (``neural.npz``): input fields -> network(s) -> CRF decoding, and writing the file.

``NeuralModel`` reads the file's vocabularies (one per input field it was
trained with, a subset of ``input_fields.FIELDS``), one or more networks
(``network.Network``; an ensemble averages their label scores) and the CRF's
transition scores (``decoding.Transitions``). ``tag_sentences`` runs all
sentences of a text at once.

The weights are trained by ``tooling.ner.train_neural`` (PyTorch, the
``ner-train`` extra) and saved with ``save``: matrices in float16 to keep the
file to a few MB, vectors in float32; several networks trained with different
seeds can be stored as one averaged ensemble (``combine``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from pipeline.nlp.ner.decoding import Transitions, viterbi_batch
from pipeline.nlp.ner.input_fields import FIELDS, field_ids, sentence_fields
from pipeline.nlp.ner.network import Network
from pipeline.nlp.ner.resources import Resources

CONVENTIONS = ("b", "m", "c")  # annotation conventions: Boson, MSRA, CLUENER (``tagger.py``)


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
        members = _network_arrays(arrays, int(meta.get("networks", 1)))
        self.networks = [Network(m, self.fields) for m in members]
        self.hidden = self.networks[0].hidden
        self.moves = Transitions.constrained(np.mean([m["trans"] for m in members], axis=0),  # (from, to)
                                             np.mean([m["start"] for m in members], axis=0),
                                             np.mean([m["end"] for m in members], axis=0))

    @property
    def trans(self) -> np.ndarray:
        return self.moves.trans

    @property
    def start(self) -> np.ndarray:
        return self.moves.start

    @property
    def end(self) -> np.ndarray:
        return self.moves.end

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
        """The input ids (n, n_fields of this model) of one sentence."""
        fields = sentence_fields(sent, words, res)
        return field_ids([fields[j] for j in self._columns], self.vocabs)

    def emissions(self, batch: list[np.ndarray], conv: np.ndarray) -> list[np.ndarray]:
        """Label scores (n, n_labels) of each sentence, averaged over the networks."""
        runs = [net.emissions(batch, conv) for net in self.networks]
        if len(runs) == 1:
            return runs[0]
        return [np.mean(xs, axis=0) for xs in zip(*runs)]

    def viterbi_batch(self, scores: list[np.ndarray]) -> list[list[str]]:
        """The best BIOES label sequence of each sentence's scores (``decoding.viterbi_batch``)."""
        return viterbi_batch(scores, self.moves)

    def tag_sentences(self, batch: list[np.ndarray], conv: np.ndarray, max_batch: int = 512) -> list[list[str]]:
        """BIOES labels for each sentence (as ``field_ids`` arrays)."""
        labels: list[list[str]] = []
        for s in range(0, len(batch), max_batch):
            labels.extend(self.viterbi_batch(self.emissions(batch[s:s + max_batch], conv)))
        return labels


def _network_arrays(arrays: Mapping[str, np.ndarray], n: int) -> list[dict[str, np.ndarray]]:
    """Each network's arrays under plain names: the file's own for one network, else ``<k>/`` plus the shared ones."""
    if n == 1 and "out_w" in arrays:
        return [dict(arrays)]
    return [{**{k: v for k, v in arrays.items() if "/" not in k},
             **{k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{i}/")}} for i in range(n)]


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
