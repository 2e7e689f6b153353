"""The entity recogniser at run time: loads the shipped model once per process.

``NerTagger.tag(text, tokens)`` splits ``text`` into sentences, tags them and
decodes BIOES labels into spans ``(start, end, type)`` with offsets into
``text``. Two models can do the tagging, both trained by ``train-ner`` from
the public training sets and both run without a deep-learning library:

- ``neural.npz`` (the default): a character BiLSTM-CRF (``neural.py``) over
  embeddings of the character, its bigram, jieba's word position and class,
  the word / character clusters, name codes and gazetteer tags; all sentences
  of a text are run as one batch in NumPy.
- ``crf.npz``: the feature CRF (``features.py``, ``crf.py``); at load time the
  chosen convention's weights are folded onto the shared ones and handed to
  crfsuite as an in-memory model (cached on disk).

Both read the data shipped beside them (``features.json``, ``gazetteer.tsv``,
``clusters.tsv``, ``names.tsv``).

The models are trained on four datasets that draw entity boundaries differently
(MSRA / People's Daily split 安徽 | 旌德县 and leave company names rare; CLUENER
keeps whole addresses; Boson is general news with company names). Training
tells the model each record's annotation *convention* (``train.convention_of``;
the CRF through per-convention feature copies, the BiLSTM through a one-hot
input), and tagging asks for one. The default, ``DEFAULT_CONVENTION = "b"``
(Boson: news, including business and technology news, with companies as ORG),
is the genre of this project's sources; ``"m"`` (MSRA) and ``"c"`` (CLUENER)
reproduce those datasets' conventions for benchmarking (``evaluate-ner
--convention``).

When no model file is present, the tagger falls back to jieba.posseg
(nr->PER, ns->LOC, nt->ORG) so that the pipeline still runs.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from pipeline.cache import cache_dir
from pipeline.nlp.ner.features import Gazetteer, Resources
from pipeline.records import Token

MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "ner"
NEURAL_PATH = MODEL_DIR / "neural.npz"  # the BiLSTM-CRF (neural.py): the shipped default
CRF_PATH = MODEL_DIR / "crf.npz"  # the feature CRF (crf.py): the alternative, --model pipeline/data/ner/crf.npz
MODEL_PATH = NEURAL_PATH if NEURAL_PATH.exists() else CRF_PATH
CONVENTIONS = ("b", "m", "c")
DEFAULT_CONVENTION = "b"
# What each convention adds to the shared weights at tagging time ({convention copy: factor}).
# CLUENER's also takes 0.3 of MSRA's copies: 74.3 -> 75.9 F1 on the block holdout of train/
# (docs/BENCHMARKS-ner.md); for b and m mixing did not help there.
FOLDS: dict[str, dict[str, float]] = {"b": {"b": 1.0}, "m": {"m": 1.0}, "c": {"c": 1.0, "m": 0.3}}

Span = tuple[int, int, str]

_POSSEG_TYPES = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


class NerTagger:
    """PER/ORG/LOC spans of a text."""

    def __init__(self, model_path: Path | None = MODEL_PATH, convention: str | None = DEFAULT_CONVENTION):
        self.model_path = Path(model_path) if model_path else None
        self.convention = convention
        self._crf = None
        self._resources = Resources(extended=False)
        self._neural = None
        if self.model_path is not None and self.model_path.exists() and self.model_path.name.startswith("neural"):
            from pipeline.nlp.ner.neural import NeuralModel

            self._resources, _ = load_resources(self.model_path.parent)
            self._neural = NeuralBackend(NeuralModel.load(self.model_path), self._resources, convention)
        elif self.model_path is not None and self.model_path.exists():
            from pipeline.nlp.ner.crf import cached_tagger

            # the convention's weights folded onto the shared ones: only shared features are built
            self._crf = cached_tagger(self.model_path, FOLDS.get(convention, convention), CONVENTIONS, cache_dir())
            self._resources, _ = load_resources(self.model_path.parent)

    @property
    def kind(self) -> str:
        if self._neural is not None:
            return self._neural.kind
        return f"crf[{self.convention or 'shared'}]" if self._crf is not None else "posseg"

    def tag(self, text: str, tokens: list[Token] | None = None) -> list[Span]:
        """Entity spans in ``text`` (end exclusive), sorted by start.

        ``tokens`` are ``segment(text)``'s tokens when the caller has them
        (saves segmenting twice); otherwise the text is segmented here.
        """
        if not text:
            return []
        if self._neural is not None:
            return self._neural.tag(text, tokens)
        if self._crf is None:
            return _posseg_spans(text)
        from pipeline.nlp.ner.features import decode, document_features
        from pipeline.nlp.segment import segment

        if tokens is None:
            tokens = segment(text)  # the whole text at once, as in training
        spans: list[Span] = []
        crf = self._crf
        for offset, feats in document_features(text, tokens, self._resources):
            spans.extend((offset + s, offset + e, t) for s, e, t in decode(crf.tag(feats)))
        return spans


class NeuralBackend:
    """Tagging with ``neural.NeuralModel``: all sentences of a text in one batch."""

    def __init__(self, model, resources: Resources, convention: str | None):
        self.model = model
        self.resources = resources
        self.convention = convention
        self.conv = model.convention_vector(convention)

    @property
    def kind(self) -> str:
        return f"bilstm-crf[{self.convention or 'shared'}]"

    def tag(self, text: str, tokens: list[Token] | None = None) -> list[Span]:
        from pipeline.nlp.ner.features import decode, document_sentences
        from pipeline.nlp.segment import segment

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


def load_resources(model_dir: Path) -> tuple[Resources, int | None]:
    """The feature data shipped beside the model, and how many features have convention copies.

    ``features.json`` (written by ``train-ner``) says which feature set the
    model was trained with: ``extended`` (word / character clusters from
    ``clusters.tsv``, name codes from ``names.tsv``) or the base set, and
    ``adapted``, the number of leading features with a per-convention copy
    (null: all). A model without ``features.json`` uses the base set.
    """
    from pipeline.nlp.ner import clusters as nerclusters

    cfg_path = model_dir / "features.json"
    cfg = json.loads(cfg_path.read_text()) if cfg_path.exists() else {"extended": False, "adapted": None}
    gaz = load_gazetteer(model_dir / "gazetteer.tsv")
    if not cfg.get("extended"):
        return Resources(gaz, extended=False), None
    names: dict[str, str] = {}
    names_path = model_dir / "names.tsv"
    if names_path.exists():
        for line in names_path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                ch, _, code = line.partition("\t")
                names[ch] = code
    suffixes = None
    if cfg.get("suffixes"):
        suffixes = {}
        for line in (model_dir / "suffixes.tsv").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                w, _, t = line.partition("\t")
                suffixes[w] = t
    return (Resources(gaz, nerclusters.load(model_dir / "clusters.tsv"), names, extended=True, suffixes=suffixes),
            cfg.get("adapted"))


def load_gazetteer(path: Path) -> Gazetteer:
    """``name<TAB>type`` lines (``#`` comments) -> {name: type}; empty if the file is missing."""
    gaz: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, _, typ = line.partition("\t")
                gaz[name] = typ
    return Gazetteer(gaz)


def _posseg_spans(text: str) -> list[Span]:
    import jieba.posseg

    spans: list[Span] = []
    pos = 0
    for word, flag in jieba.posseg.cut(text):
        end = pos + len(word)
        etype = _POSSEG_TYPES.get(flag)
        if etype:
            spans.append((pos, end, etype))
        pos = end
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
