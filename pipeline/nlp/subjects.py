"""The subject of a numeric fact: the entity mention a number is about, and how it was found.

``choose_subject`` returns ``(mention, subject_method)``, trying in order:

- ``explicit``: the best-scoring mention of the number's sentence, kept as
  ``explicit`` only when it is the grammatical subject of the number's own clause
  (``clause_roles``: before every verb and preposition of the clause or of its list
  segment, A上涨11%、B上涨24%; the head the number describes, 排名第五的重庆; the owner
  of X的N; or right before brackets opening it) and no other name of a fitting type
  there, neither opening the clause, contests it; a name governed by a verb or a
  preposition of the clause (帮助海淀区吸引了……, 在中国……的情况下) is labelled ``carried``; a name of an earlier clause is the subject carried over
  the sentence's topic chain and is labelled ``carried`` (so a table filtered to
  ``explicit`` can be trusted). Topic chains: the name opening a clause (or the head
  of a chain of names opening it, 重庆的近邻成都) is the topic of the clauses that
  follow, over objects named inside them (后又成为百度主席，年仅30岁 -> the topic);
  a personal pronoun (他/她/这位) opening a clause stays the topic until a clause opens
  with a name; a clause ending in 显示/表明/数据 names the number's source; a name used
  by an earlier number of the clause is not the next one's (A上涨11%、B上涨24%); a
  number describes the name after 的 (400亿元市值的设计公司思瑞浦). Scoring: the same
  clause before the number first, then earlier clauses (其中, possessives
  杭州的私募资金 and apposition 作为X的Y -> Y fall out of this); the grammatical
  subject at the start of a clause is preferred; objects of comparisons and
  locations (仅次于北上深, 领先Meta, 在杭州, 与X; the object of a comparison, 超越了沈阳, is never
  chosen: the number goes back to the previous sentence's subject), names inside a cause clause (由于X,
  受X影响), datelines in brackets and metric words mistaken for names are set
  aside; types that fit the metric are preferred (a ranking of cities -> city; 营收
  -> firm); persons and countries only when the metric suits them. A person is not
  the subject of an organisational metric when a firm is at hand: the firm of
  蔚来创始人李斌 (role words: ``data/metrics/person_roles.txt``), else the nearest
  firm before the number in the sentence, else the document's main firm (``document``).
  A metric with no type of its own takes the type of the noun the number qualifies
  (超出18年的工作经验 -> person). A number in a 作为 apposition naming nobody is about
  the next clause's subject (``carried``); a number after a count that enumerated a
  list (A、B、C 5座城市，排名前五) is about that group (``distributed``).
- ``anaphora``: a referring word before the number (该公司, 公司, 其, 全市, 全省,
  全国, 他 ...: ``data/metrics/anaphora.csv``) -> the firm of the paragraph or the
  document's main firm; the city / province of the paragraph, or the place a body of
  the sentence is named after (深圳市统计局……，全市 -> 深圳), or the document's;
  the person last named (他, 她);
  中国 for 全国/国内/我国 (when the document names it); 其 -> the previous subject.
- ``carried``: with no name in the sentence before the number, the subject of
  the previous sentence of the paragraph (其高端品牌累计销量...); for a person and
  an organisational metric, the last firm of the paragraph. Carrying stops at a
  paragraph break and at a sentence that names another entity (a new topic).
  A number whose only names are its sources is about the place the source body
  is named after (重庆证监局……显示，约30家企业 -> 重庆).
- ``document``: the document's main entity of a type that fits the metric
  (``salience``: title, lead paragraph, mentions, subjects of other facts).
  A count of a group of entities (24家上市网安企业, 15个副省级城市: ``data/metrics/group_nouns.txt``)
  with no holder found is the country's (中国, when the document names it), labelled ``document``.
- ``none``: nothing fits.

``explicit`` is kept only when the grammar is certain; it is demoted to ``carried`` for a person
as the subject of an organisational metric, a name qualifying a trade (X行业) or, a firm or a body,
a counted group (科创板上市公司……14家), a ranking of the group after 的 (排名前十的主要城市), a name
with a preposition inside it (a recogniser error), another name of a fitting type between the
name and the number, or a referring word between them (……导致其营收). The base of a ratio (仅为上海的
75.7%、广东的72%, 是广东的1.3倍, 占全国的16%) is set aside like the object of a comparison; a compared
name keeps its own number (高于广东省同期的2%); a clause opening with 全国/国内/我国 is the country's.

``distributive_at`` finds the words that pair a list of names with a list of
numbers in order (分别, 分列: ``data/metrics/distributive_words.txt``); the facts
so paired are ``distributed``.

Each number looks only at the mentions of its own sentence (bisected clause
offsets), so the work is linear in the length of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline import vocab
from pipeline.nlp import clause_roles as cr
from pipeline.nlp import metric_names as mn
from pipeline.nlp.ner.dictionary_tags import word_pos
from pipeline.nlp.fact_context import DocContext, Sentence, clause_index, in_range
from pipeline.nlp.numbers import Quantity
from pipeline.nlp.salience import anaphor_before
from pipeline.records import Mention

OBJECT_BEFORE = re.compile(r"(?:仅次于|领先于?(?:第[一二三四五六七八九十\d]+名?)?|超越|超过了?|连超|赶超|反超|超|击败|战胜|落后于?|低于|高于|相比|不及|相当于|对比|比|向|给|对|位于|来自|在|于|与|和|以及|投资了?|收购了?|入股|持有了?|持股|控股)\s*$")
# 超越了沈阳, 仅次于北京, 领先Meta: the object of a comparison is never what the number is about
_COMPARED_BEFORE = re.compile(r"(?:仅次于|领先于?|超越|超过|连超|赶超|反超|击败|战胜|落后于?|低于|高于|不及|相比|比)了?\s*$")
_CIRCUMSTANCE_END = re.compile(r"[^，,。；;]{0,12}?(?:的)?(?:情况下|背景下|前提下|形势下|之际|同时)")
_APPOSITION = re.compile(r"作为[^，,。；;的]{0,20}$")
# 根据国金证券的测算, 据海关统计, 乘联会数据显示: the source of a number, not what it is about
_SOURCE_BEFORE = re.compile(r"(?:根据|据|按照|依据)\s*$")
_SOURCE_AFTER = re.compile(r"\s*的?\s*(?:最新)?(?:数据|统计|测算|报告|研究|调查|监测)?(?:显示|表明|测算|统计|发布的数据)")
# 由于X..., 受X影响, 得益于X: a clause giving a cause; its names are not the subject of the result
_CAUSE_CLAUSE = re.compile(r"\s*(?:由于|因为|因|受|得益于|随着|鉴于)")
# after a number: (its metric word) 的 (a short head noun) and then the name it describes
_DESCRIBES = re.compile(r"[^\s，,。；;：:、的\d（）()“”]{0,3}的[^\s，,。；;：:、的\d（）()“”]{0,4}")
_AT_ORG = re.compile(r"\s*(?:曾|曾经|已|也)?(?:在|于|为|代表)\s*")
_ATTRIBUTE_GAP = re.compile(r"\s*(?:超过?|约|近|逾|达|仅|的)?\s*")
_SOURCE_CLAUSE_END = re.compile(r"(?:显示|表明|统计|测算|数据)\s*[”」]?\s*$")
_CLAUSE_LEAD = re.compile(r"\s*(?:而|但|且|同时|此外|其中|另外|目前|如今|当前|此前|此后|近日|日前|近年来|截至[^，,]{0,8})?\s*$")
_ORG_TYPES = ("firm", "org")
_SPEAKER_AFTER = re.compile(r"\s*(?:[^，,。；;]{0,6}?)(?:表示|(?<![简号堪统昵俗])称|指出|认为|介绍|透露|坦言|强调|预计|预测|说)\s*[，,：:]")


def choose_subject(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...],
                   metric: str) -> tuple[Mention | None, str]:
    """(the mention ``q`` is about, how it was found: explicit, anaphora, carried, document or none)."""
    types = types or _types_of_noun_after(d, sent, q)
    names = sent.mentions
    sent.mentions = [x for x in names if not _not_a_name(x)]  # 毛利率, 毛利润 read as names
    try:
        m, method = _choose(d, sent, q, ci, types)
    finally:
        sent.mentions = names
    if m is not None and m.entity_type == "person" and types and "person" not in types:
        alt, alt_method = _organisation_instead(d, sent, q, m, types)
        if alt is not None:
            m, method = alt, alt_method
    if method == "explicit" and m is not None and not _in_clause(d, sent, ci, m):
        method = "carried"  # named in an earlier clause of the sentence: carried over, not explicit
    if method == "explicit" and m is not None and m.entity_type == "person" and types and "person" not in types:
        method = "carried"  # a person as the subject of an organisational metric: a guess, not the grammar
    if method == "explicit" and q.kind == "rank" and _RANKED_GROUP.match(d.text, q.end):
        method = "carried"  # 中国GDP增幅排名前十的主要城市: what is ranked is the group after 的
    if m is None and method != "scoped":
        m = _document_subject(d, types)
        method = "document" if m is not None else "none"
    if m is None and is_group_count(d, sent, q) and d.salience is not None:
        m = d.salience.mention_of("中国", "country")  # 24家上市网安企业, 15个副省级城市: the country's
        method = "document"
    return m, (method if m is not None else "none")


_RANKED_GROUP = re.compile(r"\s*的[^\s，,。；;：:、\d]{0,6}?(?:城市|企业|公司|省份|国家|地区)")
GROUP_NOUNS = Path(__file__).resolve().parent.parent / "data" / "metrics" / "group_nouns.txt"


@lru_cache(maxsize=1)
def _group_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    nouns = "|".join(map(re.escape, sorted(set(vocab.word_lines(GROUP_NOUNS)), key=len, reverse=True)))
    after = re.compile(rf"[^\s，,。；;：:、\d（）()“”]{{0,8}}?(?:{nouns})")
    before = re.compile(rf"(?:{nouns})(?:数量|总数)?(?:共有|共|有|为|达到?|超过?|约)?\s*$")
    right_after = re.compile(rf"\s*[^\s，,。；;：:、的\d有是为（）()“”]{{0,4}}?(?:{nouns})")
    return after, before, right_after


def is_group_count(d: DocContext, sent: Sentence, q: Quantity) -> bool:
    """24家上市网安企业, 15个副省级城市, 全省企业5000家: a count of a group of entities
    (``data/metrics/group_nouns.txt``), the noun right after the count or right before it."""
    if q.kind != "counter":
        return False
    after, before, _ = _group_patterns()
    cs = sent.clauses[clause_index(sent, q.start)][0]
    return bool(after.match(d.text, q.end, sent.end)) or bool(before.search(d.text, max(cs, q.start - 12), q.start))


_NOUN_AFTER = re.compile(r"\s*的\s*([^\s，,。；;：:、的\d（）()“”]{1,6})")


def _types_of_noun_after(d: DocContext, sent: Sentence, q: Quantity) -> tuple[str, ...]:
    """超出18年的工作经验 -> person: the types of the noun a number qualifies with 的, when the metric
    name did not say (``metric_subject_types.csv``)."""
    m = _NOUN_AFTER.match(d.text, q.end, sent.end)
    return mn.subject_types_for(m.group(1)) if m else ()


def _in_clause(d: DocContext, sent: Sentence, ci: int, m: Mention) -> bool:
    """Whether ``m`` is named in clause ``ci``, or right before brackets opening it (比亚迪（市值…）)."""
    cs, ce = sent.clauses[ci]
    return cs <= m.start < ce or (m.end == cs - 1 and d.text[m.end : m.end + 1] in "（(")


def _document_subject(d: DocContext, types: tuple[str, ...]) -> Mention | None:
    sal = d.salience
    if sal is None:
        return None
    if types:
        return sal.main(tuple(t for t in types if t != "person")) if "person" not in types or len(types) > 1 else None
    return sal.main(("firm", "org", "city", "province"))


def _resolve_anaphor(d: DocContext, sent: Sentence, q: Quantity, types: tuple[str, ...], at=None) -> Mention | None:
    cs = sent.clauses[clause_index(sent, q.start)][0]
    found = at or anaphor_before(d.text, cs, q.start) or anaphor_before(d.text, sent.start, cs)
    if found is None:
        return None
    _, word, refers = found
    if not refers:  # 其: the subject of the previous sentence, when it fits
        prev = d.prev_subject
        if prev is not None and (not types or prev.entity_type in types):
            return prev
        return None
    if types and not set(refers) & set(types) and "country" not in refers and \
            not (refers[0] not in _ORG_TYPES and is_group_count(d, sent, q)):
        return None  # 公司 ... a city's GDP: the word is not about the number's subject (全省企业5000家 is)
    sal = d.salience
    if "country" in refers:
        if q.kind == "rank":
            return None  # 全国30强: the scope of the ranking, not what is ranked
        return sal.mention_of("中国", "country") if sal is not None else None
    if refers == ("person",):  # 他, 她, 这位: the person last named (this sentence first)
        named = [m for m in sent.mentions if m.entity_type == "person" and m.end <= q.start]
        return named[-1] if named else d.prev_place.get("person")
    here = _clause_topic_before(d, sent, found[0], refers) if refers[0] in _ORG_TYPES else None
    if here is not None:
        return here  # 「Peloton」更简单，……，公司一共创造了……收入: the sentence's topic
    recent = d.prev_org if refers[0] in _ORG_TYPES else d.prev_place.get(refers[0])
    if recent is not None and recent.entity_type not in refers:
        recent = None
    if recent is None and refers[0] not in _ORG_TYPES:
        recent = _place_in_body_name(d, sent, q, refers)  # 深圳市统计局……，全市…… -> 深圳
    main = sal.main(refers) if sal is not None else None
    if word.startswith(("该", "这", "全", "本市", "本省")):
        return recent or main  # 该公司, 全市: the one just named
    return main or recent  # 公司, 本公司: the firm the document is about


def _clause_topic_before(d: DocContext, sent: Sentence, pos: int, refers: tuple[str, ...]) -> Mention | None:
    """The name of a type in ``refers`` opening an earlier clause of the sentence, before ``pos`` (the
    referring word), with no verb or preposition before it and no 的 after it (a topic, not an
    object, a source or a modifier): 「Peloton」更简单，截至……，公司一共创造了……."""
    text, ci = d.text, clause_index(sent, pos)
    for m in reversed(sent.mentions):
        mci = clause_index(sent, m.start)
        if mci >= ci or m.entity_type not in refers or text.startswith("的", m.end):
            continue
        mcs = sent.clauses[mci][0]
        if cr.opens_clause(d, mcs, m) and not any(mcs <= x.start < m.start for x in sent.mentions) and \
                not _is_source(d, sent, None, m, ci, mci) and not _CAUSE_CLAUSE.match(text, mcs):
            return m
    return None


def _place_in_body_name(d: DocContext, sent: Sentence, q: Quantity, refers: tuple[str, ...]) -> Mention | None:
    """The place a body named earlier in the sentence is named after (深圳市统计局 -> 深圳), when
    the document names that place elsewhere."""
    sal = d.salience
    if sal is None:
        return None
    for m in reversed([m for m in sent.mentions if m.end <= q.start and m.entity_type in _ORG_TYPES]):
        for (name, kind), rep_ in sal.first.items():
            if kind in refers and len(name) >= 2 and m.text.startswith(name) and m.text != name:
                return rep_
    return None


def _organisation_instead(d: DocContext, sent: Sentence, q: Quantity, person: Mention, types) -> tuple[Mention | None, str]:
    """A firm for an organisational metric chosen as a person's: 蔚来创始人李斌 -> 蔚来; else the
    nearest firm before the number in the sentence; else, when the person was carried from an
    earlier sentence, the last firm of the paragraph; else the document's main entity of a fitting type."""
    orgs = [m for m in sent.mentions if m.entity_type in _ORG_TYPES and m.entity_type in types]
    roles = mn.person_roles()
    for m in orgs:
        if m.end <= person.start and roles.fullmatch(d.text, m.end, person.start):
            return m, "explicit"  # X创始人Y, X的CEO Y
        if person.end <= m.start and _AT_ORG.fullmatch(d.text, person.end, m.start):
            return m, "explicit"  # 安聪慧在极氪……设定……销量达到65万台: the person's organisation
    before = [m for m in orgs if m.end <= q.start and not OBJECT_BEFORE.search(d.text, max(sent.start, m.start - 8), m.start)]
    if before:
        return before[-1], "carried"  # the nearest firm: a guess, not the clause's grammar
    prev = d.prev_org
    if person.start < sent.start and prev is not None and prev.entity_type in types:
        return prev, "carried"
    main = _document_subject(d, types)
    if main is not None and main.entity_type != "person":
        return main, "document"  # 雷军提出……交付目标为30万辆: the firm the document is about, not the speaker
    return None, "none"


