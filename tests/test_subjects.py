"""Subject resolution and dating of numeric facts (pipeline.nlp.subjects, salience, facts), table-driven.

Short texts with hand-made, typed entity mentions (so that the tests exercise the
subject rules, not the entity recogniser) and real jieba tokens. Each row: the
text, its entities, and per number (value, unit) the expected subject and
``subject_method`` (``None`` subject: nothing may be chosen).
"""

from datetime import date

import pytest

from pipeline.nlp.facts import extract_facts
from pipeline.nlp.segment import segment
from pipeline.records import Block, Document, Mention

FIRM, CITY, PERSON, PROVINCE, COUNTRY = "firm", "city", "person", "province", "country"


def _facts(text: str, names: dict[str, str], title: str = "", published: date | None = None):
    body = text if not title else title + "\n" + text
    blocks = []
    if title:
        blocks.append(Block(0, len(title), "title"))
    pos = len(title) + 1 if title else 0
    for line in text.split("\n"):
        blocks.append(Block(pos, pos + len(line), "body"))
        pos += len(line) + 1
    mentions, taken = [], set()
    for name in sorted(names, key=len, reverse=True):
        i = body.find(name)
        while i >= 0:
            span = set(range(i, i + len(name)))
            if not span & taken:
                mentions.append(Mention("d1", i, i + len(name), name, names[name], canonical=name))
                taken |= span
            i = body.find(name, i + 1)
    doc = Document("d1", "t.txt", "t.txt", title, published, None, body, "", blocks)
    return extract_facts(doc, segment(body), sorted(mentions, key=lambda m: m.start))


def _by_value(facts, value, unit):
    return [f for f in facts if abs(f.value - value) <= 1e-9 * max(1, abs(value)) and f.unit == unit]


