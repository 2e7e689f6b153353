"""Entity typing: model spans + lexicon + gazetteer + rules -> typed ``Mention``s.

``recognize(doc, tokens, ner_spans)`` combines, for one document:

1. dictionary matches, leftmost-longest over the text: the lexicon
   (``nlp.lexicon``: known firms, organisations, people) and the gazetteer
   (``nlp.gazetteer``: divisions, zones, shorthand lists, countries);
2. the model's spans (``PER``/``ORG``/``LOC``), typed: PER -> person after
   name checks (surname or transliteration, no 人/们 ending, ...) and the document's
   person evidence (``nlp.people``: titles, honorifics, verbs of speech); ORG -> firm or
   org by the lexicon, else by the name's suffix (大学 -> org, 科技 -> firm;
   typing_rules.yaml); an ORG span nothing types is kept as a firm only in a
   firm context (股价, 创始人 after it; 公司, 创办了 before it; 等企业 / 这样的企业
   after it; an enumeration with a typed firm), else dropped -- a firm row is
   not a guess; LOC -> city / province / country through the gazetteer, else
   dropped;
3. rules: ``<name>科技`` / ``<name>量化`` / ``<name>实验室`` ... bounded by
   function words or punctuation, where the name is not an ordinary word
   (宇树科技, but not 高水平科技); registered names ``...有限公司`` back to the
   previous function word; ``<place>经信`` style government bodies;
   Latin-script names of people (in a list with other people, or beside a cue
   such as 创始人) and firms (DeepSeek母公司); bracketed abbreviations
   (XX有限公司（以下简称“星尘”）: both forms get the full name as ``key``);
   business predicates (``nlp.firm_predicates``: an unknown, brand-shaped name before 的营收,
   完成…轮融资, 递表 ..., or after 收购了 is a firm; a model person there too, unless the document
   marks the name as a person); enumerations (A、B、C with a typed firm: the brand-shaped items);
4. document-level consistency: a person span whose string the document types as a firm
   (its name, stem, or a short form of its registered name: ``nlp.firm_aliases``) is dropped
   unless the document marks it as a person; aliases (X（以下简称Y）, （股票简称：Y，…）, Y（X）, an
   English name in brackets) get the full name's key; propagation: a name accepted once (梁文锋,
   宇树科技 and its stem 宇树, an abbreviation, 月之暗面 from 北京月之暗面科技有限公司) is a mention
   wherever else it occurs in the document.

Overlaps are settled longest first, then by source (lexicon > gazetteer >
model > rule). Places: a district, county or county-level city short name (余杭,
义乌) or a prefecture short name that is also a common word (朝阳, 安康) is taken
only when the text confirms it: full name (余杭区), the model tags it LOC, it
follows its city or province (杭州余杭), it was confirmed elsewhere in the
document, or -- for names that are not common words and stand as a word of
their own -- its city (district, county) or province (county-level city) is
named within 80 characters; a name shared by several divisions of one level
resolves through the document's other places, else it is dropped. A district or zone mention carries its city's code
in ``Mention.key`` and the city's short name in ``canonical``.

Shorthand lists (北上广深) give one city mention per character, each with the
offsets of the character that stands for the city (北 -> 北京), so every
mention keeps its own span and ID. Text in ``references`` blocks is skipped
(captions and headings count). The word lists behind the rules are data:
``pipeline/data/vocab/typing_rules.yaml`` (read by ``nlp.entity_rules``).
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from pipeline.nlp import entity_rules as rules_mod
from pipeline.nlp import people
from pipeline.nlp.context_rules import list_spans, object_name_spans, role_org_spans, role_person_spans, stock_code_spans
from pipeline.nlp.firm_context import business_in_place, paired_context, source_not_person
from pipeline.nlp.firm_aliases import name_before_bracket, registered_short_forms
from pipeline.nlp.firm_predicates import brand_shaped, object_spans, person_evidence, subject_spans
from pipeline.nlp.entity_rules import CJK_NAME, Matcher, Rules, common_word, descriptive, get_matcher, in_dictionary
from pipeline.nlp.gazetteer import Division, load_gazetteer
from pipeline.nlp.lexicon import LexiconEntry
from pipeline.records import Document, Mention, Token

NEAR = 80  # characters: how close a city or province must be to confirm one of its districts
PRIORITY = {"lexicon": 4, "gazetteer": 3, "shorthand": 3, "model": 2, "rule": 1, "propagation": 0}
_NUMERALS = set("0123456789一二三四五六七八九十百千万亿零两几数")
_CJK = CJK_NAME
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\. [A-Z0-9][A-Za-z0-9]*|[ \-.&'][A-Za-z0-9]+)*")
_PERSONISH = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}$")
_LIST_SEPARATORS = set("、,，和与及")
_LATIN_ROLES = {"CEO", "CTO", "CFO", "COO", "VP", "President", "Chairman", "Founder"}
_DESCRIBED = re.compile(r"(?:一家|这家|那家|该家|多家|某家|一个|是家|几家|\d+家|各大|所有|个)[\u4e00-\u9fff]{0,6}?的?$")
_QUANTIFIED = re.compile(r"^(?:[\d几多数两一二三四五六七八九十百千]+[家个所]|各大|各家|所有|个|当事|其他|其它)|所有|[\d几多数两三四五六七八九十]+家")
_DEMONSTRATIVES = set("这那哪每该此某一两几")
_MEASURE_SURNAMES = set("张条位名个台部件本项")  # measure words that are also surnames (这张图, 那位老)
_TRAILING_ADVERBS = set("均也都皆亦曾将已还又就便才正")
_VERB_AFTER = re.compile(r"为|是|在|有|曾|将|已|被|把|对|从|表示|称|说|指出|认为")
_STOCK_CODE = re.compile(r"\s*[(（]\s*[0-9A-Z]{1,6}(?:\.[A-Z]{1,3})?\s*[)）]?")


@dataclass
class _Cand:
    start: int
    end: int
    type: str
    key: str | None
    canonical: str | None
    source: str
    org_kind: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


class _Text:
    """One document as the typing steps read it: text, tokens and their indexes, model spans, data."""

    def __init__(self, doc: Document, tokens: list[Token], ner_spans):
        text = self.text = doc.text
        self.tokens = tokens
        self.rules, self.gaz, self.matcher = rules_mod.rules(), load_gazetteer(), get_matcher()
        self.lex = self.matcher.lexicon
        self.skip = [(b.start, b.end) for b in doc.blocks if b.kind == "references"]
        self.ner = [(s, e, t) for s, e, t in ner_spans if not self.skipped(s, e)]
        self.loc_starts_by_end: dict[int, list[int]] = {}
        for ls, le in ((s, e) for s, e, t in self.ner if t == "LOC"):
            self.loc_starts_by_end.setdefault(le, []).append(ls)
        self.org_spans = [(s, e) for s, e, t in self.ner if t == "ORG"]
        self.token_starts = {t.start for t in tokens}
        self.token_ends = {t.end for t in tokens}
        self.token_at = {t.start: i for i, t in enumerate(tokens)}
        self.token_cover = _token_cover(tokens, len(text))
        self.in_quote = _quoted_spans(text)

    def skipped(self, s: int, e: int) -> bool:
        """Is text[s:e] in a ``references`` block (not typed)?"""
        return any(s < be and e > bs for bs, be in self.skip)


@dataclass
class _DictionaryMatches:
    """What the dictionary scan found: candidates, places and zones to confirm, stop words and products seen."""

    cands: list[_Cand]
    places: list[tuple[int, int, str, bool]]  # start, end, name, confirmed
    zones: list[tuple[int, int, str]]
    stops: set[str]


def recognize(doc: Document, tokens: list[Token], ner_spans) -> list[Mention]:
    """Typed, non-overlapping entity mentions of ``doc`` (sorted by offset)."""
    if not doc.text:
        return []
    t = _Text(doc, tokens, ner_spans)
    found = _dictionary_matches(t)  # 1. dictionary matches
    context, anchors = _place_context(t, found.places)
    resolved = _resolve_places(t, found.places, context, anchors)
    cands = [*found.cands, *_place_cands(t, resolved), *_zone_cands(t, found.zones, context)]
    cands += _model_cands(t, found.stops)  # 2. model spans
    cands = _rule_cands(t, cands, found.stops, resolved)  # 3. rules
    chosen = _choose(t, cands)  # 4. overlaps settled, propagation
    return [
        Mention(doc.doc_id, c.start, c.end, t.text[c.start : c.end], c.type, c.key, c.canonical, c.source, c.org_kind)
        for c in chosen
    ]


def _dictionary_matches(t: _Text) -> _DictionaryMatches:
    """Leftmost-longest lexicon and gazetteer matches: lexicon, country and shorthand candidates now; places
    and zones later, once the document's other places are known."""
    text, gaz = t.text, t.gaz
    out = _DictionaryMatches([], [], [], set())
    prev_end, prev_codes = -1, set()
    for s, e, kind, payload in t.matcher.scan(text):
        if t.skipped(s, e):
            continue
        if e - s == 2 and s not in t.token_starts and e not in t.token_ends:
            continue  # 加纳 inside 增加|纳税: a two-character name must start or end a word
        if kind == "lexicon":
            cands = _lexicon_cands(t, s, e, payload, out.stops)
            if cands is None:
                continue
            out.cands.extend(cands)
        elif kind == "country":
            c = gaz.country(payload)
            out.cands.append(_Cand(s, e, "country", c.code, c.name, "gazetteer"))
        elif _quoted_part(s, e, t.in_quote, text):
            continue  # 「长沙号」, “深圳号”: a ship or product named after a place
        elif kind == "zone":
            out.zones.append((s, e, payload))
        elif kind == "shorthand":
            out.cands.extend(_shorthand_cands(gaz, s, e, payload))
        else:  # division
            if _inside_word(s, e, t.token_cover, t.tokens):
                continue  # 海城市 inside 沿海|城市: a place name inside an ordinary word
            confirmed, prev_codes = _division_match(t, s, e, payload, prev_end, prev_codes)
            out.places.append((s, e, payload, confirmed))
            prev_end = e
            continue
        prev_end = -1
    return out


