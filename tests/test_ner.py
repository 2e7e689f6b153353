"""The entity recogniser: BIOES coding, scoring, and the shipped model on sentences it must get right."""

import json

import pytest

from pipeline.nlp.ner import load_tagger
from pipeline.nlp.ner.evaluate import score_spans
from pipeline.nlp.ner.features import Gazetteer, decode, document_features, encode, gazetteer_tags
from pipeline.nlp.ner.tagger import CRF_PATH, MODEL_PATH
from pipeline.nlp.segment import segment

needs_model = pytest.mark.skipif(not MODEL_PATH.exists(), reason="no trained model in pipeline/data/ner/")


def test_encode_decode_roundtrip():
    ents = [(0, 2, "PER"), (3, 4, "LOC"), (5, 9, "ORG")]
    labels = encode(10, ents)
    assert labels == ["B-PER", "E-PER", "O", "S-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "E-ORG", "O"]
    assert decode(labels) == ents


def test_decode_is_lenient():
    assert decode(["B-PER", "I-PER", "O", "I-LOC", "E-LOC"]) == [(0, 2, "PER"), (3, 5, "LOC")]


def test_gazetteer_longest_match():
    gaz = Gazetteer({"北京": "LOC", "北京市": "LOC", "朝阳区": "LOC", "阿里巴巴": "ORG"})
    assert gazetteer_tags("我在北京市朝阳区", gaz) == ["-", "-", "LOCB", "LOCM", "LOCE", "LOCB", "LOCM", "LOCE"]
    assert gazetteer_tags("今天天气很好", gaz) is None
    assert gazetteer_tags("阿里巴巴", dict(gaz)) == ["ORGB", "ORGM", "ORGM", "ORGE"]  # a plain dict works too


def test_features_per_character_and_offsets():
    text = "第一句话。\n\n张三在上海工作。"
    out = list(document_features(text, segment(text)))
    assert [off for off, _ in out] == [0, 7]
    assert sum(len(f) for _, f in out) == len(text) - 2  # the blank line is not a sentence
    assert "c0=张" in out[1][1][0]


def test_hashlittle_reference_values():
    from pipeline.nlp.ner.crf import hashlittle, hashlittle_many

    # lookup3.c's own self-test values: hashlittle("", 0, 0) and "Four score and seven years ago"
    assert hashlittle(b"") == 0xDEADBEEF
    assert hashlittle(b"Four score and seven years ago", 0) == 0x17770551
    assert hashlittle(b"Four score and seven years ago", 1) == 0xCD628161
    keys = [b"", b"c0=\xe4\xb8\xad\x00", b"x" * 12, b"y" * 13, b"z" * 24, b"w=" + "北京市海淀区".encode() + b"\x00"]
    assert hashlittle_many(keys) == [hashlittle(k) for k in keys]


def _tiny_crfsuite_model(path):
    """A small crfsuite model trained with per-convention copies of every feature (as train-ner does)."""
    import pycrfsuite

    from pipeline.nlp.ner.features import adapt

    trainer = pycrfsuite.Trainer(verbose=False)
    data = [
        ("张三在上海工作", ["B-PER", "E-PER", "O", "B-LOC", "E-LOC", "O", "O"], "@m"),
        ("李四去北京了", ["B-PER", "E-PER", "O", "B-LOC", "E-LOC", "O"], "@b"),
        ("王五在北京市海淀区", ["B-PER", "E-PER", "O", "B-LOC", "I-LOC", "I-LOC", "I-LOC", "I-LOC", "E-LOC"], "@c"),
        ("上海的张三", ["B-LOC", "E-LOC", "O", "B-PER", "E-PER"], "@b"),
    ]
    seqs = []
    for text, labels, dom in data:
        feats = [["c0=" + ch, "c-1=" + (text[i - 1] if i else "^")] for i, ch in enumerate(text)]
        seqs.append(feats)
        trainer.append(adapt(feats, dom, None), labels)
    trainer.set_params({"c1": 0.0, "c2": 0.1, "max_iterations": 30, "feature.possible_transitions": True})
    trainer.train(str(path))
    return seqs


def test_crf_npz_roundtrip_and_folded_conventions(tmp_path):
    """crf.npz keeps crfsuite's exact weights; folding a convention tags like the copies do."""
    import pycrfsuite

    from pipeline.nlp.ner.crf import CrfModel, InMemoryTagger
    from pipeline.nlp.ner.features import adapt

    seqs = _tiny_crfsuite_model(tmp_path / "m.crfsuite")
    seqs.append([["c0=" + ch, "c-1=x"] for ch in "赵六在深圳"])
    ref = pycrfsuite.Tagger()
    ref.open(str(tmp_path / "m.crfsuite"))
    model = CrfModel.from_crfsuite(tmp_path / "m.crfsuite")
    model.save(tmp_path / "m.npz")
    loaded = CrfModel.load(tmp_path / "m.npz")
    assert loaded.attrs == model.attrs and loaded.labels == model.labels
    assert (loaded.feat_weight == model.feat_weight).all()
    same = InMemoryTagger(loaded.to_crfsuite())
    for conv in ("b", "m", "c", None):
        folded = loaded.tagger(conv, ("b", "m", "c"))
        assert not any("@" in a for a in loaded.folded(conv, ("b", "m", "c")).attrs)
        for feats in seqs:
            full = adapt(feats, "@" + conv, None) if conv else feats
            ref.set(full)
            labels = ref.tag()
            assert same.tag(full) == labels
            assert folded.tag(feats) == labels
            # the score of the best path is the same (up to rounding)
            folded._tagger.set(feats)
            assert abs(folded._tagger.probability(labels) - ref.probability(labels)) < 1e-9


def test_name_codes_and_extended_features(tmp_path):
    from pipeline.nlp.ner.clusters import load
    from pipeline.nlp.ner.features import ADAPTED, Resources, adapt, name_codes

    codes = name_codes([("王小明和王芳来了", [(0, 3, "PER"), (4, 6, "PER")]), ("王先生", [(0, 1, "PER")]),
                        ("小明小", [])])
    assert codes["王"] == "20"  # starts a name every time
    assert codes["小"] == "02"  # inside a name in 1 of its 3 occurrences (>= 25 %)
    assert "芳" not in codes  # seen once: too rare
    (tmp_path / "clusters.tsv").write_text("# test\nw\t北京\t3\t17\nc\t王\t1\t9\n", encoding="utf-8")
    clusters = load(tmp_path / "clusters.tsv")
    res = Resources({"北京": "LOC"}, clusters, codes)
    text = "王小明在北京"
    (off, feats), = document_features(text, segment(text), res)
    assert off == 0 and len(feats) == len(text)
    assert len({len(f) for f in feats}) == 1  # the same templates for every character
    assert "wk=3" in feats[4] and "wf=17" in feats[4] and "g=LOCB" in feats[4]
    assert "cf=9" in feats[0] and "nm=2002x" in feats[0]  # 王 starts names, 小 is inside one, 明 too rare
    assert len(adapt(feats, "@b", ADAPTED)[0]) == len(feats[0]) + ADAPTED
    # without clusters and names the base features are unchanged
    base = Resources({"北京": "LOC"}, extended=False)
    assert list(document_features(text, segment(text), base)) == list(document_features(text, segment(text), {"北京": "LOC"}))


def test_suffix_words_and_distance_features():
    from pipeline.nlp.ner.features import Resources, sentence_features, suffix_words

    text = "华为公司和腾讯公司在深圳市"
    words = [(0, 2), (2, 4), (4, 5), (5, 7), (7, 9), (9, 10), (10, 12), (12, 13)]
    ents = [(0, 4, "ORG"), (5, 9, "ORG"), (10, 13, "LOC")]
    sfx = suffix_words([(text, words, ents)] * 2, min_count=3)
    assert sfx == {"公司": "ORG"}  # 市 ends only 2 LOC names here; 深圳 is a whole name, not a suffix
    feats = sentence_features(text, words, Resources(clusters=None, names={}, suffixes=sfx))
    assert "os=1B" in feats[0] and "os=0B" in feats[2] and "os=-S" in feats[9] and "ls=-S" in feats[9]


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


@needs_model
@pytest.mark.parametrize("text,expected", SENTENCES)
def test_tagger_sentences(text, expected):
    tagger = load_tagger()
    spans = tagger.tag(text)
    found = {(text[s:e], t) for s, e, t in spans}
    for item in expected:
        assert item in found, (item, found)
    # spans given the caller's tokens are the same
    assert tagger.tag(text, segment(text)) == spans


@needs_model
def test_msra_convention_splits_places():
    from pipeline.nlp.ner.tagger import NerTagger

    text = "腾讯公司董事会主席马化腾表示，公司将在深圳建设新总部。"
    found = {(text[s:e], t) for s, e, t in NerTagger(convention="m").tag(text)}
    assert {("马化腾", "PER"), ("深圳", "LOC")} <= found
    # the firm is tagged (MSRA also counts 腾讯公司董事会 as one organisation)
    assert any(t == "ORG" and name.startswith("腾讯公司") for name, t in found)


@needs_model
def test_tagger_long_document_offsets():
    tagger = load_tagger()
    para = "小米公司创始人雷军在北京发布了新手机。"
    text = "\n".join([para] * 30) + "，" * 250 + para
    spans = tagger.tag(text)
    assert len([1 for s, e, t in spans if text[s:e] == "雷军" and t == "PER"]) == 31
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)
    assert tagger.tag("") == []


@needs_model
def test_evaluate_ner_cli(tmp_path):
    from pipeline.__main__ import main

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


def test_folded_model_cache_gives_the_same_tags(tmp_path, monkeypatch):
    """The folded model is written to the cache once and read back by later taggers, same labels."""
    from pipeline.nlp.ner.tagger import NerTagger

    text = "阿里巴巴创始人马云在杭州出席活动，宇树科技的王兴兴也在场。北京大学的学者参加了会议。"
    monkeypatch.setenv("PIPELINE_CACHE_DIR", "")
    uncached = NerTagger(CRF_PATH, convention="c").tag(text)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path))
    first = NerTagger(CRF_PATH, convention="c").tag(text)
    files = list(tmp_path.glob("*.crfsuite"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    second = NerTagger(CRF_PATH, convention="c").tag(text)
    assert uncached == first == second
    assert uncached  # the sentence has entities: the comparison is not between empty lists