SUBJECT_CASES = [
    # (id, text, entities, title, [(value, unit, subject, method)])
    ("explicit", "比亚迪第三季度营收2011亿元。", {"比亚迪": FIRM}, "",
     [(2.011e11, "元", "比亚迪", "explicit")]),
    ("explicit: grammatical subject, not the location after 在", "比亚迪在深圳的工厂年产能达到100万辆。",
     {"比亚迪": FIRM, "深圳": CITY}, "", [(1e6, "辆", "比亚迪", "explicit")]),
    ("explicit: not a name inside a 由于 clause", "由于苹果需求疲软，台积电营收下降10%。",
     {"苹果": FIRM, "台积电": FIRM}, "", [(-0.1, "%", "台积电", "explicit")]),
    ("explicit: not the object of 与", "与蔚来相比，理想汽车销量增长30%。",
     {"蔚来": FIRM, "理想汽车": FIRM}, "", [(0.3, "%", "理想汽车", "explicit")]),
    ("explicit: not the speaker", "小米表示，全国智能手机销量下降3%。", {"小米": FIRM}, "",
     [(-0.03, "%", None, None)]),
    ("explicit: N岁的X", "十年前，张小龙还在广州；28岁的张一鸣在北京创业。", {"张小龙": PERSON, "张一鸣": PERSON, "广州": CITY, "北京": CITY}, "",
     [(28, "岁", "张一鸣", "explicit")]),
    ("explicit: the name a number describes (N的head X)", "苏州形成了产业链，比如400亿元市值的设计公司思瑞浦。",
     {"苏州": CITY, "思瑞浦": FIRM}, "", [(4e10, "元", "思瑞浦", "explicit")]),
    ("carried, not described: a long phrase between number and name", "苏州形成了产业链，比如400亿元规模的本地半导体设计产业和思瑞浦。",
     {"苏州": CITY, "思瑞浦": FIRM}, "", [(4e10, "元", "苏州", "carried")]),
    ("carried: the previous sentence's subject", "蔚来发布了财报。其高端品牌累计销量达到12.7万辆。", {"蔚来": FIRM}, "",
     [(1.27e5, "辆", "蔚来", "anaphora")]),
    ("carried: no name in the sentence", "蔚来第二季度交付了5.7万辆新车。毛利率为9.7%。", {"蔚来": FIRM}, "",
     [(5.7e4, "辆", "蔚来", "explicit"), (0.097, "%", "蔚来", "carried")]),
    ("anaphora: 该公司 -> the firm just named", "阿里巴巴与腾讯都在加码。腾讯发布财报，该公司营收1611亿元。",
     {"阿里巴巴": FIRM, "腾讯": FIRM}, "", [(1.611e11, "元", "腾讯", "anaphora")]),
    ("anaphora: 公司 -> the document's firm", "群核科技递交招股书。\n群核科技成立于2011年，红杉中国是其股东。\n公司2023年营收6.64亿元。",
     {"群核科技": FIRM, "红杉中国": FIRM}, "群核科技冲刺IPO", [(6.64e8, "元", "群核科技", "anaphora")]),
    ("anaphora: 该项目 -> the paragraph's firm", "宁德时代在福安投资建设新基地。该项目总投资125亿元。",
     {"宁德时代": FIRM, "福安": CITY}, "", [(1.25e10, "元", "宁德时代", "anaphora")]),
    ("anaphora: 全市 -> the city", "杭州发布了经济数据。\n全市GDP达到2万亿元。", {"杭州": CITY}, "杭州经济",
     [(2e12, "元", "杭州", "anaphora")]),
    ("document: the main firm of the title and lead", "极氪在纽交所上市，极氪发行价21美元。\n累计交付量突破40万辆。",
     {"极氪": FIRM}, "极氪上市", [(4e5, "辆", "极氪", "document")]),
    ("none: no main entity among several", "杭州、南京和合肥都在发力。\n累计交付量突破40万辆。",
     {"杭州": CITY, "南京": CITY, "合肥": CITY}, "", [(4e5, "辆", None, "none")]),
    ("carrying stops at a paragraph break (the document's firm instead)", "蔚来发布了财报，毛利率为9.7%。\n行业整体毛利率约为15%。",
     {"蔚来": FIRM}, "", [(0.15, "%", "蔚来", "document")]),
    ("carrying stops at a new topic", "蔚来毛利率为9.7%。小鹏汽车也发布了财报。毛利率为14%。", {"蔚来": FIRM, "小鹏汽车": FIRM}, "",
     [(0.14, "%", "小鹏汽车", "carried")]),
    # explicit is strict: named in the number's own clause, else carried (a filtered table can be trusted)
    ("carried: a name of an earlier clause of the sentence is not explicit", "蔚来发布财报，第二季度交付5.7万辆。",
     {"蔚来": FIRM}, "", [(5.7e4, "辆", "蔚来", "carried")]),
    ("explicit: the name of the number's own clause, not the earlier clause's", "蔚来发布财报，小鹏汽车交付3万辆。",
     {"蔚来": FIRM, "小鹏汽车": FIRM}, "", [(3e4, "辆", "小鹏汽车", "explicit")]),
    ("not explicit: a rival name of a fitting type in the clause", "昨天蔚来宣布小鹏汽车交付3万辆。",
     {"蔚来": FIRM, "小鹏汽车": FIRM}, "", [(3e4, "辆", "小鹏汽车", "carried")]),
    ("explicit: a list of numbers, each after its own name", "阿里巴巴上涨11%、京东上涨24%、腾讯上涨44%。",
     {"阿里巴巴": FIRM, "京东": FIRM, "腾讯": FIRM}, "",
     [(0.11, "%", "阿里巴巴", "explicit"), (0.24, "%", "京东", "explicit"), (0.44, "%", "腾讯", "explicit")]),
    ("carried: the clause-opening topic, not an earlier clause's object", "在创立公司之前，王兴曾在清华读书，后又成为美团主席，年仅30岁便成名。",
     {"王兴": PERSON, "清华": "org", "美团": FIRM}, "", [(30, "岁", "王兴", "carried")]),
    ("carried: the head of a chain of names opening the clause", "而重庆的近邻成都，目前已经有14家科创板上市公司。",
     {"重庆": CITY, "成都": CITY}, "", [(14, "家", "成都", "carried")]),
    ("anaphora: a personal pronoun opening an earlier clause stays the topic", "作为摩尔线程创始人，张建中履历显赫，他曾是英伟达副总，在英伟达工作了超过15年。",
     {"摩尔线程": FIRM, "张建中": PERSON, "英伟达": FIRM}, "", [(15, "年", "张建中", "anaphora")]),
    ("the pronoun's chain stops at a clause opening with a name", "张建中履历显赫，他曾是英伟达副总，百度员工超过4万人。",
     {"张建中": PERSON, "英伟达": FIRM, "百度": FIRM}, "", [(4e4, "人", "百度", "explicit")]),
    ("a person at a firm: the firm for an organisational metric", "安聪慧在极氪设定了计划：到2025年，全年销量达到65万台。",
     {"安聪慧": PERSON, "极氪": FIRM}, "", [(6.5e5, "台", "极氪", "carried")]),
    ("not explicit: a 分别 list that could not be paired name by name", "特斯拉用了七年，小鹏、理想、蔚来分别用了六年、五年和四年。",
     {"特斯拉": FIRM, "小鹏": FIRM, "蔚来": FIRM}, "", [(4, "年", "小鹏", "carried")]),
    ("a person's measure never takes a firm", "后又成为百度事业部主席，年仅30岁便成为工程师。",
     {"百度": FIRM}, "", [(30, "岁", None, None)]),
    ("anaphora: 其他 is not 他", "王兴创办美团后，其他公司营收增长10%。", {"王兴": PERSON, "美团": FIRM}, "",
     [(0.1, "%", "美团", "carried")]),
    ("not the source: a clause ending in 显示", "深圳市统计局公布的数据显示，上半年，全市工业增加值同比增长8.3%。\n深圳是副省级城市。",
     {"深圳市统计局": "org", "深圳": CITY}, "", [(0.083, "%", "深圳", "anaphora")]),
    ("carried: the place a source body is named after", "重庆证监局披露的信息显示，陆续有约30家企业在辅导期。\n重庆是直辖市。",
     {"重庆证监局": "org", "重庆": CITY, "杭州": CITY}, "", [(30, "家", "重庆", "carried")]),
    ("explicit: the object's own number before 的", "当年宁德GDP仅470亿元，远低于东莞超3000亿元的经济体量。",
     {"宁德": CITY, "东莞": CITY}, "", [(4.7e10, "元", "宁德", "explicit"), (3e11, "元", "东莞", "explicit")]),
    # clause roles (clause_roles: dictionary parts of speech), comparisons, type agreement (2026-12-05)
    ("explicit: only time words before the clause's subject", "2021年，合肥GDP达1.14万亿元。", {"合肥": CITY}, "",
     [(1.14e12, "元", "合肥", "explicit")]),
    ("not explicit: a name governed by a verb of the clause", "政策支持帮助海淀区吸引了1300多家企业入驻。",
     {"海淀区": CITY}, "", [(1300, "家", "海淀区", "carried")]),
    ("carried: the object of a comparison is never the subject", "宁德GDP增长8%。GDP总量超越了沈阳，位居第13位。",
     {"宁德": CITY, "沈阳": CITY}, "", [(13, "rank", "宁德", "carried")]),
    ("carried: a whole compared list is set aside", "宁德GDP增长8%。在省内连超龙岩、莆田和三明，并连升12位。",
     {"宁德": CITY, "龙岩": CITY, "莆田": CITY, "三明": CITY}, "", [(12, "位", "宁德", "carried")]),
    ("anaphora: 这家公司 -> the firm just named", "极氪发布了财报。这家公司营收达到100亿元。", {"极氪": FIRM}, "",
     [(1e10, "元", "极氪", "anaphora")]),
    ("document: a person is not the subject of a firm's delivery target", "小米集团发布新车。\n雷军提出：交付目标为30万辆。",
     {"小米集团": FIRM, "雷军": PERSON}, "小米集团的新年目标", [(3e5, "辆", "小米集团", "document")]),
    ("types from the noun after the number: 的工作经验 -> person",
     "沐曦是一家芯片公司，创始人陈维良在芯片设计方面有着超出18年的工作经验。", {"沐曦": FIRM, "陈维良": PERSON}, "",
     [(18, "年", "陈维良", "explicit")]),
    ("在X……的情况下: X is the subject of the embedded clause (governed by 在: not explicit)",
     "在中国手机销量同比下降3.2%的情况下，华为销量增长20%。",
     {"中国": COUNTRY, "华为": FIRM}, "", [(-0.032, "%", "中国", "carried"), (0.2, "%", "华为", "explicit")]),
    ("carried: a 作为 apposition describes the next clause's subject", "作为20万元市场的标杆车型，特斯拉吸引了大量对手。",
     {"特斯拉": FIRM}, "", [(2e5, "元", "特斯拉", "carried")]),
    ("distributed: a ranking shared by the list a count enumerated", "杭州、广州、成都3座城市，在省会城市中排名前三。",
     {"杭州": CITY, "广州": CITY, "成都": CITY}, "", [(3, "rank", "杭州", "distributed")]),
    # issue 13 (2026-12-05): comparisons, national scope, counted groups; `explicit` only when certain
    ("ratio base: 仅为X的N% is the topic's, each base of the list set aside", "2017年，浙江的发展空间仅为上海的75.7%、广东的72%。",
     {"浙江": PROVINCE, "上海": CITY, "广东": PROVINCE}, "",
     [(0.757, "%", "浙江", "explicit"), (0.72, "%", "浙江", "explicit")]),
    ("ratio base: 是X的N倍", "浙江单位工业增加值能耗是广东的1.3倍。", {"浙江": PROVINCE, "广东": PROVINCE}, "",
     [(1.3, "倍", "浙江", "explicit")]),
    ("negative: a compared name's own number (高于X同期的N) stays X's", "深圳GDP增长3%，高于广东省同期的2%。",
     {"深圳": CITY, "广东省": PROVINCE}, "", [(0.03, "%", "深圳", "explicit"), (0.02, "%", "广东省", "explicit")]),
    ("anaphora: a clause opening with 全国 is the country's, not the earlier clause's city", "中国经济回暖。深圳GDP增长3%，全国的2.5%。",
     {"中国": COUNTRY, "深圳": CITY}, "", [(0.025, "%", "中国", "anaphora")]),
    ("negative: 全国 with the country never named: no subject, not the city carried", "深圳GDP增长3%，全国的2.5%。",
     {"深圳": CITY}, "", [(0.025, "%", None, "none")]),
    ("negative: a ranking after 全国 is not the country's", "中国经济回暖。杭州GDP增长5%，全国排名第8。",
     {"中国": COUNTRY, "杭州": CITY}, "", [(8, "rank", "杭州", "carried")]),
    ("document: a count of a group of firms with no holder is the country's", "中国网安行业发布年报。\n在24家上市网安企业中，11家企业营收增长。",
     {"中国": COUNTRY}, "", [(24, "家", "中国", "document"), (11, "家", "中国", "document")]),
    ("negative: a count of a group with a named holder", "中国经济回暖。杭州有24家上市企业。", {"中国": COUNTRY, "杭州": CITY}, "",
     [(24, "家", "杭州", "explicit")]),
    ("negative: a counted group, the country never named: none", "在24家上市网安企业中，11家企业营收增长。", {}, "",
     [(24, "家", None, "none")]),
    ("anaphora: 全省 holds a counted group whatever the metric", "浙江发布方案。全省淘汰落后产能企业5000家。",
     {"浙江": PROVINCE}, "", [(5000, "家", "浙江", "anaphora")]),
    ("negative: an enumerated list before 等N家 is what is counted", "烽台科技完成B轮融资。本轮融资由贵阳创投、元起资本等5家机构跟投。",
     {"烽台科技": FIRM, "贵阳创投": FIRM, "元起资本": FIRM}, "烽台科技融资", [(5, "家", "烽台科技", "document")]),
    ("a metric word read as a person is never the subject; the sentence goes on over it",
     "安博通的归母净利润增长了239%，毛利润也增长了11.53%。", {"安博通": FIRM, "毛利润": PERSON}, "",
     [(2.39, "%", "安博通", "explicit"), (0.1153, "%", "安博通", "carried")]),
    ("carried, not explicit: a person as the subject of an organisational metric", "李斌营收增长10%。", {"李斌": PERSON}, "",
     [(0.1, "%", "李斌", "carried")]),
    ("carried, not explicit: a name with a preposition inside it", "本轮融资由贵阳创投领投2亿元。", {"本轮融资由贵阳创投": FIRM}, "",
     [(2e8, "元", "本轮融资由贵阳创投", "carried")]),
    ("carried, not explicit: a name qualifying a trade (X行业)", "国内Robotaxi行业的总规模将超过一万辆。", {"Robotaxi": FIRM}, "",
     [(1e4, "辆", "Robotaxi", "carried")]),
    ("carried: a body qualifying a counted group is not its holder (the topic is)", "合肥GDP达1.14万亿元，而科创板上市公司数量为14家。",
     {"合肥": CITY, "科创板": "org"}, "", [(14, "家", "合肥", "carried")]),
    ("negative: a firm's own name ending in 公司 before a count is no qualified group", "小米公司员工超过3万人。",
     {"小米公司": FIRM}, "", [(3e4, "人", "小米公司", "explicit")]),
    ("negative: a place qualifying a counted group holds it", "东莞倍增企业数量为457家。", {"东莞": CITY}, "",
     [(457, "家", "东莞", "explicit")]),
    ("carried, not explicit: a ranking of the group after 的", "中国GDP增幅排名前十的主要城市中，中西部城市占了8座。",
     {"中国": COUNTRY}, "", [(10, "rank", "中国", "carried")]),
    ("carried, not explicit: a rival name of a fitting type before the number", "飞步科技为中国邮政、德邦快递等企业运送包裹超100万件。",
     {"飞步科技": FIRM, "中国邮政": FIRM, "德邦快递": FIRM}, "", [(1e6, "件", "飞步科技", "carried")]),
    ("negative: a list opening the clause is no rival", "沈阳、长春的GDP排在全国30至40名之间。", {"沈阳": CITY, "长春": CITY}, "",
     [(30, "rank", "沈阳", "explicit")]),
    ("explicit: the head after 旗下的 (X旗下的Y)", "阿里巴巴旗下的菜鸟营收增长20%。", {"阿里巴巴": FIRM, "菜鸟": FIRM}, "",
     [(0.2, "%", "菜鸟", "explicit")]),
    ("explicit: the head of a relative clause whose agent is a name (X投资的Y)", "红杉中国投资的字节跳动估值达到3000亿美元。",
     {"红杉中国": FIRM, "字节跳动": FIRM}, "", [(3e11, "美元", "字节跳动", "explicit")]),
    ("explicit: the head after a short noun (X供应商Y)", "华为供应商立讯精密营收增长20%。", {"华为": FIRM, "立讯精密": FIRM}, "",
     [(0.2, "%", "立讯精密", "explicit")]),
    ("negative: a verb between two names is no apposition (X收购Y)", "腾讯收购Supercell后营收增长20%。",
     {"腾讯": FIRM, "Supercell": FIRM}, "", [(0.2, "%", "腾讯", "explicit")]),
    ("explicit founding: each year to the name of its own clause", "百度于2000年成立，小马智行则成立于2016年。",
     {"百度": FIRM, "小马智行": FIRM}, "", [(2000, "year", "百度", "explicit"), (2016, "year", "小马智行", "explicit")]),
    ("not explicit: a referring word between the name and the number", "美国对华为的制裁导致其营收下降30%。",
     {"美国": COUNTRY, "华为": FIRM}, "", [(-0.3, "%", "美国", "carried")]),
    ("carried: the place a titled plan is named after", "合肥发布新政。\n近日，《合肥市专精特新中小企业倍增培育行动计划》出台，提出培育专精特新企业1500家。",
     {"合肥": CITY}, "", [(1500, "家", "合肥", "carried")]),
    # issue 13, untuned text (2026-12-05): brackets, verbs' objects, 公司 in the sentence, blocks, open groups
    ("carried: a bracketed short name and code do not push the topic away; the verb's object is not it",
     "2023年，远江盛邦网络安全科技股份有限公司（股票简称：盛邦安全，股票代码：688651.SH）正式登陆上交所科创板，共发行股份为1,888.00万股。",
     {"远江盛邦网络安全科技股份有限公司": FIRM, "盛邦安全": FIRM, "上交所科创板": "org"}, "",
     [(1.888e7, "股", "远江盛邦网络安全科技股份有限公司", "carried")]),
    ("carried: the topic opening an earlier clause, not the object of its verb", "4月16日，图森未来成功登陆纳斯达克，截止本周一收盘，其最新市值高达76.5亿美元。",
     {"图森未来": FIRM, "纳斯达克": "org"}, "", [(7.65e9, "美元", "图森未来", "carried")]),
    ("anaphora: 公司 after a firm opening an earlier clause of the sentence is that firm",
     "Keep递交了招股书。\n营收层面，Peloton更简单，截至12月31日的季度里，公司一共创造了11.339亿美元的收入。",
     {"Keep": FIRM, "Peloton": FIRM}, "Keep冲刺IPO", [(1.1339e9, "美元", "Peloton", "anaphora")]),
    ("negative: 公司 after a source (据X) is not the source", "Keep递交了招股书。\n据Peloton披露，公司营收增长了10%。",
     {"Keep": FIRM, "Peloton": FIRM}, "Keep冲刺IPO", [(0.1, "%", "Keep", "anaphora")]),
    ("carried: a block naming no one goes on about the previous block's single topic",
     "Keep递交了招股书。\nPeloton的硬件收入大幅下滑。Peloton的毛利率也不见了。\n从第二季度开始，硬件的成本收入占比接近90%。",
     {"Keep": FIRM, "Peloton": FIRM}, "Keep冲刺IPO", [(0.9, "%", "Peloton", "carried")]),
    ("negative: carrying over blocks stops when the previous block moved on to another name",
     "Keep递交了招股书。\nPeloton的硬件收入大幅下滑。红杉中国随后投资了光年实验室。\n从第二季度开始，硬件的成本收入占比接近90%。",
     {"Keep": FIRM, "Peloton": FIRM, "红杉中国": FIRM, "光年实验室": FIRM}, "Keep冲刺IPO", [(0.9, "%", "Keep", "document")]),
    ("negative: carrying over blocks stops at a block naming someone before the number",
     "Keep递交了招股书。\nPeloton的硬件收入大幅下滑。\n相较之下，Keep的硬件成本收入占比接近90%。",
     {"Keep": FIRM, "Peloton": FIRM}, "Keep冲刺IPO", [(0.9, "%", "Keep", "explicit")]),
    ("not explicit: members of an open group (A、B等公司)", "阿里、腾讯、百度等互联网公司营收增长10%。",
     {"阿里": FIRM, "腾讯": FIRM, "百度": FIRM}, "", [(0.1, "%", "阿里", "carried")]),
    ("not explicit: members of a group 包括A、B在内", "包括华为、小米在内的企业营收增长20%。",
     {"华为": FIRM, "小米": FIRM}, "", [(0.2, "%", "小米", "carried")]),
    ("negative: a closed list is no open group", "华为和小米的营收增长了20%。", {"华为": FIRM, "小米": FIRM}, "",
     [(0.2, "%", "华为", "explicit")]),
    ("negative: a title not named after a place of the document", "近日，《专精特新中小企业倍增培育行动计划》出台，提出培育专精特新企业1500家。\n合肥是省会。",
     {"合肥": CITY}, "", [(1500, "家", None, "none")]),
]


