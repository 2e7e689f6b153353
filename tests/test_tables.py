"""Table assembly: columns, dtypes, keys, foreign keys, counts; end to end on the sample article."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from tooling.evaluation.gold import build_plain
from pipeline.records import Document, DocumentAnalysis, Fact, Mention, Relation, SourceError
from pipeline.ids import hash16
from pipeline.tables import build_tables, read_previous_ids
from conftest import SAMPLE

ENTITY_IDS = {"people": "person_id", "firms": "firm_id", "organizations": "org_id", "cities": "city_id", "regions": "region_id"}


def _check_schema_and_keys(tables):
    assert set(tables) == set(schema.TABLES)
    for name, frame in tables.items():
        t = schema.TABLES[name]
        assert list(frame.columns) == t.column_names, name
        assert schema.to_arrow(name, frame).schema.equals(t.arrow_schema(), check_metadata=False), name
        key = frame[list(t.primary_key)]
        assert not key.duplicated().any(), name
    doc_ids = set(tables["documents"]["doc_id"])
    all_ids = set()
    for table, col in ENTITY_IDS.items():
        all_ids |= set(tables[table][col])
    assert set(tables["mentions"]["entity_id"]) <= all_ids
    assert set(tables["metrics"]["subject_id"].dropna()) <= all_ids
    assert set(tables["mentions"]["doc_id"]) <= doc_ids
    assert set(tables["metrics"]["doc_id"]) <= doc_ids
    assert set(tables["people"]["firm_id"].dropna()) <= set(tables["firms"]["firm_id"])
    assert set(tables["firms"]["hq_city_id"].dropna()) <= set(tables["cities"]["city_id"])
    texts = dict(zip(tables["documents"]["doc_id"], tables["documents"]["text"]))
    for row in tables["mentions"].itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.text
    for row in tables["metrics"].itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.span_text


def test_small_hand_built_dataset():
    text = "马云在杭州余杭创办了阿里巴巴,阿里成立于1999年。总部位于杭州的阿里巴巴很大。"
    doc = Document("dA", "a.txt", "a.txt", "标题", None, None, text, "abc")
    def at(surface, nth=0):
        i = -1
        for _ in range(nth + 1):
            i = text.index(surface, i + 1)
        return i, i + len(surface)

    def mention(surface, etype, key, canonical, source, nth=0):
        s, e = at(surface, nth)
        return Mention("dA", s, e, surface, etype, key, canonical, source)

    ms = [
        mention("马云", "person", "马云", "马云", "lexicon"),
        mention("杭州", "city", "330100", "杭州", "gazetteer"),
        mention("余杭", "city", "330100", "杭州", "gazetteer"),
        mention("阿里巴巴", "firm", "阿里巴巴", "阿里巴巴", "lexicon"),
        mention("阿里", "firm", "阿里巴巴", "阿里巴巴", "lexicon", nth=1),
        mention("杭州", "city", "330100", "杭州", "gazetteer", nth=1),
        mention("阿里巴巴", "firm", "阿里巴巴", "阿里巴巴", "lexicon", nth=1),
    ]
    for m in ms:
        assert text[m.start:m.end] == m.text
    y0, y1 = at("1999年")
    facts = [Fact("dA", y0, y1, "1999年", "阿里成立于1999年。", "成立年份", 1999.0, "year", "=", 1999, None, ms[4].start, ms[4].end, "阿里", "firm")]
    rels = [
        Relation("dA", "founded", ms[0].start, ms[0].end, ms[3].start, ms[3].end, "创始人"),
        Relation("dA", "headquartered_in", ms[6].start, ms[6].end, ms[5].start, ms[5].end),
    ]
    analyses = [DocumentAnalysis("dA", ms, facts, rels)]
    errors = [SourceError("bad.txt", "empty file"), SourceError("bad.txt", "empty file")]
    tables = build_tables([doc], analyses, errors)
    _check_schema_and_keys(tables)
    firm = tables["firms"].iloc[0]
    assert (firm["name"], list(firm["aliases"]), firm["mention_count"], firm["doc_count"]) == ("阿里巴巴", ["阿里"], 3, 1)
    assert firm["hq_city_id"] == "330100" and firm["founded_year"] == 1999
    person = tables["people"].iloc[0]
    assert person["firm_id"] == firm["firm_id"] and person["role"] == "创始人"
    rel = tables["relations"].set_index("relation")
    assert set(rel.index) == {"founded", "headquartered_in"}
    assert (rel.loc["founded", "subject_id"], rel.loc["founded", "object_id"]) == (person["person_id"], firm["firm_id"])
    assert rel.loc["headquartered_in", "object_type"] == "city" and rel.loc["headquartered_in", "object_name"] == "杭州"
    for _kind, row in rel.iterrows():
        assert text[row["char_start"]:row["char_end"]] == row["span_text"] and row["relation_id"].startswith("rel_")
    city = tables["cities"].iloc[0]
    assert (city["city_id"], city["mention_count"], list(city["aliases"]), city["level"]) == ("330100", 3, ["余杭"], "prefecture")
    metric = tables["metrics"].iloc[0]
    assert metric["subject_id"] == firm["firm_id"] and metric["subject_name"] == "阿里巴巴"
    assert len(tables["errors"]) == 1
    assert tables["mentions"]["mention_id"].iloc[0].startswith("men_")
    assert "men_" + hash16(f"dA:{ms[0].start}:{ms[0].end}") in set(tables["mentions"]["mention_id"])


def test_empty_input_gives_every_table():
    tables = build_tables([], [], [])
    _check_schema_and_keys(tables)
    # every table is empty but the vocabulary, which does not depend on the input
    assert all(len(f) == 0 for name, f in tables.items() if name != "indicators")
    assert len(tables["indicators"]) > 0


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    return build_plain(raw)


def test_sample_article_end_to_end(sample_tables):
    t = sample_tables
    _check_schema_and_keys(t)
    people = dict(zip(t["people"]["name"], t["people"]["firm_id"]))
    firms = dict(zip(t["firms"]["firm_id"], t["firms"]["name"]))
    founders = {name: firms.get(fid) for name, fid in people.items() if isinstance(fid, str)}
    assert founders["王兴兴"] == "宇树科技"
    assert founders["朱秋国"] == "云深处科技"
    assert founders["黄晓煌"] == "群核科技"
    assert founders["祝铭明"] == "灵伴科技"
    assert founders["汪滔"] == "大疆"
    assert founders["马云"] == "阿里巴巴"
    assert founders["梁文锋"] in ("幻方量化", "DeepSeek")
    assert {"梁文锋", "埃隆·马斯克", "吴宇怀", "马光远"} <= set(people)
    assert {"DeepSeek", "幻方量化", "宇树科技", "阿里巴巴", "阿里云", "台积电"} <= set(firms.values())
    names = set()
    for table in ENTITY_IDS:
        names |= set(t[table]["name"])
        for aliases in t[table]["aliases"]:
            names |= set(aliases)
    assert not {"杭州人", "小龙", "上台", "城市"} & names
    cities = dict(zip(t["cities"]["name"], t["cities"]["city_id"]))
    assert cities["杭州"] == "330100" and cities["义乌"] == "330782" and cities["北京"] == "110000"
    hz = t["cities"][t["cities"]["city_id"] == "330100"].iloc[0]
    assert "余杭" in list(hz["aliases"])
    assert t["firms"].set_index("name").loc["灵伴科技", "hq_city_id"] == "330100"
    assert t["firms"].set_index("name").loc["阿里巴巴", "founded_year"] == 1999


def test_previous_ids_round_trip(sample_tables, tmp_path):
    for name in ("people", "firms", "organizations"):
        schema_table = schema.to_arrow(name, sample_tables[name])
        import pyarrow.parquet as pq

        pq.write_table(schema_table, tmp_path / f"{name}.parquet")
    prev = read_previous_ids(tmp_path)
    firms = sample_tables["firms"]
    ali = firms[firms["name"] == "阿里巴巴"].iloc[0]
    assert prev[("firm", "阿里巴巴")] == ali["firm_id"]
    assert prev[("firm", "阿里")] == ali["firm_id"]


def test_row_ids_stored_by_the_worker_equal_the_computed_ones():
    """``with_row_ids`` (per document) and ``ids_column`` (fan-in, old files without IDs) agree."""
    import pyarrow as pa

    from pipeline.ids import METRIC_ID_COLUMNS, MENTION_ID_COLUMNS, ids_column, with_row_ids

    mentions = pa.table({"doc_id": ["d1", "d1", "d2"], "start": [0, 5, 3], "end": [2, 9, 4]})
    facts = pa.table({"doc_id": ["d1"], "start": [10], "end": [20], "metric": ["营收"]})
    m, f = with_row_ids(mentions, facts)
    assert m.column("mention_id").to_pylist() == ids_column(mentions, "mention_id", "men_", MENTION_ID_COLUMNS)
    assert f.column("metric_id").to_pylist() == ["met_" + hash16("d1:10:20:营收")]
    assert ids_column(f, "metric_id", "met_", METRIC_ID_COLUMNS) == f.column("metric_id").to_pylist()
    # a concatenation of new and old files: the old rows' IDs are null and get computed
    mixed = pa.concat_tables([m, mentions], promote_options="default")
    assert ids_column(mixed, "mention_id", "men_", MENTION_ID_COLUMNS) == m.column("mention_id").to_pylist() * 2
