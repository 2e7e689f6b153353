"""The number reader: quantities in Chinese text, with exact values and spans.

``read_quantities(text) -> list[Quantity]`` finds Arabic and Chinese numerals
and their mixtures (1.5万亿, 一千零五十五亿, 十万零一千, 千亿, 亿 in 超亿元),
fractions and shares (三分之一, 百分之七十, 70%, 两成, 一半), percentage points,
multiples (倍), ranges (10%-15%, 3至5亿), ranks (第四, 全球第三, 前三),
currencies and counted objects, with the qualifier written directly around
the number (超/约/以上 ...). Values are ``Decimal``s in base units:
1.5万亿元 -> 1.5e12 元; percentages, shares and percentage points are
fractions (70% -> 0.7 with unit %, 3.2个百分点 -> 0.032 with unit 百分点).

What is *not* a quantity: a numeral with nothing that says what it counts
(list numbering 1、, model names Grok-3 / Model 3, stock codes, 萤火一号),
the article 一 (一个, 一家, 一度, 一起), fixed expressions
(``pipeline/data/metrics/non_numbers.txt``), vague amounts (几百亿, 数十倍,
十几), and dates and periods (``dates``), which facts use to date values.

Words and units are data: ``pipeline/data/metrics/units.csv`` and
``qualifiers.csv``. Finding candidates is one compiled regex over the text;
the work per candidate looks only at a few characters around it.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pipeline import vocab
from pipeline.nlp.dates import find_dates, find_periods

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "metrics"

# Length-preserving normalisation (offsets stay valid): full-width digits, %, decimal point.
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_MAG_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}

_CN_CHARS = "〇零一二两三四五六七八九十百千万亿"
_AR = r"\d+(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = rf"[{_CN_CHARS}]+(?:点[〇零一二三四五六七八九]+[万亿]*)?"
# One candidate: a fraction (X分之Y), half, a rank with 第/前, or a plain numeral.
_CANDIDATE = re.compile(
    rf"(?P<frac>(?P<den>{_AR}|[{_CN_CHARS}]+)\s*分之\s*(?P<nom>{_AR}|{_CN}))"

    rf"|(?P<half>一半|半数|过半|近半|大半)"
    rf"|(?P<ord>第|前)\s*(?P<onum>\d{{1,3}}(?![\d.])|[一二两三四五六七八九十百]+)"
    rf"|(?P<num>{_AR}|{_CN})"
)
# Rarer candidates, looked for in a second pass only when their characters occur (so that the
# main pass stays one simple alternation): slash fractions (近2/3) and rank words (TOP1, 榜首).
_EXTRA = re.compile(
    r"(?<![\d/.])(?P<snom>[1-9]\d?)/(?P<sden>[1-9]\d?)(?![\d/.])"
    r"|(?P<top>(?<![A-Za-z])(?:TOP|Top|top)\s?(?P<topn>\d{1,3})(?!\d)|榜首|首位|冠军)"
)
_EXTRA_HINT = re.compile(r"/|TOP|Top|top|榜首|首位|冠军")
_MAG_RE = re.compile(r"\s?(万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千(?!分)|百(?!分))")
_RANGE_SEP = re.compile(r"\s*(?:-|－|—|–|~|～|至|到)\s*")
_APPROX_SUFFIX = re.compile(r"\s?(多|余)")
_CHENG = re.compile(r"\s?成(?![为立功长本果员都了交就型熟绩效色品不])")
_PCT = re.compile(r"\s?(%|‰)")

# Ranks: scope words before 第N (全球第三, 排名第一) and what may follow 第N.
_RANK_SCOPE = re.compile(
    r"(?:全球|世界|全国|国内|国际|中国|亚太|亚洲|欧洲|全省|全市|省内|市内|行业|业内|同行|"
    r"排名|排行|排|位居|位列|名列|居|列|跃居|跃升至|升至|降至|跻身|位于|稳居|保持|仍居|位次|"
    r"销量|出货量|份额|收入|营收|市值|产量|总量|规模|"
    r"第\s*(?:\d{1,3}|[一二三四五六七八九十]+)\s*(?:名|位)?\s*(?:和|、|与|及|至|到))\s*$"
)
_RANK_LIST_NEXT = re.compile(r"\s*(?:和|、|与|及|至|到)\s*第\s*(?:\d{1,3}|[一二三四五六七八九十]+)\s*(?:名|位)")  # 第7和第11位
# 打造人工智能全景赋能第一城, 晋级新能源汽车“第一城”: a goal (打造, 建设, 争创 ... in the clause) or a title in quotes
_TITLE_CITY = re.compile(r"(?:打造|建设|建成|争创|创建|晋级|迈向|冲刺)[^，,。；;]*$|[“「\"][^”」\"，,。；;]*$")
_RANK_NEXT = re.compile(r"\s*(名|大|城|强|高|位(?![于置]))")
_ORDINAL_NOT_RANK = re.compile(
    r"\s*(个|次|届|代|批|期|季|轮|款|家|股|天|年|月|周|条|项|步|章|节|号|部|座|台|架|艘|件|种|层|阶段|方面|时间|梯队|把手|线|产业|手)"
)
_DURATION_GOVERNOR = re.compile(
    r"(?:领先|提前|落后|延长|缩短|用了|花了|耗时|历时|仅用|为期|长达|用时)[^，,。；;]{0,6}$|(?:不到|近|约|超过|逾|满|达)\s*$"
)
_TIME_FRAME = re.compile(r"(?:过去|未来|最近|今后|此后|此前|今明|前后|这|那|新的)\s*$")
# 未来10年、20年, 新的五年甚至十年: a duration listed after a time frame is one too
_TIME_FRAME_LIST = re.compile(
    r"(?:过去|未来|最近|今后|此后|此前|这|那|新的)\s*[\d一二三四五六七八九十两]+\s*(?:年|个月|天|周)\s*(?:、|甚至|或者?|乃至|和)\s*$"
)
# Characters that make a one-character qualifier the end of another word (节约, 签约, 最近, 赶超).
_WORD_BEFORE_QUALIFIER = {"约": "节签合制预公条邀契履违缔特婚", "近": "最附邻将接靠亲贴", "超": "赶高", "破": "打攻击"}
_CLUB_AFTER = re.compile(r"\s*(?:元|美元)?\s*[”」\"]?\s*(?:俱乐部|阵营|城市俱乐部)")
_CLUB_ENTRY = re.compile(r"(?:跻身|进入|迈入|加入|晋级|挤进|入围|跨入|迈进|步入|晋身)[^，,。；;]{0,10}$")
_NOT_STRONG = set("调化劲大度势制烈项国者硬")  # 强调, 强化 ...: 强 starting another word
_MOVE_BEFORE = re.compile(r"(?:升|降|进|退|跌|涨|前移|后移|攀升|跃升|下滑)了?\s*$")
_RANK_PLACE_AFTER = re.compile(r"\s*(?:之间|开外|以内|以后|之后|左右|上下|之列)")
_RANK_PLACE_BEFORE = re.compile(r"(?:排|排名|排在|排到|位列|名列|位居|居|跌至|跌到|掉到|降至|升至|升到|全国|全球|全省|第)了?(?:全国|全球|全省)?的?\s*(?:近|约|超|第)?\s*$")
# 19位专家: 位 followed by a noun counts people; 升至19位。 / 全国近80位， is a place in a ranking
_HAN_NOUN_AFTER = re.compile(r"\s*(?![的和与及之以开、提升跃攀降跌])[\u4e00-\u9fff]")
_GROUP_NOUN = re.compile(r"(小龙|小虎|小巨人|朵金花)")

_NOT_BEFORE_CN = set("统唯之其万若第周礼星")  # 统一, 唯一, 之一, 万一 ...
_ASCII_WORD = re.compile(r"[A-Za-z\-_/+#]$")
_ASCII_AFTER = re.compile(r"[A-Za-z_\-]")
# Units that are also the first character of ordinary words: the characters that,
# following the unit, show it is a word instead (升至, 位于, 部门, 台湾, 所有 ...).
_UNIT_NOT_FOLLOWED = {
    "升": "至到为级值", "位": "于置数", "部": "门署分委长位", "台": "湾阶风", "所": "有以属在谓得",
    "起": "来步点诉源", "年": "级代期规计", "天": "然下使", "周": "边围期年", "片": "区面", "名": "单义字称额",
    "项": "目", "家": "庭乡电具居", "条": "件例款", "种": "子类", "元": "素", "次": "日",
    "只": "是有要能", "人": "民工才", "块": "头", "张": "力", "户": "口", "座": "谈位", "支": "持付出",
    "份": "额", "套": "餐", "单": "车日月季位元个品体项独一身向笔次", "克": "服", "个": "人性体",
    "米": "饭板跳仰自蝶蛙混栏跑步障",  # 10米跳台, 50米仰泳: sports events, not lengths
}


@dataclass(frozen=True)
class Unit:
    surface: str
    unit: str
    kind: str
    factor: Decimal


@dataclass(frozen=True)
class Quantity:
    """A quantity read from text.

    ``start``/``end`` cover the qualifier words written directly around the
    number, the number and its unit (超1.5万亿元, 超过10%, 约三分之一 ...);
    ``num_start``/``num_end`` the numeral alone. For a range, ``value`` is the
    lower and ``high`` the upper bound. ``kind`` is one of currency, percent,
    points, multiple, counter, measure, duration, age, rank, group, bare
    (a magnitude with no unit: 突破千亿规模; facts decide what it counts).
    """

    start: int
    end: int
    text: str
    value: Decimal
    unit: str
    kind: str
    qualifier: str = "="
    num_start: int = 0
    num_end: int = 0
    high: Decimal | None = None
    low_end: int | None = None  # end of the lower bound's text in a range


def _load_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


@lru_cache(maxsize=1)
def _tables():
    units = {r["surface"]: Unit(r["surface"], r["unit"], r["kind"], Decimal(r["factor"])) for r in _load_csv("units.csv")}
    unit_re = re.compile(r"\s?(" + "|".join(re.escape(s) for s in sorted(units, key=len, reverse=True)) + ")")
    quals = _load_csv("qualifiers.csv")
    prefix = {q["word"]: q["qualifier"] for q in quals if q["position"] == "prefix"}
    suffix = {q["word"]: q["qualifier"] for q in quals if q["position"] == "suffix"}
    window = {q["word"]: q["qualifier"] for q in quals if q["position"] == "window"}
    # a multi-character verb may take 了 (超过了, 突破了); 超/过/近 never do (走过了百年 is not 过百)
    multi = "|".join(re.escape(w) for w in sorted(prefix, key=len, reverse=True) if len(w) > 1)
    single = "".join(re.escape(w) for w in prefix if len(w) == 1)
    prefix_re = re.compile(rf"(?:({multi})了?|([{single}]))\s?$")
    suffix_re = re.compile(r"\s?(" + "|".join(re.escape(w) for w in sorted(suffix, key=len, reverse=True)) + ")")
    fixed = vocab.word_lines(DATA_DIR / "non_numbers.txt")
    fixed_re = re.compile("|".join(re.escape(w) for w in sorted(fixed, key=len, reverse=True)))
    return units, unit_re, prefix, prefix_re, suffix, suffix_re, window, fixed_re


def qualifier_words(position: str) -> dict[str, str]:
    """Qualifier words for ``position`` (prefix, suffix, window) -> qualifier."""
    t = _tables()
    return {"prefix": t[2], "suffix": t[4], "window": t[6]}[position]


# --------------------------------------------------------------------------- numerals


def parse_chinese_int(s: str) -> int | None:
    """Value of a Chinese numeral (一千零五十五亿, 十万零一千, 两, 二〇二三), or None if malformed."""
    if not s:
        return None
    if all(c in _CN_DIGIT for c in s):
        if len(s) == 1:
            return _CN_DIGIT[s]
        if len(s) == 2 and s[0] != "零":  # 三四 (three or four) is vague, not 34
            return None
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    total = 0  # whole 亿 sections
    below_yi = 0  # whole 万 sections below the current 亿
    section = 0  # below 万
    digit: int | None = None
    last_small = 0
    zero_seen = False
    for c in s:
        if c in _CN_DIGIT:
            if digit is not None and digit != 0 and _CN_DIGIT[c] != 0:
                return None  # 三四十: two digits without a unit between
            if _CN_DIGIT[c] == 0:
                zero_seen = True
            digit = _CN_DIGIT[c]
        elif c in _CN_SMALL:
            mult = _CN_SMALL[c]
            section += (1 if digit is None or (digit == 0 and not section and c == "十") else digit) * mult
            digit, last_small, zero_seen = None, mult, False
        elif c == "万":
            n = section + (digit or 0)
            below_yi = (below_yi + n) * 10**4 if (below_yi or n) else 10**4
            section, digit, last_small, zero_seen = 0, None, 10**4, False
        elif c == "亿":
            n = below_yi + section + (digit or 0)
            total = (total + n) * 10**8 if (total or n) else 10**8
            below_yi = section = 0
            digit, last_small, zero_seen = None, 10**8, False
        else:
            return None
    if digit:
        if last_small >= 10 and not zero_seen:  # 三千五 = 3500, 一万五 = 15000
            section += digit * (last_small // 10)
        else:
            section += digit
    return total + below_yi + section


def parse_number(s: str) -> Decimal | None:
    """Exact value of an Arabic, Chinese or mixed numeral (1.5万亿, 三点五, 1,055)."""
    s = s.translate(_FULLWIDTH).replace(" ", "")
    m = re.fullmatch(r"(\d+(?:,\d{3})*(?:\.\d+)?)([十百千万亿]*)", s)
    if m:
        v = Decimal(m.group(1).replace(",", ""))
        for c in m.group(2):
            v *= _MAG_VALUE[c]
        return v
    if "点" in s:
        whole, _, frac = s.partition("点")
        mag = 1
        while frac and frac[-1] in "万亿":  # 三点五亿
            mag *= _MAG_VALUE[frac[-1]]
            frac = frac[:-1]
        w = parse_chinese_int(whole)
        if w is None or not frac or any(c not in _CN_DIGIT for c in frac):
            return None
        return Decimal(f"{w}.{''.join(str(_CN_DIGIT[c]) for c in frac)}") * mag
    n = parse_chinese_int(s)
    return Decimal(n) if n is not None else None


# --------------------------------------------------------------------------- reader


class _Blocked:
    """Merged, sorted character intervals (dates, periods, fixed expressions) numerals may not overlap."""

    def __init__(self, spans: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_right(self.starts, e - 1) - 1  # last interval starting before e
        return i >= 0 and self.ends[i] > s


def _covered(blocked: "_Blocked", s: int, e: int) -> bool:
    return blocked.overlaps(s, e)


def _prefix_qualifier(text: str, s: int) -> tuple[str, int]:
    """(qualifier, start) of a qualifier word ending at s (an optional 了 and space between)."""
    prefix_re = _tables()[3]
    m = prefix_re.search(text, max(0, s - 6), s)
    if m:
        word = m.group(1) or m.group(2)
        if word == "过" and text[s : s + 1] not in ("百", "千", "万", "亿"):
            return "=", s  # 过亿, 过万 are amounts; 经过8天 is not
        if m.group(2) and m.start() and text[m.start() - 1] in _WORD_BEFORE_QUALIFIER.get(word, ""):
            return "=", s  # 签约100亿元, 最近3年: the character ends another word
        return _tables()[2][word], m.start()
    return "=", s


def _suffix_qualifier(text: str, e: int, qualifier: str) -> tuple[str, int]:
    suffix, suffix_re = _tables()[4], _tables()[5]
    m = suffix_re.match(text, e)
    if m and m.group(1) not in ("多", "余"):
        q = suffix[m.group(1)]
        return (q if qualifier == "=" else qualifier), m.end()
    return qualifier, e


def _unit_at(text: str, e: int) -> tuple[Unit | None, int]:
    units, unit_re = _tables()[0], _tables()[1]
    m = unit_re.match(text, e)
    if not m:
        return None, e
    surf = m.group(1)
    nxt = text[m.end() : m.end() + 1]
    if nxt and nxt in _UNIT_NOT_FOLLOWED.get(surf, ""):
        return None, e
    if surf.isascii() and surf[0].isalpha() and nxt and _ASCII_AFTER.match(nxt):
        return None, e
    return units[surf], m.end()


def _counter_at(text: str, e: int) -> bool:
    unit, _ = _unit_at(text, e)
    return unit is not None and unit.kind in ("counter", "measure", "duration") and unit.surface not in ("名", "位")


def read_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, in text order (see the module docstring)."""
    original, text = text, text.translate(_FULLWIDTH)
    blocked = [(d.start, d.end) for d in find_dates(text)] + [(p.start, p.end) for p in find_periods(text)]
    fixed_re = _tables()[7]
    blocked += [(m.start(), m.end()) for m in fixed_re.finditer(text)]
    blocked = _Blocked(blocked)
    out: list[Quantity] = []
    pos = 0
    for m in _CANDIDATE.finditer(text):
        if m.start() < pos:
            continue
        if _covered(blocked, m.start(), m.end()):
            continue
        q = None
        if m.group("frac"):
            q = _read_fraction(text, m)
        elif m.group("half"):
            q = _read_half(text, m)
        elif m.group("ord"):
            q = _read_rank(text, m)
        else:
            q = _read_plain(text, m.start("num"), m.end("num"), blocked)
        if q is not None:
            out.append(q)
            pos = q.end
    if _EXTRA_HINT.search(text):
        out = _with_extra(text, out, blocked)
    out = _merge_ranges(text, out)
    out = _distribute_units(text, out)
    if original != text:  # full-width digits were read as ASCII; spans show the text as written
        out = [replace(q, text=original[q.start : q.end]) for q in out]
    return out


