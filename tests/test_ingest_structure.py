"""Line-level structure: title, headings, captions, references, body."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import read_source
from pipeline.ingest.normalize import normalize_text
from pipeline.ingest.structure import classify_lines, pick_title

RAW = Path(__file__).resolve().parent.parent / "raw"


def _kinds(text: str, **kw) -> dict[str, str]:
    text = normalize_text(text)
    return {text[b.start:b.end]: b.kind for b in classify_lines(text, **kw)}


@pytest.fixture(scope="module")
def sample():
    (doc,), errors = read_source(RAW, "hangzhou_deepseek.txt")
    assert errors == []
    return doc, {doc.text[b.start:b.end]: b.kind for b in doc.blocks}


def test_sample_blocks_cover_every_line(sample):
    doc, _ = sample
    lines = [line for line in doc.text.split("\n") if line.strip()]
    assert len(doc.blocks) == len(lines)
    assert [doc.text[b.start:b.end] for b in doc.blocks] == lines
    assert all(a.end < b.start for a, b in zip(doc.blocks, doc.blocks[1:]))


def test_sample_captions(sample):
    _, kinds = sample
    for line in ("祝铭明", "王兴兴", "杭州未来科技城"):
        assert kinds[line] == "caption", line
    grok = next(line for line in kinds if line.startswith("Grok-3发布会上左起"))
    assert kinds[grok] == "caption"


def test_sample_headings(sample):
    _, kinds = sample
    for line in ("杭州如何把AI变成“内战”", "阿里巴巴+多元资本,杭州科技的两组源代码", "不是每个城市都要Deepseek"):
        assert kinds[line] == "heading", line


def test_sample_references(sample):
    doc, kinds = sample
    assert kinds["参考资料"] == "references"
    items = [line for line in kinds if line[:2] in ("1、", "2、", "3、")]
    assert len(items) == 3 and all(kinds[i] == "references" for i in items)
    assert doc.blocks[-1].kind == "references"


def test_sample_body(sample):
    doc, kinds = sample
    body = [line for line, k in kinds.items() if k == "body"]
    assert len(body) == 26
    assert all(len(line) > 40 for line in body)
    assert any(line.startswith("从开年火到今天") for line in body)
    assert [doc.text[b.start:b.end] for b in doc.prose_blocks()] == body


def test_captions_by_form():
    k = _kinds(
        "正文第一段，讲述了公司在云栖小镇的发展历程和创始人的故事。\n"
        "图片来源：视觉中国\n"
        "▲ 工厂外景\n"
        "蔚来创始人李斌\n"
        "埃隆·马斯克\n"
        "李斌、何小鹏\n"
        "从左至右：张三、李四\n"
        "（图片来自网络）\n"
        "云栖小镇\n"
        "正文第二段，继续讲述公司的发展历程和融资的故事。\n"
        "责任编辑：王五\n"
        "（完）\n"
    )
    assert [line for line, kind in k.items() if kind == "caption"] == [
        "图片来源：视觉中国", "▲ 工厂外景", "蔚来创始人李斌", "埃隆·马斯克", "李斌、何小鹏",
        "从左至右：张三、李四", "（图片来自网络）", "云栖小镇", "责任编辑：王五", "（完）",
    ]


def test_headlines_are_not_place_or_role_captions():
    k = _kinds(
        "上一条新闻的正文。\n"
        "黄河宁夏段开河\n"
        "央视网消息：今天，黄河宁夏段开河。\n"
        "习近平总书记会见中国国民党主席郑丽文\n"
        "央视网消息：会见在北京举行。\n"
        "【大美中国·岁物丰成】\n"
        "二十四节气·立夏\n"
        "正文。\n"
    )
    assert k["黄河宁夏段开河"] == "heading"
    assert k["习近平总书记会见中国国民党主席郑丽文"] == "heading"
    assert k["【大美中国·岁物丰成】"] == "heading"
    assert k["二十四节气·立夏"] == "heading"


def test_headings_and_not_headings():
    k = _kinds(
        "比亚迪又达成了一个「里程碑」。\n"
        "电动车「两强争霸」\n"
        "特斯拉和比亚迪在新能源汽车行业的竞争故事可以追溯到2003年。\n"
        "1. 高毛利混动车型的贡献：\n"
        "比亚迪在三季度推出了搭载第五代DM-i技术的高毛利混动车型。\n"
        "出海和高端，\n"
        "通向未来的两大挑战\n"
        "这是一句很长的正文但是作者忘记了写句号所以它没有结尾的标点符号只是一直写下去直到结束为止还要再长一点\n"
        "为什么是杭州？\n"
        "结语\n"
        "最后一段正文。\n"
    )
    assert k["比亚迪又达成了一个「里程碑」。"] == "body"  # a sentence, even as the first line
    assert k["电动车「两强争霸」"] == "heading"
    assert k["1. 高毛利混动车型的贡献："] == "body"
    assert k["出海和高端，"] == "heading" and k["通向未来的两大挑战"] == "heading"
    assert k["为什么是杭州？"] == "heading"
    assert k["结语"] == "heading"
    assert k["这是一句很长的正文但是作者忘记了写句号所以它没有结尾的标点符号只是一直写下去直到结束为止还要再长一点"] == "body"


def test_title_line_and_markdown():
    text = normalize_text("# 杭州六小龙\n\n## 第一节\n\n正文。\n")
    blocks = classify_lines(text, markdown=True)
    assert [b.kind for b in blocks] == ["title", "heading", "body"]
    assert pick_title(text, blocks) == "杭州六小龙"


def test_reference_header_in_the_middle_is_not_a_reference_list():
    lines = ["参考资料"] + ["正文段落，内容很长，讲述了很多事情。" * 3] * 6
    k = _kinds("开头一段正文。\n" + "\n".join(lines))
    assert "references" not in k.values()


def test_references_with_inline_items_and_english_header():
    k = _kinds("正文一。\n正文二。\n正文三。\nReferences:\n[1] Smith, J. (2020). A paper.\n[2] 某某报告。")
    assert k["References:"] == "references"
    assert k["[1] Smith, J. (2020). A paper."] == "references"
    assert k["正文三。"] == "body"


def test_separator_lines():
    k = _kinds("正文一。\n---\n正文二。")
    assert k["---"] == "caption"


def test_markdown_setext_headings_and_images():
    text = normalize_text("标题\n===\n\n正文第一段。\n\n![图](a.png)\n\n小节\n---\n正文。", strip_indent=False)
    kinds = {text[b.start:b.end]: b.kind for b in classify_lines(text, markdown=True)}
    assert kinds == {"标题": "title", "===": "caption", "正文第一段。": "body",
                     "![图](a.png)": "caption", "小节": "heading", "---": "caption", "正文。": "body"}
    # in a .txt file "---" is only a separator
    plain = {text[b.start:b.end]: b.kind for b in classify_lines(text)}
    assert plain["---"] == "caption" and plain["小节"] == "heading"


def test_name_with_particle_is_not_a_name():
    k = _kinds("正文一段。\n李斌的\n正文二段。")
    assert k["李斌的"] != "caption"
