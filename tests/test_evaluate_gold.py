"""``python -m pipeline evaluate``: scoring rules and the command's JSON output (plain engine)."""

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from pipeline.evaluation import gold as ev

SAMPLE = Path(__file__).resolve().parents[1] / "raw" / "hangzhou_deepseek.txt"


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
