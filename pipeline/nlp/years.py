"""Fallback years for a number that the rules of ``facts`` left undated.

``facts`` dates a number by the nearest year before it in its sentence, a year
carried within the paragraph, or the document's date when the paragraph has no
time of its own. This module adds the cases those rules leave open:

- ``later_year``: the year is written *after* the number in the same clause
  (有175家2021年营业收入同比增长..., 15个副省级城市2021年上半年GDP, 这也是今年...):
  the first explicit year (or 今年/去年 ...) after the number and before the
  clause ends; a comparison base (较2020年, 同比2020年, 自2004年起) never dates.
- ``period_year``: a period named without a year (上半年, 前三季度, 第一季度,
  1-9月) in a dated document is in the document's year, or in the year before
  when the period ends after the document's month (a text of January 2022
  speaking of 前三季度 speaks of 2021).

- ``topic_year``: a number in a paragraph that has a time of its own, in a
  sentence that names none, is in the year the document is about (the year
  written most often in it, when that is the document's year or the one
  before; else the document's year), unless the sentence states a plan or a
  forecast (规划, 建成后, 预计, 将达到 ...).

And the rules for numbers that a nearby time phrase dates otherwise than as the nearest year:

- ``is_start_point``: a year where a time frame starts (自2016年成立以来, 2013年以来, 从2020年起)
  does not date the number after it; the number is a total up to the present.
- ``is_base_value``: a number right after a comparison base's year (比 2022 年的 11.8 万辆,
  同比2020年的1.32亿) is the base's value, in the base's year.
- ``horizon_year``: a plan's or forecast's horizon (计划在 5 年内, 通过3年攻坚, 未来 18 个月内)
  dates the numbers after it by its last year (Y + N - 1).
- ``recent_years``: 近三年 / 过去两年 ... 分别为 A、B(、C): the years before the document's year.

Durations and ages are never dated here (用了七年, 28岁: gold leaves them
without a year). Pure functions over the spans of ``dates``; no Dagster import.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.nlp.dates import DateSpan, PeriodSpan, RelativeYear, cn_small_int

UNDATED_KINDS = frozenset({"duration", "age"})
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n]")
# 较2020年, 相比2019年, 自2004年起, 从2010年到: a year that is a base or a start, not the number's time
_BASE_BEFORE = re.compile(r"(?:较|比|同比|相比|与|自|从|于|到|至)\s*$")
_BASE_AFTER = re.compile(r"\s*(?:起|以来|开始|相比|同期|前|后|之前|之后)")
_PERIOD_END_MONTH = {"上半年": 6, "下半年": 12, "全年": 12, "年初": 3, "年中": 6, "年底": 12, "年末": 12}
_QUARTER = re.compile(r"(前|第)?([一二三四1-4])季度|Q([1-4])")
_MONTHS = re.compile(r"前(\d{1,2}|[一二三四五六七八九十]{1,2})个月|(?:\d{1,2}|[一二三四五六七八九十]{1,3})-(\d{1,2}|[一二三四五六七八九十]{1,3})月")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}


def _month_number(s: str) -> int | None:
    return int(s) if s.isdigit() else _CN.get(s)


def period_end_month(period: str) -> int | None:
    """The last month of a period phrase as ``dates.find_periods`` normalises it, or None."""
    if period in _PERIOD_END_MONTH:
        return _PERIOD_END_MONTH[period]
    m = _QUARTER.fullmatch(period)
    if m:
        q = _month_number(m.group(2) or m.group(3))
        return 3 * q if q else None
    m = _MONTHS.fullmatch(period)
    if m:
        n = _month_number(m.group(1) or m.group(2))
        return n if n and 1 <= n <= 12 else None
    return None


def period_year(doc_date: date | None, period: str | None) -> int | None:
    """The year of a period named without one, in a document dated ``doc_date`` (see the module doc)."""
    if doc_date is None or not period:
        return None
    end = period_end_month(period)
    if end is None:
        return None
    return doc_date.year - 1 if end > doc_date.month else doc_date.year


def clause_end(text: str, pos: int, limit: int) -> int:
    """The end of the clause holding ``pos`` (the next comma, semicolon or full stop), at most ``limit``."""
    m = _CLAUSE_END.search(text, pos, limit)
    return m.start() if m else limit


# 在, 截至 ...; 同年 12 月，/ 今年 3 月，: a relative year before the month opens the sentence too
_TOPIC_LEAD = re.compile(r"\s*(?:在|截至|截止|到|而|但|其中|此外|同时)?\s*(?:同年|当年|今年|去年|前年|次年|该年)?\s*$")


def is_topic_year(text: str, sent_start: int, year_start: int) -> bool:
    """Whether the year at ``year_start`` opens its sentence as the time of all that follows
    (2024 年，阿里巴巴上涨 11%、京东上涨 24% ...): nothing but a connective before it and a comma
    right after the date; or it is in an opening 在…的情况下 / 在…期间 clause."""
    if _frames_the_sentence(text, sent_start, year_start):
        return True
    if not _TOPIC_LEAD.fullmatch(text, sent_start, year_start):
        return False
    m = re.compile(r"[^，,。；;]{0,14}?[，,]").match(text, year_start)
    return bool(m) and bool(re.search(r"[年月日号度底末初]\s*(?:时|期间)?\s*[，,]$", m.group(0)))


_FRAME_CLAUSE_END = re.compile(r"[^，,。；;]{0,40}?(?:的情况下|的背景下|之际|期间)\s*[，,]")
_FRAME_CLAUSE_OPEN = re.compile(r"\s*(?:而|但|其中|此外|同时)?\s*在")


def _frames_the_sentence(text: str, sent_start: int, year_start: int) -> bool:
    """Whether the year at ``year_start`` is inside a 在…的情况下 / 在…期间 clause, which frames
    the rest of the sentence (在中国手机销量在 2024 年第四季度同比下降 3.2% 的情况下，华为 ... 小米 ...)."""
    cut = max(text.rfind(c, sent_start, year_start) for c in "，,；;")
    clause_start = sent_start if cut < 0 else cut + 1
    return bool(_FRAME_CLAUSE_OPEN.match(text, clause_start)) and bool(_FRAME_CLAUSE_END.match(text, year_start))


_COMPARISON_BEFORE = re.compile(r"(?:较|比|同比|相比|相较|较之|与|跟)\s*$")
_COMPARISON_AFTER = re.compile(r"[^，,。；;]{0,12}?(?:相比|相较|同期|比较)")


def is_comparison_base(text: str, start: int, end: int) -> bool:
    """Whether the date text[start:end] is the base of a comparison (较2022年, 同比2020年的1.32亿,
    与2019年相比), which does not date the number compared."""
    if _COMPARISON_BEFORE.search(text, max(0, start - 3), start):
        return True
    return bool(_COMPARISON_AFTER.match(text, end)) and text[max(0, start - 1) : start] in ("与", "和", "跟")


def later_year(text: str, pos: int, end: int, dates: list[DateSpan], relatives: list[RelativeYear],
               doc_date: date | None) -> int | None:
    """The first year written after the number at ``pos`` and before ``end`` that dates it, or None."""
    for dt in dates:
        if pos <= dt.start < end and dt.year is not None:
            if _BASE_BEFORE.search(text, max(0, dt.start - 2), dt.start) or _BASE_AFTER.match(text, dt.end):
                continue
            return dt.year
    for r in relatives:
        if pos <= r.start < end and r.offset is not None and doc_date is not None:
            return doc_date.year + r.offset
    return None


_FUTURE = re.compile(r"规划|计划|建成后|达产后|投产后|预计|预期|目标|有望|将[会要在达实带成]|力争|到\s*20\d\d")


def speaks_of_the_future(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] states a plan or a forecast (规划产能, 建成后, 预计, 将达到): its
    numbers are not dated by the year the document is about."""
    return bool(_FUTURE.search(text, start, end))


