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
- **value and sign**: the reader's exact value, as float, signed by one convention
  (``DATASET.md``): a cue that states the negative of its metric makes it negative
  (亏损 5 亿元 -> 净利润 -5e8; 同比下降 3% -> 同比增长 -0.03), and so does a fall written
  as such, under the neutral name of the change (跌幅超过10% -> 涨幅 < -0.1; 成本降低了一半
  -> 成本增幅 -0.5; 减少394亿元 -> 变化额 -3.94e10): the direction is never in the name, and
  a qualifier of a negated value is mirrored (> becomes <).
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
  last year as target (十四五 -> 2025). A year written in an earlier clause is
  dropped (None) once the sentence has moved on to another subject.
  **Paragraph carry**: a sentence with no year of its own takes the last explicit
  year of its paragraph (a line), with that sentence's period unless it names its
  own (2024年第三季度，比亚迪营收2011.25亿元。净利润252.4亿元 -> both 2024 第三季度).
  Conservatively: the carry stops at a paragraph break, never enters a sentence
  that names a year or a relative year (去年, 今年, 如今, 当年 ... anywhere in it)
  or moves the time on (第三年, 三年里, 多年来, 此后, 后来, 从业26年), and such a sentence
  also ends it; a founding year is never carried, nor is any year to a duration
  or into quoted speech (「北京金融街 1700 米的路上……」).
- **what is not a fact**: conversions (约合 1794 亿元), numbers inside names
  (三只松鼠), small counts written in words (两家公司), time frames
  (连续四个月, 四年内), group nicknames without their place (六小龙).
- **subject**: the best-scoring mention of the sentence (``subjects``): same
  clause before the number first, then earlier clauses (其中, possessives
  杭州的私募资金 and apposition 作为X的Y -> Y fall out of this), objects of
  comparisons and locations (仅次于北上深, 领先Meta, 在杭州) are penalised, and
  types that fit the metric (a ranking of cities -> city; 营收 -> firm) are preferred.
  Types come from the cue (``metric_vocabulary.csv``), else from the metric name
  (``metric_subject_types.csv``: 月份生产数量 -> firm ...). A person is never the
  subject of an organisational metric when a firm is at hand: the firm of
  蔚来创始人李斌, else the nearest firm before the number in the sentence, else
  (for a carried subject) the last firm of the paragraph; 投资额, 持股比例, 年龄
  keep their person.
- **founding years** (``founding``): 成立于2009年的阿里云, 1999年,阿里巴巴在杭州成立,
  2017年开始成立之江实验室 -> metric 成立年份, unit ``year``, value = year = the year.

Spans: ``Fact.start/end/span_text`` are the quantity as read (qualifier words
written next to it, the number, its unit: 超1.5万亿元, 超过10%, 全球第三); for a
founding year the year expression (1999年). A range (3至5亿元) gives two facts:
the lower bound (qualifier >=, span the lower number) and the upper bound
(qualifier <=, span the whole range); negated (亏损 3至5亿元), the two swap.
Exact duplicates within a document (same subject, metric, value, unit, year,
qualifier: 杭州六小龙 written five times) are kept once.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from pathlib import Path

from pipeline import vocab
from pipeline.nlp import metric_names as mn
from pipeline.nlp import years
from pipeline.nlp.dates import DateSpan, year_of_month
from pipeline.nlp.fact_context import DocContext, Sentence, clause_index, clauses, in_range, sentences, subject_fields
from pipeline.nlp.founding import founding_facts
from pipeline.nlp.indicators import indicator_for
from pipeline.nlp.numbers import Quantity, implied_unit, is_exact_repeat, qualifier_words, read_quantities
from pipeline.nlp.subjects import choose_subject, distributive_at
from pipeline.records import Document, Fact, Mention, Token

_CONVERSION = re.compile(r"(?:约合|折合|合)(?:人民币)?\s*$")
_MONEY_WORDS = re.compile("|".join(re.escape(w) for w in sorted(
    vocab.word_lines(Path(__file__).resolve().parent.parent / "data" / "metrics" / "money_words.txt"), key=len, reverse=True)))
# 万亿工业时代, 千亿级产业, 步入千亿的不锈钢新材料产业: a magnitude naming an industry's level is its output value
_INDUSTRY_LEVEL = re.compile(r"\s*(?:元)?\s*(?:级)?\s*[”」\"]?\s*的?[\u4e00-\u9fff]{0,8}?(?:产业|工业)")
_PEOPLE_WORDS = re.compile(r"(?:人口|人数|员工|用户|游客|人才|就业)")
# 门槛, 入选标准: a threshold set for others, not a value of the subject
_THRESHOLD_BEFORE = re.compile(r"(?:门槛|准入线|入围线|起征点|标准线)")
# 7年净流出164万, 近 6 年第二高: a duration that frames the number or rank right after it
_FRAME_AFTER = re.compile(r"\s*(?:来|以来|中|第|最|累计|共|间|平均|年均)")
# 这3亿美元, 上述 500 亿元: a number pointed back to, already stated
_RESTATED_BEFORE = re.compile(r"(?:这|该|上述|这笔|此|前述)\s*$")
_SHARE_OF = re.compile(r"占(?!比)(?:据|到|了)?\s*([^，,。；;]{0,14}?)\s*的?\s*$")
_CUE_AFTER = re.compile(r"\s?的?\s?(?:(?:Pre-?)?[A-H]\+{0,2}\s?)?[\u4e00-\u9fff]{0,3}?")  # 22.2% 的市场份额, 3%的最低税率, 1500 万美元的 A 轮融资
_PER_SHARE = re.compile(r"\s?(?:/|每)股")
_TO_LEVEL = re.compile(r"\s*了?\s*(?:到|至)")
_TOPIC = re.compile(r"(?:方面|来看|而言|上看)\s*$")
_TOPIC_CLAUSE = re.compile(r"(?:^|在|从|就)([\u4e00-\u9fffA-Za-z]{2,8}?)(?:方面|来看|而言)\s*[，,]")
_CONTINUES = re.compile(r"\s*(?:分别|均|共|合计|总计|达到?|为)")
_RANK_NOUN = {"城": "城市", "省": "省份", "国": "国家", "市": "城市"}
_RANK_NEXT_OTHER = re.compile(r"(?:\s*[、和与及]\s*[^，,。；;、]{0,4}?第[一二三四五六七八九十\d]+)*\s*的?\s*")
_KIND_DEFAULT = {
    "currency": "金额", "percent": "比例", "points": "变化", "multiple": "倍数", "duration": "时长",
    "age": "年龄", "measure": "数量", "counter": "数量", "rank": "排名", "bare": "数量",
}
_CITY_TYPES = ("city", "province", "country")
_MEASURE_NAME = {"亩": "面积", "公顷": "面积", "平方米": "面积", "平方公里": "面积", "吨": "重量", "千克": "重量",
                 "克": "重量", "公里": "长度", "米": "长度", "千瓦时": "电量", "立方米": "体积", "升": "体积"}


