"""Numeric facts (pipeline.nlp.facts).

Two parts:
- rule tests: short texts with hand-made entity mentions (so that they test the
  fact rules, not the entity recogniser), real jieba tokens;
- end-to-end: the sample article raw/hangzhou_deepseek.txt through the real
  pipeline (ingest.read_source -> nlp.analyse: segmentation, NER, entities,
  facts) against the 18 metrics of its gold file (copied below so that the test
  does not need /work/shared). It checks value + unit + subject for each gold
  fact, the year and qualifier of each matched fact, that spans are exact
  substrings, and that at most one fact is not in the gold.
"""

from datetime import date
from pathlib import Path

import pytest

from pipeline.nlp.facts import extract_facts
from pipeline.nlp.segment import segment
from pipeline.records import Block, Document, Mention
from conftest import REPO



def _doc(text: str, published=None, blocks=None) -> Document:
    return Document("d1", "t.txt", "t.txt", "", published, None, text, "", blocks or [])


def _mentions(text: str, names: dict[str, str]) -> list[Mention]:
    """Every occurrence of each name, typed (longest names first, no overlaps)."""
    out, taken = [], set()
    for name in sorted(names, key=len, reverse=True):
        i = text.find(name)
        while i >= 0:
            span = set(range(i, i + len(name)))
            if not span & taken:
                out.append(Mention("d1", i, i + len(name), name, names[name], canonical=name))
                taken |= span
            i = text.find(name, i + 1)
    return sorted(out, key=lambda m: m.start)


def _facts(text: str, names: dict[str, str] | None = None, **kw):
    doc = _doc(text, **kw)
    facts = extract_facts(doc, segment(text), _mentions(text, names or {}))
    for f in facts:
        assert text[f.start : f.end] == f.span_text
        assert f.span_text in f.sentence
    return facts


def _one(facts, value, unit=None):
    hits = [f for f in facts if abs(f.value - value) <= 1e-9 * max(1, abs(value)) and (unit is None or f.unit == unit)]
    assert len(hits) == 1, [(f.span_text, f.value, f.unit) for f in facts]
    return hits[0]


def test_window_qualifier_and_carried_subject_and_year():
    facts = _facts("2023年,江苏就贡献了高达1055亿颗的芯片,约占全国总产量的三分之一。", {"江苏": "province"})
    chips = _one(facts, 1.055e11, "颗")
    assert (chips.qualifier, chips.year, chips.subject_text, chips.span_text) == ("=", 2023, "江苏", "高达1055亿颗")
    share = _one(facts, 1 / 3, "%")
    assert (share.qualifier, share.year, share.subject_text, share.metric) == ("~", 2023, "江苏", "全国总产量占比")


def test_carried_year_dangnian():
    text = "幻方量化在2021年突破千亿规模。但是好景不长,就在当年,幻方的多只指数增强基金跌幅超过10%。"
    facts = _facts(text, {"幻方量化": "firm", "幻方": "firm"})
    fall = _one(facts, -0.1, "%")  # a fall of more than 10%: a change below -10%
    assert (fall.year, fall.qualifier, fall.subject_text, fall.metric) == (2021, "<", "幻方", "指数增强基金涨幅")
    size = _one(facts, 1e11)
    assert (size.unit, size.qualifier, size.year) == ("元", ">", 2021)


def test_year_and_period_carry_within_a_paragraph():
    text = "2023年第二季度,星河电子营收120亿元,同比增长15%。净利润8.5亿元,毛利率21.3%。\n净利润6.2亿元。"
    facts = _facts(text, {"星河电子": "firm"})
    for value in (1.2e10, 0.15, 8.5e8, 0.213):
        f = _one(facts, value)
        assert (f.year, f.period) == (2023, "第二季度"), f
    assert _one(facts, 6.2e8).year is None  # a paragraph break ends the carry