# 下降0.7%至46.5%, 由3%提高到5%: after a verb of change, 至/到 means "to", not a range
_CHANGE_BEFORE = re.compile(r"(?:下降|上升|增长|提高|提升|回落|回升|降低|减少|增加|下滑|上涨|下跌|降|升|涨|跌|从|由)了?\s*$")
_BETWEEN_RANGE = re.compile(r"\s*(?:-|－|—|–|~|～|至|到)\s*")


def _merge_ranges(text: str, qs: list[Quantity]) -> list[Quantity]:
    """6.1 万辆至 6.3 万辆, 191.1 亿元至 196.7 亿元: two quantities of one unit joined by 至 are a range."""
    out: list[Quantity] = []
    for q in qs:
        p = out[-1] if out else None
        if (p is not None and p.high is None and q.high is None and p.unit == q.unit and p.kind == q.kind
                and p.kind not in ("rank", "group") and p.qualifier == "=" and q.value >= p.value
                and _BETWEEN_RANGE.fullmatch(text, p.end, q.start)
                and not _CHANGE_BEFORE.search(text, max(0, p.start - 4), p.start)):
            out[-1] = Quantity(p.start, q.end, text[p.start : q.end], p.value, q.unit, q.kind, q.qualifier,
                               p.num_start, q.num_end, q.value, p.end)
        else:
            out.append(q)
    return out


