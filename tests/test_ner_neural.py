"""The NumPy BiLSTM-CRF: batched run-time code against a plain one-sentence-at-a-time reference."""

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.nlp.ner.bioes import LABELS
from pipeline.nlp.ner.input_fields import FIELDS, field_ids, sentence_fields
from pipeline.nlp.ner.model import CONVENTIONS, NeuralModel
from pipeline.nlp.ner.resources import Resources, given_name_codes
from pipeline.nlp.segment import segment


def _random_model(hidden=5, seed=0):
    rng = np.random.default_rng(seed)
    vocabs = {name: ["\x00UNK", *[f"{name}{k}" for k in range(6)]] for name, _ in FIELDS}
    vocabs["char"] = ["\x00UNK", *"张三在上海工作"]
    arrays = {f"emb_{name}": rng.normal(size=(len(vocabs[name]), dim)).astype(np.float16) for name, dim in FIELDS}
    d_in = sum(dim for _, dim in FIELDS) + len(CONVENTIONS)
    for d in ("f", "b"):
        arrays[f"lstm_w_ih_{d}"] = rng.normal(scale=0.3, size=(d_in, 4 * hidden)).astype(np.float32)
        arrays[f"lstm_w_hh_{d}"] = rng.normal(scale=0.3, size=(hidden, 4 * hidden)).astype(np.float32)
        arrays[f"lstm_b_{d}"] = rng.normal(scale=0.1, size=4 * hidden).astype(np.float32)
    arrays["out_w"] = rng.normal(size=(2 * hidden + len(CONVENTIONS), len(LABELS))).astype(np.float32)
    arrays["out_b"] = rng.normal(size=len(LABELS)).astype(np.float32)
    arrays["trans"] = rng.normal(size=(len(LABELS), len(LABELS))).astype(np.float32)
    arrays["start"] = rng.normal(size=len(LABELS)).astype(np.float32)
    arrays["end"] = rng.normal(size=len(LABELS)).astype(np.float32)
    return arrays, {"vocabs": vocabs}


def _reference_emissions(a, ids, conv):
    """One sentence, step by step, in the textbook LSTM equations (``a``: the network's arrays)."""
    emb = [a[f"emb_{name}"].astype(np.float32) for name, _ in FIELDS]
    x = np.concatenate([np.concatenate([emb[j][ids[i, j]] for j in range(len(FIELDS))] + [conv])
                        for i in range(len(ids))]).reshape(len(ids), -1)
    h_size = a["lstm_w_hh_f"].shape[0]

    def run(seq, d):
        h, c, out = np.zeros(h_size), np.zeros(h_size), []
        for v in seq:
            g = v @ a[f"lstm_w_ih_{d}"] + h @ a[f"lstm_w_hh_{d}"] + a[f"lstm_b_{d}"]
            i, f = 1 / (1 + np.exp(-g[:h_size])), 1 / (1 + np.exp(-g[h_size:2 * h_size]))
            gg, o = np.tanh(g[2 * h_size:3 * h_size]), 1 / (1 + np.exp(-g[3 * h_size:]))
            c = f * c + i * gg
            h = o * np.tanh(c)
            out.append(h)
        return np.array(out)

    hf = run(x, "f")
    hb = run(x[::-1], "b")[::-1]
    return np.concatenate([hf, hb, np.tile(conv, (len(ids), 1))], axis=1) @ a["out_w"] + a["out_b"]


def test_batched_emissions_equal_the_reference():
    arrays, meta = _random_model()
    model = NeuralModel(arrays, meta)
    rng = np.random.default_rng(1)
    batch = [rng.integers(0, 7, size=(n, len(FIELDS))).astype(np.int32) for n in (3, 9, 1, 6, 9, 2)]
    conv = model.convention_vector("m")
    for got, ids in zip(model.emissions(batch, conv), batch):
        assert got.shape == (len(ids), len(LABELS))
        np.testing.assert_allclose(got, _reference_emissions(arrays, ids, conv), rtol=1e-4, atol=1e-4)


