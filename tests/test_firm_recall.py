"""Firm recall by document context (issue 12 item 1): business predicates, document-level label
consistency, short forms of registered names, aliases in brackets, enumerations with a typed firm.

One table per capability, positive and negative cases (a common word that is not a firm, a person the
document vouches for, a place in a list). The recogniser runs with the real segmenter, lexicon and
gazetteer; model spans are given by hand (name, type), located by their first occurrence.
"""

import pytest

from pipeline.nlp.entity_rules import rules
from pipeline.nlp.firm_aliases import registered_short_forms
from pipeline.nlp.firm_predicates import subject_spans
from pipeline.nlp.segment import segment
from nlp_helpers import mentions as _mentions, typed as _typed


# (case, text, model spans, must be typed so, must not be typed so)
PREDICATES = [
    ("funding", "据悉，云鲸智能完成了数亿元C轮融资，投资方未披露。", [], {("云鲸智能", "firm")}, set()),
    ("results", "中孚信息的营收增长幅度相对较大，为42.59%。", [], {("中孚信息", "firm")}, set()),
    ("listing", "随后，小马智行递表港交所。", [], {("小马智行", "firm")}, set()),
    ("quoted Latin name", "「Keep」招股书显示，其营收增长。", [], {("Keep", "firm")}, set()),
    ("name before its bracketed alias", "云鲸智能（Narwal）完成了数亿元C轮融资。", [], {("云鲸智能", "firm"), ("Narwal", "firm")},
     set()),
    ("object of 投资了", "阿里巴巴收购了饿了么，随后又投资了云鲸智能。", [], {("云鲸智能", "firm")}, set()),
    ("model person, no person evidence", "安博通的归母净利润也有了较大幅度的提升。", [("安博通", "PER")],
     {("安博通", "firm")}, {("安博通", "person")}),
    # negative: common words, industries, periods, numbers, people the document vouches for
    ("common word", "公司的营收增长幅度相对较大。", [], set(), {("公司", "firm")}),
    ("industry", "网安行业的营收增长幅度相对较大。", [], set(), {("网安行业", "firm"), ("网安", "firm")}),
    ("period", "第三季度营收同比增长。", [], set(), {("第三季度", "firm")}),
    ("number", "主要海外市场都遭遇了每年两位数的营收下跌。", [], set(), {("两位数", "firm")}),
    ("not a funding", "他完成了任务，也获得了表扬。", [], set(), {("他", "firm")}),
    ("person evidence", "张伟先生表示满意。张伟的营收目标很高。", [("张伟", "PER")], {("张伟", "person")},
     {("张伟", "firm")}),
    ("people publish too", "张伟发布了新书。", [], set(), {("张伟", "firm")}),
]

CONSISTENCY = [
    # a firm typed once with evidence is a firm wherever the model calls the same string a person
    ("person elsewhere", "安博通在上海设立总部。安博通的归母净利润也有提升。", [("安博通", "PER")],
     {("安博通", "firm")}, {("安博通", "person")}),
    # a short form of a registered name, where the document writes it
    ("registered short form", "北京税软科技有限公司成立于2015年。税软的产品很多。", [], {("税软", "firm")}, set()),
    ("short form that is a word", "香港新能源科技有限公司成立。新能源汽车很多。", [], set(), {("新能源", "firm")}),
    # a registered name ends at a head noun in apposition; a list starts after 由 that follows a clause
    ("apposition", "烽台科技拟成立全资子公司烽台（北京）数字化咨询有限公司。", [],
     {("烽台科技", "firm"), ("烽台（北京）数字化咨询有限公司", "firm")},
     {("烽台科技拟成立全资子公司烽台（北京）数字化咨询有限公司", "firm")}),
    ("list after a clause", "本轮融资由中国互联网投资基金与毅达资本联合领投。", [],
     {("中国互联网投资基金", "firm"), ("毅达资本", "firm")}, {("本轮融资由中国互联网投资基金", "firm")}),
    ("verb before a stem", "中网投希望通过投资助力烽台科技加强行业纵深。", [], {("烽台科技", "firm")},
     {("助力烽台科技", "firm")}),
]

ALIASES = [
    ("listed short name", "远江盛邦（北京）网络安全科技股份有限公司（股票简称：盛邦安全，股票代码：688651.SH）正式上市。", [],
     {("盛邦安全", "firm")}, set()),
    ("Latin alias of a known firm", "小鹏汽车（XPeng）今日发布新车。", [], {("XPeng", "firm"), ("小鹏汽车", "firm")}, set()),
    ("known name that is a word", "在接受采访时，甲骨文（Oracle）表示。", [], {("甲骨文", "firm"), ("Oracle", "firm")}, set()),
]

