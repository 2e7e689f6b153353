"""PDF documents: the text layer of every page, with pypdfium2 (PDFium; BSD/Apache-2.0).

PDFium reads Chinese text layers with the characters the document means
(pypdf and pdfplumber return Kangxi radicals for common ideographs; the
normaliser maps those anyway). Pages are joined with a blank line. The title
is the document's Title metadata when set. No date is taken: CreationDate is
when the file was made (printed, exported), not when the text was published.
Lines wrapped by the layout are joined again (``unwrap``): a line as long as
the page's longest lines that does not end a sentence continues on the next
line (Chinese has no space at a wrap; Latin words get one back).

Errors: an encrypted (password-protected) PDF, a file PDFium cannot open
(truncated, not a PDF), and a PDF with no text layer (scanned images: OCR it
first) are ``FormatError``s.
"""

from __future__ import annotations

import unicodedata

from pipeline.ingest.formats.base import Extracted, FormatError, ReadContext

# PDFium's own error codes (FPDF_ERR_*): 3 = bad format / corrupt, 4 = password required.
_PASSWORD_ERROR = 4


def read_pdf(data: bytes, context: ReadContext | None = None) -> list[Extracted]:
    import pypdfium2 as pdfium

    if not data.startswith(b"%PDF-"):
        raise FormatError("not a PDF file (no %PDF- header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PASSWORD_ERROR or "password" in str(exc).lower():
            raise FormatError("encrypted PDF (password-protected): its text cannot be read") from None
        raise FormatError(f"not a readable PDF (truncated or corrupt): {exc}") from None
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append(unwrap(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")))
            textpage.close()
            page.close()
        meta = _metadata(pdf)
    finally:
        pdf.close()
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise FormatError(
            f"the PDF has no text layer ({len(pages)} page(s), no characters): a scanned document? OCR it first"
        )
    return [Extracted(text=text, title=meta.get("Title") or None)]


_SENTENCE_END = tuple("。！？!?：:；;…”」』）)")
_FULL_LINE_SHARE = 0.85


def unwrap(page_text: str) -> str:
    """Join the lines of a page that the layout wrapped (see the module doc)."""
    lines = page_text.split("\n")
    widths = [_width(line) for line in lines]
    full = max(widths, default=0) * _FULL_LINE_SHARE
    out: list[str] = []
    joining = False
    for line, width in zip(lines, widths):
        stripped = line.rstrip()
        if joining and out and stripped:
            prev = out[-1]
            glue = " " if prev[-1:].isascii() and prev[-1:].isalnum() and stripped[:1].isascii() and stripped[:1].isalnum() else ""
            out[-1] = prev + glue + stripped.lstrip()
        else:
            out.append(stripped)
        joining = bool(stripped) and width >= full and not stripped.endswith(_SENTENCE_END)
    return "\n".join(out)


def _width(line: str) -> int:
    """Display width: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.rstrip())


def _metadata(pdf) -> dict:
    try:
        return {k: v for k, v in pdf.get_metadata_dict().items() if isinstance(v, str) and v.strip()}
    except Exception:
        return {}
