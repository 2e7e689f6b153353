"""The lookup data the input fields read, and loading it from the files shipped beside the model.

``Resources`` bundles the NER gazetteer's names (``NameTypes``, from
``gazetteer.tsv``; not ``nlp.gazetteer``, the administrative divisions), the
word / character clusters (``clusters.tsv``) and the per-character name codes
learned from the training sets (``names.tsv``; computed by
``tooling.ner.name_codes``). ``given_name_codes`` is the person-name prior of a
character from outside the training sets (surnames, given-name frequency,
transliteration characters).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from pipeline.ingest.structure import load_cues
from pipeline.nlp.dictmatch import DictMatcher
from pipeline.nlp.ner import clusters as nerclusters

MAX_GAZ_LEN = 10


class NameTypes(dict):
    """The name list of the NER gazetteer field (``gazetteer.tsv``; not ``nlp.gazetteer.Gazetteer``, the
    administrative divisions): {name: type} with its dictionary matcher over the names of 2..MAX_GAZ_LEN characters
    (build once, do not mutate)."""

    def __init__(self, names: Mapping[str, str] = ()):
        super().__init__(names)
        self.matcher = DictMatcher(self, min_len=2, max_len=MAX_GAZ_LEN)


class Resources:
    """Lookup data of the inputs: gazetteer, word / character clusters, name codes (each may be empty)."""

    def __init__(self, gazetteer: Mapping[str, str] | None = None, clusters=None,
                 names: Mapping[str, str] | None = None):
        if gazetteer and not isinstance(gazetteer, NameTypes):
            gazetteer = NameTypes(gazetteer)
        self.gazetteer = gazetteer or None
        self.word_clusters = clusters.words if clusters else {}
        self.char_clusters = clusters.chars if clusters else {}
        self.names = dict(names or {})


def load_resources(model_dir: Path) -> Resources:
    """The input data shipped beside the model: gazetteer, word / character clusters, name codes."""
    names: dict[str, str] = {}
    names_path = model_dir / "names.tsv"
    if names_path.exists():
        for line in names_path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                ch, _, code = line.partition("\t")
                names[ch] = code
    return Resources(load_name_types(model_dir / "gazetteer.tsv"), nerclusters.load(model_dir / "clusters.tsv"), names)


def load_name_types(path: Path) -> NameTypes:
    """``name<TAB>type`` lines (``#`` comments) -> {name: type}; empty if the file is missing."""
    gaz: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, _, typ = line.partition("\t")
                gaz[name] = typ
    return NameTypes(gaz)


# Person-name prior of a character from outside the training sets (``given_name_codes``):
# whether it is a common surname, its frequency rank in given names (rank bands of
# GIVEN_RANKS, "x" = never in one) and whether it is a usual character of Chinese
# transliterations of foreign names. Surnames and transliteration characters are the
# lists of ``pipeline/data/ingest/``; given-name counts are ``ner/given_name_chars.csv``
# (ngender's per-character counts over a large list of Chinese names).
GIVEN_RANKS = (50, 200, 600, 1500, 4000)
GIVEN_NAMES_PATH = Path(__file__).resolve().parents[2] / "data" / "ner" / "given_name_chars.csv"
_given_codes: dict[str, str] | None = None


def given_name_codes() -> dict[str, str]:
    """{char: surname flag (S / -) + given-name rank band (0 most common .. 5, x absent) + T / -} (loaded once)."""
    global _given_codes
    if _given_codes is None:
        cues = load_cues()
        with GIVEN_NAMES_PATH.open(encoding="utf-8") as fh:
            counts = {r["char"]: int(r["male"]) + int(r["female"]) for r in csv.DictReader(fh)}
        ranked = sorted(counts, key=lambda ch: -counts[ch])
        band = {ch: str(sum(r >= k for k in GIVEN_RANKS)) for r, ch in enumerate(ranked)}
        surnames = cues.surnames | {name[0] for name in cues.compound_surnames}
        _given_codes = {ch: ("S" if ch in surnames else "-") + band.get(ch, "x")
                        + ("T" if ch in cues.transliteration_chars else "-")
                        for ch in set(band) | surnames | cues.transliteration_chars}
    return _given_codes
