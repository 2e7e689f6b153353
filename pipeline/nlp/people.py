"""People: person evidence around a name, and what it decides about the model's person spans.

The person-name check (``entity_rules.Rules.person_ok``) looks at the name alone: a known surname and
two or three characters, or a transliteration of up to four characters, and no last character that
usually ends a word (队, 人, 中, 里 ...). Untuned text breaks it both ways, and the words around a name
settle most of those cases:

- **evidence** (``vouched``): a title right before the name (总统, 教授, 得主, 记者; the business roles
  of ``vocab/relation_cues.yaml``) or an honorific, a title or a verb of speech right after it (先生,
  教授, 表示, 说); the words are data (``vocab/person_cues.yaml``). Evidence is document-wide: a name
  vouched for once is vouched for wherever it occurs (``vouched_names``).
- **rescue** (``rescued``; ``accepted`` decides a model span): a model span the name check rejects is a person when the document vouches
  for it and it has a person name's shape (``name_shaped``): a surname of the 百家姓 (闵万里, 郁亮,
  丁肇中, 范军: a rare surname, or a last character that usually ends a word) or a transliteration
  of up to eight characters (米洛舍维奇, 布什).
- **doubt** (``doubtful``): a model span the name check accepts is no person, unless vouched for,
  when it is a frequent ordinary word (高峰, 江山, 毕生: not a name class of the dictionary), a
  surname character glued to a verb (曾|指出), a product's or a firm's name (文心|大模型, 商汤|科技:
  a head word after it somewhere in the document), or the head of a longer name that the document always
  writes whole (文远|知行 ... 文远|知行: the name never stands on its own).
- **titled names** (``titled_names``): a dictionary person name right after a title (图灵奖得主|姚期智),
  or of three characters right before a verb of speech (X表示), that the model did not tag.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.nlp.entity_rules import CJK_NAME, Rules, common_word, in_dictionary

COMMON_NAME_WORD = 1000  # jieba frequency: a two-character span this frequent is an ordinary word (高峰, 江山)
SPEECHLIKE = 100  # jieba frequency: a verb after a name this frequent is no part of the name
TITLED_WORD = 100  # jieba frequency: a two-character dictionary name this frequent after a title is a word (陈述)
MAX_TRANSLIT = 8  # the longest transliterated name without a middle dot (米洛舍维奇, 帕斯特拉纳)
_ADVERB_BEFORE_SPEECH = set("也则还又就便均都曾")
_NAME_JOINERS = set("-·・‧•")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class PersonCues:
    """The person-evidence words (``vocab/person_cues.yaml``) and the surname list for rescued names."""

    titles_before: tuple[str, ...]
    after: tuple[str, ...]
    not_after: tuple[str, ...]
    surnames: frozenset[str]


@functools.lru_cache(maxsize=1)
def person_cues() -> PersonCues:
    """The cue words, the business roles of the relation cues counted among the titles (loaded once)."""
    import yaml

    from pipeline.nlp.entity_rules import rules
    from pipeline.nlp.relations import cues
    from pipeline.vocab import VOCAB_DIR

    d = yaml.safe_load((VOCAB_DIR / "person_cues.yaml").read_text(encoding="utf-8"))
    c = cues()
    roles = {*c.founder_roles, *c.top_roles, *c.other_roles, *c.party_roles} - {"员工", "前员工"}
    titles = sorted({*d["titles_before"], *roles}, key=len, reverse=True)
    r = rules()
    return PersonCues(tuple(titles), tuple(sorted(d["after"], key=len, reverse=True)), tuple(d["not_person_after"]),
                      frozenset(set(d["rare_surnames"]) | r.person_surnames))


def vouched(text: str, s: int, e: int, cues: PersonCues | None = None) -> bool:
    """Does the text right around ``text[s:e]`` mark it as a person (总统|X, X|先生, X|表示, X也|表示)?"""
    cues = cues or person_cues()
    return titled(text, s, cues) or _speaks(text, e, cues)


def titled(text: str, s: int, cues: PersonCues | None = None) -> bool:
    """Is there a title right before ``text[s]`` (总统|, 图灵奖得主|), not a form of address (蒋局长|)?"""
    cues = cues or person_cues()
    while s > 0 and text[s - 1] == " ":
        s -= 1  # 任命 John Krafcik: a space between the title and a Latin name
    before = text[max(0, s - 8) : s]
    title = next((t for t in cues.titles_before if before.endswith(t)), None)
    return title is not None and not _address_before(text, s, title, _rules())


def _rules() -> Rules:
    from pipeline.nlp.entity_rules import rules

    return rules()


def _speaks(text: str, e: int, cues: PersonCues) -> bool:
    """An honorific or a verb of speech right after ``text[:e]`` (X先生, X表示, X也表示)."""
    if text.startswith(cues.after, e):
        return True
    return e < len(text) and text[e] in _ADVERB_BEFORE_SPEECH and text.startswith(cues.after, e + 1)


def vouched_names(text: str, names, cues: PersonCues | None = None) -> set[str]:
    """Those of ``names`` that the document vouches for at one of their occurrences at least."""
    cues = cues or person_cues()
    out = set()
    for name in set(names):
        k = text.find(name)
        while k >= 0:
            if vouched(text, k, k + len(name), cues):
                out.add(name)
                break
            k = text.find(name, k + 1)
    return out


def name_shaped(name: str, rules: Rules, cues: PersonCues | None = None) -> bool:
    """Could ``name`` be a person's, given evidence: a surname of the 百家姓 (or a compound one) and one to
    three more characters, or a transliteration (all its characters, up to ``MAX_TRANSLIT``), or dotted parts;
    not a form of address (张先生, 李某), not a frequent ordinary word."""
    cues = cues or person_cues()
    if name in rules.not_entities or _LATIN_OR_DIGIT.search(name) or _address(name, rules, cues):
        return False
    if "·" in name:
        parts = name.split("·")
        return all(parts) and all(CJK_NAME.match(p) for p in parts) and 3 <= len(name) <= 16
    if not CJK_NAME.match(name) or common_word(name, COMMON_NAME_WORD):
        return False
    if 2 <= len(name) <= MAX_TRANSLIT and all(c in rules.translit for c in name):
        return True
    if len(name) == 4:
        return name[:2] in rules.surnames
    return 2 <= len(name) <= 3 and (name[0] in cues.surnames or name[:2] in rules.surnames)


def is_address(name: str, rules: Rules) -> bool:
    """张先生, 缪行长, 郁总: a surname (of the 百家姓 too) and a form of address or a title, not a full name."""
    return _address(name, rules, person_cues())


def _address(name: str, rules: Rules, cues: PersonCues) -> bool:
    """张先生, 缪行长, 郁总: a surname (a rare one too) and a form of address or a title, not a full name."""
    if rules.honorific(name):
        return True
    return name[0] in cues.surnames and (name[1:] in rules.honorifics or (len(name) == 2 and name[1] in rules.title_suffixes))


def _address_before(text: str, s: int, title: str, rules: Rules) -> bool:
    """蒋局长|周旋: the title before the name is a form of address of someone else (a surname before it)."""
    k = s - len(title)
    return k > 0 and text[k - 1] in rules.surnames and (k < 2 or not in_dictionary(text[k - 2 : k]))


def accepted(text: str, s: int, e: int, rules: Rules, vouched_set: set[str]) -> bool:
    """Is the model's person span ``text[s:e]`` a person: the name check passes and no doubt holds, or it fails
    and the document's evidence rescues the name?"""
    if _inside_transliteration(text, s, e, rules):
        return False
    if rules.person_ok(text[s:e]):
        return not doubtful(text, s, e, vouched_set)
    return rescued(text, s, e, rules, vouched_set)


