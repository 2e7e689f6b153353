"""Organisation names built on another name: units of universities, schools, party committees, societies.

Used by ``nlp.entities`` among its rules (issue 12); each function returns ``(start, end, org_kind)``
spans that ``entities`` turns into org candidates (a longer span wins over the name it is built on):

- ``unit_spans``: a university or research body followed by a unit head (吉林大学|东北亚研究院,
  清华|微电子学研究室, 清华| NLP |实验室) is that unit, also inside one word (``unit_words``: 中科院计算所);
- ``school_spans``: <place><number>中 (成都七中, 北京101中学) and <name>附中 (人大附中) are schools;
- ``committee_spans``: <place>省委 / 市委 ... (贵州|省委, 福鼎|市委书记) is the party committee;
- ``placed_spans``: <place>(（<place>）)<2-6 characters><society or institute head> (广东省|体改|研究会,
  中国|通信|学会, 中国（深圳）综合开发研究院).

The heads and limits are data (``pipeline/data/vocab/org_names.yaml``). A name never spans a
function word or quantifier (``stop_chars``), digits only stand in school numbers, and it ends on a
token boundary. Plain functions over the text; no Dagster, no model.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline import vocab

_SCHOOL_NUMBER = r"(?:[一二三四五六七八九十]{1,3}|\d{1,3})"
_ASSOCIATION_HEADS = ("研究会", "学会", "协会", "联合会", "商会", "促进会", "基金会")


@dataclass(frozen=True)
class _Patterns:
    unit: re.Pattern
    short_institute: re.Pattern
    school: re.Pattern
    attached_heads: tuple[str, ...]
    committee_heads: tuple[str, ...]
    placed: re.Pattern
    parent_kinds: frozenset[str]
    stop_chars: frozenset[str]


def _alternation(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@functools.lru_cache(maxsize=1)
def patterns() -> _Patterns:
    """The compiled patterns of ``org_names.yaml``."""
    d = vocab.yaml_data("org_names.yaml")
    mid = int(d["unit_max_middle"])
    unit = re.compile(r"(?:[\u4e00-\u9fff]| ?[A-Za-z][A-Za-z0-9]{1,9} ?){1,%d}?(?:%s)" % (mid, _alternation(d["unit_heads"])))
    short = re.compile(r"[\u4e00-\u9fff]{2}" + re.escape(d["short_institute_head"]))
    school = re.compile(_SCHOOL_NUMBER + "(?:%s)" % _alternation(d["school_number_heads"]))
    placed = re.compile(r"(?:[(（][\u4e00-\u9fff]{2,4}[)）])?[\u4e00-\u9fff]{2,%d}?(?:%s)" % (int(d["placed_max_middle"]), _alternation(d["placed_heads"])))
    return _Patterns(unit, short, school, tuple(d["school_attached_heads"]), tuple(d["committee_heads"]), placed,
                     frozenset(d["unit_parent_kinds"]), frozenset(d["stop_chars"]))


def _clean(piece: str) -> bool:
    """No function word, quantifier or digit inside a name's middle."""
    p = patterns()
    return not any(ch in p.stop_chars or ch.isdigit() for ch in piece)


def _kind(name: str) -> str:
    return "association" if name.endswith(_ASSOCIATION_HEADS) else "research"


def unit_spans(text: str, parents, token_ends) -> list[tuple[int, int, str]]:
    """Units written right after a university or research body (``parents``: (start, end, org_kind))."""
    p = patterns()
    out = []
    for s, e, kind in parents:
        if kind not in p.parent_kinds:
            continue
        m = p.unit.match(text, e) or p.short_institute.match(text, e)
        if m and m.end() in token_ends and _clean(m.group()) and not m.group().startswith(" " * 2):
            out.append((s, m.end(), "research" if not m.group().endswith("学院") else "university"))
    return out


def unit_words(tokens, known_kind) -> list[tuple[int, int, str]]:
    """Units the segmenter keeps as one word with their parent (中科院计算所): a known university or
    research body (``known_kind(name)`` -> its org kind or None) followed by a unit."""
    p = patterns()
    out = []
    for t in tokens:
        w = t.word
        for k in range(2, len(w) - 2):
            if known_kind(w[:k]) in p.parent_kinds:
                m = p.unit.fullmatch(w, k) or p.short_institute.fullmatch(w, k)
                if m and _clean(w[k:]):
                    out.append((t.start, t.end, "research"))
                break
    return out


def school_spans(text: str, places, tokens) -> list[tuple[int, int, str]]:
    """Schools: <place><number>中 after a place (``places``: (start, end)), and a word ending in 附中."""
    p = patterns()
    token_ends = {t.end for t in tokens}
    out = []
    for s, e in places:
        m = p.school.match(text, e)
        if m and m.end() in token_ends:
            out.append((s, m.end(), "university"))
    place_ends = {e: s for s, e in places}
    for t in tokens:
        head = next((h for h in p.attached_heads if t.word.endswith(h)), None)
        if head is None:
            continue
        if len(t.word) > len(head) and _clean(t.word):
            out.append((t.start, t.end, "university"))  # 人大附中 as one word
        elif t.start in place_ends:
            out.append((place_ends[t.start], t.end, "university"))
    return out


def committee_spans(text: str, places, token_at, tokens) -> list[tuple[int, int, str]]:
    """Party committees: a place followed by 省委 / 市委 ... that ends a word (湖南省委) or opens one
    (福鼎|市委书记); 浙江省|委托 is a verb."""
    p = patterns()
    token_ends = {t.end for t in tokens}
    out = []
    for s, e in places:
        for at in (e, e - 1):  # 福鼎|市委; 贵州省 as the place, 省委 the word
            head = next((h for h in p.committee_heads if text.startswith(h, at) and at + len(h) > e), None)
            if head is None:
                continue
            i = token_at.get(at)
            if at + len(head) in token_ends or (i is not None and tokens[i].word.startswith(head)):
                out.append((s, at + len(head), "government"))
                break
    return out


def placed_spans(text: str, places, token_ends) -> list[tuple[int, int, str]]:
    """Societies and institutes led by a place: 广东省体改研究会, 中国通信学会, 中国（深圳）综合开发研究院."""
    p = patterns()
    out = []
    for s, e in places:
        m = p.placed.match(text, e)
        if m and m.end() in token_ends and _clean(m.group()):
            out.append((s, m.end(), _kind(m.group())))
    return out
