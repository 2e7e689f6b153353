"""Named-entity recognition: a character CRF (python-crfsuite) trained by the project.

Public interface::

    load_tagger() -> NerTagger            # cached per process
    NerTagger.tag(text, tokens=None) -> list[(start, end, type)]   # type in PER/ORG/LOC

Modules: ``features`` (per-character feature extraction shared by training and
tagging), ``tagger`` (the model at run time), ``crf`` (the shipped weight file
and the per-convention crfsuite model made from it), ``clusters`` (word and
character clusters from unlabelled text), ``train`` (``python -m pipeline
train-ner``), ``evaluate`` (``python -m pipeline evaluate-ner``), ``data``
(reading the span-level JSONL benchmarks).
"""

from pipeline.nlp.ner.tagger import NerTagger, load_tagger

__all__ = ["NerTagger", "load_tagger"]
