"""Relations read from one sentence (nlp.relations): one case per kind, and sentences that must yield nothing.

The mentions are given (typed spans at the first occurrence of each name), so
these tests check the relation patterns alone, not entity recognition. A
property test (Hypothesis) checks on random documents made of names, cue
words and noise that every relation's offsets slice to its text.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.relations import find_relations
from pipeline.records import Document, Mention
from nlp_helpers import relations_of as _relations


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

# Phrasings that name the organisation by a word referring back (其, 公司, 这家公司), or that
# put a description, a unit or an epithet between the names.
REFERRING_CASES = [
    # 其 + role + 为, with an epithet and an apposition before the person; the topic in the sentence before
    ("今年上市的翱捷科技被称为第一股。其创始人为“行业老将”、前锐迪科创始人戴保家。",
     [("翱捷科技", F), ("锐迪科", F), ("戴保家", P)],
     {("founded", "戴保家", "翱捷科技"), ("founded", "戴保家", "锐迪科")}),
    ("小马智行登陆纳斯达克，其CEO彭军表示将继续投入。", [("小马智行", F), ("彭军", P)], {("leads", "彭军", "小马智行")}),
    # 公司由 A 和 B 共同创立
    ("成立于2020年的百图生科专注生命科学。公司由百度创始人李彦宏和百度前副总裁刘维共同创立。",
     [("百图生科", F), ("百度", F), ("李彦宏", P), ("百度", F), ("刘维", P)],
     {("founded", "李彦宏", "百图生科"), ("founded", "刘维", "百图生科"), ("founded", "李彦宏", "百度"),
      ("works_at", "刘维", "百度")}),
    # investors: 背后…包含; 都是其股东; 获得A的投资; continued lists in a round
    ("拿下B轮融资的飞步科技，背后聚集了一批知名机构，包含达晨财智、德屹资本等。",
     [("飞步科技", F), ("达晨财智", F), ("德屹资本", F)],
     {("invested_in", "达晨财智", "飞步科技"), ("invested_in", "德屹资本", "飞步科技")}),
    ("唯捷创芯聚焦射频芯片。华为、小米等手机品牌都是其背后的股东。", [("唯捷创芯", F), ("华为", F), ("小米", F)],
     {("invested_in", "华为", "唯捷创芯"), ("invested_in", "小米", "唯捷创芯")}),
    ("早在两年前，飞步科技便被机构关注。2018年2月，曾公布获得创新工场的天使轮投资。",
     [("飞步科技", F), ("创新工场", F)], {("invested_in", "创新工场", "飞步科技")}),
    ("摩尔线程宣布完成两轮融资。这家公司背后投资方阵容豪华，由深创投、红杉中国联合领投，招商局创投等知名投资机构，还有字节跳动两只独角兽。",
     [("摩尔线程", F), ("深创投", F), ("红杉中国", F), ("招商局创投", F), ("字节跳动", F)],
     {("invested_in", "深创投", "摩尔线程"), ("invested_in", "红杉中国", "摩尔线程"),
      ("invested_in", "招商局创投", "摩尔线程"), ("invested_in", "字节跳动", "摩尔线程")}),
    ("沐曦完成Pre-A轮融资，红杉中国、真格基金等机构鼎力支持。", [("沐曦", F), ("红杉中国", F), ("真格基金", F)],
     {("invested_in", "红杉中国", "沐曦"), ("invested_in", "真格基金", "沐曦")}),
    ("合肥通过对京东方、蔚来的投资获得了回报。", [("合肥", C), ("京东方", F), ("蔚来", F)],
     {("invested_in", "合肥", "京东方"), ("invested_in", "合肥", "蔚来")}),
    ("金沙江创投作为LiblibAI的最早的投资人，再次跟投。", [("金沙江创投", F), ("LiblibAI", F)],
     {("invested_in", "金沙江创投", "LiblibAI")}),
    ("拿下丰田4亿美元投资的小马智行加速量产。", [("丰田", F), ("小马智行", F)], {("invested_in", "丰田", "小马智行")}),
    # roles: C-suite is leads; a unit's role (with 的) is works_at; PERSON，ORG ROLE
    ("腾讯COO任宇昕出席。", [("腾讯", F), ("任宇昕", P)], {("leads", "任宇昕", "腾讯")}),
    ("南粤基金集团总裁助理张理芃介绍。", [("南粤基金集团", F), ("张理芃", P)], {("works_at", "张理芃", "南粤基金集团")}),
    ("时任百度自动驾驶事业部总经理的王劲离职。", [("百度", F), ("王劲", P)], {("works_at", "王劲", "百度")}),
    ("何晓飞，浙江大学教授，也是创业者。", [("何晓飞", P), ("浙江大学", O)], {("works_at", "何晓飞", "浙江大学")}),
    ("张建中还曾在戴尔、惠普等公司中担任过销售总监。", [("张建中", P), ("戴尔", F), ("惠普", F)],
     {("works_at", "张建中", "戴尔"), ("works_at", "张建中", "惠普")}),
    ("何晓飞悄悄加入滴滴公司。", [("何晓飞", P), ("滴滴公司", F)], {("works_at", "何晓飞", "滴滴公司")}),
    # studies
    ("侯晓迪从人大附中考入上海交通大学，后又在加州理工学院攻读博士学位。",
     [("侯晓迪", P), ("人大附中", O), ("上海交通大学", O), ("加州理工学院", O)],
     {("alumnus_of", "侯晓迪", "人大附中"), ("alumnus_of", "侯晓迪", "上海交通大学"), ("alumnus_of", "侯晓迪", "加州理工学院")}),
    ("刘万千获得了俄勒冈大学的计算机硕士学位，以及斯坦福大学电子工程博士学位。",
     [("刘万千", P), ("俄勒冈大学", O), ("斯坦福大学", O)],
     {("alumnus_of", "刘万千", "俄勒冈大学"), ("alumnus_of", "刘万千", "斯坦福大学")}),
    # a sentence that names no one: the one person of the sentence before studied there
    ("何晓飞自小便是学霸。早年凭借竞赛成绩，被保送到浙江大学，后获得了芝加哥大学博士学位。",
     [("何晓飞", P), ("浙江大学", O), ("芝加哥大学", O)],
     {("alumnus_of", "何晓飞", "浙江大学"), ("alumnus_of", "何晓飞", "芝加哥大学")}),
    # founded with a description of the firm; headquarters of the topic; settled in a city
    ("王劲在2017年3月选择创业，成立了自动驾驶公司景驰科技。", [("王劲", P), ("景驰科技", F)], {("founded", "王劲", "景驰科技")}),
    ("宁德时代在厦门注册成立“厦门时代新能源”。", [("宁德时代", F), ("厦门", C), ("厦门时代新能源", F)],
     {("founded", "宁德时代", "厦门时代新能源"), ("founded_in", "厦门时代新能源", "厦门")}),
    ("文远知行成立于2017年，总部位于广州。", [("文远知行", F), ("广州", C)], {("headquartered_in", "文远知行", "广州")}),
    ("华胜天成自成立以来一直落户于海淀区。", [("华胜天成", F), ("海淀区", C)], {("headquartered_in", "华胜天成", "海淀区")}),
    ("小马智行是一家总部位于广州的公司。", [("小马智行", F), ("广州", C)], {("headquartered_in", "小马智行", "广州")}),
    # 他/她: the person named before in the sentence, or the one person of the sentence before
    ("作为摩尔线程创始人，张建中履历显赫。他还曾在戴尔、惠普等公司中担任过销售总监。",
     [("摩尔线程", F), ("张建中", P), ("戴尔", F), ("惠普", F)],
     {("founded", "张建中", "摩尔线程"), ("works_at", "张建中", "戴尔"), ("works_at", "张建中", "惠普")}),
    # founders: 于YEAR由A和B创立; one role for a list of people
    ("小马智行于2016年由彭军和楼天城创立。", [("小马智行", F), ("彭军", P), ("楼天城", P)],
     {("founded", "彭军", "小马智行"), ("founded", "楼天城", "小马智行")}),
    ("小马智行联合创始人彭军和楼天城出席。", [("小马智行", F), ("彭军", P), ("楼天城", P)],
     {("founded", "彭军", "小马智行"), ("founded", "楼天城", "小马智行")}),
    ("创新奇智成立于2018年，由徐辉创立。", [("创新奇智", F), ("徐辉", P)], {("founded", "徐辉", "创新奇智")}),
    ("创新奇智由创新工场孵化。", [("创新奇智", F), ("创新工场", F)], {("subsidiary_of", "创新奇智", "创新工场")}),
    ("自动驾驶公司是出行集团旗下公司。", [("自动驾驶公司", F), ("出行集团", F)], {("subsidiary_of", "自动驾驶公司", "出行集团")}),
    ("日产、宇通均为文远知行股东。", [("日产", F), ("宇通", F), ("文远知行", F)],
     {("invested_in", "日产", "文远知行"), ("invested_in", "宇通", "文远知行")}),
    # investors: A领投了X的融资; A向X投资 (the firm after 向 is no investor); A持有X的股份
    ("红杉中国领投了小马智行的B轮融资。", [("红杉中国", F), ("小马智行", F)], {("invested_in", "红杉中国", "小马智行")}),
    ("丰田向小马智行投资4亿美元。", [("丰田", F), ("小马智行", F)], {("invested_in", "丰田", "小马智行")}),
    ("广汽集团向滴滴自动驾驶注资1.49亿美元。", [("广汽集团", F), ("滴滴自动驾驶", F)],
     {("invested_in", "广汽集团", "滴滴自动驾驶")}),
    ("丰田持有小马智行13%的股份。", [("丰田", F), ("小马智行", F)], {("invested_in", "丰田", "小马智行")}),
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
    # a deal that is no investment; a round of a firm named after the investors, with no link to it
    ("丰田向小马智行采购汽车。", [("丰田", F), ("小马智行", F)]),
    ("日产是文远知行的客户。", [("日产", F), ("文远知行", F)]),
    ("本轮融资由红杉中国领投，小马智行将用于研发。", [("红杉中国", F), ("小马智行", F)]),
    # hedged and negated
    ("丰田计划向小马智行投资。", [("丰田", F), ("小马智行", F)]),
    ("字节跳动计划投资摩尔线程。", [("字节跳动", F), ("摩尔线程", F)]),
    ("字节跳动或将纷纷投资摩尔线程。", [("字节跳动", F), ("摩尔线程", F)]),
    ("美团没有投资理想汽车。", [("美团", F), ("理想汽车", F)]),
    ("华为并未成立了新公司荣耀。", [("华为", F), ("荣耀", F)]),
    # a reference with no topic before it: 在X… does not make X the topic
    ("在天语手机退出市场后，她又投身芯片创业。其创始人为荣秀丽。", [("天语手机", F), ("荣秀丽", P)]),
    # 其 + role, then a person who is no apposition of the role (a verb in between)
    ("腾讯发布财报。其董事长在会上会见了马云。", [("腾讯", F), ("马云", P)]),
    # a pronoun after a sentence that names two people stands for neither
    ("王劲和韩旭见面。他曾在百度工作。", [("王劲", P), ("韩旭", P), ("百度", F)]),
    # a teaching post is no degree; a firm met in a city is not headquartered there
    ("张三是清华大学博士生导师。", [("张三", P), ("清华大学", O)]),
    ("阿里巴巴在北京召开发布会，总部的员工也到场。", [("阿里巴巴", F), ("北京", C)]),
    # a bare role in the middle of a sentence that does not start with the organisation
    ("首先是公司有许多员工来自阿里，创始人梁文锋也曾提及。", [("阿里", F), ("梁文锋", P)]),
]


@pytest.mark.parametrize("text,names,expected", CASES, ids=[c[0][:12] for c in CASES])
def test_relation_kinds(text, names, expected):
    assert _relations(text, names) >= expected


def test_each_kind_is_covered():
    kinds = {k for _t, _n, exp in CASES for k, _s, _o in exp}
    assert kinds == {"founded", "leads", "works_at", "alumnus_of", "invested_in", "subsidiary_of",
                     "headquartered_in", "founded_in"}


@pytest.mark.parametrize("text,names,expected", REFERRING_CASES, ids=[c[0][:12] for c in REFERRING_CASES])
def test_referring_and_descriptive_phrasings(text, names, expected):
    assert _relations(text, names) == expected


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


# -- property: offsets of relations slice to their text --------------------------------------
_NAMES = [("华为", F), ("小米集团", F), ("红杉中国", F), ("李彦宏", P), ("王劲", P), ("浙江大学", O),
          ("杭州", C), ("深圳", C), ("Mobileye", F), ("Amnon Shashua", P)]
_CUES = ["创始人", "创始人兼 CEO", "董事长", "的", "、", "和", "，", "。", "\n", "其", "公司由", "共同创立", "旗下",
         "总部位于", "毕业于", "领投", "跟投", "完成融资", "背后", "包括", "都是其股东", "获得", "的投资", "在",
         "成立", "计划", "曾在", "工作", "（X）", "“", "”", " "]
_pieces = st.one_of(st.sampled_from(_NAMES), st.sampled_from(_CUES), st.text(max_size=4))


@settings(max_examples=150, deadline=None)
@given(st.lists(_pieces, max_size=30))
def test_relation_offsets_slice_to_their_text(pieces):
    text, ms = "", []
    for piece in pieces:
        if isinstance(piece, tuple):
            name, etype = piece
            ms.append(Mention("d", len(text), len(text) + len(name), name, etype))
            text += name
        else:
            text += piece
    rels = find_relations(Document("d", "", "", "", None, None, text, ""), ms)
    spans = {(m.start, m.end) for m in ms}
    for r in rels:
        assert 0 <= r.span_start < r.span_end <= len(text)
        assert (r.subject_start, r.subject_end) in spans and (r.object_start, r.object_end) in spans
        assert r.span_start <= min(r.subject_start, r.object_start) and r.span_end >= max(r.subject_end, r.object_end)
        assert text[r.span_start:r.span_end].strip() in r.sentence
        assert r.kind in {"founded", "leads", "works_at", "alumnus_of", "invested_in", "subsidiary_of",
                          "headquartered_in", "founded_in"}


def test_a_name_after_the_investors_that_does_something_else_is_no_investor():
    rels = _relations("面壁智能完成融资，由龙芯创投领投，清科创投跟投，万甲资本担任本轮独家财务顾问。",
                      [("面壁智能", F), ("龙芯创投", F), ("清科创投", F), ("万甲资本", F)])
    assert rels == {("invested_in", "龙芯创投", "面壁智能"), ("invested_in", "清科创投", "面壁智能")}


# Clause-level capabilities driven by the cue-word classes of relation_cues.yaml: (text, names, expected).
# Each kind has a case where the relation holds and one where the same words must yield nothing.
CLAUSE_CASES = [
    # a role with no organisation after it: the nearest organisation named before the person
    ("他们在硅谷成立了小马智行，彭军担任 CEO。", [("小马智行", F), ("彭军", P)], {("leads", "彭军", "小马智行")}),
    ("小马智行从摩根大通挖来劳伦斯担任 CFO。", [("小马智行", F), ("摩根大通", F), ("劳伦斯", P)],
     {("leads", "劳伦斯", "小马智行")}),
    ("百度和腾讯合作，张三担任 CEO。", [("百度", F), ("腾讯", F), ("张三", P)], set()),  # which one? nothing
    # appositions: an aside after the organisation, a chain of roles, the role in brackets after the person
    ("优图实验室（X lab）负责人、香港中文大学教授贾佳亚出席。", [("优图实验室", O), ("香港中文大学", O), ("贾佳亚", P)],
     {("leads", "贾佳亚", "优图实验室"), ("works_at", "贾佳亚", "香港中文大学")}),
    ("荣秀丽（天语手机创办人）出席。", [("荣秀丽", P), ("天语手机", F)], {("founded", "荣秀丽", "天语手机")}),
    ("小马智行，其CEO彭军表示。", [("小马智行", F), ("彭军", P)], {("leads", "彭军", "小马智行")}),
    ("王五为公司实际控制人。", [("王五", P)], set()),  # 公司 with no organisation before it
    ("极氪发布新车。王五为公司实际控制人。", [("极氪", F), ("王五", P)], {("leads", "王五", "极氪")}),
    ("楼天城曾在谷歌从事研发，更是百度历史上最年轻的工程师。", [("楼天城", P), ("谷歌", F), ("百度", F)],
     {("works_at", "楼天城", "百度")}),
    ("景驰科技引入了韩旭，前滴滴高级总监杨庆雄也一同加盟。", [("景驰科技", F), ("韩旭", P), ("滴滴", F), ("杨庆雄", P)],
     {("works_at", "杨庆雄", "滴滴"), ("works_at", "杨庆雄", "景驰科技")}),  # 滴滴 is his apposition, not whom he joins
    ("景驰科技成立后，韩旭说杨庆雄也一同加盟。", [("景驰科技", F), ("韩旭", P), ("杨庆雄", P)], set()),  # another person between
    # subsidiaries across a list announced by a cue verb
    ("景驰科技孵化出三家创企，分别是由王劲创立的中智行、韩旭创立的文远知行和牧月科技。",
     [("景驰科技", F), ("王劲", P), ("中智行", F), ("韩旭", P), ("文远知行", F), ("牧月科技", F)],
     {("subsidiary_of", "中智行", "景驰科技"), ("subsidiary_of", "文远知行", "景驰科技"), ("subsidiary_of", "牧月科技", "景驰科技"),
      ("founded", "王劲", "中智行"), ("founded", "韩旭", "文远知行")}),
    ("景驰科技孵化出三家创企，此后与文远知行合作。", [("景驰科技", F), ("文远知行", F)], set()),
    # headquarters: 此 refers to a city; a city's list of firms; a registered name with the city named on its own
    ("佛山的陶瓷产业发达。美的、格兰仕等大型企业皆坐落于此。", [("佛山", C), ("美的", F), ("格兰仕", F)],
     {("headquartered_in", "美的", "佛山"), ("headquartered_in", "格兰仕", "佛山")}),
    ("美的、格兰仕等大型企业皆坐落于此。", [("美的", F), ("格兰仕", F)], set()),  # no place to refer to
    ("今年，苏州新上市的4家公司中有3家——国芯科技、创耀科技。", [("苏州", C), ("国芯科技", F), ("创耀科技", F)],
     {("headquartered_in", "国芯科技", "苏州"), ("headquartered_in", "创耀科技", "苏州")}),
    ("苏州收购了一家公司——国芯科技。", [("苏州", C), ("国芯科技", F)], set()),
    ("苏州最近过会的公司——苏州锴威特半导体股份有限公司。",
     [("苏州", C), ("苏州锴威特半导体股份有限公司", F)],
     {("headquartered_in", "苏州锴威特半导体股份有限公司", "苏州")}),
    ("CATL市值上涨，连带其所在的福建小城宁德。", [("CATL", F), ("宁德", C)], {("headquartered_in", "CATL", "宁德")}),
    # founded_in: across a zone of the city; a clause opening with 诞生了
    ("宁德时代在厦门火炬高新区注册成立“厦门时代新能源科技有限公司”。",
     [("宁德时代", F), ("厦门", C), ("厦门时代新能源科技有限公司", F)],
     {("founded_in", "厦门时代新能源科技有限公司", "厦门"), ("founded", "宁德时代", "厦门时代新能源科技有限公司")}),
    ("以晋江为例，诞生了安踏、特步等多家知名品牌。", [("晋江", C), ("安踏", F), ("特步", F)],
     {("founded_in", "安踏", "晋江"), ("founded_in", "特步", "晋江")}),
    # invested_in: 吸引了包括…在内的投资方 (through an aside); 完成了…的A的融资; shareholdings of the topic firm
    ("小马智行吸引了包括新未来城（NEOM）、安大略教师基金等在内的投资方。",
     [("小马智行", F), ("新未来城", F), ("安大略教师基金", F)],
     {("invested_in", "新未来城", "小马智行"), ("invested_in", "安大略教师基金", "小马智行")}),
    ("小马智行成功完成了 5.45 亿美元的丰田的融资。", [("小马智行", F), ("丰田", F)], {("invested_in", "丰田", "小马智行")}),
    ("文远知行招股书显示，启明创投、日产分别持股 5.2% 和 3.1%。", [("文远知行", F), ("启明创投", F), ("日产", F)],
     {("invested_in", "启明创投", "文远知行"), ("invested_in", "日产", "文远知行")}),
    ("启明创投、日产分别持股 5.2% 和 3.1%。", [("启明创投", F), ("日产", F)], set()),  # whose shares? nothing
    # a worker and a leader of one organisation: the stronger relation only
    ("小马智行从摩根大通挖来高管劳伦斯担任 CFO。", [("小马智行", F), ("摩根大通", F), ("劳伦斯", P)],
     {("leads", "劳伦斯", "小马智行"), ("works_at", "劳伦斯", "摩根大通")}),  # 高管 at the one he came from
]


@pytest.mark.parametrize("text,names,expected", CLAUSE_CASES)
def test_clause_level_relations(text, names, expected):
    assert _relations(text, names) == expected


# General constructions added 2026-12-05 (branch rel), each with sentences that must yield nothing:
# (text, names, expected); the relations read must equal ``expected`` exactly.
CONSTRUCTION_CASES = [
    # roles: chains of roles and people, parallel role clauses, roles after a colon, appointments
    ("张三曾任百度副总裁、阿里巴巴CTO。", [("张三", P), ("百度", F), ("阿里巴巴", F)],
     {("works_at", "张三", "百度"), ("leads", "张三", "阿里巴巴")}),
    ("张三曾任百度副总裁兼小度科技CEO。", [("张三", P), ("百度", F), ("小度科技", F)],
     {("works_at", "张三", "百度"), ("leads", "张三", "小度科技")}),
    ("李书福担任极氪董事长，吉利控股集团总裁安聪慧担任极氪CEO。",
     [("李书福", P), ("极氪", F), ("吉利控股集团", F), ("安聪慧", P), ("极氪", F)],
     {("leads", "李书福", "极氪"), ("leads", "安聪慧", "吉利控股集团"), ("leads", "安聪慧", "极氪")}),  # no chain over a comma
    ("小红书CEO张三、CTO李四出席。", [("小红书", F), ("张三", P), ("李四", P)],
     {("leads", "张三", "小红书"), ("leads", "李四", "小红书")}),
    ("小红书CEO张三、演员李四出席。", [("小红书", F), ("张三", P), ("李四", P)], {("leads", "张三", "小红书")}),
    ("他们成立了小马智行，彭军担任 CEO，楼天城担任 CTO。", [("小马智行", F), ("彭军", P), ("楼天城", P)],
     {("leads", "彭军", "小马智行"), ("leads", "楼天城", "小马智行")}),
    ("何晓飞加入滴滴公司，并身兼数职：滴滴出行平台负责人、前滴滴研究院院长等。",
     [("何晓飞", P), ("滴滴公司", F), ("滴滴出行", F), ("滴滴研究院", O)],
     {("works_at", "何晓飞", "滴滴公司"), ("works_at", "何晓飞", "滴滴出行"), ("leads", "何晓飞", "滴滴研究院")}),
    ("会上发布了三项成果：滴滴研究院院长的报告。", [("滴滴研究院", O)], set()),  # no person the sentence is about
    ("小马智行，其CEO彭军曾担任百度首席架构师；CTO楼天城曾在谷歌从事研发。",
     [("小马智行", F), ("彭军", P), ("百度", F), ("楼天城", P), ("谷歌", F)],
     {("leads", "彭军", "小马智行"), ("works_at", "彭军", "百度"), ("leads", "楼天城", "小马智行")}),  # roles go on after ；
    ("今天，小马智行发布新车；CTO楼天城表示。", [("小马智行", F), ("楼天城", P)], set()),  # no role before the ；
    ("张三被任命为百度CEO。", [("张三", P), ("百度", F)], {("leads", "张三", "百度")}),
    ("百度任命张三为CTO。", [("百度", F), ("张三", P)], {("leads", "张三", "百度")}),
    ("百度任命张三为项目负责人的消息传出，李四表示。", [("百度", F), ("张三", P), ("李四", P)], set()),  # role does not end its clause
    ("张三加盟百度，出任CTO。", [("张三", P), ("百度", F)], {("leads", "张三", "百度")}),
    ("张三曾担任百度和阿里巴巴的高管。", [("张三", P), ("百度", F), ("阿里巴巴", F)],
     {("works_at", "张三", "百度"), ("works_at", "张三", "阿里巴巴")}),
    ("张三此前曾任职于百度、阿里巴巴。", [("张三", P), ("百度", F), ("阿里巴巴", F)],
     {("works_at", "张三", "百度"), ("works_at", "张三", "阿里巴巴")}),
    ("张三于2015年加入百度。", [("张三", P), ("百度", F)], {("works_at", "张三", "百度")}),
    ("张三，前百度高管。", [("张三", P), ("百度", F)], {("works_at", "张三", "百度")}),
    ("中国社科院的张三研究员指出。", [("中国社科院", O), ("张三", P)], {("works_at", "张三", "中国社科院")}),
    ("百度的张三表示。", [("百度", F), ("张三", P)], set()),  # no role
    ("随后，在进入麦肯锡工作了两年之后，刘万千创立了RMG。", [("麦肯锡", F), ("刘万千", P), ("RMG", F)],
     {("works_at", "刘万千", "麦肯锡"), ("founded", "刘万千", "RMG")}),
    ("CTO楼天城曾在谷歌从事研发，更是百度历史上最年轻的T10工程师。", [("楼天城", P), ("谷歌", F), ("百度", F)],
     {("works_at", "楼天城", "百度")}),
    ("小红书的创始人为毛文超和瞿芳。", [("小红书", F), ("毛文超", P), ("瞿芳", P)],
     {("founded", "毛文超", "小红书"), ("founded", "瞿芳", "小红书")}),
    ("张三离开百度后创办了小红书。", [("张三", P), ("百度", F), ("小红书", F)], {("founded", "张三", "小红书")}),
    # alumni
    ("张三拥有清华大学模式识别和人工智能专业硕士学位。", [("张三", P), ("清华大学", O)], {("alumnus_of", "张三", "清华大学")}),
    ("图森未来的COO，毕业于南洋理工大学的博士郝佳男。", [("图森未来", F), ("南洋理工大学", O), ("郝佳男", P)],
     {("alumnus_of", "郝佳男", "南洋理工大学")}),
    ("清华大学毕业的张三加入了百度。", [("清华大学", O), ("张三", P), ("百度", F)],
     {("alumnus_of", "张三", "清华大学"), ("works_at", "张三", "百度")}),
    ("清华大学计算机系2000级校友张三出席。", [("清华大学", O), ("张三", P)], {("alumnus_of", "张三", "清华大学")}),
    ("清华大学的校友中有张三、李四。", [("清华大学", O), ("张三", P), ("李四", P)],
     {("alumnus_of", "张三", "清华大学"), ("alumnus_of", "李四", "清华大学")}),
    ("清华大学走出了张三、李四等企业家。", [("清华大学", O), ("张三", P), ("李四", P)],
     {("alumnus_of", "张三", "清华大学"), ("alumnus_of", "李四", "清华大学")}),
    ("清华大学博士张三加入公司。", [("清华大学", O), ("张三", P)], {("alumnus_of", "张三", "清华大学")}),
    ("毛文超，斯坦福大学MBA。", [("毛文超", P), ("斯坦福大学", O)], {("alumnus_of", "毛文超", "斯坦福大学")}),
    ("清华大学博士生导师张三指出。", [("清华大学", O), ("张三", P)], set()),  # a supervisor is no graduate
    ("张三本科毕业于清华大学，后获得美国斯坦福大学电子工程博士学位。",
     [("张三", P), ("清华大学", O), ("美国", "country"), ("斯坦福大学", O)],
     {("alumnus_of", "张三", "清华大学"), ("alumnus_of", "张三", "斯坦福大学")}),  # a country before the school
    ("张三毕业于美国。", [("张三", P), ("美国", "country")], set()),
    ("张三的母校是清华大学。", [("张三", P), ("清华大学", O)], {("alumnus_of", "张三", "清华大学")}),
    ("张三在清华大学读书期间开始创业。", [("张三", P), ("清华大学", O)], {("alumnus_of", "张三", "清华大学")}),
    ("张三在清华大学演讲期间宣布。", [("张三", P), ("清华大学", O)], set()),
    ("张三、李四均毕业于清华大学。", [("张三", P), ("李四", P), ("清华大学", O)],
     {("alumnus_of", "张三", "清华大学"), ("alumnus_of", "李四", "清华大学")}),
    ("张三和李四分别毕业于清华大学和北京大学。", [("张三", P), ("李四", P), ("清华大学", O), ("北京大学", O)],
     {("alumnus_of", "张三", "清华大学"), ("alumnus_of", "李四", "北京大学")}),
    ("张三和李四分别毕业于清华大学、北京大学和浙江大学。",
     [("张三", P), ("李四", P), ("清华大学", O), ("北京大学", O), ("浙江大学", O)], set()),  # counts differ: nothing
    # investment rounds
    ("月之暗面完成新一轮融资，老股东红杉中国、高瓴资本继续加码。", [("月之暗面", F), ("红杉中国", F), ("高瓴资本", F)],
     {("invested_in", "红杉中国", "月之暗面"), ("invested_in", "高瓴资本", "月之暗面")}),
    ("月之暗面完成新一轮融资，红杉中国等老股东持续加注。", [("月之暗面", F), ("红杉中国", F)],
     {("invested_in", "红杉中国", "月之暗面")}),
    ("腾讯加码AI投入。", [("腾讯", F)], set()),
    ("作为烽台科技的老股东，贵阳创投、元起资本给予了支持。", [("烽台科技", F), ("贵阳创投", F), ("元起资本", F)],
     {("invested_in", "贵阳创投", "烽台科技"), ("invested_in", "元起资本", "烽台科技")}),
    ("作为烽台科技的客户，贵阳创投给予了支持。", [("烽台科技", F), ("贵阳创投", F)], set()),
    ("腾讯以10亿元入股小红书。", [("腾讯", F), ("小红书", F)], {("invested_in", "腾讯", "小红书")}),
    ("腾讯投资的小红书发布新品。", [("腾讯", F), ("小红书", F)], {("invested_in", "腾讯", "小红书")}),
    ("腾讯、阿里巴巴等机构参与了小红书的融资。", [("腾讯", F), ("阿里巴巴", F), ("小红书", F)],
     {("invested_in", "腾讯", "小红书"), ("invested_in", "阿里巴巴", "小红书")}),
    ("腾讯参与了小红书的发布会。", [("腾讯", F), ("小红书", F)], set()),
    # subsidiaries
    ("阿里巴巴控股的高鑫零售发布公告。", [("阿里巴巴", F), ("高鑫零售", F)], {("subsidiary_of", "高鑫零售", "阿里巴巴")}),
    ("抖音是字节跳动旗下的短视频平台。", [("抖音", F), ("字节跳动", F)], {("subsidiary_of", "抖音", "字节跳动")}),
    ("天猫，阿里巴巴旗下的电商平台。", [("天猫", F), ("阿里巴巴", F)], {("subsidiary_of", "天猫", "阿里巴巴")}),
    ("阿里巴巴旗下的天猫、淘宝和闲鱼。", [("阿里巴巴", F), ("天猫", F), ("淘宝", F), ("闲鱼", F)],
     {("subsidiary_of", "天猫", "阿里巴巴"), ("subsidiary_of", "淘宝", "阿里巴巴"), ("subsidiary_of", "闲鱼", "阿里巴巴")}),
    ("微信隶属于腾讯。", [("微信", F), ("腾讯", F)], {("subsidiary_of", "微信", "腾讯")}),
    ("微信对标腾讯旗下的产品。", [("微信", F), ("腾讯", F)], set()),
    # headquarters and founding places
    ("小红书成立于2013年。公司总部位于上海。", [("小红书", F), ("上海", C)], {("headquartered_in", "小红书", "上海")}),
    ("总部位于上海。", [("上海", C)], set()),
    ("小红书将总部设在上海。", [("小红书", F), ("上海", C)], {("headquartered_in", "小红书", "上海")}),
    ("小红书于2013年成立于上海。", [("小红书", F), ("上海", C)], {("founded_in", "小红书", "上海")}),
    ("小红书由张三和李四于2013年在上海创立。", [("小红书", F), ("张三", P), ("李四", P), ("上海", C)],
     {("founded", "张三", "小红书"), ("founded", "李四", "小红书")}),
]


@pytest.mark.parametrize("text,names,expected", CONSTRUCTION_CASES, ids=[c[0][:14] for c in CONSTRUCTION_CASES])
def test_general_constructions(text, names, expected):
    assert _relations(text, names) == expected


def test_an_aside_naming_the_same_entity_does_not_break_a_list():
    text = "小马智行吸引了包括沙特新未来城（NEOM）、文莱主权财富基金等在内的投资方。"
    ms = [Mention("d", text.index(n), text.index(n) + len(n), n, "firm", None, c)
          for n, c in (("小马智行", "小马智行"), ("沙特新未来城", "沙特新未来城"), ("NEOM", "沙特新未来城"), ("文莱主权财富基金", "文莱主权财富基金"))]
    rels = find_relations(Document("d", "", "", "", None, None, text, ""), ms)
    assert {(r.kind, text[r.subject_start:r.subject_end], text[r.object_start:r.object_end]) for r in rels} == {
        ("invested_in", "沙特新未来城", "小马智行"), ("invested_in", "文莱主权财富基金", "小马智行")}


def test_a_reference_in_a_later_paragraph_names_the_document_main_firm_only_when_one_stands_out():
    text = "小红书发布新品。小红书用户增长。小红书营收上升。\n行业竞争激烈。\n公司总部位于上海。"
    names = [("小红书", F), ("小红书", F), ("小红书", F), ("上海", C)]
    assert _relations(text, names) == {("headquartered_in", "小红书", "上海")}
    text2 = "小红书发布新品。抖音用户增长。小红书营收上升。抖音营收上升。\n行业竞争激烈。\n公司总部位于上海。"
    names2 = [("小红书", F), ("抖音", F), ("小红书", F), ("抖音", F), ("上海", C)]
    assert _relations(text2, names2) == set()  # two firms as often: no main firm
    text3 = "小红书发布新品。小红书用户增长。小红书营收上升。\n行业竞争激烈。\n其总部位于上海。"
    assert _relations(text3, names) == set()  # 其 refers to something near, never to the document's firm
