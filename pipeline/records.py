"""Plain records passed between the stages of the pipeline.

A raw file becomes one or more ``Document``s (ingest); each document is
segmented into ``Token``s, in which ``Mention``s of entities and ``Fact``s
(numeric quantities) are found (nlp); the per-document results of all
documents are then resolved into entities and assembled into the published
tables (``pipeline.tables``).

All offsets are character offsets into ``Document.text`` (the normalised
text), end exclusive. Records are flat so that they serialise to one Parquet
row each (``dataclasses.asdict``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Block:
    """A line-level region of a document's text and what it is."""

    start: int
    end: int
    kind: str  # "title", "heading", "caption", "body", "references"


@dataclass
class Document:
    doc_id: str
    source_key: str  # partition key: source_path (plus "#id" for a .jsonl record)
    source_path: str
    title: str
    published_at: date | None
    url: str | None
    text: str
    sha256: str  # of the raw bytes (file, or .jsonl line)
    blocks: list[Block] = field(default_factory=list)
    license: str | None = None  # as stated by the source (normalised by pipeline.rights), else None
    accessed_at: str | None = None  # ISO 8601 UTC, when the source was fetched (snapshot sidecar, metadata)

    def prose_blocks(self) -> list[Block]:
        """Blocks that are body prose (not headings, captions or references)."""
        return [b for b in self.blocks if b.kind == "body"]


@dataclass(frozen=True)
class SourceError:
    """A raw file or record that could not be read."""

    source_path: str
    reason: str
    line: int | None = None
    sha256: str | None = None
    kind: str = "unreadable"  # unreadable, duplicate, budget, extraction, quarantined (schema: errors.kind)
    check: str | None = None  # quarantined: "<table>.<check>"
    duplicate_of: str | None = None  # duplicate: the source path of the document kept


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str


@dataclass
class Mention:
    """An entity named in a document, typed and normalised but not yet resolved.

    ``entity_type`` is one of person, firm, org, city, province, country.
    ``key`` is a resolution hint fixed by recognition: the administrative code
    for places (a district's mention carries its city's code), the canonical
    name of a lexicon entry, or None when only the surface form is known.
    ``canonical`` is the name recognition believes is the full form (for a
    city, its short name 杭州 even when the text says 余杭).
    """

    doc_id: str
    start: int
    end: int
    text: str
    entity_type: str
    key: str | None = None
    canonical: str | None = None
    source: str = ""  # what found it: "model" (the NER tagger), "lexicon", "gazetteer", "rule"
    org_kind: str | None = None  # for entity_type "org": university, government, ...


@dataclass
class Relation:
    """A relation read from one sentence: (subject mention) -[kind]-> (object mention).

    ``kind`` is one of founded, leads, works_at, alumnus_of, invested_in,
    subsidiary_of, headquartered_in, founded_in; ``role`` the role as written
    (创始人, 董事长, CEO ...) for founded / leads / works_at. The evidence is
    ``text[span_start:span_end]`` (from the first to the last character of the
    two mentions) and the sentence around it.
    """

    doc_id: str
    kind: str
    subject_start: int
    subject_end: int
    object_start: int
    object_end: int
    role: str = ""
    span_start: int | None = None
    span_end: int | None = None
    sentence: str = ""


@dataclass
class Fact:
    """A numeric fact read from a document.

    The subject is given as the offsets of a ``Mention`` of the same document
    (resolved to an entity ID when the tables are built), or left empty.
    """

    doc_id: str
    start: int
    end: int
    span_text: str
    sentence: str
    metric: str
    value: float
    unit: str
    qualifier: str  # =, >, >=, <, <=, ~
    year: int | None = None
    period: str | None = None
    subject_start: int | None = None
    subject_end: int | None = None
    subject_text: str | None = None
    subject_type: str | None = None
    subject_method: str = "none"  # explicit, carried, anaphora, distributed, document or none
    id_key: str | None = None  # metric text for the row ID where one span holds facts about several subjects


@dataclass
class DocumentAnalysis:
    """Everything the NLP stages found in one document."""

    doc_id: str
    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
