"""The network's forward pass in NumPy: embeddings, one bidirectional LSTM layer, the output layer.

``Network(arrays, fields)`` is one trained network read from its arrays
(``emb_<field>``, ``lstm_w_ih_f`` ..., ``out_w``, ``out_b``); ``emissions``
gives the BIOES label scores of each sentence of a batch of input ids
(``input_fields.field_ids``). The embeddings of the fields, concatenated with
a one-hot of the annotation convention, go through the BiLSTM; the linear
output layer also sees the convention. All sentences of a text run at once,
so that the per-step cost of the LSTM loop is shared by many sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class Network:
    """One trained network: embeddings, BiLSTM, output layer (its transitions are read by ``model.NeuralModel``)."""

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
            g = sigmoid(g)
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