def _lexicon_cands(t: _Text, s: int, e: int, entry: LexiconEntry, stops: set[str]) -> list[_Cand] | None:
    """The candidates of a lexicon match (the name, and a unit of the firm named after it), or None when the
    match is no mention here (a stop word or product is added to ``stops``)."""
    text, rules, tokens = t.text, t.rules, t.tokens
    form = text[s:e]
    if entry.type in ("stop", "product"):
        stops.add(form)
        return None
    if len(form) == 2 and s > 0 and text[s - 1] in _NUMERALS:
        return None  # 一百度
    if (
        len(form) == 2 and form != entry.name and entry.type != "person"
        and not (s in t.token_starts and e in t.token_ends)
    ):
        return None  # 中建 across 市场|中|建立: a two-character abbreviation must be a word
    if _inside_known_word(s, e, t.token_at, tokens):
        return None  # 伊利 inside 伊利诺伊州
    if (len(form) <= 3 or entry.source) and entry.type != "person" and _cuts_word(s, e, t.token_cover, tokens):
        return None  # 美团 across 美|团队, a listed 中国建筑 in 中国|建筑业: a name inside an ordinary word
    if entry.ambiguous and form == entry.name and not (
        ((s, e) in t.org_spans and not entry.source)  # a listed 机器人 needs a cue: the model tags lists of industries
        or text.startswith(rules.latin_firm_cues, e) or text.startswith(rules.firm_after, e)
    ):
        return None
    cands = [_lex_cand(s, e, entry)]
    unit = _unit_end(text, s, e, entry, rules, t.token_ends)
    if unit:  # 华为云, 比亚迪半导体: a unit of the firm, named as a firm of its own
        cands.append(_Cand(s, unit, "firm", None, text[s:unit], "rule"))
    return cands


def _shorthand_cands(gaz, s: int, e: int, payload) -> list[_Cand]:
    """北上广深: one city per character; a region's abbreviation (京津冀, with a province) names no city."""
    members = gaz.expand_shorthand(payload)
    if len(members) == e - s and all(d.is_city for d in members):
        return [_place_cand(gaz, s + k, s + k + 1, d, "shorthand") for k, d in enumerate(members)]
    return []


def _division_match(t: _Text, s: int, e: int, name: str, prev_end: int, prev_codes: set) -> tuple[bool, set]:
    """Is the division name at text[s:e] confirmed by the text itself? And the codes it gives the next match."""
    gaz, rules = t.gaz, t.rules
    cands_d = gaz.candidates(name)
    # 余杭区: the official name (not when the official name is a common word: 城区, 矿区)
    full = name == cands_d[0].name and name != cands_d[0].short_name and name not in rules.ambiguous_places
    after_parent = prev_end == s and any(d.city_code in prev_codes or d.province_code in prev_codes for d in cands_d)
    # the model tags exactly this name (or 浙江缙云: a place and this name) as a place; not
    # enough for a name that is also a common word (南海 the sea, 港口, 运河)
    tagged = any(
        ls == s or (ls < s and _is_parent(gaz.candidates(t.text[ls:s]), cands_d))
        for ls in t.loc_starts_by_end.get(e, ())
    ) and not common_word(name, 1000)
    return full or after_parent or tagged, {cands_d[0].code, cands_d[0].city_code, cands_d[0].province_code}


def _place_context(t: _Text, places: list[tuple[int, int, str, bool]]) -> tuple[set[str], list[tuple[int, set[str]]]]:
    """The codes of the places that need no confirmation (unambiguous high-level names, confirmed names):
    all of them (the document's context) and each with its position (anchors, in text order)."""
    context: set[str] = set()
    anchors: list[tuple[int, set[str]]] = []
    for s, e, name, ok in places:
        d = t.gaz.place(name)
        if d is not None and d.level in ("province", "municipality", "prefecture") and name not in t.rules.ambiguous_places:
            codes = {d.code, d.province_code}
        elif d is not None and ok:
            codes = {d.code, d.city_code, d.province_code} - {""}
        else:
            continue
        context |= codes
        anchors.append((s, codes))
    return context, anchors


def _resolve_places(t: _Text, places: list[tuple[int, int, str, bool]], context: set[str],
                    anchors: list[tuple[int, set[str]]]) -> list[tuple[int, int, Division]]:
    """The divisions the place matches name, read in the document's ``context`` (``_place_context``); a name
    that needs confirmation is kept when confirmed here or elsewhere, or near its city or province."""
    gaz, rules = t.gaz, t.rules
    anchor_pos = [pos for pos, _codes in anchors]  # sorted: pending places are in text order
    # a confirmed name counts everywhere in the document, unless it is also a common word (港口, 资源)
    confirmed_names = {name for _s, _e, name, ok in places if ok and not common_word(name, 1000)}
    resolved: list[tuple[int, int, Division]] = []
    for s, e, name, ok in places:
        d = gaz.place(name, context)
        if d is None:
            continue
        needs_confirmation = d.level not in ("province", "municipality", "prefecture") or name in rules.ambiguous_places
        aligned = s in t.token_starts and e in t.token_ends
        if needs_confirmation and not (ok or name in confirmed_names):
            # 义乌 near 浙江 or 杭州; 余杭 near 杭州 -- within the sentence around it
            parent = d.province_code if d.level == "county_city" else d.city_code
            lo, hi = bisect.bisect_left(anchor_pos, s - NEAR), bisect.bisect_right(anchor_pos, s + NEAR)
            near = set().union(*(codes for _pos, codes in anchors[lo:hi]))
            if name in rules.ambiguous_places or not aligned or parent not in near or common_word(name, 1000):
                continue
        if needs_confirmation and len(name) == 2 and not aligned:
            continue  # 龙里 inside 小龙|里
        resolved.append((s, e, d))
    return resolved


def _place_cands(t: _Text, resolved: list[tuple[int, int, Division]]) -> list[_Cand]:
    out = []
    for s, e, d in resolved:
        cand = _place_cand(t.gaz, s, e, d, "gazetteer")
        if cand is not None:
            out.append(cand)
    return out


def _zone_cands(t: _Text, zones: list[tuple[int, int, str]], context: set[str]) -> list[_Cand]:
    """Zones: the official name of 3+ characters (未来科技城) stands alone; an alias or a short name
    (临港, 张江) counts only where the document also names its city or province."""
    out = []
    for s, e, name in zones:
        zname, city = t.gaz.zone(name)
        if (name == zname and len(name) >= 3) or city.code in context or city.province_code in context:
            out.append(_Cand(s, e, "city", city.code, city.display_name, "gazetteer"))
    return out


def _model_cands(t: _Text, stops: set[str]) -> list[_Cand]:
    """The model's PER and ORG spans, trimmed and typed; LOC spans only confirm gazetteer names (above):
    unknown places are not kept."""
    text, rules = t.text, t.rules
    vetoed = _storm_names(text, t.ner, rules)
    sure = people.vouched_names(text, [text[s:e].strip() for s, e, typ in t.ner if typ == "PER"])
    out = []
    for s, e, typ in t.ner:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        name = text[s:e]
        if not name or name in rules.not_entities or name in stops:
            continue
        if typ == "PER":
            c = _model_person(t, s, e, vetoed, sure)
            if c is None and _not_a_person_name(t, s, e, vetoed) and name not in sure:
                c = _model_org(t, s, e)  # 吉大正元, 北信源: a name, but no person's; a firm only in a firm context
                if c is not None and (c.source == "lexicon" or (c.start, c.end) != (s, e)):
                    c = None  # 吉大|正元: not the known body at its start (吉大 = 吉林大学)
        elif typ == "ORG":
            c = _model_org(t, s, e)
        else:
            c = None
        if c is not None:
            out.append(c)
    return out


def _model_person(t: _Text, s: int, e: int, vetoed: set[str], sure: set[str]) -> _Cand | None:
    """A model PER span as a person, its end trimmed of the word after the name; the document's person
    evidence (``sure``: names it vouches for) rescues or doubts the name check (``nlp.people``)."""
    text, rules, gaz = t.text, t.rules, t.gaz
    name = text[s:e]
    if len(name) == 3 and name[2] in _TRAILING_ADVERBS and _VERB_AFTER.match(text, e):
        e -= 1  # 龚轶均为: 均 belongs to the verb after the name
        name = text[s:e]
    elif len(name) == 3 and _verb_across_end(e, t.token_at, t.tokens):
        e -= 1  # 韩旭|成为: the last character opens the verb after the name
        name = text[s:e]
    if len(name) >= 3 and name[-1] == "于" and text[e : e + 2].lstrip()[:1].isdigit():
        e -= 1  # 劳伦斯·斯泰恩于2016年: 于 is the preposition of the date
        name = text[s:e]
    if name in vetoed:
        return None  # 台风“杜苏芮”: a storm, not a person
    if len(name) == 2 and s > 0 and text[s - 1] in _DEMONSTRATIVES and name[0] in _MEASURE_SURNAMES:
        return None  # 这|张图: a demonstrative, a measure word and a noun, not 张 the surname
    if _metric_tail(name):
        return None  # 毛利润: a surname-like character and a measured quantity (利润), not a person
    if gaz.place(name) is not None or t.lex.lookup(name) is not None or gaz.country(name) is not None:
        return None
    if people.accepted(text, s, e, rules, sure):
        return _Cand(s, e, "person", None, name, "model")
    return None