def _choose(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...]) -> tuple[Mention | None, str]:
    """The steps, in order: the sentence's subject going on, the name the number describes, the name
    before brackets holding it, the head of a 作为 apposition, a referring word opening the chain, the best-scored name of the
    sentence, then the fallbacks (anaphora, a source body's place, the previous sentence's subject).
    ``group``: the number is shared by the names a count of the sentence enumerated (one fact about
    the group, as its first name, labelled ``distributed`` by ``facts``; the gold files state such a
    shared ranking once, with the members as alternatives)."""
    for step in (_sentence_goes_on, _described_name, _bracketed_name, _apposition_head):
        found = step(d, sent, q, ci, types)
        if found is not None:
            return found
    scope = _national_clause(d, sent, q, ci)
    if scope is not None:
        return scope
    lead = _topic_anaphor(d, sent, q, ci, types)
    if lead is not None:
        return lead, "anaphora"  # 他曾是NVIDIA副总，在NVIDIA工作了超过15年: the pronoun opening the chain
    ballot = _Ballot.collect(d, sent, q, ci, types)
    best, best_score, direct = ballot.best()
    if best_score > 0:
        # ``explicit`` only for a name in the number's own clause; a name of an earlier clause
        # of the sentence is the subject carried over a topic chain (precision of ``explicit``)
        return best, ("explicit" if direct and ballot.certain(d, q, best, types) else "carried")
    return _fallback(d, sent, q, ci, types, ballot.sources + ballot.compared)


