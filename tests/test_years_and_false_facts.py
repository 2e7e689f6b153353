"""Years (pipeline.nlp.years and the dating rules of facts), false facts and the sign
convention (issue 13 items 4 and 5), table-driven with positive and negative cases.

Texts carry hand-made entity mentions (tests/test_facts helpers), so these test the
fact rules, not the entity recogniser. The document is dated 2021-07-20 unless a
case says otherwise.
"""

from datetime import date

import pytest

from pipeline.nlp import indicators as ind
from pipeline.nlp import years
from test_facts import _facts

NAMES = {"宁德": "city", "成都": "city", "蔚来": "firm", "小米": "firm", "华为": "firm", "锴威特": "firm", "阿里巴巴": "firm",
         "京东": "firm", "网易": "firm"}
PUBLISHED = date(2021, 7, 20)


def _facts_of(text, published=PUBLISHED):
    return _facts(text, NAMES, published=published)


# (text, span of the number, expected year)
YEARS = [
    ("小米今年营收增长10%。", "10%", 2021),  # 今年: the document's year
    ("小米去年营收增长10%。", "10%", 2020),
    ("小米前年营收增长10%。", "10%", 2019),
    ("小米后年营收将达到100亿元。", "100亿元", 2023),
    ("该项目达产后年产值500亿元。", "500亿元", 2021),  # 达产后 + 年产值, not 后年 (+2)
    ("成都上半年GDP增长13.1%。", "13.1%", 2021),  # a period without a year: the document's year
    ("有175家2021年营业收入同比增长超过40%。", "175家", 2021),  # a year later in the clause
    ("2020年，小米营收增长19%，华为营收增长3%。", "3%", 2020),  # a year opening the sentence dates every subject
    ("锴威特在2021年实现营收2.10亿元，同比2020年的1.32亿增长了59.29%。", "59.29%", 2021),  # 同比2020年 is a base
    ("华为营收较2019年增长3%。", "3%", None),  # a base alone does not date the number
    ("2019年小米营收增长10%。今年营收增长20%。", "20%", 2021),
    ("2019年小米营收2000亿元。华为营收3000亿元。", "3000亿元", 2019),  # carried within the paragraph
    ("2019年小米营收2000亿元。\n华为营收3000亿元。", "3000亿元", 2021),  # not across paragraphs
    ("小米成立于2010年。华为营收3000亿元。", "3000亿元", 2021),  # a founding year is not carried
    ("2020年小米营收增长10%。去年同期营收2000亿元。营收3000亿元。", "3000亿元", 2020),  # the document's topic year
    ("2019年小米营收增长10%。此后营收3000亿元。", "3000亿元", None),  # a sentence that moves the time on
    ("2020年小米营收增长10%。去年同期营收2000亿元。项目建成后年产值200亿元。", "200亿元", None),  # a plan
    ("宁德时代市值一路上涨，并于去年突破万亿元。", "突破万亿元", 2020),  # 于去年 is a time
    ("小米营收高于去年的3000亿元。", "3000亿元", 2021),  # 高于去年 is a comparison
    ("成都用了七年。", "七年", None),  # durations have no year (gold leaves them undated)
    ("28岁的张一鸣创业。", "28岁", 2021),  # an age is the age at the document's date
    ("十年前，28岁的张一鸣创业。", "28岁", 2011),  # N年前 opening a clause: from the document's date
    ("早在 5 年前，小米营收2000亿元。", "2000亿元", 2016),
    ("小米成立3年前营收2000亿元。", "2000亿元", None),  # 3年前 of another event: not from the document
    ("据统计，在手机销量在2020年下降3%的情况下，华为份额为18%，其后是小米（17%）。", "17%", 2020),  # a 在…的情况下 frame
    ("相比2019年的融资，估值折价50%，当时小米的估值为100亿美元。", "100亿美元", 2019),  # 当时: the last year named
]


@pytest.mark.parametrize("text,span,year", YEARS, ids=[t for t, _, _ in YEARS])
def test_years(text, span, year):
    hits = [f for f in _facts_of(text) if f.span_text == span]
    assert len(hits) == 1, [(f.span_text, f.year) for f in _facts_of(text)]
    assert hits[0].year == year


