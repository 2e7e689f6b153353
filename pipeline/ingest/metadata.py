"""Document metadata read from the sources: publication dates and front matter.

Belongs here: parsing ``published_at`` values and the optional YAML front
matter of .md/.txt files. Nothing here fails: what cannot be understood is
left out (``None``), and the caller documents that choice.

Front matter: a text file whose first line is exactly ``---`` and that has a
closing ``---`` (or ``...``) line within its first 60 lines, where the block
between them is a YAML mapping with at least one of ``title``, ``url``,
``published_at`` (alias ``date``), ``id``. The block is removed from the
document text (it is metadata, not article text). Anything else starting with
``---`` (a horizontal rule, invalid YAML) is left in the text untouched.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import yaml

__all__ = ["parse_date", "parse_timestamp", "split_front_matter", "FRONT_MATTER_KEYS"]

FRONT_MATTER_KEYS = ("title", "url", "published_at", "date", "id", "license", "accessed_at")
_MAX_FRONT_MATTER_LINES = 60

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SEP_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CJK_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_DATETIME_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}")


def parse_date(value: object) -> date | None:
    """A publication date from a str/date/datetime value, else None.

    Accepted strings: ISO dates (2024-03-01, 2024-3-1), ISO date-times
    (2024-03-01T08:00:00Z, with offset or space separator; the date is taken
    as written, not converted to UTC: it is the publisher's calendar day),
    2024/03/01, 2024.03.01, 20240301 and 2024年3月1日. Impossible dates
    (2024-02-30) give None.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    s = value.strip()
    m = _DATETIME_PREFIX.match(s)
    if m:
        s = m.group(1)
    for pattern in (_ISO_DATE, _SEP_DATE, _COMPACT_DATE, _CJK_DATE):
        m = pattern.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def parse_timestamp(value: object) -> str | None:
    """An access time as ISO 8601 UTC (``2026-12-04T15:00:00Z``) from a datetime, date or ISO string.

    A time without a zone is taken as UTC; a bare date becomes midnight UTC.
    What cannot be read gives None.
    """
    if isinstance(value, str):
        s = value.strip().replace("Z", "+00:00")
        try:
            value = datetime.fromisoformat(s)
        except ValueError:
            value = parse_date(s)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front-matter mapping, text without it); ({}, text) when there is none."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return {}, text
    for i in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES + 1)):
        if lines[i].rstrip() in ("---", "..."):
            block = "\n".join(lines[1:i])
            try:
                meta = yaml.safe_load(block) if block.strip() else None
            except yaml.YAMLError:
                return {}, text
            if not isinstance(meta, dict) or not any(k in meta for k in FRONT_MATTER_KEYS):
                return {}, text
            return meta, "\n".join(lines[i + 1:])
    return {}, text
