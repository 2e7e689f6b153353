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

With a model trained on the extended set (``Resources``, the shipped model's
``features.json`` says ``"extended": true``) also:

- word clusters (``clusters.tsv``, word2vec + k-means over unlabelled news
  text): the coarse and fine cluster of the character's word, the coarse
  cluster of the previous and next word; unseen or rare words get "-";
- character clusters: the fine cluster of the character and the coarse
  clusters of (-1, 0, +1);
- name codes (``names.tsv``, from the training sets): for each character how
  often it starts a person name and how often it continues one, as two digits,
  over (0, +1, +2) and (-2, -1, 0), so that an unseen name like 潘好好 after
  a title still looks like surname + given name.

Optionally (``train-ner --suffixes``; measured, not used by the shipped model)
the distance in words to the next word that often ends an ORG / LOC name.

In training each feature also gets a copy per annotation convention
(``adapt``); tagging folds the convention's weights into the model instead
(``crf.CrfModel.folded``) and builds the shared features only.

Everything is built from precomputed per-sentence strings with one list
comprehension per sentence, because feature extraction in Python is the cost
of tagging. Labels are BIOES over PER/ORG/LOC; ``decode`` turns them back into
spans.
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
        wc = word_class(w, tags, freq)
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
    """{name: type} with its dictionary matcher over the names of 2..MAX_GAZ_LEN characters
    (build once, do not mutate)."""

    def __init__(self, names: Mapping[str, str] = ()):
        super().__init__(names)
        self.matcher = DictMatcher(self, min_len=2, max_len=MAX_GAZ_LEN)


def gazetteer_tags(sent: str, gazetteer: Mapping[str, str] | None) -> list[str] | None:
    """Leftmost-longest gazetteer entries (``nlp.dictmatch``); per character TYPE+B/M/E/S, or None if no match."""
    if not gazetteer:
        return None
    if not isinstance(gazetteer, Gazetteer):
        gazetteer = Gazetteer(gazetteer)
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
    """Lookup data of the features: gazetteer, word / character clusters, name codes (each may be empty)."""

    def __init__(self, gazetteer: Mapping[str, str] | None = None, clusters=None,
                 names: Mapping[str, str] | None = None, extended: bool = True,
                 suffixes: Mapping[str, str] | None = None):
        if gazetteer and not isinstance(gazetteer, Gazetteer):
            gazetteer = Gazetteer(gazetteer)
        self.gazetteer = gazetteer or None
        self.word_clusters = clusters.words if clusters else {}
        self.char_clusters = clusters.chars if clusters else {}
        self.names = dict(names or {})
        # True: the feature set with clusters and name codes (the model's ``features.json`` says which)
        self.extended = extended
        # {word: ORG / LOC}: words that often end an organisation / place name (``suffix_words``);
        # None: no suffix-distance features
        self.suffixes = dict(suffixes) if suffixes is not None else None


SUFFIX_WINDOW = 5


def suffix_words(records_words, min_count: int = 3, min_ratio: float = 0.2) -> dict[str, str]:
    """{word: ORG / LOC} for words that end entities of that type often (from (text, words, entities) triples).

    A word qualifies when it ends an entity of the type at least ``min_count``
    times and in at least ``min_ratio`` of its occurrences (公司, 集团, 大学, 省, 市 ...).
    """
    total: dict[str, int] = {}
    ends: dict[tuple[str, str], int] = {}
    for text, words, ents in records_words:
        end_type = {e: (s, t) for s, e, t in ents if t in ("ORG", "LOC")}
        for s, e in words:
            w = text[s:e]
            total[w] = total.get(w, 0) + 1
            hit = end_type.get(e)
            if hit is not None and hit[0] < s:  # the last word of a longer name
                ends[(w, hit[1])] = ends.get((w, hit[1]), 0) + 1
    out: dict[str, str] = {}
    for (w, t), n in sorted(ends.items(), key=lambda x: -x[1]):
        if w not in out and n >= min_count and n / total[w] >= min_ratio and any(ch.isalnum() for ch in w):
            out[w] = t
    return out