@pytest.mark.parametrize("text,year", [("飞步科技成立于2017年8月。", 2017), ("飞步科技成立于2017年。", 2017),
                                       ("2024年5月12日，飞步科技发布新品。", None)])
def test_founding_year_with_a_month(text, year):
    found = [f for f in _facts(text, {"飞步科技": "firm"}) if f.metric == "成立年份"]
    assert [f.value for f in found] == ([float(year)] if year else [])


@pytest.mark.parametrize("text,framed", [
    ("据统计，在手机销量在2024年第四季度下降3%的情况下，华为份额为18%。", True),
    ("在2024年疫情期间，华为份额为18%。", True),
    ("华为在2024年第四季度份额为18%，小米17%。", False),  # the clause is the subject's own
    ("在2024年，华为份额为18%。", True),  # the year opening the sentence
    ("同年 2024年12 月，华为份额为18%。", True),  # after a relative year word
    ("据称2024年12 月，华为份额为18%。", False),
    ("华为份额在2024年下降3%的情况下仍为18%。", False),  # no clause break: not a frame
])
def test_a_year_in_a_framing_clause_dates_the_whole_sentence(text, framed):
    assert years.is_topic_year(text, 0, text.index("2024")) is framed


def test_period_year_in_a_document_of_january_is_the_year_before():
    assert years.period_year(date(2022, 1, 18), "前三季度") == 2021
    assert years.period_year(date(2022, 11, 1), "前三季度") == 2022
    assert years.period_year(date(2022, 11, 1), "十四五") is None
    assert years.period_year(None, "上半年") is None


# (text, span that must not be a fact, a span that must still be one or None)
FALSE_FACTS = [
    ("科创板入选门槛为营收10亿元。", "10亿元", None),  # a threshold set for others
    ("宁德GDP增速连续3年位居全省首位。", "3年", "首位"),  # a time frame of another fact
    ("成都两年平均增长6.7%。", "两年", "6.7%"),
    ("蔚来融资3亿美元。这3亿美元将用于研发。", None, "3亿美元"),  # a restatement gives one fact
    ("小米市值超过6000亿港元，约合5000亿元人民币。", "5000亿元", None),  # a currency conversion
    ("目前科创板共有428家上市公司。在428家科创板上市公司中，有175家营收增长。", None, "428家"),  # a precise figure named again
    ("小米成为 20 万元以上纯电轿车的销售冠军。", "20 万元以上", "冠军"),  # a price class, not a value
    ("蔚来夺得 20 万以上中国纯电品牌销量冠军。", "20 万以上", "冠军"),
    ("蔚来定价在 30 万以上的车型。", None, "30 万以上"),  # a price of the subject (以上 + 的)
    ("小米推出 25 款以上全新产品。", None, "25 款以上"),  # a count, not a class bound
    ("目前全国共有15个副省级城市。15个副省级城市中，成都GDP增长10%。", None, "15个"),  # the same group counted again
    ("蔚来每 8 个月提升一倍。即每过 8 个月，成本减半。", None, "8 个月"),  # a period restated in its paragraph
]


@pytest.mark.parametrize("text,count", [
    ("小米有15个门店。华为有15个工厂。", 2),  # the same count of other things: two facts
    ("蔚来用了8个月。\n小米用了8个月。", 2),  # the same duration in another paragraph
    ("小米市值突破1万亿港元。\n最终，小米市值突破了 1 万亿港元大关。", 1),  # the same fact stated again
    ("小米营收增长9.6%。\n华为营收增长9.6%。", 2),  # another subject
    ("小米营收增长9.6%，净利润增长9.6%。", 2),  # another indicator
    ("小米位居全国第一。\n小米销量全国第一。", 2),  # ranks of two measures are never merged
    ("2019年小米营收增长9.6%。\n2020年小米营收增长9.6%。", 2),  # two years written: two facts
    ("蔚来用了3年。小米也用了3年。", 2),  # another subject's duration in the same paragraph
    ("全国默哀3分钟，鸣笛3分钟。", 2),  # equal durations of different things (no 每)
])
def test_equal_values_of_different_things_are_kept(text, count):
    assert len(_facts_of(text)) == count, [f.span_text for f in _facts_of(text)]


