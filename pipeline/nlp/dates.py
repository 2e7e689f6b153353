"""Time expressions that numbers must not be mistaken for, and that facts are dated by.

``find_dates(text)`` returns explicit years and calendar dates (2023年, 2025年2月,
2024 年 9 月 30 日, 2月21日, 二〇二三年, 2022全年); ``find_periods(text)``
returns period phrases within a year (前三季度, 上半年, 第三季度, 前 9 个月,
1 至 9 月, 十四五 ...; a periodic report names its period: 三季报 -> 前三季度,
年报 -> 全年); ``find_relative(text)`` returns words that point to a
year relative to something else (今年, 去年, 十年前, 当年, 同年, 当时, 如今 ...).

The number reader (``numbers``) skips every numeral inside one of these spans;
``facts`` uses them to date each quantity; ``document_date`` is the date a document
speaks from (``published_at``, else a dateline in its first lines), which anchors
今年/去年/前年 and months written without a year. Offsets are character offsets
into the text given, end exclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int
    text: str
    year: int | None
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class PeriodSpan:
    start: int
    end: int
    text: str
    period: str  # normalised: 前三季度, 上半年, 第三季度, 前9个月, 1-9月, 全年, 十四五
    target_year: int | None = None  # for five-year plans: the plan's last year


@dataclass(frozen=True)
class RelativeYear:
    start: int
    end: int
    text: str
    offset: int | None  # years from the publication year (今年 0, 去年 -1); None for 当年/同年
    kind: str  # "published" (今年, 去年, 如今 ...) or "carried" (当年, 同年 ...)


_YEAR_AR = r"(?<!\d)(?P<y>(?:1[6-9]|20)\d{2})"  # also after a list number: 5.2025年
_YEAR_CN = r"(?P<yc>[一二][〇零一二三四五六七八九]{3})"
_DATE_RE = re.compile(
    rf"(?:{_YEAR_AR}|{_YEAR_CN})\s*(?:(?P<fy>全年|年度|财年)|年(?!代|级)(?:\s*(?P<m>1[0-2]|0?[1-9])\s*月(?:\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号])?)?)"
    rf"|(?<![\d.个第])(?P<m2>1[0-2]|0?[1-9])\s*月(?:\s*(?P<d2>3[01]|[12]\d|0?[1-9])\s*[日号])?"
    rf"|(?<![\d.])(?P<y3>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m3>1[0-2]|0?[1-9])(?P=sep)(?P<d3>3[01]|[12]\d|0?[1-9])(?!\d)"
)

_CN_NUM = "一二三四五六七八九十两"
_PERIOD_RE = re.compile(
    r"(?P<q>(?:前|第)?\s*[一二三四1-4]\s*季度|Q[1-4]|[上下]半年|全年(?![\u4e00-\u9fff])|年初|年中|年底|年末"
    r"|前\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*个月"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:-|—|–|~|～|至|到)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?"
    r"|十[一二三四五六七八九]五(?:规划|期间|时期|末)?"
    r"|[一三]季报|半年报|中报|年报)"
)
# a periodic report names its period (三季报出炉 -> 前三季度): see find_periods
_REPORT_PERIOD = {"一季报": "第一季度", "半年报": "上半年", "中报": "上半年", "三季报": "前三季度", "年报": "全年"}
_FIVE_YEAR_END = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}

_RELATIVE = {
    "今年": (0, "published"), "本年": (0, "published"), "去年": (-1, "published"), "上年": (-1, "published"),
    "前年": (-2, "published"), "明年": (1, "published"), "后年": (2, "published"),
    "如今": (0, "published"), "目前": (0, "published"), "现在": (0, "published"), "当前": (0, "published"),
    "截至目前": (0, "published"), "今天": (0, "published"),
    "当年": (None, "carried"), "同年": (None, "carried"), "该年": (None, "carried"),
    "这一年": (None, "carried"), "那一年": (None, "carried"), "当时": (None, "carried"),
}
_BASE_YU = {c + "于" for c in "高低多少大小超快慢好差强弱优劣"}  # 高于去年: a comparison; 并于去年: a time
# characters that make 后/前 the end of a word (达产后, 建成后, 投产后, 上市后, 提前)
_ENDS_WITH_FRONT_BACK = {"后年": "产成投建完市立运营工毕", "前年": "提"}
_RELATIVE_RE = re.compile("|".join(sorted(map(re.escape, _RELATIVE), key=len, reverse=True)))
# 十年前，28岁的张一鸣; 早在 5 年前: N years before the document's date, when the phrase opens its clause
# (成立3年前 and N年后 count from another event, not from the document)
_YEARS_AGO_RE = re.compile(r"(?:^|(?<=[，,。；;：:！？!?\n“「（(])|(?<=早在|就在|大约|大概)|(?<=[在约]))\s*"
                           r"(?P<n>\d{1,2}|[一二三四五六七八九十两]{1,3})\s*年前(?!后)")


def _cn_year(s: str) -> int:
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def find_dates(text: str) -> list[DateSpan]:
    """Explicit years and calendar dates, in text order."""
    out: list[DateSpan] = []
    for m in _DATE_RE.finditer(text):
        if m.group("y") or m.group("yc"):
            year = int(m.group("y")) if m.group("y") else _cn_year(m.group("yc"))
            month = int(m.group("m")) if m.group("m") else None
            day = int(m.group("d")) if m.group("d") else None
        elif m.group("y3"):
            year, month, day = int(m.group("y3")), int(m.group("m3")), int(m.group("d3"))
        else:
            year, month = None, int(m.group("m2"))
            day = int(m.group("d2")) if m.group("d2") else None
        out.append(DateSpan(m.start(), m.end(), m.group(0), year, month, day))
    return out


def _norm_period(s: str) -> str:
    return re.sub(r"\s+", "", s).replace("到", "-").replace("至", "-").replace("～", "-").replace("~", "-")


def find_periods(text: str) -> list[PeriodSpan]:
    """Period phrases (quarters, halves, months ranges, five-year plans), in text order."""
    out: list[PeriodSpan] = []
    for m in _PERIOD_RE.finditer(text):
        s = m.group(0)
        norm = _REPORT_PERIOD.get(s) or _norm_period(s)
        target = None
        for plan, end in _FIVE_YEAR_END.items():
            if norm.startswith(plan):
                target = end
        out.append(PeriodSpan(m.start(), m.end(), s, norm, target))
    return out


def find_relative(text: str) -> list[RelativeYear]:
    """Relative year words (今年, 去年, 当年, 同年, 如今 ...), in text order."""
    out = []
    for m in _RELATIVE_RE.finditer(text):
        if m.start() and text[m.start() - 1] in "比较与同" or text[max(0, m.start() - 2) : m.start()] in _BASE_YU:
            continue  # 比去年同期增长, 高于去年: the base of a comparison, not the time of the number (但于去年上市 is)
        if m.start() and text[m.start() - 1] in _ENDS_WITH_FRONT_BACK.get(m.group(0), ""):
            continue  # 达产后年产值, 建成后年营收, 提前年: 后/前 ends another word (达产后), 年 starts the next
        offset, kind = _RELATIVE[m.group(0)]
        out.append(RelativeYear(m.start(), m.end(), m.group(0), offset, kind))
    out.extend(_years_ago(text))
    return sorted(out, key=lambda r: r.start)


def _years_ago(text: str) -> list[RelativeYear]:
    """十年前, 5 年前 opening a clause: the year N years before the document's date."""
    out = []
    for m in _YEARS_AGO_RE.finditer(text):
        n = m.group("n")
        years = int(n) if n.isdigit() else cn_small_int(n)
        if years:
            out.append(RelativeYear(m.start("n"), m.end(), text[m.start("n") : m.end()], -years, "published"))
    return out