def _sentence_goes_on(d: DocContext, sent: Sentence, q: Quantity, ci: int, types) -> tuple[Mention, str] | None:
    """其中私募基金规模...; 同比增长 18.9%，环比收窄 2.7%: with no name in the number's clause, the
    sentence goes on about the subject of its last fact as long as no other name comes between."""
    text, cs = d.text, sent.clauses[ci][0]
    if anaphor_before(text, cs, q.start) is not None or any(cs <= m.start and m.end <= q.start for m in sent.mentions):
        return None
    if len(sent.counted) >= 2 and not any(sent.counted[-1].end <= m.start < q.start for m in sent.mentions):
        return sent.counted[0], "group"  # 杭州、广州、成都5座城市，在省会城市中排名前五: each of them
    last = sent.last_subject
    if last is None or (last.entity_type == "country" and q.kind == "rank"):
        return None  # 全国的2.5%，在四大一线城市中排名第一: the country is a ranking's scope, not its subject
    if text[cs : cs + 2] == "其中" or not [m for m in sent.mentions if sent.last_fact_end <= m.start < q.start]:
        return sent.last_subject, sent.last_method
    return None


def _described_name(d: DocContext, sent: Sentence, q: Quantity, ci: int, types) -> tuple[Mention, str] | None:
    """28岁的张一鸣, 市值千亿的宁德时代, 400亿元市值的设计公司思瑞浦: the name the quantity describes."""
    text = d.text
    if "的" not in text[q.end : q.end + 4] or q.kind not in ("age", "currency", "counter"):
        return None
    after = next((m for m in sent.mentions if q.end < m.start <= q.end + 9 and _DESCRIBES.fullmatch(text, q.end, m.start)), None)
    if after is not None and (not types or after.entity_type in types):
        return after, "explicit"
    return None