def _not_a_person_name(t: _Text, s: int, e: int, vetoed: set[str]) -> bool:
    """Is the model's PER span a name that cannot be a person's (吉大正元: four characters and no compound
    surname; 北信源) rather than a word or a cut the person checks reject (德国队, 这张图, 毛利润, 安总)?"""
    name = t.text[s:e]
    if name in vetoed or not _CJK.match(name) or "·" in name or not 3 <= len(name) <= 6:
        return False
    rules = t.rules
    return not rules.person_ok(name) and not rules.honorific(name) and not _metric_tail(name) and not common_word(name, 50)


def _metric_tail(name: str) -> bool:
    """Does the name end in a quantity of the metric vocabulary (毛|利润, 净|收入) after its first character?"""
    from pipeline.nlp.metric_names import vocabulary

    tail = name[1:]
    cue = vocabulary().get(tail) if len(tail) >= 2 else None
    return cue is not None and cue.kind == "level"


def _model_org(t: _Text, s: int, e: int) -> _Cand | None:
    """A model ORG span as a firm or org: trimmed of stock codes, stray brackets and words glued on the left."""
    text, rules, lex = t.text, t.rules, t.lex
    name = text[s:e]
    code = _STOCK_CODE.search(name)
    if code:  # 创耀科技(688259.SH): the code is no part of the name
        e = s + code.start()
        name = text[s:e]
    while name and name[-1] in ")）" and name.count(name[-1]) > name.count("(" if name[-1] == ")" else "（"):
        e -= 1  # NEOM）: a closing bracket of the text around the name
        name = text[s:e]
    cut = _unbalanced_open(name)
    if cut is not None:  # ATL（香港新能源科技有限公司: the name ends before the open bracket
        e = s + cut
        name = text[s:e]
        if len(name) < 2:
            return None
    if _PERSONISH.match(name) and text[max(0, s - 12):s].rstrip().endswith(rules.person_cues):
        return None  # CEO Amnon Shashua: a person (the Latin rule)
    under = max(name.rfind("旗下的") + 3, name.rfind("旗下") + 2) if "旗下" in name else -1
    if under > 0 and len(name) - under >= 2:
        s += under  # 事业群旗下优图实验室: the unit is the name after 旗下
        name = text[s:e]
    if len(name) >= 4 and name[0] in rules.former_prefixes and lex.lookup(name[1:3]) is not None:
        s += 1  # 前滴滴研究院: a former unit of a known firm; 前 belongs to the role after it
        name = text[s:e]
    while len(name) >= 4 and name[0] in rules.leading_function_chars and _CJK.match(name[0]) and not (
        s == 0 or text[s - 1] in _ITEM_OPENERS
    ):  # (、和利资本: after a separator the character opens the name)
        s += 1  # 嘉宾有|绿动资本: a verb or function word glued on the left is no part of the name
        name = text[s:e]
    if _DESCRIBED.search(text, max(0, s - 10), s) and name.endswith(rules.description_heads):
        return None  # 一家很大的冷链物流公司: a description, not a name
    return _org_cand(s, e, name, rules, lex, t.gaz, "model", opened=s == 0 or text[s - 1] in _ITEM_OPENERS)


def _context_rule_spans(t: _Text) -> list[tuple[int, int, str]]:
    """Spans of the context rules (``nlp.context_rules``): lists with a head noun, stock codes, role cues."""
    text, rules = t.text, t.rules
    role_orgs = []
    for s, e, typ in role_org_spans(text, rules):
        s = _trim_left(text, s, e, t.token_at, t.tokens, rules, t.lex)
        if e - s >= 5 and text[s] in rules.leading_function_chars:
            s += 1  # 嘉宾有|绿动资本 (jieba: 有绿|动): a verb glued on the left
        role_orgs.append((s, e, typ))
    return [*list_spans(text, rules), *stock_code_spans(text, rules), *role_person_spans(text, rules), *role_orgs,
            *object_name_spans(text, rules)]


def _rule_cands(t: _Text, cands: list[_Cand], stops: set[str], resolved) -> list[_Cand]:
    """``cands`` plus the rules' candidates (context rules, suffixes, registered names, short forms, Latin
    names, place + org); untyped names promoted where the context types them."""
    text, rules, tokens, skipped = t.text, t.rules, t.tokens, t.skipped
    for s, e, typ in _context_rule_spans(t):
        if e - s >= 2 and not skipped(s, e) and text[s:e] not in stops:
            cands.append(_Cand(s, e, typ, None, text[s:e], "rule"))
    cands += [_Cand(s, e, "person", None, text[s:e], "rule") for s, e in people.titled_names(text, tokens, rules, skipped)]
    cands.extend(_suffix_rule(text, tokens, rules, t.gaz, skipped))
    cands.extend(_legal_name_rule(text, tokens, rules, skipped))
    cands.extend(_short_form_cands(text, t.matcher, t.token_starts, t.token_ends, skipped))
    cands = _predicate_firms(t, _sources_not_people(text, cands, rules))
    cands = _promote_untyped(text, cands, rules)
    cands += _enumerated_firms(t, cands)
    cands.extend(_latin_rule(text, rules, t.matcher, skipped, cands))
    _link_short_latin_forms(text, cands)
    cands.extend(_place_org_rule(text, resolved, rules))
    return cands


def _choose(t: _Text, cands: list[_Cand]) -> list[_Cand]:
    """The mentions: overlaps settled (``_select``), bracketed abbreviations, every other occurrence of an
    accepted name, leading cities; sorted by offset."""
    text, rules, skipped = t.text, t.rules, t.skipped
    _units_under_firms(text, cands)
    cands = [c for c in cands if not _described(text, c, rules)]
    cands = _firm_over_person(t, cands)
    chosen = _select(cands)
    abbreviations = _abbreviations(text, chosen, skipped) + _bracket_aliases(text, chosen, rules, skipped)
    if abbreviations:
        cands += abbreviations
        chosen = _select(cands)
    # every other occurrence of an accepted name; longer names win over shorter ones
    # found there (the second 王兴兴 is not the lexicon's 王兴)
    chosen = _select(cands + _propagate(text, chosen, skipped, t.token_starts, t.token_ends))
    chosen += _leading_cities(text, chosen, t.gaz, rules)
    chosen.sort(key=lambda c: (c.start, c.end, c.type, c.key or ""))
    return chosen


_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》", "\"": "\""}


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the contents of quotes and title marks, each at most 20 characters."""
    out, open_at = [], None
    closer = ""
    for i, ch in enumerate(text):
        if open_at is None:
            if ch in _QUOTE_PAIRS:
                open_at, closer = i + 1, _QUOTE_PAIRS[ch]
        elif ch == closer:
            if i - open_at <= 20:
                out.append((open_at, i))
            open_at = None
        elif i - open_at > 20 or ch in "。\n":
            open_at = None
    return out


def _quoted_part(s: int, e: int, spans: list[tuple[int, int]], text: str) -> bool:
    """Is [s, e) a proper part of a quoted name («长沙号»), not the whole quote («深圳»)?"""
    k = bisect.bisect_right(spans, (s, len(text) + 1)) - 1
    if k < 0:
        return False
    qs, qe = spans[k]
    return qs <= s and e <= qe and (qs, qe) != (s, e)


def _cuts_word(s: int, e: int, cover: list[int], tokens: list[Token]) -> bool:
    """Does [s, e) begin or end inside a dictionary word (美|团队, 美团 cut at 团)?"""
    for pos in (s, e):
        i = cover[pos] if pos < len(cover) else -1
        if i >= 0:
            t = tokens[i]
            if t.start < pos < t.end and in_dictionary(t.word) and len(t.word) >= 2:
                return True
    return False


def _unit_end(text: str, s: int, e: int, entry: LexiconEntry, rules: Rules, token_ends: set[int]) -> int | None:
    """End of ``<known firm><unit suffix>`` when the suffix ends a word (华为云|和), else None."""
    if entry.type != "firm":
        return None
    full_name = (rules.org_type(text[s:e]) or (None,))[0] == "firm"
    for suffix in rules.unit_suffixes:
        if full_name and suffix in rules.firm_suffixes:
            continue  # 源码资本|投资副总裁: a name with a firm suffix takes no second one
        end = e + len(suffix)
        if text.startswith(suffix, e) and (end == len(text) or end in token_ends or not _CJK.match(text[end])):
            if text.startswith(rules.not_after_suffix, end):
                return None
            return end
    return None


def _unbalanced_open(name: str) -> int | None:
    """Offset of an opening bracket that is never closed in ``name`` (None when all are closed)."""
    depth, first = 0, None
    for i, ch in enumerate(name):
        if ch in "(（":
            if depth == 0:
                first = i
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
    return first if depth else None


def _unbalanced_close(stem: str) -> int | None:
    """Offset just after the last opening bracket of ``stem`` that is not closed in it (None if all are)."""
    depth, last = 0, None
    for i in range(len(stem) - 1, -1, -1):
        ch = stem[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            if depth:
                depth -= 1
            else:
                return i + 1
    return last


def _trim_left(text: str, s: int, e: int, token_at: dict[int, int], tokens: list[Token], rules: Rules, lex) -> int:
    """Drop leading words that are no part of a name found by context: common words (反思, 嘉宾),
    verbs and function words (有, 是), while at least two characters are left; a known name stays."""
    while True:
        i = token_at.get(s)
        if i is None:
            return s
        w = tokens[i].word
        if tokens[i].end > e - 2 or lex.lookup(w) is not None:
            return s
        place = bool(load_gazetteer().candidates(w))
        nxt = tokens[i + 1].word if i + 1 < len(tokens) else ""
        if place and len(nxt) >= 2 and common_word(nxt, 300) and tokens[i + 1].end <= e - 2:
            s = tokens[i + 1].end  # 北京|会见|英国力拓集团: a place before a verb opens a clause, not a name
            continue
        if not (w in rules.stem_delimiters or (len(w) == 1 and w in rules.leading_function_chars)
                or (len(w) >= 2 and common_word(w, 300) and not place)):
            return s
        if w not in rules.stem_delimiters and in_dictionary(text[tokens[i].end : e]):
            return s  # 蓝色|光标: the rest alone is an ordinary word, so the whole is the name
        s = tokens[i].end


def _units_under_firms(text: str, cands: list[_Cand]) -> None:
    """腾讯旗下优图实验室: a research unit named right after ``<firm>旗下(的)`` is the firm's, a firm."""
    firm_ends = {c.end for c in cands if c.type == "firm" and c.org_kind != UNTYPED}
    for c in cands:
        if c.type != "org" or c.org_kind != "research":
            continue
        for cue in ("旗下的", "旗下"):
            k = c.start - len(cue)
            if text.startswith(cue, k) and _firm_in_clause_before(text, k, firm_ends):
                c.type, c.org_kind, c.key, c.canonical = "firm", None, None, text[c.start : c.end]
                break


