"""Entity typing: model spans + lexicon + gazetteer + rules -> Mentions (real components, fixed spans)."""

from pipeline.nlp.entities import recognize
from pipeline.nlp.relations import find_relations
from pipeline.nlp.segment import segment
from pipeline.records import Block, Document


def _doc(text: str, blocks=None) -> Document:
    return Document("d0", "t.txt", "t.txt", "", None, None, text, "", blocks or [])


def _find(text: str, spans: list[tuple[str, str]]):
    """(surface, type) -> (start, end, type) at the first occurrence."""
    out = []
    for surface, t in spans:
        i = text.index(surface)
        out.append((i, i + len(surface), t))
    return out


def _mentions(text: str, spans=(), blocks=None):
    doc = _doc(text, blocks)
    return recognize(doc, segment(text), _find(text, list(spans)))


def _by_text(ms):
    return {m.text: m for m in ms}


def test_offsets_slice_the_text():
    text = "马云在杭州创办了阿里巴巴,浙大毕业生张国栋加入了宇树科技。"
    ms = _mentions(text, [("马云", "PER"), ("张国栋", "PER")])
    assert ms
    for m in ms:
        assert text[m.start:m.end] == m.text
    for a, b in zip(ms, ms[1:]):
        assert a.end <= b.start


def test_org_typing_by_suffix_and_lexicon():
    text = "云深处科技与西湖大学、浙江省经信厅以及国金证券合作,清华也参与了。"
    ms = _by_text(_mentions(text, [("云深处科技", "ORG"), ("西湖大学", "ORG"), ("国金证券", "ORG")]))
    assert ms["云深处科技"].entity_type == "firm"
    assert ms["西湖大学"].entity_type == "org" and ms["西湖大学"].org_kind == "university"
    assert ms["国金证券"].entity_type == "firm"
    assert ms["清华"].entity_type == "org" and ms["清华"].canonical == "清华大学"


def test_rule_finds_firm_names_without_the_model():
    text = "总部位于杭州的灵伴科技,与群核科技、幻方量化都是科技企业。"
    ms = _by_text(_mentions(text))
    assert {"灵伴科技", "群核科技", "幻方量化"} <= {t for t, m in ms.items() if m.entity_type == "firm"}
    assert "都是科技" not in ms  # 科技企业 is a description


def test_places_districts_zones_and_shorthands():
    text = "杭州余杭的未来科技城吸引企业,北上广深等城市也在追赶,上海张江同样如此。"
    ms = _mentions(text)
    by = _by_text(ms)
    assert by["余杭"].entity_type == "city" and by["余杭"].key == "330100" and by["余杭"].canonical == "杭州"
    assert by["未来科技城"].key == "330100"
    assert by["张江"].key == "310000"
    short = [m for m in ms if m.source == "shorthand"]
    assert [(m.text, m.canonical) for m in short] == [("北", "北京"), ("上", "上海"), ("广", "广州"), ("深", "深圳")]
    assert [m.start for m in short] == list(range(text.index("北上广深"), text.index("北上广深") + 4))
    assert "城市" not in by


def test_district_needs_confirmation():
    # 西湖 alone in a text about Jiangxi is not Hangzhou's district; the full name or the city confirms it
    assert not [m for m in _mentions("他在西湖边散步。") if m.entity_type == "city"]
    ms = _mentions("杭州西湖区发布新政。")
    assert [m.key for m in ms if m.entity_type == "city"] == ["330100", "330100"]


def test_provinces_and_countries():
    ms = _by_text(_mentions("浙江和江苏的企业与美国、日本同行竞争,中国市场巨大。"))
    assert ms["浙江"].entity_type == "province" and ms["浙江"].key == "330000"
    assert ms["美国"].entity_type == "country" and ms["美国"].key == "US"
    assert ms["中国"].key == "CN"


def test_person_filters_reject_jieba_false_positives():
    text = "大疆的创始人汪滔是杭州人,杭州六小龙里的企业家上台发言,这座城市很开放。"
    ms = _mentions(text, [("汪滔", "PER"), ("杭州人", "PER"), ("小龙", "PER"), ("上台", "PER"), ("城市", "LOC")])
    people = [m.text for m in ms if m.entity_type == "person"]
    assert people == ["汪滔"]
    assert not {"杭州人", "小龙", "上台", "城市"} & {m.text for m in ms}


