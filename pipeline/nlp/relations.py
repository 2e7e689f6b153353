"""Relations stated in one sentence between two entity mentions (the ``relations`` table).

``find_relations(doc, mentions)`` reads fixed phrasings only, between mentions
of one sentence, and returns nothing rather than a guess. Each ``Relation``
carries its evidence: the span from the first to the last character of the
two mentions (``span_start``/``span_end``) and the sentence around it.

Kinds (``Relation.kind``, the table's ``relation``), subject -> object:

- ``founded`` (person or firm -> firm/org), ``leads`` (top roles: 董事长, CEO,
  总裁, 实控人 ...), ``works_at`` (any other role): from a role phrase
  between an organisation and a person (吉利控股集团创始人李书福, Mobileye
  创始人兼 CEO Amnon Shashua, 厦门大学经济学副教授丁长发), from
  PERSON 是/担任 FIRM(的) ROLE (安聪慧担任极氪 CEO), from PERSON 创办(了/的) FIRM,
  and, for a sentence or clause that opens with 其 / a bare role (其创始人为…),
  from the organisation the previous clause or sentence opens with;
- ``alumnus_of``: PERSON 毕业于 ORG, ORG 校友 PERSON;
- ``invested_in``: a list of investors before 领投 / 跟投 / 投资 (…由A、B和C联合领投),
  after 投资方/股东 包括 (FIRM的首轮投资方包括A、B), or before a firm (A、B纷纷投资C),
  and 由A和B合资(建设)的C;
- ``subsidiary_of``: A旗下(的)B, B是A的子公司, A控股子公司B, A孵化的B (B -> A);
- ``headquartered_in``: 总部位于CITY的FIRM, FIRM总部位于CITY;
- ``founded_in``: 在CITY成立/设立(的)FIRM, FIRM(于…)在CITY成立, FIRM成立于CITY.

A list of names (A、B和C) counts as one argument: every member gets the
relation. The role phrases and cue words are data:
``pipeline/data/vocab/relation_cues.yaml`` (``pipeline.vocab``).

References. Each sentence has a topic: the organisation it opens with (after a
modifier or an adverbial such as 今年1月上市的 or 2018年8月，; not after a verb or a
preposition, nor the first of a list). Words that refer back (其, 该公司, 公司,
这家公司) name the topic of their sentence or of the nearest earlier sentence of
the paragraph that has one: 其创始人为“老将”、前锐迪科创始人戴保家, 公司由A和B共同创立,
A、B等都是其背后的股东, X，背后聚集了一批机构，包含A、B, 曾公布获得A的天使轮投资,
…，总部位于广州. 他/她 stand for the person named before them in the sentence, or
the one person the previous sentence names. More phrasings: investor lists that
continue a round across clauses (…联合领投，C、D等机构，还有E; 等机构鼎力支持),
X对A、B的投资, A向X投资, A持有X股份, A领投了X的融资, A是X的投资人; studies and
jobs (考入/被保送到/在X攻读博士学位/获得X博士学位/曾在X工作/加入X), PERSON，ORG ROLE,
a unit's role (自动驾驶事业部的首席科学家: works_at), B由A孵化, FIRM…成立了(…公司)FIRM.

Structure: ``_sentence_relations`` reads one sentence into a ``_Sentence`` (mentions, lists, topic), runs
the pair rules (``_PAIR_RULES``: two nearby names and the words between) and then the clause rules
(``_CLAUSE_RULES``: a cue word of a class in the cue file and the lists around it, the argument order
from punctuation: the clause a name opens, a list announced by 分别是/包括, a word referring back). Clause
rules added 2026-12-05: a role with no organisation after it (彭军担任 CEO: the nearest organisation
before, not one after 从, not one of a list), chains of appositions and asides (优图实验室（X lab）负责人、
香港中文大学教授贾佳亚; 荣秀丽（天语手机创办人）), 孵化出 lists (subsidiary_of), A、B等企业坐落于此 (此 = the
city before), a city's list of firms (苏州新上市的公司——A、B), 其所在的CITY, 诞生了 clauses, roles via a
word referring back (X为公司实控人), subjectless clauses (，更是百度…工程师), shareholdings (A持股20%); a
registered name opening with a city the sentence names on its own gives headquartered_in. A works_at
is dropped where the same two entities have founded or leads.
Added 2026-12-05 (branch rel): chains of roles (曾任A副总裁、B CTO; X CEO甲、CTO乙; 甲担任CEO，乙担任CTO), roles
listed after a colon (身兼数职：A负责人、B院长), appointments (被任命为, ORG任命P为ROLE, 加盟X，出任ROLE), ORG的ROLE
是/为P, X的P研究员, degrees and schools (拥有X…硕士学位, 毕业于X的博士Y, X毕业的Y, X…校友Y, X走出了A、B, 母校,
在X读书/深造, 张三，斯坦福大学MBA; lists of people; 分别 pairs in order), rounds (老股东A继续加注, 作为X的股东，A、B,
A以N元入股X, A投资的X, FIRM完成…A的融资: the firm heading the clause), 隶属于, X控股的Y, X旗下的(描述)平台, 将总部设在;
a bracketed aside naming the entity just named (沙特新未来城（NEOM）) is no item of a list; 该公司 / 公司 / 本轮融资
with no topic in the paragraph name the document's main firm (``_main_firm``), never 其.
Added 2026-12-05 (branch relx): the patterns live in ``nlp.relation_patterns`` (one function per family);
across sentences: 其/该公司旗下(全资子公司)B (subsidiary_of the topic), 他们/两人…成立了X after a sentence
naming one list of people (founded), a subjectless 获得…融资 clause (成立后，…便获得了A的融资) naming the
document's main firm; in one sentence: FIRM(的)(大)股东 A, FIRM引入A作为战略投资者, 参投, 曾/早在…就投资,
A和B均为C旗下企业, 创办了X，并担任CEO, 是一家成立于…、总部位于CITY的, X（总部位于CITY）; a round's first
investor is never the firm funded by the next (A领投，B跟投).

Conservative: a hedge or a negation between the two names (计划, 或将, 没有, 并未 ...,
listed in the cue file) drops the relation; a role clause across a comma needs
the organisation to head its clause; a reference with no topic yields nothing.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from pipeline.nlp.relation_patterns import Cues, _alt, cues, patterns
from pipeline.records import Document, Mention, Relation

ORGS = ("firm", "org")
_SENT_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,：:]")
_LEADING_SPACE = re.compile(r"\s*")
_TOPIC_LEAD = re.compile(r"(?:[^。；;]{0,13}(?:的|，|,|名为|叫做|即))?")
# list separators, after an aside at most (沙特新未来城（NEOM）、加拿大…基金)
_LIST_SEP = re.compile(r"^\s*(?:[（(][^）)（(]{0,24}[）)])?\s*(?:、|,|，|和|与|及|以及|还有|跟|同|/)\s*$")
_LIST_SEP_INSIDE = re.compile(r"^\s*、")  # a list goes on right after the first name


_patterns = patterns  # the name the rules below use


def find_relations(doc: Document, mentions: list[Mention]) -> list[Relation]:
    """Every relation ``doc`` states between two of its ``mentions`` (see the module docstring)."""
    text = doc.text
    if not text:
        return []
    ms = _outermost(sorted((m for m in mentions if m.entity_type in ("person", "firm", "org", "city")),
                           key=lambda m: (m.start, -m.end)))
    ms = _without_asides(text, ms)
    out: list[Relation] = []
    pairs: list[tuple] = []  # (subject, object) identities of ``out``, row by row
    seen: set[tuple] = set()
    bounds = _sentences(text)
    by_start = {m.start: m for m in ms}
    topics = _topics(text, bounds, ms)
    antecedent = _pronouns(text, bounds, topics.paragraph, ms)
    if antecedent:
        ms = sorted([*ms, *(pron for pron, _ante in antecedent.values())], key=lambda m: (m.start, -m.end))

    def add(kind: str, subj: Mention, obj: Mention, role: str = "", sent: tuple[int, int] | None = None) -> None:
        if _hedged(text, subj, obj):
            return
        subj, obj = _resolved(subj, antecedent), _resolved(obj, antecedent)  # 他曾是X的…: the person named before
        if subj is obj or (subj.start, subj.end) == (obj.start, obj.end):
            return
        if (subj.key or subj.canonical or subj.text) == (obj.key or obj.canonical or obj.text) and subj.entity_type == obj.entity_type:
            return
        key = (kind, subj.start, subj.end, obj.start, obj.end)
        if key in seen:
            return
        seen.add(key)
        ss, se = sent if sent else (0, len(text))
        cs, ce = min(subj.start, obj.start), max(subj.end, obj.end)
        ss, se = min(ss, _sentence_start(text, cs)), max(se, ce)
        out.append(Relation(doc.doc_id, kind, subj.start, subj.end, obj.start, obj.end, role.strip(),
                            cs, ce, text[ss:se].strip()))
        pairs.append(tuple((m.key or m.canonical or m.text, m.entity_type) for m in (subj, obj)))

    ms_starts = [m.start for m in ms]
    place_before = {m.end: m.start for m in mentions if m.entity_type in ("country", "province", "city")}
    i = 0
    role_org = None  # the organisation of the last role read in the previous sentence, when it ended with ；
    for k, (ss, se) in enumerate(bounds):
        n_before = len(out)
        sm = []
        while i < len(ms) and ms[i].start < se:
            if ms[i].start >= ss and ms[i].end <= se:
                sm.append(ms[i])
            i += 1
        if len(sm) >= 1:
            prev = None
            if k:
                ps, pe = bounds[k - 1]
                lone = None
                if topics.paragraph[k - 1] == topics.paragraph[k] and not any(m.entity_type == "person" for m in sm):
                    persons = {m.text: m for m in ms[bisect.bisect_left(ms_starts, ps):bisect.bisect_left(ms_starts, pe)]
                               if m.end <= pe and m.entity_type == "person"}
                    lone = _resolved(next(iter(persons.values())), antecedent) if len(persons) == 1 else None
                prev = (ps, pe, by_start.get(_LEADING_SPACE.match(text, ps).end()), lone)
            names_before = [m for m in ms[bisect.bisect_left(ms_starts, prev[0]):bisect.bisect_left(ms_starts, prev[1])]
                            if m.end <= prev[1]] if prev and topics.paragraph[k - 1] == topics.paragraph[k] else []
            _sentence_relations(text, ss, se, sm, add, topics.resolver(k), prev, names_before, place_before, role_org)
        role_org = _last_role_org(text, se, out[n_before:], by_start)
    _registered_seats(text, mentions, out, pairs, add)
    return _strongest_roles(out, pairs)


def _last_role_org(text: str, se: int, new: list[Relation], by_start: dict[int, Mention]) -> Mention | None:
    """小马智行，其CEO彭军…；CTO楼天城…: after a sentence ending with ；, the organisation of its last role
    (founded / leads / works_at), for a next sentence that opens with a bare role."""
    if text[se - 1 : se] not in ("；", ";"):
        return None
    # a role written before the person (ORG … ROLE PERSON), as the next one is (CTO楼天城)
    roles = [r for r in new if r.kind in ("founded", "leads", "works_at") and r.object_end <= r.subject_start]
    return by_start.get(roles[-1].object_start) if roles else None


def _registered_seats(text: str, mentions: list[Mention], out: list[Relation], pairs: list[tuple], add) -> None:
    """苏州最近过会的公司——苏州锴威特半导体股份有限公司: a registered name (ending in a legal form such as
    股份有限公司) that opens with a city, in a sentence that names that city on its own before it, gives the
    city the firm is seated in (headquartered_in), unless the text already states where the firm is seated
    or was set up. The registered name alone is not enough (同意深圳英集芯科技股份有限公司…注册上市)."""
    forms = cues().legal_forms
    placed = {pair[0] for r, pair in zip(out, pairs) if r.kind in ("headquartered_in", "founded_in")}
    cities = {m.start: m for m in mentions if m.entity_type == "city"}
    for firm in mentions:
        city = cities.get(firm.start)
        if firm.entity_type != "firm" or city is None or city.end >= firm.end or not firm.text.endswith(forms):
            continue
        if (firm.key or firm.canonical or firm.text, "firm") in placed:
            continue
        ss = _sentence_start(text, firm.start)
        if not any(m.entity_type == "city" and m.text == city.text and ss <= m.start and m.end <= firm.start
                   for m in mentions):
            continue
        end = _SENT_END.search(text, firm.end)
        add("headquartered_in", firm, city, "", (ss, end.end() if end else len(text)))


def _strongest_roles(out: list[Relation], pairs: list[tuple]) -> list[Relation]:
    """A person who founded or leads an organisation does not also merely work there (挖来高管X担任CFO):
    ``works_at`` is dropped where the same two entities have ``founded`` or ``leads``."""
    strong = {pair for r, pair in zip(out, pairs) if r.kind in ("founded", "leads")}
    return [r for r, pair in zip(out, pairs) if not (r.kind == "works_at" and pair in strong)]


_PRONOUN = re.compile(r"(?<![其吉利排])[他她](?![们人国乡处日者物])")


def _pronouns(text: str, bounds: list[tuple[int, int]], paragraph: tuple[int, ...], ms: list[Mention]) -> dict[tuple[int, int], tuple[Mention, Mention]]:
    """他/她 -> the person it stands for: the last person named before it in its sentence, else the
    one person the previous sentence of the paragraph names (none when it names two). Each pronoun is
    returned as a person mention of its own (source "pronoun"), with that person's mention, by its span."""
    out: dict[tuple[int, int], tuple[Mention, Mention]] = {}
    ends = [e for _s, e in bounds]
    persons = [m for m in ms if m.entity_type == "person"]
    starts = [m.start for m in persons]

    def persons_in(a: int, b: int) -> list[Mention]:
        return [m for m in persons[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)] if m.end <= b]

    for pm in _PRONOUN.finditer(text):
        k = bisect.bisect_right(ends, pm.start())
        if k >= len(bounds):
            continue
        before = persons_in(bounds[k][0], pm.start())
        ante = before[-1] if before else None
        if ante is None and k and paragraph[k - 1] == paragraph[k]:
            prev = persons_in(*bounds[k - 1])
            if prev and len({m.text for m in prev}) == 1:
                ante = prev[-1]
        if ante is not None:
            out[pm.span()] = (Mention(ante.doc_id, pm.start(), pm.end(), pm.group(), "person", ante.key, ante.canonical, "pronoun"), ante)
    return out


