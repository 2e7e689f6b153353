"""A text as the tagger reads it: sentences (at most ``MAX_SENT_LEN`` characters) with their word spans.

``document_sentences(text, tokens)`` yields ``(offset, sentence, word spans
relative to the sentence)``; the word spans come from the caller's tokens
(``segment(text)``) or, without them, from segmenting each sentence here.
Shared by tagging (``tagger.py``) and training (``tooling.ner``).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.nlp.segment import cut_words, split_sentences
from pipeline.records import Token

MAX_SENT_LEN = 200


def _sentence_words(text: str, tokens: list[Token] | None, s: int, e: int, cursor: list[int]) -> list[tuple[int, int]]:
    """Word spans of text[s:e] relative to s, from ``tokens`` (sorted) or by segmenting."""
    if tokens is None:
        out = []
        p = 0
        for w in cut_words(text[s:e]):
            if not w.isspace():
                out.append((p, p + len(w)))
            p += len(w)
        return out
    k = cursor[0]
    while k < len(tokens) and tokens[k].end <= s:
        k += 1
    out = []
    while k < len(tokens) and tokens[k].start < e:
        t = tokens[k]
        out.append((max(t.start, s) - s, min(t.end, e) - s))
        if t.end > e:
            break
        k += 1
    cursor[0] = k
    return out


def document_sentences(
    text: str, tokens: list[Token] | None = None, spans: list[tuple[int, int]] | None = None,
) -> Iterator[tuple[int, str, list[tuple[int, int]]]]:
    """(offset, sentence, word spans relative to the sentence) for each sentence of ``text``."""
    if spans is None:
        spans = split_sentences(text, MAX_SENT_LEN)
    cursor = [0]
    for s, e in spans:
        yield s, text[s:e], _sentence_words(text, tokens, s, e, cursor)
