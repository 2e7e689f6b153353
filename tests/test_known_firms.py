"""The known-firm gazetteer (firms_known.csv): loading, the converter's normalisation rules, word boundaries."""

import pytest

from pipeline.nlp.entities import recognize
from pipeline.nlp.gazetteer import load_gazetteer
from pipeline.nlp.lexicon import DATA_DIR, load_lexicon, read_entries
from pipeline.nlp.segment import segment
from pipeline.records import Document
from tooling.gazetteer.build_firms import Context, build_rows, clean_short_name, judge

KNOWN = DATA_DIR / "firms_known.csv"


def test_shipped_list_loads_as_firms_with_a_source():
    rows = read_entries(KNOWN)
    assert len(rows) > 5000
    assert all(e.type == "firm" and e.source.startswith("adata 2.9.5") and len(e.name) >= 2 for e in rows)
    lex = load_lexicon()
    assert lex.lookup("晶赛科技").source and lex.lookup("晶赛科技").type == "firm"
    assert lex.lookup("阿里").name == "阿里巴巴" and not lex.lookup("阿里巴巴").source  # hand entries keep precedence


def test_shipped_list_has_no_hand_form_and_no_place():
    hand = {f for e in read_entries(DATA_DIR / "entities.csv") for f in e.forms}
    gaz = load_gazetteer()
    for e in read_entries(KNOWN):
        assert e.name not in hand
        assert e.name not in gaz.by_name and e.name not in gaz.countries


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("万  科Ａ", "万科"),  # full-width letter and spaces
        ("深南玻Ｂ", "深南玻"),  # B share
        ("*ST全新", "全新"),
        ("ST红太阳", "红太阳"),
        ("S*ST托普", "托普"),
        ("PT金田A", "金田"),
        ("神城A退", "神城"),  # delisted
        ("退市海润", "海润"),
        ("N晶赛", "晶赛"),  # first trading day
        ("C海光", "海光"),
        ("XD恒瑞", "恒瑞"),  # ex-dividend
        ("寒武纪-U", "寒武纪"),
        ("优刻得-W", "优刻得"),
        ("百联股份(已合并)", "百联股份"),
        ("TCL科技", "TCL科技"),  # Latin letters of the name itself stay
        ("平安银行", "平安银行"),
    ],
)
def test_clean_short_name(raw, clean):
    assert clean_short_name(raw) == clean


FREQ = {"文化": 30000, "熊猫": 286, "长安": 5000, "一致": 5000, "中国": 90000, "电影": 9000, "产业": 8000,
        "新": 20000, "黄山": 300, "旅游": 5000, "万科": 10, "海量": 300, "数据": 9000, "中国移动": 396, "火星人": 6, "同仁堂": 62, "雅戈尔": 14}
TAGS = {"长安": "ns", "一致": "d", "中国移动": "nt", "熊猫": "nr", "火星人": "n", "同仁堂": "nr", "雅戈尔": "nr",
        "万科": "nz"}
CUTS = {"中国电影": ["中国", "电影"], "新产业": ["新", "产业"], "黄山旅游": ["黄山", "旅游"], "旅游": ["旅游"],
        "晶赛科技": ["晶赛", "科技"], "宇树科": ["宇", "树", "科"], "海量数据": ["海量", "数据"]}
CTX = Context(
    places=frozenset({"杭州", "黄山", "上海", "临港"}),
    stop=frozenset({"线上线下"}),
    hand_forms=frozenset({"腾讯"}),
    freq=FREQ,
    tag=lambda w: TAGS.get(w, "n"),
    cut=lambda s: CUTS.get(s, list(s)),
)


@pytest.mark.parametrize(
    "name, verdict",
    [
        ("海", "drop:one character"),
        ("杭州", "drop:place"),
        ("线上线下", "drop:stop list"),
        ("腾讯", "drop:in the hand-made lexicon"),
        ("长安", "drop:dictionary word (ns)"),  # a place word of the dictionary
        ("一致", "drop:dictionary word (d)"),  # not a noun
        ("文化", "drop:frequent word"),
        ("熊猫", "ambiguous"),  # a frequent name
        ("火星人", "ambiguous"),  # a common noun
        ("同仁堂", "ambiguous"),
        ("雅戈尔", "keep"),  # a rare name of the dictionary
        ("中国移动", "keep"),  # an organisation of the dictionary
        ("中国电影", "ambiguous"),  # a phrase of frequent words
        ("新产业", "ambiguous"),  # frequent words but one character
        ("黄山旅游", "ambiguous"),  # a place and a frequent word
        ("晶赛科技", "keep"),  # a business suffix makes a name
        ("宇树科", "keep"),  # not in the dictionary
        ("海量数据", "ambiguous"),  # two dictionary words
        ("中安", "ambiguous"),  # two characters: 中安关系 (China and Angola)
        ("北部湾港", "ambiguous"),  # a port
        ("上海临港", "ambiguous"),  # a place and a place
    ],
)
def test_judge(name, verdict):
    assert judge(name, CTX) == verdict


def test_build_rows_merge_share_classes_and_report_drops():
    src = [
        {"stock_code": "000002", "short_name": "万  科Ａ"},
        {"stock_code": "200002", "short_name": "万  科Ｂ"},
        {"stock_code": "600001", "short_name": "*ST文化"},
        {"stock_code": "600002", "short_name": "熊猫"},
    ]
    rows, dropped = build_rows(src, CTX)
    by_name = {r["name"]: r for r in rows}
    assert by_name["万科"]["note"] == "A-share 000002 200002" and by_name["万科"]["ambiguous"] == "yes"  # two characters
    assert by_name["熊猫"]["ambiguous"] == "yes"
    assert dropped == {"文化": "frequent word"}


def _firms(text: str) -> list[str]:
    doc = Document("d0", "t.txt", "t.txt", "", None, None, text, "", [])
    return [m.text for m in recognize(doc, segment(text), []) if m.entity_type == "firm"]


def test_listed_names_are_found_without_suffix_or_cue():
    assert "中国中免" in _firms("中国中免今天发布公告，海南离岛免税销售额同比增长。")
    assert "晶赛科技" in _firms("晶赛科技今日在北交所上市。")


def test_no_listed_name_inside_ordinary_words():
    assert "中国中免" not in _firms("中国中免税店的客流明显回升。")  # 中国|中|免税店
    assert not _firms("中国电影市场持续回暖，票房创出新高。")  # an ambiguous name needs a firm context
    assert not _firms("新产业、新业态不断涌现。")
    assert not _firms("中方高度重视中安关系发展。")
    assert not _firms("参与招聘的企业涵盖半导体与集成电路、人工智能、机器人、高端装备制造、新能源汽车等行业领域。")
    assert not _firms("充分发挥海量数据规模和丰富应用场景优势。")


def test_a_listed_name_yields_to_a_longer_place_it_overlaps():
    doc_places = lambda text: [(m.text, m.entity_type) for m in recognize(  # noqa: E731
        Document("d0", "t.txt", "t.txt", "", None, None, text, "", []), segment(text), [])]
    got = doc_places("上海临港新片区的集成电路产业规模持续扩大。")
    assert ("临港新片区", "city") in got and "上海临港" not in [t for t, _ in got]
