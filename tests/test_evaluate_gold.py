"""``python -m tooling evaluate``: scoring rules and the command's JSON output (plain engine)."""

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from tooling.evaluation import gold as ev
from tooling.evaluation.scoring import format_report
from conftest import SAMPLE



def _tables(text, mentions, entities, metrics=()):
    """Minimal tables: one document, its mentions, entity rows (table -> rows), metric rows."""
    t = {name: schema.empty_frame(name) for name in schema.TABLES}
    t["documents"] = schema.table_from_rows("documents", [{"doc_id": "d1", "source_path": "a.txt", "title": "", "n_chars": len(text), "sha256": "x", "text_sha256": "y", "text": text}])
    t["mentions"] = schema.table_from_rows(
        "mentions",
        [{"mention_id": f"m{i}", "entity_id": eid, "entity_type": et, "doc_id": "d1", "char_start": 0, "char_end": 1, "text": tx} for i, (eid, et, tx) in enumerate(mentions)],
    )
    for table, rows in entities.items():
        t[table] = schema.table_from_rows(table, rows)
    t["metrics"] = schema.table_from_rows("metrics", list(metrics))
    return t


def test_scoring_rules():
    tables = _tables(
        "x",
        [("p1", "person", "梁文锋"), ("p2", "person", "梁文峰"), ("f1", "firm", "宇树"), ("c1", "city", "余杭"), ("c2", "city", "北")],
        {
            "people": [{"person_id": "p1", "name": "梁文锋", "aliases": [], "mention_count": 1, "doc_count": 1},
                       {"person_id": "p2", "name": "梁文峰", "aliases": [], "mention_count": 1, "doc_count": 1}],
            "firms": [{"firm_id": "f1", "name": "宇树科技", "aliases": ["宇树"], "mention_count": 1, "doc_count": 1}],
            "cities": [{"city_id": "c1", "name": "杭州", "full_name": "杭州市", "province": "浙江省", "level": "prefecture", "aliases": ["余杭"], "mention_count": 1, "doc_count": 1},
                       {"city_id": "c2", "name": "北京", "full_name": "北京市", "province": "北京市", "level": "municipality", "aliases": [], "mention_count": 1, "doc_count": 1}],
        },
        [{"metric_id": "x1", "doc_id": "d1", "subject_id": "c1", "subject_type": "city", "subject_name": "杭州", "metric": "m",
          "value": 1.5e12, "unit": "元", "qualifier": ">", "year": 2024, "span_text": "x", "sentence": "x", "char_start": 0, "char_end": 1},
         {"metric_id": "x2", "doc_id": "d1", "subject_id": None, "metric": "m", "value": 0.7, "unit": "个",
          "qualifier": "=", "year": None, "span_text": "x", "sentence": "x", "char_start": 0, "char_end": 1}],
    )
    gold = {
        "doc": "a.txt",
        "people": [{"name": "梁文锋", "aliases": ["梁文峰"]}],
        "firms": [{"name": "宇树科技", "aliases": ["宇树"]}, {"name": "大疆", "aliases": []}],
        "cities": [{"name": "杭州", "province": "浙江"}, {"name": "杭州", "via": "余杭"}, {"name": "北京", "via": "北上广深"}],
        "metrics": [{"subject": "杭州", "value": 1.5e12, "unit": "元", "qualifier": ">", "year": 2024},
                    {"subject": "杭州", "value": 0.7, "unit": "%", "qualifier": "=", "year": 2024}],
    }
    r = ev.score(tables, [gold])
    # two unresolved forms of one person: one matches, the other is a false positive
    assert (r["people"]["tp"], r["people"]["predicted"], r["people"]["gold"]) == (1, 2, 1)
    assert (r["firms"]["precision"], r["firms"]["recall"]) == (1.0, 0.5)
    # gold cities with the same name are one entry; 北京 matches by its name
    assert (r["cities"]["tp"], r["cities"]["gold"]) == (2, 2)
    assert r["metrics_value"]["tp"] == 2
    assert r["metrics_value_unit"]["tp"] == 1
    assert r["metrics_value_unit_subject"]["tp"] == 1
    assert r["metrics_year_correct"] == 1.0


