"""Typing of names nobody tuned for (issue 12): context pairs, sources of figures, business in a place,
person-name plausibility (estimated surnames, common given names), strong firm suffixes, apposition.

One table per rule, positive and negative cases. The recogniser runs with the real
segmenter, lexicon and gazetteer; model spans are given by hand (offsets into the text)
so each case shows what the rule makes of one model output.
"""

import pytest

from pipeline.nlp.entities import recognize
from pipeline.nlp.entity_rules import descriptive, rules
from pipeline.nlp.firm_context import business_in_place, paired_context, source_not_person
from pipeline.nlp.segment import segment
from pipeline.records import Document
from tooling.ner.surnames import estimate


def _typed(text: str, spans=()) -> set[tuple[str, str]]:
    """(surface, type) of the mentions; ``spans``: (name, type) model spans, located by their first occurrence."""
    ner = []
    for name, type_ in spans:
        s = text.index(name)
        ner.append((s, s + len(name), type_))
    doc = Document("d", "", "", "", None, None, text, "")
    return {(m.text, m.entity_type) for m in recognize(doc, segment(text), ner)}


# (rule, text, model spans, must be typed so, must not be typed so)
CASES = [
    # media and employer cue pairs type a model ORG span that no suffix types
    ("pair/media", "在接受极客公园等媒体群访时，他说。", [("极客公园", "ORG")], {("极客公园", "firm")}, set()),
    ("pair/employer", "他在麦肯锡工作了两年。", [("麦肯锡", "ORG")], {("麦肯锡", "firm")}, set()),
    ("pair/one side only", "这让自动驾驶进入大众视野。", [("大众", "ORG")], set(), {("大众", "firm")}),
    ("pair/a place is no employer", "他在北京工作了两年。", [("北京", "ORG")], {("北京", "city")}, {("北京", "firm")}),
    # a model person cited as the source of figures is a firm
    ("source/firm", "据沙利文数据，销量第一。", [("沙利文", "PER")], {("沙利文", "firm")}, {("沙利文", "person")}),
    ("source/person who speaks", "据张志伟介绍，销量第一。", [("张志伟", "PER")], {("张志伟", "person")}, {("张志伟", "firm")}),
    # a Latin name in brackets after a Chinese firm name is its alias, whatever its length
    ("latin alias", "而洛图科技（RUNTO）统计，销量第一。", [("洛图科技", "ORG")], {("RUNTO", "firm")}, set()),
    ("latin alias/digits", "而洛图科技（2023）统计，销量第一。", [("洛图科技", "ORG")], {("洛图科技", "firm")}, {("2023", "firm")}),
    # business in a place after a name
    ("place verb", "今年5月，中航锂电在厦门扩建50GWh的基地。", [("中航锂电", "ORG")], {("中航锂电", "firm")}, set()),
    ("place verb/no place", "今年5月，中航锂电在会上表示扩建。", [("中航锂电", "ORG")], set(), {("中航锂电", "firm")}),
    # a head noun in apposition ends the stem of a suffix rule
    ("apposition", "合肥最新一家上市公司井松智能刚成功登陆科创板。", [], {("井松智能", "firm")}, set()),
    ("apposition/description", "一家上市公司智能化改造。", [], set(), {("上市公司智能", "firm")}),
    # a lexicon organisation + 公司 is the firms of a market, no name
    ("market firms", "科创板公司更依赖当地的科教资源。", [], {("科创板", "org")}, {("科创板公司", "firm")}),
    # a less common surname (estimated from the training sets) and a common given name
    ("person/estimated surname", "两位创始人彭军和楼天城也在百度相识。", [("楼天城", "PER")], {("楼天城", "person")}, set()),
    ("person/given name ending in 军", "技术员张建军也来了。", [("张建军", "PER")], {("张建军", "person")}, set()),
    ("person/nationality", "韩国人也来了。", [("韩国人", "PER")], set(), {("韩国人", "person")}),
    ("person/team", "德国队也来了。", [("德国队", "PER")], set(), {("德国队", "person")}),
]


@pytest.mark.parametrize("rule,text,spans,expected,absent", CASES, ids=[c[0] for c in CASES])
def test_context_typing(rule, text, spans, expected, absent):
    got = _typed(text, spans)
    assert expected <= got, (rule, got)
    assert not (absent & got), (rule, got)


@pytest.mark.parametrize("text,name,expected", [
    ("接受极客公园采访", "极客公园", True),
    ("据36氪报道", "36氪", True),
    ("加入字节跳动担任副总裁", "字节跳动", True),
    ("极客公园采访了他", "极客公园", False),  # no cue before
    ("在会上表示", "会上", False),  # 在 and 表示 are cues of two different pairs
])
def test_paired_context(text, name, expected):
    s = text.index(name)
    assert paired_context(text, s, s + len(name)) is expected


@pytest.mark.parametrize("text,expected", [
    ("X在厦门扩建基地", True),
    ("X在合肥设立总部", True),
    ("X在会上扩建", False),  # 会上 is no place
    ("X扩建基地", False),
])
def test_business_in_place(text, expected):
    places = {"厦门", "合肥"}
    assert business_in_place(text, 1, lambda w: w in places) is expected


@pytest.mark.parametrize("text,expected", [
    ("据沙利文数据", True),
    ("根据沙利文的报告", True),
    ("据沙利文介绍", False),
    ("和沙利文数据", False),
])
def test_source_not_person(text, expected):
    r = rules()
    assert source_not_person(text, text.index("沙利文"), text.index("沙利文") + 3,
                             r.source_cue_before, r.source_cue_after) is expected


@pytest.mark.parametrize("name,expected", [
    ("楼天城", True), ("萧长瑞", True), ("张建军", True), ("王志军", True), ("张伟", True),
    ("韩国人", False), ("周国家", False), ("刘海军", False), ("中国队", False), ("小明明", False),
])
def test_person_ok(name, expected):
    assert rules().person_ok(name) is expected


@pytest.mark.parametrize("name,expected", [
    ("青山集团", False),  # 青山 is an ordinary word, but X集团 names a business on its own
    ("百度集团", False),  # a lexicon firm + suffix
    ("长城有限公司", False),
    ("大型集团", True),  # a generic stem
    ("国有集团", True),
    ("高水平科技", True),  # an ordinary word before a weak suffix
    ("耐心资本", True),
])
def test_descriptive(name, expected):
    assert descriptive(name, rules()) is expected


def test_estimate_surnames():
    def rec(*names):
        return {"entities": [{"type": "PER", "text": n} for n in names]}

    records = [rec("楼天城", "楼继伟", "楼文龙"), rec("萧家淇", "萧文刚"), rec("卡梅伦", "卡扎菲", "卡伦布"),
               rec("小悦悦", "小晨晨", "小龙女"), rec("王小明", "王小红", "王大明")]
    known, translit = frozenset({"王"}), frozenset("梅伦扎菲布")
    # 楼: three names; 萧: two only; 卡: transliterations; 小: a nickname prefix; 王: known already
    assert estimate(records, known, translit, excluded=("小",)) == ["楼"]
