"""The indicator vocabulary (pipeline.nlp.indicators) and its table."""

import pytest

from pipeline import schema
from pipeline.nlp import indicators as ind
from pipeline.tables import build_tables


def test_the_shipped_file_loads_and_every_id_resolves():
    loaded = ind.load_indicators()
    assert {"营业收入", "净利润", "GDP", "GDP增速", "融资金额", "估值", "市场份额", "专利数量"} <= set(loaded)
    rows = ind.indicator_rows()
    ids = {r["indicator_id"] for r in rows}
    assert len(ids) == len(rows)  # unique
    for r in rows:
        assert r["indicator_id"] == ind.indicator_id(r["name"]) and r["indicator_id"].startswith("ind_")
        assert r["unit"] and r["description"]
    # every alias maps to an indicator of the table (with a unit of its own)
    for i in loaded.values():
        for alias in i.aliases:
            unit = i.unit.split("|")[0]
            phrase = "示范项目" + alias if i.match == "named" else alias  # named: only after a name
            got = ind.indicator_for(phrase, unit)
            assert got in ids, (alias, unit)


MAPPING = [
    # (metric phrase, unit, indicator name or None)
    ("营收", "元", "营业收入"),
    ("营收", "美元", "营业收入"),
    ("全年营收", "元", "营业收入"),  # a scope prefix
    ("净利润", "元", "净利润"),
    ("营收同比增长", "%", "营业收入增速"),
    ("GDP增幅", "%", "GDP增速"),
    ("全国GDP排名", "rank", "GDP排名"),
    ("福安第四期项目总投资", "元", "投资额"),  # ends with an alias of 3+ characters
    ("中国资本城市排名", "rank", "排名"),  # a generic measure
    ("第二产业占比", "%", "占比"),
    ("销量", "辆", "销量"),
    ("销量", "台", "销量"),  # counted units fit each other
    ("销量", "%", None),  # a unit that does not fit
    ("营收", "辆", None),
    ("比例", "%", None),  # too generic to say what it measures
    ("数量", "个", None),
    ("", "元", None),
    # added 2026-12-05
    ("融资额", "轮", "融资轮数"),  # the unit tells rounds from amounts
    ("融资额", "元", "融资金额"),
    ("增长", "百分点", "百分点变化"),
    ("增长", "%", "增速"),
    ("营收增长", "倍", "增长倍数"),
    ("专精特新中小企业数量", "家", "企业数量"),
    ("副省级城市数量", "个", "城市数量"),
    ("新型研发机构数量", "个", "机构数量"),
    ("人口出生率", "%", "出生率"),
    ("增加值", "元", "工业增加值"),
    ("累计投入", "元", None),  # 投入 alone: R&D spending or an investment, the phrase does not say
    ("倍数", "倍", None),
    ("增加值", "个", None),
    ("副省级城市中数量", "个", None),  # a phrase that ends in a bare 数量
    ("金额", "元", None),  # an amount of what, the phrase does not say
    ("高校数量", "所", "计数"),  # a count of things the phrase names (match = named)
    ("示范引领典型案例数量", "个", "计数"),
    ("城市中数量", "个", None),  # 中 ends no name
    ("公司中有数量", "家", None),
    ("两个城市数量", "元", None),  # not a counted unit
    ("计数", "个", None),  # the name alone names nothing counted
]


@pytest.mark.parametrize("metric,unit,name", MAPPING, ids=[f"{m}-{u}" for m, u, _ in MAPPING])
def test_metric_phrases_map_to_indicators(metric, unit, name):
    got = ind.indicator_for(metric, unit)
    assert got == (ind.indicator_id(name) if name else None)


def test_a_user_added_indicator(tmp_path, monkeypatch):
    extra = tmp_path / "my_indicators.csv"
    extra.write_text(
        "# my own measures\n"
        "name,unit,match,description,aliases\n"
        "充电桩数量,个,exact,Number of charging points.,充电桩数量|充电桩保有量\n"
        "营业收入,元,exact,,海外营收\n",  # more aliases for a shipped indicator
        encoding="utf-8",
    )
    monkeypatch.setenv(ind.ENV, str(extra))
    loaded = ind.load_indicators()
    assert "充电桩数量" in loaded and "海外营收" in loaded["营业收入"].aliases
    assert ind.indicator_for("充电桩保有量", "个") == ind.indicator_id("充电桩数量")
    assert ind.indicator_for("海外营收", "元") == ind.indicator_id("营业收入")
    tables = build_tables([], [], [])
    assert ind.indicator_id("充电桩数量") in set(tables["indicators"]["indicator_id"])


def test_a_broken_user_file_is_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,unit,match,description,aliases\n,个,exact,no name,x\n", encoding="utf-8")
    monkeypatch.setenv(ind.ENV, str(bad))
    with pytest.raises(ValueError, match="needs a name and a unit"):
        ind.load_indicators()


def test_metrics_reference_the_indicators_table():
    t = schema.TABLES["metrics"]
    assert {"indicator_id", "subject_method"} <= set(t.column_names)
    assert any(fk.column == "indicator_id" and fk.table == "indicators" for fk in t.foreign_keys)
    assert list(schema.TABLES).index("indicators") < list(schema.TABLES).index("metrics")