@pytest.mark.parametrize("engine", ["plain"])
def test_command_on_the_sample_article(tmp_path, engine):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "sample.gold.json").write_text(json.dumps({
        "doc": SAMPLE.name,
        "people": [{"name": "梁文锋", "aliases": ["梁文峰"]}, {"name": "埃隆·马斯克", "aliases": ["马斯克"]}],
        "firms": [{"name": "宇树科技", "aliases": ["宇树"]}, {"name": "阿里巴巴", "aliases": ["阿里"]}],
        "cities": [{"name": "杭州", "via": "余杭"}, {"name": "义乌"}],
        "metrics": [{"subject": "杭州", "metric": "私募基金规模", "value": 1.5e12, "unit": "元", "qualifier": ">", "year": 2024, "span": "私募基金规模超1.5万亿元"}],
    }, ensure_ascii=False), encoding="utf-8")
    parser = argparse.ArgumentParser()
    ev.add_arguments(parser)
    out = tmp_path / "scores.json"
    args = parser.parse_args(["--gold", str(gold_dir), "--raw", str(raw), "--json", str(out), "--engine", engine])
    assert ev.run(args) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    for key in ("people", "firms", "cities", "metrics_value", "metrics_value_unit", "metrics_value_unit_subject"):
        assert set(report[key]) >= {"precision", "recall", "f1"}
    # every gold entry above is found (precision is not 1: the gold lists only a few)
    assert report["people"]["recall"] == 1.0
    assert report["firms"]["recall"] == 1.0
    assert report["cities"]["recall"] == 1.0
    assert report["metrics_value_unit_subject"]["recall"] == 1.0


def _metric(i, value, unit, start, end, subject_id=None, subject_name=None, method="explicit"):
    return {"metric_id": f"x{i}", "doc_id": "d1", "subject_id": subject_id, "subject_type": "firm" if subject_id else None,
            "subject_name": subject_name, "metric": "m", "value": value, "unit": unit, "qualifier": "=", "year": None,
            "span_text": "x", "sentence": "x", "char_start": start, "char_end": end, "subject_method": method}


def test_optional_entries_are_neither_hits_nor_false_positives():
    tables = _tables("x", [("f1", "firm", "宇树"), ("f2", "firm", "大疆")],
                     {"firms": [{"firm_id": "f1", "name": "宇树", "aliases": [], "mention_count": 1, "doc_count": 1},
                                {"firm_id": "f2", "name": "大疆", "aliases": [], "mention_count": 1, "doc_count": 1}]})
    gold = {"doc": "a.txt", "firms": [{"name": "宇树"}, {"name": "大疆", "optional": True}, {"name": "华为", "optional": True}]}
    r = ev.score(tables, [gold])
    assert (r["firms"]["tp"], r["firms"]["predicted"], r["firms"]["gold"]) == (1, 1, 1)


def test_metric_span_overlap_subject_alternatives_and_null():
    text = "甲公司营收100亿元，乙公司利润50亿元，份额70%。"
    f = {"firms": [{"firm_id": "f1", "name": "甲公司", "aliases": [], "mention_count": 1, "doc_count": 1},
                   {"firm_id": "f2", "name": "乙公司", "aliases": [], "mention_count": 1, "doc_count": 1}]}
    s100, s50, s70 = text.index("100"), text.index("50"), text.index("70")
    metrics = [_metric(1, 1e10, "元", s100, s100 + 6, "f1", "甲公司"),
               _metric(2, 5e9, "元", s50, s50 + 5, "f1", "甲公司"),          # wrong subject
               _metric(3, 0.7, "%", s70, s70 + 3, None, None, method="none"),
               _metric(4, 1e10, "元", s50, s50 + 5, "f1", "甲公司")]          # right value, wrong place
    tables = _tables(text, [("f1", "firm", "甲公司"), ("f2", "firm", "乙公司")], f, metrics)
    tables["metrics"]["subject_method"] = [m["subject_method"] for m in metrics]
    gold = {"doc": "a.txt", "metrics": [
        {"subject": ["丙", "甲公司"], "value": 1e10, "unit": "元", "span": "营收100亿元"},
        {"subject": "乙公司", "value": 5e9, "unit": "元", "span": "利润50亿元"},
        {"subject": None, "value": 70, "unit": "%", "span": "份额70%"},  # a share as 70 or 0.7; null accepts any subject
    ]}
    r = ev.score(tables, [gold])
    assert r["metrics_value_unit"]["tp"] == 3
    assert r["metrics_value_unit"]["predicted"] == 4
    assert r["metrics_value_unit_subject"]["tp"] == 2
    assert r["explicit_subject_precision"] == 0.5  # of the two explicit matches, one has the right subject


