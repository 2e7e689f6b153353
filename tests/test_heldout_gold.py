"""The gold of evaluation/dev/ (tuning data) and evaluation/heldout/ (the measurement
set) is well-formed, and its checker (evaluation/check_gold.py) catches broken gold.

Only the gold files and texts are read; the pipeline is not run on these
articles (evaluation/heldout/ is a measurement set, see its README.md).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
# set folder -> the least number of gold files it must hold
SETS = {"dev": 16, "heldout": 10}


def _checker():
    spec = importlib.util.spec_from_file_location("check_gold", EVALUATION / "check_gold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GOLDS = sorted(EVALUATION.glob("*/*.gold.json"))


@pytest.mark.parametrize("name, least", sorted(SETS.items()))
def test_each_set_is_there_with_its_texts(name, least):
    folder = EVALUATION / name
    golds = sorted(folder.glob("*.gold.json"))
    assert len(golds) >= least
    for gold in golds:
        doc = json.loads(gold.read_text(encoding="utf-8"))["doc"]
        assert (folder / doc).is_file()
        assert gold.name == doc.removesuffix(".txt") + ".gold.json"
    assert (folder / "README.md").is_file() and (folder / "SOURCES.md").is_file()


def test_the_checker_covers_both_sets():
    checked = {p.parent.name for p in _checker().gold_paths([])}
    assert checked == set(SETS)


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_gold_has_no_errors(gold):
    errors, _warnings = _checker().check(gold)
    assert errors == []


def test_the_two_sets_share_no_text():
    """The measurement set holds no article of the tuning set (nor the reverse)."""
    def bodies(name):
        return {p.name: p.read_text(encoding="utf-8").split("---", 2)[-1].strip()
                for p in (EVALUATION / name).glob("*.txt")}
    dev, heldout = bodies("dev"), bodies("heldout")
    for h_name, h_text in heldout.items():
        for d_name, d_text in dev.items():
            assert h_text[:200] not in d_text and d_text[:200] not in h_text, (h_name, d_name)


def _write(tmp_path: Path, text: str, gold: dict) -> Path:
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    path = tmp_path / "a.gold.json"
    path.write_text(json.dumps({"doc": "a.txt", **gold}, ensure_ascii=False), encoding="utf-8")
    return path


BASE = {"people": [{"name": "马云", "aliases": []}], "firms": [{"name": "阿里巴巴", "aliases": []}],
        "orgs": [], "cities": [{"name": "杭州", "province": "浙江"}], "provinces": [], "countries": []}
TEXT = "---\npublished_at: 2024-01-02\ntitle: t\n---\n马云在杭州创办了阿里巴巴，营收增长 12%。\n"
GOOD_METRIC = {"subject": "阿里巴巴", "metric": "营收增长", "value": 0.12, "unit": "%",
               "qualifier": "=", "year": 2024, "span": "营收增长 12%"}
GOOD_RELATION = {"subject": "马云", "relation": "founded", "object": "阿里巴巴", "role": None,
                 "span": "马云在杭州创办了阿里巴巴"}


def test_a_valid_file_passes(tmp_path):
    path = _write(tmp_path, TEXT, {**BASE, "metrics": [GOOD_METRIC], "relations": [GOOD_RELATION]})
    assert _checker().check(path) == ([], [])


@pytest.mark.parametrize("bad_metric, fragment", [
    ({**GOOD_METRIC, "span": "营收增长12%"}, "exact substring"),
    ({**GOOD_METRIC, "span": "published_at"}, "exact substring"),  # spans refer to the text after the front matter
    ({**GOOD_METRIC, "value": "0.12"}, "not a number"),
    ({**GOOD_METRIC, "value": True}, "not a number"),
    ({**GOOD_METRIC, "qualifier": "about"}, "qualifier"),
    ({**GOOD_METRIC, "year": "2024"}, "year"),
    ({**GOOD_METRIC, "unit": ""}, "unit"),
    ({**GOOD_METRIC, "subject": []}, "subject"),
])
def test_broken_metrics_are_errors(tmp_path, bad_metric, fragment):
    path = _write(tmp_path, TEXT, {**BASE, "metrics": [bad_metric], "relations": []})
    errors, _ = _checker().check(path)
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize("bad_relation, fragment", [
    ({**GOOD_RELATION, "relation": "owns"}, "relation kind"),
    ({**GOOD_RELATION, "object": "蚂蚁集团"}, "not a name of an entity"),
    ({**GOOD_RELATION, "span": "马云创办了阿里巴巴"}, "exact substring"),
])
def test_broken_relations_are_errors(tmp_path, bad_relation, fragment):
    path = _write(tmp_path, TEXT, {**BASE, "metrics": [], "relations": [bad_relation]})
    errors, _ = _checker().check(path)
    assert any(fragment in e for e in errors), errors


def test_an_entity_missing_from_the_text_is_an_error(tmp_path):
    gold = {**BASE, "firms": [{"name": "腾讯", "aliases": []}], "metrics": [], "relations": []}
    errors, _ = _checker().check(_write(tmp_path, TEXT, gold))
    assert any("腾讯" in e for e in errors)


def test_a_national_subject_is_no_warning(tmp_path):
    metric = {**GOOD_METRIC, "subject": "中国"}
    _, warnings = _checker().check(_write(tmp_path, TEXT, {**BASE, "metrics": [metric], "relations": []}))
    assert warnings == []


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_spans_survive_the_ingest_normaliser(gold):
    """Scoring locates spans in documents.text, i.e. after front matter removal and normalisation."""
    from pipeline.ingest.metadata import split_front_matter
    from pipeline.ingest.normalize import normalize_text

    data = json.loads(gold.read_text(encoding="utf-8"))
    _meta, text = split_front_matter((gold.parent / data["doc"]).read_text(encoding="utf-8"))
    normalised = normalize_text(text)
    missing = [e["span"] for key in ("metrics", "relations") for e in data[key] if e["span"] not in normalised]
    assert missing == []


def test_gold_paths_expands_folders_and_keeps_files(tmp_path):
    checker = _checker()
    (tmp_path / "b.gold.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a.gold.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    assert checker.gold_paths([tmp_path]) == [tmp_path / "a.gold.json", tmp_path / "b.gold.json"]
    assert checker.gold_paths([tmp_path / "b.gold.json"]) == [tmp_path / "b.gold.json"]
    assert checker.gold_paths([tmp_path / "empty"]) == [tmp_path / "empty"]  # a missing path is kept (and fails later)
