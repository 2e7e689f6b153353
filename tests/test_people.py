"""People: person evidence (nlp.people) and what it decides about model person spans, table-driven.

Every sentence is invented; the model's spans are given (``PER`` at the first occurrence of the name, and
at every occurrence where the row says so), so the rows test the rules, not the tagger.
"""

import pytest

from pipeline.nlp import people
from pipeline.nlp.entities import recognize
from pipeline.nlp.entity_rules import rules
from pipeline.nlp.segment import segment
from pipeline.records import Document


def _people(text: str, tagged: list[str], every: bool = False) -> set[str]:
    spans = []
    for name in tagged:
        i = text.find(name)
        while i >= 0:
            spans.append((i, i + len(name), "PER"))
            if not every:
                break
            i = text.find(name, i + 1)
    doc = Document("d0", "t.txt", "t.txt", "", None, None, text, "")
    return {m.text for m in recognize(doc, segment(text), spans) if m.entity_type == "person"}


# (text, model PER spans, persons expected, persons not expected)
RESCUED = [
    # a rare surname, vouched for by a title before the name
    ("据了解，董事长兼总裁郁亮出席了发布会。", ["郁亮"], {"郁亮"}, set()),
    # a last character that usually ends a word (中, 军), vouched for by a title or an honorific
    ("诺贝尔奖获得者丁肇中教授领导了这项实验。", ["丁肇中"], {"丁肇中"}, set()),
    ("这次会议由范军主持，范军表示将继续推进改革。", ["范军"], {"范军"}, set()),
    # a transliteration longer than four characters, vouched for by a title
    ("南斯拉夫联盟总统米洛舍维奇会见了代表团。", ["米洛舍维奇"], {"米洛舍维奇"}, set()),
    # a two-character transliteration after a title
    ("美国国务院发言人纽兰表示将继续关注。", ["纽兰"], {"纽兰"}, set()),
    # evidence is document-wide: the second occurrence vouches for the first
    ("郁亮此前很少公开露面。本周，郁亮说公司会稳健经营。", ["郁亮"], {"郁亮"}, set()),
]

NOT_RESCUED = [
    # no evidence: the name check's rejection stands
    ("郁亮此前很少公开露面。", ["郁亮"], set(), {"郁亮"}),
    # a form of address is no full name, even with a rare surname (缪行长) after a title
    ("南京银行支行负责人缪行长表示，将加快审批。", ["缪行长"], set(), {"缪行长"}),
    # a title that is a form of address of someone else (蒋局长) vouches for nobody after it
    ("他与蒋局长周旋了很久。", [], set(), {"周旋"}),
]

DOUBTED = [
    # a frequent ordinary word that is no dictionary name
    ("这次峰会在高峰期举行，高峰之后人流回落。", ["高峰"], set(), {"高峰"}),
    # a surname character glued to a verb of speech
    ("总书记曾指出，发展不平衡的问题依然存在。", ["曾指出"], set(), {"曾指出"}),
    # the head of a longer name that the document always writes whole
    ("此前上市的文远知行宣称自己是第一股，而文远知行则强调安全。", ["文远"], set(), {"文远"}),
    # a product's name: a head word after it somewhere in the document
    ("百度发布了文心大模型的新版本，文心的用户数随之上涨。", ["文心"], set(), {"文心"}),
    ("商汤科技发布了新的财报，商汤的营收有所下降。", ["商汤"], set(), {"商汤"}),
]

NOT_DOUBTED = [
    # a name that is also a word, vouched for by the document
    ("著名歌手武艺推出了新专辑。武艺说这张专辑他准备了两年。", ["武艺"], {"武艺"}, set()),
    # a surname and a verb that is no verb of speech: a name (李自成, 杨振兴)
    ("李自成兵败之后的结局至今仍有争议。", ["李自成"], {"李自成"}, set()),
    # a name followed by the same frequent word twice is no head of a longer name (陈钱阿婆)
    ("陈钱阿婆身着传统服饰。陈钱阿婆说她住了十几年。", ["陈钱"], {"陈钱"}, set()),
    # a name followed by 版 (徐克版) is still a person
    ("他明显模仿了徐克版的梁祝。徐克导演的电影很多。", ["徐克"], {"徐克"}, set()),
]

TITLED = [
    # a dictionary person name after a title, which the model did not tag
    ("据悉，图灵奖得主姚期智也在筹备一支基金。", [], {"姚期智"}, set()),
    # a Latin name after an appointment verb
    ("谷歌在2015年任命 John Krafcik，为该项目CEO。", [], {"John Krafcik"}, set()),
    # a frequent word the dictionary also lists as a name, after a title, is a word
    ("研讨会上，各方专家陈述己见。", [], set(), {"陈述"}),
]


@pytest.mark.parametrize("text,tagged,yes,no", RESCUED + NOT_RESCUED + DOUBTED + NOT_DOUBTED + TITLED)
def test_person_evidence(text, tagged, yes, no):
    found = _people(text, tagged, every=True)
    assert yes <= found, (text, found)
    assert not (no & found), (text, found)


@pytest.mark.parametrize("text,name,expected", [
    ("美国总统拜登表示", "拜登", True),  # title before
    ("拜登表示", "拜登", True),  # speech verb after
    ("拜登也表示", "拜登", True),  # an adverb, then a speech verb
    ("张先生说拜登", "拜登", False),  # nothing around it
    ("蒋局长周旋", "周旋", False),  # a form of address before
    ("公司董事长王伟", "王伟", True),  # 司 opens no form of address here (公司 is a word)
    ("任命 John Smith", "John Smith", True),  # a space between the cue and a Latin name
])
def test_vouched(text, name, expected):
    s = text.index(name)
    assert people.vouched(text, s, s + len(name)) is expected


@pytest.mark.parametrize("name,expected", [
    ("郁亮", True), ("闵万里", True), ("米洛舍维奇", True), ("菲利普·拉扎里尼", True), ("欧阳娜娜", True),
    ("缪行长", False), ("郁总", False), ("高峰", False), ("张某", False), ("GPT4", False), ("中国队员", False),
])
def test_name_shaped(name, expected):
    assert people.name_shaped(name, rules()) is expected


@pytest.mark.parametrize("text, fragment", [
    ("乌克兰总统泽连斯基29日称，已经收到援助。", "连斯基"),
    ("习近平主席同施泰因迈尔总统就两国建交举行会谈。", "迈尔"),
])
def test_no_piece_of_a_longer_transliteration(text, fragment):
    doc = Document("d0", "t.txt", "t.txt", "", None, None, text, "", [])
    people_found = [m.text for m in recognize(doc, segment(text), [(text.find(fragment), text.find(fragment) + len(fragment), "PER")]) if m.entity_type == "person"]
    assert fragment not in people_found