_LIST_BETWEEN = re.compile(r"\s*(?:、|和|与|及|或)\s*")


def _distribute_units(text: str, qs: list[Quantity]) -> list[Quantity]:
    """3万、4万亿元 -> 3万亿元 and 4万亿元: a bare number listed before a number with a unit takes the
    unit, and the magnitude the list's last number has beyond its own."""
    out = list(qs)
    for i in range(len(out) - 2, -1, -1):
        p, q = out[i], out[i + 1]
        if p.kind != "bare" or q.kind in ("bare", "rank", "group") or p.high is not None:
            continue
        if not _LIST_BETWEEN.fullmatch(text, p.end, q.start):
            continue
        p_mag = re.sub(r"[^万亿]", "", text[p.num_start : p.num_end])
        q_mag = re.sub(r"[^万亿]", "", text[q.num_start : q.num_end])
        if not q_mag.startswith(p_mag) or q_mag == p_mag:
            extra = Decimal(1)
        else:
            extra = Decimal(1)
            for c in q_mag[len(p_mag):]:
                extra *= _MAG_VALUE[c]
        num_q = parse_number(text[q.num_start : q.num_end].replace(" ", ""))
        factor = (q.value / num_q) if num_q else Decimal(1)  # the unit's factor (x0.01 for %)
        out[i] = replace(p, value=p.value * extra * factor, unit=q.unit, kind=q.kind)
    return out


