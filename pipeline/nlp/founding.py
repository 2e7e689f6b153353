"""Founding years as facts: 成立于2009年的阿里云, 1999年,阿里巴巴在杭州成立, 2017年开始成立之江实验室.

``founding_facts`` finds a year written with a founding verb (成立, 创立,
创办, 创建, 组建, 诞生) and the firm or organisation it is said of, and makes
a fact with metric 成立年份, unit ``year``, value = the year and ``year`` empty
(span: the year expression): the value is itself a date, not a quantity observed
in a year, and the gold conventions leave a founding year's ``year`` null. A year used as an attribute (成立于2009年的阿里云) is marked
consumed so that it does not date the other numbers of the sentence.
"""

from __future__ import annotations

import re

from pipeline.nlp.fact_context import DocContext, in_range, subject_fields
from pipeline.nlp.subjects import OBJECT_BEFORE
from pipeline.records import Fact, Mention

_FOUND_VERB = r"(?:成立|创立|创办|创建|组建|诞生|注册成立|挂牌成立)"
_FOUND_RE = re.compile(_FOUND_VERB)
_FOUNDED_AFTER = re.compile(r"\s*(?:正式|宣布)?\s*" + _FOUND_VERB)


def founding_facts(d: DocContext, ss: int, se: int) -> list[Fact]:
    text = d.text
    out = []
    for dt in in_range(d, "dates", ss, se):
        if dt.year is None:
            continue
        subject = None
        pre = text[max(ss, dt.start - 6) : dt.start]
        if dt.month is not None and not re.search(_FOUND_VERB + r"(?:于|在)\s*$", pre) \
                and not _FOUNDED_AFTER.match(text, dt.end):
            continue  # a month only in 成立于2017年8月 / 2015年9月正式诞生: a founding date, its year the fact
        if re.search(_FOUND_VERB + r"(?:于|在)\s*$", pre):
            # 成立于2009年的阿里云 (attribute: the year is not carried on) / 阿里云成立于2009年
            if text[dt.end : dt.end + 1] == "的":
                subject = _org_near(d, dt.end + 1, dt.end + 2, after=True)
                if subject is not None:
                    d.consumed.add(dt.start)
            if subject is None:  # 百度于2000年成立，小马智行则成立于2016年: the name of the year's own clause first
                subject = _org_near(d, _clause_start(text, max(ss, dt.start - 24), dt.start), dt.start, after=False) \
                    or _org_near(d, max(ss, dt.start - 24), dt.start, after=False)
        else:
            seg_end = min(se, dt.end + 30)
            m = _FOUND_RE.search(text, dt.end, seg_end)
            if m is None:
                continue
            between = text[dt.end : m.start()]
            if len(re.split(r"[，,]", between)) > 2:
                continue
            # 1999年,阿里巴巴在杭州成立 (subject before the verb) / 2017年开始成立之江实验室 (after) /
            # 宁德时代于2011年成立 (before the year, in the same clause)
            after_end = min([m.end() + 3] + [i for i in (text.find(c, m.end(), m.end() + 3) for c in "，,；;：:。") if i >= 0])
            subject = (_org_near(d, dt.end, m.start(), after=False) or _org_near(d, m.end(), after_end, after=True)
                       or _org_near(d, _clause_start(text, ss, dt.start), dt.start, after=False, last=True))
        if subject is None:
            continue
        out.append(Fact(doc_id=d.doc.doc_id, start=dt.start, end=dt.end, span_text=dt.text,
                        sentence=text[ss:se].strip(), metric="成立年份", value=float(dt.year), unit="year",
                        qualifier="=", year=None, **subject_fields(subject)))
    return out


def _clause_start(text: str, lo: int, pos: int) -> int:
    return max([lo] + [text.rfind(c, lo, pos) + 1 for c in "，,；;：:"])


def _org_near(d: DocContext, lo: int, hi: int, after: bool, last: bool = False) -> Mention | None:
    """The firm or organisation mention starting in [lo, hi) (after), or lying in [lo, hi) (the first, or the last)."""
    text = d.text
    cands = [m for m in in_range(d, "mentions", max(0, lo - 40), hi) if m.entity_type in ("firm", "org")]
    if after:
        return next((m for m in cands if lo <= m.start < hi), None)
    inside = [m for m in cands if lo <= m.start and m.end <= hi and not OBJECT_BEFORE.search(text, max(lo, m.start - 3), m.start)]
    return (inside[-1] if last else inside[0]) if inside else None