def test_ensemble_averages_networks_and_stores_shared_arrays_once():
    from pipeline.nlp.ner.model import combine

    (a1, meta), (a2, _) = _random_model(seed=4), _random_model(seed=5)
    a2["emb_bigram"] = a1["emb_bigram"]  # e.g. frozen word2vec vectors
    arrays, meta2 = combine([(a1, meta), (a2, meta)])
    assert "emb_bigram" in arrays and "0/emb_bigram" not in arrays and "1/out_w" in arrays
    ens = NeuralModel(arrays, meta2)
    one, two = NeuralModel(a1, meta), NeuralModel(a2, meta)
    ids = [np.random.default_rng(6).integers(0, 7, size=(5, len(FIELDS))).astype(np.int32)]
    conv = ens.convention_vector("b")
    np.testing.assert_allclose(ens.emissions(ids, conv)[0],
                               (one.emissions(ids, conv)[0] + two.emissions(ids, conv)[0]) / 2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ens.trans, np.where(one.trans < -1e3, one.trans, (one.trans + two.trans) / 2), rtol=1e-5)


def _best_path(model, scores):
    """Brute force over every label sequence (short sentences only)."""
    best, best_path = -np.inf, None
    for path in itertools.product(range(len(LABELS)), repeat=len(scores)):
        s = model.start[path[0]] + model.end[path[-1]] + sum(scores[i, k] for i, k in enumerate(path))
        s += sum(model.trans[a, b] for a, b in zip(path, path[1:]))
        if s > best:
            best, best_path = s, path
    return [LABELS[k] for k in best_path]


def test_batched_viterbi_is_the_best_allowed_path():
    model = NeuralModel(*_random_model(seed=2))
    rng = np.random.default_rng(3)
    scores = [rng.normal(size=(n, len(LABELS))).astype(np.float32) for n in (4, 1, 3, 0, 4, 2)]
    labels = model.viterbi_batch(scores)
    assert labels[3] == []
    for got, x in zip(labels, scores):
        if len(x):
            assert got == _best_path(model, x)
            # the decoded path never breaks BIOES (B-PER is followed by I-PER / E-PER only, ...)
            assert got[0][0] in "OBS" and got[-1][0] in "OES"


def test_convention_vectors():
    model = NeuralModel(*_random_model())
    assert model.convention_vector("b").tolist() == [1, 0, 0]
    assert np.allclose(model.convention_vector(None), 1 / 3)
    assert model.convention_vector({"c": 1.0, "m": 0.3}).tolist() == [0, np.float32(0.3), 1]


def test_sentence_fields_and_ids():
    text = "张三在上海工作"
    res = Resources({"上海": "LOC"}, None, {"张": "20"})
    words = [(t.start, t.end) for t in segment(text)]
    fields = sentence_fields(text, words, res)
    assert [name for name, _ in FIELDS][:2] == ["char", "bigram"] and len(fields) == len(FIELDS)
    assert all(len(col) == len(text) for col in fields)
    assert fields[1][:2] == ["张三", "三在"] and fields[1][-1] == "作$"
    gaz = fields[[n for n, _ in FIELDS].index("gaz")]
    assert gaz[3:5] == ["LOCB", "LOCE"]
    assert fields[[n for n, _ in FIELDS].index("name")][0] == "20"
    given = fields[[n for n, _ in FIELDS].index("given")]
    assert given[0][0] == "S" and given[1][0] == "-"  # 张 is a surname, 三 is not
    ids = field_ids(fields, NeuralModel(*_random_model()).vocabs)
    assert ids.shape == (len(text), len(FIELDS)) and ids[:, 0].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert (ids[:, 1:] == 0).all()  # values outside the vocabularies are UNK


