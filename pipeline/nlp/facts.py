"""Numeric facts: each quantity of a document's body prose, named, qualified, dated and
attached to the entity it is about.

``extract_facts(doc, tokens, mentions) -> list[Fact]`` reads quantities with
``numbers.read_quantities`` in the body blocks only (``doc.prose_blocks()``;
the whole text when the document has no blocks), sentence by sentence, and for
each one decides:

- **metric**: the governing cue of ``data/metrics/metric_vocabulary.csv`` in the
  clause (nearest before, or right after: 22.2% 的市场份额), combined with the
  level metric of the sentence for changes (营收 ... 同比增长 18.9% ->
  营收同比增长) and decreases (成本降低了一半 -> 成本降幅); shares written with
  占 (约占全国总产量的三分之一 -> 全国总产量占比); ranks from their scope and
  noun (全球第三 ... 云计算服务商 -> 全球云计算服务商排名); else the local noun
  phrase (179个应用场景 -> 应用场景数量). See ``metric_names``.
- **value and sign**: the reader's exact value, as float. A cue that states the
  negative of its metric makes it negative (亏损 5 亿元 -> 净利润 -5e8; 同比下降
  3% -> 同比增长 -0.03). The magnitude of a fall named as such keeps a positive
  value, the metric name carries the direction (跌幅超过10% -> 跌幅 0.1;
  成本降低了一半 -> 成本降幅 0.5).
- **unit**: the reader's; a bare magnitude (突破千亿规模, 超 3.6 亿) is 元 when
  its clause speaks of money (a money cue, 资金, 资本 ...), else 个.
- **qualifier**: the reader's (written next to the number), else a window word
  between the previous number of the clause and this one (约占 ... 三分之一 -> ~).
- **year** and **period**: the nearest explicit year before the number in its
  sentence (2023年, 2025年2月, 截至2024年, 2021年前三季度); 当年/同年 -> the last
  explicit year of the document before it; 今年/去年/如今 -> from
  ``doc.published_at`` (None when unknown). A year that only says when a
  subject was founded (成立于2009年的阿里云) is not carried to other numbers.
  In a 分别 list the years and values pair in order. Five-year plans give their
  last year as target (十四五 -> 2025).
- **subject**: the best-scoring mention of the sentence: same clause before the
  number first, then earlier clauses (其中, possessives 杭州的私募资金 and
  apposition 作为X的Y -> Y fall out of this), objects of comparisons and
  locations (仅次于北上深, 领先Meta, 在杭州) are penalised, and types that fit
  the metric (a ranking of cities -> city; 营收 -> firm) are preferred.
- **founding years**: 成立于2009年的阿里云, 1999年,阿里巴巴在杭州成立,
  2017年开始成立之江实验室 -> metric 成立年份, unit ``year``, value = year = the year.

Spans: ``Fact.start/end/span_text`` are the quantity as read (qualifier words
written next to it, the number, its unit: 超1.5万亿元, 超过10%, 全球第三); for a
founding year the year expression (1999年). A range (3至5亿元) gives two facts:
the lower bound (qualifier >=, span the lower number) and the upper bound
(qualifier <=, span the whole range). Exact duplicates within a document (same
subject, metric, value, unit, year, qualifier: 杭州六小龙 written five times)
are kept once. No Dagster import here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.nlp import metric_names as mn
from pipeline.nlp.dates import DateSpan, find_dates, find_periods, find_relative
from pipeline.nlp.numbers import Quantity, qualifier_words, read_quantities
from pipeline.records import Document, Fact, Mention, Token

_SENT_END = re.compile(r"[。！？!?]+[”’」』）)\"]*|\n")
_CLAUSE_SEP = re.compile(r"[，,：:；;（）()]")
_CONVERSION = re.compile(r"(?:约合|折合|合)(?:人民币)?\s*$")
_MONEY_WORDS = re.compile(r"资金|资本|基金|投资|融资|营收|收入|利润|市值|估值|金额|资产|募|注资|增资|亏损|成本|支出|GDP|产值|元|私募|规模")
_SHARE_OF = re.compile(r"占(?:据|到|了)?\s*([^，,。；;]{0,14}?)\s*的?\s*$")
_OBJECT_BEFORE = re.compile(r"(?:仅次于|领先于?(?:第[一二三四五六七八九十\d]+名?)?|超越|超过了?|落后于?|低于|高于|相比|不及|相当于|对比|比|向|给|对|位于|来自|在|于|与|和|以及|投资了?|收购了?|入股)\s*$")
_APPOSITION = re.compile(r"作为[^，,。；;的]{0,20}$")
_FOUND_VERB = r"(?:成立|创立|创办|创建|组建|诞生|注册成立|挂牌成立)"
_FOUND_RE = re.compile(_FOUND_VERB)
_RANK_NOUN = {"城": "城市", "省": "省份", "国": "国家", "市": "城市"}
_RANK_NEXT_OTHER = re.compile(r"(?:\s*[、和与及]\s*[^，,。；;、]{0,4}?第[一二三四五六七八九十\d]+)*\s*的?\s*")
_KIND_DEFAULT = {
    "currency": "金额", "percent": "比例", "points": "变化", "multiple": "倍数", "duration": "时长",
    "age": "年龄", "measure": "数量", "counter": "数量", "rank": "排名",
}
_CITY_TYPES = ("city", "province", "country")


@dataclass
class _Doc:
    doc: Document
    text: str
    mentions: list[Mention]
    dates: list[DateSpan]
    relatives: list
    periods: list
    consumed: set = field(default_factory=set)  # starts of dates used as founding attributes
    prev_subject: Mention | None = None  # subject of the previous sentence of the block


@dataclass
class _Sent:
    start: int
    end: int
    clauses: list[tuple[int, int]]
    mentions: list[Mention]
    last_level: str | None = None
    last_level_cue: object = None
    last_subject: Mention | None = None


def extract_facts(doc: Document, tokens: list[Token], mentions: list[Mention]) -> list[Fact]:
    """The numeric facts of ``doc`` (see the module docstring)."""
    text = doc.text
    regions = [(b.start, b.end) for b in doc.prose_blocks()] if doc.blocks else [(0, len(text))]
    d = _Doc(doc, text, sorted(mentions, key=lambda m: (m.start, -m.end)), find_dates(text),
             find_relative(text), find_periods(text))
    facts: list[Fact] = []
    for rs, re_ in regions:
        d.prev_subject = None
        quantities = [q for q in read_quantities(text[rs:re_])]
        qi = 0
        for ss, se in _sentences(text, rs, re_):
            sent_q = []
            while qi < len(quantities) and quantities[qi].start + rs < se:
                if quantities[qi].start + rs >= ss:
                    sent_q.append(_shift(quantities[qi], rs))
                qi += 1
            founding = _founding_facts(d, ss, se)
            if not sent_q and not founding:
                continue
            sent = _Sent(ss, se, _clauses(text, ss, se), [m for m in d.mentions if m.start >= ss and m.end <= se])
            facts.extend(founding)
            facts.extend(_sentence_facts(d, sent, sent_q))
            d.prev_subject = sent.last_subject or d.prev_subject
    return _dedupe(facts)


# --------------------------------------------------------------------------- structure


def _shift(q: Quantity, off: int) -> Quantity:
    if not off:
        return q
    return Quantity(q.start + off, q.end + off, q.text, q.value, q.unit, q.kind, q.qualifier, q.num_start + off,
                    q.num_end + off, q.high, None if q.low_end is None else q.low_end + off)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, s = [], start
    for m in _SENT_END.finditer(text, start, end):
        if m.end() > s:
            out.append((s, m.end()))
        s = m.end()
    if s < end:
        out.append((s, end))
    return out


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, s = [], start
    for m in _CLAUSE_SEP.finditer(text, start, end):
        out.append((s, m.start()))
        s = m.end()
    out.append((s, end))
    return out


def _clause_index(sent: _Sent, pos: int) -> int:
    for i, (cs, ce) in enumerate(sent.clauses):
        if pos < ce or i == len(sent.clauses) - 1:
            if pos >= cs or i == 0:
                return i
    return len(sent.clauses) - 1


# --------------------------------------------------------------------------- per sentence


def _sentence_facts(d: _Doc, sent: _Sent, quantities: list[Quantity]) -> list[Fact]:
    text = d.text
    out: list[Fact] = []
    respectively = _respectively_years(d, sent, quantities)
    prev_end_in_clause: dict[int, int] = {}
    for q in quantities:
        ci = _clause_index(sent, q.start)
        cs, ce = sent.clauses[ci]
        lo = max(cs, prev_end_in_clause.get(ci, cs))
        prev_end_in_clause[ci] = q.end
        if _CONVERSION.search(text, max(cs, q.start - 6), q.start):
            continue  # 8020 亿美元（约合 57130 亿元）: the same value in another currency
        if q.kind == "counter" and not text[q.num_start].isdigit() and q.value < 10:
            continue  # 两家公司, 三位创始人: descriptive small counts written in words
        if q.kind == "duration" and text[max(cs, q.start - 2) : q.start] == "连续":
            continue  # 连续四个月突破 50%: how long a streak lasted, said of another number
        subject_hint = None
        if q.kind == "group":
            subject_hint = next((m for m in sent.mentions if m.end == q.start and m.entity_type in _CITY_TYPES), None)
            if subject_hint is None:
                continue  # 六小龙 without its place is a nickname, not a count
        metric, sign, types, unit = _metric(d, sent, q, ci, lo)
        if unit is None:
            continue
        qualifier = q.qualifier
        if qualifier == "=":
            qualifier = _window_qualifier(text, lo, q.start, qualifier)
        year, period = respectively.get(q.start, (None, None)) if q.start in respectively else _year(d, sent, q.start)
        subject = subject_hint or _subject(d, sent, q, ci, types, metric)
        if subject is not None:
            sent.last_subject = subject
        value = q.value * sign
        base = dict(doc_id=d.doc.doc_id, sentence=text[sent.start : sent.end].strip(), metric=metric, unit=unit,
                    year=year, period=period)
        subj = _subject_fields(subject)
        if q.high is not None:
            low_end = q.low_end or q.num_end
            out.append(Fact(start=q.start, end=low_end, span_text=text[q.start : low_end], value=float(value),
                            qualifier=">=", **base, **subj))
            out.append(Fact(start=q.start, end=q.end, span_text=q.text, value=float(q.high * sign),
                            qualifier="<=", **base, **subj))
        else:
            out.append(Fact(start=q.start, end=q.end, span_text=q.text, value=float(value), qualifier=qualifier,
                            **base, **subj))
    return out


def _subject_fields(m: Mention | None) -> dict:
    if m is None:
        return {}
    return dict(subject_start=m.start, subject_end=m.end, subject_text=m.text, subject_type=m.entity_type)


def _window_qualifier(text: str, lo: int, hi: int, default: str) -> str:
    words = qualifier_words("window")
    best, best_pos = default, -1
    for w, q in words.items():
        p = text.rfind(w, lo, hi)
        if p > best_pos:
            best, best_pos = q, p
    return best


# --------------------------------------------------------------------------- metric


def _metric(d: _Doc, sent: _Sent, q: Quantity, ci: int, lo: int):
    """(metric, sign, preferred subject types, unit) for ``q``; unit None to drop it."""
    text = d.text
    cs, ce = sent.clauses[ci]
    unit = q.unit
    np_lo = max([cs] + [m.end for m in sent.mentions if cs <= m.end <= q.start])
    if q.kind == "group":
        return text[q.num_start : q.end] + "数量", 1, (), "家"
    if q.kind == "rank":
        return _rank_metric(text, sent, q, cs, ce, np_lo)
    if q.kind == "age":
        return "年龄", 1, ("person",), unit
    before = mn.cues_in(text, cs, q.start)
    near = [h for h in before if h.start >= lo] or before
    after = [h for h in mn.cues_in(text, q.end, min(ce, q.end + 8)) if re.fullmatch(r"\s?的?\s?", text[q.end : h.start])]
    share_m = _SHARE_OF.search(text, lo, q.start)
    metric, sign, types, money = None, 1, (), False
    if after and after[0].cue.kind == "share":
        c = after[0].cue  # 22.2% 的市场份额, 92.1% 的股份
        metric, types = c.metric, c.subject_types
    elif share_m and q.kind == "percent":
        owner = mn.noun_before(text, share_m.start(), np_lo)
        metric = (owner or share_m.group(1).strip()) + "占比"  # 约占全国总产量的三分之一
    elif near:
        hit = near[-1]
        c = hit.cue
        money = c.money
        to_level = c.kind == "change" and re.match(r"\s*了?\s*(?:到|至)", text[hit.end : q.start])
        level = [h for h in before if h.end <= hit.start and h.cue.kind == "level"]
        if level:
            lc = level[-1].cue
            prefix = lc.metric if lc.sign > 0 else lc.cue  # 净亏损同比收窄 -> 净亏损同比增长
            types, money = lc.subject_types, money or lc.money
        else:
            prefix = None
        if to_level:  # 上涨到了 81.9 万元: the level after the change
            metric = prefix or sent.last_level
        elif c.kind == "decline":
            metric = (prefix or mn.noun_before(text, hit.start, np_lo)) + c.metric  # 成本降低了一半 -> 成本降幅
        elif c.kind == "share" and c.metric == "占比":
            metric = (prefix or mn.noun_before(text, hit.start, np_lo)) + "占比"
        elif c.kind == "share":
            metric = c.metric
        elif c.kind == "change":
            if prefix is None and sent.last_level and hit.start - cs < 6:
                prefix = sent.last_level  # 营业收入 5022.5 亿元，同比增长 18.9% -> 营收同比增长
            metric, sign = (prefix or "") + c.metric, c.sign
        else:
            metric, sign = c.metric, c.sign
            if c.kind == "level":
                sent.last_level = c.metric if c.sign > 0 else c.cue
                sent.last_level_cue = c
                if q.kind == "percent" and c.money:
                    metric += "占比"  # 私募资金70%投向...: a part of an amount
        types = types or c.subject_types
    elif after:
        c = after[0].cue
        metric, sign, types, money = c.metric, c.sign, c.subject_types, c.money
    elif q.kind in ("currency", "bare") and sent.last_level_cue is not None and sent.last_level_cue.money:
        c = sent.last_level_cue  # 市值方面，……，特斯拉高达 8020 亿美元
        metric, sign, types, money = c.metric, c.sign, c.subject_types, True
    if not metric:
        metric = _fallback_metric(text, q, np_lo, ce)
    if q.kind == "bare":
        money = money or bool(_MONEY_WORDS.search(text, cs, min(ce, q.end + 3)))
        unit = "元" if money else "个"
    return metric, sign, types, unit


def _fallback_metric(text: str, q: Quantity, cs: int, ce: int) -> str:
    if q.kind in ("counter", "measure", "bare"):
        noun = mn.noun_after(text, q.end, ce)
        if noun:
            return noun + "数量"
    if q.kind == "percent":
        noun = mn.noun_after(text, q.end, ce) if text[q.end : q.end + 2].strip().startswith("的") else ""
        scope = mn.noun_before(text, q.start, cs)
        if noun:
            return scope + noun + "占比"
        if scope:
            return scope + "比例"
    noun = mn.noun_before(text, q.start, cs)
    return noun + _KIND_DEFAULT.get(q.kind, "数值") if noun else _KIND_DEFAULT.get(q.kind, "数值")


def _rank_metric(text: str, sent: _Sent, q: Quantity, cs: int, ce: int, np_lo: int):
    scope = text[q.start : q.num_start].strip()
    tail = text[q.num_end : q.end]
    noun_suffix = _RANK_NOUN.get(tail[-1:], "") if tail else ""
    types: tuple[str, ...] = ()
    if noun_suffix == "城市":
        types = ("city",)
    elif noun_suffix == "省份":
        types = ("province",)
    after = ""
    if not noun_suffix:
        m = _RANK_NEXT_OTHER.match(text, q.end, ce)
        pos = m.end() if m else q.end
        if text[q.num_end : q.num_end + 1] == "大":
            pos = q.num_end + 1
            ch = text[pos : pos + 1]
            noun_suffix = _RANK_NOUN.get(ch, "")
            types = ("province",) if ch == "省" else ("city",) if ch in "城市" else ("country",) if ch == "国" else ()
        if not noun_suffix:
            after = mn.noun_after(text, pos, ce)
    level = [h for h in mn.cues_in(text, cs, q.start) if h.cue.kind == "level"]
    before = ""
    if level:
        before = level[-1].cue.metric
        types = types or level[-1].cue.subject_types
    elif noun_suffix:
        p = q.start - 1 if text[q.start - 1 : q.start] == "的" else q.start
        before = mn.noun_before(text, p, np_lo)
    if any(w in after for w in ("商", "企", "公司", "品牌", "厂")):
        types = types or ("firm",)
    return scope + before + after + noun_suffix + "排名", 1, types, "rank"


# --------------------------------------------------------------------------- year


def _year(d: _Doc, sent: _Sent, pos: int) -> tuple[int | None, str | None]:
    best_date = None
    for dt in d.dates:
        if dt.start >= pos:
            break
        if dt.start >= sent.start and dt.year is not None and dt.start not in d.consumed:
            best_date = dt
    best_rel = None
    for r in d.relatives:
        if r.start >= pos:
            break
        if r.start >= sent.start:
            best_rel = r
    year = None
    anchor = sent.start
    if best_date is not None and (best_rel is None or best_date.start > best_rel.start):
        year, anchor = best_date.year, best_date.start
    elif best_rel is not None:
        anchor = best_rel.start
        if best_rel.kind == "carried":
            prev = [dt for dt in d.dates if dt.start < best_rel.start and dt.year is not None]
            year = prev[-1].year if prev else None
        elif d.doc.published_at is not None:
            year = d.doc.published_at.year + best_rel.offset
    period = None
    for p in d.periods:
        if p.start >= pos:
            break
        if p.start >= max(anchor, sent.start):
            period = p.period
            if year is None and p.target_year:
                year = p.target_year
    return year, period


def _respectively_years(d: _Doc, sent: _Sent, quantities: list[Quantity]) -> dict[int, tuple[int | None, str | None]]:
    """分别 lists: 2022 全年、2023 全年、2024 年前九个月 ... 分别为 A、B 和 C -> pair years and values in order."""
    text = d.text
    out: dict[int, tuple] = {}
    years = [dt for dt in d.dates if sent.start <= dt.start < sent.end and dt.year is not None]
    if len(years) < 2:
        return out
    for ci, (cs, ce) in enumerate(sent.clauses):
        if "分别" not in text[cs:ce]:
            continue
        qs = [q for q in quantities if cs <= q.start < ce and q.high is None]
        prior = [dt for dt in years if dt.start < cs]
        if len(qs) < 2 or len(prior) < len(qs):
            continue
        chosen = prior[-len(qs):]
        for q, dt in zip(qs, chosen):
            per = next((p.period for p in d.periods if dt.end <= p.start <= dt.end + 2), None)
            out[q.start] = (dt.year, per)
    return out


# --------------------------------------------------------------------------- subject


def _subject(d: _Doc, sent: _Sent, q: Quantity, ci: int, types: tuple[str, ...], metric: str) -> Mention | None:
    text = d.text
    cs, _ = sent.clauses[ci]
    if text[cs : cs + 2] == "其中" and sent.last_subject is not None:
        own = [m for m in sent.mentions if cs <= m.start and m.end <= q.start]
        if not own:
            return sent.last_subject
    best, best_score = None, -1e9
    penalised_end = -10
    for m in sent.mentions:
        if m.start < q.end and q.start < m.end:
            continue
        mci = _clause_index(sent, m.start)
        if m.end <= q.start:
            if mci == ci:
                score = 10.0 - min(3.0, (q.start - m.end) / 15)
            else:
                score = 8.0 - 1.5 * (ci - mci) - min(1.0, (q.start - m.end) / 40)
        elif mci == ci:
            score = 3.0 - min(2.0, (m.start - q.end) / 10)
        else:
            continue
        pen = bool(_OBJECT_BEFORE.search(text, max(sent.start, m.start - 8), m.start))
        if not pen and (m.start == penalised_end or (m.start - penalised_end == 1 and text[m.start - 1] in "、和与及")):
            pen = True  # 仅次于北上深: the whole list is the object
        if _APPOSITION.search(text, max(sent.start, m.start - 24), m.start) and "的" in text[m.end : m.end + 6]:
            pen = True  # 作为Deepseek母公司的幻方量化: the subject is after 的
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
    if prev is not None and (not types or prev.entity_type in types) and not any(m.end <= q.start for m in sent.mentions):
        return prev
    return None


# --------------------------------------------------------------------------- founding years


def _founding_facts(d: _Doc, ss: int, se: int) -> list[Fact]:
    text = d.text
    out = []
    for dt in d.dates:
        if dt.start < ss or dt.year is None or dt.month is not None:
            continue
        if dt.start >= se:
            break
        subject = None
        pre = text[max(ss, dt.start - 6) : dt.start]
        if re.search(_FOUND_VERB + r"(?:于|在)\s*$", pre):
            # 成立于2009年的阿里云 (attribute: the year is not carried on) / 阿里云成立于2009年
            if text[dt.end : dt.end + 1] == "的":
                subject = _org_near(d, dt.end + 1, dt.end + 2, after=True)
                if subject is not None:
                    d.consumed.add(dt.start)
            if subject is None:
                subject = _org_near(d, max(ss, dt.start - 24), dt.start, after=False)
        else:
            seg_end = min(se, dt.end + 30)
            m = _FOUND_RE.search(text, dt.end, seg_end)
            if m is None:
                continue
            between = text[dt.end : m.start()]
            if len(re.split(r"[，,]", between)) > 2:
                continue
            # 1999年,阿里巴巴在杭州成立 (subject before the verb) / 2017年开始成立之江实验室 (after)
            subject = _org_near(d, dt.end, m.start(), after=False) or _org_near(d, m.end(), m.end() + 3, after=True)
        if subject is None:
            continue
        out.append(Fact(doc_id=d.doc.doc_id, start=dt.start, end=dt.end, span_text=dt.text,
                        sentence=text[ss:se].strip(), metric="成立年份", value=float(dt.year), unit="year",
                        qualifier="=", year=dt.year, **_subject_fields(subject)))
    return out


def _org_near(d: _Doc, lo: int, hi: int, after: bool) -> Mention | None:
    """The firm or organisation mention starting in [lo, hi) (after) or lying in [lo, hi) (before; first one)."""
    text = d.text
    cands = [m for m in d.mentions if m.entity_type in ("firm", "org")]
    if after:
        return next((m for m in cands if lo <= m.start < hi), None)
    inside = [m for m in cands if lo <= m.start and m.end <= hi and not _OBJECT_BEFORE.search(text, max(lo, m.start - 3), m.start)]
    return inside[0] if inside else None


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen, out = set(), []
    for f in facts:
        key = (f.metric, f.value, f.unit, f.qualifier, f.year, f.subject_text, f.subject_type)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
