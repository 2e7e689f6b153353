"""The one dictionary matcher: leftmost-longest, non-overlapping matches of a fixed set of forms.

Used by entity typing (``entity_rules.Matcher``: lexicon and gazetteer names)
and by the NER features (``ner.input_fields.gazetteer_tags``: names seen in the
training sets), so both read a text the same way. From each position the match
grows one character at a time while the piece is a prefix of some form; the
longest form found there is taken and the scan goes on after it. Every match
lies inside the text. Cost: linear in the text's length (times the longest
form's length).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")
_NONE = object()


class DictMatcher(Generic[V]):
    """Forms (str -> payload) matched leftmost-longest; ``min_len``/``max_len`` bound the forms kept."""

    def __init__(self, forms: Mapping[str, V], min_len: int = 1, max_len: int | None = None) -> None:
        hi = max_len if max_len is not None else max((len(f) for f in forms), default=0)
        self.forms: dict[str, V] = {f: v for f, v in forms.items() if min_len <= len(f) <= hi}
        self.prefixes: set[str] = {f[:k] for f in self.forms for k in range(1, len(f))}
        self.first: set[str] = {f[0] for f in self.forms}

    def scan(self, text: str) -> Iterator[tuple[int, int, V]]:
        """Yield (start, end, payload) of each match, left to right, non-overlapping."""
        i, n = 0, len(text)
        forms, prefixes, first = self.forms, self.prefixes, self.first
        while i < n:
            if text[i] not in first:
                i += 1
                continue
            best, hit = 0, _NONE
            j = i + 1
            while j <= n:
                piece = text[i:j]
                found = forms.get(piece, _NONE)
                if found is not _NONE:
                    best, hit = j, found
                if piece not in prefixes:
                    break
                j += 1
            if hit is _NONE:
                i += 1
                continue
            yield i, best, hit  # type: ignore[misc]
            i = best
