"""The BIOES tag scheme over PER / ORG / LOC: the labels, which label may follow which, spans <-> labels.

``encode`` turns entity spans into one label per character (training),
``decode`` turns labels back into spans (tagging); ``may_follow``,
``may_start`` and ``may_end`` are the scheme's constraints, enforced in
decoding (``decoding.py``) as well as learned.
"""

from __future__ import annotations

LABELS = ("O", "B-PER", "I-PER", "E-PER", "S-PER", "B-ORG", "I-ORG", "E-ORG", "S-ORG",
          "B-LOC", "I-LOC", "E-LOC", "S-LOC")

Span = tuple[int, int, str]


def may_follow(a: str, b: str) -> bool:
    """May label ``b`` follow label ``a`` in BIOES?"""
    if a[0] in "BI":
        return b[0] in "IE" and b[2:] == a[2:]
    return b[0] in "OBS"


def may_start(label: str) -> bool:
    """May a sentence start with ``label``?"""
    return label[0] in "OBS"


def may_end(label: str) -> bool:
    """May a sentence end with ``label``?"""
    return label[0] in "OES"


def encode(n: int, entities: list[Span]) -> list[str]:
    """BIOES labels for a sentence of length ``n`` (overlapping entities: the first wins)."""
    labels = ["O"] * n
    for s, e, t in entities:
        if s < 0 or e > n or s >= e or any(labels[i] != "O" for i in range(s, e)):
            continue
        if e - s == 1:
            labels[s] = "S-" + t
        else:
            labels[s] = "B-" + t
            for i in range(s + 1, e - 1):
                labels[i] = "I-" + t
            labels[e - 1] = "E-" + t
    return labels


def decode(labels: list[str]) -> list[Span]:
    """Spans from BIOES labels (lenient: a broken B-I sequence still yields its span)."""
    spans = []
    start = None
    cur = None
    for i, lab in enumerate(labels):
        tag = lab[0]
        typ = lab[2:]
        if tag == "S":
            if start is not None:
                spans.append((start, i, cur))
            spans.append((i, i + 1, typ))
            start = None
        elif tag == "B":
            if start is not None:
                spans.append((start, i, cur))
            start, cur = i, typ
        elif tag in "IE":
            if start is None or typ != cur:
                if start is not None:
                    spans.append((start, i, cur))
                start, cur = i, typ
            if tag == "E":
                spans.append((start, i + 1, cur))
                start = None
        else:
            if start is not None:
                spans.append((start, i, cur))
            start = None
    if start is not None:
        spans.append((start, len(labels), cur))
    return spans
