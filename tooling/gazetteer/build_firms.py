"""Convert a public list of A-share listed companies into ``pipeline/data/lexicon/firms_known.csv`` (run by hand).

Source: the PyPI package ``adata`` 2.9.5 (github.com/1nchaos/adata, Apache-2.0), file
``adata/stock/cache/code.csv``: stock code, short name (证券简称) and listing date of
every company listed on the Shanghai, Shenzhen and Beijing exchanges, including
delisted ones (factual data as published by the exchanges). Usage::

    pip download --no-deps adata==2.9.5 && unzip -o adata-2.9.5-py3-none-any.whl 'adata/stock/cache/code.csv'
    PYTHONPATH=. python -m tooling.gazetteer.build_firms adata/stock/cache/code.csv > pipeline/data/lexicon/firms_known.csv

Each short name is normalised (``clean_short_name``: full-width forms and spaces
folded; share-class letters A/B, risk markers ST/*ST/PT/S, trading-day markers
N/C/XD/XR/DR and delisting marks 退/退市 removed) and then judged
(``judge``): dropped when it is one character, starts with a Latin letter, is a
place or country name of the gazetteer, is on the stop list
(``pipeline/data/lexicon/firms_known_stop.txt``), is a form of the hand-made
lexicon (which keeps precedence), or is an ordinary word by jieba's dictionary
(a place word, a non-noun, or a very frequent word); kept but marked
``ambiguous`` when it is a fairly frequent dictionary noun (熊猫, 五粮液) or a
phrase of frequent words (中国电影, 东方财富), so that it is taken only where the
model or the context marks an organisation. Output columns are the lexicon's
(``pipeline/nlp/lexicon.py``) plus ``source``.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

SOURCE = "adata 2.9.5 code.csv (Apache-2.0)"
REPO = Path(__file__).resolve().parents[2]
STOP_FILE = REPO / "pipeline" / "data" / "lexicon" / "firms_known_stop.txt"
HAND_LEXICON = REPO / "pipeline" / "data" / "lexicon" / "entities.csv"
OUT_COLUMNS = ("name", "type", "aliases", "kind", "hq_city", "ambiguous", "note", "source")

_CJK = "\u4e00-\u9fff"
_PREFIX = re.compile(rf"^(?:S\*ST|\*ST|SST|ST|PT|XD|XR|DR|S|N|C)(?=[{_CJK}])")
_CLASS_SUFFIX = re.compile(rf"(?<=[{_CJK}])(?:[AB]|-[UWD]{{1,2}}|[UW])$")

DROP_FREQ = 1000  # a dictionary word this frequent is an ordinary word, whatever its tag (文化, 未来)
AMBIGUOUS_FREQ = 20  # a dictionary name this frequent is taken only in a firm context (熊猫, 新天地)
PHRASE_WORD_FREQ = 40  # a name made of words this frequent is a phrase too (中国|电影, 海量|数据, 绿色|动力)
# Suffixes that make a business name of any words (万丰股份, 平安银行); industry words (能源, 动力) do not.
NAME_SUFFIXES = ("公司", "集团", "控股", "股份", "银行", "证券", "保险", "期货", "信托", "实业", "置业", "药业", "科技")
FACILITY_SUFFIXES = ("港", "机场", "高速", "铁路")  # 北部湾港, 白云机场, 宁沪高速: the facility as much as the firm
PLACE_LEAD_WORD_FREQ = 100  # 黄山|旅游, 海南|矿业: a place before a word this frequent is a phrase too
REGION_WORDS = ("西部", "北方", "南方", "东方", "华东", "华南", "华北", "华中", "西南", "西北", "东北", "中原", "江南")
NAME_TAGS = ("nt",)  # the dictionary tag of organisation names: kept as they are
PROPER_TAGS = ("nr", "nz", "j")  # names and abbreviations: ambiguous only when frequent
COMMON_TAGS = ("n", "l", "i")  # common nouns and set phrases: always ambiguous (火星人, 探路者)


def clean_short_name(raw: str) -> str:
    """The company's name in a stock short name: 万  科Ａ -> 万科, *ST全新 -> 全新, 神城A退 -> 神城."""
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
    name = re.sub(r"\(.*?\)", "", name)  # 百联股份(已合并): a remark
    for _ in range(2):  # S*ST..., 退市..A
        name = _PREFIX.sub("", name)
        name = re.sub(r"^退市", "", name)
        name = re.sub(r"退$", "", name)
        name = _CLASS_SUFFIX.sub("", name)
    return name


@dataclass(frozen=True)
class Context:
    """What a short name is judged against: places, stop words, hand-lexicon forms, jieba's dictionary."""

    places: frozenset[str]
    stop: frozenset[str]
    hand_forms: frozenset[str]
    freq: Mapping[str, int]
    tag: Callable[[str], str]  # the dictionary tag of a word ("n" when it has none of its own)
    cut: Callable[[str], list[str]]  # jieba's segmentation
    suffixed: Callable[[str], bool] = lambda name: name.endswith(NAME_SUFFIXES)  # a business name whatever its words