def _firm_in_clause_before(text: str, pos: int, firm_ends: set[int]) -> bool:
    """Does a firm end at ``pos`` or within the 16 characters of the same clause before it
    (腾讯|云与智慧产业事业群|旗下)?"""
    for k in range(pos, max(0, pos - 16) - 1, -1):
        if k in firm_ends:
            return True
        if k < pos and text[k] in "，,。；;：:！!？?\n、":
            return False
    return False


_CLAUSE_POS = ("v", "u", "p", "r", "m", "d", "c", "b")


def _clause_word(word: str) -> bool:
    """Is ``word`` a verb, pronoun, numeral, adverb, preposition, conjunction, particle or attributive
    by the dictionary's part of speech (参与, 所在, 大型, 地, 任)? Brand stems have none (宇树, 西南)."""
    from pipeline.nlp.ner.dictionary_tags import word_pos

    return word_pos().get(word, "").startswith(_CLAUSE_POS)


def _verb_across_end(e: int, token_at: dict[int, int], tokens: list[Token]) -> bool:
    """Does a verb token of two or more characters start at the name's last character and run past
    its end (韩旭|成为), the name's first two characters being a token of their own?"""
    from pipeline.nlp.ner.dictionary_tags import word_pos

    i = token_at.get(e - 1)
    if i is None or i == 0 or tokens[i].end <= e or tokens[i - 1].end != e - 1 or tokens[i - 1].start != e - 3:
        return False
    return word_pos().get(tokens[i].word, "").startswith("v")


def _firm_forms(text: str, cands: list[_Cand], rules: Rules) -> set[str]:
    """The names of the document's typed firm candidates, their stems (宇树科技 -> 宇树) and the short forms of
    their registered names (北京月之暗面科技有限公司 -> 月之暗面科技, 月之暗面)."""
    forms = set()
    for c in cands:
        if c.type == "firm" and c.org_kind != UNTYPED:
            name = text[c.start : c.end]
            forms.add(name)
            forms.update(registered_short_forms(name, rules))
            for suffix in rules.stem_alias_suffixes:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    forms.add(name[: -len(suffix)])
                    break
    return forms


def _firm_over_person(t: _Text, cands: list[_Cand]) -> list[_Cand]:
    """Document-level label consistency: a person span whose string the document types as a firm with
    evidence elsewhere (a suffix, a cue, a predicate, the lexicon; 安博通 ... 安博通|的营收, 高榕创投 ...
    高榕|从天使轮开始) names that firm -- it is dropped and propagation puts the firm there -- unless the
    document marks the name as a person (X先生, 创始人X) or the lexicon knows the person."""
    text = t.text
    forms = _firm_forms(text, cands, t.rules)
    suspects = [c for c in cands if c.type == "person" and c.source != "lexicon" and text[c.start : c.end] in forms]
    if not suspects:
        return cands
    marked = _people_marked(t, suspects)
    drop = {id(c) for c in suspects if text[c.start : c.end] not in marked}
    return [c for c in cands if id(c) not in drop]


def _described(text: str, c: _Cand, rules: Rules) -> bool:
    """一家很大的冷链物流公司: a firm-like name after 一家 / 这家 ... ending in 公司 describes a firm;
    so does a name opened by the ordinal of an event or batch (第六届跨国公司…)."""
    if c.type != "firm" or c.source == "lexicon":
        return False
    name = text[c.start : c.end]
    if rules.event_ordinal.match(name):
        return True  # 第六届跨国公司…: an event or batch, not a name
    if not name.endswith(rules.description_heads + ("银行",)):
        return False
    if _QUANTIFIED.search(name):
        return True  # 40家大型基金公司, 国内所有航空公司, 各大银行
    if name.endswith("公司") and not name.endswith("有限公司") and c.key is None and _common_stem(name[:-2]):
        return True  # 建筑公司, 物流公司: an industry and 公司
    return bool(_DESCRIBED.search(text, max(0, c.start - 10), c.start))


def _common_stem(stem: str) -> bool:
    """Is ``stem`` made of frequent dictionary words only (建筑, 大型基金, 当事建筑), not a brand?"""
    if not stem or not _CJK.match(stem):
        return False
    from pipeline.nlp.segment import segment

    return all(common_word(t.word, 2000) or _clause_word(t.word) for t in segment(stem))


def _is_parent(parents: list[Division], divisions: list[Division]) -> bool:
    """Is one of ``parents`` the city or province of one of ``divisions`` (浙江缙云, not 宁德+汕尾's 城区)?"""
    codes = {p.code for p in parents}
    return any(d.city_code in codes or d.province_code in codes for d in divisions)


def _token_cover(tokens: list[Token], n: int) -> list[int]:
    """Per character: the index of the token covering it (-1 for none)."""
    cover = [-1] * n
    for i, t in enumerate(tokens):
        for k in range(t.start, min(t.end, n)):
            cover[k] = i
    return cover


def _inside_word(s: int, e: int, cover: list[int], tokens: list[Token]) -> bool:
    """Does [s, e) start inside a dictionary word that begins before it and is no place itself (沿海|城市)?"""
    i = cover[s] if s < len(cover) else -1
    if i < 0:
        return False
    t = tokens[i]
    return t.start < s < t.end and in_dictionary(t.word) and not load_gazetteer().candidates(t.word)


def _leading_cities(text: str, chosen: list[_Cand], gaz, rules: Rules) -> list[_Cand]:
    """The city (or country) a firm or organisation name opens with (深圳英集芯科技股份有限公司, 厦门大学,
    文莱主权财富基金): the text names that place too. A nested mention, so that the city is counted; only a city-level name that
    needs no confirmation (not 朝阳, 中山), and for a firm a prefecture-level one in a name the text
    spells out (a registered name, a fund), not a known brand."""
    out = []
    for c in chosen:
        if c.type not in ("firm", "org") or (c.type == "firm" and c.source in ("lexicon", "propagation")):
            continue  # a known brand (宁德时代) does not name its city
        name = text[c.start : c.end]
        country = next((name[:L] for L in range(min(len(name) - 2, 6), 1, -1) if name[:L] in gaz.countries), None)
        if country is not None:  # 沙特新未来城, 文莱主权财富基金: the text names the country too
            k = gaz.country(country)
            out.append(_Cand(c.start, c.start + len(country), "country", k.code, k.name, "gazetteer"))
            continue
        for L in range(min(len(name) - 2, 5), 1, -1):
            d = gaz.place(name[:L])
            if d is None or not d.is_city or name[:L] in rules.ambiguous_places:
                continue
            if c.type == "firm" and d.level == "county_city":
                break  # 安达智能: a brand stem that is also a county-level city
            cand = _place_cand(gaz, c.start, c.start + L, d, "gazetteer")
            if cand is not None:
                out.append(cand)
            break
    return out


def _inside_known_word(s: int, e: int, token_at: dict[int, int], tokens: list[Token]) -> bool:
    """Is [s, e) part of a longer word jieba's dictionary knows (伊利 in 伊利诺伊州)?

    A word that only adds a place before the name or a firm suffix after it
    (中国东方航空公司, 华为公司) still names the firm.
    """
    for start in range(s, max(-1, s - 8), -1):
        i = token_at.get(start)
        if i is None:
            continue
        t = tokens[i]
        if t.end < e or (t.start, t.end) == (s, e) or not in_dictionary(t.word):
            return False
        head, tail = t.word[: s - t.start], t.word[e - t.start :]
        gaz = load_gazetteer()
        head_ok = not head or bool(gaz.candidates(head)) or head in gaz.countries
        tail_ok = not tail or rules_mod.rules().org_type("某" + tail) is not None
        return not (head_ok and tail_ok)
    return False


def _storm_names(text: str, ner, rules: Rules) -> set[str]:
    """Model PER names that the document also writes as 台风“X” or “X”台风 (storms, not people)."""
    names = {text[s:e] for s, e, t in ner if t == "PER" and e > s}
    out = set()
    for i, j, name in occurrences(text, names):  # one pass over the text for all names
        if name in out:
            continue
        before = text[max(0, i - 4) : i].rstrip("“\"「『 ")
        after = text[j : j + 4].lstrip("”\"」』 ")
        if before.endswith(rules.not_person_before) or after.startswith(rules.not_person_after):
            out.add(name)
    return out


