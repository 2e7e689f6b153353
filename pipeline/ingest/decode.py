"""Turn the raw bytes of a source into text, or say in words why that is impossible.

Belongs here: encoding detection and binary/empty detection. Nothing about the
meaning of the text (that is ``normalize`` and ``structure``).

Order of attempts (first that succeeds wins):

1. a byte-order mark: UTF-8 (``EF BB BF``), UTF-32 LE/BE, UTF-16 LE/BE. A file
   with a BOM must decode strictly in that encoding, otherwise it is reported;
2. without a BOM, bytes that look binary are rejected: any NUL byte, a known
   binary signature (PDF, ZIP/Office, PNG, JPEG, GIF, gzip, ...) or more than
   1% C0 control characters other than tab, newline, carriage return and form
   feed;
3. strict UTF-8;
4. strict GB18030 (a superset of GBK and GB2312), accepted only when the
   result "looks like text": at least 90% of its characters are CJK ideographs,
   CJK/full-width punctuation, printable ASCII or whitespace, and most of its
   ideographs are common ones (``looks_like_text``). GB18030 maps almost any
   byte string to *some* characters, so without that check random, Latin-1 or
   Big5 bytes would come out as nonsense ideographs.

5. a GB18030 text that holds a stretch of UTF-8 encoded Chinese (four or more
   common ideographs in a row, ``utf8_fragment``: a UTF-8 paste into a GBK file)
   is rejected as *mixed encodings*: either reading would turn a part into
   mojibake.

UTF-16/32 without a BOM are not guessed (they contain NUL bytes and are
reported as binary). A file that is empty, or only whitespace once decoded, is
reported as empty.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = ["DecodeError", "decode_bytes"]


class DecodeError(ValueError):
    """The bytes are not a text we can read; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx document)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "an executable (ELF)"),
)

# C0 control bytes that do not occur in text (tab, LF, CR, FF and ESC are tolerated).
_CONTROL_BYTES = bytes(sorted(set(range(0x00, 0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}))
_MAX_CONTROL_SHARE = 0.01
_SAMPLE = 65536
_MIN_TEXT_SHARE = 0.90
_MIN_HANZI_FOR_FREQUENCY = 20
_MIN_COMMON_HANZI_SHARE = 0.60
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\x00"))


def decode_bytes(data: bytes, what: str = "file") -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding name)`` or raise ``DecodeError``.

    The text is returned as decoded (BOM removed); normalisation is a separate
    step. ``what`` names the thing in error messages ("file", "line").
    """
    if not data:
        raise DecodeError(f"empty {what} (0 bytes)")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"starts with a {name} byte-order mark but is not valid {name} "
                    f"(bad bytes at offset {exc.start + len(bom)})"
                ) from None
            return _non_empty(text, name, what), name
    _reject_binary(data, what)
    try:
        return _non_empty(data.decode("utf-8"), "UTF-8", what), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    fragment = utf8_fragment(data)
    if fragment is not None and _decodes_without(data, fragment):
        start, end = fragment
        raise DecodeError(
            f"mixed encodings: GB18030/GBK text with a UTF-8 fragment (bytes {start}-{end}: "
            f"{data[start:end].decode('utf-8')[:20]!r}); read as one encoding, a part would be mojibake. "
            "Convert the file to one encoding (UTF-8) and add it again"
        )
    if text is not None and looks_like_text(text):
        return _non_empty(text, "GB18030", what), "GB18030"
    bad = data[utf8_error.start : utf8_error.start + 4]
    raise DecodeError(
        "undecodable: not valid UTF-8 (byte(s) "
        f"{bad.hex(' ')} at offset {utf8_error.start}), no byte-order mark, "
        + ("and not GB18030/GBK" if text is None else "and as GB18030/GBK it does not read as text")
    )


# Four or more UTF-8 encoded CJK ideographs in a row (U+4E00-U+9FFF: E4-E9, then two continuation bytes).
_UTF8_HANZI_RUN = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){4,}")
_MIN_FRAGMENT_COMMON_SHARE = 0.75


def utf8_fragment(data: bytes) -> tuple[int, int] | None:
    """``(start, end)`` of a stretch of UTF-8 Chinese inside bytes that are otherwise not UTF-8, or None.

    A run of four or more UTF-8 encoded ideographs of which most are common ones
    (GB2312 level 1). GBK text produces such byte patterns only by accident, and
    then decodes to rare characters; a pasted UTF-8 fragment decodes to common ones.
    """
    for m in _UTF8_HANZI_RUN.finditer(data):
        try:
            chars = m.group().decode("utf-8")
        except UnicodeDecodeError:
            continue
        common = sum(map(_is_common_hanzi, chars))
        if common >= _MIN_FRAGMENT_COMMON_SHARE * len(chars):
            return m.start(), m.end()
    return None


def _decodes_without(data: bytes, fragment: tuple[int, int]) -> bool:
    """True when the bytes around ``fragment`` read as GB18030 text (so the file is GBK plus UTF-8)."""
    rest = data[: fragment[0]] + data[fragment[1]:]
    try:
        return not rest.strip() or looks_like_text(rest.decode("gb18030"))
    except UnicodeDecodeError:
        return False


def _non_empty(text: str, name: str, what: str) -> str:
    if not text.translate(_INVISIBLE).strip():
        raise DecodeError(f"empty {what} (only whitespace; {name})")
    return text


def _reject_binary(data: bytes, what: str) -> None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise DecodeError(f"binary {what}: looks like {kind}")
    sample = data[:_SAMPLE]
    nul = sample.find(b"\x00")
    if nul >= 0:
        raise DecodeError(
            f"binary {what}: contains NUL bytes (first at offset {nul}); "
            "UTF-16/UTF-32 text is read only with a byte-order mark"
        )
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > max(3, _MAX_CONTROL_SHARE * len(sample)):
        raise DecodeError(
            f"binary {what}: {controls} control bytes in the first {len(sample)} bytes"
        )


def _is_texty(ch: str) -> bool:
    o = ord(ch)
    if 0x20 <= o < 0x7F or ch in "\t\n\r\f":
        return True
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:  # CJK unified ideographs (+ ext. A)
        return True
    if 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF:  # CJK punctuation, full-width forms
        return True
    if 0x2000 <= o <= 0x206F or o in (0xA0, 0xB7, 0xD7, 0xF7):  # general punctuation
        return True
    cat = unicodedata.category(ch)
    # Other letters count only outside the private use and unassigned areas.
    return cat in ("Ll", "Lu") and o < 0x0530


def _is_common_hanzi(ch: str) -> bool:
    """In GB2312 level 1: the 3,755 most frequent simplified characters."""
    try:
        lead = ch.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xB0 <= lead <= 0xD7


def looks_like_text(text: str) -> bool:
    """True when the text reads like Chinese/English text.

    At least 90% of the first 64k characters must be usual in such text, and
    when there are 20 or more ideographs, at least 60% of them must be among
    the 3,755 most frequent ones (GB2312 level 1; ~99% in modern news): text in
    another encoding (Big5, Shift-JIS) read as GB18030 gives rare characters.
    """
    sample = text[:_SAMPLE]
    if not sample:
        return False
    good = sum(1 for ch in sample if _is_texty(ch))
    if good < _MIN_TEXT_SHARE * len(sample):
        return False
    hanzi = [ch for ch in sample if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) < _MIN_HANZI_FOR_FREQUENCY:
        return True
    return sum(map(_is_common_hanzi, hanzi)) >= _MIN_COMMON_HANZI_SHARE * len(hanzi)