def _bracketed_name(d: DocContext, sent: Sentence, q: Quantity, ci: int, types) -> tuple[Mention, str] | None:
    """相当于比亚迪（市值 8481 亿元）: a number in brackets is about the name just before them."""
    text = d.text
    paren = max(text.rfind("（", sent.start, q.start), text.rfind("(", sent.start, q.start))
    if paren > 0 and not re.search(r"[）)]", text[paren : q.start]):
        before = [m for m in sent.mentions if m.end == paren]
        if before:
            return before[0], "explicit"
    return None


_AS_CLAUSE = re.compile(r"\s*(?:而|但|同时)?\s*作为")


def _apposition_head(d: DocContext, sent: Sentence, q: Quantity, ci: int, types) -> tuple[Mention, str] | None:
    """作为20-30万元市场的标杆车型，特斯拉 Model Y 吸引了……: a number in a clause opened by 作为 that
    names nobody describes the subject of the next clause."""
    cs, ce = sent.clauses[ci]
    if ci + 1 >= len(sent.clauses) or not _AS_CLAUSE.match(d.text, cs):
        return None
    if any(cs <= m.start < ce for m in sent.mentions):
        return None
    ns = sent.clauses[ci + 1][0]
    head = next((m for m in sent.mentions if m.start >= ns), None)
    if head is not None and head.start < sent.clauses[ci + 1][1] and _opens_clause(d, sent, head, ns, by_grammar=True) \
            and (not types or head.entity_type in types):
        return head, "carried"
    return None


@dataclass
class _Ballot:
    """The names of a sentence scored as the subject of one number, and what was learnt on the way."""
    scored: list = field(default_factory=list)  # (mention, score, named in the number's own clause, unpenalised)
    objects: set = field(default_factory=set)  # ids of names inside an earlier clause, not opening it
    governed: set = field(default_factory=set)  # ids of those governed by a verb or preposition of their clause
    rivals: list = field(default_factory=list)  # unpenalised names of the number's clause before it
    leads: set = field(default_factory=set)  # ids of those opening the clause
    sources: list = field(default_factory=list)  # names that are the number's source or speaker
    compared: list = field(default_factory=list)  # names that are the objects of a comparison
    topic_named: bool = False  # an earlier clause opens with a name (a topic chain)
    penalised_end: int = -10

    @classmethod
    def collect(cls, d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...]) -> "_Ballot":
        b = cls()
        vocab = mn.vocabulary()
        clause_starts = [c[0] for c in sent.clauses]
        counted = _enumerated(d, sent, q)
        if len(counted) >= 2:
            sent.counted = counted
        enumerated = {id(m) for m in counted}
        for m in sent.mentions:
            if (m.start < q.end and q.start < m.end) or m.text in vocab or _metric_word_person(m):
                continue  # the number itself; 毛利率 (毛利润 as a person) recognised as a name: never the subject
            mci = max(0, bisect_right(clause_starts, m.start) - 1)
            score = _position_score(q, m, ci, mci, _clause_gap(d.text, sent, mci, ci))
            if score is None:
                continue
            if _is_source(d, sent, q, m, ci, mci):
                b.sources.append(m)
                continue
            if _is_compared(d, sent, q, m) or _is_ratio_base(d, sent, q, m) or \
                    (b.compared and _continues_list(d, b.compared[-1], m)):
                b.compared.append(m)  # 连超龙岩、莆田和三明: the whole list is the object
                continue
            b.add(d, sent, q, ci, types, m, mci, score, enumerated)
        return b

    def add(self, d, sent, q, ci, types, m, mci, score, enumerated) -> None:
        text = d.text
        mcs = sent.clauses[mci][0]
        pen = _set_aside(d, sent, q, m, ci, mci, self.penalised_end)
        if pen:
            score -= 8
            self.penalised_end = m.end
        elif m.end <= q.start and _opens_clause(d, sent, m, mcs) and not _modifies_next(d, sent, m):
            score += 1.5  # the name opening its clause: the grammatical subject
            if mci < ci:
                self.topic_named = True
        elif mci < ci:
            self.objects.add(id(m))  # named inside an earlier clause, not opening it
            if cr.governor_before(d, mcs, m.start) is not None:
                self.governed.add(id(m))  # 正式登陆上交所科创板，共发行……: the object of a verb
        if text[m.end : m.end + 1] == "的":
            score += 1
        if _qualifies_counted_group(d, q, m):
            score -= 8  # 合肥GDP达……，而科创板上市公司数量为14家: the name qualifies the group counted, not its holder
        typed = _type_score(q, m, types)
        if typed is None or id(m) in enumerated:
            return  # a type that cannot be the subject; 国芯科技、创耀科技 6家半导体企业: what is counted
        if id(m) in self.governed and typed < 0:
            return  # 图森未来成功登陆纳斯达克，……，其最新市值: an earlier verb's object of an unfitting type
        self.scored.append((m, score + typed, mci == ci and not pen))
        if mci == ci and not pen and m.end <= q.start:
            self.rivals.append(m)
        if mci == ci and _is_clause_subject(d, sent, q, m, mcs, pen):
            self.leads.add(id(m))

    def best(self) -> tuple[Mention | None, float, bool]:
        best, best_score, best_direct = None, -1e9, False
        for m, score, direct in self.scored:
            if id(m) in self.governed or (self.topic_named and id(m) in self.objects):
                score -= 2.5  # 楼天城……，后又成为百度……主席，年仅30岁: the topic, not an earlier clause's object
            if score > best_score:
                best, best_score, best_direct = m, score, direct
        return best, best_score, best_direct

    def certain(self, d: DocContext, q: Quantity, best: Mention, types: tuple[str, ...]) -> bool:
        """Whether a name of the number's clause is certain enough to be ``explicit``."""
        if id(best) not in self.leads:
            return False  # not the grammatical subject of the clause (an object, a name after the number)
        listed = _list_from(d, best, self.rivals)
        if any(best.end <= r.start and r.end <= q.start and (not types or r.entity_type in types)
               and id(r) not in listed for r in self.rivals):
            return False  # 飞步科技为中国邮政EMS等企业运送: another name of a fitting type before the number
        ref = anaphor_before(d.text, best.end, q.start)
        if ref is not None and ref[1] not in ("公司", "本公司", "全国", "国内", "我国") and d.text[best.end : ref[0]].strip():
            return False  # 美国对华为的制裁导致其营收下降30%: the number is the referred one's (not 宁德全市)
        if _inner_preposition(d, best):
            return False  # 本轮融资由贵阳创投: a name read across a preposition is not a trustworthy name
        if _in_open_group(d, best, listed):
            return False  # 阿里、腾讯等互联网公司, 包括华为、小米在内的企业: members of a group the number is about
        if _qualifies_group(d, q, best):
            return False  # 科创板上市公司数量为14家, 国内Robotaxi行业的总规模: the name qualifies a group or a trade
        dist = distributive_at(d.text, best.end, q.start)
        if dist >= 0 and any(best.end <= r.start and r.end <= dist for r in self.rivals):
            return False  # A、B、C分别用了六年、五年: a 分别 list not paired name by name: uncertain
        return True


