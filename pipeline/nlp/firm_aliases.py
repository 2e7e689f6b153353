"""Other names of one firm within a document: short forms of a registered name, names beside a bracket.

Used by ``nlp.entities`` (document-level label consistency, issue 12):

- ``registered_short_forms``: 北京月之暗面科技有限公司 / 月之暗面（北京）科技有限公司 -> 月之暗面科技,
  月之暗面: the registered name minus its legal form, a bracketed place, a leading place and its
  industry words (the firm suffixes of ``typing_rules.yaml``); the forms count only where the
  document writes them (the caller propagates them);
- ``name_before_bracket``: X（Y）where Y is a firm: the name X written right before the bracket
  (小马智行（Pony.ai）, 烽台（北京）…) -- Chinese words back to punctuation or a function word.

Plain functions over strings; no model.
"""

from __future__ import annotations

import re

from pipeline.nlp.entity_rules import Rules, common_word, in_dictionary
from pipeline.nlp.gazetteer import load_gazetteer
from pipeline.nlp.segment import segment

_LEGAL_END = re.compile(r"(?:股份)?有限(?:责任)?公司$|[(（]有限合伙[)）]$")
_BRACKETED = re.compile(r"[(（][^()（）]{1,8}[)）]")
_NAME_BEFORE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·.\- ]{2,12}$")


def registered_short_forms(name: str, rules: Rules) -> list[str]:
    """Short forms of a registered firm name (X科技有限公司 -> X科技, X), longest first; none when
    ``name`` has no legal form or what is left is an ordinary word or a place."""
    m = _LEGAL_END.search(name)
    if m is None:
        return []
    core = _BRACKETED.sub("", name[: m.start()])
    core = _strip_place(core)
    out = []
    stem = core
    while True:
        suffix = next((x for x in rules.firm_suffixes if stem.endswith(x) and len(stem) - len(x) >= 2), None)
        if suffix is None:
            break
        out = [stem[: -len(suffix)] + suffix]  # X科技 (the stem and its last industry word)
        stem = stem[: -len(suffix)]
    if not _usable(stem, rules):
        return []  # 香港新能源科技有限公司: 新能源 is a word, so 新能源科技 is no short form either
    return [f for f in dict.fromkeys([*out, stem]) if f != name]


def name_before_bracket(text: str, open_at: int, rules: Rules) -> tuple[int, int] | None:
    """(start, end) of the name written right before the bracket at ``open_at`` (X（Y）): the run of
    name characters back to punctuation, minus a leading function character; None when it is an ordinary
    word, a place or longer than a name."""
    m = _NAME_BEFORE.search(text, max(0, open_at - 12), open_at)
    if m is None:
        return None
    s = m.start()
    while s < open_at - 2 and (text[s] in rules.leading_function_chars or text[s] in rules.bad_initials or text[s] == " "):
        s += 1
    name = text[s:open_at].strip()
    if not _usable(name, rules) or len(name) > 8:
        return None
    return s, s + len(name)


def _strip_place(core: str) -> str:
    """北京月之暗面科技 -> 月之暗面科技: a leading place (province, city, district) is no part of the short form."""
    gaz = load_gazetteer()
    for k in range(min(len(core) - 2, 6), 1, -1):
        if gaz.candidates(core[:k]) or core[:k] in gaz.countries:
            return core[k:]
    return core


def _usable(form: str, rules: Rules) -> bool:
    """May ``form`` stand for the firm: two or more characters, not a word of the dictionary (or made of
    frequent ones only), a place or a description?"""
    if len(form) < 2 or form in rules.generic or form in rules.not_entities or form in rules.firm_suffixes:
        return False
    if in_dictionary(form) or all(common_word(t.word, 10) for t in segment(form)):
        return False  # 新能源, 移动通信: words of the dictionary, no brand
    gaz = load_gazetteer()
    return gaz.place(form) is None and gaz.country(form) is None
