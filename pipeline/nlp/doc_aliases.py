"""Document-level short names of firms: a leading part of a recognised full name, used on its own.

Used by ``nlp.entities`` after propagation (issue 12): once the document names a firm in full
(小马智行, 面壁智能, IDG 资本), a leading part of that name which the same document writes as a word
of its own elsewhere (创立小马之前, 面壁的估值, IDG 领投) names the same firm. The short form gets the
full name's key, so the resolver joins both.

Guards (a short form must look like a name, not like a word or another entity):

- it is at least ``min_prefix`` characters long and leaves at least ``min_rest`` of the full name
  (小马|智行); a Latin part is whole words (IDG of IDG 资本), never one of the common Latin words;
- it is no frequent dictionary word (jieba frequency, ``entity_rules.common_word``), no stop prefix
  (``stop_prefixes`` in ``pipeline/data/vocab/doc_aliases.yaml``: 中国, 国家 ...), no generic stem,
  no name of the lexicon (华为 of 华为海思 is another firm), no place (杭州 of 杭州宇树科技) and no
  name the document gives a person;
- it fits one full name only (小米 beside 小米集团 and 小米汽车 is left alone, unless both carry one key);
- each occurrence starts and ends on a token boundary of the document (小马 in 小马哥 is no
  occurrence), lies outside a skipped block, and does not touch a Latin letter or digit (Latin forms).

The other way round (``extended_names``): a firm name found only as the tail of what the document
always writes (the model's 云图 where every occurrence reads 瑞和云图) is that longer name, when the
characters before it are the same at every occurrence (at least ``min_repeats``), make no word,
place or known name of their own (瑞和) and are not the end of another name (腾讯和|云图).

Plain functions over the text and the chosen mentions; no Dagster, no model.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline import vocab
from pipeline.nlp.entity_rules import common_word, get_matcher, in_dictionary, rules as load_rules
from pipeline.nlp.gazetteer import load_gazetteer

_CJK_RUN = re.compile(r"^[\u4e00-\u9fff]+$")
_LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
TYPES = ("firm",)


@dataclass(frozen=True)
class Alias:
    """One occurrence of a short form: offsets, the entity type and the full name's key/canonical."""

    start: int
    end: int
    type: str
    key: str
    canonical: str
    org_kind: str | None = None


_NUMBER_CHARS = re.compile(r"[0-9０-９]|第")


@functools.lru_cache(maxsize=1)
def settings() -> tuple[frozenset[str], int, int]:
    """(stop prefixes, shortest prefix, shortest rest) from ``doc_aliases.yaml``."""
    d = vocab.yaml_data("doc_aliases.yaml")
    return frozenset(d.get("stop_prefixes") or ()), int(d.get("min_prefix", 2)), int(d.get("min_rest", 2))


def leading_parts(name: str) -> list[str]:
    """Leading parts of ``name`` that may stand for it: CJK prefixes of allowed length (小马 of 小马智行),
    or the leading Latin words before a space (IDG of IDG 资本); longest first."""
    _, min_prefix, min_rest = settings()
    name = name.strip()
    if _CJK_RUN.match(name):
        return [name[:k] for k in range(len(name) - min_rest, min_prefix - 1, -1)]
    words = name.split(" ")
    if len(words) >= 2 and all(_LATIN_WORD.match(w) for w in words[:-1]):
        return [" ".join(words[:k]) for k in range(len(words) - 1, 0, -1) if len(" ".join(words[:k])) >= 3]
    return []


def refused(part: str, person_forms: set[str]) -> bool:
    """Is ``part`` no short name: a frequent word, a stop prefix, a generic stem, a lexicon name, a place,
    a person of the document or a common Latin word?"""
    stops, _, _ = settings()
    rules = load_rules()
    if part in stops or part in rules.generic or part in person_forms:
        return True
    if part.isascii():
        return part.lower() in {w.lower() for w in rules.latin_common_words}
    if part[0] in rules.leading_function_chars or common_word(part):
        return True
    if get_matcher().lexicon.lookup(part) is not None:
        return True
    if _NUMBER_CHARS.search(part) or any(stop in part[1:] for stop in stops):
        return True  # 瑞士第二, 俄国家: an ordinal or a scope word inside is no name's head
    gaz = load_gazetteer()
    return any(bool(gaz.candidates(part[:k])) or part[:k] in gaz.countries for k in range(2, len(part) + 1))
    # 河南洛阳, 瑞士: a place, or a head opened by one, names the place rather than the firm


def short_forms(mentions) -> dict[str, tuple[str, str, str, str | None]]:
    """Short form -> (type, key, canonical, org_kind) over the document's recognised firm names
    (``mentions``: objects with start, end, type, key, canonical, source, org_kind and ``form``)."""
    person_forms = {m.form for m in mentions if m.type == "person"}
    taken = {m.form for m in mentions}
    fits: dict[str, set[tuple[str, str, str, str | None]]] = {}
    for m in mentions:
        if m.type not in TYPES or m.source == "shorthand":
            continue
        key = m.key or m.form
        for part in leading_parts(m.form):
            if part in taken or refused(part, person_forms):
                continue
            fits.setdefault(part, set()).add((m.type, key, m.canonical or m.form, m.org_kind))
    return {part: next(iter(f)) for part, f in fits.items() if len({x[1] for x in f}) == 1}


def extended_names(text: str, mentions, skipped) -> list[Alias]:
    """Firm names the document always writes with the same unknown head before them (瑞和|云图): the
    longer name at every occurrence, its own key."""
    stops, _, _ = settings()
    repeats = int(vocab.yaml_data("doc_aliases.yaml").get("min_repeats", 2))
    function = load_rules().leading_function_chars
    out = []
    for form in {m.form for m in mentions if m.type in TYPES and m.key is None and _CJK_RUN.match(m.form)}:
        starts = [m.start() for m in re.finditer(re.escape(form), text)]
        if len(starts) < repeats or any(i < 2 for i in starts):
            continue
        heads = {text[i - 2 : i] for i in starts}
        if len(heads) != 1:
            continue
        head = heads.pop()
        if not _CJK_RUN.match(head) or head[0] in function or head in stops:
            continue
        if any(m.form != form and i - 2 < m.end <= i for m in mentions for i in starts):
            continue  # 腾讯和|云图: the head ends another name
        if refused(head, set()) or in_dictionary(head) or in_dictionary(head + form[0]):
            continue
        name = head + form
        out.extend(Alias(i - 2, i + len(form), "firm", name, name) for i in starts if not skipped(i - 2, i + len(form)))
    return out


def aliases(text: str, mentions, token_starts, token_ends, skipped) -> list[Alias]:
    """Every occurrence of a short form of a recognised firm name (``short_forms``) on token boundaries,
    outside skipped blocks; overlaps with other mentions are the caller's to settle."""
    forms = short_forms(mentions)
    out = []
    for part, (etype, key, canonical, org_kind) in forms.items():
        for m in re.finditer(re.escape(part), text):
            i, j = m.start(), m.end()
            if skipped(i, j):
                continue
            if part.isascii():
                if (i > 0 and text[i - 1].isascii() and text[i - 1].isalnum()) or (j < len(text) and text[j].isascii() and text[j].isalnum()):
                    continue
            elif i not in token_starts or j not in token_ends:
                continue
            out.append(Alias(i, j, etype, key, canonical, org_kind))
    return out
