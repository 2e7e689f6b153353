"""The entity recogniser: BIOES coding, scoring, and the shipped model on sentences it must get right."""

import json

import pytest

from pipeline.nlp.ner import load_tagger
from tooling.ner.evaluate import score_spans
from pipeline.nlp.ner.bioes import decode, encode
from pipeline.nlp.ner.input_fields import gazetteer_tags
from pipeline.nlp.ner.resources import NameTypes
from pipeline.nlp.ner.sentences import document_sentences
from pipeline.nlp.ner.tagger import MODEL_PATH
from pipeline.nlp.segment import segment

def test_encode_decode_roundtrip():
    ents = [(0, 2, "PER"), (3, 4, "LOC"), (5, 9, "ORG")]
    labels = encode(10, ents)
    assert labels == ["B-PER", "E-PER", "O", "S-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "E-ORG", "O"]
    assert decode(labels) == ents


def test_decode_is_lenient():
    assert decode(["B-PER", "I-PER", "O", "I-LOC", "E-LOC"]) == [(0, 2, "PER"), (3, 5, "LOC")]


def test_gazetteer_longest_match():
    gaz = NameTypes({"北京": "LOC", "北京市": "LOC", "朝阳区": "LOC", "阿里巴巴": "ORG"})
    assert gazetteer_tags("我在北京市朝阳区", gaz) == ["-", "-", "LOCB", "LOCM", "LOCE", "LOCB", "LOCM", "LOCE"]
    assert gazetteer_tags("今天天气很好", gaz) is None
    assert gazetteer_tags("阿里巴巴", dict(gaz)) == ["ORGB", "ORGM", "ORGM", "ORGE"]  # a plain dict works too


def test_sentences_and_word_spans_offsets():
    text = "第一句话。\n\n张三在上海工作。"
    out = list(document_sentences(text, segment(text)))
    assert [off for off, _, _ in out] == [0, 7]
    assert sum(len(sent) for _, sent, _ in out) == len(text) - 2  # the blank line is not a sentence
    off, sent, words = out[1]
    assert sent == text[off:] and "".join(sent[a:b] for a, b in words) == sent
    # the same word spans when the text is segmented here
    assert list(document_sentences(text)) == out


def test_name_codes():
    from tooling.ner.name_codes import name_codes

    codes = name_codes([("王小明和王芳来了", [(0, 3, "PER"), (4, 6, "PER")]), ("王先生", [(0, 1, "PER")]),
                        ("小明小", [])])
    assert codes["王"] == "20"  # starts a name every time
    assert codes["小"] == "02"  # inside a name in 1 of its 3 occurrences (>= 25 %)
    assert "芳" not in codes  # seen once: too rare


def test_missing_model_file_is_a_clear_error(tmp_path):
    """No silent fallback to another tagger: a missing model file stops with its path in the message."""
    from pipeline.nlp.ner.tagger import NerTagger

    missing = tmp_path / "neural.npz"
    with pytest.raises(FileNotFoundError, match="no NER model at .*neural.npz"):
        NerTagger(missing)
    assert NerTagger(MODEL_PATH).kind == "bilstm-crf[b]"  # the shipped model is there and loads


def test_score_spans_known_values():
    gold = [{(0, 2, "PER"), (3, 5, "LOC"), (6, 8, "TIME")}, {(0, 4, "ORG")}]
    pred = [{(0, 2, "PER"), (3, 6, "LOC")}, {(0, 4, "ORG"), (5, 7, "PER")}]
    gold = [{x for x in g if x[2] in ("PER", "ORG", "LOC")} for g in gold]
    s = score_spans(gold, pred)
    assert s["per_type"]["PER"]["precision"] == 0.5 and s["per_type"]["PER"]["recall"] == 1.0
    assert s["per_type"]["LOC"]["f1"] == 0.0
    assert s["per_type"]["ORG"]["f1"] == 1.0
    assert s["overall"]["precision"] == 0.5 and s["overall"]["recall"] == round(2 / 3, 4)
    assert s["overall"]["f1"] == round(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 4)


SENTENCES = [
    ("马云在杭州创办了阿里巴巴。", [("马云", "PER"), ("杭州", "LOC"), ("阿里巴巴", "ORG")]),
    ("国务院总理李强在北京会见了德国总理。", [("国务院", "ORG"), ("李强", "PER"), ("北京", "LOC"), ("德国", "LOC")]),
    ("清华大学的王教授和张伟一起去了上海。", [("清华大学", "ORG"), ("张伟", "PER"), ("上海", "LOC")]),
    ("比亚迪董事长王传福在合肥宣布新工厂投产。", [("比亚迪", "ORG"), ("王传福", "PER"), ("合肥", "LOC")]),
    ("腾讯公司董事会主席马化腾表示，公司将在深圳建设新总部。", [("腾讯公司", "ORG"), ("马化腾", "PER"), ("深圳", "LOC")]),
    pytest.param(
        "华为将在东莞建设研发中心。",
        [("华为", "ORG"), ("东莞", "LOC")],
        marks=pytest.mark.xfail(reason="known error of the BiLSTM-CRF: 东莞建设研发中心 read as one place (a facility); "
                                       "the city still comes from the gazetteer, see test_city_from_gazetteer_despite_long_span"),
    ),
]


@pytest.mark.parametrize("text,expected", SENTENCES)
def test_tagger_sentences(text, expected):
    tagger = load_tagger()
    spans = tagger.tag(text)
    found = {(text[s:e], t) for s, e, t in spans}
    for item in expected:
        assert item in found, (item, found)
    # spans given the caller's tokens are the same
    assert tagger.tag(text, segment(text)) == spans


def test_msra_convention_splits_places():
    from pipeline.nlp.ner.tagger import NerTagger

    text = "腾讯公司董事会主席马化腾表示，公司将在深圳建设新总部。"
    found = {(text[s:e], t) for s, e, t in NerTagger(convention="m").tag(text)}
    assert {("马化腾", "PER"), ("深圳", "LOC")} <= found
    # the firm is tagged (MSRA also counts 腾讯公司董事会 as one organisation)
    assert any(t == "ORG" and name.startswith("腾讯公司") for name, t in found)


def test_tagger_long_document_offsets():
    tagger = load_tagger()
    para = "小米公司创始人雷军在北京发布了新手机。"
    text = "\n".join([para] * 30) + "，" * 250 + para
    spans = tagger.tag(text)
    assert len([1 for s, e, t in spans if text[s:e] == "雷军" and t == "PER"]) == 31
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)
    assert tagger.tag("") == []


def test_evaluate_ner_cli(tmp_path):
    from tooling.__main__ import main

    bench = tmp_path / "bench.jsonl"
    rows = [
        {"id": "a", "text": "马云在杭州创办了阿里巴巴。", "entities": [
            {"start": 0, "end": 2, "type": "PER", "label": "NR", "text": "马云"},
            {"start": 3, "end": 5, "type": "LOC", "label": "NS", "text": "杭州"},
            {"start": 8, "end": 12, "type": "ORG", "label": "NT", "text": "阿里巴巴"},
            {"start": 5, "end": 7, "type": "TIME", "label": "time", "text": "创办"}]},
        {"id": "b", "text": "今天的天气很好。", "entities": [
            {"start": 0, "end": 2, "type": "LOC", "label": "NS", "text": "今天"}]},
    ]
    bench.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    assert main(["evaluate-ner", str(bench), "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert set(res["per_type"]) == {"PER", "ORG", "LOC"}
    assert res["overall"]["precision"] == 1.0
    assert res["overall"]["recall"] == 0.75
    assert res["overall"]["f1"] == round(2 * 0.75 / 1.75, 4)
    assert res["per_type"]["LOC"]["recall"] == 0.5
    assert res["chars_per_second"] > 0
