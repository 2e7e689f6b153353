"""Firm context of names that no suffix types: media outlets, employers, sources of figures.

Used by ``nlp.entities`` on the model's spans:

- ``paired_context``: a name with a cue on both sides -- a media outlet (接受X等媒体群访,
  据X报道, 对X表示) or an employer (在X工作, 加入X担任) -- is a firm. The cue pairs are
  data (``firm_context_pairs`` in ``pipeline/data/vocab/typing_rules.yaml``); one side
  alone says too little (在北京, 对手表示);
- ``business_in_place``: a name followed by 在<place><business verb> (中航锂电在厦门扩建, X在合肥设立)
  is a firm (``firm_place_verbs``);
- ``source_not_person``: a model person span cited as the source of figures (据沙利文数据,
  根据弗若斯特统计) is an organisation that publishes data, not a person.

Plain functions over the text; no model.
"""

from __future__ import annotations

import functools
import re

from pipeline import vocab

BEFORE_WINDOW = 6  # characters looked at before a name
AFTER_WINDOW = 6


@functools.lru_cache(maxsize=1)
def context_pairs() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(before cues, after cues) pairs, longest cue first."""
    pairs = vocab.yaml_data("typing_rules.yaml").get("firm_context_pairs") or []
    return tuple(
        (tuple(sorted(p["before"], key=len, reverse=True)), tuple(sorted(p["after"], key=len, reverse=True)))
        for p in pairs
    )


def paired_context(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` between a before-cue and an after-cue of one pair (在|麦肯锡|工作)?"""
    before = text[max(0, start - BEFORE_WINDOW) : start]
    after = text[end : end + AFTER_WINDOW].lstrip()
    return any(before.endswith(b) and after.startswith(a) for b, a in context_pairs())


def source_not_person(text: str, start: int, end: int, source_before, source_after) -> bool:
    """Is the span cited as the source of figures (据|沙利文|数据)? ``source_before``/``source_after``
    are the cue tuples of ``typing_rules.yaml`` (source_cue_before / source_cue_after)."""
    before = text[max(0, start - BEFORE_WINDOW) : start].rstrip()
    after = text[end : end + AFTER_WINDOW].lstrip()
    return before.endswith(source_before) and after.startswith(source_after)


@functools.lru_cache(maxsize=1)
def _place_verb_re() -> re.Pattern:
    verbs = sorted(vocab.yaml_data("typing_rules.yaml").get("firm_place_verbs") or [], key=len, reverse=True)
    return re.compile(r"\s*在([\u4e00-\u9fff]{1,4}?)(?:" + "|".join(map(re.escape, verbs)) + ")")


def business_in_place(text: str, end: int, is_place) -> bool:
    """Does 在<place><business verb> follow the name ending at ``end`` (中航锂电|在厦门扩建)?
    ``is_place(word)`` says whether the word between is a place name."""
    m = _place_verb_re().match(text, end)
    return bool(m) and is_place(m.group(1))
