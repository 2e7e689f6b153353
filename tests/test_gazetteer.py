"""Gazetteer lookups: divisions, districts -> their city, ambiguity, zones, shorthands, countries."""

import csv

from pipeline.nlp.gazetteer import DATA_DIR, load_gazetteer


def test_divisions_file_is_well_formed():
    with open(DATA_DIR / "divisions.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 3000
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == len(codes)
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        assert len(r["code"]) == 6 and r["code"].isdigit()
        assert len(r["short_name"]) != 1, r  # never a one-character short name
        assert r["province_code"] in by_code
        if r["city_code"]:
            assert by_code[r["city_code"]]["level"] in ("municipality", "prefecture", "county_city")


def test_short_names_and_levels():
    g = load_gazetteer()
    hz = g.place("杭州")
    assert (hz.code, hz.name, hz.level) == ("330100", "杭州市", "prefecture")
    assert g.place("广西").name == "广西壮族自治区"
    assert g.place("延边").name == "延边朝鲜族自治州"
    assert g.place("浙江").level == "province"
    bj = g.place("北京")
    assert (bj.code, bj.level, bj.city_code) == ("110000", "municipality", "110000")


def test_district_maps_to_its_city():
    g = load_gazetteer()
    yh = g.place("余杭")
    assert yh.name == "余杭区" and yh.level == "district"
    assert g.city_of(yh).short_name == "杭州"
    assert g.city_of(g.place("余杭区")).code == "330100"
    # a municipality's district counts toward the municipality
    assert g.city_of(g.place("浦东")).code == "310000"
    assert g.province_name(yh) == "浙江省"


def test_county_level_city_is_its_own_city():
    g = load_gazetteer()
    yw = g.place("义乌")
    assert yw.level == "county_city" and yw.code == "330782"
    assert g.city_of(yw) is yw
    assert yw.parent_code == "330700"  # 金华


def test_ambiguous_names():
    g = load_gazetteer()
    # a higher level wins: 河北 is the province, not Tianjin's 河北区
    assert g.place("河北").code == "130000"
    # same level in several places: unresolved without context ...
    assert g.place("鼓楼") is None
    # ... resolved by the document's other places
    assert g.place("鼓楼", {"320100"}).code == "320106"
    assert g.place("朝阳", {"110000"}).code == "110105"
    assert g.place("朝阳").code == "211300"  # prefecture-level city preferred


def test_zones_shorthands_countries():
    g = load_gazetteer()
    name, city = g.zone("张江")
    assert name == "张江" and city.short_name == "上海"
    assert g.zone("未来科技城")[1].code == "330100"
    assert [d.short_name for d in g.expand_shorthand("北上广深")] == ["北京", "上海", "广州", "深圳"]
    assert [d.short_name for d in g.expand_shorthand("江浙沪")] == ["江苏", "浙江", "上海"]
    assert g.expand_shorthand("杭州") == []
    assert g.country("美国").code == "US"
    assert g.country("中华人民共和国").code == "CN"
    assert g.country("杭州") is None


def test_every_shorthand_has_one_character_per_member():
    g = load_gazetteer()
    for short, members in g.shorthands.items():
        assert len(short) == len(members), short
        assert len(g.expand_shorthand(short)) == len(members), short
