"""A synthetic ``.jsonl`` corpus from the repo's sample article, for tests that need many units.

Each record is a different shuffle of the sample article's sentences, so a test
gets as many source units as it wants without ``../shared``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "raw" / "hangzhou_deepseek.txt"


def _sentences() -> list[str]:
    text = SAMPLE.read_text(encoding="utf-8")
    return [s for s in re.split(r"(?<=[。！？])", text.replace("\n", "")) if len(s.strip()) > 5]


def synthetic_records(n: int, seed: int = 18, start: int = 0) -> list[dict]:
    """``n`` records (ids ``s<start>`` ...) of the sample article's sentences, shuffled per record."""
    sentences = _sentences()
    out = []
    for i in range(start, start + n):
        rng = random.Random(seed * 100_003 + i)
        picked = rng.sample(sentences, k=min(len(sentences), 12))
        out.append({"id": f"s{i:05d}", "title": f"样本{i}", "text": "".join(picked),
                    "published_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"})
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