def extract_facts(doc: Document, tokens: list[Token], mentions: list[Mention]) -> list[Fact]:
    """The numeric facts of ``doc`` (see the module docstring)."""
    text = doc.text
    regions = [(b.start, b.end) for b in doc.prose_blocks()] if doc.blocks else [(0, len(text))]
    d = DocContext.build(doc, tokens, mentions)
    facts: list[Fact] = []
    section = _section_years(doc, d)
    for rs, re_ in regions:
        if in_range(d, "mentions", d.para_start, rs):
            d.para_topic = _block_topic(d, d.para_start, rs)
        d.para_start = rs
        d.prev_subject, d.carried, d.prev_org, d.prev_place, d.para_timed = None, None, None, {}, False
        if rs in section:
            d.carried, d.para_timed = section[rs], True  # ## 2024年上半年: the heading's year dates its section
        quantities = [q for q in read_quantities(text[rs:re_])]
        qi = 0
        for ss, se in sentences(text, rs, re_):
            sent_q = []
            while qi < len(quantities) and quantities[qi].start + rs < se:
                if quantities[qi].start + rs >= ss:
                    sent_q.append(_shift(quantities[qi], rs))
                qi += 1
            founding = founding_facts(d, ss, se)
            if not sent_q and not founding:
                # 比亚迪的高端化战略已经初见成效。今年前 9 个月，其高端品牌...: the topic carries on
                d.prev_subject = _sentence_topic(d, ss, se) or d.prev_subject
                d.prev_group = []
                _carry(d, ss, se, set())
                d.prev_org = _last_org(d, ss, se) or d.prev_org
                _note_places(d, ss, se)
                continue
            sent = Sentence(ss, se, clauses(text, ss, se), [m for m in in_range(d, "mentions", ss, se) if m.end <= se])
            for f in founding:
                f.subject_method = "explicit" if f.subject_text else "none"
            facts.extend(founding)
            facts.extend(_sentence_facts(d, sent, sent_q))
            d.prev_subject = _topic(sent) or d.prev_subject
            d.prev_group = sent.group
            _carry(d, ss, se, {f.start for f in founding})
            d.prev_org = _last_org(d, ss, se) or d.prev_org
            _note_places(d, ss, se)
    return _drop_restatements(_dedupe(facts))


def _block_topic(d: DocContext, start: int, end: int) -> Mention | None:
    """The topic a block kept from its first sentence to its last (the subject of both), a firm, a
    body or a place; None when it moved on (its last topic is an investor, a person, another firm)."""
    first = last = None
    for ss, se in sentences(d.text, start, end):
        t = _sentence_topic(d, ss, se)
        if t is not None:
            first = first or t
            last = t
    if first is None or last is None or first.entity_type == "person":
        return None
    same = (first.canonical or first.text) == (last.canonical or last.text)
    return last if same and d.prev_subject is not None and \
        (d.prev_subject.canonical or d.prev_subject.text) == (last.canonical or last.text) else None


def _section_years(doc: Document, d: DocContext) -> dict[int, tuple[int, str | None]]:
    """Start of each body block -> (year, period) of the heading of its section, where that heading
    names a year (2024年回顾, 2023 年上半年, 今年以来 in a dated document); a heading without a year
    ends the section's year. The title is not a section heading."""
    out: dict[int, tuple[int, str | None]] = {}
    current = None
    for b in doc.blocks:
        if b.kind == "heading":
            current = _heading_year(d, b.start, b.end)
        elif b.kind == "body" and current is not None:
            out[b.start] = current
    return out


def _heading_year(d: DocContext, start: int, end: int) -> tuple[int, str | None] | None:
    dated = [dt for dt in in_range(d, "dates", start, end) if dt.year is not None]
    periods = in_range(d, "periods", start, end)
    period = periods[-1].period if periods else None
    if dated:
        return dated[-1].year, period or _date_period(dated[-1])
    rel = [r for r in in_range(d, "relatives", start, end) if r.offset is not None]
    if rel and d.doc_date is not None:
        return d.doc_date.year + rel[-1].offset, period
    return None


