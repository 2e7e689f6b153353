"""Word segmentation with jieba, and sentence splitting, with exact character offsets.

``segment(text)`` returns ``Token``s whose ``start``/``end`` slice ``text``
exactly to the word. It uses one dedicated ``jieba.Tokenizer`` per process,
built lazily on first use with the project's user dictionary
(``pipeline/data/jieba_userdict.txt``, jieba's ``word [freq] [pos]`` format)
when that file exists; the words of short, repeated text blocks are reused
within a process (the same words as jieba's cut: see ``_cut``). Whitespace is
not returned as tokens. Part-of-speech is
not computed here: ``jieba.posseg`` is several times slower and nothing
downstream needs it (the NER model reads a word's usual part of speech from
the dictionary, ``ner.dictionary_tags.word_pos``).

``split_sentences(text)`` cuts text into sentence spans (end punctuation,
newlines, and a length cap) for the stages that work sentence by sentence.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import threading
from pathlib import Path

from pipeline.cache import cache_dir, write_atomic
from pipeline.records import Token

USER_DICT = Path(__file__).resolve().parent.parent / "data" / "jieba_userdict.txt"

_lock = threading.Lock()
_tokenizer = None


def get_tokenizer():
    """The process-wide ``jieba.Tokenizer`` (default dictionary + user dictionary)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                if not _load_prefix_dict(tok):
                    tok.initialize()
                    if USER_DICT.exists():
                        tok.load_userdict(str(USER_DICT))
                    _save_prefix_dict(tok)
                _tokenizer = tok
    return _tokenizer


def _prefix_dict_path(tok) -> Path | None:
    """Cache file of the merged prefix dictionary, named by jieba's version and both dictionaries."""
    import jieba

    folder = cache_dir()
    if folder is None:
        return None
    main = Path(tok.dictionary) if tok.dictionary else Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    st = main.stat()
    h = hashlib.sha256(f"{jieba.__version__}|{main}|{st.st_size}|{st.st_mtime_ns}".encode())
    h.update(USER_DICT.read_bytes() if USER_DICT.exists() else b"")
    return folder / f"jieba-{h.hexdigest()[:20]}.pickle"


def _load_prefix_dict(tok) -> bool:
    """Set ``tok``'s prefix dictionary from the cache (jieba's own cache is marshal, ~3x slower
    to load than pickle, and holds the main dictionary only); False when there is none."""
    try:
        path = _prefix_dict_path(tok)
        if path is None or not path.exists():
            return False
        with path.open("rb") as fh:
            tok.FREQ, tok.total, tok.user_word_tag_tab = pickle.load(fh)
    except Exception:  # a damaged or foreign cache file: build the dictionary instead
        return False
    tok.initialized = True
    return True


def _save_prefix_dict(tok) -> None:
    try:
        path = _prefix_dict_path(tok)
    except OSError:
        return
    if path is not None:
        write_atomic(path, pickle.dumps((tok.FREQ, tok.total, tok.user_word_tag_tab), protocol=5))


def cut_words(text: str) -> list[str]:
    """jieba's accurate-mode cut (HMM on) of ``text``; the pieces concatenate to ``text``."""
    return list(get_tokenizer().cut(text, HMM=True))


# jieba cuts a text block by block: runs of Han characters, letters, digits and +#&._%-
# (``jieba.re_han_default``) are each cut on their own (dictionary DAG, best route, HMM
# for unknown runs), the rest split at whitespace into single characters. The words of a
# block depend on the block's text only, so the words of short blocks, which repeat
# a lot in news text (names, places, set phrases), are kept per process and reused.
# ``_cut`` is ``Tokenizer.cut(text, HMM=True)`` of jieba 0.42.1 with that memo
# (``tests/test_segment.py`` checks it against jieba's own cut).
MAX_MEMO_BLOCK = 16  # characters; longer blocks seldom repeat
MAX_MEMO_ENTRIES = 50_000  # then no more are added (bounded memory: ~25 MB a process)
_memo: dict[str, tuple[str, ...]] = {}


def _cut(text: str):
    import jieba

    tok = get_tokenizer()
    cut_block = tok._Tokenizer__cut_DAG  # accurate mode with HMM, one block
    re_han, re_skip = jieba.re_han_default, jieba.re_skip_default
    memo = _memo
    for blk in re_han.split(text):
        if not blk:
            continue
        if re_han.match(blk):
            words = memo.get(blk)
            if words is None:
                words = tuple(cut_block(blk))
                if len(blk) <= MAX_MEMO_BLOCK and len(memo) < MAX_MEMO_ENTRIES:
                    memo[blk] = words
            yield from words
        else:
            for x in re_skip.split(blk):
                if re_skip.match(x):
                    yield x
                else:
                    yield from x


def segment(text: str) -> list[Token]:
    """Segment ``text`` into word tokens with character offsets (end exclusive)."""
    tokens: list[Token] = []
    append = tokens.append
    pos = 0
    for word in _cut(text):
        end = pos + len(word)
        if not word.isspace():
            append(Token(pos, end, word))
        pos = end
    return tokens


_SENT_END = re.compile(r"[。！？!?；;]+[”’」』）)\"']*|\n+|\r+")


def split_sentences(text: str, max_len: int = 200) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` covering ``text`` (whitespace-only spans dropped).

    Cuts after 。！？!?；; (with any closing quotes or brackets) and at line
    breaks; a piece longer than ``max_len`` is cut further at ，, or, failing
    that, every ``max_len`` characters.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        _add_span(text, start, m.end(), max_len, spans)
        start = m.end()
    _add_span(text, start, len(text), max_len, spans)
    return spans


def _add_span(text: str, start: int, end: int, max_len: int, out: list[tuple[int, int]]) -> None:
    while end - start > max_len:
        cut = max(text.rfind("，", start, start + max_len), text.rfind(",", start, start + max_len))
        cut = cut + 1 if cut > start else start + max_len
        _append(text, start, cut, out)
        start = cut
    _append(text, start, end, out)


def _append(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    if end > start and not text[start:end].isspace():
        out.append((start, end))
