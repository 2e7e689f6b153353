"""Ingest: raw files -> normalised, structured ``Document``s.

``list_sources`` lists the source units (partition keys) of a raw folder;
``read_source`` reads one into Documents (or SourceErrors). Submodules:
``decode`` (bytes -> str), ``normalize`` (the canonical text all offsets refer
to), ``structure`` (headings, captions, references, title), ``metadata``
(dates, front matter), ``jsonl`` (.jsonl records), ``formats`` (HTML, PDF,
DOCX, RSS/Atom readers), ``sidecar`` (a raw file's ``.meta.json``) and
``sources`` (listing, keys, assembling Documents).
"""

from pipeline.ingest.normalize import normalize_text
from pipeline.ingest.sources import (
    SourceUnit,
    doc_id_for,
    list_sources,
    read_source,
    read_sources,
    source_key_path,
)

__all__ = [
    "SourceUnit",
    "list_sources",
    "read_source",
    "read_sources",
    "normalize_text",
    "doc_id_for",
    "source_key_path",
]
