"""CRF decoding: the best BIOES label sequence of each sentence's label scores (batched Viterbi).

``Transitions`` holds the learned transition, start and end scores with the
scheme's forbidden moves (``bioes.may_follow`` ...) set to ``FORBIDDEN``;
``viterbi_batch`` decodes all sentences of a text at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.nlp.ner.bioes import LABELS, may_end, may_follow, may_start

FORBIDDEN = -1e4  # the score of a move the tag scheme does not allow


@dataclass(frozen=True)
class Transitions:
    """Scores of label -> label moves (``trans[from, to]``), of the first label and of the last label."""

    trans: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def constrained(cls, trans: np.ndarray, start: np.ndarray, end: np.ndarray) -> "Transitions":
        """Learned scores with the moves BIOES forbids set to ``FORBIDDEN`` (float32)."""
        allowed = np.array([[may_follow(a, b) for b in LABELS] for a in LABELS])
        return cls(np.where(allowed, trans, FORBIDDEN).astype(np.float32),
                   np.where([may_start(lab) for lab in LABELS], start, FORBIDDEN).astype(np.float32),
                   np.where([may_end(lab) for lab in LABELS], end, FORBIDDEN).astype(np.float32))


def viterbi_batch(scores: Sequence[np.ndarray], moves: Transitions) -> list[list[str]]:
    """The best BIOES label sequence of each sentence's scores (n, n_labels), all sentences at once.

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
    best = moves.start + flat[starts[:n_live]]
    back = np.zeros(flat.shape, dtype=np.intp)
    trans = moves.trans[None]
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
    cur = (best + moves.end).argmax(axis=1)
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
