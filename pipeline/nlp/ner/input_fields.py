"""The per-character input fields the network reads, as strings and as vocabulary ids.

Each character of a sentence is described by the categorical fields of
``FIELDS`` (each with its own vocabulary and embedding of the given size):
the character, the character bigram starting at it, jieba's word position
(B/M/E/S + word length) and word class, the word / character clusters, the
name code, the gazetteer tag, the character type, the word's part of speech
in jieba's dictionary, and the person-name prior (``resources.given_name_codes``).
``sentence_fields`` computes them (the same code in training and tagging, so
they cannot drift apart); ``field_ids`` maps them to ids (``UNK`` if unseen).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np

from pipeline.nlp.ner.dictionary_tags import word_class, word_pos, word_tags
from pipeline.nlp.ner.resources import NameTypes, Resources, given_name_codes
from pipeline.nlp.segment import get_tokenizer

# (field, embedding size); "char" and "bigram" start from word2vec vectors of unlabelled text
FIELDS = (("char", 64), ("bigram", 32), ("word_position", 8), ("wclass", 8), ("wcoarse", 8), ("wfine", 16),
          ("ccoarse", 4), ("name", 6), ("gaz", 8), ("ctype", 4), ("part_of_speech", 8),
          ("given", 6))
UNK = 0  # id 0 of every vocabulary: unseen / rare value

_CN_NUM = set("零〇一二三四五六七八九十百千万亿两")
_type_cache: dict[str, str] = {}


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


def char_type(ch: str) -> str:
    """N Chinese numeral, H Han character, D digit, L letter, S space, P punctuation or symbol, O other."""
    t = _type_cache.get(ch)
    if t is None:
        if ch in _CN_NUM:
            t = "N"
        elif "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            t = "H"
        elif ch.isdigit():
            t = "D"
        elif ch.isascii() and ch.isalpha() or unicodedata.category(ch).startswith("L") and ch.isalpha():
            t = "L"
        elif ch.isspace():
            t = "S"
        elif unicodedata.category(ch).startswith("P") or unicodedata.category(ch).startswith("S"):
            t = "P"
        else:
            t = "O"
        _type_cache[ch] = t
    return t


def word_positions(text: str, words: list[tuple[int, int]]) -> tuple[list[str], list[str], list[str]]:
    """Per character: word position (B/M/E/S + length), word, word class + position letter.

    Characters outside every word keep S1 / " " / C; an empty or out-of-range
    span is no word. Words are written in order (a later one overwrites an
    earlier one) with whole-slice assignments of per-length patterns.
    """
    n = len(text)
    if any(not 0 <= s < e <= n for s, e in words):
        words = [(s, e) for s, e in words if 0 <= s < e <= n]
    tags = word_tags()
    freq = get_tokenizer().FREQ
    cls = ["C"] * n
    position = ["S1"] * n
    word = [" "] * n
    strs = [text[s:e] for s, e in words]
    position_pat = _POSITION_PATTERNS
    cls_pat = _CLS_PATTERNS
    for (s, e), w in zip(words, strs):
        ln = e - s
        wc = word_class(w, tags, freq)
        p = position_pat.get(ln)
        if p is None:
            p = position_pat[ln] = _position_pattern(ln)
        k = cls_pat.get((wc, ln))
        if k is None:
            k = cls_pat[(wc, ln)] = [wc + x[0] for x in p]
        position[s:e] = p
        cls[s:e] = k
        word[s:e] = [w] * ln
    return position, word, cls


_POSITION_PATTERNS: dict[int, list[str]] = {}
_CLS_PATTERNS: dict[tuple[str, int], list[str]] = {}


def _position_pattern(ln: int) -> list[str]:
    """Word-position tags of the characters of a word of ``ln`` (>= 1) characters."""
    if ln == 1:
        return ["S1"]
    lb = str(ln) if ln < 5 else "5"
    return ["B" + lb, *(["M" + lb] * (ln - 2)), "E" + lb]


def gazetteer_tags(sent: str, gazetteer: Mapping[str, str] | None) -> list[str] | None:
    """Leftmost-longest gazetteer entries (``nlp.dictmatch``); per character TYPE+B/M/E/S, or None if no match."""
    if not gazetteer:
        return None
    if not isinstance(gazetteer, NameTypes):
        gazetteer = NameTypes(gazetteer)
    tags: list[str] | None = None
    for i, end, t in gazetteer.matcher.scan(sent):
        if tags is None:
            tags = ["-"] * len(sent)
        tags[i] = t + "B"
        for j in range(i + 1, end - 1):
            tags[j] = t + "M"
        tags[end - 1] = t + "E"
    return tags