@pytest.mark.parametrize("case", SUBJECT_CASES, ids=[c[0] for c in SUBJECT_CASES])
def test_subject_resolution(case):
    _id, text, names, title, expected = case
    facts = _facts(text, names, title)
    for value, unit, subject, method in expected:
        hits = _by_value(facts, value, unit)
        assert len(hits) == 1, [(f.span_text, f.value, f.unit, f.subject_text) for f in facts]
        f = hits[0]
        if subject is None and method is None:
            assert f.subject_text != "蔚来" and f.subject_text != "小米", (f.subject_text, f.subject_method)
            continue
        assert (f.subject_text, f.subject_method) == (subject, method)


DISTRIBUTION_CASES = [
    ("均: one fact per member", "比亚迪、蔚来和理想的销量增速均超过10%。", {"比亚迪": FIRM, "蔚来": FIRM, "理想": FIRM},
     [("比亚迪", 0.1), ("蔚来", 0.1), ("理想", 0.1)]),
    ("分别: each its own value", "比亚迪和蔚来的销量分别为300万辆和20万辆。", {"比亚迪": FIRM, "蔚来": FIRM},
     [("比亚迪", 3e6), ("蔚来", 2e5)]),
    ("它们分别: the list of the previous sentence", "天津、佛山的GDP分别排在全国第7位和第11位。十年后，它们分别排在第11位和第17位。",
     {"天津": CITY, "佛山": CITY}, [("天津", 7), ("佛山", 11), ("天津", 11), ("佛山", 17)]),
    ("numbers before 的 and a list", "排名第一和第二的贵阳和合肥，GDP增幅都很高。", {"贵阳": CITY, "合肥": CITY},
     [("贵阳", 1), ("合肥", 2)]),
    ("分列: each its own rank", "杭州和武汉的GDP在副省级城市中分列第四和第五位。", {"杭州": CITY, "武汉": CITY},
     [("杭州", 4), ("武汉", 5)]),
    ("no distribution without a distributive word", "杭州和武汉的GDP增长了5%。", {"杭州": CITY, "武汉": CITY}, []),
]


