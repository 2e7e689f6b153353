"""Named-entity recognition: a character BiLSTM-CRF trained by the project, run with NumPy.

Public interface::

    load_tagger() -> NerTagger            # cached per process
    NerTagger.tag(text, tokens=None) -> list[(start, end, type)]   # type in PER/ORG/LOC

Modules, in the order a text goes through them:

- ``sentences``: a text -> sentences with their word spans;
- ``input_fields``: the per-character fields the network reads (``FIELDS``) and their ids;
  ``dictionary_tags`` (jieba's name class / part of speech of a word) and ``resources``
  (gazetteer names, clusters ``clusters``, name codes, loaded from beside the model) feed them;
- ``network``: the NumPy forward pass (embeddings, BiLSTM, output layer) -> label scores;
- ``decoding``: CRF (Viterbi) decoding of the scores under the tag scheme's constraints;
- ``bioes``: the tag scheme (labels, spans <-> labels);
- ``model``: the saved model (``neural.npz``) tying fields, networks and decoding together;
- ``tagger``: the model at run time (``NerTagger``, ``load_tagger``).

Training and scoring are in ``tooling.ner`` (``python -m tooling train-ner|evaluate-ner``).
"""

from pipeline.nlp.ner.tagger import NerTagger, load_tagger

__all__ = ["NerTagger", "load_tagger"]
