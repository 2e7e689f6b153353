"""One document through every NLP stage: tokens -> mentions, relations, facts.

This is the unit of per-document work: it needs nothing but the document (and,
optionally, its tokens when they were computed and stored earlier), so it can
run in any process. Models and dictionaries are loaded once per process by the
stages themselves; ``warm_up`` loads them eagerly (e.g. in a worker pool's
initializer) so that the first document does not pay for it.

Long text without sentence ends. Some stages look at a whole sentence (or, for
subjects, the whole document) per number or name, so their cost grows faster
than the text when a "sentence" is very long (a text without 。, a dump without
punctuation). A document with a run of more than ``MAX_SENTENCE`` characters
without a sentence end, or longer than ``MAX_WHOLE`` characters, is therefore
analysed in *pieces* of at most ``PIECE`` characters (``pieces``), cut at the
safest boundary in the second half of each window: a sentence end, else a
comma, colon or space, else a token boundary, else anywhere not before a
combining mark. Every offset of a piece's results is shifted back to the
document's text, so offsets stay exact; a name or number across a cut is lost
(rare: cuts prefer punctuation). Ordinary news text (sentences of a few hundred
characters) is analysed whole, as before.
"""

from __future__ import annotations

import bisect
import dataclasses
import unicodedata

from pipeline.budget import BudgetExceeded, size_problem, time_limit
from pipeline.ingest.sources import source_key_path
from pipeline.records import Block, Document, DocumentAnalysis, SourceError, Token

MAX_SENTENCE = 1_000  # a longer run without a sentence end makes the document be cut into pieces
MAX_WHOLE = 100_000  # longer documents are always cut into pieces (at sentence ends where possible)
PIECE = 2_000  # the longest piece
SENTENCE_ENDS = frozenset("。！？!?；;\n…")
SOFT_BREAKS = frozenset("，,、：:）)」』》】 \t\u3000")


def warm_up() -> None:
    """Load the segmenter's dictionary, the NER model and the lexicons now."""
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.segment import segment

    segment("预热")
    load_tagger()
    analyse(Document("warmup", "", "", "", None, None, "马云在杭州创办了阿里巴巴,2023年营收超1000亿元。", ""))


def analyse(doc: Document, tokens: list[Token] | None = None) -> DocumentAnalysis:
    """Find the entity mentions, relations and numeric facts of one document (in pieces when needed)."""
    from pipeline.nlp.segment import segment

    if tokens is None:
        tokens = segment(doc.text)
    cuts = pieces(doc.text, tokens)
    if len(cuts) == 1:
        return _analyse_whole(doc, tokens)
    out = DocumentAnalysis(doc_id=doc.doc_id)
    starts = [t.start for t in tokens]
    for a, b in cuts:
        part = _analyse_whole(_sub_document(doc, a, b), _sub_tokens(doc.text, tokens, starts, a, b))
        out.mentions.extend(_shift(m, a, "start", "end") for m in part.mentions)
        out.facts.extend(_shift(f, a, "start", "end", "subject_start", "subject_end") for f in part.facts)
        out.relations.extend(
            _shift(r, a, "subject_start", "subject_end", "object_start", "object_end") for r in part.relations
        )
    return out


def analyse_within_budget(doc: Document, tokens: list[Token] | None = None):
    """``(analysis, None)``, or ``(None, SourceError)`` when the document is over its budget or fails.

    The error's ``source_path`` is the document's (``file`` or ``file#record``) and its
    kind ``budget`` (``pipeline.budget``: size or time) or ``extraction`` (an exception).
    """
    where = document_path(doc)
    too_long = size_problem(len(doc.text))
    if too_long:
        return None, SourceError(where, too_long, sha256=doc.sha256, kind="budget")
    try:
        with time_limit(what=f"document {where} ({len(doc.text):,} characters)"):
            return analyse(doc, tokens), None
    except BudgetExceeded as exc:
        return None, SourceError(where, str(exc), sha256=doc.sha256, kind="budget")
    except Exception as exc:  # noqa: BLE001 - one document's failure is reported, not fatal
        return None, SourceError(where, f"extraction failed: {type(exc).__name__}: {exc}",
                                 sha256=doc.sha256, kind="extraction")