def _finish(text, s, e, qs, value, unit, kind, qualifier="=", high=None, low_end=None, ns=None, ne=None):
    pq, ps = _prefix_qualifier(text, qs)
    if pq != "=" or text[ps:qs].strip():
        qualifier = pq if qualifier == "=" else qualifier
    else:
        ps = qs
    qualifier, e2 = _suffix_qualifier(text, e, qualifier)
    return Quantity(ps, e2, text[ps:e2], value, unit, kind, qualifier, ns if ns is not None else s,
                    ne if ne is not None else e, high, low_end)


def _read_fraction(text: str, m: re.Match) -> Quantity | None:
    den, nom = parse_number(m.group("den")), parse_number(m.group("nom"))
    if not den or nom is None or nom > den * 10:
        return None
    e = m.end()
    value = nom / den
    # 百分之七十 -> 0.7; a share is a fraction with unit %.
    return _finish(text, m.start(), e, m.start(), value, "%", "percent", ns=m.start(), ne=e)


def _with_extra(text: str, qs: list[Quantity], blocked) -> list[Quantity]:
    """``qs`` plus the slash fractions and rank words that no quantity of ``qs`` covers, in text order."""
    extra = []
    for m in _EXTRA.finditer(text):
        if _covered(blocked, m.start(), m.end()) or any(q.start < m.end() and m.start() < q.end for q in qs):
            continue
        q = _read_slash(text, m) if m.group("snom") else _read_top(text, m)
        if q is not None:
            extra.append(q)
    return sorted(qs + extra, key=lambda q: q.start) if extra else qs