def test_year_carry_takes_a_new_period_and_stops_at_other_years():
    text = ("2024年,星河电子营收120亿元。第三季度,营收40亿元。去年同期净利润3亿元。"
            "净利润2.5亿元。")
    facts = _facts(text, {"星河电子": "firm"}, published=date(2024, 11, 1))
    assert (_one(facts, 1.2e10).year, _one(facts, 4e9).year, _one(facts, 4e9).period) == (2024, 2024, "第三季度")
    assert _one(facts, 3e8).year == 2023  # its own relative year, not the carried one
    # after a relative year the carry stops: not 2023; the number falls back to the year the
    # document is about (years.topic_year: here the document's year)
    assert _one(facts, 2.5e8).year == 2024
    facts = _facts("2022年,星河电子营收100亿元。2023年,其净利润5亿元。", {"星河电子": "firm"})
    assert (_one(facts, 1e10).year, _one(facts, 5e8).year) == (2022, 2023)
    # a sentence that moves the time on (此后, 第三年, 从业26年) is not dated by the earlier year
    for text, value in (("1996年,他来到星河电子。此后,公司营收增长到300亿元。", 3e10),
                        ("1996年,他来到星河电子。从业26年,他拥有35项专利。", 35),
                        ("2019年,行业遇冷。「金融街1700米的路上,都是投资者」,他说。", 1700)):
        assert _one(_facts(text, {"星河电子": "firm"}), value).year is None


def test_founding_year_is_not_carried_to_the_next_sentence():
    facts = _facts("星河电子成立于2009年。公司营收120亿元。", {"星河电子": "firm"})
    assert _one(facts, 1.2e10).year is None


@pytest.mark.parametrize("published,year", [(date(2024, 5, 1), 2024), (None, None)])
def test_relative_year_from_publication_date(published, year):
    facts = _facts("比亚迪今年营收同比增长10%。", {"比亚迪": "firm"}, published=published)
    assert _one(facts, 0.1, "%").year == year
    facts = _facts("比亚迪去年营收同比增长10%。", {"比亚迪": "firm"}, published=published)
    assert _one(facts, 0.1, "%").year == (year - 1 if year else None)


def test_qizhong_rank_of_city_and_comparison_objects():
    text = "截至2024年,杭州成为仅次于北上深的中国资本第四城,其中私募基金规模超1.5万亿元。"
    names = {"杭州": "city", "北": "city", "上": "city", "深": "city", "中国": "country"}
    facts = _facts(text, names)
    rank = _one(facts, 4, "rank")
    assert (rank.subject_text, rank.subject_type, rank.year, rank.metric) == ("杭州", "city", 2024, "中国资本城市排名")
    size = _one(facts, 1.5e12, "元")
    assert (size.subject_text, size.qualifier, size.metric, size.span_text) == ("杭州", ">", "私募基金规模", "超1.5万亿元")


def test_possessive_subject():
    facts = _facts("和其他城市的资本投资去向不同,杭州的私募资金70%投向了数字经济领域。", {"杭州": "city"})
    assert _one(facts, 0.7, "%").subject_text == "杭州"


def test_apposition_subject():
    text = "作为DeepSeek母公司的幻方量化,在2021年,一度成为国内首家突破千亿规模的量化私募。"
    facts = _facts(text, {"DeepSeek": "firm", "幻方量化": "firm"})
    assert len(facts) == 1  # 一度 and 首家 are not numbers
    f = facts[0]
    assert (f.subject_text, f.value, f.unit, f.qualifier, f.year) == ("幻方量化", 1e11, "元", ">", 2021)


