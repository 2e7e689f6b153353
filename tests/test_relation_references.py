"""Relations across sentences (nlp.relations, branch relx): a word referring back to a firm or to people.

Table-driven, one table per relation kind; every table holds sentences that must yield nothing. The
mentions are given (typed spans at successive occurrences of each name), so these tests check the
constructions alone, not entity recognition. Names are invented.
"""

import pytest

from nlp_helpers import relations_of as _relations

P, F, O, C = "person", "firm", "org", "city"


# subsidiary_of: a clause opening with 其 / 该公司 + 旗下 lists subsidiaries of the firm the text is about
SUBSIDIARY = [
    ("青禾科技的营收下滑。同时，其集团旗下全资子公司蓝川软件有限公司的业绩不及预期。",
     [("青禾科技", F), ("蓝川软件有限公司", F)], {("subsidiary_of", "蓝川软件有限公司", "青禾科技")}),
    ("青禾科技发布年报。该公司旗下的蓝川软件、白石数据均实现盈利。",
     [("青禾科技", F), ("蓝川软件", F), ("白石数据", F)],
     {("subsidiary_of", "蓝川软件", "青禾科技"), ("subsidiary_of", "白石数据", "青禾科技")}),
    # nothing: 其 heads no clause (…与其旗下…: the reference is inside another phrase), or no topic to refer to
    ("青禾科技发布年报。蓝山资本看好其旗下的蓝川软件。", [("青禾科技", F), ("蓝山资本", F), ("蓝川软件", F)], set()),
    ("记者走访了多家企业。其旗下的蓝川软件表现突出。", [("蓝川软件", F)], set()),
]

# founded: 他们 / 两人 + 成立了 + a firm names the list of people of the sentence before
FOUNDED = [
    ("就在这时，周明和李拓意识到创业更快。于是，2016 年 12 月，他们在硅谷成立了青禾科技，周明担任 CEO。",
     [("周明", P), ("李拓", P), ("青禾科技", F), ("周明", P)],
     {("founded", "周明", "青禾科技"), ("founded", "李拓", "青禾科技"), ("leads", "周明", "青禾科技")}),
    ("周明与李拓是大学同学。毕业后两人共同创办了青禾科技。", [("周明", P), ("李拓", P), ("青禾科技", F)],
     {("founded", "周明", "青禾科技"), ("founded", "李拓", "青禾科技")}),
    # nothing: one person before (他们 is not them), two lists, a different verb, another paragraph
    ("周明加入了团队。于是，他们成立了青禾科技。", [("周明", P), ("青禾科技", F)], set()),
    ("周明和李拓拜访了王强和赵六。他们成立了青禾科技。", [("周明", P), ("李拓", P), ("王强", P), ("赵六", P), ("青禾科技", F)], set()),
    ("周明和李拓意识到机会。他们投资了青禾科技。", [("周明", P), ("李拓", P), ("青禾科技", F)], set()),
    ("周明和李拓意识到机会。\n他们成立了青禾科技。", [("周明", P), ("李拓", P), ("青禾科技", F)], set()),
]

# invested_in: a subjectless clause (成立后，…获得了A和B的天使轮融资) in a document about one firm
_ABOUT = "青禾科技发布新品。青禾科技扩张迅速。青禾科技招聘员工。\n成立早期，团队吸引了行业关注。"
INVESTED = [
    (_ABOUT + "2016 年底成立后，短短几个月内，便在 2017 年 1 月获得了蓝山资本和白石基金的天使轮融资。",
     [("青禾科技", F)] * 3 + [("蓝山资本", F), ("白石基金", F)],
     {("invested_in", "蓝山资本", "青禾科技"), ("invested_in", "白石基金", "青禾科技")}),
    # nothing: a person is the subject; no firm stands out in the document
    (_ABOUT + "2017 年，周明获得了蓝山资本的天使轮投资。", [("青禾科技", F)] * 3 + [("周明", P), ("蓝山资本", F)], set()),
    ("成立早期，团队吸引了行业关注。2016 年底成立后，便获得了蓝山资本的天使轮融资。", [("蓝山资本", F)], set()),
]

