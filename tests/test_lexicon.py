"""The lexicon loader: shipped entries, aliases, case folding, a user-added file, bad rows."""

import pytest

from pipeline.nlp.lexicon import (
    DATA_DIR,
    LexiconError,
    build_lexicon,
    lexicon_files,
    load_lexicon,
    read_entries,
)


def test_shipped_entries_and_aliases():
    lex = load_lexicon()
    assert lex.lookup("阿里").name == "阿里巴巴"
    assert lex.lookup("浙大").name == "浙江大学"
    assert lex.lookup("浙大").type == "org" and lex.lookup("浙大").kind == "university"
    assert lex.lookup("证监会").kind == "regulator"
    assert lex.lookup("马斯克").name == "埃隆·马斯克"
    assert lex.lookup("淘宝").type == "product"


def test_latin_forms_fold_case_only_when_long():
    lex = load_lexicon()
    assert lex.lookup("deepseek").name == "DeepSeek"
    assert lex.lookup("NVIDIA").name == "英伟达"
    assert lex.lookup("AMD").name == "AMD"
    assert lex.lookup("amd") is None  # short forms match only as written


def test_user_file_adds_and_overrides(tmp_path, monkeypatch):
    user = tmp_path / "mine.csv"
    user.write_text(
        "name,type,aliases,kind\n"
        "星河动力,firm,星河|Galactic Energy,company\n"
        "苹果,stop,,\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIPELINE_LEXICON", str(user))
    files = lexicon_files()
    assert files[-1] == user and DATA_DIR / "entities.csv" in files
    lex = load_lexicon()
    assert lex.lookup("星河").name == "星河动力"
    assert lex.lookup("galactic energy").type == "firm"
    assert lex.lookup("苹果").type == "stop"  # the later file overrides the shipped row
    assert lex.lookup("阿里").name == "阿里巴巴"  # shipped entries still there
    monkeypatch.delenv("PIPELINE_LEXICON")
    assert load_lexicon().lookup("星河") is None


def test_bad_rows_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,type\n好公司,firm\n坏行,company\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad.csv:3"):
        read_entries(bad)
    bad.write_text("name,type,kind\n某大学,org,school\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="org kind"):
        read_entries(bad)


def test_bom_and_blank_rows(tmp_path):
    f = tmp_path / "excel.csv"
    f.write_text("\ufeffname,type,aliases\n\n某某资本,firm,某某\n", encoding="utf-8")
    lex = build_lexicon([f])
    assert lex.lookup("某某").name == "某某资本"
    assert len(lex) == 1
