"""Metric names: what a number measures, from the words around it.

The vocabulary (``pipeline/data/metrics/metric_vocabulary.csv``) maps cue words
to canonical names so that equal things get equal names across documents
(营业收入 / 营收 / 总营收 -> 营收). ``subject_types_for`` types the metric names no
cue named (``metric_subject_types.csv``: 月份生产数量 -> firm ...) and ``person_roles``
finds the role words of 蔚来创始人李斌 (``person_roles.txt``). ``find_cue`` finds the cue that governs a
number inside its clause; ``noun_before`` / ``noun_after`` give the local noun
phrase used when no cue is found (179个应用场景 -> 应用场景数量). How the pieces
are combined (营收 + 同比增长 -> 营收同比增长, 成本 + 降低 -> 成本降幅) is
``facts``' job.
"""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import vocab

DATA = Path(__file__).resolve().parent.parent / "data" / "metrics" / "metric_vocabulary.csv"


@dataclass(frozen=True)
class Cue:
    cue: str
    metric: str
    kind: str  # level, change, decline, share, rank
    sign: int
    subject_types: tuple[str, ...]
    money: bool


@dataclass(frozen=True)
class CueHit:
    start: int
    end: int
    cue: Cue


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Cue]:
    """The metric vocabulary: cue word -> ``Cue``."""
    with open(DATA, encoding="utf-8") as f:
        rows = list(csv.DictReader(ln for ln in f if ln.strip() and not ln.startswith("#")))
    return {
        r["cue"]: Cue(r["cue"], r["metric"], r["kind"], int(r["sign"]),
                      tuple(t for t in r["subject_types"].split("|") if t), r["money"] == "1")
        for r in rows
    }


