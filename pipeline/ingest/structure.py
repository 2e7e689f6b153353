"""Line-level structure of a normalised text: title, headings, captions, references, body.

Belongs here: deciding, line by line, what kind of text a line is, and picking
the document title. Every non-empty line becomes one ``Block`` (start/end are
the offsets of the line in the normalised text, without its newline).

Kinds and the rules that give them (first match wins, all cues are data in
``pipeline/data/ingest/structure_cues.yaml``; surnames and transliteration
characters from the shared vocabulary folder, ``pipeline/data/vocab/``):

``references``
    A trailing reference list: a line that is only a reference header
    (参考资料, 参考文献, References, ...; '#', brackets and a final colon
    ignored), or such a header followed by a colon and the list inline, in the
    second half of the document, and every line after it, provided those lines
    are short (< 300 characters each, at most 60 of them). Otherwise the
    header is taken for a heading.
``caption``
    Lines that annotate a picture or credit the article, not prose:
    lines starting with a picture prefix (图:, 图片来源, ▲ ...); short lines
    with a picture marker (左起, 从左至右, 供图 ...) and no sentence-final
    punctuation; credit lines (责任编辑:, 来源:, 记者: ...) and end marks
    ((完), END) and separators without any letter or digit (---, ***); markdown
    images (``![..](..)``); lines entirely in brackets ("(图片来自网络)"); and *name
    lines*: a short line that is only a person's name (2-3 characters starting
    with a common surname, 3-4 with a compound one, a transliterated name with
    '·', several names separated by 、 or spaces, or role + name as in
    "宇树科技创始人王兴兴"), only a place or facility name (a short run of
    characters without function words ending in a place suffix: 杭州未来科技城),
    or a short bare phrase (<= 8 characters) repeated verbatim from the body
    line just before it (the picture shows what the paragraph just named; the
    line *after* is not used, since a lead paragraph often repeats its headline).
    '·' names count only when made of transliteration characters (埃隆·马斯克,
    not 二十四节气·立夏).
``heading``
    Markdown headings (``#`` in any file; in .md files also a line underlined
    with === or ---); otherwise short lines (<= 40 characters) with
    no 。, at most two commas, not ending in sentence punctuation (。；：…, or
    ！？ on lines longer than 20 characters), ignoring closing quotes and
    brackets: "杭州如何把AI变成“内战”", "阿里巴巴+多元资本,杭州科技的两组源代码",
    "不是每个城市都要Deepseek". A short line ending in a comma directly before a
    heading is part of it (two-line headings). Section words (结语, 前言 ...)
    are headings even when they look like names.
``title``
    The first line when it would be a heading (or a markdown heading).
``body``
    Everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline import vocab
from pipeline.records import Block

__all__ = ["classify_lines", "pick_title", "heading_text", "Cues", "load_cues"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "ingest"

MAX_HEADING_CHARS = 40
MAX_QUESTION_HEADING_CHARS = 20
MAX_NAME_PHRASE_CHARS = 8
MAX_PLACE_CHARS = 8
MAX_ROLE_CAPTION_CHARS = 24
MAX_MARKER_CAPTION_CHARS = 120
MAX_CREDIT_CHARS = 60
MAX_REFERENCE_LINE_CHARS = 300
MAX_REFERENCE_LINES = 60
TITLE_MAX_CHARS = 60

_CLOSERS = "”’」』）)】》〉]\"'"
_SENTENCE_END = "。；;：:…."
_QUESTION_END = "！？!?"
_MD_HEADING = re.compile(r"^#{1,6}(?:\s+|$)")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_BARE_PHRASE = re.compile(rf"^[{_HAN}A-Za-z0-9 ·\-]+$")
_HAN_ONLY = re.compile(rf"^[{_HAN}]+$")
_TRANSLIT_NAME = re.compile(rf"^[{_HAN}]{{1,8}}(?:[·•．][{_HAN}]{{1,8}})+$")
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]*\.?)*(?: [A-Z][a-z]+)$")
_NAME_SEPARATORS = re.compile(r"[、,，/ ]+")
_OPENERS = {"（": "）", "(": ")"}
_COMMA = re.compile(r"[，,]")
_WORDY = re.compile(r"\w")
_MD_IMAGE = re.compile(r"^!\[[^\]]*\]\([^)]*\)")
_SETEXT_RULE = re.compile(r"^(?:=+|-+)$")
_PARTICLES = "的了吗呢么着过们"
_PHOTO_CREDIT = re.compile(r"\S\s+(?:摄|摄影|供图)$")  # "新华社记者 王鹏 摄"


@dataclass(frozen=True)
class Cues:
    reference_headers: frozenset[str]
    caption_prefixes: tuple[str, ...]
    caption_markers: tuple[str, ...]
    credit_labels: tuple[str, ...]
    end_marks: frozenset[str]
    section_words: frozenset[str]
    place_suffixes: tuple[str, ...]
    role_words: tuple[str, ...]
    function_chars: frozenset[str]
    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    transliteration_chars: frozenset[str]
    headline_verbs: tuple[str, ...]


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """Read the cue lists from ``pipeline/data/ingest/`` (cached per process)."""
    raw = yaml.safe_load((DATA_DIR / "structure_cues.yaml").read_text(encoding="utf-8"))

    names = sorted(vocab.surnames())
    return Cues(
        reference_headers=frozenset(h.lower() for h in raw["reference_headers"]),
        caption_prefixes=tuple(raw["caption_prefixes"]),
        caption_markers=tuple(raw["caption_markers"]),
        credit_labels=tuple(sorted(raw["credit_labels"], key=len, reverse=True)),
        end_marks=frozenset(str(m).upper() for m in raw["end_marks"]),
        section_words=frozenset(raw["section_words"]),
        place_suffixes=tuple(raw["place_suffixes"]),
        role_words=tuple(sorted(raw["role_words"], key=len, reverse=True)),
        function_chars=frozenset(raw["function_chars"]),
        surnames=frozenset(n for n in names if len(n) == 1),
        compound_surnames=frozenset(n for n in names if len(n) == 2),
        transliteration_chars=vocab.transliteration_chars(),
        headline_verbs=tuple(raw["headline_verbs"]),
    )


def heading_text(line: str) -> str:
    """The text of a heading line: markdown '#' marks (leading and closing) removed."""
    s = line.strip()
    if _MD_HEADING.match(s):
        s = s.lstrip("#").strip()
        s = re.sub(r"\s+#+$", "", s).strip()
    return s


def _lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        if raw.strip():
            out.append((pos, end, raw.strip()))
        pos = end + 1
    return out


def _last_meaningful(s: str) -> str:
    t = s.rstrip(_CLOSERS + " ")
    return t[-1] if t else ""


def _is_reference_header(s: str, cues: Cues) -> bool:
    """True for a line that is a reference-list header, possibly followed by ':' and items."""
    t = heading_text(s)
    head = re.split(r"[:：]", t, maxsplit=1)[0]
    head = head.strip("【】[]《》<>()（）*_ \t").lower()
    return head in cues.reference_headers


def _is_heading_like(s: str, cues: Cues) -> bool:
    t = heading_text(s)
    if not t or len(t) > MAX_HEADING_CHARS:
        return False
    if t in cues.section_words:
        return True
    if "。" in t or len(_COMMA.findall(t)) > 2:
        return False
    last = _last_meaningful(t)
    if not last or last in _SENTENCE_END or last in "，,、":
        return False
    if last in _QUESTION_END and len(t) > MAX_QUESTION_HEADING_CHARS:
        return False
    return True


def _is_person_name(s: str, cues: Cues) -> bool:
    if _HAN_ONLY.match(s):
        if s[-1] in _PARTICLES:
            return False
        if 2 <= len(s) <= 3 and s[0] in cues.surnames:
            return True
        return 3 <= len(s) <= 4 and s[:2] in cues.compound_surnames
    if _TRANSLIT_NAME.match(s):
        letters = [ch for ch in s if ch not in "·•．"]
        known = sum(ch in cues.transliteration_chars for ch in letters)
        return known >= 0.8 * len(letters)
    return bool(_LATIN_NAME.match(s))


def _is_name_list(s: str, cues: Cues) -> bool:
    parts = [p for p in _NAME_SEPARATORS.split(s) if p]
    if len(parts) < 2 or len(s) > 60:
        return False
    return all(_is_person_name(p, cues) for p in parts)


def _has_headline_verb(s: str, cues: Cues) -> bool:
    return any(v in s for v in cues.headline_verbs)


def _is_role_name(s: str, cues: Cues) -> bool:
    if len(s) > MAX_ROLE_CAPTION_CHARS or not _BARE_PHRASE.match(s) or " " in s:
        return False
    if _has_headline_verb(s, cues) or any(ch in cues.function_chars for ch in s):
        return False
    for role in cues.role_words:
        i = s.rfind(role)
        if i >= 0:
            tail = s[i + len(role):].strip()
            return bool(tail) and _is_person_name(tail, cues)
    return False


def _is_place_name(s: str, cues: Cues, text: str) -> bool:
    if len(s) > MAX_PLACE_CHARS or not _HAN_ONLY.match(s):
        return False
    if any(ch in cues.function_chars for ch in s) or _has_headline_verb(s, cues):
        return False
    if not any(s.endswith(suf) and len(s) > len(suf) for suf in cues.place_suffixes):
        return False
    return text.count(s) >= 2  # the picture shows a place the article names


def _is_bracketed(s: str) -> bool:
    """The whole line is one bracketed note: "(图片来自网络)", "（按姓氏笔画为序排列）"."""
    if len(s) < 2 or s[0] not in _OPENERS or s[-1] != _OPENERS[s[0]]:
        return False
    depth = 0
    for i, ch in enumerate(s):
        if ch in _OPENERS:
            depth += 1
        elif ch in _OPENERS.values():
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return depth == 0


def _caption_by_form(s: str, cues: Cues, text: str) -> bool:
    if s.upper() in cues.end_marks or not _WORDY.search(s):
        return True  # end marks, and separators such as "---" or "***"
    if len(s) > MAX_MARKER_CAPTION_CHARS:
        return False  # no caption form is longer (fast path for paragraphs)
    if s.startswith(cues.caption_prefixes) or _MD_IMAGE.match(s):
        return True
    last = _last_meaningful(s)
    if last not in "。；;" and any(
        m in s for m in cues.caption_markers
    ):
        return True
    if len(s) <= MAX_CREDIT_CHARS:
        for label in cues.credit_labels:
            if s.startswith(label) and s[len(label): len(label) + 1] in (":", "："):
                return True
    if _PHOTO_CREDIT.search(s) and len(s) <= MAX_CREDIT_CHARS:
        return True
    if _is_bracketed(s):
        return True
    if s in cues.section_words:
        return False
    return (
        _is_person_name(s, cues)
        or _is_name_list(s, cues)
        or _is_role_name(s, cues)
        or _is_place_name(s, cues, text)
    )


def classify_lines(text: str, *, markdown: bool = False) -> list[Block]:
    """Split ``text`` into one Block per non-empty line, each with its kind."""
    cues = load_cues()
    lines = _lines(text)
    n = len(lines)
    kinds: list[str | None] = [None] * n

    # 1. trailing references
    for i in range(n - 1, n // 2 - 1, -1):
        if not _is_reference_header(lines[i][2], cues):
            continue
        tail = lines[i + 1:]
        if len(tail) <= MAX_REFERENCE_LINES and all(
            len(s) <= MAX_REFERENCE_LINE_CHARS for _, _, s in tail
        ):
            for j in range(i, n):
                kinds[j] = "references"
        break

    # 2. per-line forms
    for i, (start, _, s) in enumerate(lines):
        if kinds[i] is not None:
            continue
        if markdown and i > 0 and _SETEXT_RULE.match(s) and lines[i - 1][1] + 1 == start:
            kinds[i - 1], kinds[i] = "heading", "caption"  # setext heading and its underline
        elif _MD_HEADING.match(s):
            kinds[i] = "heading"
        elif _caption_by_form(s, cues, text):
            kinds[i] = "caption"
        elif _is_heading_like(s, cues):
            kinds[i] = "heading"

    # 3. a bare short phrase repeated from the body line just before it is a caption
    #    (pictures follow the paragraph that names them; a headline, by contrast,
    #    is often repeated by the lead paragraph *after* it, so only look back)
    for i, (_, _, s) in enumerate(lines):
        if kinds[i] != "heading" or i == 0 or s in cues.section_words:
            continue
        if len(s) > MAX_NAME_PHRASE_CHARS or not _BARE_PHRASE.match(s) or _MD_HEADING.match(s):
            continue
        if kinds[i - 1] is None and s in lines[i - 1][2]:
            kinds[i] = "caption"

    # 4. two-line headings: "出海和高端，" + "通向未来的两大挑战"
    for i in range(n - 1):
        if kinds[i] is None and kinds[i + 1] == "heading":
            s = lines[i][2]
            if len(s) <= MAX_QUESTION_HEADING_CHARS and s[-1] in "，," and "。" not in s:
                kinds[i] = "heading"

    # 5. the first line, when heading-like, is the title
    if n and kinds[0] == "heading":
        kinds[0] = "title"

    return [
        Block(start, end, kind or "body") for (start, end, _), kind in zip(lines, kinds)
    ]


def pick_title(text: str, blocks: list[Block]) -> str:
    """The title line, else the first heading, else the first line truncated to 60 characters.

    Truncation cuts at the first sentence end or comma within 60 characters
    when there is one, else at 60 characters followed by "…".
    """
    for kind in ("title", "heading"):
        for b in blocks:
            if b.kind == kind:
                t = heading_text(text[b.start:b.end])
                if t:
                    return t
    for b in blocks:
        line = heading_text(text[b.start:b.end])
        if line:
            return truncate_title(line)
    return ""


def truncate_title(line: str) -> str:
    if len(line) <= TITLE_MAX_CHARS:
        return line
    m = re.search(r"[。！？!?]", line[:TITLE_MAX_CHARS])
    if m and m.start() >= 8:
        return line[: m.end()]
    return line[:TITLE_MAX_CHARS].rstrip() + "…"
