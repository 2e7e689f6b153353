"""Relations read from one sentence: a person's role at a firm, a firm's headquarters city.

``find_relations(doc, mentions)`` is conservative: it reads only the fixed
phrasings below, between two mentions of the same sentence, and returns
nothing rather than a guess.

person -> firm (``kind="person_firm"``, ``role`` = 创始人, 联合创始人, 董事长, CEO ...):
  - FIRM(的)ROLE PERSON          云深处科技的创始人朱秋国, 灵伴科技,创始人祝铭明
  - PERSON(是/作为)FIRM(的)ROLE  王兴兴是宇树科技的创始人
  - PERSON ... 创办/创立/创建(了/的) FIRM   (same clause)  梁文锋创办的幻方量化

firm -> city (``kind="firm_hq_city"``):
  - 总部位于/设在/在 CITY 的 FIRM    总部位于杭州未来科技城的灵伴科技
  - FIRM(的/,)总部位于/设在/在 CITY   阿里巴巴总部位于杭州
"""

from __future__ import annotations

import re

from pipeline.records import Document, Mention, Relation

ROLES = (
    "联合创始人", "创始人", "创办人", "董事长", "首席执行官", "CEO", "总裁", "总经理", "掌门人",
    "实际控制人", "实控人", "首席技术官", "CTO",
)
_ROLE = "|".join(ROLES)
# FIRM ... PERSON
_FIRM_ROLE_PERSON = re.compile(rf"^[,，]?\s*(?:的)?\s*(?:{_ROLE})(?:兼(?:{_ROLE}))?\s*[,，:：]?\s*$")
# PERSON ... FIRM ... role
_PERSON_IS_FIRM = re.compile(r"^\s*(?:是|作为|系|为)\s*$")
_AFTER_FIRM_ROLE = re.compile(rf"^\s*(?:的)?\s*({_ROLE})")
# PERSON ... 创办 FIRM (no sentence-internal stop in between)
_FOUNDED = re.compile(r"^[^。；;！!？?]{0,30}?(?:创办|创立|创建|创设|一手打造)(?:了|的)?$")
_FOUNDS_NEXT = re.compile(r"\s*(?:先后|一手|亲手|联合)?(?:创办|创立|创建)")
_HQ = re.compile(r"总部(?:位于|设在|设于|坐落于|落户|在)")
_SENT_END = re.compile(r"[。！？!?；;\n]")


def find_relations(doc: Document, mentions: list[Mention]) -> list[Relation]:
    """Person->firm roles and firm->HQ city relations stated in ``doc``."""
    text = doc.text
    ms = sorted(mentions, key=lambda m: (m.start, m.end))
    out: list[Relation] = []
    seen: set[tuple] = set()

    def add(kind: str, subj: Mention, obj: Mention, role: str = "") -> None:
        key = (kind, subj.start, subj.end, obj.start, obj.end)
        if key not in seen:
            seen.add(key)
            out.append(Relation(doc.doc_id, kind, subj.start, subj.end, obj.start, obj.end, role))

    for i, a in enumerate(ms):
        # the next few mentions in the same sentence
        for b in ms[i + 1 : i + 6]:
            if b.start < a.end:
                continue
            between = text[a.end : b.start]
            if _SENT_END.search(between):
                break
            if a.entity_type == "firm" and b.entity_type == "person":
                m = _FIRM_ROLE_PERSON.match(between)
                # "来自阿里,创始人梁文锋创办的幻方量化": the person's own 创办 clause wins over the comma
                comma_only = between.lstrip().startswith((",", "，"))
                if m and not (comma_only and _FOUNDS_NEXT.match(text, b.end)):
                    add("person_firm", b, a, _role_in(between))
            elif a.entity_type == "person" and b.entity_type == "firm":
                if _PERSON_IS_FIRM.match(between):
                    r = _AFTER_FIRM_ROLE.match(text[b.end : b.end + 12])
                    if r:
                        add("person_firm", a, b, r.group(1))
                elif _FOUNDED.match(between) and not _other_person_between(ms, a, b):
                    add("person_firm", a, b, "创始人")
    # headquarters
    for hq in _HQ.finditer(text):
        s, e = hq.span()
        places = [m for m in ms if m.start >= e and m.entity_type in ("city", "province")]
        city = None
        pos = e
        for m in places:  # 总部位于浙江杭州: take the last place of the run that starts right here
            if m.start != pos:
                break
            if m.entity_type == "city":
                city = m
            pos = m.end
        if city is None:
            continue
        # 总部位于CITY的FIRM
        after = [m for m in ms if m.start >= pos and m.entity_type == "firm"]
        if after and re.fullmatch(r"[\u4e00-\u9fff]{0,6}?的", text[pos : after[0].start]) and not _SENT_END.search(text[pos : after[0].start]):
            rest = text[pos : after[0].start]
            if rest == "的" or not any(m.start >= pos and m.end <= after[0].start for m in ms):
                add("firm_hq_city", after[0], city)
                continue
        # FIRM(的|,)总部位于CITY
        before = [m for m in ms if m.end <= s and m.entity_type == "firm"]
        if before and re.fullmatch(r"\s*(?:的|,|，|公司)?\s*", text[before[-1].end : s]):
            add("firm_hq_city", before[-1], city)
    return out


def _role_in(between: str) -> str:
    for role in ROLES:
        if role in between:
            return role
    return ""


def _other_person_between(ms: list[Mention], a: Mention, b: Mention) -> bool:
    return any(m.entity_type == "person" and m.start >= a.end and m.end <= b.start for m in ms)
