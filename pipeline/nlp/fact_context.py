"""The per-document and per-sentence context that fact extraction works in.

``DocContext`` holds a document's text, its mentions, dates, relative-year
words and periods (sorted, with their start offsets for bisection) and its
tokens; ``Sentence`` one sentence with its clauses (cut at ，,：:；;（）()) and
the mentions inside it. ``sentences`` cuts a region of text at 。！？!? and line
breaks (not at ；, which joins parallel clauses about one subject). Used by
``facts``, ``subjects`` and ``founding``. No Dagster import here.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from pipeline.nlp.dates import DateSpan, find_dates, find_periods, find_relative
from pipeline.records import Document, Mention, Token

_SENT_END = re.compile(r"[。！？!?]+[”’」』）)\"]*|\n")
_CLAUSE_SEP = re.compile(r"[，,：:；;（）()]")


@dataclass
class DocContext:
    doc: Document
    text: str
    mentions: list[Mention]
    dates: list[DateSpan]
    relatives: list
    periods: list
    consumed: set = field(default_factory=set)  # starts of dates used as founding attributes
    prev_subject: Mention | None = None  # subject of the previous sentence of the block
    carried: tuple | None = None  # (year, period) stated earlier in the paragraph, see facts._carry
    prev_org: Mention | None = None  # last firm or organisation named earlier in the block
    starts: dict = field(default_factory=dict)  # name -> sorted start offsets, for bisect
    tokens: list[Token] = field(default_factory=list)
    token_starts: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, doc: Document, tokens: list[Token], mentions: list[Mention]) -> "DocContext":
        text = doc.text
        d = cls(doc, text, sorted(mentions, key=lambda m: (m.start, -m.end)), find_dates(text),
                find_relative(text), find_periods(text))
        d.starts = {name: [x.start for x in getattr(d, name)] for name in ("mentions", "dates", "relatives", "periods")}
        d.tokens = sorted(tokens, key=lambda t: t.start)
        d.token_starts = [t.start for t in d.tokens]
        return d


@dataclass
class Sentence:
    start: int
    end: int
    clauses: list[tuple[int, int]]
    mentions: list[Mention]
    last_level: str | None = None
    last_subject: Mention | None = None
    last_fact_end: int = 0  # end of the last fact given a subject


def in_range(d: DocContext, name: str, lo: int, hi: int) -> list:
    """Items of ``d.<name>`` (sorted by start) whose start lies in [lo, hi)."""
    starts = d.starts[name]
    return getattr(d, name)[bisect_left(starts, lo) : bisect_left(starts, hi)]


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, s = [], start
    for m in _SENT_END.finditer(text, start, end):
        if m.end() > s:
            out.append((s, m.end()))
        s = m.end()
    if s < end:
        out.append((s, end))
    return out


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, s = [], start
    for m in _CLAUSE_SEP.finditer(text, start, end):
        out.append((s, m.start()))
        s = m.end()
    out.append((s, end))
    return out


def clause_index(sent: Sentence, pos: int) -> int:
    for i, (cs, ce) in enumerate(sent.clauses):
        if pos < ce or i == len(sent.clauses) - 1:
            if pos >= cs or i == 0:
                return i
    return len(sent.clauses) - 1


def subject_fields(m: Mention | None) -> dict:
    if m is None:
        return {}
    return dict(subject_start=m.start, subject_end=m.end, subject_text=m.text, subject_type=m.entity_type)