def document_path(doc: Document) -> str:
    """The document's source path as the tables publish it: the file, plus '#record' for a .jsonl record."""
    if not doc.source_key:
        return doc.source_path

    rel, fragment = source_key_path(doc.source_key)
    return f"{rel}#{fragment}" if fragment is not None else rel


def _analyse_whole(doc: Document, tokens: list[Token]) -> DocumentAnalysis:
    from pipeline.nlp.entities import recognize
    from pipeline.nlp.facts import extract_facts
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.relations import find_relations

    spans = load_tagger().tag(doc.text, tokens)
    mentions = recognize(doc, tokens, spans)
    relations = find_relations(doc, mentions)
    facts = extract_facts(doc, tokens, mentions)
    return DocumentAnalysis(doc_id=doc.doc_id, mentions=mentions, facts=facts, relations=relations)


# ---- pieces ----------------------------------------------------------------------------


def needs_pieces(text: str) -> bool:
    """True when the text is too long, or has a run of more than MAX_SENTENCE characters without a sentence end."""
    if len(text) > MAX_WHOLE:
        return True
    run = 0
    for ch in text:
        run = 0 if ch in SENTENCE_ENDS else run + 1
        if run > MAX_SENTENCE:
            return True
    return False


def pieces(text: str, tokens: list[Token] | None = None, size: int = PIECE) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` covering ``text`` in order: one piece, or pieces of at most ``size`` characters."""
    n = len(text)
    if n <= size or not needs_pieces(text):
        return [(0, n)]
    boundaries = {t.start for t in tokens or ()} | {t.end for t in tokens or ()}
    out = []
    a = 0
    while n - a > size:
        out.append((a, cut := _best_cut(text, a + size // 2, a + size, boundaries)))
        a = cut
    out.append((a, n))
    return out


def _best_cut(text: str, low: int, high: int, boundaries: set[int]) -> int:
    """The position in (low, high] to cut before: the last of the best kind (see module doc)."""
    best = {}
    for p in range(high, low, -1):
        prev = text[p - 1]
        if prev in SENTENCE_ENDS:
            return p
        if 1 not in best and prev in SOFT_BREAKS:
            best[1] = p
        elif 2 not in best and p in boundaries:
            best[2] = p
        elif 3 not in best and not unicodedata.combining(text[p]) and not _pair(prev, text[p]):
            best[3] = p
    for kind in (1, 2, 3):
        if kind in best:
            return best[kind]
    return high


def _pair(a: str, b: str) -> bool:
    """A cut between these two would split a surrogate pair, a digit run or a joiner sequence."""
    return (a.isdigit() and b.isdigit()) or a in "\u200d\u2060" or b in "\u200d\ufe0f"


def _sub_document(doc: Document, a: int, b: int) -> Document:
    blocks = [Block(max(bl.start, a) - a, min(bl.end, b) - a, bl.kind) for bl in doc.blocks if bl.start < b and bl.end > a]
    return dataclasses.replace(doc, text=doc.text[a:b], blocks=blocks)


def _sub_tokens(text: str, tokens: list[Token], starts: list[int], a: int, b: int) -> list[Token]:
    """The tokens of ``text[a:b]``, relative to ``a``; a token across a cut is cut too."""
    i = max(0, bisect.bisect_right(starts, a) - 1)
    out = []
    for t in tokens[i:]:
        if t.start >= b:
            break
        s, e = max(t.start, a), min(t.end, b)
        if s < e:
            out.append(Token(s - a, e - a, text[s:e]))
    return out


def _shift(record, by: int, *fields: str):
    changes = {f: getattr(record, f) + by for f in fields if getattr(record, f) is not None}
    return dataclasses.replace(record, **changes)
