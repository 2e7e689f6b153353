"""Context typing of names no dictionary knows: what the words around a name say it is.

Used by ``nlp.entities`` (which turns the spans into candidates and settles
overlaps); every word list is data in ``pipeline/data/vocab/typing_rules.yaml``
(``entity_rules.Rules``).

- ``list_spans``: the names of a list that a business head noun types
  (A、B、C等企业, A、B和C 5家半导体企业, X的投资方包括A、B, 由A、B联合领投):
  each item is a firm -- also a name that is a common word elsewhere (美的,
  理想) -- unless it is already a person, organisation or confirmed place;
- ``stock_code_spans``: a name written before a stock code (天岳先进(688234.SH),
  腾讯控股(00700.HK)) is a listed company;
- ``role_person_spans``: a Chinese name right after a role word (创始人戴保家,
  轮值董事长徐直军) is a person, cut where the next word starts (龚轶|均为);
  ``role_org_spans``: the name right before such a role is an organisation
  (凯辉基金合伙人陈斯琪, 前锐迪科创始人戴保家).

Each function returns ``(start, end, type)`` spans, linear in the text's length.
"""

from __future__ import annotations

import functools
import re

from pipeline.nlp.entity_rules import Rules, common_word, get_matcher, in_dictionary
from pipeline.nlp.gazetteer import load_gazetteer
from pipeline.nlp.ner.dictionary_tags import word_pos
from pipeline.nlp.people import is_address, verb_tail
from pipeline.nlp.relations import cues
from pipeline.nlp.segment import segment

_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·&\-]+(?: [\u4e00-\u9fffA-Za-z0-9·&\-]+)?$")
_QUOTES = "“”\"「」『』‘’'《》"
_SEP = re.compile(r"以及|、|和|与|及")
_CLAUSE_LEFT = "，,。；;：:！!？?\n（(）)"


@functools.lru_cache(maxsize=2)
def _head_re(rules: Rules) -> re.Pattern:
    nouns = "|".join(map(re.escape, rules.list_head_nouns))
    gap = "".join(sorted(rules.list_head_gap_chars))
    # the head noun ends the phrase: 等品牌活动, 等企业单位 are other heads
    return re.compile(rf"(?:等(?:在内的)?|在内的|(?<![、和与及\d])(?P<count>\d+|[两二三四五六七八九十]+)家)([{gap}]{{0,10}}?)(?:{nouns})"
                      rf"(?![{''.join(sorted(rules.list_head_continuations))}])")


@functools.lru_cache(maxsize=2)
def _lead_re(rules: Rules) -> re.Pattern:
    nouns = "|".join(map(re.escape, rules.list_lead_nouns))
    verbs = "|".join(map(re.escape, rules.list_lead_verbs))
    return re.compile(rf"(?:{nouns})\s*(?:{verbs})\s*[:：]?")


@functools.lru_cache(maxsize=2)
def _head_lead_re(rules: Rules) -> re.Pattern:
    """A business head noun before a list (合作伙伴包括A、B, 投资机构，例如A、B)."""
    nouns = "|".join(map(re.escape, rules.list_head_nouns))
    verbs = "|".join(map(re.escape, rules.list_head_lead_verbs))
    return re.compile(rf"(?:{nouns})\s*[，,]?\s*(?:{verbs})\s*[:：]?")


@functools.lru_cache(maxsize=2)
def _verb_re(rules: Rules) -> re.Pattern:
    verbs = "|".join(map(re.escape, rules.list_invest_verbs))
    return re.compile(rf"(?:{verbs})")


def list_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """Items of lists typed as firms by a head noun after them, a lead noun before them, or an
    investment verb after them."""
    out: list[tuple[int, int, str]] = []
    lead = _lead_re(rules)
    for m in (*_head_re(rules).finditer(text), *_verb_re(rules).finditer(text)):
        left = _left_bound(text, m.start())
        for lm in lead.finditer(text, left, m.start()):  # 投资方有|A、B等机构投资者
            left = lm.end()
        count = _count(m.groupdict().get("count"))
        items = _items(text, left, m.start(), rules, need_two=count is not None)
        if count is not None and len(items) != count:
            continue  # A、B、C 3家企业: the count must be the list's (not 共有620家企业)
        out += items
    for m in (*lead.finditer(text), *_head_lead_re(rules).finditer(text)):
        end = m.end()
        stop = end
        while stop < len(text) and text[stop] not in _CLAUSE_LEFT and stop - end < 120 and text[stop] != "等":
            stop += 1
        out += _items(text, end, stop, rules, need_two=True, opener=False)
    return sorted(set(out))