def topic_year(dates: list[DateSpan], doc_date: date | None, skip: set) -> int | None:
    """The year a dated document is about: the year written most often in it (ties: the later),
    when that is the document's year or the year before (a report on 2024 published in January
    2025); else the document's year. None for an undated document. ``skip``: starts of dates that
    do not count (founding years)."""
    if doc_date is None:
        return None
    counts: dict[int, int] = {}
    for dt in dates:
        if dt.year is not None and dt.start not in skip:
            counts[dt.year] = counts.get(dt.year, 0) + 1
    if counts:
        best = max(counts, key=lambda y: (counts[y], y))
        if doc_date.year - 1 <= best <= doc_date.year:
            return best
    return doc_date.year



_SINCE_AFTER = re.compile(r"\s*(?:起|开始|[^，,。；;：:\d]{0,6}?以来)")


def is_start_point(text: str, start: int, end: int, pos: int) -> bool:
    """Whether the date text[start:end], before a number at ``pos``, is where a time frame starts
    (自2016年成立以来, 2013年以来, 从2020年起): it does not date the number, which is a total or a
    state up to the present (or up to an earlier year the sentence names)."""
    m = _SINCE_AFTER.match(text, end)
    return bool(m) and m.end() <= pos


_BASE_VALUE_GAP = re.compile(r"\s*(?:同期)?\s*的\s*")