def _suffix_cols(n: int, sent: str, words: list[tuple[int, int]], suffixes: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Per character: how many words ahead (0..SUFFIX_WINDOW) the next ORG / LOC suffix word is, or "-"."""
    org = ["-"] * n
    loc = ["-"] * n
    kinds = [suffixes.get(sent[s:e]) for s, e in words]
    next_org = next_loc = None
    for k in range(len(words) - 1, -1, -1):
        if kinds[k] == "ORG":
            next_org = k
        elif kinds[k] == "LOC":
            next_loc = k
        s, e = words[k]
        if not 0 <= s < e <= n:
            continue
        if next_org is not None and next_org - k <= SUFFIX_WINDOW:
            org[s:e] = [str(next_org - k)] * (e - s)
        if next_loc is not None and next_loc - k <= SUFFIX_WINDOW:
            loc[s:e] = [str(next_loc - k)] * (e - s)
    return org, loc


def sentence_features(sent: str, words: list[tuple[int, int]], gazetteer=None) -> list[list[str]]:
    """Features of each character of ``sent``; ``words`` are its word spans (offsets into ``sent``).

    ``gazetteer`` is a ``Resources`` (gazetteer + clusters + name codes) or a
    plain {name: type} mapping / None (the base features only). With
    ``Resources`` the first ``ADAPTED`` features of every character are the ones
    that get a per-convention copy (``adapt``).
    """
    if isinstance(gazetteer, Resources) and gazetteer.extended:
        return _extended_features(sent, words, gazetteer)
    if isinstance(gazetteer, Resources):
        gazetteer = gazetteer.gazetteer
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


# Number of leading features of ``_extended_features`` that get a per-convention copy.
ADAPTED = 9


def _word_cluster_cols(n: int, sent: str, words: list[tuple[int, int]], table: Mapping[str, tuple[str, str]]):
    """Per character: (coarse, fine) cluster of its word and coarse cluster of the previous / next word."""
    wk = ["-"] * n
    wf = ["-"] * n
    pk = ["^"] * n
    nk = ["$"] * n
    miss = ("-", "-")
    cl = [table.get(sent[s:e], miss) for s, e in words]
    for k, (s, e) in enumerate(words):
        if not 0 <= s < e <= n:
            continue
        ln = e - s
        a, b = cl[k]
        wk[s:e] = [a] * ln
        wf[s:e] = [b] * ln
        if k:
            pk[s:e] = [cl[k - 1][0]] * ln
        if k + 1 < len(cl):
            nk[s:e] = [cl[k + 1][0]] * ln
    return wk, wf, pk, nk


def _extended_features(sent: str, words: list[tuple[int, int]], res: Resources) -> list[list[str]]:
    """The base features plus word clusters, character clusters and name codes; adapted ones first.

    The word-level features (word, neighbours, position, class, clusters,
    suffix distance) are the same strings for every character of a word, so
    they are built once per word and written into per-character columns by
    slices; the columns are then zipped into per-character lists.
    """
    n = len(sent)
    if any(not 0 <= s < e <= n for s, e in words) or any(a[1] > b[0] for a, b in zip(words, words[1:])):
        return _extended_features_slow(sent, words, res)
    tags = word_tags()
    freq = get_tokenizer().FREQ
    wcl = res.word_clusters
    miss = ("-", "-")
    strs = [sent[s:e] for s, e in words]
    wcls = [wcl.get(w, miss) for w in strs]
    # word-level columns; characters outside every word keep these defaults
    col_p = ["p=S1"] * n
    col_w = ["w= "] * n
    col_pw = ["pw=^"] * n
    col_nw = ["nw=$"] * n
    col_k = ["k=C"] * n
    col_wk = ["wk=-"] * n
    col_wf = ["wf=-"] * n
    col_pk = ["pk=^"] * n
    col_nk = ["nk=$"] * n
    pos = ["S1"] * n
    last = len(words) - 1
    for k, (s, e) in enumerate(words):
        w = strs[k]
        ln = e - s
        wc = word_class(w, tags, freq)
        pat = _POS_PATTERNS.get(ln)
        if pat is None:
            pat = _POS_PATTERNS[ln] = _pos_pattern(ln)
        pos[s:e] = pat
        pp = _P_FEATS.get(ln)
        if pp is None:
            pp = _P_FEATS[ln] = ["p=" + x for x in pat]
        col_p[s:e] = pp
        kp = _K_FEATS.get((wc, ln))
        if kp is None:
            kp = _K_FEATS[(wc, ln)] = ["k=" + wc + x[0] for x in pat]
        col_k[s:e] = kp
        a, b = wcls[k]
        col_w[s:e] = ["w=" + w] * ln
        col_pw[s:e] = ["pw=" + (strs[k - 1] if k else "^")] * ln
        col_nw[s:e] = ["nw=" + (strs[k + 1] if k < last else "$")] * ln
        col_wk[s:e] = ["wk=" + a] * ln
        col_wf[s:e] = ["wf=" + b] * ln
        col_pk[s:e] = ["pk=" + (wcls[k - 1][0] if k else "^")] * ln
        col_nk[s:e] = ["nk=" + (wcls[k + 1][0] if k < last else "$")] * ln
    c = ["^2", "^1", *sent, "$1", "$2"]
    tp = ["^", *[char_type(ch) for ch in sent], "$"]
    gaz = gazetteer_tags(sent, res.gazetteer)
    col_g = ["g=-"] * n if gaz is None else ["g=" + g for g in gaz]
    cc = res.char_clusters
    ccl = [cc.get(ch, miss) for ch in sent]
    ck = ["^", *[x[0] for x in ccl], "$"]
    names = res.names
    nm = ["^", "^", *[names.get(ch, "x") for ch in sent], "$", "$"]
    c2 = c[2:]
    cols = [
        ["c0=" + x for x in sent],
        ["cp=" + x + p for x, p in zip(sent, pos)],
        col_w, col_pw, col_nw, col_k, col_g, col_wk,
        ["nm=" + a + b + d for a, b, d in zip(nm[2:], nm[3:], nm[4:])],
        ["c-1=" + x for x in c[1:n + 1]],
        ["c1=" + x for x in c[3:n + 3]],
        ["c-2=" + x for x in c[:n]],
        ["c2=" + x for x in c[4:n + 4]],
        ["b-1=" + a + b for a, b in zip(c[1:n + 1], c2)],
        ["b0=" + a + b for a, b in zip(c2[:n], c[3:])],
        ["b-2=" + a + b for a, b in zip(c[:n], c[1:])],
        ["b1=" + a + b for a, b in zip(c[3:n + 3], c[4:])],
        ["t=" + a + b + d for a, b, d in zip(tp, tp[1:], tp[2:])],
        col_p, col_wf, col_pk, col_nk,
        ["cf=" + x[1] for x in ccl],
        ["ck=" + a + b + d for a, b, d in zip(ck, ck[1:], ck[2:])],
        ["nl=" + a + b + d for a, b, d in zip(nm, nm[1:], nm[2:n + 2])],
    ]
    if res.suffixes is not None:
        org, loc = _suffix_cols(n, sent, words, res.suffixes)
        cols.append(["os=" + o + p[0] for o, p in zip(org, pos)])
        cols.append(["ls=" + o + p[0] for o, p in zip(loc, pos)])
    return list(map(list, zip(*cols)))


_P_FEATS: dict[int, list[str]] = {}
_K_FEATS: dict[tuple[str, int], list[str]] = {}


def _extended_features_slow(sent: str, words: list[tuple[int, int]], res: Resources) -> list[list[str]]:
    """``_extended_features`` character by character (word spans out of range or overlapping)."""
    n = len(sent)
    c = ["^2", "^1", *sent, "$1", "$2"]
    ty = [char_type(ch) for ch in sent]
    tp = ["^", *ty, "$"]
    pos, word, prev, nxt, cls = word_positions(sent, words)
    gaz = gazetteer_tags(sent, res.gazetteer) or ["-"] * n
    wk, wf, pk, nk = _word_cluster_cols(n, sent, words, res.word_clusters)
    cc = res.char_clusters
    miss = ("-", "-")
    ccl = [cc.get(ch, miss) for ch in sent]
    ck = ["^", *(x[0] for x in ccl), "$"]
    names = res.names
    nm = ["^", "^", *(names.get(ch, "x") for ch in sent), "$", "$"]
    feats = [
        [
            # adapted (per-convention copies): ADAPTED of them
            "c0=" + c[i + 2],
            "cp=" + c[i + 2] + pos[i],
            "w=" + word[i],
            "pw=" + prev[i],
            "nw=" + nxt[i],
            "k=" + cls[i],
            "g=" + gaz[i],
            "wk=" + wk[i],
            "nm=" + nm[i + 2] + nm[i + 3] + nm[i + 4],
            # shared only
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
            "wf=" + wf[i],
            "pk=" + pk[i],
            "nk=" + nk[i],
            "cf=" + ccl[i][1],
            "ck=" + ck[i] + ck[i + 1] + ck[i + 2],
            "nl=" + nm[i] + nm[i + 1] + nm[i + 2],
        ]
        for i in range(n)
    ]
    if res.suffixes is not None:
        org, loc = _suffix_cols(n, sent, words, res.suffixes)
        for f, o, lo, p in zip(feats, org, loc, pos):
            f.append("os=" + o + p[0])
            f.append("ls=" + lo + p[0])
    return feats


def adapt(feats: list[list[str]], suffix: str, n_adapted: int | None) -> list[list[str]]:
    """Append the per-convention copy (``x + suffix``) of the first ``n_adapted`` features (None: all)."""
    if n_adapted is None:
        return [f + [x + suffix for x in f] for f in feats]
    return [f + [x + suffix for x in f[:n_adapted]] for f in feats]


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
    gazetteer: "Mapping[str, str] | Resources | None" = None,
    spans: list[tuple[int, int]] | None = None,
) -> Iterator[tuple[int, list[list[str]]]]:
    """(sentence offset, features) for each sentence of ``text``."""
    for s, sent, words in document_sentences(text, tokens, spans):
        yield s, sentence_features(sent, words, gazetteer)


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
