"""Document-level name variants (issue 12): short forms of recognised firm names (nlp.doc_aliases)
and organisations built on other names (nlp.org_names).

Tables of positive and negative cases, on invented or generic text (no evaluation document): the
recogniser runs with the real segmenter, lexicon and gazetteer; no model spans unless given.
"""

from dataclasses import dataclass

import pytest

from pipeline.nlp import doc_aliases
from nlp_helpers import mentions as _mentions, typed as _typed


@dataclass
class _M:
    """A chosen mention as ``doc_aliases`` reads it."""

    form: str
    type: str = "firm"
    key: str | None = None
    start: int = 0
    end: int = 0
    source: str = "rule"
    org_kind: str | None = None
    canonical: str | None = None


# (case, text, must be typed so, must not be typed so)
SHORT_FORMS = [
    ("leading part used alone", "云驰智行完成了数亿元B轮融资。创立云驰之前，他在百度工作。",
     {("云驰", "firm"), ("云驰智行", "firm")}, set()),
    ("a place is no short form", "杭州云驰智行完成了数亿元B轮融资。杭州的营收增长。", set(), {("杭州", "firm")}),
    ("a known firm is no short form", "华为云驰智行完成了数亿元B轮融资。华为的营收增长。", set(), {("华为云驰", "firm")}),
    ("a frequent word is no short form", "中国云驰智行完成了数亿元B轮融资。中国的营收增长。", set(), {("中国", "firm")}),
]


@pytest.mark.parametrize("case,text,expected,absent", SHORT_FORMS, ids=[c[0] for c in SHORT_FORMS])
def test_short_forms_in_text(case, text, expected, absent):
    typed = _typed(text)
    assert expected <= typed
    assert not (absent & typed)


def test_short_form_shares_the_full_names_key():
    text = "云驰智行完成了数亿元B轮融资。创立云驰之前，他在百度工作。"
    keys = {m.text: m.key for m in _mentions(text) if m.entity_type == "firm"}
    assert keys["云驰"] == "云驰智行" and keys["云驰智行"] == "云驰智行"


@pytest.mark.parametrize("name,parts", [
    ("云驰智行", ["云驰"]),  # 2 + 2: the rest of the name is at least two characters
    ("云驰星河智行", ["云驰星河", "云驰星", "云驰"]),
    ("IDG 资本", ["IDG"]),
    ("Pony 资本", ["Pony"]),
    ("AB 资本", []),  # a Latin part of fewer than three letters
    ("云驰", []),
    ("云驰科技有限公司（北京）", []),  # not a plain name
])
def test_leading_parts(name, parts):
    assert doc_aliases.leading_parts(name) == parts


@pytest.mark.parametrize("part,people,refused", [
    ("云驰", set(), False),
    ("杭州", set(), True),  # a place
    ("中国", set(), True),  # a stop prefix / frequent word
    ("华为", set(), True),  # a lexicon name
    ("公司", set(), True),
    ("李明", {"李明"}, True),  # the document names a person so
    ("CEO", set(), True),  # a common Latin word
])
def test_refused(part, people, refused):
    assert doc_aliases.refused(part, people) is refused


def test_ambiguous_short_form_is_left_alone():
    forms = doc_aliases.short_forms([_M("云驰智行"), _M("云驰汽车")])
    assert "云驰" not in forms
    assert doc_aliases.short_forms([_M("云驰智行", key="K"), _M("云驰汽车", key="K")])["云驰"][1] == "K"


def test_short_form_occurrences_on_token_boundaries():
    text = "云驰智行上市了。云驰的估值高。云驰骋天下。"
    starts, ends = {0, 4, 8, 10, 15}, {4, 8, 10, 15}  # 云驰 at 8-10 is a word; 云驰 at 15-17 is not
    found = doc_aliases.aliases(text, [_M("云驰智行", start=0, end=4)], starts, ends, lambda s, e: False)
    assert [(a.start, a.end, a.key) for a in found] == [(8, 10, "云驰智行")]


# (case, text, tail the model found, extended name or None)
EXTENDED = [
    ("same unknown head everywhere", "目前澜启云帆在安全领域布局。这是澜启云帆的初衷。", "云帆", "澜启云帆"),
    ("heads differ", "目前澜启云帆在安全领域布局。这是由云帆的初衷。", "云帆", None),
    ("a single occurrence", "目前澜启云帆在安全领域布局。", "云帆", None),
    ("the head is a word", "他说现在云帆在布局。我们现在云帆的初衷。", "云帆", None),
]


@pytest.mark.parametrize("case,text,tail,name", EXTENDED, ids=[c[0] for c in EXTENDED])
def test_extended_names(case, text, tail, name):
    i = text.index(tail)
    found = doc_aliases.extended_names(text, [_M(tail, start=i, end=i + len(tail))], lambda s, e: False)
    assert {a.key for a in found} == ({name} if name else set())


def test_extended_name_refused_after_another_name():
    text = "腾讯和云帆合作。腾讯和云帆再合作。"
    mentions = [_M("腾讯", start=0, end=2), _M("云帆", start=3, end=5)]
    assert doc_aliases.extended_names(text, mentions, lambda s, e: False) == []


# (case, text, must be typed so, must not be typed so)
BUILT_ORGS = [
    ("unit of a university", "他现任吉林大学东北亚研究院教授。", {("吉林大学东北亚研究院", "org")}, {("吉林大学", "org")}),
    ("unit with a Latin part", "他毕业于清华大学。清华 NLP 实验室很强。", {("清华 NLP 实验室", "org")}, set()),
    ("academy institute", "他曾任中科院计算所研究员。", {("中科院计算所", "org")}, set()),
    ("numbered school", "他毕业于武汉二中，后考入大学。", {("武汉二中", "org"), ("武汉", "city")}, set()),
    ("attached school", "他从北大附中考入清华。", {("北大附中", "org")}, set()),
    ("provincial committee", "湖南省委、省政府高度重视。", {("湖南省委", "org"), ("湖南省", "province")}, set()),
    ("city committee in one word", "长沙市委书记到场调研。", {("长沙市委", "org")}, set()),
    ("society led by a place", "该项目获得浙江省软件行业协会奖励。", {("浙江省软件行业协会", "org")}, set()),
    ("society led by the country", "项目荣获中国电子学会科技奖。", {("中国电子学会", "org")}, set()),
    # negative: a verb after the place, a conjunction, a possessive, a year inside
    ("委托 is a verb", "浙江省委托第三方机构评估。", set(), {("浙江省委", "org")}),
    ("two bodies", "北京大学和清华大学研究院合作。", set(), {("北京大学和清华大学研究院", "org")}),
    ("a possessive", "这是中国的研究院。", set(), {("中国的研究院", "org")}),
    ("a year inside", "吉林大学2023年成立研究院。", set(), {("吉林大学2023年成立研究院", "org")}),
    ("a centre, not a school", "成都一中心医院扩建。", set(), {("成都一中", "org")}),
]


@pytest.mark.parametrize("case,text,expected,absent", BUILT_ORGS, ids=[c[0] for c in BUILT_ORGS])
def test_built_orgs(case, text, expected, absent):
    typed = _typed(text)
    assert expected <= typed, typed
    assert not (absent & typed)


@pytest.mark.parametrize("part", ["河南洛阳", "瑞士第二", "俄国家", "山西阳泉", "杭州宇树"])
def test_a_head_opened_by_a_place_or_holding_an_ordinal_is_refused(part):
    assert doc_aliases.refused(part, set())
