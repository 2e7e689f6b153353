"""The subject of a numeric fact: the entity mention a number is about.

``choose_subject`` scores the mentions of the number's sentence: the same
clause before the number first, then earlier clauses (其中, possessives
杭州的私募资金 and apposition 作为X的Y -> Y fall out of this); objects of
comparisons and locations (仅次于北上深, 领先Meta, 在杭州), datelines in
brackets and metric words mistaken for names are set aside; types that fit
the metric are preferred (a ranking of cities -> city; 营收 -> firm); persons
and countries only when the metric suits them. With no mention in the
sentence, the subject of the previous sentence of the paragraph carries over
(其高端品牌累计销量...). A person is not the subject of an organisational metric
(types without ``person``) when a firm is at hand: the firm of 蔚来创始人李斌
(role words: ``data/metrics/person_roles.txt``), else the nearest firm before
the number in the sentence, else for a carried subject the last firm of the
paragraph. No Dagster import here.
"""

from __future__ import annotations

import re

from pipeline.nlp import metric_names as mn
from pipeline.nlp.fact_context import DocContext, Sentence, clause_index
from pipeline.nlp.numbers import Quantity
from pipeline.records import Mention

OBJECT_BEFORE = re.compile(r"(?:仅次于|领先于?(?:第[一二三四五六七八九十\d]+名?)?|超越|超过了?|落后于?|低于|高于|相比|不及|相当于|对比|比|向|给|对|位于|来自|在|于|与|和|以及|投资了?|收购了?|入股|持有了?|持股|控股)\s*$")
_APPOSITION = re.compile(r"作为[^，,。；;的]{0,20}$")
# 根据国金证券的测算, 据海关统计, 乘联会数据显示: the source of a number, not what it is about
_SOURCE_BEFORE = re.compile(r"(?:根据|据|按照|依据)\s*$")
_SOURCE_AFTER = re.compile(r"\s*的?\s*(?:最新)?(?:数据|统计|测算|报告|研究|调查|监测)?(?:显示|表明|测算|统计|发布的数据)")


def choose_subject(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...], metric: str) -> Mention | None:
    m = _choose(d, sent, q, ci, types)
    if m is not None and m.entity_type == "person" and types and "person" not in types:
        return _organisation_instead(d, sent, q, m, types) or m
    return m


def _organisation_instead(d: DocContext, sent: Sentence, q: Quantity, person: Mention, types) -> Mention | None:
    """A firm for an organisational metric chosen as a person's: 蔚来创始人李斌 -> 蔚来; else the
    nearest firm before the number in the sentence; else, when the person was carried from an
    earlier sentence, the last firm of the paragraph."""
    orgs = [m for m in sent.mentions if m.entity_type in ("firm", "org") and m.entity_type in types]
    roles = mn.person_roles()
    for m in orgs:
        if m.end <= person.start and roles.fullmatch(d.text, m.end, person.start):
            return m  # X创始人Y, X的CEO Y
    before = [m for m in orgs if m.end <= q.start and not OBJECT_BEFORE.search(d.text, max(sent.start, m.start - 8), m.start)]
    if before:
        return before[-1]
    prev = d.prev_org
    if person.start < sent.start and prev is not None and prev.entity_type in types:
        return prev
    return None


def _choose(d: DocContext, sent: Sentence, q: Quantity, ci: int, types: tuple[str, ...]) -> Mention | None:
    text = d.text
    cs, _ = sent.clauses[ci]
    own = [m for m in sent.mentions if cs <= m.start and m.end <= q.start]
    if not own and sent.last_subject is not None:
        # 其中私募基金规模...; 同比增长 18.9%，环比收窄 2.7%: the sentence goes on about the same subject
        # as long as no other name comes between
        if text[cs : cs + 2] == "其中" or not [m for m in sent.mentions if sent.last_fact_end <= m.start < q.start]:
            return sent.last_subject
    paren = max(text.rfind("（", sent.start, q.start), text.rfind("(", sent.start, q.start))
    if paren > 0 and not re.search(r"[）)]", text[paren : q.start]):
        # 相当于比亚迪（市值 8481 亿元）: a number in brackets is about the name just before them
        before = [m for m in sent.mentions if m.end == paren]
        if before:
            return before[0]
    best, best_score = None, -1e9
    penalised_end = -10
    vocab = mn.vocabulary()
    sources: list[Mention] = []
    for m in sent.mentions:
        if m.start < q.end and q.start < m.end:
            continue
        if m.text in vocab:
            continue  # 毛利率 recognised as a name: a metric word is never the subject
        mci = clause_index(sent, m.start)
        if m.end <= q.start:
            if mci == ci:
                score = 10.0 - min(3.0, (q.start - m.end) / 15)
            else:
                score = 8.0 - 1.5 * (ci - mci) - min(1.0, (q.start - m.end) / 40)
        elif mci == ci:
            score = 3.0 - min(2.0, (m.start - q.end) / 10)
        else:
            continue
        pen = bool(OBJECT_BEFORE.search(text, max(sent.start, m.start - 8), m.start))
        if not pen and (m.start == penalised_end or (m.start - penalised_end == 1 and text[m.start - 1] in "、和与及")):
            pen = True  # 仅次于北上深: the whole list is the object
        if _APPOSITION.search(text, max(sent.start, m.start - 24), m.start) and "的" in text[m.end : m.end + 6]:
            pen = True  # 作为Deepseek母公司的幻方量化: the subject is after 的
        if _SOURCE_BEFORE.search(text, max(sent.start, m.start - 3), m.start) or _SOURCE_AFTER.match(text, m.end):
            sources.append(m)
            continue  # 根据国金证券的测算: the source of the number is never its subject
        if _in_other_parens(text, sent.start, m.start, q.start):
            pen = True  # （央视网消息）, （记者 X）: a dateline or aside, not the subject of the number
        if pen:
            score -= 8
            penalised_end = m.end
        if text[m.end : m.end + 1] == "的":
            score += 1
        if types:
            score += 3 if m.entity_type in types else -2
        if m.entity_type == "person" and "person" not in types:
            score -= 3
        if m.entity_type == "country" and "country" not in types:
            score -= 2  # 中国资本第四城, 全国: a scope more often than the subject
        if score > best_score:
            best, best_score = m, score
    if best_score > 0:
        return best
    prev = d.prev_subject  # 其高端品牌累计销量...: the subject of the previous sentence
    if prev is not None and prev.entity_type == "person" and types and "person" not in types:
        prev = d.prev_org  # 李斌表示……。「预计10月份生产5000台」: the paragraph's firm, not the speaker
    if prev is not None and (not types or prev.entity_type in types) and not any(m.end <= q.start and m not in sources for m in sent.mentions):
        return prev
    return None


def _in_other_parens(text: str, lo: int, pos: int, qpos: int) -> bool:
    """Whether ``pos`` is inside brackets that close before ``qpos``."""
    open_at = max(text.rfind("（", lo, pos), text.rfind("(", lo, pos))
    if open_at < 0:
        return False
    close_at = min(i for i in (text.find("）", open_at, qpos + 1), text.find(")", open_at, qpos + 1), qpos + 1) if i >= 0)
    return close_at <= qpos and close_at > pos


