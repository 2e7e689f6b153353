"""Text normalisation: the one place that decides what ``Document.text`` looks like.

Every offset published by the pipeline refers to the text returned by
``normalize_text``, so every change here changes offsets (and doc_ids): bump
the code version of the ``source_documents`` asset when editing this module.

What is done, in order:

0. HTML fragments: a text with at least two HTML tags of the usual article
   set (p, br, div, h1-h6, li, strong, span, a, img ...) — as in scraped
   records whose ``text`` is "<p><strong>...</strong></p>" — has block tags
   turned into line breaks, other tags removed and character entities
   (&nbsp; &amp; &#20013; ...) decoded. Text without such tags is left alone
   (a "<" or "&" in prose is not touched).
1. Unicode NFC (canonical composition; also maps CJK compatibility ideographs
   to their unified forms). Not NFKC: NFKC would also rewrite ①, ㎡, ½, ﬁ and
   the Chinese full-width punctuation, losing information.
1b. Kangxi radicals (U+2F00–U+2FD5) and CJK radicals supplement
   (U+2E80–U+2EF3) become the unified ideograph they stand for (⼀ → 一,
   ⻰ → 龙), whatever the reader: some PDF text layers encode common
   characters as radicals. The mapping is Unicode's Equivalent_Unified_Ideograph
   property, shipped as ``data/ingest/cjk_radicals.tsv`` (U+2E80, which has
   none, is kept).
2. Line breaks: CRLF, CR, NEL (U+0085), LS/PS (U+2028/2029), VT and FF become LF.
3. Invisible characters are removed: BOM/ZWNBSP (U+FEFF), zero-width space,
   (non-)joiners, word joiner, soft hyphen, bidi marks/embeddings/isolates and
   every other C0/C1 control character except tab and LF.
4. Other spaces (NBSP, U+2000–U+200A, U+202F, U+205F, ideographic space
   U+3000) become an ASCII space.
5. Full-width forms (U+FF01–U+FF5E) become ASCII, **except** the six that are
   the standard Chinese punctuation marks in GB/T 15834 typography:
   ！（），：；？ (U+FF01, FF08, FF09, FF0C, FF1A, FF1F, FF1B). Rationale: full-width
   letters and digits (ＡＩ, ２０２４) and the symbols used in numbers and codes
   (％＋－．／～＝＜＞＠＃＆ ...) have no typographic meaning in Chinese and
   must read the same as ASCII for the number reader, the lexicons and the NER
   model; the Chinese marks above do carry meaning (clause and sentence
   boundaries, Chinese brackets) and are what Chinese text normally uses, so
   rewriting them to ASCII would make the text unlike the text the NER models
   were trained on. Mixed punctuation already occurs in sources (the sample
   uses ASCII ',' in Chinese prose) and is left as written: ASCII is never
   turned into full-width. ¥ £ ¢ and the half-width CJK forms ｡｢｣､ are
   mapped to their usual forms (¥ £ ¢ 。「」、).
   Two contextual exceptions, for numbers: a full-width comma between digits
   that is followed by exactly three digits (thousands grouping: １，０００ →
   1,000) and a full-width colon between digits (times, ratios: １０：３０ →
   10:30) become ASCII.
   A third contextual rule, for names: a middle-dot look-alike between two
   Chinese characters (katakana middle dot ・ and its half-width form, bullet
   •, hyphenation point ‧, ∙, ⋅) becomes the standard interpunct U+00B7 used
   in transliterated names (埃隆・马斯克 → 埃隆·马斯克). The full stops . and ．
   are not touched: between Chinese characters they are as often a sentence
   end typed in the wrong form.
6. Trailing whitespace is stripped on every line; with ``strip_indent`` (the
   default, used for .txt and .jsonl) leading whitespace too, since paragraph
   indentation ("　　" at the start of a Chinese paragraph) is typography, not
   content. Markdown keeps its indentation (it can be meaningful there).
7. Runs of blank lines collapse to one blank line; leading blank lines and
   trailing whitespace of the whole text are removed.

Apart from HTML removal, every step maps one character to at most one
character, except line-break and blank-line handling, so positions of Chinese
characters shift only by removed invisible characters, CRLF pairs,
indentation and blank lines. The function is idempotent (except on HTML whose
text holds escaped tags such as "&lt;p&gt;", which decode to tags).
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

__all__ = ["normalize_text", "normalize_line", "strip_html", "KEPT_FULLWIDTH"]

# Full-width punctuation kept as is (standard Chinese punctuation).
KEPT_FULLWIDTH = frozenset("！（），：；？")

_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029\x0b\x0c]")


RADICALS_FILE = Path(__file__).resolve().parent.parent / "data" / "ingest" / "cjk_radicals.tsv"


def load_radicals(path: Path = RADICALS_FILE) -> dict[int, str]:
    """Radical code point -> its unified ideograph (step 1b), from the data file."""
    out: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        radical, ideograph = line.split("\t")[:2]
        out[ord(radical)] = ideograph
    return out


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(load_radicals())
    for code in range(0xFF01, 0xFF5F):
        ch = chr(code)
        if ch not in KEPT_FULLWIDTH:
            table[code] = chr(code - 0xFEE0)
    table.update(
        {
            0xFF61: "。", 0xFF62: "「", 0xFF63: "」", 0xFF64: "、",  # half-width CJK punctuation
            0xFFE0: "¢", 0xFFE1: "£", 0xFFE2: "¬", 0xFFE3: "¯", 0xFFE4: "¦", 0xFFE5: "¥", 0xFFE6: "₩",
        }
    )
    for code in (0x00A0, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B)):
        table[code] = " "
    invisible = [0xFEFF, 0x00AD, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                 *range(0x2060, 0x2070)]
    controls = [c for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A)]
    for code in (*invisible, *controls):
        table[code] = None
    return table


_TABLE = _build_table()
_THOUSANDS_COMMA = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")
_DIGIT_COLON = re.compile(r"(?<=\d)：(?=\d)")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_DOT_LOOKALIKES = "・･•‧∙⋅"
_NAME_DOT = re.compile(f"(?<=[{_HAN}])[{_DOT_LOOKALIKES}](?=[{_HAN}])")
_BLANK_RUNS = re.compile(r"\n{3,}")

_BLOCK_TAGS = "p|br|div|h[1-6]|li|ul|ol|tr|table|blockquote|section|article|header|footer|hr|figure|figcaption|pre"
_INLINE_TAGS = "strong|b|i|em|u|s|span|a|font|img|sup|sub|small|big|code|mark|center|td|th|tbody|thead"
_HTML_TAG = re.compile(rf"<(/?)({_BLOCK_TAGS}|{_INLINE_TAGS})\b[^<>]*>", re.IGNORECASE)
_BLOCK_TAG_NAMES = re.compile(rf"^(?:{_BLOCK_TAGS})$", re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def strip_html(text: str) -> str:
    """Turn an HTML fragment into plain text (step 0); return ``text`` unchanged if it has no tags."""
    if "<" not in text:
        return text
    tags = _HTML_TAG.findall(text, 0, len(text))
    if len(tags) < 2:
        return text
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_TAG.sub(lambda m: "\n" if _BLOCK_TAG_NAMES.match(m.group(2)) else "", text)
    return html.unescape(text)


def normalize_line(text: str) -> str:
    """Normalise a one-line field (a title): steps 1–5, whitespace runs collapsed to one space."""
    text = normalize_text(text)
    return " ".join(text.split())


def normalize_text(text: str, *, strip_indent: bool = True) -> str:
    """Return the normalised form of ``text`` (see the module docstring)."""
    text = strip_html(text)
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = text.translate(_TABLE)
    if "，" in text:
        text = _THOUSANDS_COMMA.sub(",", text)
    if "：" in text:
        text = _DIGIT_COLON.sub(":", text)
    if any(ch in text for ch in _DOT_LOOKALIKES):
        text = _NAME_DOT.sub("·", text)
    if strip_indent:
        lines = [line.strip() for line in text.split("\n")]
    else:
        lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n").rstrip()