@lru_cache(maxsize=1)
def _subject_types_table() -> list[tuple[str, tuple[str, ...]]]:
    with open(DATA.with_name("metric_subject_types.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(ln for ln in f if ln.strip() and not ln.startswith("#")))
    table = [(r["word"], tuple(t for t in r["subject_types"].split("|") if t)) for r in rows]
    return sorted(table, key=lambda r: len(r[0]), reverse=True)


def subject_types_for(metric: str) -> tuple[str, ...]:
    """Entity types a metric name is about (``metric_subject_types.csv``; longest word wins), else ()."""
    for word, types in _subject_types_table():
        if word in metric:
            return types
    return ()


@lru_cache(maxsize=1)
def person_roles() -> re.Pattern:
    """Role words between a firm and a person (蔚来创始人李斌), from ``person_roles.txt``."""
    words = sorted(set(vocab.word_lines(DATA.with_name("person_roles.txt"))), key=len, reverse=True)
    role = "|".join(map(re.escape, words))
    return re.compile(rf"[\s的]*(?:{role})(?:\s*[、兼和及与]?\s*(?:{role}))*\s*[:：]?\s*")


@lru_cache(maxsize=1)
def _cue_re() -> re.Pattern:
    words = sorted(vocabulary(), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


def cues_in(text: str, start: int, end: int) -> list[CueHit]:
    """Every vocabulary cue in ``text[start:end]`` (leftmost-longest, not overlapping)."""
    voc = vocabulary()
    hits = (CueHit(m.start(), m.end(), voc[m.group(0)]) for m in _cue_re().finditer(text, start, end))
    return [h for h in hits if h.cue.kind != "none"]  # 规模以上 is matched so that its 规模 is not


# Characters and words that end a noun phrase when reading backwards from a number.
_NP_STOP = re.compile(
    r"(?:的|是|为|在|了|和|与|及|等|将|已|也|都|还|就|其中|让|把|被|对|向|从|其|共|总计|累计|合计|一共|达到|达|有|占|"
    r"超过|超|约|近|接近|突破|高达|实现|成为|仅次于|贡献|集聚|积累|拥有|获得|完成|推出|发布|显示|数据|其中|至|到|则|涨|跌|增|降|"
    r"[，,。；;：:、（）()“”‘’「」『』《》\s\d%])"
)
_NP_LEAD = re.compile(r"^(?:多只|多家|多个|各|该|这|那|每|全部|所有|其|这些|那些)")


def noun_before(text: str, start: int, limit: int, max_len: int = 10) -> str:
    """The noun phrase ending at ``start`` (after the last stop word, at most ``max_len`` chars)."""
    lo = max(limit, start - max_len)
    seg = text[lo:start]
    cut = 0
    for m in _NP_STOP.finditer(seg):
        cut = m.end()
    np = _NP_LEAD.sub("", seg[cut:])
    return np.strip()


_NP_AFTER = re.compile(r"\s?的?\s?([^，,。；;：:、（）()“”‘’「」\s\d%的]{1,12})")
_NP_AFTER_STOP = re.compile(r"(?:中|里|之一|等|也|都|已|将|在|是|为|和|与|被|把|让|并|均|分别|占|达|的|了)")


def noun_after(text: str, end: int, limit: int) -> str:
    """The noun phrase right after ``end`` (179个应用场景和应用标杆企业 -> 应用场景和应用标杆企业)."""
    m = _NP_AFTER.match(text, end, limit)
    if not m:
        return ""
    np = m.group(1)
    # stop before a verb or function word that ends the phrase
    best = len(np)
    for sm in _NP_AFTER_STOP.finditer(np):
        if sm.start() < 2 or (sm.group(0) in ("和", "与") and sm.start() + 1 < len(np)):
            continue  # 应用场景和应用标杆企业: a coordinated noun phrase
        best = sm.start()
        break
    return np[:best]


_STOP_WORDS = frozenset(
    "的 是 为 在 了 和 与 及 等 将 已 也 都 还 就 让 把 被 对 向 从 其 共 总计 累计 合计 一共 达到 达 有 占 超过 超 约 近 "
    "接近 突破 高达 实现 成为 仅次于 贡献 集聚 积累 拥有 获得 完成 推出 发布 显示 其中 至 到 则 今年 去年 当年 "
    "同年 目前 如今 截至 共计 分别 均 又 再 并 而 但 却 仍 已经 正在 进一步 以上 以下 左右 多 余 个 "
    "上半年 下半年 全年 年底 年末 年初 其他 这 那 这个 那个 每 各 该 此 按照 按 依照 根据 通过 以 时 单独 "
    "比 较 比上年 同期 去年同期 上年 上月 逐步 持续 继续 进一步 首次 再次 相当于 预计 可 可以 能 能够 或 即 "
    "已达 达到了 增长 下降 提高 提升 上升 减少 增加 约为 年 月 日 号 仅 仅为 只有 只 才 就是 即为 经过 历经 用时 耗时 连续 共有 设计".split()
)
_WORDISH = re.compile(r"^[\u4e00-\u9fffA-Za-z]+$")


def _usable(word: str) -> bool:
    return bool(_WORDISH.match(word)) and word not in _STOP_WORDS


def tokens_before(text: str, tokens, starts: list[int], pos: int, limit: int, max_tokens: int = 3, max_len: int = 8) -> str:
    """The last ``max_tokens`` content words ending at or before ``pos`` (not before ``limit``)."""
    i = bisect.bisect_left(starts, pos) - 1
    words: list[str] = []
    while i >= 0 and len(words) < max_tokens:
        t = tokens[i]
        if t.start < limit or t.end > pos or not _usable(t.word) or len(t.word) + sum(map(len, words)) > max_len:
            break
        words.insert(0, t.word)
        i -= 1
    return "".join(words)


def tokens_after(text: str, tokens, starts: list[int], pos: int, limit: int, max_tokens: int = 6, max_len: int = 14) -> str:
    """The first content words starting at ``pos`` (a leading 的 skipped; stops at a function word)."""
    i = bisect.bisect_left(starts, pos)
    if i < len(tokens) and tokens[i].word == "的":
        i += 1
    words: list[str] = []
    while i < len(tokens) and len(words) < max_tokens:
        t = tokens[i]
        if t.end > limit or len(t.word) + sum(map(len, words)) > max_len:
            break
        coord = t.word in ("和", "与", "及") and words and i + 1 < len(tokens) and _usable(tokens[i + 1].word)
        if not (coord or _usable(t.word)) or (words and tokens[i - 1].end != t.start):
            break
        words.append(t.word)
        i += 1
    while words and words[-1] in ("和", "与", "及"):
        words.pop()
    return "".join(words)