@pytest.mark.parametrize("case", DISTRIBUTION_CASES, ids=[c[0] for c in DISTRIBUTION_CASES])
def test_distribution_over_lists(case):
    _id, text, names, expected = case
    facts = _facts(text, names)
    got = sorted((f.subject_text, round(f.value, 6)) for f in facts if f.subject_method == "distributed")
    assert got == sorted((s, round(v, 6)) for s, v in expected)
    ids = {(f.start, f.end, f.metric, f.id_key) for f in facts}
    assert len(ids) == len(facts)  # one span about several subjects: distinct row IDs


def test_a_list_counted_is_not_the_subject():
    facts = _facts("今年1月，国芯科技(688262.SH)、创耀科技(688259.SH) 6家半导体企业成功上市。", {"国芯科技": FIRM, "创耀科技": FIRM})
    six = _by_value(facts, 6, "家")
    assert len(six) == 1 and six[0].subject_text not in ("国芯科技", "创耀科技")


SIGN_CASES = [
    # (text, value, unit, metric, qualifier): a loss is a negative profit, a decline a negative change
    ("蔚来第二季度净亏损50.46亿元。", -5.046e9, "元", "净利润", "="),
    ("比亚迪营收同比下降5%。", -0.05, "%", "营收同比增长", "="),
    ("蔚来股价跌幅超过20%。", -0.2, "%", "股价涨幅", "<"),
    ("公司的成本降低了一半。", -0.5, "%", "成本增幅", "="),
    ("蔚来营收同比增长5%。", 0.05, "%", "营收同比增长", "="),
]