def _left_bound(text: str, pos: int) -> int:
    """Start of the clause that ends at ``pos`` (at most 120 characters back); a short bracket
    (和玉资本（MSA）领投) is part of the clause."""
    lo = max(0, pos - 120)
    i = pos - 1
    while i >= lo:
        if text[i] in ")）":
            k = _open_of(text, i, lo)
            if k is not None:
                i = k - 1
                continue
        if text[i] in _CLAUSE_LEFT:
            return i + 1
        i -= 1
    return lo


def _open_of(text: str, close: int, lo: int) -> int | None:
    """Offset of the bracket that opens the one closing at ``close`` (within 16 characters, no clause break)."""
    for k in range(close - 1, max(lo, close - 16) - 1, -1):
        if text[k] in "(（":
            return k
        if text[k] in "，,。；;\n)）":
            return None
    return None


def _items(text: str, start: int, end: int, rules: Rules, need_two: bool,
           opener: bool = True) -> list[tuple[int, int, str]]:
    """The names of the list text[start:end] (items split at 、 和 与 及 以及); ``opener``: the first
    item may open with a verb (又有, 包括) that is no part of its name."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for sep in _SEP.finditer(text, start, end):
        before = text[pos : sep.start()].strip()
        if len(sep.group()) == 1 and sep.group() != "、" and (not before or before.endswith(rules.list_openers_long)):
            continue  # 获得和玉资本: after a verb (or at the start) 和 is a name's first character
        pieces.append((pos, sep.start()))
        pos = sep.end()
    pieces.append((pos, end))
    if need_two and len(pieces) < 2:
        return []
    out = []
    lex = get_matcher().lexicon
    for k, (s, e) in enumerate(pieces):
        while s < e and (text[s].isspace() or text[s] in _QUOTES):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in _QUOTES):
            e -= 1
        if k == 0 and opener:
            s = _after_opener(text, s, e, rules)
        if k == len(pieces) - 1:
            e = _strip_tail(text, s, e, counts=not need_two)
        while e - s > 2 and text[e - 1] in _ADVERBS:
            e -= 1  # 汇付天下已|和40家大型基金公司: the adverb belongs to the verb after the name
        if e > s and text[e - 1] in ")）":  # 和玉资本（MSA）: the bracket is no part of the name
            k_open = _open_of(text, e - 1, s)
            if k_open is not None:
                e = k_open
        item = text[s:e]
        for word in ("旗下", "的"):  # 华为旗下哈勃投资, 刚刚过会的英集芯: the item is the last name
            if word in item and len(item) - item.rindex(word) - len(word) >= 2:
                s += item.rindex(word) + len(word)
                item = text[s:e]
        typed = rules.org_type(item)
        longest = 20 if typed else 12  # 北京市人工智能产业投资基金: a name with a suffix may be long
        if not 2 <= len(item) <= longest or not _ITEM.match(item) or _NUMBER_ITEM.match(item) or item in rules.list_invest_verbs:
            continue
        if item.endswith("的") or (lex.lookup(item) is None and (_verb_word(item) or (typed is None and len(item) == 2 and _pos_verb(item)))):
            return []  # 包括上市和未上市的: verbs and attributes, not a list of names
        conj_name = item[0] in "和与" and len(item) >= 4 and typed is not None  # 获得|和玉资本
        if any(r in item for r in rules.person_cues) or item in rules.not_entities or (
            item[0] in rules.bad_initials and not conj_name
        ):
            continue
        if len(pieces) == 1 and common_word(item, 1000):
            continue  # 等企业 after one ordinary word (这些等企业): a list needs two names to type a common word
        if typed is None and lex.lookup(item) is None and _opens_with_word(item, lex):
            return []  # 强化养老院, 继续办好传统医学论坛: a clause, not a list of names
        out.append((s, e, typed[0] if typed and typed[0] in ("firm", "org") else "firm"))
    return out


def _opens_with_word(item: str, lex) -> bool:
    """Does a name longer than two characters open with an ordinary word that is no place and no
    known name (强化|养老院, but not 华为|海思)?"""
    if len(item) <= 2:
        return False
    gaz = load_gazetteer()
    for L in (2, 3):
        head = item[:L]
        if len(item) > L and common_word(head, 1000) and not gaz.candidates(head) and head not in gaz.countries \
                and lex.lookup(head) is None:
            return True
    return False


_NUMBER_ITEM = re.compile(r"^[\d.]+[家个只所]?$")  # 85家、78家、62家公司: counts, not names
_NUMS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _count(word: str | None) -> int | None:
    if not word:
        return None
    return int(word) if word.isdigit() else _NUMS.get(word)


def _strip_opener(text: str, s: int, e: int, rules: Rules) -> int:
    changed = True
    while changed:
        changed = False
        for w in rules.list_openers:
            if text.startswith(w, s) and e - s - len(w) >= 2:
                if len(w) == 1 and _one_char_stem(text[s + 1 : e], rules):
                    continue  # 获得|和玉资本: 和 opens the name (玉资本 would be a one-character stem)
                s += len(w)
                changed = True
                break
    return s


def _one_char_stem(rest: str, rules: Rules) -> bool:
    """Is ``rest`` (up to a bracket) one character and a firm suffix (玉资本)?"""
    name = re.split(r"[(（]", rest, maxsplit=1)[0]
    return any(name.endswith(x) and len(name) - len(x) == 1 for x in rules.firm_suffixes)


def _after_opener(text: str, s: int, e: int, rules: Rules) -> int:
    """The first item starts after the last opener word in it (面壁智能合作伙伴包括|华为, 又有|唯捷创芯),
    or after a one-character verb that follows a name (飞步科技为|中国邮政)."""
    best = s
    for w in rules.list_openers:
        i = text.rfind(w, s, e)
        if i < 0 or i + len(w) <= best or e - (i + len(w)) < 2:
            continue
        if len(w) >= 2 or _names_a_body(text[s:i], rules) or (w not in "和与及" and _ends_clause(text[s:i], rules)):
            best = i + len(w)
    return _strip_opener(text, best, e, rules)


def _ends_clause(piece: str, rules: Rules) -> bool:
    """Do the words before a one-character verb end with a frequent word that is no firm suffix
    (本轮融资|由A与B联合领投): a clause before the list, not a name?"""
    words = [t.word for t in segment(piece)] if len(piece) >= 2 else []
    return bool(words) and len(words[-1]) >= 2 and common_word(words[-1], 1000) and rules.org_type(piece) is None


def _names_a_body(piece: str, rules: Rules) -> bool:
    """Is ``piece`` (the words before a one-character verb) a name: known, or with a firm/org suffix?"""
    if len(piece) < 2:
        return False
    typed = rules.org_type(piece)
    return get_matcher().lexicon.lookup(piece) is not None or (typed is not None and typed[0] in ("firm", "org"))


def _strip_tail(text: str, s: int, e: int, counts: bool) -> int:
    """A trailing 等 (and, before a head noun, a count: 晶华微5家 -> 晶华微)."""
    if text.endswith("在内的", s, e) and e - s >= 5:
        e -= 3  # A、B在内的六家车企
    while e > s and (text[e - 1] in "等 " or (counts and (text[e - 1].isdigit() or text[e - 1] in "家两二三四五六七八九十几多"))):
        e -= 1
    return e


_STOCK = re.compile(r"[(（]\s*(?:(?:\d{6}|\d{4,5})\s*\.\s*(?:SH|SZ|BJ|HK|sh|sz|bj|hk)|(?:NASDAQ|NYSE|纳斯达克|港股|股票代码)\s*[:：]\s*[A-Z0-9.]{1,8})\s*[)）]")


def stock_code_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """Names right before a stock code in brackets: listed companies."""
    out = []
    for m in _STOCK.finditer(text):
        e = m.start()
        s = e
        while s > 0 and e - s < 16 and text[s - 1] not in _CLAUSE_LEFT and text[s - 1] not in "、和与及等 的是在为“”\"「」":
            s -= 1
        s = _strip_opener(text, s, e, rules)
        if 2 <= e - s <= 15 and _ITEM.match(text[s:e]):
            out.append((s, e, "firm"))
    return out


_NAME_END = set("，,。；;：:！!？?、 （()）“”\"的了是在和与及等也都曾将已说称表")
_ADVERB_AFTER = re.compile(r"[均也都皆亦曾将已还又就便才正]?(?:为|是|在|有|曾|将|已|被|把|对|从|表示|称|说|指出|认为|介绍|透露|强调|坦言"
                           r"|成为|担任|出任|加入|创办|创立)")


def role_person_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """A surname-initial name of two or three characters right after a role word: a person."""
    return [x for x in _role_spans(text, rules) if x[2] == "person"]


def role_org_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """The name right before a role that a person holds (凯辉基金|合伙人|陈斯琪): an organisation."""
    return [x for x in _role_spans(text, rules) if x[2] != "person"]


def _role_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    roles = _role_re(rules)
    out = []
    for m in roles.finditer(text):
        s = m.end()
        if s >= len(text):
            continue
        rare = text[s] not in rules.surnames  # CTO楼天城: a rare surname, taken only in a three-character name
        for n in (3, 2):
            e = s + n
            if e > len(text) or (rare and n != 3):
                continue
            name = text[s:e]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", name):
                continue
            if rare and (name[0] in rules.bad_initials or name[0] in _ADVERBS or _verb_word(name[1:3])
                         or any(in_dictionary(name[a:b]) for a, b in ((0, 2), (0, 3)))):
                continue  # CEO表示了, 负责人均回应, 总裁周一: words, not a name
            if rules.honorific(name) or is_address(name, rules) or verb_tail(name):
                continue  # 理财经理施先生, 负责人缪行长 (a rarer surname), 总书记曾|指出 (a verb of speech)
            if n == 3 and name[2] in "说称":
                continue  # 总裁杨科说，: the name ends before the verb of speech
            nxt = text[e : e + 4]
            if n == 3 and _verb_word(text[e - 1 : e + 1]):
                continue  # 韩旭|成为CTO: the last character opens a verb
            if e == len(text) or text[e] in _NAME_END or _ADVERB_AFTER.match(nxt):
                if n == 3 and _ADVERB_AFTER.match(text[e - 1 : e + 3]) and text[e - 1] in "均也都皆亦曾将已还又就便才正":
                    continue  # 龚轶均为: 均 belongs to the verb
                # the role vouches for a name: the model's stricter last-character checks (军, 家) do not apply
                if name not in rules.not_entities and not common_word(name, 100) and not common_word(name[:2], 2000):
                    out.append((s, e, "person"))
                    if m.group() in rules.role_org_roles:
                        out += _role_org(text, m.start(), m.group(), rules)
                break
    return out


_ADVERBS = set("均也都皆亦曾将已还又就便才正")


def _after_last_verb(text: str, s: int, e: int) -> int:
    """Where the name before a role starts: after the last verb or particle among its words
    (李强|听取|了|集团 -> 集团), so that a clause is never taken for a name."""
    pos = s
    for t in segment(text[s:e]):
        if len(t.word) == 1 and t.start > 0 and text[s + t.start - 1].isascii() and text[s + t.start - 1].isalnum():
            continue  # B站, A股: one character after a Latin letter belongs to a mixed name
        if len(t.word) >= 1 and word_pos().get(t.word, "").startswith(("v", "u")) and t.word not in _NAME_VERBS:
            pos = s + t.end
    return pos if e - pos >= 2 else e


_NAME_VERBS = frozenset(("投资", "创新", "发展", "联合", "控股", "建设", "咨询", "传媒", "动力", "管理"))


def _pos_verb(word: str) -> bool:
    """Is ``word`` a verb by the dictionary's part of speech (上市)?"""
    return word_pos().get(word, "").startswith("v")