def judge(name: str, ctx: Context) -> str:
    """``keep``, ``ambiguous`` or ``drop:<reason>`` for a cleaned short name."""
    if len(name) < 2:
        return "drop:one character"
    if re.match(r"[A-Za-z0-9]", name) or not re.fullmatch(rf"[{_CJK}A-Za-z0-9]+", name):
        return "drop:not a Chinese name"
    if name in ctx.places:
        return "drop:place"
    if name in ctx.stop:
        return "drop:stop list"
    if name in ctx.hand_forms:
        return "drop:in the hand-made lexicon"
    freq = ctx.freq.get(name) or 0
    if freq:
        tag = ctx.tag(name)
        if tag in NAME_TAGS:
            return "ambiguous" if len(name) == 2 else "keep"
        if tag not in PROPER_TAGS + COMMON_TAGS:
            return f"drop:dictionary word ({tag})"  # a place (ns), a time word, a verb, an adverb ...
        if freq >= DROP_FREQ:
            return "drop:frequent word"
        if tag in COMMON_TAGS or freq >= AMBIGUOUS_FREQ or len(name) == 2:
            return "ambiguous"
        return "keep"
    if len(name) == 2:
        return "ambiguous"  # 中安, 中捷 (China and Angola, Czechia), 华业 (在|华|业务): too easily a piece of text
    if name.endswith(FACILITY_SUFFIXES):
        return "ambiguous"
    if ctx.suffixed(name):
        return "keep"  # 万丰股份, 平安银行: a business suffix makes a name
    if _place_phrase(name, ctx):
        return "ambiguous"  # 黄山旅游, 中国核电, 西部矿业: also "Huangshan's tourism"
    covered = sum(len(w) for w in ctx.cut(name) if len(w) >= 2 and (ctx.freq.get(w) or 0) >= PHRASE_WORD_FREQ)
    if covered and covered >= len(name) - 1:
        return "ambiguous"  # 中国|电影, 新|产业, 线上|线下: frequent words but for one character at most
    return "keep"


def _place_phrase(name: str, ctx: Context) -> bool:
    """A place or region, then frequent dictionary words or another place (黄山|旅游, 中国|核电, 上海|临港)."""
    for k in range(2, min(len(name) - 1, 4) + 1):
        lead, rest = name[:k], name[k:]
        if lead not in ctx.places and lead not in REGION_WORDS:
            continue
        words = ctx.cut(rest)
        if rest in ctx.places:
            return True  # 上海临港: two places
        if all(len(w) >= 2 and (ctx.freq.get(w) or 0) >= PLACE_LEAD_WORD_FREQ for w in words):
            return True
    return False


def read_source(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def build_rows(source: Iterable[Mapping[str, str]], ctx: Context) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Lexicon rows (one per cleaned name, its stock codes in ``note``) and the dropped names with reasons."""
    codes: dict[str, list[str]] = {}
    for row in source:
        name = clean_short_name(row["short_name"])
        codes.setdefault(name, []).append(row["stock_code"].strip())
    rows, dropped = [], {}
    for name in sorted(codes):
        verdict = judge(name, ctx)
        if verdict.startswith("drop:"):
            dropped[name] = verdict[5:]
            continue
        rows.append({
            "name": name, "type": "firm", "aliases": "", "kind": "company", "hq_city": "",
            "ambiguous": "yes" if verdict == "ambiguous" else "",
            "note": "A-share " + " ".join(sorted(set(codes[name]))), "source": SOURCE,
        })
    return rows, dropped


def read_stop(path: Path = STOP_FILE) -> frozenset[str]:
    """One word a line; ``#`` starts a comment."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        w = line.split("#", 1)[0].strip()
        if w:
            words.add(w)
    return frozenset(words)


def default_context() -> Context:
    """Places and countries of the gazetteer, the stop list, the hand lexicon's forms, jieba's dictionary."""
    from pipeline.nlp.gazetteer import load_gazetteer
    from pipeline.nlp.lexicon import read_entries
    from pipeline.nlp.ner.dictionary_tags import word_pos, word_tags
    from pipeline.nlp.segment import get_tokenizer

    gaz = load_gazetteer()
    places = set(gaz.by_name) | set(gaz.zones) | set(gaz.countries) | set(gaz.shorthands)
    hand = {f for e in read_entries(HAND_LEXICON) for f in e.forms}
    tok = get_tokenizer()
    tags, pos = word_tags(), word_pos()
    return Context(
        places=frozenset(places), stop=read_stop(), hand_forms=frozenset(hand), freq=tok.FREQ,
        tag=lambda w: tags.get(w) or pos.get(w) or "n",
        cut=lambda s: [w for w in tok.lcut(s, HMM=False) if w.strip()],
    )


def write_rows(rows: list[dict[str, str]], out=sys.stdout) -> None:
    w = csv.DictWriter(out, fieldnames=OUT_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)


def main(argv: list[str]) -> None:
    rows, dropped = build_rows(read_source(Path(argv[0])), default_context())
    write_rows(rows)
    reasons: dict[str, int] = {}
    for r in dropped.values():
        reasons[r] = reasons.get(r, 0) + 1
    print(f"{len(rows)} names kept ({sum(1 for r in rows if r['ambiguous'])} ambiguous); dropped: {reasons}", file=sys.stderr)
    if len(argv) > 1:
        Path(argv[1]).write_text("".join(f"{n}\t{r}\n" for n, r in sorted(dropped.items())), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