def test_latin_names():
    text = "作为Deepseek母公司的幻方量化,与OpenAI竞争。发布会上左起:Igor Babuschkin、Jimmy Ba、吴宇怀。"
    ms = _by_text(_mentions(text, [("吴宇怀", "PER")]))
    assert ms["Deepseek"].entity_type == "firm" and ms["Deepseek"].canonical == "DeepSeek"
    assert ms["OpenAI"].entity_type == "firm"
    assert ms["Igor Babuschkin"].entity_type == "person"
    assert ms["Jimmy Ba"].entity_type == "person"


def test_lexicon_beats_place_and_products_are_not_firms():
    ms = _by_text(_mentions("阿里云和阿里都在杭州,淘宝、天猫是它们的平台。", [("淘宝", "ORG"), ("天猫", "ORG")]))
    assert ms["阿里"].entity_type == "firm" and ms["阿里"].canonical == "阿里巴巴"
    assert ms["阿里云"].canonical == "阿里云"
    assert "淘宝" not in ms and "天猫" not in ms


def test_references_block_is_skipped():
    text = "马云创办了阿里巴巴。\n参考资料\n1、腾讯的故事,某某网\n"
    ref = text.index("参考资料")
    ms = _mentions(text, blocks=[Block(0, ref, "body"), Block(ref, len(text), "references")])
    assert all(m.end <= ref for m in ms)
    assert "腾讯" not in {m.text for m in ms}


def test_propagation_of_accepted_names():
    text = "宇树科技发布了新机器人。宇树的工程师王兴兴说,王兴兴很自豪。"
    ms = _mentions(text, [("王兴兴", "PER")])
    assert [m.text for m in ms if m.entity_type == "firm"] == ["宇树科技", "宇树"]
    assert [m.text for m in ms if m.entity_type == "person"] == ["王兴兴", "王兴兴"]


def test_relations():
    text = "总部位于杭州未来科技城的灵伴科技,创始人祝铭明上台发言。云深处科技的创始人朱秋国也来了。马云回杭州创办了阿里巴巴。"
    doc = _doc(text)
    ms = recognize(doc, segment(text), _find(text, [("祝铭明", "PER"), ("朱秋国", "PER"), ("马云", "PER")]))
    rels = {(r.kind, text[r.subject_start:r.subject_end], text[r.object_start:r.object_end], r.role) for r in find_relations(doc, ms)}
    assert ("founded", "祝铭明", "灵伴科技", "创始人") in rels
    assert ("founded", "朱秋国", "云深处科技", "创始人") in rels
    assert ("founded", "马云", "阿里巴巴", "创始人") in rels
    assert ("headquartered_in", "灵伴科技", "杭州未来科技城", "") in rels
    assert len(rels) == 4


def test_relations_are_conservative():
    text = "员工来自阿里,创始人梁文锋创办的幻方量化也依托阿里云。"
    doc = _doc(text)
    ms = recognize(doc, segment(text), _find(text, [("梁文锋", "PER")]))
    rels = {(text[r.subject_start:r.subject_end], text[r.object_start:r.object_end]) for r in find_relations(doc, ms)}
    assert rels == {("梁文锋", "幻方量化")}


def test_untyped_model_org_needs_a_firm_context():
    # no suffix, no lexicon entry: kept only where the text marks it as a firm
    text = "星河动力发布了新火箭。会上,山西代表团和星云会的人也到了。"
    ms = _by_text(_mentions(text, [("星河动力", "ORG"), ("山西代表团", "ORG"), ("星云会", "ORG")]))
    assert ms["星河动力"].entity_type == "firm"  # 发布了 after it
    assert ms["山西代表团"].entity_type == "org"  # typed by its suffix, not a firm
    assert "星云会" not in ms  # nothing says what it is: dropped, not guessed
    text = "台积电、华虹、星海微等行业巨头均在江苏设厂。"
    ms = _by_text(_mentions(text, [("星海微", "ORG")]))
    assert ms["星海微"].entity_type == "firm"  # an enumeration ending in 等行业巨头


def test_descriptions_are_not_firms():
    text = "要实现高水平科技自立自强,为企业提供耐心资本。"
    ms = _mentions(text, [("高水平科技", "ORG"), ("耐心资本", "ORG")])
    assert not [m for m in ms if m.entity_type == "firm"]


