"""Named-entity recognition: a character BiLSTM-CRF trained by the project, run with NumPy.

Public interface::

    load_tagger() -> NerTagger            # cached per process
    NerTagger.tag(text, tokens=None) -> list[(start, end, type)]   # type in PER/ORG/LOC

Modules: ``features`` (per-character inputs shared by training and tagging),
``neural`` (the network and its decoding), ``tagger`` (the model at run time),
``clusters`` (reading the word and character clusters). Training and scoring
are in ``tooling.ner`` (``python -m tooling train-ner|evaluate-ner``).
"""

from pipeline.nlp.ner.tagger import NerTagger, load_tagger

__all__ = ["NerTagger", "load_tagger"]
