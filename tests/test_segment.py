"""Segmentation: tokens slice the text exactly, whitespace is dropped, sentences cover the text."""

from pipeline.nlp.segment import get_tokenizer, segment, split_sentences


def test_offsets_slice_exactly():
    text = "华为技术有限公司2023年营收7042亿元，同比增长9.6%。\n  任正非 表示：“AI 是未来！”Apple Inc. 也在深圳设厂"
    tokens = segment(text)
    assert tokens, "no tokens"
    for tok in tokens:
        assert text[tok.start:tok.end] == tok.word
        assert not tok.word.isspace()
    # tokens are ordered, non-overlapping, and cover every non-space character
    for a, b in zip(tokens, tokens[1:]):
        assert a.end <= b.start
    covered = {i for t in tokens for i in range(t.start, t.end)}
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}


def test_words_are_jieba_words():
    words = [t.word for t in segment("我们在北京大学学习人工智能")]
    assert "北京大学" in words
    assert "人工智能" in words


def test_empty_and_whitespace():
    assert segment("") == []
    assert segment(" \n\t ") == []


def test_tokenizer_is_shared():
    assert get_tokenizer() is get_tokenizer()


def test_split_sentences_cover_text():
    text = "第一句。第二句！“第三句？”\n\n第四句没有句号"
    spans = split_sentences(text)
    pieces = [text[s:e].strip() for s, e in spans]
    assert pieces == ["第一句。", "第二句！", "“第三句？”", "第四句没有句号"]
    assert "".join(text[s:e] for s, e in spans).replace("\n", "") == text.replace("\n", "")


def test_split_sentences_caps_length():
    text = "，".join(["这是一个很长的分句"] * 60) + "。"
    spans = split_sentences(text, max_len=50)
    assert all(e - s <= 50 for s, e in spans)
    assert "".join(text[s:e] for s, e in spans) == text


def test_memoised_cut_equals_jieba_cut():
    """``segment`` reuses the words of repeated blocks: the same words as jieba's own cut."""
    from pipeline.nlp import segment as seg

    text = (
        "新华社北京11月28日电 国务院总理李强28日在人民大会堂会见美国企业家代表。\r\n"
        "华为技术有限公司2023年营收7042亿元，同比增长9.6%；Apple Inc. 也在深圳设厂 v2.0-beta\t\n"
        "新华社北京11月28日电 杭州市余杭区的阿里巴巴、蚂蚁集团和字节跳动……“AI+制造” #1 50% a_b&c"
    )
    seg._memo.clear()
    expected = list(get_tokenizer().cut(text, HMM=True))
    for _ in range(2):  # the second pass takes every short block from the memo
        assert list(seg._cut(text)) == expected
    assert seg._memo, "short blocks are memoised"
    words = [w for w in expected if not w.isspace()]
    assert [t.word for t in segment(text)] == words


def test_prefix_dictionary_cache_equals_a_fresh_build(tmp_path, monkeypatch):
    """The cached prefix dictionary (main + user dictionary) is jieba's own, word for word."""
    import jieba

    from pipeline.nlp import segment as seg

    user_dict = tmp_path / "userdict.txt"
    user_dict.write_text("未来科技城 50 ns\n宇树科技 50 nt\n", encoding="utf-8")
    monkeypatch.setattr(seg, "USER_DICT", user_dict)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path))
    fresh = jieba.Tokenizer()
    fresh.initialize()
    fresh.load_userdict(str(user_dict))
    assert not seg._load_prefix_dict(jieba.Tokenizer())  # nothing cached yet
    seg._save_prefix_dict(fresh)
    assert len(list(tmp_path.glob("jieba-*.pickle"))) == 1
    cached = jieba.Tokenizer()
    assert seg._load_prefix_dict(cached)
    assert cached.FREQ == fresh.FREQ and cached.total == fresh.total
    text = "宇树科技创始人王兴兴在杭州未来科技城说，DeepSeek和阿里巴巴的模型都开源了。"
    assert list(cached.cut(text, HMM=True)) == list(fresh.cut(text, HMM=True))
    assert "未来科技城" in list(cached.cut(text, HMM=True))  # the user dictionary is in the cache
    user_dict.write_text("未来科技城 50 ns\n", encoding="utf-8")  # another user dictionary: another file
    assert not seg._load_prefix_dict(jieba.Tokenizer())
    monkeypatch.setenv("PIPELINE_CACHE_DIR", "")  # switched off: nothing is read
    assert not seg._load_prefix_dict(jieba.Tokenizer())
