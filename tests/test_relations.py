"""Relations read from one sentence (nlp.relations): one case per kind, and sentences that must yield nothing.

The mentions are given (typed spans at the first occurrence of each name), so
these tests check the relation patterns alone, not entity recognition.
"""

import pytest

from pipeline.nlp.relations import find_relations
from pipeline.records import Document, Mention


def _relations(text: str, names: list[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(name, entity_type) at each occurrence in order -> {(relation, subject, object)}."""
    ms, pos = [], {}
    for name, etype in names:
        i = text.index(name, pos.get(name, 0))
        pos[name] = i + len(name)
        ms.append(Mention("d", i, i + len(name), name, etype))
    rels = find_relations(Document("d", "", "", "", None, None, text, ""), ms)
    for r in rels:
        assert text[r.span_start:r.span_end] and r.span_start <= min(r.subject_start, r.object_start)
        assert r.sentence and text[r.span_start:r.span_end] in r.sentence
    return {(r.kind, text[r.subject_start:r.subject_end], text[r.object_start:r.object_end]) for r in rels}


P, F, O, C = "person", "firm", "org", "city"

CASES = [
    # founded
    ("吉利控股集团创始人李书福出席了活动。", [("吉利控股集团", F), ("李书福", P)], {("founded", "李书福", "吉利控股集团")}),
    ("马云在杭州创办了阿里巴巴。", [("马云", P), ("杭州", C), ("阿里巴巴", F)], {("founded", "马云", "阿里巴巴")}),
    ("唯捷创芯聚焦射频芯片。其创始人为荣秀丽。", [("唯捷创芯", F), ("荣秀丽", P)], {("founded", "荣秀丽", "唯捷创芯")}),
    # founded + leads from one role phrase
    ("Mobileye 创始人兼 CEO Amnon Shashua 也参与了投资。", [("Mobileye", F), ("Amnon Shashua", P)],
     {("founded", "Amnon Shashua", "Mobileye"), ("leads", "Amnon Shashua", "Mobileye")}),
    # leads
    ("安聪慧担任极氪 CEO。", [("安聪慧", P), ("极氪", F)], {("leads", "安聪慧", "极氪")}),
    ("华为轮值董事长徐直军表示。", [("华为", F), ("徐直军", P)], {("leads", "徐直军", "华为")}),
    ("福鼎市委书记林青介绍。", [("福鼎市委", O), ("林青", P)], {("leads", "林青", "福鼎市委")}),
    # works_at
    ("厦门大学经济学副教授丁长发分析指出。", [("厦门大学", O), ("丁长发", P)], {("works_at", "丁长发", "厦门大学")}),
    ("宁德时代党委书记陈元太说。", [("宁德时代", F), ("陈元太", P)], {("works_at", "陈元太", "宁德时代")}),
    # alumnus_of
    ("王坚毕业于浙江大学。", [("王坚", P), ("浙江大学", O)], {("alumnus_of", "王坚", "浙江大学")}),
    ("张国栋的浙大毕业生，与梁文锋是校友。", [("张国栋", P), ("浙大", O), ("梁文锋", P)],
     {("alumnus_of", "张国栋", "浙大"), ("alumnus_of", "梁文锋", "浙大")}),
    # invested_in
    ("面壁智能完成新一轮融资，由龙芯创投和赛富基金联合领投。", [("面壁智能", F), ("龙芯创投", F), ("赛富基金", F)],
     {("invested_in", "龙芯创投", "面壁智能"), ("invested_in", "赛富基金", "面壁智能")}),
    ("极氪的首轮投资方包括宁德时代、博裕投资。", [("极氪", F), ("宁德时代", F), ("博裕投资", F)],
     {("invested_in", "宁德时代", "极氪"), ("invested_in", "博裕投资", "极氪")}),
    ("小鹏汽车、万向创投等企业纷纷投资天岳先进。", [("小鹏汽车", F), ("万向创投", F), ("天岳先进", F)],
     {("invested_in", "小鹏汽车", "天岳先进"), ("invested_in", "万向创投", "天岳先进")}),
    ("由宁德时代和一汽集团合资建设的霞浦时代公司投产。", [("宁德时代", F), ("一汽集团", F), ("霞浦时代公司", F)],
     {("invested_in", "宁德时代", "霞浦时代公司"), ("invested_in", "一汽集团", "霞浦时代公司")}),
    # subsidiary_of
    ("吉利旗下的极氪上市了。", [("吉利", F), ("极氪", F)], {("subsidiary_of", "极氪", "吉利")}),
    ("作为DeepSeek母公司的幻方量化。", [("DeepSeek", F), ("幻方量化", F)], {("subsidiary_of", "DeepSeek", "幻方量化")}),
    # headquartered_in
    ("总部位于杭州的灵伴科技发布新品。", [("杭州", C), ("灵伴科技", F)], {("headquartered_in", "灵伴科技", "杭州")}),
    ("阿里巴巴总部位于杭州。", [("阿里巴巴", F), ("杭州", C)], {("headquartered_in", "阿里巴巴", "杭州")}),
    # founded_in
    ("1999年，阿里巴巴在杭州成立。", [("阿里巴巴", F), ("杭州", C)], {("founded_in", "阿里巴巴", "杭州")}),
    ("深圳诞生了华为和大疆。", [("深圳", C), ("华为", F), ("大疆", F)],
     {("founded_in", "华为", "深圳"), ("founded_in", "大疆", "深圳")}),
]

NOTHING = [
    # names side by side with no relation phrase
    ("马云和马化腾在杭州见面，讨论了阿里巴巴与腾讯的合作。", [("马云", P), ("马化腾", P), ("杭州", C), ("阿里巴巴", F), ("腾讯", F)]),
    # a sentence boundary between the firm and the role
    ("记者采访了腾讯。董事长马化腾没有出席。", [("腾讯", F), ("马化腾", P)]),
    # the person's own 创办 clause wins over a comma after another firm
    ("员工来自阿里,创始人梁文锋创办的幻方量化也依托阿里云。", [("阿里", F), ("梁文锋", P), ("幻方量化", F), ("阿里云", F)]),
    # investing in general, no investor list and no target
    ("腾讯表示将继续投资。", [("腾讯", F)]),
]


@pytest.mark.parametrize("text,names,expected", CASES, ids=[c[0][:12] for c in CASES])
def test_relation_kinds(text, names, expected):
    assert _relations(text, names) >= expected


def test_each_kind_is_covered():
    kinds = {k for _t, _n, exp in CASES for k, _s, _o in exp}
    assert kinds == {"founded", "leads", "works_at", "alumnus_of", "invested_in", "subsidiary_of",
                     "headquartered_in", "founded_in"}


@pytest.mark.parametrize("text,names", NOTHING, ids=[c[0][:12] for c in NOTHING])
def test_sentences_without_relations(text, names):
    rels = _relations(text, names)
    if "梁文锋创办的幻方量化" in text:
        assert rels == {("founded", "梁文锋", "幻方量化")}
    else:
        assert rels == set()


def test_role_of_a_unit_is_works_at():
    rels = _relations("华为常务董事、终端 BG 董事长余承东发布新品。", [("华为", F), ("余承东", P)])
    assert rels == {("works_at", "余承东", "华为")}