def _topic(sent: Sentence) -> Mention | None:
    """What the next sentence may go on about: the subject most of this sentence's facts are about
    (the first of equals), not the object of a comparison named last."""
    if not sent.subjects:
        return None
    keys = [m.canonical or m.text for m in sent.subjects]
    best = max(keys, key=lambda k: (keys.count(k), -keys.index(k)))
    return sent.subjects[keys.index(best)]


_NOT_TOPIC_BEFORE = re.compile(r"(?:在|于|由|向|与|和|及|对|从|据|根据|比|给|为)\s*$")


def _sentence_topic(d: DocContext, ss: int, se: int) -> Mention | None:
    """The topic of a sentence without numbers: its first name that is not after a preposition
    (在霞浦县, 由宁德时代和一汽集团) nor a modifier of the next name (宁德时代的), countries aside."""
    ms = [m for m in in_range(d, "mentions", ss, se) if m.entity_type != "country"]
    for i, m in enumerate(ms):
        if _NOT_TOPIC_BEFORE.search(d.text, max(ss, m.start - 3), m.start):
            continue
        if i + 1 < len(ms) and d.text[m.end : ms[i + 1].start].strip() in ("", "的"):
            continue
        return m
    return ms[0] if ms else None


def _note_places(d: DocContext, ss: int, se: int) -> None:
    for m in in_range(d, "mentions", ss, se):
        if m.entity_type in ("city", "province", "person"):
            d.prev_place[m.entity_type] = m  # the last place or person named, for 全市 / 他


def _shift(q: Quantity, off: int) -> Quantity:
    if not off:
        return q
    return Quantity(q.start + off, q.end + off, q.text, q.value, q.unit, q.kind, q.qualifier, q.num_start + off,
                    q.num_end + off, q.high, None if q.low_end is None else q.low_end + off)


# --------------------------------------------------------------------------- per sentence


def _sentence_facts(d: DocContext, sent: Sentence, quantities: list[Quantity]) -> list[Fact]:
    text = d.text
    out: list[Fact] = []
    respectively = _respectively_years(d, sent, quantities)
    paired = _respectively_subjects(d, sent, quantities)
    prev_end_in_clause: dict[int, int] = {}
    year_subject: dict[int, str | None] = {}  # start of a year expression -> subject of its first fact
    carried = d.carried
    sent_timed = _names_year(d, sent.start, sent.end)
    if sent_timed or any(q.kind == "duration" and q.unit == "年" for q in quantities):
        carried = None  # 从业26年，...: the sentence has a time of its own
    for q in quantities:
        ci = clause_index(sent, q.start)
        cs, ce = sent.clauses[ci]
        lo = max(cs, prev_end_in_clause.get(ci, cs))
        prev_end_in_clause[ci] = q.end
        if _not_a_fact(d, q, cs, ce, quantities):
            continue
        subject_hint = None
        if q.kind == "group":
            subject_hint = next((m for m in sent.mentions if m.end == q.start and m.entity_type in _CITY_TYPES), None)
            if subject_hint is None:
                continue  # 六小龙 without its place is a nickname, not a count
        metric, sign, types, unit = _metric(d, sent, q, ci, lo)
        if unit is None:
            continue
        types = types or mn.subject_types_for(metric)  # 月份生产数量 -> a firm's, not a person's
        qualifier = q.qualifier
        if qualifier == "=":
            qualifier = _window_qualifier(text, lo, q.start, qualifier)
        if subject_hint is not None:
            subject, method = subject_hint, "explicit"
        elif q.start in paired:
            subject, method = paired[q.start], "distributed"
        else:
            subject, method = choose_subject(d, sent, q, ci, types, metric)
        shared = _shared_by_list(d, sent, subject, q) if method == "explicit" else []
        if method == "group":  # A、B、C 5座城市，排名前五: one fact about the group the count enumerated
            method, sent.group = "distributed", list(sent.counted)
        if shared:
            method = "distributed"
        if method == "explicit" and d.salience is not None:
            d.salience.credit(subject)
        if q.start in respectively:
            year, period = respectively[q.start]
        else:
            year, period, anchor = _year(d, sent, q.start)
            if anchor is not None and clause_index(sent, anchor) < ci and not years.is_topic_year(text, sent.start, anchor):
                # A year stated in an earlier clause dates the numbers of its subject; when the
                # sentence has moved on to another subject, the year is left empty rather than guessed.
                key = subject.canonical or subject.text if subject is not None else None
                first = year_subject.setdefault(anchor, key)
                if first != key and method != "distributed":  # A、B、C 在2023年 ... 分别为: one list, one year
                    year, period = None, None
            elif year is None and anchor is None and carried is not None and q.kind != "duration" \
                    and not _in_quote(text, sent.start, q.start):
                year, period = carried[0], period or carried[1]  # stated earlier in the paragraph
            elif year is None and anchor is None and not d.para_timed and d.doc_date is not None \
                    and q.kind != "duration" and not sent_timed \
                    and not _in_quote(text, sent.start, q.start):
                year = d.doc_date.year  # a paragraph with no time of its own speaks of the document's present
            if year is None and anchor is None and q.kind not in years.UNDATED_KINDS:
                year = _fallback_year(d, sent, q, period)  # a year later in the clause; 上半年 of the document's year
            if q.kind not in years.UNDATED_KINDS:
                year = years.horizon_year(text, sent.start, q.start, year, d.doc_date)  # 计划在 5 年内投入: the plan's last year
        if subject is not None:
            sent.last_subject, sent.last_fact_end, sent.last_method = subject, q.end, method
            sent.subjects.append(subject)
        value = q.value * sign
        if sign < 0:
            qualifier = _FLIP.get(qualifier, qualifier)  # 跌幅超过10% -> 涨幅 < -0.1
        base = dict(doc_id=d.doc.doc_id, sentence=text[sent.start : sent.end].strip(), metric=metric, unit=unit,
                    year=year, period=period, subject_method=method)
        for other in shared[1:]:
            # A、B、C的增速均超过10%: one fact per member of the list (the first is the fact below)
            out.append(Fact(start=q.start, end=q.end, span_text=q.text, value=float(value), qualifier=qualifier,
                            id_key=f"{metric}#{other.canonical or other.text}", **base, **subject_fields(other)))
        if shared:
            subject = shared[0]
        subj = subject_fields(subject)
        if q.high is not None:
            # the lower bound's fact spans the lower number, the upper bound's the whole range;
            # a negated range (亏损 3至5亿元: -5e8 to -3e8) swaps which one is the minimum
            low_end = q.low_end or q.num_end
            lo_q, hi_q = (">=", "<=") if sign > 0 else ("<=", ">=")
            out.append(Fact(start=q.start, end=low_end, span_text=text[q.start : low_end], value=float(value),
                            qualifier=lo_q, **base, **subj))
            out.append(Fact(start=q.start, end=q.end, span_text=q.text, value=float(q.high * sign),
                            qualifier=hi_q, **base, **subj))
        else:
            out.append(Fact(start=q.start, end=q.end, span_text=q.text, value=float(value), qualifier=qualifier,
                            **base, **subj))
    return out


