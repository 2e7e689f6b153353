"""Word documents (.docx): paragraphs and table cells in document order (python-docx; MIT).

Each paragraph is a line; each table row a line of its cells joined by a
tab. The title is the core property ``title`` when set. No date is taken:
the ``created`` property is when the file (or its template) was made. A file that is not a readable Office Open XML package
(a broken or truncated ZIP archive, an old binary .doc renamed) or holds no
text is a ``FormatError``.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.ingest.formats.base import Extracted, FormatError, ReadContext


def read_docx(data: bytes, context: ReadContext | None = None) -> list[Extracted]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not data.startswith(b"PK"):
        raise FormatError("not a .docx file (not a ZIP archive; an old binary .doc?)")
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, EOFError) as exc:
        raise FormatError(f"not a readable .docx (broken or truncated archive): {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # malformed XML inside the package
        raise FormatError(f"not a readable .docx: {type(exc).__name__}: {exc}") from None
    lines = list(_lines(document))
    text = "\n".join(lines)
    if not text.strip():
        raise FormatError("the .docx holds no text")
    props = document.core_properties
    return [Extracted(text=text, title=(props.title or "").strip() or None)]


def _lines(document):
    """Paragraph texts and table rows, in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, Table):
            for row in block.rows:
                yield "\t".join(cell.text.replace("\n", " ") for cell in row.cells)