def cn_small_int(s: str) -> int | None:
    """一 .. 九十九 written in Chinese numerals (十, 十五, 二十, 两), else None."""
    digits = {**_CN_DIGITS, "两": 2}
    if "十" not in s:
        return digits.get(s) if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    t = digits.get(tens, 0) if tens else 1
    o = digits.get(ones, 0) if ones else 0
    return t * 10 + o if (not tens or tens in digits) and (not ones or ones in digits) else None


_DATE_LINE_CHARS = 400  # where a dateline may be: the first lines of the text


def document_date(published_at: date | None, text: str) -> date | None:
    """The date a document speaks from: its ``published_at`` (from a .jsonl record or the front
    matter of a .txt/.md file), else the first full date (year, month and day) in its first
    lines (a dateline: 2024年5月12日 10:30, 2024-05-12), else None."""
    if published_at is not None:
        return published_at
    for dt in find_dates(text[:_DATE_LINE_CHARS]):
        if dt.year is not None and dt.month is not None and dt.day is not None:
            try:
                return date(dt.year, dt.month, dt.day)
            except ValueError:
                continue
    return None


def year_of_month(doc_date: date | None, month: int | None) -> int | None:
    """The year of a month named without one (12 月 10 日，...) in a document dated ``doc_date``:
    the document's year, or the year before when the month is later than the document's."""
    if doc_date is None or month is None:
        return None
    return doc_date.year - 1 if month > doc_date.month + 1 else doc_date.year