ALIASES += [
    ("English alias of a known firm", "宁德时代（Contemporary Amperex）发布新电池。", [],
     {("Contemporary Amperex", "firm"), ("宁德时代", "firm")}, set()),
    ("a term in brackets is no alias", "宁德时代（AI）发布新电池。", [], {("宁德时代", "firm")}, {("AI", "firm")}),
]

PEOPLE = [
    ("metric after a surname", "归母净利润、毛利润同比上涨。", [("毛利润", "PER")], set(), {("毛利润", "person")}),
    ("measure word after a demonstrative", "而最后这张图给出的业务规模更大。", [("张图", "PER")], set(), {("张图", "person")}),
    ("a model name that is no person's name, in a firm context", "另外，吉大正元的营收也十分亮眼。", [("吉大正元", "PER")],
     {("吉大正元", "firm")}, {("吉大正元", "person")}),
    # 吉大正元 is listed (firms_known.csv), so the name outside a firm context is an invented one
    ("... and outside one", "吉正元达也来了。", [("吉正元达", "PER")], set(), {("吉正元达", "firm"), ("吉正元达", "person")}),
    ("a person stays a person", "而最后张图给出了答案。", [("张图", "PER")], {("张图", "person")}, set()),
]

ENUMERATIONS = [
    # 盛邦安全 is listed (firms_known.csv) and so a firm; 盛泰安全, an invented name ending in a common word, is not
    ("brand-shaped items", "此外，北信源、盛邦安全、盛泰安全、天融信科技、安博通也在2023年交出了成绩。", [],
     {("天融信科技", "firm"), ("安博通", "firm"), ("北信源", "firm"), ("盛邦安全", "firm")}, {("盛泰安全", "firm")}),
    ("places are no firms", "此外，北京、上海、天融信科技也在2023年交出了成绩。", [], {("北京", "city")}, {("北京", "firm")}),
]


@pytest.mark.parametrize("case,text,spans,expected,absent", PREDICATES + CONSISTENCY + ALIASES + PEOPLE + ENUMERATIONS,
                         ids=[c[0] for c in PREDICATES + CONSISTENCY + ALIASES + PEOPLE + ENUMERATIONS])
def test_firm_recall(case, text, spans, expected, absent):
    got = _typed(text, spans)
    assert expected <= got, (case, got)
    assert not (absent & got), (case, got)


def test_alias_and_full_name_share_a_key():
    """Both names of X（以下简称 / 股票简称 Y）resolve to one entity: the same key."""
    ms = _mentions("远江盛邦（北京）网络安全科技股份有限公司（股票简称：盛邦安全，股票代码：688651.SH）正式上市。")
    keys = {m.text: m.key for m in ms if m.entity_type == "firm"}
    assert keys["盛邦安全"] == keys["远江盛邦（北京）网络安全科技股份有限公司"]
    ms = _mentions("北京税软科技有限公司成立于2015年。税软的产品很多。")
    assert {m.key for m in ms if m.text == "税软"} == {"北京税软科技有限公司"}


@pytest.mark.parametrize("name,forms", [
    ("北京月之暗面科技有限公司", ["月之暗面科技", "月之暗面"]),
    ("月之暗面（北京）科技有限公司", ["月之暗面科技", "月之暗面"]),
    ("香港新能源科技有限公司", []),  # 新能源 is a word
    ("中国移动通信集团有限公司", []),  # 移动通信 is made of frequent words
    ("宇树科技", []),  # no registered name
])
def test_registered_short_forms(name, forms):
    assert registered_short_forms(name, rules()) == forms


@pytest.mark.parametrize("text,name,strong", [
    ("据悉，云鲸智能完成了C轮融资", "云鲸智能", True),
    ("智谱AI完成新一轮融资", "智谱AI", True),
    ("小米汽车推出了新车型YU7", None, None),  # 小米汽车: lexicon words, the predicate types nothing new
    ("新浪微博上发布了一张照片", None, None),  # 上 glued to the name by the segmenter
    ("在2023年，营收增长", None, None),
    ("本次于PC/PS3/Xbox360推出的游戏", None, None),  # a product with a version number
    ("说到时尚手机，联想前段时间推出的手机", None, None),  # a period
    ("《生化尖兵》改编自1987年推出的同名游戏", None, None),  # a verb glued to a preposition
])
def test_subject_spans(text, name, strong):
    found = [(text[s:e], st) for s, e, st, brand in subject_spans(text, segment(text), rules()) if brand]
    if name is None:
        assert found == [] or all(n in ("小米汽车",) for n, _ in found), found
    else:
        assert (name, strong) in found