def test_round_figures_repeated_are_separate_facts():
    spans = [f.span_text for f in _facts_of("小米有100家门店。华为有100家门店。")]
    assert spans == ["100家", "100家"]


@pytest.mark.parametrize("text,absent,present", FALSE_FACTS, ids=[t for t, _, _ in FALSE_FACTS])
def test_false_facts(text, absent, present):
    spans = [f.span_text for f in _facts_of(text)]
    if absent is not None:
        assert absent not in spans
    if present is not None:
        assert spans.count(present) == 1, spans


# Sign convention (../shared/DATASET.md): a loss is a negative 净利润; a decline a negative change;
# the direction is never in the name. (text, value, unit, indicator name)
SIGNS = [
    ("蔚来净亏损5亿元。", -5e8, "元", "净利润"),
    ("蔚来净利润5亿元。", 5e8, "元", "净利润"),
    ("蔚来完成了 1500 万美元的 A 轮融资。", 1.5e7, "美元", "融资金额"),  # the measure named after the number
    ("小米营收同比下降5%。", -0.05, "%", "营业收入增速"),
    ("小米营收同比增长5%。", 0.05, "%", "营业收入增速"),
]


@pytest.mark.parametrize("text,value,unit,indicator", SIGNS, ids=[t for t, *_ in SIGNS])
def test_sign_convention(text, value, unit, indicator):
    facts = [f for f in _facts_of(text) if f.unit == unit]
    assert len(facts) == 1
    f = facts[0]
    assert abs(f.value - value) < 1e-9 * abs(value)
    assert not any(w in f.metric for w in ("亏损", "下降", "减少", "下滑"))
    assert ind.indicator_for(f.metric, f.unit) == ind.indicator_id(indicator)


# A count written without a unit takes the unit of the noun it counts (implied_units.csv);
# money words still make it 元, and a noun that names nothing counted leaves 个.
IMPLIED = [
    ("萝卜快跑第三季度提供了98.8 万订单。", "单"),  # the noun right after the number
    ("面壁智能累计下载突破 300 万。", "次"),  # the nearest noun before it in the clause
    ("其创作者已突破两千万。", "人"),
    ("华为收入突破千亿。", "元"),  # money
    ("重庆的存量突破千万。", "个"),  # nothing counted is named
]


IMPLIED += [
    ("宁德首个步入千亿的不锈钢新材料产业。", "元"),  # an industry's level is its output value
    ("百图生科发布千亿参数大模型。", "个"),
    ("宁德还将争取迈入“万亿工业时代”。", "元"),
    ("宁德规上工业企业突破千万。", "家"),  # 工业 elsewhere in the clause: not a level (企业 counted)
]


@pytest.mark.parametrize("text,unit", IMPLIED, ids=[t for t, _ in IMPLIED])
def test_implied_units(text, unit):
    facts = _facts_of(text)
    assert [f.unit for f in facts] == [unit]


# What a number measures, and so its indicator: (text, span, indicator name or None)
MEASURES = [
    ("锂电新能源产业对全市规上工业增加值增长贡献达到93.7%。", "93.7%", "贡献率"),  # not a growth rate
    ("蔚来的现金及现金等价物、短期投资和定期存款总计达 416 亿元。", "416 亿元", "现金储备"),  # not an investment
    ("蔚来投资 70 亿元。", "70 亿元", "投资额"),
    ("华为同时降低 30% 的试制成本。", "30%", "增速"),  # the noun after 的 names what fell (试制成本增幅)
    ("华为以 18.1% 的份额居首，紧随其后的是小米（17.2%）。", "17.2%", "市场份额"),  # the nearest percentage's name
]