_DESCRIBED_GAP = re.compile(r"[^，,。；;：:、\d]{0,8}的\s*")
_OWN_NUMBER_GAP = re.compile(r"\s*(?:同期|同年|当年|上年|去年|今年)?\s*的\s*(?:超过?|约|近|逾|达|仅)?\s*")


@lru_cache(maxsize=1)
def _cue_words() -> re.Pattern:
    cues = sorted((c for c in mn.vocabulary() if len(c) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, cues)))


def _not_a_name(m: Mention) -> bool:
    """A metric word recognised as a name (毛利率), or a person's name holding one (毛利润)."""
    return m.text in mn.vocabulary() or _metric_word_person(m)


def _metric_word_person(m: Mention) -> bool:
    """毛利润 read as a person's name: a person's name holding a metric word (利润, 营收) is not one."""
    return m.entity_type == "person" and _cue_words().search(m.text) is not None


def _inner_preposition(d: DocContext, m: Mention) -> bool:
    """Whether a preposition (由, 为, 对 ...: dictionary tag p) stands inside the name, after its
    first word: the recogniser ran two phrases together (本轮融资由贵阳创投)."""
    i = bisect_left(d.token_starts, m.start)
    for t in d.tokens[i + 1 : bisect_left(d.token_starts, m.end)]:
        if t.end <= m.end and (word_pos().get(t.word) or "").startswith("p"):
            return True
    return False


_OPEN_LIST_AFTER = re.compile(r"\s*(?:等|在内|为代表|之类)")


def _in_open_group(d: DocContext, best: Mention, listed: set) -> bool:
    """Whether ``best`` (with the names ``listed`` continuing its list) is a member of an open group:
    A、B等公司, 包括A、B在内的企业, 以A为代表的企业."""
    end = max([best.end] + [m.end for m in d.mentions if id(m) in listed])
    return bool(_OPEN_LIST_AFTER.match(d.text, end))


_TRADE_AFTER = re.compile(r"\s*(?:行业|产业|赛道|领域|板块)")


def _qualifies_group(d: DocContext, q: Quantity, m: Mention) -> bool:
    """Whether ``m`` names a trade (X行业, X赛道) or, a firm or a body, qualifies a counted group
    (科创板上市公司……N家; a place qualifying one, 东莞企业, holds it): then the number's holder is not
    certain from the grammar."""
    if m.end > q.start:
        return False
    if _TRADE_AFTER.match(d.text, m.end):
        return True
    return q.kind == "counter" and m.entity_type in _ORG_TYPES and bool(_group_patterns()[2].match(d.text, m.end, q.start))


def _qualifies_counted_group(d: DocContext, q: Quantity, m: Mention) -> bool:
    """科创板上市公司数量为14家: a firm or a body qualifying a counted group through a word between
    them (not 小米公司员工3万人, where the group noun is part of the firm's own name)."""
    if q.kind != "counter" or m.end > q.start or m.entity_type not in _ORG_TYPES:
        return False
    found = _group_patterns()[2].match(d.text, m.end, q.start)
    return found is not None and not re.fullmatch(r"\s*(?:公司|企业|集团)", found.group(0))


def _is_clause_subject(d: DocContext, sent: Sentence, q: Quantity, m: Mention, clause_start: int, pen: bool) -> bool:
    """Whether ``m`` is what the number's clause states the number of, by grammar: the name opening
    the clause or its segment of a list (A上涨11%、B上涨24%), the head the number describes
    (排名第五的重庆, 36岁联合创始人陈默), or the name owning it (接近小鹏汽车的 73 亿美元)."""
    text = d.text
    if m.start >= q.end:
        return bool(_DESCRIBED_GAP.fullmatch(text, q.end, m.start) or mn.person_roles().fullmatch(text, q.end, m.start))
    if _OWN_NUMBER_GAP.fullmatch(text, m.end, q.start) or \
            (_ATTRIBUTE_GAP.fullmatch(text, m.end, q.start) and text.startswith("的", q.end)):
        return True  # 接近小鹏汽车的 73 亿美元, 远低于东莞超3000亿元的经济体量
    if pen:
        return False
    if _opens_clause(d, sent, m, clause_start, by_grammar=True):
        return True
    seg = max(clause_start, text.rfind("、", clause_start, m.start) + 1, sent.last_fact_end if sent.last_fact_end <= m.start else 0)
    return seg > clause_start and not any(seg <= x.start and x.end <= m.start for x in sent.mentions) and \
        cr.opens_clause(d, seg, m)


