"""Name-likeness of a character, learned from the training sets: the ``names.tsv`` beside the model.

Two digits per character: how often it starts a person name (0 / 1 = 5 %+ /
2 = 25 %+) and how often it is inside one after the first character (same
levels); characters seen fewer than ``NAME_MIN_COUNT`` times are left out
(the model reads them as "x"). Read at run time by
``pipeline.nlp.ner.resources.load_resources``.
"""

from __future__ import annotations

NAME_MIN_COUNT = 3


def name_codes(texts_entities) -> dict[str, str]:
    """{char: name code} from (text, [(start, end, type)]) pairs (chars seen < NAME_MIN_COUNT times left out)."""
    total: dict[str, int] = {}
    first: dict[str, int] = {}
    inner: dict[str, int] = {}
    for text, ents in texts_entities:
        for ch in text:
            total[ch] = total.get(ch, 0) + 1
        for s, e, t in ents:
            if t != "PER":
                continue
            first[text[s]] = first.get(text[s], 0) + 1
            for ch in text[s + 1:e]:
                inner[ch] = inner.get(ch, 0) + 1
    out = {}
    for ch, n in total.items():
        if n >= NAME_MIN_COUNT and not ch.isspace():
            a = first.get(ch, 0) / n
            b = inner.get(ch, 0) / n
            out[ch] = ("2" if a >= 0.25 else "1" if a >= 0.05 else "0") + ("2" if b >= 0.25 else "1" if b >= 0.05 else "0")
    return out