@pytest.mark.parametrize("text,span,indicator", MEASURES, ids=[t for t, *_ in MEASURES])
def test_what_a_number_measures(text, span, indicator):
    hits = [f for f in _facts_of(text) if f.span_text == span]
    assert len(hits) == 1, [(f.span_text, f.metric) for f in _facts_of(text)]
    f = hits[0]
    assert ind.indicator_for(f.metric, f.unit) == (ind.indicator_id(indicator) if indicator else None), f.metric


def _blocks(text):
    """Line blocks: lines opening with # are headings, the others body."""
    from pipeline.records import Block
    out, pos = [], 0
    for line in text.split("\n"):
        out.append(Block(pos, pos + len(line), "heading" if line.startswith("#") else "body"))
        pos += len(line) + 1
    return out


# (text with headings, span, year): a year in a heading dates its section
SECTIONS = [
    ("## 2019年回顾\n小米营收增长10%。\n华为营收3000亿元。", "3000亿元", 2019),  # every paragraph of the section
    ("## 2019年上半年\n小米营收3000亿元。", "3000亿元", 2019),
    ("## 去年回顾\n小米营收3000亿元。", "3000亿元", 2020),  # a relative year from the document's date
    ("## 2019年回顾\n小米营收增长10%。\n## 展望\n华为营收3000亿元。", "3000亿元", 2021),  # a new heading ends it
    ("## 2019年回顾\n2020年小米营收3000亿元。", "3000亿元", 2020),  # the paragraph's own year wins
]


@pytest.mark.parametrize("text,span,year", SECTIONS, ids=[t for t, _, _ in SECTIONS])
def test_a_year_in_a_heading_dates_its_section(text, span, year):
    hits = [f for f in _facts(text, NAMES, published=PUBLISHED, blocks=_blocks(text)) if f.span_text == span]
    assert [f.year for f in hits] == [year]


# --- rules of branch years (2026-12-05): (text, span, expected year, publication date or None for PUBLISHED)
NEW_YEAR_RULES = [
    # a paragraph with no time of its own is in the document's year, also early in a year about the year before
    ("2023年，小米营收增长10%。2023年净利润2000亿元。\n华为营收3000亿元。", "3000亿元", 2024, date(2024, 4, 30)),
    # an earlier clause's year dates a 分别 list distributed over several subjects
    ("此外，小米、华为也在2023年交出了成绩，营收涨幅分别为25.76%、23.17%。", "23.17%", 2023, date(2024, 4, 30)),
    ("此外，小米、华为也在2023年交出了成绩，营收涨幅分别为25.76%、23.17%。", "25.76%", 2023, date(2024, 4, 30)),
    # where a time frame starts does not date the number: a total up to the present
    ("作为融资最多的公司之一，小米自 2016 年成立以来，累计融资超过 13 亿美元。", "超过 13 亿美元", 2021, None),
    ("小米从2016年起累计融资13亿美元。", "13亿美元", 2021, None),
    ("2019年，华为营收增长10%，自2016年以来持续领先，市场份额为18%。", "18%", 2019, None),  # an earlier year of the sentence
    ("小米2016年融资13亿美元。", "13亿美元", 2016, None),  # negative: a year that is no start
    # a number right after a comparison base's year is that year's value
    ("2024 年，小米的交付目标是 23 万辆，比 2022 年的 11.8 万辆翻了一番。", "11.8 万辆", 2022, None),
    ("锴威特在2021年实现营收2.10亿元，同比2020年的1.32亿增长了59.29%。", "1.32亿", 2020, None),
    ("华为营收较2019年增长3%。", "3%", None, None),  # negative: a change against the base is not the base's
    # a plan's or forecast's horizon: N years from year Y end in Y+N-1; months from the document's month
    ("2021 年，他们发布了新战略，计划在 5 年内投入 1500 亿元研发费用。", "1500 亿元", 2025, None),
    ("此次方案提出，通过3年攻坚，全省亩均税收达到37万元。", "37万元", 2023, None),
    ("根据小米的预测，未来 18 个月内，国内行业的总规模将超过一万辆。", "超过一万辆", 2026, date(2024, 11, 29)),
    ("小米近5年内营收增长了10%。", "10%", None, None),  # negative: looks back (a time frame: undated)
    ("小米5年内营收增长了10%。", "10%", None, None),  # negative: neither a plan nor a forecast
]