def _position_score(q: Quantity, m: Mention, ci: int, mci: int, gap: int) -> float | None:
    """The base score of a name by where it stands: the number's clause before it first, then earlier
    clauses (``gap``: the clause breaks between, brackets not counted), then after it in its clause;
    None for a name of a later clause."""
    if m.end <= q.start:
        if mci == ci:
            return 10.0 - min(3.0, (q.start - m.end) / 15)
        return 8.0 - 1.5 * gap - min(1.0, (q.start - m.end) / 40)
    if mci == ci:
        return 3.0 - min(2.0, (m.start - q.end) / 10)
    return None


def _clause_gap(text: str, sent: Sentence, mci: int, ci: int) -> int:
    """The clause breaks between clause ``mci`` and clause ``ci`` that stand outside brackets: 某公司（股票简称：X，
    股票代码：Y）正式登陆…… is one clause before 登陆, not five."""
    if mci >= ci:
        return 0
    gap = 0
    for k in range(mci + 1, ci + 1):
        at = sent.clauses[k][0] - 1
        if text[at] not in "（）()" and not _in_brackets(text, sent.start, at):
            gap += 1
    return gap


def _in_brackets(text: str, lo: int, pos: int) -> bool:
    """Whether ``pos`` is inside brackets opened in text[lo:pos]."""
    seg = text[lo:pos]
    return seg.count("（") + seg.count("(") > seg.count("）") + seg.count(")")


def _is_source(d: DocContext, sent: Sentence, q: Quantity, m: Mention, ci: int, mci: int) -> bool:
    """根据国金证券的测算, 小米表示，……, 深圳市统计局公布的数据显示，……: the source or speaker of a number."""
    text = d.text
    if _SOURCE_BEFORE.search(text, max(sent.start, m.start - 3), m.start) or _SOURCE_AFTER.match(text, m.end):
        return True
    return mci < ci and (bool(_SPEAKER_AFTER.match(text, m.end)) or bool(_SOURCE_CLAUSE_END.search(text, m.end, sent.clauses[mci][1])))


def _is_compared(d: DocContext, sent: Sentence, q: Quantity, m: Mention) -> bool:
    """GDP总量超越了沈阳，位居第13位: the object of a comparison before the number, unless the number is
    its own (远低于东莞超3000亿元的经济体量, 接近小鹏汽车的 73 亿美元)."""
    text = d.text
    if m.end > q.start or not _COMPARED_BEFORE.search(text, max(sent.start, m.start - 6), m.start):
        return False
    own = (_ATTRIBUTE_GAP.fullmatch(text, m.end, q.start) and text.startswith("的", q.end)) or \
        _OWN_NUMBER_GAP.fullmatch(text, m.end, q.start)
    return not own


_RATIO_BASE_BEFORE = re.compile(r"(?:是|为|占|相当于)\s*$")
# 仅为上海的75.7%、广东的72%: the later members of a list of bases after one 为
_RATIO_BASE_LIST = re.compile(r"(?:是|为|占|相当于)(?:[^，,。；;、]{1,12}的[^，,。；;、]{1,12}、)+\s*$")
_RATIO_GAP = re.compile(r"\s*(?:同期|同年|当年|同类)?\s*的\s*(?:约|近|仅|超过?)?\s*")


_RATIO_AHEAD = re.compile(_RATIO_GAP.pattern + r"[\d.]+\s*(?:%|倍)")


def _is_ratio_base(d: DocContext, sent: Sentence, q: Quantity, m: Mention) -> bool:
    """仅为上海的75.7%, 是广东的1.3倍, 占全国的16%: the base a ratio is taken of, not what it is about
    (the ratio is the clause's topic's); the base of an earlier ratio of the sentence too (上海 for 72%
    in 仅为上海的75.7%、广东的72%)."""
    if m.end > q.start:
        return False
    if q.kind in ("percent", "multiple") and _RATIO_GAP.fullmatch(d.text, m.end, q.start):
        pass  # the base of this number
    elif not _RATIO_AHEAD.match(d.text, m.end, q.start):
        return False
    cs = sent.clauses[clause_index(sent, m.start)][0]
    return bool(_RATIO_BASE_BEFORE.search(d.text, max(cs, m.start - 3), m.start)) or \
        bool(_RATIO_BASE_LIST.search(d.text, max(cs, m.start - 60), m.start))


def _list_from(d: DocContext, first: Mention, names: list) -> set:
    """The ids of the names continuing a list that ``first`` opens (沈阳、长春和大连)."""
    out, prev = set(), first
    for m in sorted((x for x in names if x.start >= first.end), key=lambda x: x.start):
        if not _continues_list(d, prev, m):
            break
        out.add(id(m))
        prev = m
    return out


def _continues_list(d: DocContext, prev: Mention, m: Mention) -> bool:
    """Whether ``m`` is the next member of a list after ``prev`` (龙岩、莆田和三明)."""
    return prev.end <= m.start and re.fullmatch(r"\s*(?:、|和|与|及|以及)?\s*", d.text[prev.end : m.start]) is not None