def _read_slash(text: str, m: re.Match) -> Quantity | None:
    """近2/3, 1/3的财政收入: a fraction written with a slash (small numbers, not a date or a score)."""
    nom, den = Decimal(m.group("snom")), Decimal(m.group("sden"))
    if nom >= den or den > 20:
        return None
    return _finish(text, m.start(), m.end(), m.start(), nom / den, "%", "percent", ns=m.start(), ne=m.end())


# 位居...榜首, 连续三年位居全省首位, 成交均价 TOP1, 销量冠军: rank words (冠军 only after a scope or a
# ranking verb; 首位 after 居/列/排)
_TOP_GOVERNOR = re.compile(r"(?:居|列|排|位于|登上|登顶|占据|稳坐|夺得|获得|拿下|成为|是)[^，,。；;]{0,20}$")


def _read_top(text: str, m: re.Match) -> Quantity | None:
    word = m.group("top")
    if m.group("topn"):
        value = Decimal(m.group("topn"))
        return _finish(text, m.start(), m.end(), m.start(), value, "rank", "rank", ns=m.start(), ne=m.end()) if value else None
    if word == "首位" and not re.search(r"(?:居|列|排|位于)[^，,。；;]{0,12}$", text[max(0, m.start() - 14) : m.start()]):
        return None  # 把安全放在首位: a priority, not a rank
    if word in ("冠军", "榜首") and not _TOP_GOVERNOR.search(text, max(0, m.start() - 24), m.start()) \
            and not _RANK_SCOPE.search(text, max(0, m.start() - 12), m.start()) \
            and not re.search(r"(?:销量|销售|出货|份额|收入|市值|品牌)$", text[max(0, m.start() - 4) : m.start()]):
        return None  # 世界冠军 as a title
    return _finish(text, m.start(), m.end(), m.start(), Decimal(1), "rank", "rank", ns=m.start(), ne=m.end())


def _read_half(text: str, m: re.Match) -> Quantity | None:
    word = m.group("half")
    qualifier = {"过半": ">", "近半": "~", "大半": ">"}.get(word, "=")
    if word == "一半" and text[m.end() : m.end() + 1] in ("天", "年"):  # 一年半 / 一半天 are durations
        return None
    return _finish(text, m.start(), m.end(), m.start(), Decimal("0.5"), "%", "percent", qualifier)


def _read_rank(text: str, m: re.Match) -> Quantity | None:
    value = parse_number(m.group("onum"))
    if value is None or value == 0:
        return None
    s, e = m.start(), m.end()
    if m.group("ord") == "前":
        # 前三 (top three): a rank bound unless it is a period (前三季度) or a count (前三个).
        nxt = _RANK_NEXT.match(text, e)
        if _ORDINAL_NOT_RANK.match(text, e) or text[e : e + 1] in ("年", "月", "天", "日"):
            return None
        scoped = _RANK_SCOPE.search(text, max(0, s - 6), s)
        if not (nxt or scoped or re.match(r"[，,。；;、）)\s”」]", text[e : e + 1] or "。")):
            return None
        end = nxt.end() if nxt and nxt.group(1) in ("名", "强", "位") else e
        return _finish(text, s, end, s, value, "rank", "rank", "<=", ns=s, ne=e)
    nxt = _RANK_NEXT.match(text, e)
    scoped = _RANK_SCOPE.search(text, max(0, s - 6), s)
    if (_ORDINAL_NOT_RANK.match(text, e) or _counter_at(text, e)) and not (nxt and nxt.group(1) in ("大", "名", "位")):
        return None  # 第一个, 第五代, 第三季度, 第四届, 第二颗: ordinals of a sequence, not ranks
    if not (nxt or scoped) and not _RANK_LIST_NEXT.match(text, e):
        return None
    if nxt and nxt.group(1) == "大" and not re.match(r"\s*大[^\s，,。；;]", text[e:]):
        return None
    if nxt and nxt.group(1) == "城" and _TITLE_CITY.search(text, max(0, s - 30), s):
        return None  # 打造……“第一城”, 晋级“第一城”: a goal or a title, not a measured rank
    end = nxt.end() if nxt and nxt.group(1) in ("名", "位", "强", "城", "高") else e
    scope_start = scoped.start() if scoped and not re.match(r"排|位|名|居|列|跃|升|降|跻|稳|保|仍|第", scoped.group(0)) else s
    q = _finish(text, s, end, s, value, "rank", "rank", ns=s, ne=e)
    if scope_start < q.start:
        q = Quantity(scope_start, q.end, text[scope_start : q.end], q.value, q.unit, q.kind, q.qualifier, q.num_start, q.num_end)
    return q


