"""Per-character CRF features, shared by training and tagging (so they cannot drift apart).

A text is split into sentences (``segment.split_sentences``); each character
of a sentence gets a short list of string features:

- characters at offsets -2..+2 and the character bigrams around it;
- the character-type pattern of (-1, 0, +1): han / digit / Chinese numeral /
  latin / punctuation / other;
- jieba's segmentation: the character's position in its word (B/M/E/S) with
  the word length, the character with that position, the word itself, and the
  previous and next words;
- the dictionary class of the character's word: its jieba dictionary tag
  when that is a name class (nr person, ns place, nt organisation, nz other
  proper noun, j abbreviation), "W" for another dictionary word, "U" for a
  word jieba's HMM made up (often a name), "C" for a single character;
- gazetteer membership: the longest entry of ``pipeline/data/ner/gazetteer.tsv``
  (entity names from the training sets, China's administrative divisions,
  country names) covering the character, as TYPE-position.

Everything is built from precomputed per-sentence strings with one list
comprehension per sentence, because feature extraction in Python is the cost
of tagging. Labels are BIOES over PER/ORG/LOC; ``decode`` turns them back into
spans.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping

from pipeline.nlp.segment import USER_DICT, cut_words, get_tokenizer, split_sentences
from pipeline.records import Token

MAX_GAZ_LEN = 10
MAX_SENT_LEN = 200
_CN_NUM = set("零〇一二三四五六七八九十百千万亿两")
_type_cache: dict[str, str] = {}
_NAME_TAGS = {"nr": "nr", "nrt": "nr", "nrfg": "nr", "ns": "ns", "nt": "nt", "nz": "nz", "j": "j"}
_word_tags: dict[str, str] | None = None


def word_tags() -> dict[str, str]:
    """{word: name class} from jieba's dictionary and the project's user dictionary (loaded once)."""
    global _word_tags
    if _word_tags is None:
        tags: dict[str, str] = {}
        tok = get_tokenizer()
        files = [tok.get_dict_file()]
        if USER_DICT.exists():
            files.append(USER_DICT.open("rb"))
        for fh in files:
            with fh:
                for raw in fh:
                    parts = raw.decode("utf-8").split()
                    if len(parts) >= 3 and parts[2] in _NAME_TAGS:
                        tags[parts[0]] = _NAME_TAGS[parts[2]]
        _word_tags = tags
    return _word_tags


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


def word_positions(text: str, words: list[tuple[int, int]]) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """Per character: position tag (B/M/E/S + length), word, previous word, next word, word class.

    Characters outside every word keep S1 / " " / ^ / $ / C. Words are written
    in order (a later one overwrites an earlier one) with whole-slice
    assignments of per-length patterns, which is what makes this fast.
    """
    n = len(text)
    if any(not 0 <= s < e <= n for s, e in words):
        return _word_positions_loop(text, words)
    tags = word_tags()
    freq = get_tokenizer().FREQ
    cls = ["C"] * n
    pos = ["S1"] * n
    word = [" "] * n
    prev = ["^"] * n
    nxt = ["$"] * n
    strs = [text[s:e] for s, e in words]
    prevs = ["^", *strs[:-1]]
    nexts = [*strs[1:], "$"]
    pos_pat = _POS_PATTERNS
    cls_pat = _CLS_PATTERNS
    for (s, e), w, pw, nw in zip(words, strs, prevs, nexts):
        ln = e - s
        if ln == 1:
            wc = "C"
        else:
            wc = tags.get(w)
            if wc is None:
                wc = "W" if freq.get(w) else "U"
        p = pos_pat.get(ln)
        if p is None:
            p = pos_pat[ln] = _pos_pattern(ln)
        k = cls_pat.get((wc, ln))
        if k is None:
            k = cls_pat[(wc, ln)] = [wc + x[0] for x in p]
        pos[s:e] = p
        cls[s:e] = k
        word[s:e] = [w] * ln
        prev[s:e] = [pw] * ln
        nxt[s:e] = [nw] * ln
    return pos, word, prev, nxt, cls


_POS_PATTERNS: dict[int, list[str]] = {}
_CLS_PATTERNS: dict[tuple[str, int], list[str]] = {}


def _pos_pattern(ln: int) -> list[str]:
    """Position tags of the characters of a word of ``ln`` (>= 1) characters."""
    if ln == 1:
        return ["S1"]
    lb = str(ln) if ln < 5 else "5"
    return ["B" + lb, *(["M" + lb] * (ln - 2)), "E" + lb]


def _word_positions_loop(text: str, words: list[tuple[int, int]]) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """``word_positions`` character by character, for word spans that are empty or out of range."""
    n = len(text)
    tags = word_tags()
    freq = get_tokenizer().FREQ
    cls = ["C"] * n
    pos = ["S1"] * n
    word = [" "] * n
    prev = ["^"] * n
    nxt = ["$"] * n
    last = len(words) - 1
    for k, (s, e) in enumerate(words):
        w = text[s:e]
        pw = text[words[k - 1][0]:words[k - 1][1]] if k > 0 else "^"
        nw = text[words[k + 1][0]:words[k + 1][1]] if k < last else "$"
        ln = e - s
        lb = str(ln) if ln < 5 else "5"
        if ln == 1:
            pos[s] = "S1"
        else:
            pos[s] = "B" + lb
            for i in range(s + 1, e - 1):
                pos[i] = "M" + lb
            pos[e - 1] = "E" + lb
        wc = word_class(w, tags, freq)
        for i in range(s, e):
            word[i] = w
            prev[i] = pw
            nxt[i] = nw
            cls[i] = wc + pos[i][0]
    return pos, word, prev, nxt, cls


class Gazetteer(dict):
    """{name: type} with the set of two-character prefixes of its names (build once, do not mutate)."""

    def __init__(self, names: Mapping[str, str] = ()):
        super().__init__(names)
        self.prefixes = {name[:2] for name in self}


def gazetteer_tags(sent: str, gazetteer: Mapping[str, str] | None) -> list[str] | None:
    """Greedy longest-match of gazetteer entries; per character TYPE+B/M/E/S, or None if no match."""
    if not gazetteer:
        return None
    if not isinstance(gazetteer, Gazetteer):
        gazetteer = Gazetteer(gazetteer)
    prefixes = gazetteer.prefixes
    n = len(sent)
    tags: list[str] | None = None
    i = 0
    while i < n - 1:
        if sent[i:i + 2] not in prefixes:  # most positions: one set lookup
            i += 1
            continue
        hit = None
        for ln in range(min(MAX_GAZ_LEN, n - i), 1, -1):
            t = gazetteer.get(sent[i:i + ln])
            if t is not None:
                hit = (ln, t)
                break
        if hit is None:
            i += 1
            continue
        ln, t = hit
        if tags is None:
            tags = ["-"] * n
        tags[i] = t + "B"
        for j in range(i + 1, i + ln - 1):
            tags[j] = t + "M"
        tags[i + ln - 1] = t + "E"
        i += ln
    return tags


def sentence_features(sent: str, words: list[tuple[int, int]], gazetteer: Mapping[str, str] | None) -> list[list[str]]:
    """Features of each character of ``sent``; ``words`` are its word spans (offsets into ``sent``)."""
    n = len(sent)
    c = ["^2", "^1", *sent, "$1", "$2"]
    ty = [char_type(ch) for ch in sent]
    tp = ["^", *ty, "$"]
    pos, word, prev, nxt, cls = word_positions(sent, words)
    gaz = gazetteer_tags(sent, gazetteer)
    feats = [
        [
            "c0=" + c[i + 2],
            "c-1=" + c[i + 1],
            "c1=" + c[i + 3],
            "c-2=" + c[i],
            "c2=" + c[i + 4],
            "b-1=" + c[i + 1] + c[i + 2],
            "b0=" + c[i + 2] + c[i + 3],
            "b-2=" + c[i] + c[i + 1],
            "b1=" + c[i + 3] + c[i + 4],
            "t=" + tp[i] + tp[i + 1] + tp[i + 2],
            "p=" + pos[i],
            "cp=" + c[i + 2] + pos[i],
            "w=" + word[i],
            "pw=" + prev[i],
            "nw=" + nxt[i],
            "k=" + cls[i],
        ]
        for i in range(n)
    ]
    if gaz is not None:
        for i, g in enumerate(gaz):
            if g != "-":
                feats[i].append("g=" + g)
    return feats


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


def document_features(
    text: str,
    tokens: list[Token] | None = None,
    gazetteer: Mapping[str, str] | None = None,
    spans: list[tuple[int, int]] | None = None,
) -> Iterator[tuple[int, list[list[str]]]]:
    """(sentence offset, features) for each sentence of ``text``."""
    if spans is None:
        spans = split_sentences(text, MAX_SENT_LEN)
    cursor = [0]
    for s, e in spans:
        words = _sentence_words(text, tokens, s, e, cursor)
        yield s, sentence_features(text[s:e], words, gazetteer)


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