def test_relations_scored_on_kind_subject_and_object():
    tables = _tables("x", [("p1", "person", "梁文锋"), ("f1", "firm", "幻方")],
                     {"people": [{"person_id": "p1", "name": "梁文锋", "aliases": [], "mention_count": 1, "doc_count": 1}],
                      "firms": [{"firm_id": "f1", "name": "幻方量化", "aliases": ["幻方"], "mention_count": 1, "doc_count": 1}]})
    rel = {"relation_id": "r1", "doc_id": "d1", "subject_id": "p1", "subject_type": "person", "subject_name": "梁文锋",
           "object_id": "f1", "object_type": "firm", "object_name": "幻方", "role": "创始人", "span_text": "x",
           "sentence": "x", "char_start": 0, "char_end": 1}
    tables["relations"] = pd.DataFrame([rel, {**rel, "relation_id": "r2", "relation": "leads"}]).assign(
        relation=["founded", "leads"])
    gold = {"doc": "a.txt", "relations": [{"subject": "梁文锋", "relation": "founded", "object": "幻方量化"},
                                          {"subject": "梁文锋", "relation": "works_at", "object": "幻方量化"}]}
    r = ev.score(tables, [gold])
    assert (r["relations"]["tp"], r["relations"]["predicted"], r["relations"]["gold"]) == (1, 2, 2)


def test_relation_names_include_gold_aliases_and_a_repeated_gold_triple_counts_once():
    # the release knows the firm only as 智谱; the gold names it 智谱 AI with the alias 智谱
    tables = _tables("x", [("o1", "org", "清华大学"), ("f1", "firm", "智谱")],
                     {"organizations": [{"org_id": "o1", "name": "清华大学", "aliases": [], "mention_count": 1, "doc_count": 1}],
                      "firms": [{"firm_id": "f1", "name": "智谱", "aliases": [], "mention_count": 1, "doc_count": 1}]})
    rel = {"relation_id": "r1", "doc_id": "d1", "subject_id": "f1", "subject_type": "firm", "subject_name": "智谱",
           "relation": "subsidiary_of", "object_id": "o1", "object_type": "org", "object_name": "清华大学", "role": None,
           "span_text": "x", "sentence": "x", "char_start": 0, "char_end": 1}
    tables["relations"] = pd.DataFrame([rel])
    gold = {"doc": "a.txt", "firms": [{"name": "智谱 AI", "aliases": ["智谱"]}], "orgs": [{"name": "清华大学"}],
            "relations": [{"subject": "智谱 AI", "relation": "subsidiary_of", "object": "清华大学", "span": "a"},
                          {"subject": "智谱 AI", "relation": "subsidiary_of", "object": "清华大学", "span": "b"}]}
    r = ev.score(tables, [gold])
    assert (r["relations"]["tp"], r["relations"]["predicted"], r["relations"]["gold"]) == (1, 1, 1)


def test_split_and_dates_from_sources(tmp_path):
    gold_dir = tmp_path / "dev"
    gold_dir.mkdir()
    for n in (1, 2, 3):
        (gold_dir / f"d0{n}_x.txt").write_text("正文。", encoding="utf-8")
        (gold_dir / f"d0{n}_x.gold.json").write_text(json.dumps({"doc": f"d0{n}_x.txt"}), encoding="utf-8")
    (gold_dir / "SOURCES.md").write_text("| file | date |\n|---|---|\n| d01_x.txt | 2024-05-12 |\n", encoding="utf-8")
    golds = ev.load_golds(gold_dir)
    assert [g["doc"] for g in ev.select(golds, "odd")] == ["d01_x.txt", "d03_x.txt"]
    assert [g["doc"] for g in ev.select(golds, "even")] == ["d02_x.txt"]
    staged = ev.stage_texts([(gold_dir, ev.select(golds, "odd"))], tmp_path / "raw", tmp_path / "staged")
    assert [g["doc"] for g in staged[0][1]] == ["dev/d01_x.txt", "dev/d03_x.txt"]
    assert (tmp_path / "staged" / "dev" / "d01_x.txt").read_text(encoding="utf-8").startswith("---\npublished_at: 2024-05-12\n---\n")
    assert (tmp_path / "staged" / "dev" / "d03_x.txt").read_text(encoding="utf-8") == "正文。"