def occurrences(text: str, forms) -> list[tuple[int, int, str]]:
    """Every (start, end, form) where one of ``forms`` occurs in ``text`` (overlaps included), in
    one pass: at each position only the lengths of the forms that start with that character are
    tried, so the cost is linear in the text's length, not in the number of forms times it."""
    lengths: dict[str, set[int]] = {}
    for f in forms:
        if f:
            lengths.setdefault(f[0], set()).add(len(f))
    by_first = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
    forms = set(forms)
    out = []
    for i, ch in enumerate(text):
        for L in by_first.get(ch, ()):
            piece = text[i : i + L]
            if len(piece) == L and piece in forms:
                out.append((i, i + L, piece))
    return out


def _lex_cand(s: int, e: int, entry: LexiconEntry) -> _Cand:
    return _Cand(s, e, entry.type, entry.name, entry.name, "lexicon", entry.kind if entry.type == "org" else None)


def _place_cand(gaz, s: int, e: int, d: Division, source: str) -> _Cand | None:
    if d.level in ("province",):
        return _Cand(s, e, "province", d.code, d.display_name, source)
    city = gaz.city_of(d)
    if city is None:
        return None
    return _Cand(s, e, "city", city.code, city.display_name, source)


def _org_cand(s: int, e: int, name: str, rules: Rules, lex, gaz, source: str, opened: bool = False) -> _Cand | None:
    """A firm or organisation candidate for a model ORG span (``opened``: it follows a separator or
    punctuation, so a leading 和 or 与 is part of the name: 、和利资本)."""
    entry = lex.lookup(name)
    if entry is not None:
        if entry.type in ("stop", "product", "person"):
            return None
        return _Cand(s, e, entry.type, entry.name, entry.name, "lexicon", entry.kind if entry.type == "org" else None)
    for L in range(len(name) - 1, 1, -1):  # 宁德时代市场部, 特斯拉上海工厂: the known firm is the mention
        head = lex.lookup(name[:L])
        if head is not None and head.type in ("firm", "org") and not head.source and not (head.ambiguous and name[:L] == head.name):
            rest = name[L:]
            if head.type == "org" and rest in rules.firm_suffixes:
                return None  # 科创板公司: firms of a market or body, no name
            if rest in rules.firm_suffixes:
                break  # 比亚迪集团: the firm's fuller name
            if head.type == "firm" and (rest in rules.unit_suffixes or _placed_unit(rest, rules, gaz)):
                return _Cand(s, e, "firm", None, name, source)  # 滴滴研究院, 雅虎中国研究院: a unit of the firm
            rest_type = rules.org_type("某" + rest)
            if head.type == "org" and rest_type and rest_type[0] == "org" and rest_type[1] == head.kind:
                return _Cand(s, e, "org", head.name, head.name, "lexicon", head.kind)  # 纳斯达克证券交易所
            return _Cand(s, s + L, head.type, head.name, head.name, "lexicon", head.kind if head.type == "org" else None)
    if name.startswith(rules.generic_prefixes):
        return None  # 全球头部科技公司
    if gaz.place(name) is not None or gaz.country(name) is not None or name in gaz.zones:
        return None
    if len(name) < 2 or (len(name) == 2 and not _CJK.match(name) and not name.isascii()):
        return None
    if name.endswith(rules.not_org_suffixes):
        return None  # 马斯克团队: a team, not a firm
    if (name[0] in rules.bad_initials and not (opened and name[0] in "和与")) or name.count("“") != name.count("”") or name.count("《") != name.count("》"):
        return None  # 年全国资本, 《中国共产党: a cut in the wrong place
    place = _leading_place(name, gaz)
    if place and (len(name) - len(place) < 2 or gaz.candidates(name[len(place):]) or name[len(place):] in gaz.countries):
        return None  # 浙江科, 宁夏银川: places and stray characters
    if name.endswith(rules.country_suffixes):
        return None  # 厄瓜多尔共和国: a state, not a firm
    typed = rules.org_type(name)
    if typed and typed[0] == "none":
        return None
    if typed and typed[0] == "firm" and descriptive(name, rules):
        typed = None  # 耐心资本, 高水平科技 may be descriptions: a firm only in a firm context
    if typed is None and len(name) == 2 and common_word(name, 500):
        return None
    if typed is None:
        # no suffix decides: a firm only if the context says so (see _promote_untyped)
        return _Cand(s, e, "firm", None, name, source, UNTYPED)
    type_, kind = typed
    return _Cand(s, e, type_, None, name, source, kind)


def _placed_unit(rest: str, rules: Rules, gaz) -> bool:
    """中国研究院, 上海实验室: a place, then a unit suffix (the firm's unit in that place)."""
    for unit in rules.unit_suffixes:
        place = rest[: -len(unit)]
        if rest.endswith(unit) and place and (gaz.country(place) is not None or gaz.place(place) is not None):
            return True
    return False


UNTYPED = "?"


def _promote_untyped(text: str, cands: list[_Cand], rules: Rules) -> list[_Cand]:
    """Model ORG spans with no typing evidence are kept as firms only in a firm context.

    Context: a firm cue right after (股价, 创始人, 发布 ...) or before (公司, 巨头 ...),
    ``等企业/等巨头`` after it, or an enumeration (、 和 与) with a firm already typed
    (台积电、华虹、华润微等行业巨头). Otherwise the span is dropped: an
    organisation the rules cannot type is not published rather than guessed.
    """
    untyped = [c for c in cands if c.org_kind == UNTYPED]
    if not untyped:
        return cands
    kept = [c for c in cands if c.org_kind != UNTYPED]
    firm_names = {text[c.start : c.end] for c in kept if c.type == "firm"}
    firm_starts = {c.start for c in kept if c.type == "firm"}
    firm_ends = {c.end for c in kept if c.type == "firm"}
    by_start: dict[int, list[_Cand]] = {}
    by_end: dict[int, list[_Cand]] = {}
    by_name: dict[str, list[_Cand]] = {}
    for c in untyped:
        by_start.setdefault(c.start, []).append(c)
        by_end.setdefault(c.end, []).append(c)
        by_name.setdefault(text[c.start : c.end], []).append(c)

    def in_context(c: _Cand) -> bool:
        after, before = text[c.end : c.end + 9].lstrip(), text[max(0, c.start - 4) : c.start].rstrip()
        return (
            text[c.start : c.end] in firm_names  # the same name is a firm elsewhere in the document
            or after.startswith(rules.firm_after)
            or _role_after(after, rules)
            or bool(_FUNDING_AFTER.match(text, c.end))
            or before.endswith(rules.firm_before)
            or bool(_GROUP_AFTER.match(text[c.end : c.end + 40]))
            or paired_context(text, c.start, c.end)  # 接受|极客公园|等媒体, 在|麦肯锡|工作
            or business_in_place(text, c.end, gaz_like)  # 中航锂电|在厦门扩建
            # an enumeration with a typed firm: 台积电、华虹
            or (c.start - 1 in firm_ends and text[c.start - 1] in _ENUM)
            or (c.end + 1 in firm_starts and text[c.end : c.end + 1] in _ENUM)
        )

    promoted: list[_Cand] = []
    done: set[int] = set()
    queue = [c for c in untyped if in_context(c)]
    while queue:  # each candidate is promoted once; a promotion re-checks only its neighbours
        c = queue.pop()
        if id(c) in done:
            continue
        done.add(id(c))
        c.org_kind = None
        promoted.append(c)
        name = text[c.start : c.end]
        firm_starts.add(c.start)
        firm_ends.add(c.end)
        new_name = name not in firm_names
        firm_names.add(name)
        neighbours = by_start.get(c.end + 1, []) + by_end.get(c.start - 1, [])
        if new_name:
            neighbours += by_name.get(name, [])
        queue += [u for u in neighbours if id(u) not in done and in_context(u)]
    return kept + promoted


def _sources_not_people(text: str, cands: list[_Cand], rules: Rules) -> list[_Cand]:
    """A model person span cited as the source of figures (据|沙利文|数据) is a firm that publishes data."""
    out = []
    for c in cands:
        if c.type == "person" and c.source == "model" and source_not_person(
            text, c.start, c.end, rules.source_cue_before, rules.source_cue_after
        ):
            c = _Cand(c.start, c.end, "firm", None, text[c.start : c.end], "model")
        out.append(c)
    return out


def _people_marked(t: _Text, cands: list[_Cand]) -> set[str]:
    """The names of the person candidates that the document marks as people (X先生, X说, 创始人X)."""
    names = {t.text[c.start : c.end] for c in cands if c.type == "person"}
    roles = {(s, e) for s, e, _typ in role_person_spans(t.text, t.rules)}
    return person_evidence(t.text, names, t.rules, roles)


def _predicate_firms(t: _Text, cands: list[_Cand]) -> list[_Cand]:
    """Unknown names that are the subject of a business predicate (X的营收, X完成B轮融资) or the object of
    a firm frame (收购X) are firms (``nlp.firm_predicates``): an untyped model span there is promoted, a
    model person there becomes a firm when the predicate is one people never have and the document
    marks the name as a person nowhere, and a name the model missed becomes a rule candidate."""
    text = t.text
    spans: dict[tuple[int, int], tuple[bool, bool]] = {}  # (strong, brand)
    for s, e, strong, brand in subject_spans(text, t.tokens, t.rules):
        spans[(s, e)] = (strong, brand)
    for s, e, brand in object_spans(text, t.tokens, t.rules):
        spans[(s, e)] = (True, brand)
    spans = {k: v for k, v in spans.items() if not t.skipped(*k)}
    if not spans:
        return cands
    marked = _people_marked(t, cands)
    out = []
    for c in cands:
        strong, _brand = spans.get((c.start, c.end), (None, False))
        if strong is not None and c.org_kind == UNTYPED:
            c.org_kind = None  # 安博通|的营收: the model's span, typed by what it does
        elif strong and c.type == "person" and c.source == "model" and text[c.start : c.end] not in marked:
            c = _Cand(c.start, c.end, "firm", None, text[c.start : c.end], "model")
        out.append(c)
    return out + _predicate_rule_cands(t, out, spans, marked)