def _verb_word(word: str) -> bool:
    """Is ``word`` a frequent verb of the dictionary (成为, 表示)?"""
    return len(word) == 2 and common_word(word, 1000) and word_pos().get(word, "").startswith("v")


_ORG_STOP = set("，,。；;：:！!？?、（()）“”\"「」《》 \n的是在和与及为由被将向对从给")


def _role_org(text: str, role_start: int, role: str, rules: Rules) -> list[tuple[int, int, str]]:
    """凯辉基金合伙人陈斯琪, 光大控股董事总经理张小龙: the name right before a business role
    (``role_org_roles``: 创始人, CEO, 合伙人 ...; not 主席, 部长) held by a person is an organisation --
    a firm unless its suffix says otherwise."""
    e = role_start
    if e > 0 and text[e - 1] == "的":
        e -= 1
    s = e
    while s > 0 and e - s < 12 and text[s - 1] not in _ORG_STOP:
        s -= 1
    if s > 0 and text[s - 1] not in _ORG_STOP:
        return []  # no start found: a long (registered) name is the legal-name rule's
    s = _strip_opener(text, s, e, rules)
    while s < e and text[s] in "前原现时任新首":
        s += 1  # 前锐迪科创始人: the former founder of 锐迪科
    name = text[s:e]
    if not 2 <= len(name) <= 12 or not _ITEM.match(name) or name in rules.not_entities:
        return []
    while name.endswith("兼") and len(name) > 3:  # 蓝色光标|副董事长兼|COO熊剑: an earlier role of the same person
        head = name[:-1]
        held = next((r for r in sorted(rules.role_org_roles, key=len, reverse=True) if head.endswith(r)), None)
        if held is None:
            return []
        e -= 1 + len(held)
        name = text[s:e]
        while name.endswith(rules.role_modifiers):
            e -= len(next(m for m in rules.role_modifiers if name.endswith(m)))
            name = text[s:e]
    while name.endswith(rules.role_modifiers):  # 汇丰控股集团|行政|总裁: the modifier belongs to the role
        e -= len(next(m for m in rules.role_modifiers if name.endswith(m)))
        name = text[s:e]
    for m in rules.role_modifiers_after_firm:  # 源码资本|投资|副总裁, but 险峰投资|合伙人
        rest = name[: -len(m)]
        if name.endswith(m) and (rules.org_type(rest) or (None,))[0] == "firm":
            e -= len(m)
            name = rest
            break
    s = _after_last_verb(text, s, e)  # 李强听取了|集团董事长: a clause before the name
    name = text[s:e]
    if len(name) < 2:
        return []
    if name[0] in rules.bad_initials or name.startswith(rules.generic_prefixes) or name in rules.generic:
        return []
    if any(r in name for r in rules.person_cues):
        return []  # 董事长兼总裁: a role, not a name
    typed = rules.org_type(name)
    if typed and typed[0] == "none":
        return []
    if typed is None and common_word(name, 2000 if role in _FOUNDER_ROLES else 300):
        return []  # 公司创始人, 行业分析师: no name
    return [(s, e, typed[0] if typed else "firm")]


