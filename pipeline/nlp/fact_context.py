"""The per-document and per-sentence context that fact extraction works in.

``DocContext`` holds a document's text, its mentions, dates, relative-year
words and periods (sorted, with their start offsets for bisection) and its
tokens; ``Sentence`` one sentence with its clauses (cut at ，,：:；;（）()) and
the mentions inside it. ``sentences`` cuts a region of text at 。！？!? and line
breaks (not at ；, which joins parallel clauses about one subject). Used by
``facts``, ``subjects`` and ``founding``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from pipeline.nlp.dates import DateSpan, document_date, find_dates, find_periods, find_relative
from pipeline.nlp.salience import Salience
from pipeline.records import Document, Mention, Token

_SENT_END = re.compile(r"[。！？!?]+[”’」』）)\"]*|\n")
_CLAUSE_SEP = re.compile(r"[，：:；;（）()]|(?<!\d),|,(?!\d)")  # 1,888.00万股: a thousands separator splits nothing


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
    para_topic: Mention | None = None  # topic of the last block that named anyone (carried over blocks naming nobody)
    para_start: int = 0  # start of the current block
    stated: set = field(default_factory=set)  # (value, unit) of the numbers read so far, for restatements
    prev_group: list = field(default_factory=list)  # the list of names of the previous sentence (它们分别...)
    prev_place: dict = field(default_factory=dict)  # entity type (city, province) -> last one named in the block
    salience: Salience | None = None  # the document's main entities (``salience``)
    para_timed: bool = False  # the paragraph so far named a year, a relative year or a time shift
    doc_date: object = None  # the date the document speaks from (``dates.document_date``)
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
        d.salience = Salience.build(doc, d.mentions)
        d.doc_date = document_date(doc.published_at, text)
        return d


@dataclass
class Sentence:
    start: int
    end: int
    clauses: list[tuple[int, int]]
    mentions: list[Mention]
    last_level: str | None = None
    last_pct_metric: str | None = None  # metric of the last percentage named by a cue (小米（17.2%）)
    last_subject: Mention | None = None
    last_method: str = "none"  # subject_method of last_subject
    subjects: list = field(default_factory=list)  # the subjects of the sentence's facts, in order
    group: list = field(default_factory=list)  # a list of names that shared or split numbers (A、B分别...)
    last_fact_end: int = 0  # end of the last fact given a subject
    counted: list = field(default_factory=list)  # names a count enumerated (A、B、C 5座城市), in order
    clause_starts: list | None = None  # the clauses' starts, for bisection


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
    """Index of the clause of ``sent`` holding ``pos`` (a separator belongs to the clause after it)."""
    starts = sent.clause_starts
    if starts is None:
        starts = sent.clause_starts = [c[0] for c in sent.clauses]
    return max(0, bisect_right(starts, pos) - 1)


def subject_fields(m: Mention | None) -> dict:
    if m is None:
        return {}
    return dict(subject_start=m.start, subject_end=m.end, subject_text=m.text, subject_type=m.entity_type)


