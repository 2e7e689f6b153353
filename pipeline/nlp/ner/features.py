"""Per-character inputs of the BiLSTM-CRF (``neural.sentence_fields``), shared by training and tagging.

What is here: splitting a text into sentences with their word spans
(``document_sentences``); per character, jieba's word position (B/M/E/S + word
length) and the word's dictionary class (``word_positions``: nr / ns / nt / nz
/ j for name classes, "W" another dictionary word, "U" a word jieba's HMM made
up, "C" a single character); the dictionary's part-of-speech tag of a word
(``word_pos``); the character type (``char_type``); the longest gazetteer entry
covering a character (``NameTypes``, ``gazetteer_tags``); the per-character
person-name codes learned from the training sets (``name_codes``) and the
person-name prior from outside them (``given_name_codes``); the lookup data of
a model (``Resources``). Labels are BIOES over PER/ORG/LOC: ``encode`` turns
spans into labels, ``decode`` turns them back into spans.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from pipeline.ingest.structure import load_cues
from pipeline.nlp.dictmatch import DictMatcher
from pipeline.nlp.segment import USER_DICT, cut_words, get_tokenizer, split_sentences
from pipeline.records import Token

MAX_GAZ_LEN = 10
MAX_SENT_LEN = 200
_CN_NUM = set("零〇一二三四五六七八九十百千万亿两")
_type_cache: dict[str, str] = {}
_NAME_TAGS = {"nr": "nr", "nrt": "nr", "nrfg": "nr", "ns": "ns", "nt": "nt", "nz": "nz", "j": "j"}
_word_tags: dict[str, str] | None = None
_word_pos: dict[str, str] | None = None


def word_tags() -> dict[str, str]:
    """{word: name class} from jieba's dictionary and the project's user dictionary (loaded once)."""
    if _word_tags is None:
        _load_dictionary_tags()
    return _word_tags  # type: ignore[return-value]


def word_pos() -> dict[str, str]:
    """{word: part-of-speech tag} of the dictionaries' words whose tag is not a noun class (loaded once).

    Dictionary words missing here are nouns (``n``, or a name class of
    ``word_tags``); the tag is the dictionary's, not a tagger's, so it is the
    same for a word wherever it occurs (v, vn, a, d, m, q, p, u, c, t, f, ...).
    """
    if _word_pos is None:
        _load_dictionary_tags()
    return _word_pos  # type: ignore[return-value]


def _load_dictionary_tags() -> None:
    global _word_tags, _word_pos
    tags: dict[str, str] = {}
    pos: dict[str, str] = {}
    tok = get_tokenizer()
    files = [tok.get_dict_file()]
    if USER_DICT.exists():
        files.append(USER_DICT.open("rb"))
    intern: dict[str, str] = {}
    for fh in files:
        with fh:
            for raw in fh:
                parts = raw.decode("utf-8").split()
                if len(parts) < 3:
                    continue
                t = parts[2]
                if t in _NAME_TAGS:
                    tags[parts[0]] = _NAME_TAGS[t]
                elif t[0] != "n":
                    pos[parts[0]] = intern.setdefault(t, t)
                else:
                    pos.pop(parts[0], None)  # a later (user) entry as a noun overrides
    _word_pos = pos
    _word_tags = tags


def word_class(w: str, tags: Mapping[str, str], freq: Mapping[str, int]) -> str:
    if len(w) == 1:
        return "C"
    t = tags.get(w)
    if t is not None:
        return t
    return "W" if freq.get(w) else "U"


def char_type(ch: str) -> str:
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


class NameTypes(dict):
    """The name list of the NER gazetteer feature (``gazetteer.tsv``; not ``nlp.gazetteer.Gazetteer``, the
    administrative divisions): {name: type} with its dictionary matcher over the names of 2..MAX_GAZ_LEN characters
    (build once, do not mutate)."""

    def __init__(self, names: Mapping[str, str] = ()):
        super().__init__(names)
        self.matcher = DictMatcher(self, min_len=2, max_len=MAX_GAZ_LEN)


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


# Person-name prior of a character from outside the training sets (``given_name_codes``):
# whether it is a common surname, its frequency rank in given names (rank bands of
# GIVEN_RANKS, "x" = never in one) and whether it is a usual character of Chinese
# transliterations of foreign names. Surnames and transliteration characters are the
# lists of ``pipeline/data/ingest/``; given-name counts are ``ner/given_name_chars.csv``
# (ngender's per-character counts over a large list of Chinese names).
GIVEN_RANKS = (50, 200, 600, 1500, 4000)
GIVEN_NAMES_PATH = Path(__file__).resolve().parents[2] / "data" / "ner" / "given_name_chars.csv"
_given_codes: dict[str, str] | None = None


def given_name_codes() -> dict[str, str]:
    """{char: surname flag (S / -) + given-name rank band (0 most common .. 5, x absent) + T / -} (loaded once)."""
    global _given_codes
    if _given_codes is None:
        cues = load_cues()
        with GIVEN_NAMES_PATH.open(encoding="utf-8") as fh:
            counts = {r["char"]: int(r["male"]) + int(r["female"]) for r in csv.DictReader(fh)}
        ranked = sorted(counts, key=lambda ch: -counts[ch])
        band = {ch: str(sum(r >= k for k in GIVEN_RANKS)) for r, ch in enumerate(ranked)}
        surnames = cues.surnames | {name[0] for name in cues.compound_surnames}
        _given_codes = {ch: ("S" if ch in surnames else "-") + band.get(ch, "x")
                        + ("T" if ch in cues.transliteration_chars else "-")
                        for ch in set(band) | surnames | cues.transliteration_chars}
    return _given_codes


# Name-likeness of a character, from the training sets (``name_codes``): two digits,
# how often the character starts a person name (0 / 1 = 5 %+ / 2 = 25 %+) and how
# often it is inside one after the first character (same levels); "x" = too rare.
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


class Resources:
    """Lookup data of the inputs: gazetteer, word / character clusters, name codes (each may be empty)."""

    def __init__(self, gazetteer: Mapping[str, str] | None = None, clusters=None,
                 names: Mapping[str, str] | None = None):
        if gazetteer and not isinstance(gazetteer, NameTypes):
            gazetteer = NameTypes(gazetteer)
        self.gazetteer = gazetteer or None
        self.word_clusters = clusters.words if clusters else {}
        self.char_clusters = clusters.chars if clusters else {}
        self.names = dict(names or {})


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


def encode(n: int, entities: list[tuple[int, int, str]]) -> list[str]:
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


def decode(labels: list[str]) -> list[tuple[int, int, str]]:
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
