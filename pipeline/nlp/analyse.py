"""One document through every NLP stage: tokens -> mentions, relations, facts.

This is the unit of per-document work: it needs nothing but the document (and,
optionally, its tokens when they were computed and stored earlier), so it can
run in any process. Models and dictionaries are loaded once per process by the
stages themselves; ``warm_up`` loads them eagerly (e.g. in a worker pool's
initializer) so that the first document does not pay for it.
"""

from __future__ import annotations

from pipeline.records import Document, DocumentAnalysis, Token


def warm_up() -> None:
    """Load the segmenter's dictionary, the NER model and the lexicons now."""
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.segment import segment

    segment("预热")
    load_tagger()
    analyse(Document("warmup", "", "", "", None, None, "马云在杭州创办了阿里巴巴,2023年营收超1000亿元。", ""))


def analyse(doc: Document, tokens: list[Token] | None = None) -> DocumentAnalysis:
    """Find the entity mentions, relations and numeric facts of one document."""
    from pipeline.nlp.entities import recognize
    from pipeline.nlp.facts import extract_facts
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.relations import find_relations
    from pipeline.nlp.segment import segment

    if tokens is None:
        tokens = segment(doc.text)
    spans = load_tagger().tag(doc.text, tokens)
    mentions = recognize(doc, tokens, spans)
    relations = find_relations(doc, mentions)
    facts = extract_facts(doc, tokens, mentions)
    return DocumentAnalysis(doc_id=doc.doc_id, mentions=mentions, facts=facts, relations=relations)