@pytest.mark.parametrize(
    "text,names,subject,year",
    [
        ("成立于2009年的阿里云,如今成为了全球第三的云计算服务商。", {"阿里云": "firm"}, "阿里云", 2009),
        ("1999年,阿里巴巴在杭州成立。", {"阿里巴巴": "firm", "杭州": "city"}, "阿里巴巴", 1999),
        ("杭州2017年开始成立之江实验室。", {"之江实验室": "org", "杭州": "city"}, "之江实验室", 2017),
        ("宁德时代成立于2011年,总部位于宁德。", {"宁德时代": "firm", "宁德": "city"}, "宁德时代", 2011),
        ("宁德时代于2011年在宁德成立。", {"宁德时代": "firm", "宁德": "city"}, "宁德时代", 2011),
        ("2013年,黄晓煌创办了群核科技。", {"黄晓煌": "person", "群核科技": "firm"}, "群核科技", 2013),
        ("飞步科技成立于2017年8月,总部位于杭州。", {"飞步科技": "firm", "杭州": "city"}, "飞步科技", 2017),
        ("图森未来于2015年9月正式成立。", {"图森未来": "firm"}, "图森未来", 2015),
    ],
)
def test_founding_years(text, names, subject, year):
    facts = _facts(text, names)
    f = _one(facts, year, "year")
    # the value is the year; the fact's own year is empty (a founding year is a date, gold year null)
    assert (f.metric, f.subject_text, f.value, f.year, f.qualifier) == ("成立年份", subject, float(year), None, "=")


def test_a_dated_event_other_than_founding_is_no_founding_year():
    facts = _facts("2017年8月,飞步科技发布了新产品,营收10亿元。", {"飞步科技": "firm"})
    assert not [f for f in facts if f.metric == "成立年份"]


def test_founding_year_is_not_carried_to_later_numbers():
    facts = _facts("成立于2009年的阿里云,如今成为了全球第三、亚太第一的云计算服务商。", {"阿里云": "firm"})
    third, first = _one(facts, 3, "rank"), _one(facts, 1, "rank")
    assert third.year is None and first.year is None
    assert third.subject_text == first.subject_text == "阿里云"
    assert third.metric == "全球云计算服务商排名"


def test_signs_of_losses_and_decreases():
    facts = _facts("蔚来第二季度净亏损 50.46 亿元,同比收窄 16.7%。", {"蔚来": "firm"})
    loss = _one(facts, -5.046e9, "元")
    assert loss.metric == "净利润"
    change = _one(facts, -0.167, "%")
    assert change.metric == "净亏损同比增长"
    facts = _facts("比亚迪营收同比下降 5%。", {"比亚迪": "firm"})
    assert _one(facts, -0.05, "%").metric == "营收同比增长"
    facts = _facts("研发出了DeepSeek,并把人工智能的成本降低了一半。", {"DeepSeek": "firm"})
    f = _one(facts, -0.5, "%")  # a fall is a negative change; the name has no direction
    assert (f.metric, f.subject_text) == ("成本增幅", "DeepSeek")


def test_range_gives_two_bounds():
    facts = _facts("蔚来预计第三季度的交付量将在 6.1 万辆至 6.3 万辆之间。", {"蔚来": "firm"})
    low, high = _one(facts, 61000, "辆"), _one(facts, 63000, "辆")
    assert (low.qualifier, high.qualifier) == (">=", "<=")
    assert low.span_text == "6.1 万辆" and high.span_text == "6.1 万辆至 6.3 万辆"
    assert low.metric == high.metric == "交付量" and low.period == "第三季度"


def test_negated_range_keeps_its_bounds_right():
    facts = _facts("蔚来预计全年净亏损 30至50亿元。", {"蔚来": "firm"})
    low, high = _one(facts, -5e9, "元"), _one(facts, -3e9, "元")
    assert (low.qualifier, high.qualifier, low.metric) == (">=", "<=", "净利润")


def test_only_body_blocks_are_read():
    text = "国资 33 亿加码蔚来\n合肥国资向蔚来中国注资 70 亿元。"
    blocks = [Block(0, 10, "heading"), Block(11, len(text), "body")]
    facts = _facts(text, {"蔚来中国": "firm", "合肥": "city"}, blocks=blocks)
    assert [f.value for f in facts] == [7e9]
    assert facts[0].metric == "注资额" and facts[0].subject_text == "合肥"  # the investor, not the object of 向


def test_currency_conversions_are_not_extra_facts():
    facts = _facts("特斯拉的营收为 251.82 亿美元（约合 1794 亿元）,同比增长 8%。", {"特斯拉": "firm"})
    assert sorted((f.unit, f.metric) for f in facts) == [("%", "营收同比增长"), ("美元", "营收")]


