"""What every format reader returns (``Extracted``) and raises (``FormatError``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class FormatError(ValueError):
    """The file cannot be read as its format says; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    """One document's raw text and the metadata its file states (all optional but the text)."""

    text: str
    title: str | None = None
    published_at: str | None = None  # as written; ingest.metadata.parse_date reads it
    url: str | None = None  # canonical address
    license: str | None = None
    fragment: str | None = None  # for a feed item: its key fragment (the file holds several documents)
    markdown: bool = False


@dataclass
class ReadContext:
    """What a reader may need beyond the bytes: a way to read a page saved beside a feed.

    ``page_for(url)`` returns the bytes of the saved page of that address, or None.
    """

    page_for: Callable[[str], bytes | None] = field(default=lambda url: None)
