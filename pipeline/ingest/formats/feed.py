"""RSS and Atom feed files: one document per item (feedparser; BSD-2-Clause).

An item's text is its full content (``content:encoded``, Atom ``content``)
when present; when the feed carries only a summary and the item's page was
saved beside the feed (``ReadContext.page_for``, from the snapshot's
sidecar), the page's main text is read instead (``html.extract_page``); else
the summary. HTML in the item is stripped by the normaliser.

Item fragments (the part after '#' in the key): the item's ``id``/``guid``,
else its link, else ``item<N>`` (its position, from 1); a fragment seen
twice gets ``~<N>`` appended. A file that is not a feed (malformed XML with
no items, an HTML page saved as .xml) is a ``FormatError``; an item without
any text is skipped silently (feeds often hold link-only items) unless no
item has text.
"""

from __future__ import annotations

import logging

from pipeline.ingest.formats.base import Extracted, FormatError, ReadContext
from pipeline.ingest.formats.html import extract_page

log = logging.getLogger(__name__)
MAX_FRAGMENT = 200


def read_feed(data: bytes, context: ReadContext | None = None) -> list[Extracted]:
    import feedparser

    context = context or ReadContext()
    if not data.strip():
        raise FormatError("empty feed file")
    parsed = feedparser.parse(data)
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    if parsed.get("bozo") and not entries:
        raise FormatError(f"not a readable RSS/Atom feed: {parsed.get('bozo_exception')}")
    if not version and not entries:
        raise FormatError("not an RSS or Atom feed (no channel and no items)")
    feed_license = (parsed.get("feed") or {}).get("rights") or (parsed.get("feed") or {}).get("license")
    out: list[Extracted] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(entries, 1):
        item = _item(entry, context)
        if item is None:
            continue
        frag = _fragment(entry, n)
        if frag in seen:
            seen[frag] += 1
            frag = f"{frag}~{seen[frag]}"
        else:
            seen[frag] = 1
        item.fragment = frag
        item.license = item.license or entry.get("rights") or entry.get("license") or feed_license or None
        out.append(item)
    if not out:
        if parsed.get("bozo"):
            raise FormatError(f"malformed feed (broken XML: {parsed.get('bozo_exception')}); no item with text")
        raise FormatError(f"the feed has no item with text ({len(entries)} item(s))")
    return out


def _item(entry, context: ReadContext) -> Extracted | None:
    link = entry.get("link") or None
    date = entry.get("published") or entry.get("updated") or None
    parsed_date = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed_date:
        date = f"{parsed_date.tm_year:04d}-{parsed_date.tm_mon:02d}-{parsed_date.tm_mday:02d}"
    title = entry.get("title") or None
    content = "\n".join(c.get("value", "") for c in entry.get("content") or [] if c.get("value"))
    summary = entry.get("summary") or ""
    text, url, license = content, link, None
    if not content.strip():
        page = context.page_for(link) if link else None
        extracted = None
        if page is not None:
            try:
                extracted = extract_page(page)
            except FormatError as exc:
                log.info("feed item %s: the saved page has no main text (%s); using the summary", link, exc.reason)
        if extracted is not None:
            text, url, license = extracted.text, extracted.url or link, extracted.license
            title = title or extracted.title
            date = date or extracted.published_at
        else:
            text = summary
    if not text.strip():
        return None
    return Extracted(text=text, title=title, published_at=date, url=url, license=license)


def _fragment(entry, n: int) -> str:
    for value in (entry.get("id"), entry.get("link")):
        if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_FRAGMENT:
            return value.strip()
    return f"item{n}"