def _set_aside(d: DocContext, sent: Sentence, q: Quantity, m: Mention, ci: int, mci: int, penalised_end: int) -> bool:
    """Whether a name is an object, a cause, a dateline or an earlier number's subject, not this one's."""
    text = d.text
    pen = bool(OBJECT_BEFORE.search(text, max(sent.start, m.start - 8), m.start))
    if pen and _ATTRIBUTE_GAP.fullmatch(text, m.end, q.start) and text.startswith("的", q.end):
        pen = False  # 远低于东莞超3000亿元的经济体量: the object's own number, a phrase about it
    if pen and _OWN_NUMBER_GAP.fullmatch(text, m.end, q.start) and \
            _COMPARED_BEFORE.search(text, max(sent.start, m.start - 6), m.start):
        pen = False  # 也高于广东省同期的2%: the compared name's own number
    if pen and m.end <= q.start and text[max(sent.start, m.start - 1) : m.start] == "在" and \
            _CIRCUMSTANCE_END.match(text, q.end):
        pen = False  # 在中国智能手机销量同比下降3.2%的情况下: 在 opens a clause whose subject is the name
    if not pen and (m.start == penalised_end or (m.start - penalised_end == 1 and text[m.start - 1] in "、和与及")):
        return True  # 仅次于北上深: the whole list is the object
    if _APPOSITION.search(text, max(sent.start, m.start - 24), m.start) and "的" in text[m.end : m.end + 6]:
        return True  # 作为Deepseek母公司的幻方量化: the subject is after 的
    if _in_other_parens(text, sent.start, m.start, q.start):
        return True  # （央视网消息）, （记者 X）: a dateline or aside, not the subject of the number
    mcs = sent.clauses[mci][0]
    if mci < ci and _CAUSE_CLAUSE.match(text, mcs) and mcs < m.start:
        return True  # 由于苹果需求疲软，台积电营收下降: the cause's names are not the subject
    if mci == ci and m.end <= sent.last_fact_end <= q.start and \
            any(sent.last_fact_end <= x.start and x.end <= q.start and not _is_ratio_base(d, sent, q, x) for x in sent.mentions):
        return True  # 阿里巴巴上涨11%、京东上涨24%: the earlier name is the earlier number's (not 为上海的75.7%、广东的72%)
    return pen


def _type_score(q: Quantity, m: Mention, types: tuple[str, ...]) -> float | None:
    """How well a name's type fits the metric; None when it cannot be the subject at all."""
    if types == ("person",) and m.entity_type != "person":
        return None  # 年龄, 身家: a person's measure is never a firm's or a place's
    score = 0.0
    if types:
        score += 3 if m.entity_type in types else -2
    if m.entity_type == "person" and "person" not in types:
        score -= 3
    if m.entity_type == "country" and "country" not in types:
        if q.kind == "rank":
            return None  # 中国汽车品牌成交均价 TOP1: the scope of a ranking, not what is ranked
        score -= 2  # 中国资本第四城, 全国: a scope more often than the subject
    return score


def _fallback(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...], sources: list) -> tuple[Mention | None, str]:
    """No name of the sentence fits: a referring word, the place a source body is named after, or the
    previous sentence's subject."""
    text = d.text
    ana = _resolve_anaphor(d, sent, q, types)
    if ana is not None:
        return ana, "anaphora"
    found = anaphor_before(text, sent.clauses[ci][0], q.start)
    if found is not None and "country" in found[2]:
        return None, "scoped"  # 全国智能手机销量: the country, unnamed here; not the document's firm
    if sources and (not types or {"city", "province"} & set(types)):
        place = _place_in_body_name(d, sent, q, ("city", "province"))
        if place is not None and (not types or place.entity_type in types):
            return place, "carried"  # 重庆证监局披露的……显示，陆续有约30家企业……: the body's place
    titled = _place_of_titled_plan(d, sent, q, types)
    if titled is not None:
        return titled, "carried"  # 《合肥市……行动计划》出台，提出……1500家: the targets of the place's plan
    prev = d.prev_subject  # 其高端品牌累计销量...: the subject of the previous sentence
    if prev is not None and prev.entity_type == "person" and types and "person" not in types:
        prev = d.prev_org  # 李斌表示……。「预计10月份生产5000台」: the paragraph's firm, not the speaker
    if prev is not None and (not types or prev.entity_type in types) and not any(m.end <= q.start and m not in sources for m in sent.mentions):
        return prev, "carried"
    topic = d.para_topic  # a block naming no one so far goes on about the last block's topic
    if topic is not None and (not types or topic.entity_type in types) and prev is None and d.prev_org is None \
            and not in_range(d, "mentions", d.para_start, q.start):
        main = _document_subject(d, types)
        if main is None or (main.canonical or main.text) != (topic.canonical or topic.text):
            return topic, "carried"  # (the document's own main entity is left to ``document``)
    return None, "none"


def _national_clause(d: DocContext, sent: Sentence, q: Quantity, ci: int) -> tuple[Mention | None, str] | None:
    """全国的2.5%, 目前，全国共有15个副省级城市: a clause opening with a national word (全国, 国内, 我国)
    and naming nobody before the number is about the country (中国, ``anaphora``; ``scoped`` with no
    subject when the document does not name it); not for a ranking (全国30强: its scope)."""
    if q.kind == "rank":
        return None
    text, cs = d.text, sent.clauses[ci][0]
    found = anaphor_before(text, cs, q.start)
    if found is None or "country" not in found[2] or not _CLAUSE_LEAD.match(text, cs, found[0]):
        return None
    if any(cs <= m.start and m.end <= q.start and m.entity_type != "country" for m in sent.mentions):
        return None  # 全国GDP百强城市中杭州……: the clause names its own subject
    china = d.salience.mention_of("中国", "country") if d.salience is not None else None
    return china, ("anaphora" if china is not None else "scoped")


_TITLE = re.compile(r"《([^《》]{2,40})》")


def _place_of_titled_plan(d: DocContext, sent: Sentence, q: Quantity, types: tuple[str, ...]) -> Mention | None:
    """《合肥市专精特新中小企业倍增培育行动计划》出台，提出……: a number after the title of a document
    named after a city or province of the document (its names inside 《》 are not mentions) is about
    that place."""
    sal = d.salience
    if sal is None or types == ("person",) or "《" not in d.text[sent.start : q.start]:
        return None
    for t in _TITLE.finditer(d.text, sent.start, q.start):
        for (name, kind), rep_ in sal.first.items():
            if kind in ("city", "province") and len(name) >= 2 and t.group(1).startswith(name):
                return rep_
    return None