def _read_plain(text: str, s: int, e: int, blocked, allow_range: bool = True) -> Quantity | None:
    q = _read_plain_unsigned(text, s, e, blocked, allow_range)
    if q is None or not allow_range or s < 2 or text[s - 1] not in "-−－" or q.kind in ("rank", "group") \
            or q.high is not None:
        return q
    if "\u4e00" <= text[s - 2] <= "\u9fff" or text[s - 2] in "：:，,（( ":
        # 增长-3.2%, 净利润为-5亿元: a minus sign after Chinese text (not a range, not a model name)
        start = min(q.start, s - 1)
        return replace(q, value=-q.value, start=start, text=text[start : q.end], num_start=s - 1)
    return q


def _glued_to_acronym(text: str, s: int, e: int) -> bool:
    """GDP6.1%, CPI2.5%: two or more capitals right before a number followed by %, 万/亿 or a currency."""
    if not re.search(r"(?<![A-Za-z])[A-Z]{2,}$", text[max(0, s - 8) : s]):
        return False
    if _PCT.match(text, e) or _MAG_RE.match(text, e):
        return True
    unit, _ = _unit_at(text, e)
    return unit is not None and unit.kind == "currency"


def _read_plain_unsigned(text: str, s: int, e: int, blocked, allow_range: bool = True) -> Quantity | None:
    raw = text[s:e]
    arabic = raw[0].isdigit()
    if _in_name_or_code(text, s, e, raw, arabic, allow_range):
        return None
    if raw.endswith("点"):
        return None
    value = parse_number(raw)
    if value is None or (value == 0 and not arabic):
        return None
    value, e, ne, has_mag, qualifier = _with_magnitude(text, e, raw, arabic, value, blocked)
    if allow_range and qualifier == "=":
        rq = _read_range(text, s, e, value, blocked)
        if rq is not None:
            return rq
    pct = _PCT.match(text, e)
    unit, ue = _unit_at(text, e)
    if unit is not None and unit.surface == "度" and not has_mag:
        unit, ue = None, e  # 400亿度 is electricity; 30度 may be a temperature or an angle
    if pct is not None:
        unit, ue = _tables()[0][pct.group(1)], pct.end()
    if unit is None:
        return _read_without_unit(text, s, e, ne, raw, arabic, value, has_mag, qualifier)
    pure_mag = not arabic and all(c in "十百千万亿" for c in raw)
    if pure_mag and not _has_prefix_qualifier(text, s) and qualifier == "=" and unit.kind != "currency":
        return None  # 万人, 百家, 千家: idioms unless 超/近 says it is an amount
    if unit.kind in ("counter", "measure", "multiple", "age") and raw == "一":
        return None  # the article 一: 一个, 一家, 一位
    if unit.kind == "duration" and _no_duration(text, s, ue, raw):
        return None
    rank = _rank_place(text, s, ue, ne, value, unit, qualifier)
    if rank is not None:
        return rank
    value *= unit.factor
    if "多" in unit.surface:
        qualifier = ">"  # 3个多小时
    am = _APPROX_SUFFIX.match(text, ue)
    if am and unit.kind == "multiple":  # 六倍多
        qualifier, ue = ">", am.end()
    return _finish(text, s, ue, s, value, unit.unit, unit.kind, qualifier, ns=s, ne=ne)


def _in_name_or_code(text: str, s: int, e: int, raw: str, arabic: bool, allow_range: bool) -> bool:
    """Context that makes the numeral text[s:e] part of a name or a code, or a vague amount."""
    before = text[s - 1] if s else ""
    if arabic:
        if allow_range and before and _ASCII_WORD.match(before) and _glued_to_acronym(text, s, e):
            return False  # GDP6.1%, ARR1亿美元: an acronym written against its number
        if allow_range and before and (_ASCII_WORD.match(before) or before in ".:：#") \
                and not (before == "-" and s >= 2 and ("\u4e00" <= text[s - 2] <= "\u9fff" or text[s - 2] in "：:，,（( ")):
            return True  # Grok-3, A320, v2.1, 12:30 (not the upper bound of 10-15%; 增长-3% is a sign)
        return bool(allow_range and re.search(r"[A-Za-z][-–]\s$", text[max(0, s - 3) : s]))  # Model - 3
    if before in _NOT_BEFORE_CN:
        return True  # 统一, 唯一, 之一, 万一
    if re.search(r"(?:几|数|若干)$", text[max(0, s - 2) : s]) or text[e : e + 1] == "几":
        return True  # 几百亿, 数十倍, 十几: vague amounts
    if before == "上" and raw[0] in "百千万亿":
        return True  # 上百家, 上千人
    if before and before in "多余" and raw[0] in "百千万亿":
        return True  # the 亿 of 7400多亿元 was read with 7400
    return raw == "一" and bool(before) and before in "有那这每哪某另"  # 有一天, 每一年


def _with_magnitude(text: str, e: int, raw: str, arabic: bool, value: Decimal, blocked):
    """The magnitude and 多/余 written after a numeral: (value, end, end of the number proper,
    whether a 万/亿 magnitude is in it, qualifier)."""
    ne = e
    has_mag = any(c in "万亿" for c in raw)
    if arabic:
        mm = _MAG_RE.match(text, e)
        if mm and not _covered(blocked, mm.start(1), mm.end(1)):
            for c in mm.group(1):
                value *= _MAG_VALUE[c]
            e = ne = mm.end()
            has_mag = True
    qualifier = "="
    am = _APPROX_SUFFIX.match(text, e)
    if am and (value >= 10 or has_mag):  # 400 多个, 百余家, 千余
        qualifier, e = ">", am.end()
        mm = _MAG_RE.match(text, e) if not has_mag else None
        if mm:  # 7400多亿元, 8000多万元: the magnitude follows 多
            for c in mm.group(1):
                value *= _MAG_VALUE[c]
            e = mm.end()
            has_mag = True
    return value, e, ne, has_mag, qualifier