def _predicate_rule_cands(t: _Text, cands: list[_Cand], spans: dict, marked: set[str]) -> list[_Cand]:
    """New firm candidates for the brand-shaped predicate names no candidate covers yet; not over a person
    the document vouches for (or any person, for a predicate people share), nor across a dictionary match."""
    text = t.text
    covered = {(c.start, c.end) for c in cands if c.type in ("firm", "org")}
    out = []
    for (s, e), (strong, brand) in spans.items():
        if not brand or (s, e) in covered or (e - s < 3 and not text[s:e].isascii()):
            continue  # a two-character name is typed only where the model tags it (能发|年报)
        if any(c.start < e and s < c.end and (
            (c.type == "person" and (not strong or text[c.start : c.end] in marked or c.source == "lexicon"))
            or (c.source in ("lexicon", "gazetteer") and not (s <= c.start and c.end <= e))
        ) for c in cands):
            continue
        out.append(_Cand(s, e, "firm", None, text[s:e], "rule"))
    return out


_CLAUSE = re.compile(r"[^，,。；;：:！!？?\n（）()“”「」《》]+")


def _enumerated_firms(t: _Text, cands: list[_Cand]) -> list[_Cand]:
    """北信源、盛邦安全、安博通、永信至诚也…: an item of an enumeration (、, a last 和 / 与) in which another item
    is a typed firm and no item a person or place is a firm when it is brand-shaped (``brand_shaped``:
    a word the dictionary does not know, not a phrase of ordinary words) and no candidate covers it."""
    text = t.text
    firms = {(c.start, c.end) for c in cands if c.type == "firm" and c.org_kind != UNTYPED}
    others = {(c.start, c.end) for c in cands if c.type != "firm"}
    by_start = {tok.start: tok for tok in t.tokens}
    out = []
    for clause in _CLAUSE.finditer(text):
        if "、" not in clause.group():
            continue
        items = _enumeration_items(t, clause.start(), clause.end())
        if len(items) < 2 or not any(i in firms for i in items) or any(i in others for i in items):
            continue
        for k, (s, e) in enumerate(items):
            if k == 0 and s != clause.start():
                continue  # 由深创投、…: the first item is taken only where the clause opens with it
            while e - s > 2 and text[e - 1] == "等":
                e -= 1  # 拍拍贷等: 等 closes the list
            if _ORDINAL_OPENER.match(text, s):
                continue  # 二是长城汽车: the second point of an argument opens the item
            if (s, e) in firms or t.skipped(s, e) or e - s < 2 or text[s] in t.rules.bad_initials:
                continue
            if not brand_shaped(text, s, e, by_start, t.rules):
                continue  # 盛邦|安全: a phrase of ordinary words
            if any(c.start < e and s < c.end and not (s <= c.start and c.end <= e and c.type == "firm") for c in cands):
                continue  # a name the document types otherwise there
            out.append(_Cand(s, e, "firm", None, text[s:e], "rule"))
    return out


def _enumeration_items(t: _Text, start: int, end: int) -> list[tuple[int, int]]:
    """The items of the enumeration in text[start:end] (one clause): the pieces between 、 (and a last 和 /
    与 standing as a word), the first from its last delimiter on, the last up to a delimiter word (也, 等)."""
    text, rules = t.text, t.rules
    pieces, pos = [], start
    for k in range(start, end):
        if text[k] == "、":
            pieces.append((pos, k))
            pos = k + 1
    pieces.append((pos, end))
    first_s, first_e = pieces[0]
    while first_s < first_e and (first_s not in t.token_starts or _delimited_inside(t, first_s, first_e)):
        first_s += 1  # 包括|北信源: the first item starts after its last delimiter word
    pieces[0] = (first_s, first_e)
    last_s, _last_e = pieces[-1]
    k, last_e = last_s, last_s
    while k in t.token_at and k < end:
        tok = t.tokens[t.token_at[k]]
        if (tok.word in rules.stem_delimiters or tok.word in rules.bad_initials or not _NAME_TOKEN.match(tok.word)
                or tok.word in rules.list_invest_verbs or tok.word[0].isdigit() or tok.word.startswith(rules.list_head_nouns)):
            break  # 永信至诚|也, 深创投|领投, 晶华微|5家, 宁德时代|企业
        k = last_e = tok.end
    if last_e > last_s and k < end and t.tokens[t.token_at[k]].word in ("和", "与", "及") if k in t.token_at else False:
        pieces[-1] = (last_s, last_e)  # A、B和C: one more item after the conjunction
        return pieces + _enumeration_items(t, t.tokens[t.token_at[k]].end, end)[:1]
    pieces[-1] = (last_s, last_e)
    return [(s, e) for s, e in pieces if e > s]


_ORDINAL_OPENER = re.compile(r"[一二三四五六七八九十]是|其[一二三四五六七八九十]")
_NAME_TOKEN = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·&]+$")


def _delimited_inside(t: _Text, s: int, e: int) -> bool:
    """Does a delimiter word (包括, 和, 的) start at or after ``s`` inside text[s:e] (so the name starts later)?"""
    k = s
    while k < e:
        i = t.token_at.get(k)
        if i is None:
            return False
        tok = t.tokens[i]
        if tok.word in t.rules.stem_delimiters or not _NAME_TOKEN.match(tok.word):
            return True
        k = tok.end
    return False


def _role_after(after: str, rules: Rules) -> bool:
    """Does ``after`` open with a business role, maybe behind modifiers (副董事长, 联合创始人, 的首席科学家)?"""
    rest = after[1:] if after.startswith("的") else after
    changed = True
    while changed:
        changed = False
        for m in rules.role_modifiers:
            if rest.startswith(m) and len(rest) > len(m):
                rest, changed = rest[len(m):], True
                break
    return rest.startswith(tuple(rules.role_org_roles))


_ITEM_OPENERS = set("、，,。；;：:（(“「『\n ")
_FUNDING_AFTER = re.compile(r"\s*(?:宣布|正式|已经|已)?(?:完成|获得|拿下|斩获)(?:了)?[^，,。；;]{0,10}?融资")
_ENUM = {"、", "和", "与", "及", ",", "，", "/"}
_GROUP_AFTER = re.compile(  # (、Y、Z)等行业巨头 / 和Y这样的企业
    r"^(?:[、和与及][\u4e00-\u9fffA-Za-z]{1,8}?){0,4}(?:等|这样的|这类|之类的)"
    r"(?:[\u4e00-\u9fff]{0,4}?)(?:企业|公司|巨头|厂商|品牌|车企|大厂|独角兽|龙头)"
)


def _short_form_cands(text: str, m: Matcher, token_starts, token_ends, skipped) -> list[_Cand]:
    """Short forms of known firms (理想 for 理想汽车, 长城 for 长城汽车, 美的 for 美的集团): ordinary words
    too, so each occurrence is a firm only in a firm context (``_promote_untyped``: 理想创始人李想,
    小鹏、理想、蔚来)."""
    short = m.short_forms
    out = []
    for s, e, form in occurrences(text, short):
        if s in token_starts and e in token_ends and not skipped(s, e):
            entry = short[form]
            out.append(_Cand(s, e, "firm", entry.name, entry.name, "rule", UNTYPED))
    return out


def _leading_place(name: str, gaz) -> str | None:
    for L in range(min(len(name), 9), 1, -1):
        if gaz.candidates(name[:L]) or name[:L] in gaz.countries:
            return name[:L]
    return None


_LEGAL_SUFFIX = re.compile(r"(?:股份)?有限(?:责任)?公司|[(（]有限合伙[)）]")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9()（）·&]")


def _legal_name_rule(text: str, tokens: list[Token], rules: Rules, skipped) -> list[_Cand]:
    """Registered names (...有限公司, ...股份有限公司, ...(有限合伙)) back to the previous delimiter."""
    out = []
    ending_at = {t.end: t for t in tokens}
    starting_at = {t.start: t for t in tokens}
    straddling = {k: t for t in tokens for k in range(t.start + 1, t.end)}  # inner offset -> its token
    for mt in _LEGAL_SUFFIX.finditer(text):
        ms, me = mt.span()
        pos = ms
        if ms in straddling:  # 科技股份|有限公司: the suffix starts inside a word; the name holds all of it
            pos = straddling[ms].start
        while pos > 0 and ms - pos <= 30:
            tok = ending_at.get(pos)
            if tok is None or tok.word in rules.legal_delimiters or not all(_NAME_CHAR.match(c) for c in tok.word):
                break
            if _visit_verb(tok, ending_at.get(tok.start), rules):
                break  # 李强|考察了|长沙比亚迪汽车, 总书记|来到|中国华能集团有限公司: a person's verb ends the name
            if pos < ms and tok.word.endswith(rules.firm_before) and len(tok.word) >= 3:
                break  # 全资子公司|江苏税软软件科技有限公司: a head noun in apposition ends the name
            pos = tok.start
        if ms - pos < 2 or ms - pos > 30 or skipped(pos, me):
            continue
        cut = _unbalanced_close(text[pos:ms])
        if cut is not None:  # ATL（香港新能源科技有限公司）: the registered name starts inside the bracket
            pos += cut
            if ms - pos < 2:
                continue
        while True:  # 他来到|中国华能集团有限公司, 根据XX有限公司: drop leading pronouns, verbs, common words
            tok = starting_at.get(pos)
            if tok is None or ms - tok.end < 2:
                break
            if not (tok.word in rules.bad_initials or (len(tok.word) >= 2 and common_word(tok.word, 300))
                    or _clause_word(tok.word)):
                break
            rest = text[tok.end : ms]
            if gaz_like(tok.word) or rest in rules.generic or rest in rules.firm_suffixes:
                break  # 安徽省..., 某某科技有限公司: keep the word, the rest is no name
            pos = tok.end
        out.append(_Cand(pos, me, "firm", None, text[pos:me], "rule"))
    return out