def _topic_anaphor(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...]) -> Mention | None:
    """The referent of a referring word that is the topic of the number's clause chain: it opens the
    number's clause, or (a personal pronoun) an earlier clause, with no clause in between opening
    with a name (他曾是X的副总，在X工作了15年 -> 他). None when a name stands between it and the
    number in the number's clause."""
    text = d.text
    cs = sent.clauses[ci][0]
    if any(cs <= m.start and m.end <= q.start and not OBJECT_BEFORE.search(text, max(cs, m.start - 8), m.start)
           for m in sent.mentions):
        return None  # the clause names its own subject (在NVIDIA: a place, not a subject)
    found = anaphor_before(text, cs, q.start)
    if found is None or not _CLAUSE_LEAD.match(text, cs, found[0]):
        found = None
        for k in range(ci - 1, -1, -1):  # the nearest earlier clause opening with a name or a pronoun
            ks, ke = sent.clauses[k]
            if any(ks <= m.start < ke and _CLAUSE_LEAD.match(text, ks, m.start) for m in sent.mentions):
                return None  # a clause in between opens with a name: a new topic
            lead = anaphor_before(text, ks, ke)
            if lead is not None and _CLAUSE_LEAD.match(text, ks, lead[0]):
                if "person" not in lead[2]:
                    return None  # only personal pronouns chain over clauses naming other entities
                found = lead
                break
        if found is None:
            return None
    if found[1] == "其" or not found[2] or "country" in found[2]:
        return None  # handled by the general rules
    return _resolve_anaphor(d, sent, q, types, at=found)


DISTRIBUTIVE = Path(__file__).resolve().parent.parent / "data" / "metrics" / "distributive_words.txt"


@lru_cache(maxsize=1)
def _distributive() -> re.Pattern:
    words = sorted(set(vocab.word_lines(DISTRIBUTIVE)), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


def distributive_at(text: str, lo: int, hi: int) -> int:
    """The start of the first word in text[lo:hi] that distributes numbers over names (分别, 分列), or -1."""
    m = _distributive().search(text, lo, hi)
    return m.start() if m else -1


_ENUM_GAP = re.compile(r"(?:\s|[（(][^）)]{0,16}[）)])*(?:等|这|这些|共|共计)?\s*")


def _enumerated(d: DocContext, sent: Sentence, q: Quantity) -> list:
    """国芯科技(688262.SH)、…、臻镭科技(688270.SH) 6家半导体企业: a list of two or more names right
    before a count enumerates what is counted; those names are not its subject."""
    if q.kind != "counter":
        return []
    before = [m for m in sent.mentions if m.end <= q.start]
    if len(before) < 2 or not _ENUM_GAP.fullmatch(d.text, before[-1].end, q.start):
        return []
    last = before[-1]
    if not re.search(r"[、和与及]\s*$", d.text[max(sent.start, last.start - 3) : last.start]):
        return []  # the name before the count is not the end of a list
    out = [last]
    for m in reversed(before[:-1]):
        if not re.search(r"[、和与及]\s*$", d.text[max(sent.start, out[-1].start - 3) : out[-1].start]) \
                or out[-1].start - m.end > 24:
            break
        out.append(m)
    return out[::-1]


_RELATION_GAP = re.compile(r"\s*(?:的\s*[^\s，,。；;：:、的（）()“”\"0-9]{1,4}|旗下的?|下属的?)\s*")
# 红杉中国投资的字节跳动, 华为孵化的荣耀: a relative clause with the name as its agent (verb + 的)
_RELATIVE_GAP = re.compile(r"\s*(?:所|已|曾)?[^\s，,。；;：:、的（）()“”\"0-9]{1,4}的\s*")
# 华为供应商立讯精密: a short noun between two names, the second its head (not a list, not a verb)
_NOUN_GAP = re.compile(r"[^\s，,。；;：:、的（）()“”\"0-9和与及或等对比向在为]{2,4}")


def _modifies_next(d: DocContext, sent: Sentence, m: Mention) -> bool:
    """蔚来创始人李斌, 杭州的阿里巴巴, 重庆的近邻成都, 阿里巴巴旗下的菜鸟, 红杉中国投资的字节跳动, 华为供应商立讯精密:
    ``m`` qualifies the name right after it."""
    nxt = next((x for x in sent.mentions if x.start >= m.end), None)
    if nxt is None or nxt.start - m.end > 10:
        return False
    gap = d.text[m.end : nxt.start]
    return not gap.strip() or gap.strip() == "的" or bool(mn.person_roles().fullmatch(d.text, m.end, nxt.start)) \
        or bool(_RELATION_GAP.fullmatch(gap)) or (bool(_RELATIVE_GAP.fullmatch(gap)) and cr.agent_of_relative(d, m)) \
        or (m.entity_type in _ORG_TYPES and nxt.entity_type in _ORG_TYPES and bool(_NOUN_GAP.fullmatch(gap))
            and cr.governor_before(d, m.end, nxt.start) is None)


_ADVERBIAL_END = re.compile(r"(?:会上|(?<!以)上|之中|期间|之际|以来|之前|之后|时)\s*$")


def _opens_clause(d: DocContext, sent: Sentence, m: Mention, clause_start: int, by_grammar: bool = False) -> bool:
    """Whether ``m`` is the grammatical subject opening its clause: it opens it (after a lead word;
    ``by_grammar``: after any words but verbs and prepositions, ``clause_roles``), or it is the head
    of a chain of names opening it, each qualifying the next (杭州的阿里巴巴, 重庆的近邻成都)."""
    ce = next((e for s_, e in sent.clauses if s_ == clause_start), sent.end)
    if _ADVERBIAL_END.search(d.text, clause_start, ce):
        return False  # 杭州余杭的一场大会上: a setting of place or time, not a subject
    if _CLAUSE_LEAD.match(d.text, clause_start, m.start):
        return True
    if by_grammar and "、" not in d.text[clause_start : m.start] and cr.opens_clause(d, clause_start, m) and not cr.agent_of_relative(d, m) and \
            not any(clause_start <= x.start and x.end <= m.start for x in sent.mentions):
        return True  # 2021年，合肥GDP达1.14万亿; 2024年第四季度华为营收: only time words or adverbs before it
    prev = None
    for x in sent.mentions:
        if clause_start <= x.start and x.end <= m.start:
            prev = x
    return prev is not None and _modifies_next(d, sent, prev) and \
        next((x for x in sent.mentions if x.start >= prev.end), None) is m and _opens_clause(d, sent, prev, clause_start, by_grammar)


def _in_other_parens(text: str, lo: int, pos: int, qpos: int) -> bool:
    """Whether ``pos`` is inside brackets that close before ``qpos``."""
    open_at = max(text.rfind("（", lo, pos), text.rfind("(", lo, pos))
    if open_at < 0:
        return False
    close_at = min(i for i in (text.find("）", open_at, qpos + 1), text.find(")", open_at, qpos + 1), qpos + 1) if i >= 0)
    return close_at <= qpos and close_at > pos