def test_respectively_pairs_years_and_values():
    text = "2022 全年、2023 全年、以及 2024 年前九个月里,群核科技的总营收分别为 6.01 亿元、6.64 亿元和 5.53 亿元。"
    facts = _facts(text, {"群核科技": "firm"})
    got = [(f.value, f.year, f.period, f.metric, f.subject_text) for f in facts]
    assert got == [
        (6.01e8, 2022, "全年", "营收", "群核科技"),
        (6.64e8, 2023, "全年", "营收", "群核科技"),
        (5.53e8, 2024, "前九个月", "营收", "群核科技"),
    ]


def test_five_year_plan_target_year():
    facts = _facts("到十四五末,浙江数字经济核心产业增加值占GDP比重达到15%。", {"浙江": "province"})
    f = _one(facts, 0.15, "%")
    assert (f.year, f.period, f.subject_text) == (2025, "十四五末", "浙江")


def test_comparison_object_is_not_the_subject():
    text = "总部位于杭州的灵伴科技,创始人祝铭明上台发言,“产品已经领先Meta一年”。"
    facts = _facts(text, {"杭州": "city", "灵伴科技": "firm", "祝铭明": "person", "Meta": "firm"})
    f = _one(facts, 1, "年")
    assert f.subject_text == "灵伴科技"


def test_vocabulary_normalises_metric_names_and_changes_take_the_level():
    facts = _facts("比亚迪在前三季度实现营业收入 5022.5 亿元,同比增长 18.9%;净利润达 252.4 亿元。", {"比亚迪": "firm"})
    assert [(f.metric, f.subject_text, f.period) for f in facts] == [
        ("营收", "比亚迪", "前三季度"), ("营收同比增长", "比亚迪", "前三季度"), ("净利润", "比亚迪", "前三季度"),
    ]
    assert _one(_facts("特斯拉总营收为 100 亿美元。", {"特斯拉": "firm"}), 1e10).metric == "营收"


def test_group_nicknames_count_once_and_need_their_place():
    text = "和Deepseek一起出圈的还有“杭州六小龙”等企业,且“六小龙”的名单还在扩大。为什么南京发展不出‘杭州六小龙’?"
    facts = _facts(text, {"Deepseek": "firm", "杭州": "city", "南京": "city"})
    assert [(f.value, f.unit, f.subject_text, f.metric) for f in facts] == [(6, "家", "杭州", "六小龙数量")]


def test_small_counts_in_words_and_articles_are_not_facts():
    assert _facts("黄晓煌拉上了他的两个研究生同学,又一家来自杭州的企业,建立了一个篮球场大小的机房。", {"杭州": "city"}) == []


def test_subject_continues_through_a_list_of_figures():
    text = "蔚来第二季度实现营收 174.5 亿元,同比增长 98.9%,环比增长 76.1%;净亏损 50.46 亿元,同比收窄 16.7%,环比收窄 2.7%。"
    facts = _facts(text, {"蔚来": "firm"})
    assert len(facts) == 6 and {f.subject_text for f in facts} == {"蔚来"}
    assert [f.metric for f in facts] == ["营收", "营收同比增长", "营收环比增长", "净利润", "净亏损同比增长", "净亏损环比增长"]
    assert [f.year for f in facts] == [None] * 6 and {f.period for f in facts} == {"第二季度"}


def test_number_in_brackets_is_about_the_name_before_them():
    text = "特斯拉市值高达 8020 亿美元,相当于比亚迪（市值 8481 亿元）的六倍多。"
    facts = _facts(text, {"特斯拉": "firm", "比亚迪": "firm"})
    assert _one(facts, 8.481e11, "元").subject_text == "比亚迪"
    assert _one(facts, 8.02e11, "美元").subject_text == "特斯拉"


def test_change_to_a_level_is_named_by_the_level():
    facts = _facts("比亚迪高端品牌销量占比上升至 4.6%。", {"比亚迪": "firm"})
    assert _one(facts, 0.046, "%").metric == "销量占比"