def is_base_value(text: str, date_end: int, pos: int) -> bool:
    """Whether the number at ``pos`` is the value of the comparison base whose date ends at
    ``date_end`` (比 2022 年的 11.8 万辆, 同比2020年的1.32亿, 较2019年同期的5亿元): then it is
    dated by that base year."""
    return bool(_BASE_VALUE_GAP.fullmatch(text, date_end, pos))


# 计划在 5 年内, 通过3年攻坚, 未来 18 个月内, 未来三年: a plan's or a forecast's horizon
_HORIZON = re.compile(r"(?:(?P<fut>未来|今后|通过|用)\s*)?(?P<n>\d{1,2}|[一二三四五六七八九十两]{1,3})\s*(?P<u>年|个月)"
                      r"\s*(?P<tail>内|之内|以内|攻坚|时间|里|左右)?")
_PAST_BEFORE = re.compile(r"(?:近|过去|最近|前|这|此前|已|连续|成立|不足|超过|第)\s*$")


def horizon_year(text: str, sent_start: int, pos: int, year: int | None, doc_date: date | None) -> int | None:
    """The last year of a plan's or a forecast's horizon stated before the number at ``pos`` in its
    sentence (计划在 5 年内投入 1500 亿元, 通过3年攻坚 ... 达到37万元, 未来 18 个月内 ... 超过一万辆),
    counted from the number's ``year`` (else the document's): N years from year Y end in Y+N-1;
    months are counted from the document's month. ``year`` unchanged without such a horizon,
    or where the sentence neither plans nor forecasts (近5年内, 过去三年里 look back)."""
    m = None
    for m_ in _HORIZON.finditer(text, sent_start, pos):
        if m_.group("fut") or m_.group("tail"):
            m = m_
    if m is None or _PAST_BEFORE.search(text, max(sent_start, m.start() - 3), m.start()):
        return year
    if not m.group("fut") and not speaks_of_the_future(text, sent_start, pos):
        return year
    n = int(m.group("n")) if m.group("n").isdigit() else cn_small_int(m.group("n"))
    base = year if year is not None else (doc_date.year if doc_date is not None else None)
    if not n or base is None:
        return year
    if m.group("u") == "年":
        return base + n - 1
    month = doc_date.month if doc_date is not None and base == doc_date.year else 12
    return base + (month - 1 + n) // 12


_RECENT = re.compile(r"(?:近|过去|最近|前)\s*(?P<n>\d|[一二三四五六七八九十两])\s*(?:个)?\s*(?:会计)?\s*(?:年度|年)(?![前后内来])")


def recent_years(text: str, lo: int, pos: int, n: int, present: int | None) -> list[int] | None:
    """The years of a 分别 list of ``n`` values over the last ``n`` years (近三年研发投入占比分别为 A、B、C,
    过去两年增速分别为 A、B): the ``n`` years before ``present``, oldest first; None when text[lo:pos]
    names no such span of exactly ``n`` years."""
    if present is None:
        return None
    for m in _RECENT.finditer(text, lo, pos):
        k = int(m.group("n")) if m.group("n").isdigit() else cn_small_int(m.group("n"))
        if k == n:
            return list(range(present - n, present))
    return None