def _resolved(m: Mention, antecedent: dict[tuple[int, int], tuple[Mention, Mention]]) -> Mention:
    return antecedent[(m.start, m.end)][1] if m.source == "pronoun" and (m.start, m.end) in antecedent else m


@dataclass(frozen=True)
class Topics:
    """The organisation each sentence is about (``own``, or None), for words that refer back to it
    (其创始人为X, 该公司由A和B创立, A、B都是其股东), and the paragraph of each sentence."""

    own: tuple[Mention | None, ...]
    paragraph: tuple[int, ...]
    text: str = ""
    main: tuple[Mention, ...] = ()  # the mentions of the document's main firm (``_main_firm``), if it has one
    orgs: tuple[Mention, ...] = ()  # every firm and organisation mention
    people: tuple[Mention, ...] = ()  # every person mention

    def at(self, k: int, pos: int, exclude: tuple[Mention, ...] = (), subjectless: bool = False) -> Mention | None:
        """The organisation a reference at ``pos`` of sentence ``k`` names: the sentence's own topic when
        it comes before ``pos``, else the nearest earlier topic of the same paragraph (three sentences
        back at most); None when that topic is one of ``exclude`` (the names the relation starts from).
        ``subjectless``: the caller read a clause with no subject of its own (…，便获得了A的天使轮融资), which
        may name the document's main firm without a word referring back."""
        own = self.own[k]
        if own is not None and own.end <= pos:
            return None if _among(own, exclude) else own
        for j in range(k - 1, max(-1, k - 4), -1):
            if self.paragraph[j] != self.paragraph[k]:
                break
            if self.own[j] is not None:
                return None if _among(self.own[j], exclude) else self.own[j]
        return self._document_firm(pos, exclude, subjectless)

    def _document_firm(self, pos: int, exclude: tuple[Mention, ...], subjectless: bool = False) -> Mention | None:
        """该公司 / 公司 / 本轮融资 with no topic in the paragraph: the document's main firm (its last mention
        before ``pos``), when the clause of ``pos`` has such a word (not 其: it refers to something near), the
        sentence names no organisation before ``pos`` and the firm is none of ``exclude``; with ``subjectless``,
        without such a word when the sentence names nobody at all before ``pos``."""
        if not self.main or any(_same_entity(m, x) for m in self.main[:1] for x in exclude):
            return None
        ss = _sentence_start(self.text, pos)
        if any(m.entity_type in ORGS and ss <= m.start < pos for m in self.orgs):
            return None
        cs = max([0] + [x.end() for x in _CLAUSE_END.finditer(self.text, max(0, pos - 40), pos)])
        ce = _CLAUSE_END.search(self.text, pos)
        nobody_before = subjectless and not any(ss <= m.start < pos for m in self.people)
        if not nobody_before and not _DOCUMENT_REFERENCE.search(self.text, cs, ce.start() if ce else len(self.text)):
            return None
        before = [m for m in self.main if m.end <= pos]
        return before[-1] if before else None

    def resolver(self, k: int):
        return functools.partial(self.at, k)


_DOCUMENT_REFERENCE = re.compile(r"该公司|这家公司|该企业|这家企业|(?<![^\s，,。；;：:])公司|(?:本|此|这|该)轮(?:融资|投资)?")


def _same_entity(a: Mention, b: Mention) -> bool:
    return a.entity_type == b.entity_type and (a.key or a.canonical or a.text) == (b.key or b.canonical or b.text)


def _main_firm(ms: list[Mention]) -> tuple[Mention, ...]:
    """The mentions of the firm a document is about: the firm named most often, at least three times and
    at least twice as often as any other firm; () when no firm stands out so."""
    counts: dict[str, list[Mention]] = {}
    for m in ms:
        if m.entity_type == "firm":
            counts.setdefault(m.key or m.canonical or m.text, []).append(m)
    ranked = sorted(counts.values(), key=len, reverse=True)
    if not ranked or len(ranked[0]) < 3 or (len(ranked) > 1 and len(ranked[0]) < 2 * len(ranked[1])):
        return ()
    return tuple(ranked[0])


def _among(m: Mention, ms) -> bool:
    return any((m.start, m.end) == (x.start, x.end) for x in ms)


def _topics(text: str, bounds: list[tuple[int, int]], ms: list[Mention]) -> Topics:
    """Per sentence: the organisation it opens with, and its paragraph number. A short lead is allowed
    when it is a modifier or an adverbial (今年1月上市的X, 2018年8月，X, 一家名为“X”), not after a
    verb or a preposition (记者采访了X, 在X); nor is the first of a list a topic."""
    c = cues()
    starts = [m.start for m in ms]
    own, paragraph, para = [], [], 0
    for k, (ss, se) in enumerate(bounds):
        if k and text[bounds[k - 1][1] - 1] == "\n":
            para += 1
        paragraph.append(para)
        i = bisect.bisect_left(starts, ss)
        sm = [m for m in ms[i:bisect.bisect_left(starts, se)] if m.end <= se and m.entity_type in ("person", *ORGS)]
        own.append(_opening_topic(text, ss, sm, c))
    return Topics(tuple(own), tuple(paragraph), text, _main_firm(ms), tuple(m for m in ms if m.entity_type in ORGS),
                  tuple(m for m in ms if m.entity_type == "person"))