def _has_prefix_qualifier(text: str, s: int) -> bool:
    return _prefix_qualifier(text, s)[0] != "=" or text[s - 2 : s] in ("高达", "多达")


# 4B, 70B (参数): B (billion) right after a number, not part of a longer Latin word or a model
# name (7B-Instruct); K, M and T only after a dollar sign ($5M), where they cannot be other units
_LATIN_MAG = re.compile(r"(?P<l>B)(?![A-Za-z0-9]|-[A-Za-z])")
_LATIN_MAG_DOLLAR = re.compile(r"(?P<l>[KMBT])(?![A-Za-z0-9]|-[A-Za-z])")
_LATIN_MAG_VALUE = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def _read_latin_magnitude(text: str, s: int, e: int, value: Decimal) -> Quantity | None:
    """模型参数仅仅 4B -> 4e9 个; $5M -> 5e6 美元; a currency written after the letter is its unit."""
    dollar = text[max(0, s - 1) : s] == "$"
    m = (_LATIN_MAG_DOLLAR if dollar else _LATIN_MAG).match(text, e)
    if m is None or (s and re.match(r"[A-Za-z]", text[s - 1])):
        return None
    value *= _LATIN_MAG_VALUE[m.group("l")]
    unit, ue = _unit_at(text, m.end())
    if unit is not None and unit.kind == "currency":
        return _finish(text, s, ue, s, value * unit.factor, unit.unit, "currency", ns=s, ne=m.end())
    if dollar:
        return _finish(text, s - 1, m.end(), s - 1, value, "美元", "currency", ns=s - 1, ne=m.end())
    return _finish(text, s, m.end(), s, value, "个", "counter", ns=s, ne=m.end())


_ROUND_MAGNITUDES = {"万", "十万", "百万", "千万", "亿", "十亿", "百亿", "千亿", "万亿"}
_ENTRY_BEFORE = re.compile(r"(?:跻身|迈入|步入|跨入|迈进|晋级|晋身|挺进)\s*[“「\"]?\s*$")


def _read_without_unit(text, s, e, ne, raw, arabic, value, has_mag, qualifier) -> Quantity | None:
    """A numeral with no unit after it: 两成, 30强, 六小龙, 4B, 突破千亿 (a bare magnitude) or nothing."""
    cm = _CHENG.match(text, e)
    if cm and value <= 10 and not has_mag:  # 两成, 九成以上 (not 一成不变, 八成为)
        return _finish(text, s, cm.end(), s, value / 10, "%", "percent", qualifier, ns=s, ne=cm.end())
    sm = re.compile(r"\s?强").match(text, e)
    if sm and text[sm.end() : sm.end() + 1] not in _NOT_STRONG and value >= 3 and qualifier == "=":
        # 全国30强, 百强城市, 十强: the top N of a ranking
        return _finish(text, s, sm.end(), s, value, "rank", "rank", "<=", ns=s, ne=e)
    gm = _GROUP_NOUN.match(text, e)
    if gm and not arabic and value >= 2:
        return Quantity(s, gm.end(), text[s : gm.end()], value, "家", "group", "=", s, e)
    if arabic and not has_mag and qualifier == "=":
        lq = _read_latin_magnitude(text, s, e, value)
        if lq is not None:
            return lq
    if not has_mag:
        return None  # a bare numeral: list numbering, codes, names
    if _CLUB_AFTER.match(text, e) and _CLUB_ENTRY.search(text, max(0, s - 16), s):
        # 跻身“GDP万亿俱乐部”: entering a club of a threshold states the value is at least it
        return Quantity(s, e, text[s:e], value, "", "bare", ">=", s, e)
    if raw in _ROUND_MAGNITUDES and qualifier == "=" and _ENTRY_BEFORE.search(text, max(0, s - 6), s):
        # 迈入“万亿工业时代”, 步入千亿的产业: entering a level states the value is at least it
        return _finish(text, s, e, s, value, "", "bare", ">=", ns=s, ne=ne)
    if raw in _ROUND_MAGNITUDES and qualifier == "=" and _implied()[1].match(text, e):
        # 千亿参数, 千万用户: a round magnitude counting the noun right after it
        return _finish(text, s, e, s, value, "", "bare", qualifier, ns=s, ne=ne)
    if not arabic and not _has_prefix_qualifier(text, s) and qualifier == "=" and not text[e : e + 2] in ("规模", "量级"):
        return None  # 亿万, 万人空巷, 千万不要: a bare Chinese magnitude needs 超/突破/近 before it
    return _finish(text, s, e, s, value, "", "bare", qualifier, ns=s, ne=ne)


def _no_duration(text: str, s: int, ue: int, raw: str) -> bool:
    """Whether a numeral with a time unit (text[s:ue]) is no duration: relative time (14 年前),
    the article 一 (关键一年), a time frame of something else (过去一天, 未来5年)."""
    after = text[ue : ue + 3].lstrip("多余")[:2]
    if after[:1] in ("前", "后", "来", "间", "里", "之") or after in ("以来", "一度"):
        return True  # 14 年前, 一年来: relative time, not a duration
    if raw == "一" and not _DURATION_GOVERNOR.search(text, max(0, s - 10), s):
        return True  # 关键一年, 过去一天: 一 + a time word is an article unless a verb measures it (领先Meta一年)
    return bool(_TIME_FRAME.search(text, max(0, s - 3), s) or _TIME_FRAME_LIST.search(text, max(0, s - 16), s))