# invested_in within one sentence: a shareholder in apposition, 引入…作为战略投资者, 参投了
SHAREHOLDERS = [
    ("青禾科技的第一大股东蓝山资本表示。", [("青禾科技", F), ("蓝山资本", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    ("青禾科技股东蓝山资本、白石基金均未减持。", [("青禾科技", F), ("蓝山资本", F), ("白石基金", F)],
     {("invested_in", "蓝山资本", "青禾科技"), ("invested_in", "白石基金", "青禾科技")}),
    ("青禾科技引入蓝山资本作为战略投资者。", [("青禾科技", F), ("蓝山资本", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    ("蓝山资本参投了青禾科技。", [("蓝山资本", F), ("青禾科技", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    # 投资人 before a person is a job there (works_at), no stake
    ("蓝山资本投资人周明表示。", [("蓝山资本", F), ("周明", P)], {("works_at", "周明", "蓝山资本")}),
    # nothing: 与股东 is no apposition; 引入 a product; a hedge
    ("青禾科技与股东蓝山资本产生分歧。", [("青禾科技", F), ("蓝山资本", F)], set()),
    ("青禾科技引入白石数据的技术。", [("青禾科技", F), ("白石数据", F)], set()),
    ("青禾科技计划引入蓝山资本作为战略投资者。", [("青禾科技", F), ("蓝山资本", F)], set()),
]

# roles and seats: adverbs before 曾任; a head-quarters in an aside
ROLES_AND_SEATS = [
    ("周明此前曾任蓝山资本副总裁。", [("周明", P), ("蓝山资本", F)], {("works_at", "周明", "蓝山资本")}),
    ("青禾科技（总部位于北京）发布公告。", [("青禾科技", F), ("北京", C)], {("headquartered_in", "青禾科技", "北京")}),
    # nothing: a plant in a city is no head-quarters
    ("青禾科技（工厂位于北京）发布公告。", [("青禾科技", F), ("北京", C)], set()),
]

# lists and adverbs: a list of subsidiaries before 均为…旗下; 曾 / 早在…就 before 投资; a round whose
# investors open the sentence (蓝山资本领投，白石基金跟投: the first investor is no target)
LISTS_AND_ADVERBS = [
    ("青禾科技和白石数据均为红杉集团旗下企业。", [("青禾科技", F), ("白石数据", F), ("红杉集团", F)],
     {("subsidiary_of", "青禾科技", "红杉集团"), ("subsidiary_of", "白石数据", "红杉集团")}),
    ("蓝山资本曾投资青禾科技。", [("蓝山资本", F), ("青禾科技", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    ("蓝山资本早在2016年就投资了青禾科技。", [("蓝山资本", F), ("青禾科技", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    ("青禾科技是一家成立于2016年、总部位于北京的公司。", [("青禾科技", F), ("北京", C)],
     {("headquartered_in", "青禾科技", "北京")}),
    # nothing: investors of a round with no firm to fund; a hedge before 投资; 和 two firms, no 旗下
    ("蓝山资本领投，白石基金跟投。", [("蓝山资本", F), ("白石基金", F)], set()),
    ("蓝山资本曾考虑投资青禾科技。", [("蓝山资本", F), ("青禾科技", F)], set()),
    ("青禾科技和白石数据均为红杉集团的客户。", [("青禾科技", F), ("白石数据", F), ("红杉集团", F)], set()),
]

# a role right after the firm a person founded; investors listed after 投资方还包括
FOUNDER_ROLES = [
    ("王明2016年创办青禾科技，并担任CEO。", [("王明", P), ("青禾科技", F)],
     {("founded", "王明", "青禾科技"), ("leads", "王明", "青禾科技")}),
    ("据悉，青禾科技的投资方还包括蓝山资本。", [("青禾科技", F), ("蓝山资本", F)], {("invested_in", "蓝山资本", "青禾科技")}),
    # the role is someone else's: only founded
    ("王明创办了青禾科技，李拓担任CEO。", [("王明", P), ("青禾科技", F), ("李拓", P)],
     {("founded", "王明", "青禾科技"), ("leads", "李拓", "青禾科技")}),
    ("王明创办了青禾科技，任职至今。", [("王明", P), ("青禾科技", F)], {("founded", "王明", "青禾科技")}),
]

ALL = FOUNDER_ROLES + SUBSIDIARY + FOUNDED + INVESTED + SHAREHOLDERS + ROLES_AND_SEATS + LISTS_AND_ADVERBS


@pytest.mark.parametrize("text,names,expected", ALL, ids=[c[0][-16:] for c in ALL])
def test_relations_across_sentences(text, names, expected):
    assert _relations(text, names) == expected