def _not_a_fact(d: DocContext, q: Quantity, cs: int, ce: int, quantities: list[Quantity]) -> bool:
    """Whether the quantity ``q`` (in the clause text[cs:ce]) is no fact of its own (see the module
    doc, *what is not a fact*); a quantity kept is noted in ``d.stated`` for later restatements."""
    text, stated = d.text, d.stated
    if _CONVERSION.search(text, max(cs, q.start - 6), q.start):
        return True  # 8020 亿美元（约合 57130 亿元）: the same value in another currency
    if any(m.end > q.num_start for m in in_range(d, "mentions", max(0, q.num_start - 12), q.num_end)):
        return True  # 三只松鼠, 六个核桃: a number inside a name
    if q.kind == "counter" and not text[q.num_start].isdigit() and q.value < 10:
        return True  # 两家公司, 三位创始人: descriptive small counts written in words
    if q.kind == "duration" and _time_frame(text, q, ce, quantities):
        return True  # 连续四个月突破 50%, 四年内增长了五倍: the time frame of another number
    if _THRESHOLD_BEFORE.search(text, cs, q.start) or _class_bound(text, q):
        return True  # 入选门槛为营收10亿元; 20 万元以上纯电轿车: a threshold or a class, not a fact about the subject
    if q.kind == "rank" and text[q.num_end : q.end].endswith("强") and re.match(r"\s*(?:城市)?\s*(?:中|里|之中|榜单中)", text[q.end : q.end + 6]):
        return True  # 在百强城市中: the ranking named as a group, not a rank of the subject
    if _RESTATED_BEFORE.search(text, max(cs, q.start - 3), q.start) and (q.value, q.unit) in stated:
        return True  # 这 3 亿美元将用于……: a restatement of a number already given
    if is_exact_repeat(q, stated) or _restated_count(d, q, cs) or _restated_duration(d, q, cs):
        return True  # 在428家科创板上市公司中; 15个副省级城市 named again; 每过 8 个月: the figure given before, named again
    stated.add((q.value, q.unit))
    return False


# 20 万元以上纯电轿车, 10亿元以上项目: an amount bounding a class of things named right after it
_CLASS_BOUND_AFTER = re.compile(r"\s*(?![的之和与及或，,。；;、])[\u4e00-\u9fff]")


def _class_bound(text: str, q: Quantity) -> bool:
    """An amount with 以上/以下 that qualifies the noun right after it (20 万以上中国纯电品牌,
    20 万元以上纯电轿车的销售冠军): a price class, not a value (定价在 30 万以上的车型 is one;
    推出 25 款以上全新产品 counts things, also one)."""
    if q.kind not in ("currency", "bare") or not q.text.endswith(("以上", "以下")):
        return False
    return bool(_CLASS_BOUND_AFTER.match(text, q.end))


_COUNTED_NOUN = re.compile(r"\s*([\u4e00-\u9fff]{2,5})")


def _restated_count(d: DocContext, q: Quantity, cs: int) -> bool:
    """A count naming the same group again (15个副省级城市 ... 15个副省级城市中 ...): the same exact
    count of the same noun (the next 2-5 characters) already given in the document, with no name
    before it in its clause (小米有100家门店。华为有100家门店。 are two facts)."""
    if q.kind != "counter" or q.qualifier != "=" or q.high is not None:
        return False
    if in_range(d, "mentions", cs, q.start):
        return False
    m = _COUNTED_NOUN.match(d.text, q.end)
    if m is None:
        return False
    key = ("count-noun", q.value, q.unit, m.group(1)[:4])
    if key in d.stated:
        return True
    d.stated.add(key)
    return False


_PERIODIC_BEFORE = re.compile(r"每(?:过|隔)?\s*$")


def _restated_duration(d: DocContext, q: Quantity, cs: int) -> bool:
    """The same period again in its paragraph (平均每 8 个月提升一倍。即……每过 8 个月……): a period
    (after 每) restated, not a second fact."""
    if q.kind != "duration":
        return False
    key = ("duration", d.text.rfind("\n", 0, q.start), q.value, q.unit)
    if key not in d.stated:
        d.stated.add(key)
        return False
    if in_range(d, "mentions", cs, q.start):
        return False  # 蔚来用了3年，小米也用了3年: another subject's duration
    return bool(_PERIODIC_BEFORE.search(d.text, max(cs, q.start - 3), q.start))  # not 默哀3分钟，鸣笛3分钟