def rescued(text: str, s: int, e: int, rules: Rules, vouched_set: set[str]) -> bool:
    """Is the model's person span ``text[s:e]``, which the name check rejects, a person by its evidence?"""
    name = text[s:e]
    return name in vouched_set and name_shaped(name, rules) and not _inside_transliteration(text, s, e, rules)


def _inside_transliteration(text: str, s: int, e: int, rules: Rules) -> bool:
    """泽|连斯基, 米尔|济约耶夫, 施泰因|迈尔: a transliterated span with a transliteration character right
    before or after it is a piece of a longer name the model cut, not a name of its own."""
    if not all(c in rules.translit for c in text[s:e]):
        return False
    return (s > 0 and text[s - 1] in rules.translit) or (e < len(text) and text[e] in rules.translit)


def doubtful(text: str, s: int, e: int, vouched_set: set[str]) -> bool:
    """Is the model's person span ``text[s:e]``, which the name check accepts, rather a word or part of a
    longer name (see the module docstring)? Never when the document vouches for the name."""
    name = text[s:e]
    if not CJK_NAME.match(name):
        return False
    if verb_tail(name):
        return True  # (总书记)曾|指出: a title before it vouches for no verb
    if name in vouched_set:
        return False
    return _ordinary_word(name) or _head_of_longer_name(text, name) or _named_thing(text, name)