_FOUNDER_ROLES = ("创始人", "联合创始人", "创办人", "创始合伙人")


@functools.lru_cache(maxsize=2)
def _role_re(rules: Rules) -> re.Pattern:
    c = cues()
    roles = sorted({*c.founder_roles, *c.top_roles, *c.other_roles, *c.party_roles} - {"员工", "高管", "前员工", "投资人"},
                   key=len, reverse=True)
    return re.compile("|".join(re.escape(r) for r in roles if not r.isascii()) + r"|CEO|CTO|CFO|COO")


_OBJECT_STOP_POS = ("d", "p", "c", "u", "r", "m", "q", "f", "a", "b")
_OBJECT_END = set("，,。；;：:！!？?、（()）“”\"「」『』《》 \n\t")


def object_name_spans(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """The name right after a founding or listing phrase (``object_cues_*``: 王劲创立的|中智行,
    王小川后来创办了|搜狗, 获得丰田投资的|小马智行): a firm (an organisation when its suffix says so),
    also when the model tags nothing.

    The name runs over the words after the cue up to a separator, a function word, an adjective,
    an adverb or a frequent verb (文远知行|都宣称); a described or generic object (一家公司,
    自己的企业, 全美最大的…公司, 投资的|项目) is no name. After a founding verb the name may be an
    ordinary, if rare, word (搜狗); after the other cues it must be no dictionary word.
    """
    gaz, lex = load_gazetteer(), get_matcher().lexicon
    out = []
    for m in _object_cue_re(rules).finditer(text):
        s = m.end()
        if s >= len(text) or text[s] in _OBJECT_END or text.startswith(rules.object_not_openers, s):
            continue
        window = text[s : s + 12]
        stop = next((k for k, ch in enumerate(window) if ch in _OBJECT_END), len(window))
        words, e, modifier = [], s, False
        for t in segment(window[:stop]):
            if _object_stop_word(t.word, rules) or e - s + len(t.word) > 8:
                modifier = _modifier_word(t.word)
                break
            words.append(t.word)
            e = s + t.end
        name = text[s:e]
        if not words or modifier or (text.startswith("的", e) and not text.startswith(rules.firm_after, e)):
            continue  # 创立了全美|最大的…公司: the words describe the object
        founding = m.group() in rules.object_cues_founding
        if not founding and (in_dictionary(name) or any(common_word(w, rules.object_other_max_word_frequency) for w in words)):
            continue  # 投资的|项目, 投资的|热门之选
        if not founding and len(name) > 4 and rules.org_type(name) is None:
            continue  # a longer object with no suffix is a phrase (…的秋粮颗粒归仓); 投资的|小马智行 is short
        stem = words[:-1] if any(words[-1] == x for x, _t, _k in rules.suffixes) else words  # 牧月|科技: the stem
        if len(words) > 1 and any(common_word(w, rules.object_max_frequency) for w in stem):
            continue  # 创立了江泽民|国防: ordinary words, no name
        if _object_name(name, rules, gaz, lex):
            typed = rules.org_type(name)
            out.append((s, e, typed[0] if typed and typed[0] in ("firm", "org") else "firm"))
    return out


def _object_stop_word(word: str, rules: Rules) -> bool:
    """Does ``word`` end a name after a founding cue (都, 和, 的, 两只, 宣称, 旗下)?"""
    pos = word_pos().get(word, "")
    return (pos.startswith(_OBJECT_STOP_POS) or _verb_word(word) or (len(word) == 1 and pos.startswith("v"))
            or word in rules.object_end_words)


def _modifier_word(word: str) -> bool:
    """An adjective or distinguishing word (最大, 紧凑型): the words before it describe a thing."""
    return word_pos().get(word, "").startswith(("a", "b"))


def _object_name(name: str, rules: Rules, gaz, lex) -> bool:
    """Is ``name`` (the words after a founding cue) a name rather than a description?"""
    if len(name) < 2 or not _ITEM.match(name) or name[0].isdigit() or name in rules.not_entities or name in rules.generic:
        return False
    if name[0] in rules.bad_initials or name.startswith(rules.generic_prefixes) or name.startswith(
            (*rules.person_cues, *rules.role_org_roles)):
        return False  # 险峰投资的|创始合伙人陈科屹: a role, not a name
    if common_word(name, rules.object_max_frequency) or gaz.place(name) is not None or gaz.country(name) is not None:
        return False
    entry = lex.lookup(name)
    if entry is not None and entry.type not in ("firm", "org"):
        return False  # a person, product or stop word of the lexicon
    typed = rules.org_type(name)
    if typed and typed[0] == "none":
        return False
    return not (typed is None and name.endswith(rules.description_heads))


@functools.lru_cache(maxsize=2)
def _object_cue_re(rules: Rules) -> re.Pattern:
    return re.compile("|".join(re.escape(c) for c in rules.object_cues))
