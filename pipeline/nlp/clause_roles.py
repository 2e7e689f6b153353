"""Grammatical roles of names inside a clause, from the dictionary parts of speech of its words.

A clause is cut at ，,：:；;（）() (``fact_context.clauses``). Its grammatical subject
stands before any verb or preposition of the clause: 2021年，合肥GDP达1.14万亿 (合肥 after
time words only), 此外华为营收增长 (after a conjunction). A name with a verb or a
preposition of its clause before it is governed by that word, an object or an adjunct
(图森未来成功登陆纳斯达克 -> 纳斯达克 is governed by 登陆; 在杭州, 与小米, 随着X).

``governor_before(d, lo, pos)`` is the last verb or preposition word of text[lo:pos]
outside names, role words (图灵奖得主姚期智: 得主 is listed as a verb in jieba's
dictionary but is a role) and phrases qualifying the name with 的 (来自西南的成都), or None. ``opens_clause(d, clause_start, m)`` is whether
``m`` stands before any such word of its clause; ``agent_of_relative(d, m)`` whether it is
the agent of a relative clause (小米发布的数据), not the subject of its clause. Parts of speech are jieba's
dictionary tags (``ner.dictionary_tags.word_pos``: the same for a word wherever it occurs),
read from the document's tokens, so the test costs a bisection and a few look-ups.
Words that lead a clause without governing what follows (截至, 据悉 ...) are listed
in ``data/metrics/clause_lead_words.txt``.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from pipeline import vocab
from pipeline.nlp import metric_names as mn
from pipeline.nlp.fact_context import DocContext, in_range
from pipeline.nlp.ner.dictionary_tags import word_pos
from pipeline.records import Mention

LEAD_WORDS = Path(__file__).resolve().parent.parent / "data" / "metrics" / "clause_lead_words.txt"
_GOVERNING = ("v", "p")  # verbs (v, vn, vd ...) and prepositions


@lru_cache(maxsize=1)
def lead_words() -> frozenset[str]:
    """Verbs and prepositions that open a clause without governing a name after them (截至, 据悉)."""
    return frozenset(vocab.word_lines(LEAD_WORDS))


def is_governing(word: str) -> bool:
    """Whether a word is a verb or a preposition by its dictionary tag (not a lead word)."""
    tag = word_pos().get(word)
    return tag is not None and tag.startswith(_GOVERNING) and word not in lead_words()


def governor_before(d: DocContext, lo: int, pos: int) -> str | None:
    """The last verb or preposition of text[lo:pos] that is not part of a name nor a role word, or None."""
    if pos <= lo:
        return None
    tokens = d.tokens[bisect_left(d.token_starts, lo) : bisect_left(d.token_starts, pos)]
    if not tokens:
        return None
    names = in_range(d, "mentions", max(0, lo - 12), pos)
    roles = mn.person_roles()
    for t in reversed(tokens):
        if t.end > pos or not is_governing(t.word):
            continue
        if any(m.start < t.end and t.start < m.end for m in names):
            continue  # a word inside a name (小米汽车, 蔚来)
        if roles.fullmatch(d.text, t.start, t.end):
            continue  # 得主, 创始人: a role before a person, not a verb
        if d.text[t.end : pos].rstrip().endswith("的"):
            continue  # 来自西南的成都, 扩容后的合肥市: the verb is inside a phrase qualifying the name
        return t.word
    return None


def opens_clause(d: DocContext, clause_start: int, m: Mention) -> bool:
    """Whether ``m`` stands before every verb and preposition of its clause (its grammatical subject)."""
    return governor_before(d, clause_start, m.start) is None


def agent_of_relative(d: DocContext, m: Mention) -> bool:
    """Whether ``m`` is the agent of a relative clause qualifying a later noun (“浙江经信”公布的……名单,
    小米发布的数据): a verb right after it, then 的. Such a name is not the subject of its clause."""
    text = d.text
    pos = m.end
    while pos < len(text) and text[pos] in "”\"」』 ":
        pos += 1
    i = bisect_left(d.token_starts, pos)
    if i >= len(d.tokens) or d.tokens[i].start != pos:
        return False
    t = d.tokens[i]
    if t.word in ("所", "已", "曾", "刚") and i + 1 < len(d.tokens):
        t = d.tokens[i + 1]
    return is_governing(t.word) and text.startswith("的", t.end)