def _opening_topic(text: str, ss: int, sm: list[Mention], c: Cues) -> Mention | None:
    """The organisation a sentence opens with: its first name, after a short lead (今年1月上市的X); or the
    head of a modifier that names something else, after a time at most (3月刚科创板过会的唯捷创芯: 唯捷创芯)."""
    if not sm:
        return None
    first = sm[0]
    listed = len(sm) > 1 and _LIST_SEP.match(text[first.end:sm[1].start])
    lead = text[ss:first.start].strip().rstrip("“\"「《『 ")
    if first.entity_type in ORGS and _TOPIC_LEAD.fullmatch(lead) and not lead.endswith(c.non_topic_before):
        return None if listed else first
    if len(sm) < 2 or sm[1].entity_type not in ORGS or listed or not _TIME_LEAD.fullmatch(lead):
        return None
    modifier = text[first.end:sm[1].start].strip()
    listed = len(sm) > 2 and _LIST_SEP.match(text[sm[1].end:sm[2].start])
    if modifier.endswith("的") and len(modifier) <= _MODIFIER_MAX and not re.search(r"[，,、。；;]", modifier) and not listed:
        return sm[1]
    return None


_TIME_LEAD = re.compile(r"[\d\s年月日号今去明前本上下半季度初底末]*(?:刚刚|刚|已经|已|最近|近日|此前|新近)?")
_MODIFIER_MAX = 14  # characters of a modifier before a sentence's topic (3月刚科创板过会的)


def _noun_phrase_clause(text: str, ss: int, m: Mention) -> bool:
    """Is ``m`` the head of its clause: nothing before it in the clause, or a modifier ending in 的?"""
    cs = max([ss] + [x.end() for x in _CLAUSE_END.finditer(text, ss, m.start)])
    lead = text[cs:m.start].strip().rstrip("“\"「《『 ")
    return lead == "" or lead.endswith("的")


_WINDOW = 64  # the cue words a name ends are looked for in this many characters before it


def _ends(pattern: re.Pattern, text: str, ss: int, pos: int) -> re.Match | None:
    """``pattern`` (anchored with ``$``) ending at ``pos``, looked for after ``ss`` in a window."""
    return pattern.search(text, max(ss, pos - _WINDOW), pos)


def _hedged(text: str, a: Mention, b: Mention) -> bool:
    """Is there a hedge or a negation between the two names of one sentence (计划投资, 没有投资)?"""
    c = cues()
    between = text[min(a.end, b.end) : max(a.start, b.start)]
    if _SENT_END.search(between):
        return False  # a topic from an earlier sentence: the words between belong to other statements
    for word in c.hedge_exceptions:
        between = between.replace(word, " ")
    return any(h in between for h in c.hedges)


def _without_asides(text: str, ms: list[Mention]) -> list[Mention]:
    """Mentions less the asides in brackets that name the entity just named (沙特新未来城（NEOM）、加拿大…):
    the name and its aside are one item of a list."""
    out: list[Mention] = []
    for m in ms:
        prev = out[-1] if out else None
        if (prev is not None and prev.entity_type == m.entity_type and (prev.key or prev.canonical or prev.text) == (m.key or m.canonical or m.text)
                and re.fullmatch(r"\s*[（(]\s*", text[prev.end:m.start]) and re.match(r"\s*[）)]", text[m.end:m.end + 3])):
            continue
        out.append(m)
    return out


def _outermost(ms: list[Mention]) -> list[Mention]:
    """Mentions not nested in another (the city 深圳 inside 深圳英集芯科技股份有限公司 is left out)."""
    out: list[Mention] = []
    end = -1
    for m in ms:  # sorted by start, longest first
        if m.end <= end:
            continue
        out.append(m)
        end = max(end, m.end)
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _runs(text: str, sm: list[Mention]) -> tuple[list[list[int]], list[int]]:
    """Indexes of ``sm`` grouped into lists (A、B和C), and where each list starts in the text. A firm
    + role before a person (Mobileye 创始人兼 CEO Amnon Shashua) or a parent + 旗下 before a firm
    (华为旗下哈勃投资) is a modifier: the item is the person / the firm after it (the list still
    starts at the modifier)."""
    p = _patterns()
    runs: list[list[int]] = []
    starts: list[int] = []
    cur: list[int] = []
    cur_start = 0
    for k, m in enumerate(sm):
        if cur:
            prev = sm[cur[-1]]
            between = text[prev.end : m.start]
            if _LIST_SEP.match(between) and m.entity_type == prev.entity_type or (
                _LIST_SEP.match(between) and {m.entity_type, prev.entity_type} <= {"firm", "org", "person"}
            ):
                cur.append(k)
                continue
            if prev.entity_type in ORGS and m.entity_type == "person" and p["org_role_person"].match(between):
                cur[-1] = k  # the person is the item; the firm qualifies them
                continue
            if prev.entity_type in ORGS and m.entity_type in ORGS and p["parent_child"].match(between):
                cur[-1] = k
                continue
            runs.append(cur)
            starts.append(cur_start)
        cur, cur_start = [k], m.start
    if cur:
        runs.append(cur)
        starts.append(cur_start)
    return runs, starts


def _role_kinds(role_phrase: str, obj: Mention) -> list[tuple[str, str]]:
    """(relation, role) pairs of a role phrase: 创始人兼 CEO -> founded + leads."""
    c = cues()
    out: list[tuple[str, str]] = []
    parts = [x for x in re.split(r"\s*(?:兼|、|及|和|并任)\s*", role_phrase.strip()) if x]
    for part in parts:
        core = part.strip()
        for pre in sorted(c.role_prefixes, key=len, reverse=True):
            if core.startswith(pre) and pre not in ("前",):
                core = core[len(pre):]
                break
        core = core.removeprefix("前").removesuffix("之一").strip()
        role = next((r for r in c.roles if core.endswith(r)), None)
        if role is None:
            continue
        unit = core[: -len(role)].strip()  # 终端 BG 董事长: the role of a unit, not of the firm
        if role in c.founder_roles and not unit:
            out.append(("founded", part))
        elif role in c.top_roles and not unit:
            out.append(("leads", part))
        elif role in c.party_roles and obj.entity_type == "org" and obj.text.endswith(c.party_bodies):
            out.append(("leads", part))
        else:
            out.append(("works_at", part))
    kinds: dict[str, list[str]] = {}
    for kind, part in out:
        kinds.setdefault(kind, []).append(part)
    if "works_at" in kinds and ("leads" in kinds or "founded" in kinds):
        del kinds["works_at"]  # 创始人兼首席科学家: the stronger relation is enough
    return [(k, role_phrase.strip() if k == "works_at" and len(parts) > 1 else "、".join(v)) for k, v in kinds.items()]


@dataclass
class _Sentence:
    """One sentence under reading: its mentions (``sm``), the lists they form, and how relations are added."""

    text: str
    ss: int
    se: int
    sm: list[Mention]
    add: object
    topic_at: object
    prev_sent: object
    runs: list[list[int]]
    run_starts: list[int]
    run_of: dict[int, list[int]]
    cities_before: list[Mention] = ()  # the cities the previous sentence of the paragraph names
    people_before: list[Mention] = ()  # the people the previous sentence of the paragraph names
    place_before: dict = None  # end -> start of each place name (country, province, city) of the document
    role_org: Mention | None = None  # the organisation of the last role of the sentence before, if it ended with ；

    def lead(self, pos: int) -> int:
        """Where the name at ``pos`` starts with the places written before it (美国斯坦福大学: at 美国)."""
        while self.place_before and pos in self.place_before:
            pos = self.place_before[pos]
        return pos

    @property
    def span(self) -> tuple[int, int]:
        return (self.ss, self.se)

    def members(self, k: int) -> list[Mention]:
        """The list (A、B和C) ``sm[k]`` belongs to."""
        return [self.sm[j] for j in self.run_of[k]]


def _sentence_relations(text: str, ss: int, se: int, sm: list[Mention], add, topic_at, prev_sent,
                        names_before: list[Mention] = (), place_before: dict[int, int] | None = None,
                        role_org: Mention | None = None) -> None:
    """Every relation of one sentence: the pair rules on each pair of nearby mentions, then the clause rules.
    ``names_before``: the mentions of the previous sentence when it is of the same paragraph."""
    s = _read_sentence(text, ss, se, sm, add, topic_at, prev_sent)
    s.cities_before = [m for m in names_before if m.entity_type == "city"]
    s.people_before = [m for m in names_before if m.entity_type == "person"]
    s.place_before = place_before or {}
    s.role_org = role_org
    for a_i, b_i, between in _nearby_pairs(s):
        for rule in _PAIR_RULES:
            rule(s, a_i, b_i, between)
    for rule in _CLAUSE_RULES:
        rule(s)


def _read_sentence(text: str, ss: int, se: int, sm: list[Mention], add, topic_at, prev_sent) -> _Sentence:
    runs, run_starts = _runs(text, sm)
    run_of = {k: r for r in runs for k in r}
    for k in range(len(sm)):  # a modifier (the firm of 华为创始人任正非) is a run of its own here
        run_of.setdefault(k, [k])
    return _Sentence(text, ss, se, sm, add, topic_at, prev_sent, runs, run_starts, run_of)


def _nearby_pairs(s: _Sentence):
    """(a_i, b_i, text between): each mention with the next seven after it, in one sentence."""
    sm = s.sm
    for a_i, a in enumerate(sm):
        for b_i in range(a_i + 1, min(len(sm), a_i + 8)):
            b = sm[b_i]
            between = s.text[a.end : b.start]
            if b.start < a.end or _SENT_END.search(between):
                break
            yield a_i, b_i, between


