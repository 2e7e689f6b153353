"""Estimate extra surnames from the NER training sets: ``python -m tooling.ner.surnames [TRAIN_DIR]``.

A character counts as a surname when it opens at least ``MIN_NAMES`` distinct
three-character Chinese person names (PER spans) of ``eval/ner/train/`` whose
given name is not a transliteration, it is no nickname prefix (小, 老), and the curated ``surnames.txt`` does not
list it. The result is written to ``pipeline/data/vocab/surnames_estimated.txt``
(read by ``pipeline.vocab.surnames_estimated``; used by the person-name check only).
Never run on ``eval/ner/test/``.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

from pipeline import vocab

MIN_NAMES = 3
_CJK3 = re.compile(r"^[\u4e00-\u9fff]{3}$")
DEFAULT_TRAIN = Path("/work/shared/eval/ner/train")


def estimate(records, known, translit, excluded=(), min_names: int = MIN_NAMES) -> list[str]:
    """Characters opening >= min_names distinct non-transliterated PER names, most frequent first
    (``excluded``: nickname prefixes such as 小, 老, 阿, which open names that are not full names)."""
    names: dict[str, set[str]] = collections.defaultdict(set)
    for rec in records:
        for ent in rec["entities"]:
            text = ent["text"]
            if ent["type"] == "PER" and _CJK3.match(text) and not all(c in translit for c in text[1:]):
                names[text[0]].add(text)
    found = [c for c, ns in names.items() if c not in known and len(ns) >= min_names and c not in excluded]
    return sorted(found, key=lambda c: (-len(names[c]), c))


def _records(train_dir: Path):
    for path in sorted(train_dir.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def main(argv: list[str]) -> int:
    train_dir = Path(argv[0]) if argv else DEFAULT_TRAIN
    nicknames = vocab.yaml_data("typing_rules.yaml")["nickname_prefixes"]
    chars = estimate(_records(train_dir), vocab.surnames(), vocab.transliteration_chars(), nicknames)
    out = vocab.VOCAB_DIR / "surnames_estimated.txt"
    header = (
        "# Surnames estimated from the NER training sets (eval/ner/train/): characters that open\n"
        f"# >= {MIN_NAMES} distinct three-character person names there, not in surnames.txt.\n"
        "# Written by `python -m tooling.ner.surnames`; used by the person-name check only.\n"
    )
    out.write_text(header + "".join(c + "\n" for c in chars), encoding="utf-8")
    print(f"{len(chars)} surnames -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