def _named_thing(text: str, name: str) -> bool:
    """文心|大模型, 商汤|科技, 豆包|App: the name is followed by a product's or a firm's head word somewhere."""
    after = person_cues().not_after
    k = text.find(name)
    while k >= 0:
        if text.startswith(after, k + len(name)):
            return True
        k = text.find(name, k + 1)
    return False


def _ordinary_word(name: str) -> bool:
    """高峰, 江山, 毕生: a frequent two-character word (the dictionary's name class does not tell: it lists
    高峰 and 向阳 as names too)."""
    return len(name) == 2 and common_word(name, COMMON_NAME_WORD)


def verb_tail(name: str) -> bool:
    """曾|指出, 李|表示: a surname character and a verb of speech (杨|振兴, 李|自成 are names)."""
    from pipeline.nlp.ner.dictionary_tags import word_pos

    tail = name[1:]
    return len(tail) == 2 and tail in person_cues().after and word_pos().get(tail, "").startswith("v")


def _head_of_longer_name(text: str, name: str) -> bool:
    """文远|知行 (twice or more, and never 文远 alone): a two-character span that the document only ever
    writes followed by the same two characters that are no verb of speech or title is the head of a
    longer name."""
    if len(name) != 2:
        return False
    follows = set()
    k = text.find(name)
    count = 0
    while k >= 0:
        follows.add(text[k + 2 : k + 4])
        count += 1
        k = text.find(name, k + 1)
    if count < 2 or len(follows) != 1:
        return False
    tail = next(iter(follows))
    cues = person_cues()
    if not (CJK_NAME.match(tail) and len(tail) == 2) or common_word(tail, SPEECHLIKE):
        return False  # 陈钱|阿婆, 王明|同志: a frequent word after the name is no part of it
    return not tail.startswith(cues.after) and not any(t.startswith(tail) for t in cues.after + cues.titles_before) and (
        not _speechlike(tail))


def _speechlike(word: str) -> bool:
    """A frequent verb or function word after a name (X表示, X也在, X出席): not part of a name (知行, a rare
    verb, is)."""
    from pipeline.nlp.ner.dictionary_tags import word_pos

    if word[0] in _ADVERB_BEFORE_SPEECH or word[0] in "的是在和与及将已被把对从为到说称":
        return True
    return word_pos().get(word, "")[:1] in ("v", "d", "p", "c", "u", "r") and common_word(word, SPEECHLIKE)


def titled_names(text: str, tokens, rules: Rules, taken) -> list[tuple[int, int]]:
    """Dictionary person names (jieba's ``nr`` class, a known surname, two to four characters) right after a
    title (图灵奖得主|姚期智) or, of three characters or more, before a verb of speech: (start, end) spans."""
    from pipeline.nlp.ner.dictionary_tags import word_pos, word_tags

    cues, tags = person_cues(), word_tags()
    out = []
    for tok in tokens:
        w = tok.word
        if tags.get(w) != "nr" or not 2 <= len(w) <= 4 or not CJK_NAME.match(w) or taken(tok.start, tok.end):
            continue
        if not (w[0] in rules.surnames or w[:2] in rules.surnames) or common_word(w, COMMON_NAME_WORD):
            continue
        if (len(w) == 2 and common_word(w, TITLED_WORD)) or text[tok.end : tok.end + 1] in _NAME_JOINERS:
            continue  # 专家|陈述(己见), 负责人|麦克-麦卡顿: a word, or the first part of a longer name
        if word_pos().get(w) is not None or not rules.person_ok(w) or _inside_transliteration(text, tok.start, tok.end, rules):
            continue
        if titled(text, tok.start, cues) or (len(w) >= 3 and _speaks(text, tok.end, cues)):
            out.append((tok.start, tok.end))
    return out