@pytest.mark.parametrize("text,value,unit,metric,qualifier", SIGN_CASES, ids=[c[0] for c in SIGN_CASES])
def test_sign_convention(text, value, unit, metric, qualifier):
    facts = _facts(text, {"蔚来": FIRM, "比亚迪": FIRM})
    hits = _by_value(facts, value, unit)
    assert len(hits) == 1, [(f.span_text, f.value, f.metric) for f in facts]
    assert (hits[0].metric, hits[0].qualifier) == (metric, qualifier)
    for word in ("降", "跌", "亏", "减少"):
        assert word not in hits[0].metric


NOT_FACTS = [
    ("a time frame", "宁德GDP增速连续3年位居全省第一。", 3, "年"),
    ("a time frame before another number", "东北地区常住人口7年净流出164万。", 7, "年"),
    ("a threshold", "入选门槛为营收10亿元。", 1e9, "元"),
    ("a ranking named as a group", "宁德在百强城市中位次上升最快。", 100, "rank"),
    ("a restatement", "滴滴自动驾驶获得3亿美元融资。这3亿美元将用于研发。", None, "美元"),
    ("an idiom", "宁德环顾四周，都是经济大市。", 4, "周"),
]


@pytest.mark.parametrize("case", NOT_FACTS, ids=[c[0] for c in NOT_FACTS])
def test_numbers_that_are_not_facts(case):
    _id, text, value, unit = case
    facts = _facts(text, {"宁德": CITY, "滴滴": FIRM})
    if value is None:  # a restatement: the amount once
        assert len([f for f in facts if f.unit == unit]) == 1
    else:
        assert not _by_value(facts, value, unit)


