"""The entity recogniser at run time: loads the shipped CRF model once per process.

``NerTagger.tag(text, tokens)`` splits ``text`` into sentences, extracts
character features (``features.sentence_features``) from the jieba tokens,
runs the CRF and decodes BIOES labels into spans ``(start, end, type)`` with
offsets into ``text``. The model ships as ``crf.npz`` (``crf.CrfModel``) with
the data its features read (``features.json``, ``gazetteer.tsv``,
``clusters.tsv``, ``names.tsv``); at load time the chosen convention's
weights are folded onto the shared ones and handed to crfsuite as an
in-memory model, so tagging builds only the shared feature strings.

The model is trained on four datasets that draw entity boundaries differently
(MSRA / People's Daily split 安徽 | 旌德县 and leave company names rare; CLUENER
keeps whole addresses; Boson is general news with company names). Training
gives every feature a shared copy and a copy per annotation *convention*
(``train.convention_of``); tagging uses the shared features plus those of one
convention (``FOLDS``). The default, ``DEFAULT_CONVENTION = "b"`` (Boson: news, including
business and technology news, with companies as ORG), is the genre of this
project's sources; ``"m"`` (MSRA) and ``"c"`` (CLUENER) reproduce those
datasets' conventions for benchmarking (``evaluate-ner --convention``).

When no model file is present (a fresh checkout before ``train-ner``), the
tagger falls back to jieba.posseg (nr->PER, ns->LOC, nt->ORG) so that the
pipeline still runs.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from pipeline.cache import cache_dir
from pipeline.nlp.ner.features import Gazetteer, Resources
from pipeline.records import Token

MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "ner" / "crf.npz"
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
        if self.model_path is not None and self.model_path.exists():
            from pipeline.nlp.ner.crf import cached_tagger

            # the convention's weights folded onto the shared ones: only shared features are built
            self._crf = cached_tagger(self.model_path, FOLDS.get(convention, convention), CONVENTIONS, cache_dir())
            self._resources, _ = load_resources(self.model_path.parent)

    @property
    def kind(self) -> str:
        return f"crf[{self.convention or 'shared'}]" if self._crf is not None else "posseg"

    def tag(self, text: str, tokens: list[Token] | None = None) -> list[Span]:
        """Entity spans in ``text`` (end exclusive), sorted by start.

        ``tokens`` are ``segment(text)``'s tokens when the caller has them
        (saves segmenting twice); otherwise the text is segmented here.
        """
        if not text:
            return []
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