_PLURAL_PRONOUN = re.compile(r"它们|他们|两者|二者|两地|两市|两家|双方|三者|三家")
_LIST_SEP = re.compile(r"\s*(?:、|，|,|和|与|及|以及|、以及|还有)\s*")
_SHARED = re.compile(r"(?:均|都|皆|各自|全部|同样)")


def coordinated(d: DocContext, sent: Sentence, m: Mention) -> list[Mention]:
    """The list of same-type names ``m`` belongs to (A、B和C), in text order; [m] when alone."""
    ms = [x for x in sent.mentions if x.entity_type == m.entity_type]
    try:
        i = ms.index(m)
    except ValueError:
        return [m]
    lo = hi = i
    while lo > 0 and ms[lo - 1].end <= ms[lo].start and _LIST_SEP.fullmatch(d.text, ms[lo - 1].end, ms[lo].start) \
            and "，" not in d.text[ms[lo - 1].end : ms[lo].start]:
        lo -= 1
    while hi + 1 < len(ms) and ms[hi].end <= ms[hi + 1].start and _LIST_SEP.fullmatch(d.text, ms[hi].end, ms[hi + 1].start) \
            and "，" not in d.text[ms[hi].end : ms[hi + 1].start]:
        hi += 1
    return ms[lo : hi + 1]


def _shared_by_list(d: DocContext, sent: Sentence, subject: Mention | None, q: Quantity) -> list[Mention]:
    """A、B、C的增速均超过10%: the members of the list that share the number (均/都 between the
    list and the number), else []."""
    if subject is None or subject.end > q.start:
        return []
    group = coordinated(d, sent, subject)
    if len(group) < 2 or not _SHARED.search(d.text, group[-1].end, q.start):
        return []
    if any(c in d.text[group[-1].end : q.start] for c in "。；;"):
        return []
    sent.group = group
    return group


def _respectively_subjects(d: DocContext, sent: Sentence, quantities: list[Quantity]) -> dict[int, Mention]:
    """A和B分别为X和Y: the i-th name of the list before 分别 with the i-th number after it."""
    text = d.text
    out: dict[int, Mention] = {}
    _pair_before_names(d, sent, quantities, out)
    pos = distributive_at(text, sent.start, sent.end)  # 分别, 分列 (data/metrics/distributive_words.txt)
    if pos < 0:
        return out
    before = [m for m in sent.mentions if m.end <= pos and m.entity_type != "country"]
    group = coordinated(d, sent, before[-1]) if before else []
    if len(group) < 2 and _PLURAL_PRONOUN.search(text, sent.start, pos):
        group = d.prev_group  # 天津、佛山分别排在第7和第11位。十年后，它们分别排在了第11位和第17位
    if len(group) >= 2:
        sent.group = group
    qs = [q for q in quantities if q.start > pos and q.high is None]
    if len(group) >= 2 and len(qs) >= len(group):
        kinds = {q.kind for q in qs[: len(group)]}
        if len(kinds) == 1:
            for q, m in zip(qs, group):
                out[q.start] = m
    return out


_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


def _time_frame(text: str, q: Quantity, ce: int, quantities: list[Quantity]) -> bool:
    """A duration that is the time frame of another number (连续3年, 四年内, 7年净流出164万, 近 6 年第二高)."""
    if text[max(0, q.start - 2) : q.start] == "连续" or text[q.end : q.end + 1] == "内":
        return True
    if _FRAME_AFTER.match(text, q.end):
        return True
    nxt = next((o for o in quantities if o.start >= q.end), None)
    return nxt is not None and nxt.start < ce and nxt.start - q.end <= 6 and not re.search(r"[，,、和与及]", text[q.end : nxt.start])


def _pair_before_names(d: DocContext, sent: Sentence, quantities: list[Quantity], out: dict[int, Mention]) -> None:
    """排名第一和第二的贵阳和合肥: numbers listed before 的 and a list of as many names pair in order."""
    text = d.text
    run: list[Quantity] = []
    for q in quantities:
        if run and _LIST_BETWEEN.fullmatch(text, run[-1].end, q.start):
            run.append(q)
        else:
            run = [q]
        if len(run) < 2 or not text.startswith("的", q.end):
            continue
        first = next((m for m in sent.mentions if m.start == q.end + 1), None)
        if first is None:
            continue
        group = coordinated(d, sent, first)
        if group[0] is first and len(group) == len(run):
            for rq, m in zip(run, group):
                out[rq.start] = m
            sent.group = group


_LIST_BETWEEN = re.compile(r"\s*(?:、|和|与|及)\s*")


def _window_qualifier(text: str, lo: int, hi: int, default: str) -> str:
    words = qualifier_words("window")
    best, best_pos = default, -1
    for w, q in words.items():
        p = text.rfind(w, lo, hi)
        if p > best_pos:
            best, best_pos = q, p
    return best


# --------------------------------------------------------------------------- metric


