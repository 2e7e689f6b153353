"""Document-level subjects: which entity a document is about, and what its anaphora point to.

``Salience.build(doc, mentions)`` scores every entity of a document (keyed by
its canonical name, else its surface form, and its type) from what the
document itself shows: each mention counts 1, a mention in the title 4 more,
in the lead paragraph (the first body block, or the first 200 characters) 2
more; ``credit`` adds 1 each time a fact takes the entity as its subject.
``main(types)`` is the document's main entity among ``types``: the best-scored
one, provided it is clearly ahead (at least 3 points and 1.5 times the next of
those types), else None: a document about five cities has no main city.

``anaphor_before(text, lo, hi)`` finds a referring word in text[lo:hi] (该公司,
公司, 其, 全市, 全省, 全国 ...; ``data/metrics/anaphora.csv``) and the entity type it
refers to. Who it refers to is ``subjects``' job.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.records import Document, Mention

ANAPHORA = Path(__file__).resolve().parent.parent / "data" / "metrics" / "anaphora.csv"
_LEAD_CHARS = 200


def entity_key(m: Mention) -> tuple[str, str]:
    return (m.canonical or m.text, m.entity_type)


@dataclass
class Salience:
    scores: dict[tuple[str, str], float] = field(default_factory=dict)
    first: dict[tuple[str, str], Mention] = field(default_factory=dict)  # a representative mention

    @classmethod
    def build(cls, doc: Document, mentions: list[Mention]) -> "Salience":
        s = cls()
        title_end = next((b.end for b in doc.blocks if b.kind == "title"), 0)
        body = [b for b in doc.blocks if b.kind == "body"]
        lead = (body[0].start, body[0].end) if body else (0, _LEAD_CHARS)
        title = doc.title or ""
        for m in mentions:
            k = entity_key(m)
            score = 1.0
            if m.end <= title_end:
                score += 4
            if lead[0] <= m.start < lead[1]:
                score += 2
            s.scores[k] = s.scores.get(k, 0.0) + score
            if k not in s.first or (s.first[k].end <= title_end < m.start):
                s.first[k] = m  # prefer a mention in the body over the title's
        if title and not title_end:  # the title is not part of the text: credit names written in it
            for k in list(s.scores):
                if k[0] and k[0] in title:
                    s.scores[k] += 4
        return s

    def credit(self, m: Mention) -> None:
        k = entity_key(m)
        self.scores[k] = self.scores.get(k, 0.0) + 1.0

    def mention_of(self, name: str, entity_type: str) -> Mention | None:
        """A mention of the entity ``name`` of ``entity_type`` in the document, if it is named."""
        return self.first.get((name, entity_type))

    def main(self, types: tuple[str, ...] | None = None) -> Mention | None:
        best, second, key = 0.0, 0.0, None  # one pass: the best and the runner-up
        for k, v in self.scores.items():
            if types and k[1] not in types:
                continue
            if v > best or (v == best and key is not None and k > key):
                best, second, key = v, best, k
            elif v > second:
                second = v
        if key is not None and best >= 3 and best >= 1.5 * second:
            return self.first[key]
        return None


@lru_cache(maxsize=1)
def _anaphora() -> tuple[re.Pattern, dict[str, tuple[str, ...]]]:
    with open(ANAPHORA, encoding="utf-8") as f:
        rows = list(csv.DictReader(ln for ln in f if ln.strip() and not ln.startswith("#")))
    table = {r["word"]: tuple(t for t in r["types"].split("|") if t) for r in rows}
    # not_after / not_before: characters that make the word part of another one (其中, 其他, 他们)
    guard = {r["word"]: ((r.get("not_after") or "").strip(), (r.get("not_before") or "").strip()) for r in rows}
    words = sorted(table, key=len, reverse=True)
    pattern = "|".join(_guarded(w, *guard[w]) for w in words)
    return re.compile(pattern), table


def _guarded(word: str, not_after: str, not_before: str) -> str:
    out = re.escape(word)
    if not_after:
        out = f"(?<![{re.escape(not_after)}])" + out
    if not_before:
        out += f"(?![{re.escape(not_before)}])"
    return out


# bare words refer only at the start of a clause (公司营收 ..., 全国GDP ...)
_CLAUSE_INITIAL = {"公司", "本公司", "全国", "国内", "我国"}
_LEADS = {"", "而", "但", "且", "同时", "此外", "其中", "另外", "目前", "如今", "当前", "此前", "此后", "近日", "日前", "近年来", "在", "从"}


def anaphor_before(text: str, lo: int, hi: int) -> tuple[int, str, tuple[str, ...]] | None:
    """The last referring word in text[lo:hi]: (its start, the word, the entity types it may refer to)."""
    pattern, table = _anaphora()
    last = None
    for m in pattern.finditer(text, lo, hi):
        if m.group(0) in _CLAUSE_INITIAL and text[lo : m.start()].strip() not in _LEADS:
            continue  # 科技公司, 民营企业: a common noun inside a phrase, not a reference
        last = m
    if last is None:
        return None
    return last.start(), last.group(0), table[last.group(0)]