def _rank_place(text: str, s: int, ue: int, ne: int, value: Decimal, unit, qualifier: str) -> Quantity | None:
    """连升12位 (places moved), 排在全国30至40名之间, 掉到了40名开外 (places in a ranking), else None."""
    if unit.surface == "位" and _MOVE_BEFORE.search(text, max(0, s - 4), s):
        return _finish(text, s, ue, s, value, "位", "counter", qualifier, ns=s, ne=ne)
    if (unit.surface == "名" or (unit.surface == "位" and not _HAN_NOUN_AFTER.match(text, ue))) and (
        _RANK_PLACE_AFTER.match(text, ue) or _RANK_PLACE_BEFORE.search(text, max(0, s - 8), s)
    ):
        after = _RANK_PLACE_AFTER.match(text, ue)
        word = after.group(0).strip() if after else ""
        qualifier = {"开外": ">", "以后": ">", "之后": ">", "以内": "<=", "之列": "<="}.get(word, qualifier)
        return _finish(text, s, ue, s, value, "rank", "rank", qualifier, ns=s, ne=ne)
    return None


_NUMERAL_RE = re.compile(rf"{_AR}|{_CN}")


def _read_range(text: str, s: int, e: int, low: Decimal, blocked) -> Quantity | None:
    """A range written low-sep-high (3至5亿, 10%-15%, 2 至 3 年): value low, high the upper bound."""
    own = _PCT.match(text, e)
    if own and _CHANGE_BEFORE.search(text, max(0, s - 4), s):
        return None  # 下降0.7%至46.5%: by 0.7% to 46.5%
    le = own.end() if own else e
    sep = _RANGE_SEP.match(text, le)
    if not sep:
        return None
    m2 = _NUMERAL_RE.match(text, sep.end())
    if not m2 or _covered(blocked, m2.start(), m2.end()):
        return None
    arabic = text[s].isdigit()
    if m2.group(0)[0].isdigit() != arabic:
        return None
    if sep.group(0).strip() in ("-", "–") and not arabic:
        return None
    high_q = _read_plain(text, m2.start(), m2.end(), blocked, allow_range=False)
    if high_q is None or high_q.kind == "group" or (high_q.kind == "rank" and not text[high_q.num_end : high_q.end].startswith("名")):
        return None
    high_num = parse_number(text[high_q.num_start : high_q.num_end].replace(" ", "")) or Decimal(0)
    if not high_num:
        return None
    scale = high_q.value / high_num  # the upper bound's unit factor (x0.01 for %)
    if re.search(r"[万亿]", text[s:e]):
        low_value = low * scale  # the lower bound has its own magnitude (3亿至5亿)
    else:
        mag = high_num / parse_number(m2.group(0))  # 3至5亿: the upper's 亿 applies to both
        tail = re.search(r"[万亿]+$", m2.group(0)) if not arabic else None
        if tail:  # 三十至五十亿: the magnitude is inside the Chinese numeral
            for c in tail.group(0):
                mag *= _MAG_VALUE[c]
        low_value = low * mag * scale
    if low_value > high_q.value:
        return None
    return _finish(text, s, high_q.end, s, low_value, high_q.unit, high_q.kind, high_q.qualifier,
                   high=high_q.value, low_end=le, ns=s, ne=high_q.num_end)


# --------------------------------------------------------------------------- implied units


@lru_cache(maxsize=1)
def _implied():
    rows = _load_csv("implied_units.csv")
    nouns = {r["noun"]: r["unit"] for r in rows}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True)))
    return nouns, pattern


def implied_unit(text: str, clause_start: int, start: int, end: int) -> str | None:
    """The unit of a bare count at text[start:end] (no unit written) from the noun it counts
    (``pipeline/data/metrics/implied_units.csv``): the noun right after the number (98.8 万订单),
    else the nearest one before it in its clause (累计下载突破 300 万); None when none is named."""
    nouns, pattern = _implied()
    m = pattern.match(text, end)
    if m is None:
        m = pattern.match(text, end + 1) if text[end : end + 1] in ("个", "的") else None
    if m is not None:
        return nouns[m.group(0)]
    before = list(pattern.finditer(text, clause_start, start))
    return nouns[before[-1].group(0)] if before else None


def is_exact_repeat(q: Quantity, stated: set) -> bool:
    """Whether ``q`` repeats an exact count or amount already given in the document: the same value
    and unit, written as a precise figure (not a round one: 428家, 14324.47亿元, not 100家 or 1万亿元),
    so that the repeat is the same fact named again (目前科创板共有428家上市公司 ... 在428家科创板
    上市公司中, 有175家 ...). Shares, ranks and bounds are not repeats (two 9.6% may be two facts)."""
    if q.kind not in ("counter", "currency") or q.qualifier != "=" or q.high is not None or (q.value, q.unit) not in stated:
        return False
    digits = re.sub(r"\D", "", q.text[q.num_start - q.start : q.num_end - q.start])
    return len(digits.rstrip("0")) >= 3  # 428, 14324.47, 3.14: precise; 100, 5000, 1.3: round