YEAR_CASES = [
    # (text, published, value, unit, year)
    ("公司今年营收100亿元。", date(2024, 5, 12), 1e10, "元", 2024),
    ("公司去年营收100亿元。", date(2024, 5, 12), 1e10, "元", 2023),
    ("公司前年营收100亿元。", date(2024, 5, 12), 1e10, "元", 2022),
    ("12 月 10 日，面壁智能完成新一轮5亿元融资。", date(2025, 1, 3), 5e8, "元", 2024),
    ("2024 年 5 月 12 日 10:30\n公司今年营收100亿元。", None, 1e10, "元", 2024),  # a dateline
    ("面壁智能员工超过300人。", date(2024, 12, 13), 300, "人", 2024),  # no time of its own: the document's
    ("面壁智能员工超过300人。", None, 300, "人", None),
    ("2021年，公司营收10亿元。此后，员工超过300人。", date(2024, 12, 13), 300, "人", None),  # time moved on
]


@pytest.mark.parametrize("text,published,value,unit,year", YEAR_CASES, ids=[c[0][:14] for c in YEAR_CASES])
def test_years_from_the_document_date(text, published, value, unit, year):
    facts = _facts(text, {"面壁智能": FIRM}, published=published)
    hits = _by_value(facts, value, unit)
    assert len(hits) == 1, [(f.span_text, f.value, f.unit) for f in facts]
    assert hits[0].year == year


@pytest.mark.parametrize("text,parts", [
    ("共发行股份为1,888.00万股，每股39.90元", ["共发行股份为1,888.00万股", "每股39.90元"]),
    ("营收增长10%,利润增长5%", ["营收增长10%", "利润增长5%"]),
    ("A公司（简称：B，代码：C）上市", ["A公司", "简称", "B", "代码", "C", "上市"]),
])
def test_clauses_keep_thousands_separators(text, parts):
    from pipeline.nlp.fact_context import clauses
    assert [text[a:b] for a, b in clauses(text, 0, len(text))] == parts