def test_topic_carries_to_the_next_sentence_without_names():
    text = "比亚迪的高端化战略已经初见成效。今年前 9 个月,其高端品牌累计销量达到 12.7 万辆。"
    f = _one(_facts(text, {"比亚迪": "firm"}), 127000, "辆")
    assert (f.subject_text, f.metric, f.period) == ("比亚迪", "销量", "前9个月")


def test_a_firm_not_a_person_for_organisational_metrics():
    names = {"蔚来": "firm", "李斌": "person", "梁文锋": "person", "幻方量化": "firm"}
    text = "蔚来已开始交付新车。李斌表示,订单远超预期。「预计10月份生产5000台,12月份产能达到10000台」,李斌表示。"
    facts = _facts(text, names)
    assert {_one(facts, v).subject_text for v in (5000, 10000)} == {"蔚来"}  # not the speaker
    f = _one(_facts("蔚来创始人李斌表示,上月交付了5000台。", names), 5000)
    assert f.subject_text == "蔚来"
    # a person's own quantities stay the person's
    assert _one(_facts("蔚来创始人李斌持股13.33%。", names), 0.1333).subject_text == "李斌"
    assert _one(_facts("幻方量化创始人梁文锋投资超亿元。", names), 1e8).subject_text == "梁文锋"
    assert _one(_facts("梁文锋投资超亿元。", names), 1e8).subject_text == "梁文锋"
    assert _one(_facts("李斌今年50岁。", names), 50).subject_text == "李斌"


def test_the_source_of_a_number_never_becomes_its_subject():
    names = {"比亚迪": "firm", "国金证券": "firm"}
    text = "比亚迪推出了高毛利车型。根据国金证券的测算,这些车型共销售39.7万辆。"
    assert _one(_facts(text, names), 397000).subject_text == "比亚迪"


def test_sources_are_not_subjects():
    text = "比亚迪推出了高毛利混动车型,根据国金证券的测算,这些车型共销售 39.7 万辆。"
    f = _one(_facts(text, {"比亚迪": "firm", "国金证券": "firm"}), 397000, "辆")
    assert f.subject_text == "比亚迪"


def test_numbers_inside_names_are_not_facts():
    assert _facts("三只松鼠营收增长。", {"三只松鼠": "firm"}) == []


GENERAL = [
    # text, names, expected (span, value, unit, qualifier, year, subject, metric) for every fact
    ("2024年，杭州实现地区生产总值2.19万亿元，同比增长4.7%。", {"杭州": "city"},
     [("2.19万亿元", 2.19e12, "元", "=", 2024, "杭州", "GDP"), ("4.7%", 0.047, "%", "=", 2024, "杭州", "GDP同比增长")]),
    ("宁德时代2023年营收4009亿元，净利润441亿元，同比增长43.58%。", {"宁德时代": "firm"},
     [("4009亿元", 4.009e11, "元", "=", 2023, "宁德时代", "营收"), ("441亿元", 4.41e10, "元", "=", 2023, "宁德时代", "净利润"),
      ("43.58%", 0.4358, "%", "=", 2023, "宁德时代", "净利润同比增长")]),
    ("小米集团市值突破1万亿港元。", {"小米集团": "firm"},
     [("突破1万亿港元", 1e12, "港元", ">", None, "小米集团", "市值")]),
    ("截至2023年底，深圳国家高新技术企业超过2.4万家。", {"深圳": "city"},
     [("超过2.4万家", 24000, "家", ">", 2023, "深圳", "国家高新技术企业数量")]),
    ("阿里巴巴持有蚂蚁集团约33%的股份。", {"阿里巴巴": "firm", "蚂蚁集团": "firm"},
     [("约33%", 0.33, "%", "~", None, "阿里巴巴", "持股比例")]),
    ("合肥市GDP从2015年的5660亿元增长到2023年的12673.8亿元。", {"合肥市": "city"},
     [("5660亿元", 5.66e11, "元", "=", 2015, "合肥市", "GDP"), ("12673.8亿元", 1.26738e12, "元", "=", 2023, "合肥市", "GDP")]),
    ("2022年，江苏省进出口总额达5.45万亿元，居全国第二位。", {"江苏省": "province"},
     [("5.45万亿元", 5.45e12, "元", "=", 2022, "江苏省", "进出口额"), ("全国第二位", 2, "rank", "=", 2022, "江苏省", "全国排名")]),
    ("比亚迪董事长王传福今年58岁。", {"比亚迪": "firm", "王传福": "person"},
     [("58岁", 58, "岁", "=", None, "王传福", "年龄")]),
    ("蔚来的股价一度下跌超过20%，市值蒸发约50亿美元。", {"蔚来": "firm"},
     [("超过20%", -0.2, "%", "<", None, "蔚来", "股价涨幅"), ("约50亿美元", -5e9, "美元", "~", None, "蔚来", "市值变化额")]),
]


