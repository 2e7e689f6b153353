"""Business predicates: a name nobody knows is a firm when it does what only a business does.

Used by ``nlp.entities`` on the whole document (issue 12, firm recall on untuned text):

- ``subject_spans``: an unknown name -- not a word of jieba's dictionary (or only a rare one), or
  a Latin-script name, or a name in corner quotes (「Keep」) -- right before a business predicate,
  maybe behind a link word (中孚信息|的营收, X|完成了数亿元B轮融资, 「Peloton」|财报, X|此前|递表);
  ``strong`` says whether the predicate is one people never have (营收, 估值, 招股书), which may
  override a model person, or one people share (发布了, 推出了), which types only a name the model
  does not call a person;
- ``object_spans``: an unknown name right after a frame whose object is a firm (投资了X, 收购X);
- ``person_evidence``: names the document itself marks as people (X先生, X说, 创始人X), which keep
  the model's person tag whatever the predicates say.

The predicate lists are data: ``pipeline/data/vocab/firm_predicates.yaml``. Plain functions over
the text and its tokens; no model.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline import vocab
from pipeline.nlp.entity_rules import Rules, common_word, get_matcher
from pipeline.nlp.gazetteer import load_gazetteer
from pipeline.nlp.ner.dictionary_tags import word_pos
from pipeline.records import Token

UNKNOWN = 10  # jieba frequency below which a word counts as unknown for a brand's shape (格尔 0, 图森 8)
RARE = 50  # jieba frequency below which a dictionary word may still be a brand (北信源 2, 国投 40)
COMMON = 1000  # a leading word this frequent opens the clause, not the name (今年, 随着; not 小马 391)
MAX_NAME = 6  # characters of a Chinese name found by a predicate
_OPENERS = set("「“『\"")
_CLOSERS = {"」": "「", "”": "“", "』": "『", "\"": "\""}
_LATIN_TAIL = re.compile(r"([A-Za-z][A-Za-z0-9]*(?:[ \-.&'][A-Za-z0-9]+){0,3})\s*$")
_LATIN_HEAD = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*(?:[ \-.&'][A-Za-z0-9]+){0,3})")
_YEAR_LINK = re.compile(r"(?:在)?(?:\d{4}|\d{2})年(?:度|上半年|下半年|全年|前?[一二三四1-4]季度)?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TIME = re.compile(r"^第|季度|半年|[年月日]$|[年月]度|时间|期间|时候|时期")
_NUMBER = re.compile(r"^(?:各大|各家|各|非|每)|^[0-9一二两三四五六七八九十百千万亿几数多半]|[0-9]|[亿万][元美人]|位数")
_GLUED_TAIL = set("称说上里中内时后前将在自于到")
_PUNCT = set("，,。；;：:！!？?、（()）“”\"「」『』《》 \n\t·-—/")


@dataclass(frozen=True)
class Predicates:
    strong: re.Pattern
    weak: re.Pattern
    funding: re.Pattern
    links: tuple[str, ...]
    objects: re.Pattern
    person_after: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def predicates() -> Predicates:
    """The lists of ``firm_predicates.yaml`` as patterns (longest alternative first)."""
    d = vocab.yaml_data("firm_predicates.yaml")

    def alt(words) -> str:
        return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))

    funding = rf"(?:{alt(d['funding_openers'])})[^，,。；;\n]{{0,{int(d['funding_window'])}}}?(?:{alt(d['funding_marks'])})"
    return Predicates(
        strong=re.compile(rf"(?:{alt(d['subject_predicates'])})|{funding}"),
        weak=re.compile(alt(d["weak_subject_predicates"])),
        funding=re.compile(funding),
        links=tuple(sorted(d["subject_links"], key=len, reverse=True)),
        objects=re.compile(alt(d["object_frames"])),
        person_after=tuple(d["person_after"]),
    )


def subject_spans(text: str, tokens: list[Token], rules: Rules) -> list[tuple[int, int, bool, bool]]:
    """(start, end, strong, brand) of the names written as the subject of a business predicate;
    ``brand``: the name has the shape of a brand (``brand_shaped``), so it is a firm even where the
    model tags nothing there."""
    p = predicates()
    by_end = {t.end: t for t in tokens}
    out: dict[tuple[int, int], bool] = {}
    for pattern, strong in ((p.strong, True), (p.weak, False)):
        for m in pattern.finditer(text):
            end = _strip_adverbs(_strip_links(text, m.start(), p.links), by_end)
            span = _name_before(text, end, by_end, rules)
            if span is not None and not strong and rules.person_ok(text[span[0] : span[1]]):
                continue  # 张三发布了新书: people publish too
            if span is not None:
                out[span] = out.get(span, False) or strong
    by_start = {t.start: t for t in tokens}
    return [(s, e, strong, brand_shaped(text, s, e, by_start, rules)) for (s, e), strong in sorted(out.items())]


def object_spans(text: str, tokens: list[Token], rules: Rules) -> list[tuple[int, int, bool]]:
    """(start, end, brand) of the names right after a frame whose object is a firm (收购了X, 投资了X)."""
    by_start = {t.start: t for t in tokens}
    out = []
    for m in predicates().objects.finditer(text):
        span = _name_after(text, m.end(), by_start, rules)
        if span is not None:
            out.append((*span, brand_shaped(text, *span, by_start, rules)))
    return out


def brand_shaped(text: str, s: int, e: int, by_start: dict[int, Token], rules: Rules) -> bool:
    """Is text[s:e] shaped like a brand, not a phrase of ordinary words? A Latin-script or quoted name is;
    a Chinese one needs a word jieba does not know (or knows as very rare: 中孚, 吉大正元, 智行), ends in such
    a word or a firm suffix (中孚|信息), and has no frequent word elsewhere (不良资产|导致, 产险|业务)."""
    name = text[s:e]
    if name.isascii() or (s > 0 and text[s - 1] in _OPENERS):
        return True
    words, pos = [], s
    while pos < e and pos in by_start:
        words.append(by_start[pos].word)
        pos = by_start[pos].end
    if pos != e or not words:
        return False
    if words[-1] in rules.generic and words[-1] not in rules.firm_suffixes:
        return False  # 网安|行业: a description (图森|未来 is a name only where the model tags 图森)
    rare = [not common_word(w, UNKNOWN) for w in words]
    last_ok = rare[-1] or (len(words) > 1 and words[-1] in rules.firm_suffixes)
    frequent = any(common_word(w, COMMON) for w in (words[:-1] if words[-1] in rules.firm_suffixes else words))
    return any(rare) and last_ok and not frequent


def person_evidence(text: str, names, rules: Rules, role_person: set[tuple[int, int]]) -> set[str]:
    """Those of ``names`` the document marks as a person somewhere: an honorific or a verb of speech
    right after it (X先生, X说), or a role right before it (``role_person``: spans of
    ``context_rules.role_person_spans``)."""
    after = predicates().person_after + tuple(rules.honorifics)
    role_names = {text[s:e] for s, e in role_person}
    out = set()
    for name in names:
        if name in role_names:
            out.add(name)
            continue
        k = text.find(name)
        while k >= 0:
            if text.startswith(after, k + len(name)):
                out.add(name)
                break
            k = text.find(name, k + 1)
    return out


def _strip_adverbs(pos: int, by_end: dict[int, Token]) -> int:
    """X|陆续|发布了: up to two adverbs between the name and its predicate are skipped."""
    for _ in range(2):
        t = by_end.get(pos)
        if t is None or not _adverb(t.word) or len(t.word) < 2:
            break
        pos = t.start
    return pos


def _strip_links(text: str, pos: int, links: tuple[str, ...]) -> int:
    """The end of the name before a predicate at ``pos``: link words and a year (X|在2023年|的|营收) skipped."""
    for _ in range(3):
        before = text[max(0, pos - 12) : pos]
        year = _YEAR_LINK.search(before)
        link = next((w for w in links if before.endswith(w)), None)
        if year:
            pos -= year.end() - year.start()
        elif link:
            pos -= len(link)
        else:
            break
    return pos


def _name_before(text: str, end: int, by_end: dict[int, Token], rules: Rules) -> tuple[int, int] | None:
    """The unknown name ending at ``end``: a quoted one, a Latin-script one, or up to ``MAX_NAME``
    characters of Chinese words back to punctuation or a function word, minus leading common words."""
    if end <= 0:
        return None
    if text[end - 1] in "）)":
        k = max(text.rfind("（", max(0, end - 30), end - 1), text.rfind("(", max(0, end - 30), end - 1))
        if k <= 0:
            return None
        end = k  # 云鲸智能（Narwal）|完成了C轮融资: the name before its bracketed alias
    if text[end - 1] in _CLOSERS:
        return _quoted_before(text, end, rules)
    latin = _LATIN_TAIL.search(text, max(0, end - 40), end)
    pos = end
    if latin and text[end - 1].isascii():
        s, e = latin.span(1)
        if s > 0 and text[s - 1].isascii() and text[s - 1].isalnum():
            return None
        if not (s > 0 and _CJK.match(text[s - 1])):
            return (s, e) if _latin_name(latin.group(1), rules) else None
        pos = s  # 智谱AI: Chinese words, then a Latin tail
    words: list[Token] = []
    while pos in by_end and sum(len(t.word) for t in words) < MAX_NAME:
        t = by_end[pos]
        if not _name_word(t.word, rules):
            break
        words.insert(0, t)
        pos = t.start
    if words and not _left_boundary(text, words[0].start, by_end, rules):
        return None  # 月之|暗面: the walk stopped inside a name
    while len(words) > 1 and (common_word(words[0].word, COMMON) or _function_word(words[0].word)):
        words.pop(0)  # 今年|中孚信息, 随着|X: the clause before the name
    if not words or sum(len(t.word) for t in words) > MAX_NAME:
        return None
    return _checked(text, words[0].start, end, words, rules)


def _name_after(text: str, start: int, by_start: dict[int, Token], rules: Rules) -> tuple[int, int] | None:
    """The unknown name starting at ``start`` (after an object frame): Latin, or Chinese words up to
    punctuation, a function word or a common word."""
    latin = _LATIN_HEAD.match(text, start)
    if latin:
        s, e = latin.span(1)
        if e < len(text) and text[e].isascii() and text[e].isalnum():
            return None
        return (s, e) if _latin_name(latin.group(1), rules) else None
    words: list[Token] = []
    pos = start
    if pos in by_start and common_word(by_start[pos].word, RARE):
        return None  # 收购|助力…, 并购|等方式: a word, not a name
    while pos in by_start and sum(len(t.word) for t in words) < MAX_NAME:
        t = by_start[pos]
        if not _name_word(t.word, rules) or (words and common_word(t.word, COMMON)):
            break
        words.append(t)
        pos = t.end
    if not words or sum(len(t.word) for t in words) > MAX_NAME:
        return None
    return _checked(text, start, pos, words, rules)


def _checked(text: str, s: int, e: int, words: list[Token], rules: Rules) -> tuple[int, int] | None:
    """(s, e) when text[s:e] (made of ``words``) is an unknown name: no common first word, no word
    of a description, no place, no known non-firm."""
    name = text[s:e]
    if len(name) < 2 or name[0] in rules.bad_initials or _TIME.search(name) or _NUMBER.search(name):
        return None  # 第三季度营收, 上半年营收, 两位数的营收: a period or a number, not a name
    if any(w.word[0] in rules.bad_initials and len(w.word) <= 2 for w in words[1:]):
        return None  # 助力|其向|IPO: a clause, not a name
    if len(name) >= 3 and name[-1] in _GLUED_TAIL and not name.endswith(rules.firm_suffixes):
        return None  # 必和必|拓称, 新浪|微博上: a verb or place word glued to the name by the segmenter
    gaz = load_gazetteer()
    place = next((name[:k] for k in (3, 2) if len(name) > k and gaz.candidates(name[:k])), None)
    if place and common_word(name[len(place) :], COMMON):
        return None  # 北京商场: a place and an ordinary noun
    if (all(common_word(w.word, RARE) for w in words) or common_word(name, RARE)
            or any(w.word in rules.generic or w.word in rules.not_entities for w in words[:-1])
            or (len(words) == 1 and words[0].word in rules.generic)):
        return None  # 公司的营收, 行业营收, 网安行业: words, not a name
    if len(words) == 1 and len(name) == 2 and common_word(name, 1):
        return None
    if gaz.place(name) is not None or gaz.country(name) is not None or gaz.candidates(words[0].word):
        return None  # 贵州的营收: a place's figures
    entry = get_matcher().lexicon.lookup(name)
    if entry is not None and entry.type not in ("firm",):
        return None
    if name.endswith(rules.not_org_suffixes) or name in rules.not_entities:
        return None
    return s, e


def _left_boundary(text: str, pos: int, by_end: dict[int, Token], rules: Rules) -> bool:
    """Does a name may start at ``pos``: the text's start, punctuation, a delimiter or a function word
    of two or more characters before it (还有|吉大正元), not a character glued to it (月之|暗面)?"""
    if pos == 0 or text[pos - 1] in _PUNCT:
        return True
    t = by_end.get(pos)
    if t is None:
        return False
    return t.word in rules.stem_delimiters or (len(t.word) >= 2 and (common_word(t.word, COMMON) or _function_word(t.word)))


def _quoted_before(text: str, end: int, rules: Rules) -> tuple[int, int] | None:
    """「Keep」|的营收: the quoted name (at most 12 characters), Latin or an unknown Chinese one."""
    opener = _CLOSERS[text[end - 1]]
    k = text.rfind(opener, max(0, end - 14), end - 1)
    if k < 0:
        return None
    s, e = k + 1, end - 1
    name = text[s:e].strip()
    if not name or any(ch in _PUNCT for ch in name.strip()):
        return None
    if name.isascii():
        return (s, e) if _latin_name(name, rules) else None
    if not re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]{2,10}", name) or common_word(name, RARE) or name in rules.generic:
        return None
    gaz = load_gazetteer()
    return None if gaz.place(name) or gaz.country(name) else (s, e)


def _latin_name(run: str, rules: Rules) -> bool:
    """Is the Latin run a name (Keep, Peloton), not a term (IPO, GDP, Q4), a number or a product with a
    version number (Xbox360, iPhone15)?"""
    return (len(run) >= 2 and run not in rules.latin_common_words and not run[-1].isdigit()
            and not run.islower() and not any(w in rules.latin_common_words for w in run.split(" ")[-1:]))


def _name_word(word: str, rules: Rules) -> bool:
    """May ``word`` be part of a name (Chinese characters, not a delimiter, not a lone function character)?"""
    if not re.fullmatch(r"[\u4e00-\u9fff]+", word) or word in rules.stem_delimiters:
        return False
    return not (len(word) == 1 and (word in rules.bad_initials or word in rules.leading_function_chars))


def _function_word(word: str) -> bool:
    """A pronoun, adverb, preposition, conjunction or particle by the dictionary's part of speech."""
    return word_pos().get(word, "").startswith(("r", "d", "p", "c", "u", "m", "t", "f"))


def _adverb(word: str) -> bool:
    return word_pos().get(word, "").startswith("d")