def test_a_set_without_numbered_files_is_not_split(tmp_path):
    (tmp_path / "sample.gold.json").write_text(json.dumps({"doc": "a.txt"}), encoding="utf-8")
    golds = ev.load_golds(tmp_path)
    assert ev.select(golds, "even") == golds == ev.select(golds, "odd")


@pytest.mark.parametrize("command", ["evaluate", "evaluate-ner", "audit-sample"])
def test_python_m_pipeline_forwards_tooling_commands(command, capsys):
    """``python -m pipeline evaluate`` (the documented form) runs the tooling command, not an error."""
    from pipeline.__main__ import main

    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert f"python -m tooling {command}" in capsys.readouterr().out


@pytest.mark.parametrize("units_years, with_year, with_year_all", [
    # (unit, year) of each metric of a dated document
    ([("元", 2024), ("%", None)], 0.5, 0.5),
    ([("元", 2024), ("年", None), ("月", None)], 1.0, 1 / 3),   # durations (用了七年, 37 个月) are not in the denominator
    ([("岁", None), ("个", 2021)], 0.5, 0.5),  # ages are
    ([("year", None), ("个", 2021)], 1.0, 0.5),  # founding years (a date, year null in the gold) are not
])
def test_share_with_a_year_leaves_durations_out(units_years, with_year, with_year_all):
    text = "x" * 10
    metrics = [{**_metric(i, 1.0, unit, 0, 1), "year": year} for i, (unit, year) in enumerate(units_years)]
    tables = _tables(text, [], {}, metrics)
    tables["documents"]["published_at"] = pd.Timestamp("2024-05-01")
    r = ev.score(tables, [{"doc": "a.txt", "metrics": []}])
    assert r["metrics_with_year_in_dated_docs"] == pytest.approx(with_year, abs=1e-3)
    assert r["metrics_with_year_all_in_dated_docs"] == pytest.approx(with_year_all, abs=1e-3)


@pytest.mark.parametrize("published_at, text, dated", [
    (pd.Timestamp("2024-05-01"), "x" * 10, 1),  # published_at (front matter, .jsonl)
    (None, "2024年5月12日 10:30\n今年营收10亿元。", 1),  # a dateline only: the pipeline dates by it, so does the score
    (None, "今年营收10亿元。", 0),  # neither
])
def test_dated_documents_are_those_the_pipeline_has_a_date_for(published_at, text, dated):
    tables = _tables(text, [], {}, [{**_metric(0, 1e9, "元", 0, 1), "year": 2024}])
    tables["documents"]["published_at"] = published_at
    r = ev.score(tables, [{"doc": "a.txt", "metrics": []}])
    assert (r["documents_dated"], r["documents_dated_n"]) == (dated, 1)
    assert r["metrics_with_year_in_dated_docs_n"] == dated


def test_no_dated_document_says_why_instead_of_a_bare_of_0():
    tables = _tables("今年营收10亿元。", [], {}, [_metric(0, 1e9, "元", 0, 1)])
    report = ev.score(tables, [{"doc": "a.txt", "metrics": []}])
    out = format_report(report, title="set")
    line = next(ln for ln in out.splitlines() if ln.startswith("metrics_with_year_in_dated_docs"))
    assert "(of 0): no document has a date: give published_at in the front matter" in line
    assert "documents_dated                     0   (of 1)" in out
    tables["documents"]["published_at"] = pd.Timestamp("2024-05-01")
    out = format_report(ev.score(tables, [{"doc": "a.txt", "metrics": []}]), title="set")
    assert "no document has a date" not in out


def test_a_text_with_a_bom_and_front_matter_gets_no_second_front_matter(tmp_path):
    gold_dir = tmp_path / "dev"
    gold_dir.mkdir()
    (gold_dir / "d01_x.txt").write_bytes("\ufeff---\npublished_at: 2024-05-12\n---\n正文。".encode("utf-8"))
    (gold_dir / "d01_x.gold.json").write_text(json.dumps({"doc": "d01_x.txt"}), encoding="utf-8")
    (gold_dir / "SOURCES.md").write_text("| file | date |\n|---|---|\n| d01_x.txt | 2023-01-01 |\n", encoding="utf-8")
    ev.stage_texts([(gold_dir, ev.load_golds(gold_dir))], tmp_path / "raw", tmp_path / "staged")
    staged = (tmp_path / "staged" / "dev" / "d01_x.txt").read_text(encoding="utf-8")
    assert staged.count("published_at") == 1 and "2023-01-01" not in staged