@pytest.mark.parametrize("text,names,expected", GENERAL, ids=[g[0][:12] for g in GENERAL])
def test_general_sentences(text, names, expected):
    got = [(f.span_text, f.value, f.unit, f.qualifier, f.year, f.subject_text, f.metric) for f in _facts(text, names)]
    assert len(got) == len(expected), got
    for g, e in zip(got, expected):
        assert g[0] == e[0] and g[2:] == e[2:] and abs(g[1] - e[1]) <= 1e-9 * abs(e[1]), (g, e)


# --------------------------------------------------------------------------- end to end

GOLD = [  # subject, value, unit, qualifier, year  (from eval/gold/hangzhou_deepseek.gold.json)
    ("浙江省", 179, "个", "=", 2024),
    ("杭州", 4, "rank", "=", 2024),
    ("杭州", 1.5e12, "元", ">", 2024),
    ("杭州", 0.7, "%", "=", 2024),
    ("幻方量化", 1e11, "元", ">", 2021),
    ("幻方量化", -0.1, "%", "<", 2021),  # 跌幅超过10%: a change below -10%
    ("梁文锋", 1e8, "元", ">", 2020),
    ("DeepSeek", -0.5, "%", "=", None),  # 成本降低了一半: a negative change
    ("阿里巴巴", 1999, "year", "=", None),  # founding years: the value is the year, the year empty (dev gold)
    ("阿里云", 2009, "year", "=", None),
    ("阿里云", 3, "rank", "=", None),
    ("阿里云", 1, "rank", "=", None),
    ("杭州", 1 / 3, "%", "=", None),
    ("之江实验室", 2017, "year", "=", None),
    ("江苏", 1.055e11, "颗", "=", 2023),
    ("江苏", 1 / 3, "%", "~", 2023),
    ("杭州", 6, "家", "=", None),
    ("灵伴科技", 1, "年", "=", None),
]


def test_sample_article_end_to_end():
    """Value + unit + subject of all 18 gold facts, with year and qualifier, through nlp.analyse."""
    from pipeline.ingest.sources import read_source
    from pipeline.nlp.analyse import analyse

    docs, errors = read_source(REPO / "raw", "hangzhou_deepseek.txt")
    assert not errors
    doc = docs[0]
    facts = analyse(doc).facts
    for f in facts:
        assert doc.text[f.start : f.end] == f.span_text
    used = set()
    for subject, value, unit, qualifier, year in GOLD:
        match = None
        for i, f in enumerate(facts):
            names = {(f.subject_text or "").lower()}
            if i in used or f.unit != unit or abs(f.value - value) > 1e-3 * abs(value):
                continue
            if any(subject.lower().startswith(n) and n for n in names) or subject.lower() in names:
                match = i
                break
        assert match is not None, (subject, value, unit)
        used.add(match)
        assert (facts[match].qualifier, facts[match].year) == (qualifier, year), (subject, value, unit)
    assert len(facts) - len(used) <= 1, [f.span_text for i, f in enumerate(facts) if i not in used]
