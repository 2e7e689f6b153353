"""The golden fixture of the NumPy ≡ PyTorch check: a small network, its inputs and PyTorch's scores.

``python -m tooling.ner.parity_fixture [OUT]`` (needs torch: the ``ner-train``
extra) builds a small random ``train_neural._Net`` over every field of
``input_fields.FIELDS``, exports it as ``train-ner`` does, and writes the exported
arrays, three sentences of input ids and PyTorch's emission scores for them to
``tests/fixtures/ner_parity.npz``. ``tests/test_ner_neural.py`` then checks, with
NumPy only (every ``make test``), that ``model.NeuralModel`` gives those scores.
Re-run it when the network or its fields change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from pipeline.nlp.ner.input_fields import FIELDS
from tooling.ner.train_neural import _Net

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "ner_parity.npz"
LENGTHS = (8, 5, 2)  # sentences of a batch, longest first (packed sequences)
CONVENTION = 1  # the convention the scores are computed for (index into model.CONVENTIONS)


def build(seed: int = 0) -> dict[str, np.ndarray]:
    """The fixture's arrays: the network's (``emb_*``, ``lstm_*`` ...), ``meta``, ``ids_<i>``, ``scores_<i>``."""
    import torch

    torch.manual_seed(seed)
    vocabs = [["\x00UNK", *[f"{name}{k}" for k in range(9)]] for name, _ in FIELDS]
    net = _Net(vocabs, {}, hidden=7, dropout=0.3)
    net.modules.eval()
    arrays, meta = net.export(vocabs, {})
    for emb, (name, _) in zip(net.modules["emb"], FIELDS):  # the export rounds embeddings to float16
        emb.weight.data = torch.tensor(arrays[f"emb_{name}"].astype(np.float32))
    rng = np.random.default_rng(seed)
    batch = [rng.integers(0, 10, size=(n, len(FIELDS))).astype(np.int32) for n in LENGTHS]
    x = torch.zeros((len(batch), max(LENGTHS), len(FIELDS)), dtype=torch.long)
    for i, ids in enumerate(batch):
        x[i, :len(ids)] = torch.from_numpy(ids.astype(np.int64))
    conv = torch.eye(3)[[CONVENTION] * len(batch)]
    with torch.no_grad():
        scores = net.emissions(x, conv, torch.tensor(LENGTHS)).numpy()
    out = dict(arrays)
    out["meta"] = np.frombuffer(json.dumps({**meta, "convention": CONVENTION}).encode("utf-8"), dtype=np.uint8)
    for i, ids in enumerate(batch):
        out[f"ids_{i}"] = ids
        out[f"scores_{i}"] = scores[i, :len(ids)].astype(np.float32)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **build())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
