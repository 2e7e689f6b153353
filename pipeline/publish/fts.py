"""Full-text search over Chinese text with SQLite's plain ``unicode61`` tokenizer.

Chinese has no spaces, so ``unicode61`` alone would index a whole run of Chinese
characters as one word, and the ``trigram`` tokenizer cannot match queries of
one or two characters (杭州, 阿里, 华为, 京). Instead, the text given to the FTS
index is rewritten (:func:`index_text`): each run of Chinese characters becomes
its overlapping character pairs, in order (杭州市 -> ``杭州 州市``), followed by its
single characters; other text (Latin words, numbers) is kept as it is.

A query is rewritten the same way (:func:`match_query`): a term with Chinese
characters becomes the *phrase* of its pairs (``"杭州 州市"``), which matches
exactly the texts holding it as a substring; a one-character term matches the
single characters. So any substring of one or more characters is found, like
``LIKE '%…%'`` but through the index. ``make serve`` rewrites Datasette's
``_search`` this way (``datasette_plugins/pipeline_release.py``); anyone querying
``dataset.sqlite`` directly uses :func:`match_query` (or the pairs by hand).
"""

from __future__ import annotations

import re

TOKENIZER = "unicode61"
SQL_FUNCTION = "pipeline_fts"  # the SQL function writing index_text (registered while writing)
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """(the sequence of index tokens, the single Chinese characters) of ``text``."""
    sequence: list[str] = []
    chars: list[str] = []
    pos = 0
    for m in CJK_RUN.finditer(text):
        if m.start() > pos:
            sequence.append(text[pos:m.start()])
        run = m.group()
        sequence.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        chars.extend(run)
        pos = m.end()
    if pos < len(text):
        sequence.append(text[pos:])
    return sequence, chars


def index_text(value) -> str | None:
    """The text to index for ``value``: character pairs in order, then single characters."""
    if value is None:
        return None
    sequence, chars = _tokens(str(value))
    return " ".join(sequence + chars)


def match_query(query: str) -> str:
    """An FTS5 ``MATCH`` expression for a user's query: each term as a phrase of index tokens (AND)."""
    terms = []
    for term in query.split():
        if term.startswith('"') and term.endswith('"') and len(term) > 1:
            term = term[1:-1]
        if not term:
            continue
        sequence, _ = _tokens(term)
        terms.append('"' + " ".join(sequence).replace('"', '""') + '"')
    return " ".join(terms)


def has_cjk(text: str) -> bool:
    return bool(CJK_RUN.search(text or ""))


def register(con) -> None:
    """Make ``pipeline_fts(text)`` (= ``index_text``) available on an ``sqlite3`` connection."""
    con.create_function(SQL_FUNCTION, 1, index_text, deterministic=True)