# -- pair rules: (sentence, index of the first mention, index of the second, text between) ----------
def _org_role_person(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """ORG ROLE PERSON (吉利控股集团创始人李书福, 联合创始人彭军和楼天城)."""
    p, sm, a, b = _patterns(), s.sm, s.sm[a_i], s.sm[b_i]
    if not (a.entity_type in ORGS and b.entity_type == "person"):
        return
    m = p["org_role_person"].match(between) or p["org_role_is_person"].match(between)
    # 来自阿里,创始人梁文锋创办的幻方量化: the person's own 创办 clause wins over the comma
    # 总部位于杭州的灵伴科技，创始人祝铭明: across a comma only when the organisation's clause is a
    # noun phrase (the name alone, or after a modifier with 的), not the object of a verb (来自阿里)
    if m and m.groupdict().get("comma") and (p["founded_by_after"].match(s.text, b.end, s.se)
                                   or not _noun_phrase_clause(s.text, s.ss, a)):
        m = None
    if not m:
        return
    people = [b]
    for c_i in range(b_i + 1, len(sm)):
        if sm[c_i].entity_type != "person" or not _LIST_SEP.match(s.text[people[-1].end : sm[c_i].start]):
            break
        people.append(sm[c_i])
    for person in people:
        for kind, role in _role_kinds(m.group("role"), a):
            s.add(kind, person, a, role, s.span)
    # 小红书CEO张三、CTO李四: further people, each after a role of their own, of the same organisation
    last = sm.index(people[-1])
    for c_i in range(last + 1, len(sm)):
        c = sm[c_i]
        link = p["role_then_person"].fullmatch(s.text, sm[c_i - 1].end, c.start)
        if c.entity_type != "person" or sm[c_i - 1].entity_type != "person" or link is None:
            break
        for kind, role in _role_kinds(link.group("role"), a):
            s.add(kind, c, a, role, s.span)


def _person_verb_org_role(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """PERSON 担任 ORG ROLE (安聪慧担任极氪 CEO)."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type == "person" and b.entity_type in ORGS and p["person_verb"].match(between):
        org_i = b_i
        while True:
            # the role ends before the next name (曾任百度副总裁、阿里巴巴CTO: 副总裁, then 阿里巴巴's CTO)
            limit = s.sm[org_i + 1].start if org_i + 1 < len(s.sm) else s.se
            m = p["role_after"].match(s.text, s.sm[org_i].end, limit)
            if m is None and org_i == b_i and len(orgs := [x for x in s.members(b_i) if x.start >= b.start]) > 1 \
                    and all(x.entity_type in ORGS for x in orgs):
                # 曾担任百度和阿里巴巴的高管: the role after the list is held at each organisation of it
                m = p["role_after"].match(s.text, orgs[-1].end, s.se)
                if m is not None and m.group().lstrip().startswith("的"):
                    for org in orgs:
                        for kind, role in _role_kinds(m.group("role"), org):
                            s.add(kind, a, org, role, s.span)
                break
            if m is None:
                break
            for kind, role in _role_kinds(m.group("role"), s.sm[org_i]):
                s.add(kind, a, s.sm[org_i], role, s.span)
            org_i += 1
            if org_i >= len(s.sm) or s.sm[org_i].entity_type not in ORGS or not p["role_chain"].fullmatch(s.text, m.end(), s.sm[org_i].start):
                break


def _founder_verb(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """PERSON/FIRM 创办(了/的) ORG; PERSON/FIRM …成立了(自动驾驶公司) FIRM."""
    p, sm, a, b = _patterns(), s.sm, s.sm[a_i], s.sm[b_i]
    if a.entity_type in ("person", "firm") and b.entity_type in ORGS and (
            p["founded_between"].match(between) or b.entity_type == "firm" and p["set_up_between"].match(between)):
        if _LIST_SEP_INSIDE.search(between):
            return  # 由王劲创立的中智行、韩旭创立的文远知行: 中智行 founded nothing
        if _ends(p["source_before"], s.text, s.ss, a.start):
            return  # 离开百度后创办了小红书: 百度 is where the founder came from
        if not any(m.entity_type in ("person", "firm") and a.end <= m.start and m.end <= b.start
                   and not _ends(p["source_before"], s.text, s.ss, m.start) for m in sm):
            # the founders: the list of people the founder is one of (the firm before 、韩旭 is none of them)
            founders = [x for x in s.members(a_i) if x.entity_type == "person"] if a.entity_type == "person" else [a]
            for x in founders:
                s.add("founded", x, b, "创始人" if x.entity_type == "person" else "", s.span)
            if founders and a.entity_type == "person" and b.entity_type == "firm":
                _founder_role_after(s, founders, b)


def _founder_role_after(s: _Sentence, founders: list[Mention], firm: Mention) -> None:
    """王明创办了青禾科技，并担任CEO: a role right after the firm founded, with no name in between, is at it."""
    p = _patterns()
    m = p["joins_role"].match(s.text, firm.end, s.se)
    if m and p["role_ends_clause"].match(s.text, m.end(), s.se) and not any(firm.end <= x.start < m.end() for x in s.sm):
        for x in founders:
            for kind, role in _role_kinds(m.group("role"), firm):
                s.add(kind, x, firm, role, s.span)


def _appointed(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """ORG 任命 PERSON 为 ROLE (百度任命张三为CTO); ORG 的 PERSON ROLE (中国社科院的张三研究员指出)."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type not in ORGS or b.entity_type != "person":
        return
    m = None
    if p["appoints"].match(between):
        m = p["appointed_as"].match(s.text, b.end, s.se)
        if m and not p["role_ends_clause"].match(s.text, m.end(), s.se):
            m = None
    elif between.strip() == "的":
        m = p["role_after_person"].match(s.text, b.end, s.se)
    if m and not any(b.end <= x.start < m.end() for x in s.sm):
        for kind, role in _role_kinds(m.group("role"), a):
            s.add(kind, b, a, role, s.span)


def _person_comma_org_role(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """PERSON，ORG ROLE (何晓飞，浙江大学教授)."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type == "person" and b.entity_type in ORGS and p["apposition_comma"].match(between):
        m = p["role_after"].match(s.text, b.end, s.se)
        if m and p["role_ends_clause"].match(s.text, m.end(), s.se):
            for kind, role in _role_kinds(m.group("role"), b):
                s.add(kind, a, b, role, s.span)


def _person_joins(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """PERSON (悄悄)加入 ORG."""
    a, b = s.sm[a_i], s.sm[b_i]
    if a.entity_type == "person" and b.entity_type in ORGS and _patterns()["joins"].match(between):
        orgs = [x for x in s.members(b_i) if x.entity_type in ORGS and x.start >= b.start]
        for org in orgs:  # 曾任职于百度、阿里巴巴: every organisation of the list
            s.add("works_at", a, org, "", s.span)
        m = _patterns()["joins_role"].match(s.text, orgs[-1].end, s.se) if len(orgs) == 1 else None
        if m and _patterns()["role_ends_clause"].match(s.text, m.end(), s.se):
            for kind, role in _role_kinds(m.group("role"), b):  # 加盟百度，出任CTO
                s.add(kind, a, b, role, s.span)


def _founded_by_person(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """ORG 由 PERSON(和PERSON) 创办."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type in ORGS and b.entity_type == "person" and p["founded_by"].match(between):
        if p["founded_by_after"].match(s.text, run_end(s.text, s.sm, s.run_of[b_i]), s.se):
            for x in s.members(b_i):
                s.add("founded", x, a, "创始人", s.span)


def _invests_in_firm(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """A 领投了 X 的融资 / A 向 X 投资 / A 持有 X …股份 / A、B 纷纷投资 C."""
    p, a, b, text = _patterns(), s.sm[a_i], s.sm[b_i], s.text
    if a.entity_type not in ("firm", "org", "person", "city") or b.entity_type != "firm":
        return
    if s.run_of[a_i][-1] != a_i or b_i in s.run_of[a_i]:
        return
    stated = (p["led_round_of"].match(between) and p["round_after"].match(text, b.end, s.se)
              or p["toward_firm"].match(between) and p["toward_firm_after"].match(text, b.end, s.se)
              or p["holds"].match(between) and p["holds_after"].match(text, b.end, s.se)
              or a.entity_type != "city" and p["invest_object"].match(between)
              or a.entity_type != "city" and p["invested_by_modifier"].match(between))
    if stated:
        for x in s.members(a_i):
            s.add("invested_in", x, b, "", s.span)


def _parent_and_child(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """A 旗下 B; B 是 A 的子公司; B 由 A 孵化; B(的)母公司 A -> B subsidiary_of A."""
    p, a, b, text = _patterns(), s.sm[a_i], s.sm[b_i], s.text
    if a.entity_type in ORGS and b.entity_type == "firm" and p["parent_child"].match(between):
        for child in s.members(b_i):  # 阿里巴巴旗下的天猫、淘宝和闲鱼
            if child.entity_type == "firm" and child.start >= b.start:
                s.add("subsidiary_of", child, a, "", s.span)
    if a.entity_type == "firm" and b.entity_type in ORGS:
        tail = p["child_tail"].match(text, b.end, s.se)
        if p["child_is"].match(between) and tail and s.run_of[a_i][-1] == a_i and b_i not in s.run_of[a_i]:
            for child in s.members(a_i):  # A和B均为C旗下企业
                if child.entity_type == "firm":
                    s.add("subsidiary_of", child, b, "", s.span)
        elif (p["apposition_comma"].match(between) and tail and p["role_ends_clause"].match(text, tail.end(), s.se)
                or p["belongs_to"].match(between)
                or p["child_by"].match(between) and p["child_by_tail"].match(text, b.end, s.se)
                or p["parent_of"].match(between)):
            s.add("subsidiary_of", a, b, "", s.span)


def _alumni(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """PERSON 毕业于 ORG; ORG 校友 PERSON; PERSON(的) ORG 毕业生(，与 PERSON2 是校友)."""
    p, sm, a, b, text = _patterns(), s.sm, s.sm[a_i], s.sm[b_i], s.text
    if a.entity_type == "person" and b.entity_type == "org" and p["alumnus"].match(between):
        s.add("alumnus_of", a, b, "", s.span)
    if a.entity_type == "org" and b.entity_type == "person" and (
            p["alumnus_org_first"].match(between) or p["school_produced"].match(between)):
        for x in s.members(b_i):  # 清华校友张三、李四
            if x.entity_type == "person" and x.start >= b.start:
                s.add("alumnus_of", x, a, "", s.span)
    if a.entity_type == "org" and b.entity_type == "person" and p["graduate_of_org"].match(between):
        s.add("alumnus_of", b, a, "", s.span)  # 清华大学毕业的张三
    if a.entity_type == "person" and b.entity_type == "org" and p["alma_mater"].match(between):
        s.add("alumnus_of", a, b, "", s.span)  # 张三的母校是清华大学
    if a.entity_type == "org" and b.entity_type == "person" and p["degree_person"].fullmatch(between):
        s.add("alumnus_of", b, a, "", s.span)  # 清华大学计算机系博士张三
    if a.entity_type == "person" and b.entity_type == "org" and p["apposition_comma"].match(between):
        if p["degree_ends_clause"].match(text, b.end, s.se):
            s.add("alumnus_of", a, b, "", s.span)  # 毛文超，斯坦福大学MBA
    if a.entity_type == "org" and b.entity_type == "person" and p["graduate_person"].fullmatch(between):
        if _ends(p["graduated_from"], text, s.ss, _first_place(text, sm, a_i).start):
            s.add("alumnus_of", b, a, "", s.span)  # 毕业于南洋理工大学的博士郝佳男
    if a.entity_type == "person" and b.entity_type == "org" and p["person_alumnus"].match(between):
        if p["alumnus_tail"].match(text, b.end, s.se):
            for x in s.members(a_i):  # 张三和李四都是清华大学的校友
                if x.entity_type == "person" and x.end <= a.end:
                    s.add("alumnus_of", x, b, "", s.span)
            for c in sm[b_i + 1 :]:
                if c.entity_type == "person" and p["same_school"].search(text, b.end, c.start) and p["same_school_tail"].match(text, c.end, s.se):
                    s.add("alumnus_of", c, b, "", s.span)
                    break


def _joint_venture(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """由 A 和 B 合资建设的 C."""
    p, sm, a, b = _patterns(), s.sm, s.sm[a_i], s.sm[b_i]
    if a.entity_type in ORGS and b.entity_type == "firm" and p["joint_venture"].match(between):
        if _ends(p["by"], s.text, s.ss, sm[s.run_of[a_i][0]].start):
            for x in s.members(a_i):
                s.add("invested_in", x, b, "", s.span)


def _investor_of(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """A(、B)(都)是 C 的(早期)投资人 / 股东."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type in ("firm", "org", "person") and b.entity_type == "firm" and p["investor_of_before"].match(between):
        if p["investor_of_after"].match(s.text, b.end, s.se) and b_i not in s.run_of[a_i]:
            for x in s.members(a_i):
                s.add("invested_in", x, b, "", s.span)


def _shareholders_named(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """FIRM(的)(第一大)股东 A(、B) / FIRM 引入 A(、B) 作为战略投资者: A invested_in FIRM."""
    p, a, b = _patterns(), s.sm[a_i], s.sm[b_i]
    if a.entity_type != "firm" or b.entity_type not in ("firm", "org", "person") or b_i in s.run_of[a_i]:
        return
    run = s.members(b_i)
    if b is not run[0]:
        return
    stated = (p["shareholder_of"].match(between)
              or p["brings_in"].match(between) and p["brought_in_as"].match(s.text, run[-1].end, s.se))
    if stated:
        for x in run:
            s.add("invested_in", x, a, "", s.span)


def _headquarters_pairs(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """FIRM (的) 总部位于 CITY; FIRM 自成立以来一直落户于 CITY; 总部位于 CITY 的 FIRM."""
    p, sm, a, b, text = _patterns(), s.sm, s.sm[a_i], s.sm[b_i], s.text
    if a.entity_type in ORGS and b.entity_type == "city":
        if p["hq_after_firm"].match(between) or b_i == a_i + 1 and p["settled"].match(between):
            s.add("headquartered_in", a, _last_place(text, sm, b_i), "", s.span)
    if a.entity_type == "city" and b.entity_type in ORGS and between.strip() == "的":
        if _ends(p["hq"], text, s.ss, _first_place(text, sm, a_i).start):
            s.add("headquartered_in", b, a, "", s.span)


def _founding_places(s: _Sentence, a_i: int, b_i: int, between: str) -> None:
    """在 CITY 成立的 FIRM; FIRM (于YEAR) 在 CITY 成立; FIRM 成立于 CITY; CITY 诞生了 A和B."""
    p, sm, a, b, text, se = _patterns(), s.sm, s.sm[a_i], s.sm[b_i], s.text, s.se
    if a.entity_type == "city" and b.entity_type in ORGS:
        if p["founded_in_after"].match(between) and between.rstrip().endswith("的"):
            if _ends(p["founded_in_before"], text, s.ss, _first_place(text, sm, a_i).start):
                s.add("founded_in", b, a, "", s.span)
        if p["born_in"].match(between):
            for x in s.members(b_i):
                s.add("founded_in", x, a, "", s.span)
    if a.entity_type in ORGS and b.entity_type == "city":
        city = _last_place(text, sm, b_i)
        if p["firm_in_city_founded"].match(between) and p["founded_in_tail"].match(text, city.end, se):
            # 宁德时代在厦门注册成立“厦门时代新能源”: the firm set up there is the one after the verb
            after = next((m for m in sm if m.start >= city.end and m.entity_type in ORGS), None)
            if after is not None and after.entity_type in ORGS and p["set_up_object"].match(text[city.end:after.start]):
                s.add("founded_in", after, city, "", s.span)
            else:
                s.add("founded_in", a, city, "", s.span)
        elif p["founded_at"].match(between):
            s.add("founded_in", a, city, "", s.span)


_PAIR_RULES = (_org_role_person, _person_verb_org_role, _founder_verb, _person_comma_org_role, _person_joins, _appointed,
               _founded_by_person, _invests_in_firm, _parent_and_child, _alumni, _joint_venture, _investor_of,
               _headquarters_pairs, _founding_places, _shareholders_named)


# -- clause rules: a cue word and the lists around it, with references to the sentence's topic ----------
def _investor_list_rule(s: _Sentence) -> None:
    _investor_lists(s.text, s.ss, s.se, s.sm, s.runs, s.run_starts, s.add, s.topic_at)


def _studies_and_jobs_rule(s: _Sentence) -> None:
    _studies_and_jobs(s.text, s.ss, s.se, s.sm, s.runs, s.add, s.prev_sent[3] if s.prev_sent else None, s.lead)


def _headquarters_clause_rule(s: _Sentence) -> None:
    _headquarters_clauses(s.text, s.ss, s.se, s.sm, s.add, s.topic_at)


def _opening_role_rule(s: _Sentence) -> None:
    _opening_roles(s.text, s.ss, s.se, s.sm, s.add, s.topic_at, s.prev_sent, s.role_org)


def _founded_by_reference_rule(s: _Sentence) -> None:
    _founded_by_reference(s.text, s.ss, s.se, s.sm, s.runs, s.add, s.topic_at)


# -- clause rules over cue-word classes (relation_cues.yaml), argument order from punctuation ------------
def _role_without_organisation(s: _Sentence) -> None:
    """PERSON 担任 CEO / 韩旭成为CTO, with no organisation after the role: the role is at the organisation
    the person joins, the nearest one the sentence names before the person (see ``_employer_before``)."""
    p = _patterns()
    for k, person in enumerate(s.sm):
        if person.entity_type != "person":
            continue
        m = p["takes_role"].match(s.text, person.end, s.se)
        if not m or not p["role_ends_clause"].match(s.text, m.end(), s.se):
            continue
        if any(person.end <= x.start < m.end() for x in s.sm):
            continue  # 担任百度…架构师: an organisation is named after the verb (a pair rule reads it)
        org = _employer_before(s, k)
        if org is not None:
            for kind, role in _role_kinds(m.group("role"), org):
                s.add(kind, person, org, role, s.span)


def _employer_before(s: _Sentence, k: int) -> Mention | None:
    """The nearest organisation before ``sm[k]`` in its sentence that is no one's apposition (百度…首席科学家韩旭),
    not a place someone comes from (从摩根大通挖来), not one of a list (A和B: which one?), else None."""
    p = _patterns()
    for j in range(k - 1, -1, -1):
        o = s.sm[j]
        if o.entity_type == "person":
            nxt = s.sm[j + 1]
            if j == k - 1 and _LIST_SEP.match(s.text[o.end:nxt.start]):
                continue  # 韩旭和杨庆雄一同加盟: one list
            if j == k - 1 and _own_role_clause(s, o, s.sm[k]):
                continue  # 彭军担任 CEO，楼天城担任 CTO: the person before has a role clause of their own
            if not (j < k - 1 and nxt.entity_type in ORGS and p["org_role_person"].match(s.text[nxt.end:s.sm[k].start])):
                return None  # another person before: the role may be theirs to give
        if o.entity_type not in ORGS:
            continue
        nxt = s.sm[j + 1]
        if nxt.entity_type == "person" and p["org_role_person"].match(s.text[o.end:nxt.start]):
            continue
        if _ends(p["source_before"], s.text, s.ss, o.start):
            continue
        if sum(s.sm[x].entity_type in ORGS for x in s.run_of[j]) > 1:
            return None
        return o
    return None


def _own_role_clause(s: _Sentence, person: Mention, nxt: Mention) -> bool:
    """Does ``person`` take a role of their own (担任 CEO) in a clause that ends right before ``nxt``'s clause?"""
    p = _patterns()
    m = p["takes_role"].match(s.text, person.end, nxt.start)
    return m is not None and re.fullmatch(r"\s*[，,]\s*", s.text[m.end():nxt.start]) is not None


def _appositive_chains(s: _Sentence) -> None:
    """ORG1（…）ROLE1、ORG2 ROLE2 PERSON (优图实验室负责人、香港中文大学教授贾佳亚): ORG1's role too."""
    p = _patterns()
    for b_i, person in enumerate(s.sm):
        if person.entity_type != "person" or b_i < 2:
            continue
        a_i = b_i - 1
        if s.sm[a_i].entity_type not in ORGS or not p["org_role_person"].match(s.text[s.sm[a_i].end:person.start]):
            continue
        while a_i > 0:
            prev = s.sm[a_i - 1]
            link = p["apposition_link"].fullmatch(s.text, prev.end, s.sm[a_i].start)
            if prev.entity_type not in ORGS or link is None:
                break
            for kind, role in _role_kinds(link.group("role"), prev):
                s.add(kind, person, prev, role, s.span)
            a_i -= 1


def _located_here(s: _Sentence) -> None:
    """A、B等企业皆坐落于此: the place 此 refers to (``_place_referred``) is where the firms are seated."""
    p = _patterns()
    for run in s.runs:
        firms = [s.sm[k] for k in run if s.sm[k].entity_type in ORGS]
        if not firms or len(firms) != len(run):
            continue
        m = p["located_here"].match(s.text, s.sm[run[-1]].end, s.se)
        if m is None:
            continue
        city = _place_referred(s, s.sm[run[0]].start)
        if city is not None:
            for firm in firms:
                s.add("headquartered_in", firm, city, "", (min(s.ss, _sentence_start(s.text, city.start)), s.se))


def _place_referred(s: _Sentence, pos: int) -> Mention | None:
    """The city a word like 此 refers to: the last city of the sentence before ``pos``, else the city the
    previous sentence (of the same paragraph) opens with, or the only city it names."""
    before = [m for m in s.sm if m.end <= pos and m.entity_type == "city"]
    if before:
        return before[-1]
    if s.prev_sent is None or not s.cities_before:
        return None
    _ps, _pe, lead, _lone = s.prev_sent
    if lead is not None and lead.entity_type == "city" and _among(lead, s.cities_before):
        return lead
    return s.cities_before[0] if len({m.text for m in s.cities_before}) == 1 else None


def _spawned_firms(s: _Sentence) -> None:
    """A 孵化出(三家创企，分别是)B、C和D: every firm of the list after the verb is a subsidiary of A,
    the nearest organisation before the verb."""
    p = _patterns()
    for v in p["spawn_verb"].finditer(s.text, s.ss, s.se):
        parent = next((m for m in reversed(s.sm) if m.end <= v.start() and m.entity_type in ORGS), None)
        if parent is None or any(m.entity_type == "person" and parent.end <= m.start < v.start() for m in s.sm):
            continue
        end = _list_region_end(s, v.end())
        for child in s.sm:
            if v.end() <= child.start and child.end <= end and child.entity_type == "firm":
                s.add("subsidiary_of", child, parent, "", s.span)


def _list_region_end(s: _Sentence, pos: int) -> int:
    """Where a list after a cue at ``pos`` ends: the end of its clause, or of the next one when that
    opens with 分别是 / 包括 / 即 (孵化出三家创企，分别是A、B和C)."""
    p = _patterns()
    clause_end = _CLAUSE_END.search(s.text, pos, s.se)
    end = clause_end.start() if clause_end else s.se
    if clause_end and p["list_opener"].match(s.text, clause_end.end(), s.se):
        nxt = _CLAUSE_END.search(s.text, clause_end.end(), s.se)
        end = nxt.start() if nxt else s.se
    return end


def _born_in_clause(s: _Sentence) -> None:
    """以…晋江为例，诞生了安踏、特步: a clause opening with 诞生了 names firms founded in the last city
    of the clause before."""
    p = _patterns()
    clause_starts = [x.end() for x in _CLAUSE_END.finditer(s.text, s.ss, s.se)]
    for cs in clause_starts:
        m = p["birth_clause"].match(s.text, cs, s.se)
        if m is None:
            continue
        city = next((x for x in reversed(s.sm) if x.end <= cs and x.entity_type == "city"), None)
        if city is None or any(x.entity_type in ("person", *ORGS) and city.end <= x.start < cs for x in s.sm):
            continue
        end = _list_region_end(s, m.end())
        for firm in s.sm:
            if m.end() <= firm.start and firm.end <= end and firm.entity_type in ORGS:
                s.add("founded_in", firm, city, "", s.span)


def _reference_roles(s: _Sentence) -> None:
    """X为公司实际控制人 / Y是该公司的董事长: PERSON + 是/为/担任 + a word referring back + ROLE."""
    p = _patterns()
    for person in s.sm:
        if person.entity_type != "person":
            continue
        m = p["person_reference_role"].match(s.text, person.end, s.se)
        if not m or not p["role_ends_clause"].match(s.text, m.end(), s.se):
            continue
        topic = s.topic_at(m.start(), (person,))
        if topic is not None and topic.entity_type in ORGS:
            for kind, role in _role_kinds(m.group("role"), topic):
                s.add(kind, person, topic, role, (min(s.ss, _sentence_start(s.text, topic.start)), s.se))


def _subjectless_roles(s: _Sentence) -> None:
    """楼天城曾在X从事研发，更是百度历史上最年轻的T10工程师: a later clause with no subject of its own
    (是/为/担任 + ORG + role) speaks of the person the sentence opens with."""
    p = _patterns()
    opener = _opening_person(s)
    if opener is None:
        return
    for k, org in enumerate(s.sm):
        if org.entity_type not in ORGS:
            continue
        cs = max([s.ss] + [x.end() for x in _CLAUSE_END.finditer(s.text, s.ss, org.start)])
        if cs == s.ss or not p["subjectless_role"].fullmatch(s.text, cs, org.start):
            continue
        m = p["role_after_modifier"].match(s.text, org.end, s.se)
        if not m or not p["role_ends_clause"].match(s.text, m.end(), s.se):
            continue
        if any(org.end <= x.start < m.end() for x in s.sm):
            continue
        for kind, role in _role_kinds(m.group("role"), org):
            s.add(kind, opener, org, role, s.span)


def _opening_person(s: _Sentence) -> Mention | None:
    """The person a sentence is about: its first name, a person heading its clause after a time or a bare
    role at most (2019年，X / CTO楼天城 / 在创立小马之前，楼天城 / 直到2015年，何晓飞), else None."""
    if not s.sm or s.sm[0].entity_type != "person":
        return None
    first = s.sm[0]
    cs = max([s.ss] + [x.end() for x in _CLAUSE_END.finditer(s.text, s.ss, first.start)])
    lead = s.text[cs:first.start].strip()
    if lead == "" or _TIME_LEAD.fullmatch(lead) or _patterns()["bare_role"].fullmatch(lead):
        return first
    return None


def _roles_after_colon(s: _Sentence) -> None:
    """何晓飞加入滴滴，并身兼数职：滴滴出行平台核心交易引擎负责人、前滴滴研究院院长: a list of ORG ROLE items
    after a colon that announces roles speaks of the person the sentence is about (``_opening_person``)."""
    p = _patterns()
    opener = _opening_person(s)
    if opener is None:
        return
    for colon in p["roles_colon"].finditer(s.text, s.ss, s.se):
        pos = colon.end()
        orgs = [x for x in s.sm if x.start >= pos]
        for k, org in enumerate(orgs):
            if org.entity_type not in ORGS or not re.fullmatch(r"\s*(?:[、，,]\s*)?(?:前|原|现任|曾任)?\s*", s.text[pos:org.start]):
                break
            limit = orgs[k + 1].start if k + 1 < len(orgs) else s.se
            m = p["role_after"].match(s.text, org.end, limit)
            if m is None or not re.match(r"\s*(?:等)?\s*(?:[、，,。；;]|$)", s.text[m.end():s.se]):
                break
            for kind, role in _role_kinds(m.group("role"), org):
                s.add(kind, opener, org, role, s.span)
            pos = m.end()


def _backers_after_as(s: _Sentence) -> None:
    """作为烽台科技创业路上的老股东，贵阳创投、元起资本给予了支持: the list that opens the clause after
    作为 FIRM …的 股东/投资方， invested in FIRM."""
    p = _patterns()
    for k, firm in enumerate(s.sm):
        if firm.entity_type != "firm" or not _ends(p["as_before"], s.text, s.ss, firm.start):
            continue
        m = p["as_investor_of"].match(s.text, firm.end, s.se)
        if m is None:
            continue
        for run, start in zip(s.runs, s.run_starts):
            if start == m.end():
                for x in (s.sm[j] for j in run):
                    if x.entity_type in (*ORGS, "person"):
                        s.add("invested_in", x, firm, "", s.span)


def _worked_before_person(s: _Sentence) -> None:
    """在进入麦肯锡工作了两年之后，刘万千…: a clause 在 加入/进入 ORG … 之后 before the person it speaks of."""
    p = _patterns()
    for k, org in enumerate(s.sm[:-1]):
        if org.entity_type not in ORGS or not _ends(p["entered_before"], s.text, s.ss, org.start):
            continue
        m = p["entered_after"].match(s.text, org.end, s.se)
        person = s.sm[k + 1]
        if m is not None and person.entity_type == "person" and person.start == m.end():
            s.add("works_at", person, org, "", s.span)


def _joins_alone(s: _Sentence) -> None:
    """前滴滴高级总监杨庆雄也一同加盟: joining with no organisation named after the verb: the organisation
    the sentence names before the person (``_employer_before``)."""
    p = _patterns()
    for k, person in enumerate(s.sm):
        if person.entity_type == "person" and p["joins_alone"].match(s.text, person.end, s.se):
            org = _employer_before(s, k)
            if org is not None:
                s.add("works_at", person, org, "", s.span)


def _shareholdings(s: _Sentence) -> None:
    """A、B分别持股20%和10% / A持有公司12.5%的股份: the holders (firms and organisations) invested in
    the firm the sentence is about, or the nearest earlier one of its paragraph."""
    p = _patterns()
    for run, run_start in zip(s.runs, s.run_starts):
        holders = [s.sm[k] for k in run if s.sm[k].entity_type in ORGS]
        if not holders or len(holders) != len(run):
            continue
        if not p["holds_stake"].match(s.text, s.sm[run[-1]].end, s.se):
            continue
        if _ends(p["object_marker"], s.text, s.ss, run_start) or _ends(p["toward_before"], s.text, s.ss, run_start):
            continue
        firm = s.topic_at(run_start, tuple(holders))
        if firm is None or firm.entity_type != "firm":
            continue
        for x in holders:
            s.add("invested_in", x, firm, "", (min(s.ss, _sentence_start(s.text, firm.start)), s.se))


def _city_firm_list(s: _Sentence) -> None:
    """苏州新上市的4家公司中有3家——A、B、C / 合肥最新一家上市公司X: a clause that opens with a city and
    describes firms of it (公司 / 企业, then a dash, a colon or the names) gives where those firms are seated."""
    p = _patterns()
    for k, city in enumerate(s.sm):
        if city.entity_type != "city" or not _opens_clause(s.text, s.ss, city.start):
            continue
        nxt = k + 1
        if nxt >= len(s.sm) or s.sm[nxt].entity_type not in ORGS:
            continue
        if not p["city_firms"].fullmatch(s.text, city.end, s.sm[nxt].start):
            continue
        for firm in s.members(nxt):
            if firm.entity_type in ORGS:
                s.add("headquartered_in", firm, city, "", s.span)


def _opens_clause(text: str, ss: int, pos: int) -> bool:
    """Is ``pos`` the start of a clause (after the sentence start or a comma, spaces and quotes aside)?"""
    lead = text[ss:pos].rstrip("“\"「《『 ")
    return lead == "" or lead[-1] in "，,：:；;。\n"


def _seat_city(s: _Sentence) -> None:
    """宁德时代…，连带其所在的福建小城宁德 / 宁德时代所在的宁德: the city the firm is in."""
    p = _patterns()
    for k, city in enumerate(s.sm):
        if city.entity_type != "city":
            continue
        m = _ends(p["seat"], s.text, s.ss, _first_place(s.text, s.sm, k).start)
        if m is None:
            continue
        firm = None
        if m.group().startswith("其"):
            firm = s.topic_at(m.start(), ())
        else:
            firm = next((x for x in reversed(s.sm) if x.end <= m.start() and s.text[x.end:m.start()].strip() == ""), None)
        if firm is not None and firm.entity_type == "firm" and not any(
                x.entity_type in ORGS and firm.end <= x.start < city.start for x in s.sm):
            s.add("headquartered_in", firm, city, "", (min(s.ss, _sentence_start(s.text, firm.start)), s.se))

# -- clause rules across sentences (branch relx): a word referring back to a firm or to people ---------------
def _clause_start(s: _Sentence, pos: int) -> int:
    return max([s.ss] + [x.end() for x in _CLAUSE_END.finditer(s.text, s.ss, pos)])


def _reference_subsidiaries(s: _Sentence) -> None:
    """同时，其集团旗下全资子公司B(、C): a clause that opens with a word referring back (其, 该公司, 公司) and
    旗下 lists subsidiaries of the firm the text is about (the sentence's topic or an earlier one's)."""
    if "旗下" not in s.text[s.ss:s.se]:
        return
    for run, start in zip(s.runs, s.run_starts):
        children = tuple(s.sm[k] for k in run if s.sm[k].entity_type == "firm")
        cs = _clause_start(s, start)
        if not children or not _patterns()["reference_parent"].fullmatch(s.text, cs, start):
            continue
        parent = s.topic_at(cs, children)
        if parent is not None and parent.entity_type in ORGS:
            for child in children:
                s.add("subsidiary_of", child, parent, "", (min(s.ss, _sentence_start(s.text, parent.start)), s.se))


def _founders_referred(s: _Sentence) -> None:
    """A和B意识到…。于是，他们在硅谷成立了X: a clause opening with 他们 / 两人 + 成立了 + a firm names the
    founders listed in the sentence before (one list of two people or more, and no other person there)."""
    people = s.people_before
    if len(people) < 2 or len({m.text for m in people}) < 2:
        return
    runs, _starts = _runs(s.text, people)
    if len(runs) != 1:
        return
    for firm in s.sm:
        if firm.entity_type != "firm":
            continue
        cs = _clause_start(s, firm.start)
        if any(cs <= m.start < firm.start for m in s.sm):
            continue
        if _patterns()["they_founded"].fullmatch(s.text, cs, firm.start):
            for person in people:
                if not any(_same_entity(person, x) for x in people[:people.index(person)]):
                    s.add("founded", person, firm, "创始人", (_sentence_start(s.text, person.start), s.se))
        return


_CLAUSE_RULES = (_investor_list_rule, _studies_and_jobs_rule, _headquarters_clause_rule, _opening_role_rule,
                 _founded_by_reference_rule, _role_without_organisation,
                 _appositive_chains, _located_here, _spawned_firms, _born_in_clause, _seat_city,
                 _city_firm_list, _reference_roles, _subjectless_roles, _joins_alone, _shareholdings,
                 _roles_after_colon, _backers_after_as, _worked_before_person, _reference_subsidiaries,
                 _founders_referred)


def run_end(text: str, sm: list[Mention], run: list[int]) -> int:
    return sm[run[-1]].end


def _first_place(text: str, sm: list[Mention], k: int) -> Mention:
    """总部位于浙江杭州: the first place of the run of adjacent places ending at ``sm[k]``."""
    while k > 0 and sm[k - 1].entity_type in ("city", "province") and sm[k - 1].end == sm[k].start:
        k -= 1
    return sm[k]


def _last_place(text: str, sm: list[Mention], k: int) -> Mention:
    """总部位于浙江杭州: the last city of the run of adjacent places starting at ``sm[k]``."""
    best = sm[k]
    while k + 1 < len(sm) and sm[k + 1].start == sm[k].end and sm[k + 1].entity_type in ("city", "province"):
        k += 1
        if sm[k].entity_type == "city":
            best = sm[k]
    return best


def _investor_lists(text: str, ss: int, se: int, sm: list[Mention], runs: list[list[int]], run_starts: list[int],
                    add, topic_at) -> None:
    """Lists of investors in one sentence, each with the firm they fund:

    - after 投资方/股东 包括 or 背后…包含 (FIRM的首轮投资方包括A、B; FIRM，背后聚集了一批机构，包含A、B;
      其背后…还包括A、B): the firm before the investor noun, else the firm the text is about;
    - before 都是其(背后的)股东 (A、B等都是其背后的股东): the firm the text is about;
    - before 领投 / 跟投 / 投资 in a sentence about a round ((由)A、B联合领投), before 支持 there
      (A、B等机构鼎力支持), or continuing such a list (，C、D等知名投资机构，还有E): the sentence's first
      firm that is no investor, else the firm the text is about;
    - 获得A(、B)(领投)的…投资: the firm the sentence is about;
    - X(通过)对A、B的投资: X (a firm, an organisation or a city).
    """
    p = _patterns()
    if not p["deal_words"].search(text, ss, se):
        return
    funding = p["funding"].search(text, ss, se) is not None
    verb_runs = [run for run, start in zip(runs, run_starts) if not _ends(p["toward_before"], text, ss, start)
                 and not _ends(p["object_marker"], text, ss, start)
                 and p["invest_after_list"].match(text, sm[run[-1]].end, se)
                 or funding and (p["support_after_list"].match(text, sm[run[-1]].end, se)
                                 or p["acts_as_investor"].match(text, sm[run[-1]].end, se))]
    investors = {k for run in verb_runs for k in run}
    last_investor_end = None  # where the previous list of investors of this sentence ends
    for run, run_start in zip(runs, run_starts):
        first = sm[run[0]]
        run_end = sm[run[-1]].end
        items = tuple(sm[k] for k in run if sm[k].entity_type in ("firm", "org", "person"))
        if not items:
            continue
        target = None
        continues = (last_investor_end is not None and funding
                     and p["list_continues"].fullmatch(text, last_investor_end, run_start) is not None
                     and p["list_ends"].match(text, run_end, se) is not None)
        if _ends(p["investor_head_anywhere"], text, ss, run_start) or _ends(p["backer_head"], text, ss, run_start):
            # the firm the 投资方 belongs to: the last firm before it followed by (的)…投资方
            for m in sm:
                if m.end > run_start:
                    break
                if m.entity_type == "firm" and re.match(r"\s*的?[^，,。；;、]{0,10}?(?:投资方|股东|投资人|投资者|投资机构)", text[m.end : m.end + 16]):
                    target = m
            target = target or topic_at(run_start, items)
        elif p["their_backers"].match(text, run_end, se):
            target = topic_at(run_start, items)
        elif (run in verb_runs and funding) or continues:
            # the funded firm: the sentence's first firm that is no investor, before the lists
            before = [k for k, m in enumerate(sm) if m.end <= first.start and m.entity_type == "firm" and k not in investors]
            if before and not _ends(p["by"], text, ss, sm[before[0]].start):
                target = sm[before[0]]
            elif not before:  # the topic, unless it is an investor of this sentence (A领投，B跟投: not B -> A)
                target = topic_at(run_start, (*items, *(sm[k] for k in investors)))
        elif _ends(p["obtain_before"], text, ss, run_start) and (got := p["obtain_after"].match(text, run_end, se)):
            # 拿下丰田4亿美元投资的小马智行: the firm after 的; else the firm the sentence is about
            after = next((m for m in sm if m.start >= got.end()), None) if got.group("of") else None
            if after is not None and after.entity_type == "firm" and text[got.end():after.start].strip() == "":
                target = after
            elif not got.group("of"):
                target = (_clause_head_firm(text, ss, run_start, sm, items) or topic_at(run_start, items)
                          or (topic_at(run_start, items, subjectless=True) if _subjectless(text, ss, run_start) else None))
        elif (toward := _ends(p["toward_before"], text, ss, run_start)) and p["toward_after"].match(text, run_end, se):
            target = next((m for m in sm if m.end <= toward.start() and text[m.end:toward.start()].strip() == ""
                           and m.entity_type in (*ORGS, "city")), None)
            if target is not None:
                for x in items:
                    add("invested_in", target, x, "", (ss, se))
            continue
        if target is None:
            continue
        last_investor_end = run_end
        for x in items:
            if x is not target:
                add("invested_in", x, target, "", (min(ss, _sentence_start(text, target.start)), se))


_SUBJECTLESS_LEAD = re.compile(r"[^，,。；;]{0,16}?(?:后|以来|之后|期间|时|内|中)\s*[，,]|[\d\s年月日底初末]+[，,]?|(?:随后|此后|后来|之后|紧接着|接着|短短[^，,。；;]{0,8}?|同年|次年|当年)\s*[，,]?")
_SUBJECTLESS_VERB = re.compile(r"\s*(?:又|便|就|还|也|再|再次|随即|先后|相继|陆续|顺利|成功)?\s*(?:在[^，,。；;]{0,12}?)?\s*(?:便|就|又)?\s*(?:获得|获|拿到|拿下|斩获|得到|完成)(?:了)?")


def _subjectless(text: str, ss: int, pos: int) -> bool:
    """The sentence up to ``pos`` is leads (a time, 成立后，) and then a verb of obtaining: it has no subject."""
    i = ss
    while (m := _SUBJECTLESS_LEAD.match(text, i)) and m.end() > i:
        i = m.end()
    v = _SUBJECTLESS_VERB.match(text, i)
    return i > ss and v is not None and v.end() <= pos and _patterns()["obtain_before"].search(text, v.start(), pos) is not None


def _clause_head_firm(text: str, ss: int, pos: int, sm: list[Mention], items: tuple[Mention, ...]) -> Mention | None:
    """The firm heading the clause that ``pos`` is in (最后，小马智行成功完成了…丰田的融资: 小马智行), after a
    time or a modifier with 的 at most, with no other name between it and ``pos``; else None."""
    cs = max([ss] + [x.end() for x in _CLAUSE_END.finditer(text, ss, pos)])
    inside = [m for m in sm if cs <= m.start and m.end <= pos and not _among(m, items)]
    if not inside or inside[0].entity_type != "firm" or len(inside) > 1:
        return None
    lead = text[cs:inside[0].start].strip()
    return inside[0] if lead == "" or lead.endswith("的") or _TIME_LEAD.fullmatch(lead) else None


def _studies_and_jobs(text: str, ss: int, se: int, sm: list[Mention], runs: list[list[int]], add,
                      lone_before: Mention | None, lead=lambda pos: pos) -> None:
    """alumnus_of: PERSON … 毕业于/考入/就读于 ORG, 在ORG攻读博士学位, 获得ORG(的)…博士学位, 从ORG考入;
    works_at: PERSON 曾在ORG(、ORG等公司中)工作/担任. The person is the last one named before the
    organisation in the sentence; in a sentence that names no one before it (早年…被保送到浙江大学),
    the one person the previous sentence names (``lone_before``)."""
    p = _patterns()
    if not p["study_job_words"].search(text, ss, se):
        return
    for run in runs:
        orgs = [sm[k] for k in run if sm[k].entity_type in ORGS]
        if not orgs or len(orgs) != len(run):
            continue
        first, last = orgs[0], orgs[-1]
        person = next((m for m in reversed(sm) if m.end <= first.start and m.entity_type == "person"), None)
        if person is None and not any(m.entity_type == "person" for m in sm):
            person = lone_before
        if person is None:
            continue
        people = [person]
        k = next((i for i, m in enumerate(sm) if m is person), 0)
        while k > 0 and sm[k - 1].entity_type == "person" and _LIST_SEP.match(text[sm[k - 1].end:sm[k].start]):
            k -= 1  # 张三、李四均毕业于清华大学: every person of the list
            people.append(sm[k])
        at = max(ss, lead(first.start))  # 毕业于美国斯坦福大学: the verb before the country
        studied = (_ends(p["study_before"], text, ss, at)
                   or _ends(p["study_at_before"], text, ss, at) and p["study_at_after"].match(text, last.end, se)
                   or _ends(p["degree_before"], text, ss, at) and p["degree_after"].match(text, last.end, se))
        worked = _ends(p["works_in_before"], text, ss, at) and p["works_in_after"].match(text, last.end, se)
        people.reverse()
        if studied and all(o.entity_type == "org" for o in orgs):
            if "分别" in text[person.end:first.start] and len(people) > 1:
                # 张三和李四分别毕业于清华大学和北京大学: one school each, in order (none when the counts differ)
                pairs = list(zip(people, orgs)) if len(people) == len(orgs) else []
            else:
                pairs = [(x, o) for o in orgs for x in people]
            for x, o in pairs:
                add("alumnus_of", x, o, "", (ss, se))
        elif worked:
            for o in orgs:
                for x in people:
                    add("works_at", x, o, "", (ss, se))


def _headquarters_clauses(text: str, ss: int, se: int, sm: list[Mention], add, topic_at) -> None:
    """X成立于2017年，总部位于广州 / 其总部设在深圳: a clause that opens with 总部位于 + a city and names
    no organisation of its own gives the headquarters of the organisation the text is about."""
    p = _patterns()
    if "总部" not in text[ss:se]:
        return
    clause_starts = [ss] + [x.end() for x in _CLAUSE_END.finditer(text, ss, se)]
    for k, m in enumerate(sm):
        if m.entity_type not in ("city", "province"):
            continue
        cs = clause_starts[bisect.bisect_right(clause_starts, m.start) - 1]
        if cs == ss and not text[cs:m.start].lstrip().startswith(cues().references):
            continue  # 公司总部位于上海 may open a sentence; 总部位于上海 alone is a modifier (…的X)
        if not p["hq_clause"].fullmatch(text, cs, m.start):
            continue
        city = _last_place(text, sm, k)
        topic = topic_at(cs, ())
        if city.entity_type == "city" and topic is not None and topic.entity_type in ORGS:
            add("headquartered_in", topic, city, "", (min(ss, _sentence_start(text, topic.start)), se))


def _founded_by_reference(text: str, ss: int, se: int, sm: list[Mention], runs: list[list[int]], add, topic_at) -> None:
    """公司由A和B共同创立 / X成立于2018年，由A创立: a clause that opens with 由 (after a word referring
    back: 公司, 该公司, 其, or none) + people + 创立 names the founders of the organisation the text is about."""
    p = _patterns()
    if "由" not in text[ss:se]:
        return
    for run in runs:
        people = tuple(sm[k] for k in run if sm[k].entity_type == "person")
        if not people or len(people) != len(run):
            continue
        head = _ends(p["reference_by"], text, ss, sm[run[0]].start)
        if head is None or not p["founded_by_after"].match(text, sm[run[-1]].end, se):
            continue
        # the run may start with an apposition (百度创始人李彦宏): the clause must open with the reference
        clause = text[ss:head.start()]
        if clause and not re.search(r"[。！？!?；;\n，,]\s*$", clause):
            continue
        topic = topic_at(head.start(), people)
        if topic is None or topic.entity_type not in ORGS:
            continue
        for person in people:
            add("founded", person, topic, "创始人", (min(ss, _sentence_start(text, topic.start)), se))


def _opening_roles(text: str, ss: int, se: int, sm: list[Mention], add, topic_at, prev_sent,
                   role_org: Mention | None = None) -> None:
    """其创始人为X / 两位创始人A和B: a clause that opens with a role and no organisation of its own
    names the organisation the text is about (the sentence's topic, or an earlier sentence's). After
    其/该公司 + role + 为/是, epithets and appositions may stand before the person (其创始人为“行业老将”、
    前锐迪科创始人戴保家)."""
    p = _patterns()
    persons = [m for m in sm if m.entity_type == "person"]
    if not persons:
        return
    clause_starts = [ss] + [x.end() for x in _CLAUSE_END.finditer(text, ss, se)]
    done: set[int] = set()
    for pm in persons:
        cs = clause_starts[bisect.bisect_right(clause_starts, pm.start) - 1]
        if cs in done:
            continue
        m = None
        if not any(x.start >= cs and x.end <= pm.start for x in sm):
            m = p["opening_role"].match(text, cs, pm.start)
        if m is None:
            m = p["opening_role_referring"].match(text, cs, pm.start)
            if m is None or not _apposition_only(text, m.end(), pm.start, sm):
                continue
        done.add(cs)
        people = [pm]
        for q in persons:  # 两位创始人王鹏飞和龚轶
            if q.start > people[-1].end and _LIST_SEP.match(text[people[-1].end : q.start]):
                people.append(q)
        if text[cs:pm.start].lstrip().startswith(cues().references):
            topic = topic_at(cs, tuple(people))
        else:  # a bare role: only the organisation the sentence, or the sentence before, starts with
            topic = _opening_org(text, ss, cs, sm, prev_sent)
            if topic is None and cs == ss:
                topic = role_org  # 其CEO彭军…；CTO楼天城: the role list goes on after the semicolon
        if topic is None or topic.entity_type not in ORGS:
            continue
        sent = (min(ss, _sentence_start(text, topic.start)), se)
        for person in people:
            for kind, role in _role_kinds(m.group("role"), topic):
                add(kind, person, topic, role, sent)


def _opening_org(text: str, ss: int, cs: int, sm: list[Mention], prev_sent: tuple[int, int, Mention | None] | None) -> Mention | None:
    """翱捷科技被称为…，创始人为X: the mention the sentence starts with (nothing before it), when the
    role clause is not the first; the one the previous sentence starts with otherwise."""
    if cs > ss:
        first = sm[0]
        return first if text[ss:first.start].strip() == "" and first.end <= cs else None
    if prev_sent is None:
        return None
    ps, pe, lead, _lone = prev_sent
    return lead if lead is not None and text[ps:lead.start].strip() == "" else None


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in "。！？!?；;\n") + 1


def _apposition_only(text: str, start: int, end: int, sm: list[Mention]) -> bool:
    """Is ``text[start:end]`` only epithets and appositions (“行业老将”、前锐迪科创始人, 天语手机的创办人)?"""
    between = text[start:end]
    for x in sm:
        if x.start >= start and x.end <= end:
            if x.entity_type not in ORGS:
                return False
            between = between.replace(x.text, " ", 1)
    between = re.sub(r"“[^”]{0,20}”|\"[^\"]{0,20}\"|「[^」]{0,20}」", " ", between)
    between = re.sub(_alt(cues().roles), " ", between)
    return re.fullmatch(r"[\s、，,的前原现任兼及和]*", between) is not None
