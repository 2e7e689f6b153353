"""The entity recogniser at run time: loads the shipped model once per process.

``NerTagger.tag(text, tokens)`` splits ``text`` into sentences, tags them and
decodes BIOES labels into spans ``(start, end, type)`` with offsets into
``text``. The model is ``neural.npz``, a character BiLSTM-CRF (``model.py``)
trained by ``train-ner`` from the public training sets and run with NumPy: the
sentences (``sentences.py``) become input fields (``input_fields.py``), the
network (``network.py``) scores BIOES labels (``bioes.py``) and CRF decoding
(``decoding.py``) picks them; all sentences of a text are run as one batch. It
reads the data shipped beside it (``resources.py``: ``gazetteer.tsv``,
``clusters.tsv``, ``names.tsv``). A missing model file is
an error (``FileNotFoundError``), never a silent fallback to another tagger.

The model is trained on four datasets that draw entity boundaries differently
(MSRA / People's Daily split 安徽 | 旌德县 and leave company names rare; CLUENER
keeps whole addresses; Boson is general news with company names). Training
tells the model each record's annotation *convention* (``train.convention_of``,
a one-hot input), and tagging asks for one. The default,
``DEFAULT_CONVENTION = "b"`` (Boson: news, including business and technology
news, with companies as ORG), is the genre of this project's sources; ``"m"``
(MSRA) and ``"c"`` (CLUENER) reproduce those datasets' conventions for
benchmarking (``evaluate-ner --convention``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.nlp.ner.bioes import Span, decode
from pipeline.nlp.ner.model import NeuralModel
from pipeline.nlp.ner.resources import Resources, load_resources
from pipeline.nlp.ner.sentences import document_sentences
from pipeline.nlp.segment import segment
from pipeline.records import Token

MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "ner"
MODEL_PATH = MODEL_DIR / "neural.npz"  # the BiLSTM-CRF (model.py)
DEFAULT_CONVENTION = "b"


class NerTagger:
    """PER/ORG/LOC spans of a text, from the model at ``model_path`` and the data beside it."""

    def __init__(self, model_path: Path = MODEL_PATH, convention: str | None = DEFAULT_CONVENTION):
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(
                f"no NER model at {self.model_path}: the pipeline ships pipeline/data/ner/neural.npz "
                "(restore it from the repository, or train one with `python -m tooling train-ner`)")
        self._neural = NeuralBackend(NeuralModel.load(self.model_path), load_resources(self.model_path.parent),
                                     convention)
        self.convention = convention

    @property
    def kind(self) -> str:
        return self._neural.kind

    def tag(self, text: str, tokens: list[Token] | None = None) -> list[Span]:
        """Entity spans in ``text`` (end exclusive), sorted by start.

        ``tokens`` are ``segment(text)``'s tokens when the caller has them
        (saves segmenting twice); otherwise the text is segmented here.
        """
        return self._neural.tag(text, tokens)


class NeuralBackend:
    """Tagging with ``model.NeuralModel``: all sentences of a text in one batch."""

    def __init__(self, model: NeuralModel, resources: Resources, convention: str | None):
        self.model = model
        self.resources = resources
        self.convention = convention
        self.conv = model.convention_vector(convention)

    @property
    def kind(self) -> str:
        return f"bilstm-crf[{self.convention or 'shared'}]"

    def tag(self, text: str, tokens: list[Token] | None = None) -> list[Span]:
        if not text:
            return []
        if tokens is None:
            tokens = segment(text)
        offsets, batch = [], []
        for s, sent, words in document_sentences(text, tokens):
            if sent:
                offsets.append(s)
                batch.append(self.model.ids(sent, words, self.resources))
        spans: list[Span] = []
        for s, labels in zip(offsets, self.model.tag_sentences(batch, self.conv)):
            spans.extend((s + a, s + b, t) for a, b, t in decode(labels))
        return spans


_lock = threading.Lock()
_cached: NerTagger | None = None


def load_tagger() -> NerTagger:
    """The process-wide tagger (model loaded once, default convention)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = NerTagger()
    return _cached
