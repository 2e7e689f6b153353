"""What jieba's dictionaries say about a word: its name class and its part of speech (loaded once).

Read from jieba's dictionary and the project's user dictionary, by the NER
input fields (``input_fields.py``) and by the entity typing rules
(``nlp.entities``, ``nlp.context_rules``). The tags are the dictionary's, not
a tagger's, so a word has the same tag wherever it occurs.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.nlp.segment import USER_DICT, get_tokenizer

_NAME_TAGS = {"nr": "nr", "nrt": "nr", "nrfg": "nr", "ns": "ns", "nt": "nt", "nz": "nz", "j": "j"}
_word_tags: dict[str, str] | None = None
_word_pos: dict[str, str] | None = None


def word_tags() -> dict[str, str]:
    """{word: name class} from jieba's dictionary and the project's user dictionary (loaded once)."""
    if _word_tags is None:
        _load_dictionary_tags()
    return _word_tags  # type: ignore[return-value]


def word_pos() -> dict[str, str]:
    """{word: part-of-speech tag} of the dictionaries' words whose tag is not a noun class (loaded once).

    Dictionary words missing here are nouns (``n``, or a name class of
    ``word_tags``); the tag is the dictionary's, not a tagger's, so it is the
    same for a word wherever it occurs (v, vn, a, d, m, q, p, u, c, t, f, ...).
    """
    if _word_pos is None:
        _load_dictionary_tags()
    return _word_pos  # type: ignore[return-value]


def _load_dictionary_tags() -> None:
    global _word_tags, _word_pos
    tags: dict[str, str] = {}
    pos: dict[str, str] = {}
    tok = get_tokenizer()
    files = [tok.get_dict_file()]
    if USER_DICT.exists():
        files.append(USER_DICT.open("rb"))
    intern: dict[str, str] = {}
    for fh in files:
        with fh:
            for raw in fh:
                parts = raw.decode("utf-8").split()
                if len(parts) < 3:
                    continue
                t = parts[2]
                if t in _NAME_TAGS:
                    tags[parts[0]] = _NAME_TAGS[t]
                elif t[0] != "n":
                    pos[parts[0]] = intern.setdefault(t, t)
                else:
                    pos.pop(parts[0], None)  # a later (user) entry as a noun overrides
    _word_pos = pos
    _word_tags = tags


def word_class(w: str, tags: Mapping[str, str], freq: Mapping[str, int]) -> str:
    """A word's class: "C" a single character, its name class (nr / ns / nt / nz / j), "W" another
    dictionary word, "U" a word jieba's HMM made up."""
    if len(w) == 1:
        return "C"
    t = tags.get(w)
    if t is not None:
        return t
    return "W" if freq.get(w) else "U"
