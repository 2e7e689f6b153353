"""Reading .jsonl sources: one article per line.

Belongs here: splitting a .jsonl file into its lines (with byte offsets, so
that one record can be read again without re-reading the file), choosing each
record's key fragment, and turning one line into a record or a reason why not.

Format: each non-blank line is a JSON object with at least ``text`` (a
non-empty string) and optionally ``title``, ``url``, ``published_at`` (see
``metadata.parse_date``) and ``id`` (a string or an integer). Lines are
separated by LF (a CR before it is ignored); blank lines are skipped but
counted, so line numbers are those an editor shows. Lines are UTF-8 (a BOM at
the start of the file is ignored); a line that is not UTF-8 but clean GB18030
is accepted, as for whole files.

Record keys: ``#<id>`` when the record has an ``id`` that is unique in the
file and not of the form ``L<digits>`` (reserved for line keys) and at most
200 characters long; otherwise ``#L<line number>``. Ids are what make keys
stable: a line key changes when lines are inserted above it, and an id key
falls back to a line key if another record with the same id is added. A
changed key is a new partition (the old one's results are dropped with it).

Decisions: a ``title``/``url`` that is not a string is ignored; a
``published_at`` that cannot be parsed becomes None and the record is still
read (the errors table lists what was *skipped*, and the text is the valuable
part). Extra fields are ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from pipeline.ingest.decode import DecodeError, decode_bytes

__all__ = ["JsonlLine", "index_lines", "record_fragments", "parse_record", "RecordError"]

_RESERVED_ID = re.compile(r"^L\d+$")
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class JsonlLine:
    number: int  # 1-based line number in the file
    offset: int  # byte offset of the line's first byte
    length: int  # bytes, without the line terminator
    sha256: str  # of the line's bytes (without terminator, without a file BOM)
    record_id: str | None  # the record's id when it has a usable one


class RecordError(ValueError):
    """A line that is not a usable record; the message says why, in words."""


def index_lines(data: bytes) -> list[JsonlLine]:
    """Every non-blank line of a .jsonl file's bytes, with its id when it has one."""
    out: list[JsonlLine] = []
    pos = 0
    number = 0
    size = len(data)
    while pos < size:
        number += 1
        nl = data.find(b"\n", pos)
        end = size if nl < 0 else nl
        start = pos
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            start += 3
        stop = end - 1 if end > start and data[end - 1 : end] == b"\r" else end
        line = data[start:stop]
        pos = end + 1
        if is_blank(line):
            continue
        out.append(
            JsonlLine(number, start, stop - start, hashlib.sha256(line).hexdigest(), _peek_id(line))
        )
    return out


def is_blank(line: bytes) -> bool:
    """Whether a line holds only whitespace, as ``str.strip`` sees it (NBSP, ideographic space,
    U+001C-U+001F ... too), so that a blank line is skipped however it is written."""
    rest = line.lstrip()
    if not rest:
        return True
    if 0x20 < rest[0] < 0x7F:  # a printable ASCII character: not blank (every JSON record)
        return False
    for codec in ("utf-8", "gb18030"):  # the line encodings parse_record reads, through decode_bytes
        try:
            return not rest.decode(codec).strip()
        except UnicodeDecodeError:
            continue
    return False


def _peek_id(line: bytes) -> str | None:
    """The record's ``id`` as a string, parsing the JSON only when the line can have one."""
    if b'"id"' not in line:
        return None
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return _usable_id(obj.get("id")) if isinstance(obj, dict) else None


def _usable_id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_ID_CHARS or _RESERVED_ID.match(value):
        return None
    return value


def record_fragments(lines: list[JsonlLine]) -> list[str]:
    """The key fragment (after '#') of each line: its id when unique in the file, else L<line>."""
    counts: dict[str, int] = {}
    for ln in lines:
        if ln.record_id is not None:
            counts[ln.record_id] = counts.get(ln.record_id, 0) + 1
    return [
        ln.record_id if ln.record_id is not None and counts[ln.record_id] == 1 else f"L{ln.number}"
        for ln in lines
    ]


def parse_record(line: bytes) -> dict:
    """Decode and parse one line; return the JSON object or raise RecordError."""
    try:
        text, _ = decode_bytes(line, what="line")
    except DecodeError as exc:
        raise RecordError(exc.reason) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise RecordError(f"a JSON object was expected, found {type(obj).__name__}")
    body = obj.get("text")
    if body is None:
        raise RecordError("the record has no 'text' field")
    if not isinstance(body, str):
        raise RecordError(f"'text' must be a string, found {type(body).__name__}")
    if not body.strip():
        raise RecordError("'text' is empty")
    return obj
