"""The vocabulary folder ``pipeline/data/vocab/``: every word list of the NLP rules, read here once.

- ``surnames.txt``: common Chinese surnames (single characters, then compound ones);
- ``surnames_estimated.txt``: less common surnames counted in the NER training sets
  (``python -m tooling.ner.surnames``), for the person-name check;
- ``transliteration_chars.txt``: characters of Chinese transliterations of foreign
  names (one list for the NER features, person-name checks and ingest's captions);
- ``typing_rules.yaml``: the entity typing rules' word lists (suffix classes, list
  head nouns, role cues, stem delimiters, common words that are not names ...);
- ``relation_cues.yaml``: roles and deal words of the relation patterns.

Each loader is cached per process. It sits at the top of the package because both
``ingest`` (captions, names in structure cues) and ``nlp`` read these lists.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

VOCAB_DIR = Path(__file__).resolve().parent / "data" / "vocab"


def word_lines(path: Path) -> list[str]:
    """The entries of a one-entry-per-line word file (any data folder): stripped, without blank
    lines and ``#`` comment lines."""
    text = Path(path).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _lines(name: str) -> list[str]:
    return word_lines(VOCAB_DIR / name)


@functools.lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Single-character and compound surnames."""
    return frozenset(_lines("surnames.txt"))


@functools.lru_cache(maxsize=1)
def surnames_estimated() -> frozenset[str]:
    """Less common surnames estimated from the NER training sets (person-name check only)."""
    return frozenset(_lines("surnames_estimated.txt"))


@functools.lru_cache(maxsize=1)
def transliteration_chars() -> frozenset[str]:
    return frozenset("".join(_lines("transliteration_chars.txt")).replace(" ", ""))


@functools.lru_cache(maxsize=4)
def yaml_data(name: str) -> dict:
    """A YAML word-list file of the folder (``typing_rules.yaml``, ``relation_cues.yaml``)."""
    return yaml.safe_load((VOCAB_DIR / name).read_text(encoding="utf-8"))
