"""Decoding raw files: encodings accepted, and the files reported instead of read."""

from __future__ import annotations

import codecs

import pytest

from pipeline.ingest import list_sources, read_source
from pipeline.ingest.decode import DecodeError, decode_bytes

ARTICLE = "杭州的科技企业在2025年发展迅速。\n宇树科技的创始人是王兴兴。\n"


def _write(tmp_path, name, data: bytes):
    (tmp_path / name).write_bytes(data)
    return tmp_path


def _read_one(raw):
    units = list_sources(raw)
    assert len(units) == 1
    return read_source(raw, units[0].key)


@pytest.mark.parametrize(
    "name,data",
    [
        ("utf8.txt", ARTICLE.encode("utf-8")),
        ("utf8_bom.txt", codecs.BOM_UTF8 + ARTICLE.encode("utf-8")),
        ("gb18030.txt", ARTICLE.encode("gb18030")),
        ("gbk.txt", ARTICLE.encode("gbk")),
        ("utf16le_bom.txt", codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le")),
        ("utf16be_bom.txt", codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be")),
        ("utf32_bom.txt", ARTICLE.encode("utf-32")),
        ("crlf.txt", ARTICLE.replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_encodings_give_the_same_text(tmp_path, name, data):
    docs, errors = _read_one(_write(tmp_path, name, data))
    assert errors == []
    (doc,) = docs
    assert doc.text == ARTICLE.strip()
    assert doc.source_path == name
    # the hash is of the raw bytes, so differently encoded copies differ ...
    import hashlib

    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    # ... while the doc_id depends only on the normalised text
    assert doc.doc_id == "d" + hashlib.sha256(ARTICLE.strip().encode()).hexdigest()[:16]


def test_gb18030_four_byte_characters(tmp_path):
    text = "𠀀是扩展B区的字，䶮是扩展A区的字。"  # characters outside GBK
    docs, errors = _read_one(_write(tmp_path, "ext.txt", text.encode("gb18030")))
    assert errors == [] and docs[0].text == text


@pytest.mark.parametrize(
    "name,data,words",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \r\n\t\n \xe3\x80\x80\n", "empty"),
        ("bom_only.txt", codecs.BOM_UTF8, "empty"),
        ("nul.txt", b"abc\x00\x01\x02def" * 20, "binary"),
        ("pdf.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        ("controls.txt", bytes(range(1, 9)) * 50 + b"text", "control"),
        ("latin1.txt", "Ça coûte 5 € à Zürich, señor — déjà vu.".encode("cp1252"), "not valid UTF-8"),
        ("bad_bom.txt", codecs.BOM_UTF8 + b"ok \xff\xfe\xfd broken", "byte-order mark"),
    ],
)
def test_unreadable_files_are_reported_not_raised(tmp_path, name, data, words):
    docs, errors = _read_one(_write(tmp_path, name, data))
    assert docs == []
    (err,) = errors
    assert err.source_path == name
    assert err.line is None
    assert words.lower() in err.reason.lower()
    import hashlib

    assert err.sha256 == hashlib.sha256(data).hexdigest()


def test_random_bytes_are_not_taken_for_gb18030():
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(4000))
    with pytest.raises(DecodeError):
        decode_bytes(data)


def test_decode_reports_encoding():
    assert decode_bytes("中文".encode("gbk"))[1] == "GB18030"
    assert decode_bytes("中文".encode("utf-8"))[1] == "UTF-8"
    assert decode_bytes("中文".encode("utf-16"))[1].startswith("UTF-16")


def test_other_documents_still_read_when_one_is_broken(tmp_path):
    (tmp_path / "good.txt").write_text("深圳诞生了华为和大疆。", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02\x03" * 10)
    results = {u.key: read_source(tmp_path, u.key) for u in list_sources(tmp_path)}
    assert set(results) == {"bad.txt", "good.txt"}
    assert results["good.txt"][0][0].text == "深圳诞生了华为和大疆。"
    assert results["bad.txt"][0] == [] and "binary" in results["bad.txt"][1][0].reason


def test_big5_is_not_misread_as_gb18030_but_gbk_traditional_is_read(tmp_path):
    trad = "臺灣的科技產業發展迅速，半導體公司在新竹科學園區設立了許多工廠。台積電是全球最大的晶圓代工廠。"
    with pytest.raises(DecodeError, match="does not read as text"):
        decode_bytes(trad.encode("big5"))
    assert decode_bytes(trad.encode("gbk")) == (trad, "GB18030")
