"""HTML pages: the article's main text, title, date, canonical URL and licence (trafilatura).

trafilatura (Apache-2.0) removes navigation, footers, comments and
boilerplate; its metadata come from the page's ``<title>``, ``<meta>``
(Open Graph, Dublin Core, schema.org) and ``<link rel="canonical">``. A
licence is read from ``<meta name="license|dc.rights|dcterms.license">`` or
``<link rel="license">`` (then trafilatura's own guess). A page without a
main text is a ``FormatError``.
"""

from __future__ import annotations

import logging

from lxml import html as lxml_html

from pipeline.ingest.formats.base import Extracted, FormatError, ReadContext

_LICENSE_META = ("license", "dc.rights", "dcterms.license", "dc.license", "dcterms.rights", "copyright")

logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its warnings are our error rows
logging.getLogger("htmldate").setLevel(logging.ERROR)


def read_html(data: bytes, context: ReadContext | None = None) -> list[Extracted]:
    return [extract_page(data)]


def extract_page(data: bytes) -> Extracted:
    """The page's main text and metadata; raises FormatError when there is none."""
    import trafilatura

    if not data.strip():
        raise FormatError("empty HTML file")
    try:
        doc = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True,
        )
    except Exception as exc:  # trafilatura raises assorted errors on broken input
        raise FormatError(f"not a readable HTML page: {type(exc).__name__}: {exc}") from None
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip():
        raise FormatError("no main text found in the HTML page (no article body: an index page, or an empty body?)")
    return Extracted(
        text=text,
        title=getattr(doc, "title", None) or None,
        published_at=getattr(doc, "date", None) or None,
        url=_canonical(data) or getattr(doc, "url", None) or None,
        license=_license(data) or getattr(doc, "license", None) or None,
    )


def _tree(data: bytes):
    try:
        return lxml_html.fromstring(data)
    except Exception:
        return None


def _canonical(data: bytes) -> str | None:
    tree = _tree(data)
    if tree is None:
        return None
    for href in tree.xpath('//link[translate(@rel,"CANONICL","canonicl")="canonical"]/@href'):
        if href.strip().startswith(("http://", "https://")):
            return href.strip()
    for content in tree.xpath('//meta[@property="og:url"]/@content'):
        if content.strip().startswith(("http://", "https://")):
            return content.strip()
    return None


def _license(data: bytes) -> str | None:
    tree = _tree(data)
    if tree is None:
        return None
    for meta in tree.xpath("//meta[@name or @property]"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        if key in _LICENSE_META and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    for href in tree.xpath('//link[translate(@rel,"LICENSE","license")="license"]/@href'):
        if href.strip():
            return href.strip()
    return None
