"""Reading span-level NER benchmarks (JSONL) and turning them into CRF training sentences.

Format (``../shared/eval/README.md``): one record a line,
``{"id", "text", "entities": [{"start", "end", "type", "label", "text"}], "source"}``.
Only PER/ORG/LOC spans count; the dataset's ``type`` is kept (CLUENER company /
organization / government are ORG, address / scene are LOC; Boson company_name
/ org_name are ORG), and TIME / PRODUCT / WORK / POSITION are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.nlp.segment import split_sentences

TYPES = ("PER", "ORG", "LOC")


@dataclass
class Record:
    id: str
    text: str
    entities: list[tuple[int, int, str]]  # PER/ORG/LOC only, sorted
    source: str  # file stem, e.g. "msra_dev"


def read_jsonl(path: Path) -> Iterator[Record]:
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            r = json.loads(line)
            text = r["text"]
            ents = sorted(
                {(e["start"], e["end"], e["type"]) for e in r.get("entities", [])
                 if e.get("type") in TYPES and 0 <= e["start"] < e["end"] <= len(text)}
            )
            yield Record(str(r.get("id", n)), text, ents, path.stem)


def read_dir(directory: Path) -> list[Record]:
    out: list[Record] = []
    for p in sorted(Path(directory).glob("*.jsonl")):
        out.extend(read_jsonl(p))
    return out


def sentence_spans(text: str, entities: list[tuple[int, int, str]], max_len: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text``, merged where a gold entity would cross a boundary."""
    spans = split_sentences(text, max_len)
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and any(es < out[-1][1] < ee for es, ee, _ in entities):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out
