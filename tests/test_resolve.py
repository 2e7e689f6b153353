"""Resolution: each alias rule, canonical names, stable IDs across releases."""

from pipeline.nlp.resolve import resolve, stable_id
from pipeline.records import DocumentAnalysis, Mention


def _m(doc, start, text, etype, key=None, canonical=None, source="model"):
    return Mention(doc, start, start + len(text), text, etype, key, canonical, source)


def _analysis(doc, *mentions):
    return DocumentAnalysis(doc, mentions=list(mentions))


def _entity(res, doc, start, text, etype):
    return res.entities[res.mention_entity[(doc, start, start + len(text), etype)]]


def test_transliterated_surname_joins_full_name_across_documents():
    a = _analysis("d1", _m("d1", 0, "埃隆·马斯克", "person"), _m("d1", 20, "马斯克", "person"))
    b = _analysis("d2", _m("d2", 5, "马斯克", "person"))
    res = resolve([a, b], None)
    e = _entity(res, "d2", 5, "马斯克", "person")
    assert e.name == "埃隆·马斯克" and e.aliases == ["马斯克"]
    assert e is _entity(res, "d1", 0, "埃隆·马斯克", "person")
    assert e.entity_id == stable_id("person", "埃隆·马斯克")


def test_lexicon_abbreviations():
    a = _analysis("d1", _m("d1", 0, "阿里", "firm", "阿里巴巴", "阿里巴巴", "lexicon"), _m("d1", 9, "浙大", "org", "浙江大学", "浙江大学", "lexicon"))
    b = _analysis("d2", _m("d2", 0, "阿里巴巴", "firm", "阿里巴巴", "阿里巴巴", "lexicon"))
    res = resolve([a, b], None)
    firm = _entity(res, "d1", 0, "阿里", "firm")
    assert firm.name == "阿里巴巴" and firm.aliases == ["阿里"]
    assert firm is _entity(res, "d2", 0, "阿里巴巴", "firm")
    org = _entity(res, "d1", 9, "浙大", "org")
    assert org.name == "浙江大学" and org.aliases == ["浙大"] and org.attrs["kind"] == "university"


def test_firm_stem_and_prefix_rules():
    a = _analysis("d1", _m("d1", 0, "宇树科技", "firm", source="rule"), _m("d1", 10, "宇树", "firm", source="propagation"))
    b = _analysis("d2", _m("d2", 0, "宇树", "firm"))  # another document: the stem rule holds dataset-wide
    c = _analysis("d3", _m("d3", 0, "星河动力", "firm"), _m("d3", 10, "星河", "firm"))  # prefix within one doc
    d = _analysis("d4", _m("d4", 0, "星河", "firm"))  # alone in another doc: not joined by the prefix rule
    res = resolve([a, b, c, d], None)
    yu = _entity(res, "d2", 0, "宇树", "firm")
    assert yu.name == "宇树科技" and yu is _entity(res, "d1", 0, "宇树科技", "firm")
    assert _entity(res, "d3", 10, "星河", "firm").name == "星河动力"
    assert _entity(res, "d4", 0, "星河", "firm") is _entity(res, "d3", 10, "星河", "firm")  # same form, same entity


def test_case_variants_prefer_the_brand_casing():
    a = _analysis("d1", *[_m("d1", i * 20, "Acmeai", "firm") for i in range(5)], _m("d1", 200, "AcmeAI", "firm"))
    res = resolve([a], None)
    e = _entity(res, "d1", 0, "Acmeai", "firm")
    assert e.name == "AcmeAI" and e.aliases == ["Acmeai"]


def test_near_duplicate_person_names_only_within_a_document():
    a = _analysis(
        "d1",
        *[_m("d1", i * 10, "梁文锋", "person") for i in range(4)],
        _m("d1", 100, "梁文峰", "person"),
    )
    b = _analysis("d2", _m("d2", 0, "梁文峰", "person"), _m("d2", 10, "张三丰", "person"))
    res = resolve([a, b], None)
    e = _entity(res, "d1", 100, "梁文峰", "person")
    assert e.name == "梁文锋" and "梁文峰" in e.aliases
    # the same form is the same entity everywhere (one name, one row)
    assert _entity(res, "d2", 0, "梁文峰", "person") is e
    # different surname or equal counts: never joined
    c = _analysis("d3", _m("d3", 0, "王小明", "person"), _m("d3", 10, "王小红", "person"))
    res = resolve([c], None)
    assert _entity(res, "d3", 0, "王小明", "person") is not _entity(res, "d3", 10, "王小红", "person")


def test_places_use_their_codes():
    a = _analysis(
        "d1",
        _m("d1", 0, "杭州", "city", "330100", "杭州", "gazetteer"),
        _m("d1", 3, "余杭", "city", "330100", "杭州", "gazetteer"),
        _m("d1", 6, "浙江省", "province", "330000", "浙江", "gazetteer"),
        _m("d1", 10, "美国", "country", "US", "美国", "gazetteer"),
        _m("d1", 20, "北", "city", "110000", "北京", "shorthand"),
    )
    res = resolve([a], None)
    hz = _entity(res, "d1", 3, "余杭", "city")
    assert hz.entity_id == "330100" and hz.name == "杭州" and hz.aliases == ["余杭"]
    assert hz.attrs == {"full_name": "杭州市", "province": "浙江省", "level": "prefecture"}
    zj = _entity(res, "d1", 6, "浙江省", "province")
    assert zj.name == "浙江" and zj.aliases == ["浙江省"]
    assert _entity(res, "d1", 10, "美国", "country").entity_id == "US"
    bj = _entity(res, "d1", 20, "北", "city")
    assert bj.name == "北京" and bj.aliases == [] and bj.attrs["level"] == "municipality"


def test_ids_are_stable_across_releases():
    first = resolve([_analysis("d1", _m("d1", 0, "博格丹", "person"))], None)
    old_id = _entity(first, "d1", 0, "博格丹", "person").entity_id
    assert old_id == stable_id("person", "博格丹")
    previous = {("person", "博格丹"): old_id}
    # a fuller name arrives: canonical changes, the ID does not
    second = resolve(
        [_analysis("d1", _m("d1", 0, "博格丹", "person")), _analysis("d2", _m("d2", 0, "安德烈·博格丹", "person"))],
        previous,
    )
    e = _entity(second, "d2", 0, "安德烈·博格丹", "person")
    assert e.name == "安德烈·博格丹" and e.entity_id == old_id
    # deterministic
    again = resolve(
        [_analysis("d1", _m("d1", 0, "博格丹", "person")), _analysis("d2", _m("d2", 0, "安德烈·博格丹", "person"))],
        previous,
    )
    assert sorted(again.entities) == sorted(second.entities)


def test_rules_never_join_two_lexicon_entries():
    a = _analysis(
        "d1",
        _m("d1", 0, "华润", "firm", "华润集团", "华润集团", "lexicon"),
        _m("d1", 10, "华润微", "firm", "华润微电子", "华润微电子", "lexicon"),
        _m("d1", 20, "招商银行", "firm", "招商银行", "招商银行", "lexicon"),
        _m("d1", 30, "招商证券", "firm", "招商证券", "招商证券", "lexicon"),
        _m("d1", 40, "招商", "firm"),
    )
    res = resolve([a], None)
    names = {e.name for e in res.entities.values()}
    assert {"华润集团", "华润微电子", "招商银行", "招商证券"} <= names
    assert _entity(res, "d1", 0, "华润", "firm") is not _entity(res, "d1", 10, "华润微", "firm")