@pytest.mark.parametrize("text,span,year,published", NEW_YEAR_RULES, ids=[f"{t}-{s}" for t, s, _, _ in NEW_YEAR_RULES])
def test_new_year_rules(text, span, year, published):
    facts = _facts_of(text, published or PUBLISHED)
    hits = [f for f in facts if f.span_text == span]
    assert len(hits) == 1, [(f.span_text, f.year) for f in facts]
    assert hits[0].year == year


@pytest.mark.parametrize("text, year, expected", [
    ("计划在 5 年内投入 1500 亿元", 2021, 2025),
    ("通过3年攻坚，达到37万元", 2021, 2023),
    ("未来三年，营收将达到100亿元", 2021, 2023),
    ("近5年内营收增长了10%", 2021, 2021),  # looks back
    ("过去三年里营收2000亿元", 2021, 2021),
    ("成立不足3年内融资10亿元", 2021, 2021),
    ("营收2000亿元", 2021, 2021),  # no horizon
])
def test_horizon_year(text, year, expected):
    assert years.horizon_year(text, 0, len(text) - 1, year, date(2021, 7, 20)) == expected


@pytest.mark.parametrize("text, unit", [
    ("在接近于盈利的 2020 年，自有品牌产品 2.3 亿，营销费用 3 亿，缺口 0.7 亿。", "元"),  # 盈利, 费用: money words (data)
    ("硬件毛利空间是 1.8 亿人民币左右，营销费用 8 亿人民币，有 6.2 亿的缺口。", "元"),
    ("小米的月活用户 2.3 亿，同比增长10%。", "人"),  # negative: users are no money
])
def test_bare_magnitudes_in_money_sentences(text, unit):
    facts = [f for f in _facts_of(text) if f.value >= 1e8]
    assert facts and all(f.unit == unit for f in facts), [(f.span_text, f.unit) for f in facts]


@pytest.mark.parametrize("text, period", [
    ("此前全国31个省份三季报出炉", "前三季度"),
    ("公司发布半年报", "上半年"),
    ("一季报显示", "第一季度"),
    ("2023年年报显示", "全年"),
    ("公司报告显示", None),  # negative: no periodic report
])
def test_a_periodic_report_names_its_period(text, period):
    from pipeline.nlp.dates import find_periods

    found = [p.period for p in find_periods(text)]
    assert found == ([period] if period else [])


def test_a_periodic_report_dates_its_numbers():
    text = "此前全国31个省份三季报出炉，浙江省实现GDP52853亿元。"
    hits = [f for f in _facts_of(text, date(2021, 11, 20)) if f.span_text == "52853亿元"]
    assert [f.year for f in hits] == [2021]


# 分别 lists: years in the list's own clause, and 近N年 / 过去N年 spans (years before the present)
RESPECTIVELY = [
    ("2022 年和 2021 年的增速分别为 83.3% 和 182.9%。", {"83.3%": 2022, "182.9%": 2021}, None),
    ("招股书显示，小米近三年研发投入占营业收入的比例分别为16.38%、19.11%和20.20%。",
     {"16.38%": 2020, "19.11%": 2021, "20.20%": 2022}, date(2023, 7, 26)),
    ("过去两年，华为的销售收入增速分别为 0.9%、9.6%。", {"0.9%": 2019, "9.6%": 2020}, None),
    ("过去三年，华为的销售收入增速分别为 0.9%、9.6%。", {"0.9%": 2021, "9.6%": 2021}, None),  # negative: 3 years, 2 values
]


@pytest.mark.parametrize("text, expected, published", RESPECTIVELY, ids=[t for t, _, _ in RESPECTIVELY])
def test_respectively_years(text, expected, published):
    got = {f.span_text: f.year for f in _facts_of(text, published or PUBLISHED) if f.span_text in expected}
    assert got == expected
