"""Kinds of hostile input: each writes files into a raw folder and says how many inputs it made.

``CASES`` maps a case name to ``(description, writer)``; a writer takes the raw
folder and writes the case's files under ``<raw>/<case>/`` (or links there), and
returns the number of *inputs* it made (files, plus .jsonl lines): each input
must end in ``documents`` or ``errors`` (a duplicate is an ``errors`` row of kind
``duplicate``). ``GOOD`` is the control: ordinary articles.

Unreadable files and folders cannot be made with permissions when the tests
run as root (root reads everything); then ``unreadable_paths`` names them and
``inject_unreadable`` makes ``os.scandir`` and file opens raise
``PermissionError`` for them, which is what the pipeline sees as a user.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
from pathlib import Path

GOOD_TEXTS = [
    "# 深圳企业加快布局人工智能\n\n2024年，深圳市南山区的腾讯公司发布了新的大模型产品。腾讯董事会主席马化腾表示，"
    "公司全年研发投入超过700亿元，同比增长约10%。\n\n与此同时，华为在东莞松山湖建设的研发基地已聚集了3万名工程师。\n",
    "杭州市2023年GDP达到2.01万亿元，同比增长5.6%。阿里巴巴集团董事会主席蔡崇信表示，公司将继续加大在杭州的投资。\n",
    "合肥市政府与蔚来汽车签署协议，蔚来中国总部落户合肥经济技术开发区。蔚来创始人李斌表示，2023年交付量超过16万辆。\n",
]
LONG = 200_000  # characters of the long cases (the tests use fewer)
CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也主发年动同工"


def _w(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def _jsonl(path: Path, records: list) -> int:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    _w(path, "\n".join(lines) + "\n")
    return len([ln for ln in lines if ln.strip()])


def good(raw: Path) -> int:
    for i, t in enumerate(GOOD_TEXTS):
        _w(raw / "good" / f"a{i}.txt", t)
    return len(GOOD_TEXTS)


def _one(name: str, data: bytes | str):
    def write(raw: Path) -> int:
        _w(raw / name.split("/")[0] / name.split("/")[-1], data)
        return 1
    return write


def long_unpunctuated(n: int):
    return lambda raw: (_w(raw / "long_nopunct" / "a.txt", (CJK * (n // len(CJK) + 1))[:n] + "华为在深圳"), 1)[1]


def long_commas(n: int):
    base = "华为在深圳发布新品，营收增长百分之十，腾讯在杭州，"
    return lambda raw: (_w(raw / "long_commas" / "a.txt", (base * (n // len(base) + 1))[:n]), 1)[1]


def duplicates(raw: Path) -> int:
    _w(raw / "dup_files" / "a.txt", GOOD_TEXTS[0])
    _w(raw / "dup_files" / "b.txt", GOOD_TEXTS[0])  # same text as a.txt and as good/a0.txt
    return 2


def jsonl_dups(raw: Path) -> int:
    rec = {"text": "蔚来在合肥建设新工厂，投资超过100亿元。"}
    return _jsonl(raw / "dup_records" / "r.jsonl", [dict(rec, id="a"), dict(rec, id="b")])


def jsonl_malformed(raw: Path) -> int:
    return _jsonl(raw / "jsonl_bad" / "r.jsonl", [
        '{"id": "x1", "text": "小米在北京发布新车。"', '{"id": "x2"}', '{"id": "x3", "text": 42}',
        '[1, 2, 3]', '{"id": "x4", "text": ""}', '{"id": "x5", "text": "比亚迪在深圳。", "published_at": "not a date"}',
    ])


def jsonl_script_url(raw: Path) -> int:
    return _jsonl(raw / "jsonl_url" / "r.jsonl", [
        {"id": "u1", "text": "京东在北京发布财报，营收增长8%。", "url": "javascript:alert(document.domain)"},
        {"id": "u2", "text": "美团在北京发布财报，营收增长9%。", "url": "data:text/html,<script>alert(1)</script>"},
    ])


def jsonl_crlf_blank(raw: Path) -> int:
    data = '{"id": "c1", "text": "百度在北京。"}\r\n\r\n   \r\n{"id": "c2", "text": "网易在杭州。"}\r\n'
    _w(raw / "jsonl_crlf" / "r.jsonl", data)
    return 2


def unicode_mix(raw: Path) -> int:
    texts = {
        "zero_width": "华\u200b为\u200d在\u2060深圳\ufeff发布新品，营收增长10%。",
        "bidi": "\u202e华为在深圳\u202c发布\u2066新品\u2069，营收增长10%。",
        "emoji": "🚀华为在深圳发布新品👍🏽👨‍👩‍👧，营收增长10%。🇨🇳",
        "combining": "华为在深圳e\u0301\u0301\u0301发布新品，营收增长10%。a\u0308",
        "fullwidth": "ＨＵＡＷＥＩ在深圳发布新品，营收增长１０％，约１２３４．５亿元。",
        "controls": "华为在深圳\x01\x02发布新品\x7f，营收增长10%。\x1b[31m",
        "html": "<p>华为在<b>深圳</b>发布新品</p><script>alert(1)</script>，营收增长10%。&amp;&#x4e2d;",
        "numbers": "1234567890 " * 50 + "３４５６７８",
        "surrogate_escape": "华为在深圳发布新品\udcff，营收增长10%。".encode("utf-8", "surrogatepass"),
    }
    for name, t in texts.items():
        _w(raw / "unicode" / f"{name}.txt", t)
    return len(texts)


def end_of_text_name(raw: Path) -> int:
    _w(raw / "end_name" / "a.txt", "北京时间今天上午，消息来源：新华社")
    _w(raw / "end_name" / "b.txt", "据报道，华为在深圳")
    return 2


def links(raw: Path) -> int:
    d = raw / "links"
    d.mkdir(parents=True, exist_ok=True)
    os.symlink("nowhere.txt", d / "broken.txt")
    os.symlink("loop_b.txt", d / "loop_a.txt")
    os.symlink("loop_a.txt", d / "loop_b.txt")
    (raw.parent / "elsewhere").mkdir(exist_ok=True)
    _w(raw.parent / "elsewhere" / "x.txt", "腾讯在深圳。")
    os.symlink(raw.parent / "elsewhere", d / "linked_folder")
    _w(raw.parent / "outside.txt", "阿里巴巴在杭州发布新品。")
    os.symlink(raw.parent / "outside.txt", d / "followed.txt")  # a symlinked file is followed: a document
    return 5


def fifo(raw: Path) -> int:
    (raw / "fifo").mkdir(parents=True, exist_ok=True)
    os.mkfifo(raw / "fifo" / "pipe.txt")
    return 1


def unreadable_file(raw: Path) -> int:
    _w(raw / "noperm_file" / "secret.txt", GOOD_TEXTS[1] + "（保密）")
    os.chmod(raw / "noperm_file" / "secret.txt", 0)
    return 1


def unreadable_folder(raw: Path) -> int:
    _w(raw / "noperm_dir" / "inside.txt", "字节跳动在北京发布新品，营收增长20%。")
    os.chmod(raw / "noperm_dir", 0)
    return 1  # the folder (its file is counted once it can be read: see the unreadable-folder test)


CASES: dict[str, tuple[str, object]] = {
    "good": ("ordinary articles (control)", good),
    "gbk": ("GBK-encoded article", _one("gbk/a.txt", GOOD_TEXTS[1].encode("gbk"))),
    "utf16_bom": ("UTF-16 LE with BOM", _one("utf16/a.txt", "\ufeff".encode("utf-16-le") + GOOD_TEXTS[2].encode("utf-16-le"))),
    "mixed_encoding": ("GBK file with a UTF-8 fragment", _one("mixed/a.txt", GOOD_TEXTS[1].encode("gbk") + "腾讯控股有限公司在深圳发布".encode("utf-8"))),
    "bad_bom": ("UTF-8 BOM followed by invalid bytes", _one("badbom/a.txt", b"\xef\xbb\xbf\xff\xfe\xfa abc")),
    "latin1": ("Latin-1 bytes (undecodable)", _one("latin1/a.txt", "Café crème brûlée à Genève, déjà vu".encode("latin-1") * 3)),
    "binary": ("PNG image renamed .txt", _one("binary/a.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))),
    "nul_bytes": ("text with NUL bytes", _one("nul/a.txt", "华为在深圳".encode() + b"\x00\x00" + "发布".encode())),
    "empty": ("empty file (0 bytes)", _one("empty/a.txt", b"")),
    "whitespace": ("only whitespace and zero-width spaces", _one("blank/a.txt", "  \n\t\u3000\u200b\n")),
    "broken_front_matter": ("Markdown with broken front matter", _one("frontmatter/a.md", "---\ntitle: [unclosed\ndate: 2024-13-45\n---\n华为在深圳发布新品。\n")),
    "end_of_text_name": ("text ending in a known name, no final punctuation", end_of_text_name),
    "unicode": ("zero-width, bidi, emoji, combining, full-width, controls, HTML, numbers only, lone surrogate", unicode_mix),
    "long_line_no_punct": ("200 k characters without punctuation", lambda raw: long_unpunctuated(LONG)(raw)),
    "long_commas": ("200 k characters with commas but no 。", lambda raw: long_commas(LONG)(raw)),
    "over_budget": ("over the size budget (PIPELINE_DOC_MAX_CHARS)", lambda raw: (_w(raw / "huge" / "a.txt", CJK * 48_000), 1)[1]),
    "duplicate_files": ("two files with the same text (and the same as a good one)", duplicates),
    "duplicate_records": (".jsonl records with the same text", jsonl_dups),
    "jsonl_malformed": ("broken JSON, missing/non-string/empty text, not an object, bad date", jsonl_malformed),
    "jsonl_script_url": ("records with javascript: and data: URLs", jsonl_script_url),
    "jsonl_crlf_blank": ("CRLF line ends and blank lines", jsonl_crlf_blank),
    "jsonl_empty": ("empty .jsonl file", _one("jsonl_empty/r.jsonl", b"")),
    "symlinks": ("broken link, link loop, link to a folder, link to a file", links),
    "fifo": ("a named pipe called .txt", fifo),
    "unreadable_file": ("file without read permission", unreadable_file),
    "unreadable_folder": ("folder without read permission", unreadable_folder),
}

UNREADABLE = ("noperm_file/secret.txt", "noperm_dir")


def write_all(raw: Path, names=None) -> dict[str, int]:
    """Write every case (or ``names``) into ``raw``; case name -> inputs made."""
    raw.mkdir(parents=True, exist_ok=True)
    return {name: CASES[name][1](raw) for name in (names or CASES)}


def case_of(source_path: str) -> str | None:
    """The case a published ``source_path`` belongs to (by its folder)."""
    folder = source_path.split("/", 1)[0]
    return FOLDERS.get(folder)


FOLDERS = {
    "good": "good", "gbk": "gbk", "utf16": "utf16_bom", "mixed": "mixed_encoding", "badbom": "bad_bom",
    "latin1": "latin1", "binary": "binary", "nul": "nul_bytes", "empty": "empty", "blank": "whitespace",
    "frontmatter": "broken_front_matter", "end_name": "end_of_text_name", "unicode": "unicode",
    "long_nopunct": "long_line_no_punct", "long_commas": "long_commas", "huge": "over_budget",
    "dup_files": "duplicate_files", "dup_records": "duplicate_records", "jsonl_bad": "jsonl_malformed",
    "jsonl_url": "jsonl_script_url", "jsonl_crlf": "jsonl_crlf_blank", "jsonl_empty": "jsonl_empty",
    "links": "symlinks", "fifo": "fifo", "noperm_file": "unreadable_file", "noperm_dir": "unreadable_folder",
}


@contextlib.contextmanager
def inject_unreadable(raw: Path):
    """As root (who reads everything): make the unreadable cases raise PermissionError, as for a user."""
    if os.geteuid() != 0:
        yield
        return
    blocked = [os.path.abspath(raw / p) for p in UNREADABLE]

    def denied(path) -> bool:
        try:
            p = os.path.abspath(os.fsdecode(path))
        except TypeError:
            return False
        return any(p == b or p.startswith(b + os.sep) for b in blocked)

    real_scandir, real_open, real_io_open = os.scandir, builtins.open, io.open

    def scandir(path="."):
        if denied(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    def open_(file, *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and denied(file):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_open(file, *a, **k)

    os.scandir, builtins.open, io.open = scandir, open_, open_
    try:
        yield
    finally:
        os.scandir, builtins.open, io.open = real_scandir, real_open, real_io_open