def _metric(d: DocContext, sent: Sentence, q: Quantity, ci: int, lo: int):
    """(metric, sign, preferred subject types, unit) for ``q``; unit None to drop it."""
    text = d.text
    cs, ce = sent.clauses[ci]
    unit = q.unit
    # the local noun phrase starts after the last name before the number (countries excepted: 中国资本)
    np_lo = max([cs] + [m.end for m in sent.mentions if cs <= m.end <= q.start and m.entity_type != "country"])
    if q.kind == "group":
        return text[q.num_start : q.end] + "数量", 1, (), "家"
    if q.kind == "rank":
        return _rank_metric(d, sent, q, cs, ce, np_lo)
    if q.kind == "age":
        return "年龄", 1, ("person",), unit
    before = mn.cues_in(text, cs, q.start)
    near = [h for h in before if h.start >= lo] or before
    after = [h for h in mn.cues_in(text, q.end, min(ce, q.end + 10))
             if _CUE_AFTER.fullmatch(text, q.end, h.start) and h.cue.kind in ("level", "share")]
    share_m = _SHARE_OF.search(text, lo, q.start)
    metric, sign, types, money = None, 1, (), False
    if after and after[0].cue.kind == "share":
        c = after[0].cue  # 22.2% 的市场份额, 92.1% 的股份
        metric, types = c.metric, c.subject_types
    elif share_m and q.kind == "percent":
        owner = _nb(d, share_m.start(), np_lo)
        metric = (owner or share_m.group(1).strip()) + "占比"  # 约占全国总产量的三分之一
    elif near:
        # 销量占比上升至 4.6%: a change "to" a level names nothing; the cue before it does
        named = [h for h in near if not (h.cue.kind in ("change", "decline") and _TO_LEVEL.match(text, h.end))]
        hit = named[-1] if named else near[-1]
        c = hit.cue
        money = c.money
        to_level = c.kind == "change" and _TO_LEVEL.match(text, hit.end)
        level = [h for h in before if h.end <= hit.start and h.cue.kind == "level"]
        if level:
            lc = level[-1].cue
            prefix = lc.metric if lc.sign > 0 else lc.cue  # 净亏损同比收窄 -> 净亏损同比增长
            types, money = lc.subject_types, money or lc.money
        else:
            prefix = None
        if to_level:  # 上涨到了 81.9 万元: the level after the change
            metric = prefix or sent.last_level
        elif c.kind == "decline" and q.kind not in ("percent", "points", "multiple"):
            # 减少个人垫付394.1亿元 -> 个人垫付变化额 -3.941e10: an amount taken away, named by what it
            # is taken from; the sign, not the name, says it is a fall
            noun = prefix or _na(d, hit.end, q.start) or _nb(d, hit.start, np_lo)
            metric, sign = noun + ("变化额" if q.kind in ("currency", "bare") else "变化量"), c.sign
        elif c.kind == "decline":
            # 成本降低了一半 -> 成本增幅 -0.5; 降低存款准备金率0.5个百分点 -> 存款准备金率增幅 -0.005
            noun = prefix or _na(d, hit.end, q.start) or _noun_after_de(text, q.end) or _nb(d, hit.start, np_lo)
            metric, sign = noun + c.metric, c.sign
        elif c.kind == "share" and c.metric == "占比":
            metric = (prefix or _nb(d, hit.start, np_lo)) + "占比"
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
                if q.kind == "percent" and c.money:
                    metric += "占比"  # 私募资金70%投向...: a part of an amount
        types = types or c.subject_types
    elif after:
        c = after[0].cue
        metric, sign, types, money = c.metric, c.sign, c.subject_types, c.money
    elif q.kind in ("currency", "bare"):
        # 市值方面，……，特斯拉高达 8020 亿美元 / 经营性亏损逐步收窄，分别为 4.02 亿元: the amount
        # continues the money topic of an earlier clause
        earlier = [h for h in mn.cues_in(text, sent.start, cs) if h.cue.kind == "level" and h.cue.money]
        if earlier:
            h = earlier[-1]
            hce = sent.clauses[clause_index(sent, h.start)][1]
            if _TOPIC.search(text, h.end, hce) or (_CONTINUES.match(text, cs) and clause_index(sent, h.start) == ci - 1):
                c = h.cue
                metric, sign, types, money = c.metric, c.sign, c.subject_types, True
    if not metric and q.kind == "percent" and sent.last_pct_metric and text[q.start - 1 : q.start] in ("（", "("):
        metric = sent.last_pct_metric  # 市场份额榜首，紧随其后的是小米（17.2%）、苹果（17.1%）
    if not metric:
        topic = _TOPIC_CLAUSE.search(text, sent.start, cs)
        if topic:
            metric = topic.group(1)  # 在人口出生率方面，……分别为0.5%、0.6%: the clause's topic
    if q.kind == "currency" and _PER_SHARE.match(text, q.end):
        metric, types = "股价", ("firm",)  # 1.19 美元/股
    if not metric:
        metric = _fallback_metric(d, q, np_lo, ce)
    if q.kind == "percent":
        sent.last_pct_metric = metric  # the nearest percentage before (小米（17.2%）) takes its name, however found
    if q.kind == "bare":
        money = money or bool(_MONEY_WORDS.search(text, cs, min(ce, q.end + 3))) or bool(_INDUSTRY_LEVEL.match(text, q.end))
        if not money and q.value >= 10**8:
            money = bool(_MONEY_WORDS.search(text, sent.start, sent.end))  # 破千亿的水平 in a sentence on profits
        implied = None if money else implied_unit(text, cs, q.start, q.end)  # 98.8 万订单 -> 单
        unit = "元" if money else implied or ("人" if _PEOPLE_WORDS.search(metric or "") else "个")
    return metric, sign, types, unit


_DE_NOUN = re.compile(r"\s?的\s?([\u4e00-\u9fff]{2,6})(?=[，,。；;！!？?）)]|$)")


def _noun_after_de(text: str, pos: int) -> str | None:
    """同时降低 30% 的试制成本: the noun after 的 that closes the clause names what fell."""
    m = _DE_NOUN.match(text, pos)
    return m.group(1) if m else None