def _visit_verb(tok: Token, prev: Token | None, rules: Rules) -> bool:
    """Is ``tok`` a verb said of the person (or title) right before it (习近平总书记|来到, 他|考察了)?"""
    from pipeline.nlp.ner.dictionary_tags import word_pos, word_tags
    from pipeline.nlp.relations import cues

    if prev is None or not word_pos().get(tok.word.rstrip("了过着") or tok.word, "").startswith("v"):
        return False
    return (word_tags().get(prev.word) == "nr" or prev.word in rules.bad_initials
            or prev.word.endswith(cues().roles) or prev.word.endswith(("书记", "总理", "主席", "委员")))


def _lexicon_type(name: str) -> str | None:
    entry = get_matcher().lexicon.lookup(name)
    return entry.type if entry is not None else None


def gaz_like(word: str) -> bool:
    """Is ``word`` a place name (kept at the start of a registered name: 安徽省...有限公司)?"""
    gaz = load_gazetteer()
    return bool(gaz.candidates(word)) or word in gaz.countries


def _suffix_rule(text: str, tokens: list[Token], rules: Rules, gaz, skipped) -> list[_Cand]:
    """<stem><suffix> names bounded on the left by punctuation or a function word: 宇树科技, 之江实验室."""
    out = []
    for i, tok in enumerate(tokens):
        w = tok.word
        if w in rules.rule_firm_suffixes:
            type_, kind = "firm", None
        elif w in rules.rule_weak_firm_suffixes:
            type_, kind = "firm", UNTYPED  # a firm only in a firm context (_promote_untyped)
        elif w in rules.rule_org_suffixes:
            type_, kind = "org", rules.rule_org_suffixes[w]
        else:
            continue
        if text.startswith(rules.not_after_suffix, tok.end):
            continue  # 科技企业, 科技创新: a description
        stem: list[Token] = []
        j = i - 1
        while j >= 0 and len(stem) < 3:
            t = tokens[j]
            if t.end != (stem[0].start if stem else tok.start):
                break  # whitespace gap
            if t.word in rules.stem_delimiters or not (_CJK.match(t.word) or t.word.isalpha()):
                break
            if stem and t.word.endswith(rules.firm_before):
                break  # 上市公司|井松智能: a head noun in apposition ends the stem
            stem.insert(0, t)
            j -= 1
        if any(t.word in rules.generic for t in stem):
            continue  # 数字赋能科技, 硬科技: a description
        # 开启群核科技, 根据国金证券: drop leading common words (verbs, prepositions) of two or more characters
        while len(stem) > 1 and len(stem[0].word) >= 2 and common_word(stem[0].word, 300):
            stem.pop(0)
            j = -2  # the stem was cut on a word boundary: no run-on check
        if (len(stem) == 2 and len(stem[0].word) >= 2 and common_word(stem[0].word, 100)
                and len(stem[1].word) >= 2 and not in_dictionary(stem[1].word)):
            stem.pop(0)  # 助力|烽台科技: a dictionary word before a word it does not know opens the clause
            j = -2
        if not stem or any(_clause_word(t.word) for t in stem):
            continue  # 地|参与|公司, 杜风|所在|银行, 更多|优质|文化科技: a clause, not a name
        stem_text = "".join(t.word for t in stem)
        if not 2 <= len(stem_text) <= 4 or any(t.word in rules.generic for t in stem):
            continue
        if (j >= 0 and j != -2 and tokens[j].end == stem[0].start and tokens[j].word not in rules.stem_delimiters
                and _CJK.match(tokens[j].word) and not tokens[j].word.endswith(rules.firm_before)):
            continue  # the stem runs on into more words: a clause, not a name (but 上市公司|井松智能: an apposition)
        if len(stem) == 1 and type_ == "firm" and in_dictionary(stem_text) and not _rare_proper_noun(stem_text):
            # a dictionary word + 科技 is a phrase (勇攀科技, 高水平科技): brand stems are unknown
            # words; a rare word before a business-only suffix is allowed (幻方量化)
            if w in ("科技", "公司") or common_word(stem_text, 500 if kind == UNTYPED else 20):
                continue
        if len(stem) > 1 and all(len(t.word) == 1 for t in stem):
            continue  # 插|上 + 科技: loose characters, not a name
        if gaz.place(stem_text) is not None or stem_text in rules.not_entities or stem_text[0] in rules.bad_initials:
            continue
        if type_ == "firm" and _lexicon_type(stem_text) == "org":
            continue  # 科创板公司: the firms of a market or body, no name
        if kind == UNTYPED and (rules.org_type(stem_text) or (None,))[0] == "firm":
            continue  # 幻方量化|投资早期: the name is complete before a weak suffix (here a verb)
        if type_ == "firm" and descriptive(stem_text + w, rules):
            continue
        s, e = stem[0].start, tok.end
        if len(stem_text) >= 3 and stem_text[0] in rules.former_prefixes and get_matcher().lexicon.lookup(stem[1].word if len(stem) > 1 else "") is not None:
            s += 1  # 前|滴滴|研究院: a former unit of a known firm
        elif len(stem_text) >= 3 and stem_text[0] in rules.leading_function_chars and not in_dictionary(stem[0].word):
            s += 1  # 嘉宾|有绿动|资本: jieba glued a verb to an unknown name
        if skipped(s, e):
            continue
        out.append(_Cand(s, e, type_, None, text[s:e], "rule", kind))
    return out


def _rare_proper_noun(word: str) -> bool:
    """Is ``word`` a rare dictionary word tagged as a name (天融信 nz, 北信源 nr, 国投 j): a brand stem, not a phrase?"""
    from pipeline.nlp.ner.dictionary_tags import word_tags

    if re.search(r"[一二两三四五六七八九十几][轮代批届期次个]", word):
        return False  # 新一轮 (nz): a count, not a name
    return word_tags().get(word, "") in ("nr", "nz", "nrt", "nt", "j") and not common_word(word, 50)


def _latin_rule(text: str, rules: Rules, m: Matcher, skipped, cands: list[_Cand]) -> list[_Cand]:
    """Latin-script names: lexicon forms (case-insensitive), people in lists or beside cues, firms before cues."""
    out = []
    persons = sorted((c.start, c.end) for c in cands if c.type == "person")
    for mt in _LATIN_RUN.finditer(text):
        s, e = mt.span()
        run = mt.group()
        while " " in run and run.split(" ", 1)[0] in _LATIN_ROLES:  # CEO Amnon Shashua: the role is no part of it
            s += len(run.split(" ", 1)[0]) + 1
            run = text[s:e]
        if skipped(s, e):
            continue
        words = run.split(" ")
        found = False
        for n in range(len(words), 0, -1):  # lexicon, longest word window first
            for k in range(0, len(words) - n + 1):
                form = " ".join(words[k : k + n])
                entry = m.lexicon.lookup(form)
                if entry is not None and entry.type not in ("stop", "product"):
                    ws = s + len(" ".join(words[:k])) + (1 if k else 0)
                    out.append(_lex_cand(ws, ws + len(form), entry))
                    found = True
                    break
            if found:
                break
        if found:
            continue
        after = text[e : e + 8].lstrip()
        before = text[max(0, s - 8) : s].rstrip()
        if run in rules.latin_common_words:
            continue  # IPO, GDP, AI: terms, not names
        if any(w.rstrip(".") in rules.latin_firm_words for w in words[1:]):
            out.append(_Cand(s, e, "firm", run, run, "rule"))  # Counterpoint Research, ... Investment Corp. V
            short = " ".join(words[: next(k for k, w in enumerate(words) if k and w.rstrip(".") in rules.latin_firm_words)])
            out += [_Cand(i, j, "firm", run, run, "rule") for i, j in _whole_latin_words(text, short) if not s <= i < e]
            continue
        suffix = _LATIN_SUFFIX(rules).match(text, e)
        if suffix and (run.isupper() or run[0].isupper()) and not text.startswith(rules.not_after_suffix, suffix.end()):
            out.append(_Cand(s, suffix.end(), "firm", None, text[s : suffix.end()], "rule"))  # IDG 资本
            continue
        if _PERSONISH.match(run):
            if any(c in before[-1:] + after[:1] for c in _LIST_SEPARATORS) and _near_person(s, e, persons, text):
                out.append(_Cand(s, e, "person", None, run, "rule"))
            elif before.endswith(rules.person_cues) or after.startswith(rules.person_cues) or people.vouched(text, s, e):
                out.append(_Cand(s, e, "person", None, run, "rule"))
            continue
        if any(ch.isdigit() for ch in run) or "-" in run or run.islower() or len(run) < 2:
            continue
        if after.startswith(rules.latin_firm_cues) or (len(run) >= 3 and after.lstrip("的").startswith(rules.latin_firm_role_cues)):
            out.append(_Cand(s, e, "firm", None, run, "rule"))
        elif len(run) >= 3 and (before.endswith(rules.firm_before) or _source_of_figures(before, after, rules)):
            out.append(_Cand(s, e, "firm", None, run, "rule"))  # 自动驾驶企业 Waymo, 根据 Counterpoint 发布的数据
    return out


