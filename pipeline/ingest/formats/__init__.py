"""Readers of document formats other than plain text: HTML, PDF, DOCX and RSS/Atom feeds.

Belongs here: turning the bytes of one file of a given format into plain
text and the metadata the file itself states (title, date, canonical URL,
licence), or a ``FormatError`` saying in words why it cannot be read. Nothing
here normalises text (``ingest.normalize`` does, whatever the reader) or
builds ``Document``s (``ingest.sources`` does).

``read_formatted(data, suffix, context)`` dispatches by the file's suffix
(case-insensitive) to one reader; each returns a list of ``Extracted`` (one
for a page, a PDF or a DOCX; one per item for a feed). ``FORMAT_EXTENSIONS``
lists the suffixes handled here.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.ingest.formats.base import Extracted, FormatError, ReadContext
from pipeline.ingest.formats.docx import read_docx
from pipeline.ingest.formats.feed import read_feed
from pipeline.ingest.formats.html import read_html
from pipeline.ingest.formats.pdf import read_pdf

__all__ = ["Extracted", "FormatError", "ReadContext", "FORMAT_EXTENSIONS", "FEED_EXTENSIONS", "read_formatted"]

FEED_EXTENSIONS = (".rss", ".atom", ".xml")

READERS: dict[str, Callable[[bytes, ReadContext], list[Extracted]]] = {
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    **{ext: read_feed for ext in FEED_EXTENSIONS},
}
FORMAT_EXTENSIONS = tuple(READERS)


def read_formatted(data: bytes, suffix: str, context: ReadContext | None = None) -> list[Extracted]:
    """The documents in ``data`` read as a ``suffix`` file; raises ``FormatError`` when unreadable."""
    reader = READERS.get(suffix.lower())
    if reader is None:
        raise FormatError(f"unsupported file type {suffix!r}")
    return reader(data, context or ReadContext())