def _nb(d: DocContext, pos: int, lo: int) -> str:
    """Local noun phrase ending at ``pos`` (jieba words when the tokens were given, else characters)."""
    if d.tokens:
        return mn.tokens_before(d.text, d.tokens, d.token_starts, pos, lo)
    return mn.noun_before(d.text, pos, lo)


def _na(d: DocContext, pos: int, hi: int) -> str:
    if d.tokens:
        return mn.tokens_after(d.text, d.tokens, d.token_starts, pos, hi)
    return mn.noun_after(d.text, pos, hi)


def _fallback_metric(d: DocContext, q: Quantity, lo: int, ce: int) -> str:
    """The local noun phrase: the counted object (179个应用场景 -> 应用场景数量), else the words before."""
    text = d.text
    suffix = _MEASURE_NAME.get(q.unit, "") if q.kind == "measure" else _KIND_DEFAULT.get(q.kind, "数值")
    if q.kind == "counter":
        noun = _na(d, q.end, ce) or _nb(d, q.start, lo)
        return noun + suffix if noun else suffix
    if q.kind in ("bare", "measure"):
        noun = _nb(d, q.start, lo) or _na(d, q.end, ce)
        return noun + (suffix or "数量") if noun else (suffix or "数量")
    if q.kind == "percent":
        noun = _na(d, q.end, ce) if text[q.end : q.end + 2].strip().startswith("的") else ""
        scope = _nb(d, q.start, lo)
        if noun:
            return scope + noun + "占比"  # 全国三分之一的云计算和大数据人才
    noun = _nb(d, q.start, lo)
    return noun + suffix if noun else suffix


def _rank_metric(d: DocContext, sent: Sentence, q: Quantity, cs: int, ce: int, np_lo: int):
    text = d.text
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
            after = _na(d, pos, ce)
    level = [h for h in mn.cues_in(text, cs, q.start) if h.cue.kind == "level"]
    before = ""
    if level:
        before = level[-1].cue.metric
        types = types or level[-1].cue.subject_types
    elif noun_suffix:
        p = q.start - 1 if text[q.start - 1 : q.start] == "的" else q.start
        before = _nb(d, p, np_lo)
    if any(w in after for w in ("商", "企", "公司", "品牌", "厂")):
        types = types or ("firm",)
    return scope + before + after + noun_suffix + "排名", 1, types, "rank"


# --------------------------------------------------------------------------- year


def _year(d: DocContext, sent: Sentence, pos: int) -> tuple[int | None, str | None, int | None]:
    """(year, period, start of the explicit year expression used or None) for a number at ``pos``."""
    best_date, since = None, None
    for dt in in_range(d, "dates", sent.start, pos):
        if dt.start in d.consumed:
            continue
        if years.is_comparison_base(d.text, dt.start, dt.end):
            if dt.year is not None and years.is_base_value(d.text, dt.end, pos):
                best_date = dt  # 比 2022 年的 11.8 万辆: the base's own value, in the base's year
            continue  # 较2022年增加了8.7个百分点: the base of a comparison does not date the number
        if dt.year is not None and years.is_start_point(d.text, dt.start, dt.end, pos):
            since = dt  # 自2016年成立以来，累计融资超过13亿美元: a total up to the present
            continue
        if dt.year is not None:
            best_date = dt
        elif dt.month is not None and (d.carried is not None or d.doc_date is not None):
            # 12 月 10 日，…: a month without a year is in the paragraph's year, else the document's
            year = d.carried[0] if d.carried is not None else year_of_month(d.doc_date, dt.month)
            best_date = DateSpan(dt.start, dt.end, dt.text, year, dt.month, dt.day)
    best_rel = None
    for r in in_range(d, "relatives", sent.start, pos):
        best_rel = r
    year, used, period = None, None, None
    anchor = sent.start
    if best_date is not None and (best_rel is None or best_date.start > best_rel.start):
        year, anchor, used = best_date.year, best_date.start, best_date.start
        period = _date_period(best_date)
    elif best_rel is not None:
        anchor = best_rel.start
        if best_rel.kind == "carried":
            i = bisect_left(d.starts["dates"], best_rel.start) - 1
            while i >= 0 and d.dates[i].year is None:
                i -= 1
            year = d.dates[i].year if i >= 0 else None
        elif d.doc_date is not None:
            year = d.doc_date.year + best_rel.offset  # 今年, 去年, 前年: from the document's date
    for p in in_range(d, "periods", max(anchor, sent.start), pos):
        period = p.period
        if year is None and p.target_year:
            year = p.target_year
    if year is None and since is not None and best_rel is None:
        year = d.doc_date.year if d.doc_date is not None else None
    return year, period, used


def _fallback_year(d: DocContext, sent: Sentence, q: Quantity, period: str | None) -> int | None:
    """For a number the rules above left undated: a year later in its clause, else the year of a
    period named without one (see ``years``)."""
    end = years.clause_end(d.text, q.end, sent.end)
    dates = [dt for dt in in_range(d, "dates", q.end, end) if dt.start not in d.consumed]
    year = years.later_year(d.text, q.end, end, dates, in_range(d, "relatives", q.end, end), d.doc_date)
    if year is None:
        year = years.period_year(d.doc_date, period)
    if year is None and not _names_year(d, sent.start, sent.end) and not _in_quote(d.text, sent.start, q.start) \
            and not years.speaks_of_the_future(d.text, sent.start, sent.end):
        year = years.topic_year(d.dates, d.doc_date, d.consumed)  # a timed paragraph, no time of its own
    return year