def _link_short_latin_forms(text: str, cands: list[_Cand]) -> None:
    """Counterpoint ... Counterpoint Research: every firm candidate of the short form (the model's
    too) is tied to the full name the Latin rule found."""
    full = {text[c.start : c.end]: c.key for c in cands
            if c.type == "firm" and c.source == "rule" and c.key and c.key != text[c.start : c.end] and c.key.isascii()}
    for c in cands:
        if c.type == "firm" and c.key is None and text[c.start : c.end] in full:
            c.key = c.canonical = full[text[c.start : c.end]]


def _whole_latin_words(text: str, form: str) -> list[tuple[int, int]]:
    """Offsets of ``form`` in ``text`` where no Latin letter or digit is glued to either side."""
    out = []
    for mt in re.finditer(re.escape(form), text):
        i, j = mt.span()
        if (i == 0 or not (text[i - 1].isascii() and text[i - 1].isalnum())) and (
            j == len(text) or not (text[j].isascii() and text[j].isalnum())
        ):
            out.append((i, j))
    return out


def _source_of_figures(before: str, after: str, rules: Rules) -> bool:
    """Is the name between ``before`` and ``after`` cited as the source of figures (根据X发布的数据, 据X统计)?"""
    return before.endswith(rules.source_cue_before) and after.startswith(rules.source_cue_after)


@functools.lru_cache(maxsize=2)
def _LATIN_SUFFIX(rules: Rules) -> re.Pattern:
    """A firm suffix right after a Latin name (IDG 资本, NIO 公司)."""
    return re.compile(r" ?(?:" + "|".join(map(re.escape, sorted(rules.rule_firm_suffixes, key=len, reverse=True))) + ")")


def _near_person(s: int, e: int, persons, text: str) -> bool:
    """Is the Latin name an item of an enumeration (、 , 和) that also lists a person? (``persons``
    sorted by start; only those within 40 characters are looked at)."""
    left = max(0, s - 40)
    right = min(len(text), e + 40)
    k = bisect.bisect_left(persons, (left, -1))
    while k < len(persons) and persons[k][0] <= right:
        ps, pe = persons[k]
        k += 1
        if pe <= right:
            between = text[min(e, pe) : max(s, ps)]
            if len(between) <= 20 and "。" not in between and "\n" not in between:
                return True
    return False


def _place_org_rule(text: str, resolved, rules: Rules) -> list[_Cand]:
    """<place><organ>: 浙江经信, 杭州市政府 (government bodies written as place + short organ name)."""
    out = []
    organs = rules.place_organs
    for s, e, d in resolved:
        tail = text[e : e + 5]
        for organ in organs:
            if tail.startswith(organ):
                out.append(_Cand(s, e + len(organ), "org", None, text[s : e + len(organ)], "rule", "government"))
                break
    return out


_ABBREV = re.compile(r"[(（](?:(?:以下简称|以下称|下称|简称)\s*[:：]?\s*)?[“\"「『]?([\u4e00-\u9fffA-Za-z0-9·]{2,12})[”\"」』]?[)）]"
                     # （股票简称：盛邦安全，股票代码：688651.SH）: the listed short name before the code
                     r"|[(（](?:股票|证券|A股|港股|公司)?简称\s*[:：]?\s*[“\"「『]?([\u4e00-\u9fffA-Za-z0-9·]{2,12})[”\"」』]?\s*[，,；;)）]"
                     # 宁德时代（Contemporary Amperex）, 小马智行（Pony.ai）: an English name of words
                     r"|[(（]([A-Za-z][A-Za-z0-9.&\- ]{1,30}[A-Za-z0-9.])[)）]")


def _abbreviations(text: str, chosen: list[_Cand], skipped) -> list[_Cand]:
    """蔚来控股有限公司（蔚来中国）, XX有限公司（以下简称“深度求索”）: the short form names the same firm.

    Both mentions get the full name as ``key`` and ``canonical``, which the
    resolver uses to join them (and propagation carries to other occurrences).
    """
    out = []
    by_span = {(c.start, c.end): c for c in chosen}
    for c in chosen:
        if c.type not in ("firm", "org"):
            continue
        m = _ABBREV.match(text, c.end)
        g = next((k for k in (1, 2, 3) if m and m.group(k)), 0)
        if not m or skipped(m.start(g), m.end(g)):
            continue
        short = m.group(g)
        if c.source == "lexicon":
            if short.isascii() and short[0].isalpha() and get_matcher().lexicon.lookup(short) is None and short not in rules_mod.rules().latin_common_words:
                out.append(_Cand(m.start(g), m.end(g), c.type, c.key, c.canonical, "rule", c.org_kind))
            continue  # a known firm keeps its name; only its unknown English alias is added
        if c.key is not None and c.key != text[c.start : c.end]:
            continue  # this short form was linked to an earlier full name already
        latin_alias = short.isascii() and short.isalpha() and not text[c.start : c.end].isascii()
        if (len(short) >= c.length and not latin_alias) or short.isdigit():
            continue  # 洛图科技（RUNTO）: a Latin name beside a Chinese one is its alias, whatever its length
        entry = get_matcher().lexicon.lookup(short)
        if entry is not None and entry.type == c.type:
            c.key, c.canonical = entry.name, entry.name  # XX有限公司（深度求索）: the known firm
            continue
        full = text[c.start : c.end]
        c.key, c.canonical = full, full
        there = by_span.get((m.start(g), m.end(g)))
        if there is not None and there.type == c.type and there.source != "lexicon":
            there.key, there.canonical = full, full  # the model found the short form too: the same firm
            continue
        out.append(_Cand(m.start(g), m.end(g), c.type, full, full, "rule", c.org_kind))
    return out


def _bracket_aliases(text: str, chosen: list[_Cand], rules: Rules, skipped) -> list[_Cand]:
    """Y（X）where X is a firm or organisation (小马智行（Pony.ai）, 烽台（烽台（北京）…有限公司）): the name Y
    written right before the bracket names the same body -- it gets X's type and X's key, so that both
    resolve to one entity. Y must be a name (``firm_aliases.name_before_bracket``: no ordinary word, no place)
    that no other candidate covers."""
    out = []
    starts = {c.start: c for c in chosen}
    for c in chosen:
        if c.type not in ("firm", "org") or c.start == 0 or text[c.start - 1] not in "（(" or text[c.end : c.end + 1] not in ("）", ")"):
            continue
        known = c.canonical if c.canonical and text.endswith(c.canonical, 0, c.start - 1) else None
        # 甲骨文（Oracle）: the known firm's own name before its alias, even when it is an ordinary word
        span = (c.start - 1 - len(known), c.start - 1) if known else name_before_bracket(text, c.start - 1, rules)
        if span is None or skipped(*span):
            continue
        s, e = span
        full = c.key or text[c.start : c.end]
        there = starts.get(s)
        if there is not None and there.end == e and there.type == c.type and there.key is None and there.source != "lexicon":
            there.key = there.canonical = full  # both found: the same body
            continue
        if any(x.start < e and s < x.end for x in chosen):
            continue
        out.append(_Cand(s, e, c.type, full, c.canonical or full, "rule", c.org_kind))
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Non-overlapping candidates: longest first, then by source priority, then leftmost, then one
    tied to a full name (a key) before one that is not."""
    order = sorted(cands, key=lambda c: (-c.length, -PRIORITY.get(c.source, 0), c.start, c.key is None))
    used: set[int] = set()
    out = []
    for c in order:
        span = range(c.start, c.end)
        if any(i in used for i in span):
            continue
        used.update(span)
        out.append(c)
    return out


def _propagate(text: str, chosen: list[_Cand], skipped, token_starts, token_ends) -> list[_Cand]:
    """Candidates at every other occurrence of an accepted person/firm/org name (and a firm's stem)."""
    # overlaps are settled by _select afterwards (longest first): 蔚来中国 beats 蔚来 + 中国
    used = {(c.start, c.end) for c in chosen}
    forms: dict[str, _Cand] = {}
    rules = rules_mod.rules()
    for c in chosen:
        if c.type not in ("person", "firm", "org") or c.source in ("shorthand", "lexicon"):
            continue
        form = text[c.start : c.end]
        if len(form) < 2:
            continue
        forms.setdefault(form, c)
        if c.type == "firm" and c.key is None:
            for suffix in rules.stem_alias_suffixes:
                stem = form[: -len(suffix)]
                if form.endswith(suffix) and len(stem) >= 2 and stem not in rules.generic:
                    forms.setdefault(stem, c)
                    break
    for c in chosen:  # after every accepted name: 烽台科技 keeps 烽台 when 烽台（北京）…有限公司 is its unit
        if c.type == "firm" and c.source != "lexicon":
            full = text[c.start : c.end]
            for short in registered_short_forms(full, rules):
                forms.setdefault(short, _Cand(c.start, c.end, "firm", c.key or full, c.canonical or full, c.source))
    out: list[_Cand] = []
    for i, j, form in sorted(occurrences(text, forms), key=lambda o: (-(o[1] - o[0]), o[0])):
        c = forms[form]
        if skipped(i, j) or (i, j) in used:
            continue
        if form.isascii() and ((i > 0 and text[i - 1].isalnum() and text[i - 1].isascii()) or (j < len(text) and text[j].isalnum() and text[j].isascii())):
            continue
        if c.type != "city" and len(form) == 2 and i not in token_starts and j not in token_ends:
            continue
        canonical = c.canonical if c.key else form
        out.append(_Cand(i, j, c.type, c.key, canonical, "propagation", c.org_kind))
        used.add((i, j))
    return out
