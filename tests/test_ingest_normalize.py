"""Normalisation: the text all offsets refer to."""

from __future__ import annotations

import unicodedata

from pipeline.ingest import read_source
from pipeline.ingest.normalize import KEPT_FULLWIDTH, normalize_line, normalize_text, strip_html


def test_fullwidth_letters_digits_and_symbols_become_ascii():
    assert normalize_text("ＡＩ芯片２０２３年增长５．２％，约＄１０亿／年") == "AI芯片2023年增长5.2%，约$10亿/年"
    assert normalize_text("Ｇｒｏｋ－３发布") == "Grok-3发布"


def test_chinese_punctuation_is_kept():
    s = "他说：“好！”（注）为什么？一，二；三。《书》、【栏目】"
    assert normalize_text(s) == s
    assert KEPT_FULLWIDTH == frozenset("！（），：；？")


def test_ascii_is_never_widened():
    s = "从开年火到今天,网上每天都有人在用Deepseek解构大千世界,面对?"
    assert normalize_text(s) == s


def test_number_separators_in_fullwidth_numbers():
    assert normalize_text("１，０００亿元") == "1,000亿元"
    assert normalize_text("２０２２，２０２３年") == "2022，2023年"  # a list, not thousands
    assert normalize_text("１０：３０开会，比分３：１") == "10:30开会，比分3:1"
    assert normalize_text("原因：其一") == "原因：其一"


def test_offsets_of_chinese_characters_after_normalisation():
    raw = "\ufeff　　ＡＢＣ公司在杭州\u200b成立。\r\n\r\n\r\n\r\n２０２４年\u3000营收１００亿元  \r\n"
    text = normalize_text(raw)
    assert text == "ABC公司在杭州成立。\n\n2024年 营收100亿元"
    assert text.index("杭州") == 6 and text[6:8] == "杭州"
    assert text[text.index("营收"):text.index("营收") + 7] == "营收100亿元"


def test_line_endings_and_invisible_characters():
    raw = "一\r二\r\n三\u2028四\u0085五\x0c六\u00ad七\u200d八\u2060九\x07十"
    assert normalize_text(raw) == "一\n二\n三\n四\n五\n六七八九十"


def test_spaces_and_indentation():
    assert normalize_text("　　第一段。\n\u00a0\u00a0第二段。 \t") == "第一段。\n第二段。"
    # markdown keeps its indentation
    assert normalize_text("- a\n    - b", strip_indent=False) == "- a\n    - b"


def test_nfc_composition():
    decomposed = "Cafe\u0301 e\u0301"
    assert normalize_text(decomposed) == unicodedata.normalize("NFC", decomposed) == "Café é"
    assert normalize_text("\uf9dc") == "\u9686"  # CJK compatibility ideograph -> unified


def test_idempotent():
    raw = "ＡＩ\r\n　　段落，１，０００元。\n\n\n\n<p>x</p>"
    once = normalize_text(raw)
    assert normalize_text(once) == once


def test_html_fragments_become_lines():
    raw = "<p><strong>央视网消息</strong>（新闻联播）：今天&nbsp;开会。</p><p>第二段&amp;结束。</p>"
    assert normalize_text(raw) == "央视网消息（新闻联播）：今天 开会。\n\n第二段&结束。"
    # prose with a '<' or '&' is untouched
    assert strip_html("a<b 且 R&D") == "a<b 且 R&D"


def test_normalize_line_for_titles():
    assert normalize_line("  ＡＩ\n  大模型　之战 ") == "AI 大模型 之战"


def test_document_offsets_refer_to_normalised_text(tmp_path):
    raw = "　　群核科技（Ｍａｎｙｃｏｒｅ）总部位于杭州。\r\n营收６．０１亿元。\r\n"
    (tmp_path / "a.txt").write_text(raw, encoding="utf-8")
    (doc,), errors = read_source(tmp_path, "a.txt")
    assert errors == []
    assert doc.text == "群核科技（Manycore）总部位于杭州。\n营收6.01亿元。"
    i = doc.text.index("Manycore")
    assert doc.text[i:i + 8] == "Manycore" and doc.text[i - 1] == "（"
    assert doc.text[doc.text.index("6.01"):][:6] == "6.01亿元"
    for b in doc.blocks:
        assert "\n" not in doc.text[b.start:b.end]


def test_name_interpunct_lookalikes():
    assert normalize_text("埃隆・马斯克和约翰•霍普金斯") == "埃隆·马斯克和约翰·霍普金斯"
    assert normalize_text("• 要点一") == "• 要点一"  # a bullet is a bullet
    assert normalize_text("很好.明天见") == "很好.明天见"