def _in_quote(text: str, lo: int, pos: int) -> bool:
    """Whether ``pos`` is inside quoted speech opened in text[lo:pos] (「…」, “…”)."""
    seg = text[lo:pos]
    return seg.count("「") + seg.count("“") > seg.count("」") + seg.count("”")


def _last_org(d: DocContext, ss: int, se: int) -> Mention | None:
    orgs = [m for m in in_range(d, "mentions", ss, se) if m.entity_type in ("firm", "org")]
    return orgs[-1] if orgs else None


def _names_year(d: DocContext, start: int, end: int) -> bool:
    """Whether text[start:end] names a year of its own: an explicit one, a relative word, or
    a phrase that moves the time on (第三年, 三年里, 50多年来, 此后, 后来)."""
    if in_range(d, "relatives", start, end) or _TIME_SHIFT.search(d.text, start, end):
        return True
    return any(dt.year is not None and dt.start not in d.consumed for dt in in_range(d, "dates", start, end))


_TIME_SHIFT = re.compile(r"第[一二三四五六七八九十两\d]+年|[一二三四五六七八九十两几数多\d]年(?:来|里|间|后|前|内|多)"
                         r"|年来|此后|之后|随后|后来|此前|之前|多年|新年")


def _carry(d: DocContext, ss: int, se: int, founding: set[int]) -> None:
    """Update the paragraph's carried (year, period) after the sentence text[ss:se] (see the module doc);
    ``founding``: starts of the sentence's founding years, which are not carried."""
    if in_range(d, "relatives", ss, se) or _TIME_SHIFT.search(d.text, ss, se):
        d.carried = None  # 去年 ..., 此后 ...: what follows is no longer dated by the earlier year
        d.para_timed = True  # the paragraph has a time of its own: the document's date no longer applies
    else:
        years = [dt for dt in in_range(d, "dates", ss, se) if dt.year is not None and dt.start not in d.consumed]
        d.para_timed = d.para_timed or bool(years)
        if years and years[-1].start in founding:
            d.carried = None  # 星河电子成立于2009年。: a founding year dates nothing else
        elif years:
            last = years[-1]
            period = _date_period(last)
            for p in in_range(d, "periods", last.start, se):
                period = p.period
            d.carried = (last.year, period)
        elif d.carried is not None:
            periods = in_range(d, "periods", ss, se)
            if periods:
                d.carried = (d.carried[0], periods[-1].period)
    if d.text[se - 1 : se] == "\n" or "\n" in d.text[se : se + 1]:
        d.carried = None  # a paragraph break
        d.para_timed = False
    return None


def _date_period(dt: DateSpan) -> str | None:
    """全年 / 年度 written with the year (2022 全年) is the whole year; 2025年2月 the month."""
    if dt.text.endswith(("全年", "年度", "财年")):
        return "全年"
    return f"{dt.month}月" if dt.month is not None and dt.day is None else None


def _respectively_years(d: DocContext, sent: Sentence, quantities: list[Quantity]) -> dict[int, tuple[int | None, str | None]]:
    """分别 lists: 2022 全年、2023 全年、2024 年前九个月 ... 分别为 A、B 和 C -> pair years and values in order;
    近三年 / 过去两年 ... 分别为 A、B(、C) -> the years before the present, in order."""
    text = d.text
    out: dict[int, tuple] = {}
    years_ = [dt for dt in in_range(d, "dates", sent.start, sent.end) if dt.year is not None]
    for ci, (cs, ce) in enumerate(sent.clauses):
        if "分别" not in text[cs:ce]:
            continue
        qs = [q for q in quantities if cs <= q.start < ce and q.high is None and q.kind != "duration"]
        if len(qs) < 2:
            continue
        recent = years.recent_years(text, sent.start, qs[0].start, len(qs), d.doc_date.year if d.doc_date else None)
        if recent:  # 近三年研发投入占比分别为 A、B、C: the last three years before the present
            out.update({q.start: (y, None) for q, y in zip(qs, recent)})
            continue
        prior = [dt for dt in years_ if dt.start < qs[0].start]  # 2022 年和 2021 年的增速分别为 A 和 B
        if len(prior) < len(qs) or len(years_) < 2:
            continue
        chosen = prior[-len(qs):]
        for q, dt in zip(qs, chosen):
            per = _date_period(dt) or next((p.period for p in in_range(d, "periods", dt.end, dt.end + 3)), None)
            out[q.start] = (dt.year, per)
    return out


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen, out = set(), []
    for f in facts:
        key = (f.metric, f.value, f.unit, f.qualifier, f.year, f.subject_text, f.subject_type)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _drop_restatements(facts: list[Fact]) -> list[Fact]:
    """The same value of the same indicator and metric name about the same subject, stated again later in the
    document (a title repeated in the body, 一年内卖出了 80 万台 after 销量飙升至 80 万台, 29岁的何晓飞
    in two paragraphs), is one fact: the first is kept. Two years written (2022 and 2023 both
    10%) are two facts; ranks (全国第一 of two different measures), facts without a subject or an
    indicator, and bounds of ranges are never merged."""
    seen: dict[tuple, list] = {}
    out = []
    for f in facts:
        if f.subject_text is None or f.unit == "rank" or f.qualifier in (">=", "<="):
            out.append(f)
            continue
        indicator = indicator_for(f.metric, f.unit)
        key = (f.subject_text, f.value, f.unit, indicator, f.metric)
        years_seen = seen.setdefault(key, []) if indicator is not None else []
        if any(y is None or f.year is None or y == f.year for y in years_seen):
            continue
        years_seen.append(f.year)
        out.append(f)
    return out