def test_a_place_before_an_industry_word_is_a_description_but_before_an_institution_word_a_name():
    ms = _mentions("深圳科技的两组源代码,来自民营资本。", [("深圳科技", "ORG")])
    assert not [m for m in ms if m.entity_type == "firm"]
    ms = _by_text(_mentions("宁波银行的存款增长了。", [("宁波银行", "ORG")]))
    assert ms["宁波银行"].entity_type == "firm"


def test_ambiguous_lexicon_names_need_a_firm_cue():
    assert not _mentions("他在苹果园里吃了一个苹果。", [("苹果园", "ORG")])
    ms = _by_text(_mentions("苹果CEO库克访问中国。"))
    assert ms["苹果"].entity_type == "firm" and ms["库克"].canonical == "蒂姆·库克"


def test_two_character_names_must_align_with_words():
    # 加纳 (Ghana) inside 增加|纳税, 百度 after a numeral
    ms = _mentions("今年增加纳税人数,水温达到一百度。")
    assert not [m for m in ms if m.entity_type in ("country", "firm")]
    # 中建 (an abbreviation of 中国建筑) across 市场|中|建立
    assert not [m for m in _mentions("在市场中建立基础。") if m.entity_type == "firm"]


def test_model_org_span_with_trailing_words_is_cut_to_the_known_firm():
    text = "宁德时代市场部发布公告,据新浪科技报道。"
    ms = _by_text(_mentions(text, [("宁德时代市场部", "ORG"), ("据新浪科技", "ORG")]))
    assert ms["宁德时代"].entity_type == "firm"
    assert ms["新浪"].entity_type == "firm"
    assert "据新浪科技" not in ms


def test_registered_names_run_back_to_the_previous_delimiter():
    text = "三家股东——安徽省高新技术产业投资有限公司、国投招商投资管理有限公司签署了协议,他创办了北京星尘科技有限公司。"
    firms = [m.text for m in _mentions(text) if m.entity_type == "firm"]
    assert firms == ["安徽省高新技术产业投资有限公司", "国投招商投资管理有限公司", "北京星尘科技有限公司"]


def test_bracketed_abbreviations_name_the_same_firm():
    from pipeline.nlp.resolve import resolve
    from pipeline.records import DocumentAnalysis

    text = "星尘智能科技有限公司（以下简称“星尘”）今天发布新品。星尘的创始人很高兴。某某科技有限公司（深度求索）也来了。"
    doc = _doc(text)
    ms = recognize(doc, segment(text), [])
    res = resolve([DocumentAnalysis("d0", ms)])
    by_name = {e.name: e for e in res.entities.values()}
    assert sorted(by_name["星尘智能科技有限公司"].aliases) == ["星尘"]
    assert [m.text for m in ms if m.text == "星尘"] == ["星尘", "星尘"]  # the later 星尘 too
    assert "某某科技有限公司" in by_name["DeepSeek"].aliases


def test_known_name_inside_a_longer_dictionary_word():
    ms = _mentions("在美国伊利诺伊州,中国东方航空公司和华为公司都有业务。")
    by = {m.text: m.entity_type for m in ms}
    assert "伊利" not in by  # not the dairy firm inside 伊利诺伊州
    assert by.get("东方航空") == "firm" and by.get("华为公司") == "firm"


def test_storm_names_are_not_people():
    text = "第5号台风“杜苏芮”将登陆。杜苏芮带来强降雨,气象专家李明提醒注意安全。"
    spans = [(text.index("杜苏芮"), text.index("杜苏芮") + 3, "PER"), (text.rindex("杜苏芮"), text.rindex("杜苏芮") + 3, "PER")]
    spans += _find(text, [("李明", "PER")])
    ms = recognize(_doc(text), segment(text), spans)
    assert [m.text for m in ms if m.entity_type == "person"] == ["李明"]


def test_city_from_gazetteer_despite_long_span():
    """A model LOC span running past the city name (东莞建设研发中心) still gives the city, and no odd place."""
    text = "华为将在东莞建设研发中心。"
    ms = _by_text(_mentions(text, [("华为", "ORG"), ("东莞建设研发中心", "LOC")]))
    assert ms["东莞"].entity_type == "city" and ms["华为"].entity_type == "firm"
    assert "东莞建设研发中心" not in ms
