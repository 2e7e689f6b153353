"""Shared helpers of the extraction tests: recognise the entities of a short text (with the NER model's
spans given by hand) and find the relations between given mentions. Test modules import them
(``from nlp_helpers import typed, relations_of``), as they do ``conftest``'s constants."""

from __future__ import annotations

from pipeline.nlp.entities import recognize
from pipeline.nlp.relations import find_relations
from pipeline.nlp.segment import segment
from pipeline.records import Document, Mention

P, F, O, C = "person", "firm", "org", "city"


def mentions(text: str, spans=()):
    """The recognised mentions of ``text``; ``spans``: (name, NER type) the model is taken to have tagged
    (at the name's first occurrence)."""
    ner = []
    for name, type_ in spans:
        s = text.index(name)
        ner.append((s, s + len(name), type_))
    return recognize(Document("d", "", "", "", None, None, text, ""), segment(text), ner)


def typed(text: str, spans=()) -> set[tuple[str, str]]:
    """{(mention text, entity type)} of ``text``."""
    return {(m.text, m.entity_type) for m in mentions(text, spans)}


def relations_of(text: str, names: list[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(name, entity_type) at each occurrence in order -> {(relation, subject, object)}; every relation's
    evidence span must slice to text inside its sentence and start no later than its mentions."""
    ms, pos = [], {}
    for name, etype in names:
        i = text.index(name, pos.get(name, 0))
        pos[name] = i + len(name)
        ms.append(Mention("d", i, i + len(name), name, etype))
    rels = find_relations(Document("d", "", "", "", None, None, text, ""), ms)
    for r in rels:
        assert text[r.span_start:r.span_end] and r.span_start <= min(r.subject_start, r.object_start)
        assert r.sentence and text[r.span_start:r.span_end] in r.sentence
    return {(r.kind, text[r.subject_start:r.subject_end], text[r.object_start:r.object_end]) for r in rels}