def test_given_name_codes():
    codes = given_name_codes()
    assert codes["王"][0] == "S" and codes["慕"][0] == "S"  # a surname; the first character of 慕容
    assert codes["明"][1] == "0" and codes["伟"][1] == "0"  # among the most common given-name characters
    assert codes["斯"][2] == "T" and codes["的"][2] == "-"  # a usual transliteration character (克里斯)
    assert "，" not in codes


def test_model_without_a_field_still_tags():
    """A model trained before a field was added reads only the fields it has."""
    arrays, meta = _random_model()
    del arrays["emb_given"], meta["vocabs"]["given"]
    d_in = sum(dim for name, dim in FIELDS if name != "given") + len(CONVENTIONS)
    for d in ("f", "b"):
        arrays[f"lstm_w_ih_{d}"] = arrays[f"lstm_w_ih_{d}"][:d_in]
    model = NeuralModel(arrays, meta)
    assert "given" not in model.fields
    text = "张三在上海工作"
    ids = model.ids(text, [(t.start, t.end) for t in segment(text)], Resources())
    assert ids.shape == (len(text), len(FIELDS) - 1)
    assert len(model.tag_sentences([ids], model.convention_vector("b"))[0]) == len(text)


PARITY_FIXTURE = Path(__file__).parent / "fixtures" / "ner_parity.npz"


def test_numpy_network_gives_the_pytorch_scores_of_the_golden_fixture():
    """NumPy only (every ``make test``): the scores PyTorch computed for a small network
    (``python -m tooling.ner.parity_fixture``) are what ``NeuralModel`` computes."""
    with np.load(PARITY_FIXTURE, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(bytes(z["meta"]).decode("utf-8"))
    assert list(meta["vocabs"]) == [name for name, _ in FIELDS], "re-run python -m tooling.ner.parity_fixture"
    batch = [arrays.pop(f"ids_{i}") for i in range(3)]
    expected = [arrays.pop(f"scores_{i}") for i in range(3)]
    model = NeuralModel(arrays, meta)
    got = model.emissions(batch, model.convention_vector(CONVENTIONS[meta["convention"]]))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    # negative case: another convention gives other scores (the check can fail)
    other = model.emissions(batch, model.convention_vector(CONVENTIONS[meta["convention"] - 1]))
    assert not np.allclose(other[0], expected[0], atol=1e-5)


def test_exported_network_equals_pytorch():
    """The NumPy run-time network gives PyTorch's own scores (only where the ner-train extra is installed)."""
    torch = pytest.importorskip("torch", reason="torch is in the ner-train extra, not needed to build")
    from tooling.ner.train_neural import _Net

    torch.manual_seed(0)
    vocabs = [["\x00UNK", *[f"{name}{k}" for k in range(9)]] for name, _ in FIELDS]
    net = _Net(vocabs, {}, hidden=7, dropout=0.3)
    net.modules.eval()
    arrays, meta = net.export(vocabs, {})
    for emb, (name, _) in zip(net.modules["emb"], FIELDS):  # the export rounds embeddings to float16
        emb.weight.data = torch.tensor(arrays[f"emb_{name}"].astype(np.float32))
    model = NeuralModel(arrays, meta)
    rng = np.random.default_rng(0)
    batch = [rng.integers(0, 10, size=(n, len(FIELDS))) for n in (8, 5, 2)]
    x = torch.zeros((3, 8, len(FIELDS)), dtype=torch.long)
    for i, ids in enumerate(batch):
        x[i, :len(ids)] = torch.from_numpy(ids)
    ref = net.emissions(x, torch.eye(3)[[1, 1, 1]], torch.tensor([8, 5, 2])).detach().numpy()
    got = model.emissions([ids.astype(np.int32) for ids in batch], model.convention_vector("m"))
    for i, ids in enumerate(batch):
        np.testing.assert_allclose(got[i], ref[i, :len(ids)], rtol=1e-5, atol=1e-5)
