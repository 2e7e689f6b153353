"""Where the per-document time goes: each NLP interface timed on its own, in one process.

``python -m tooling bench --nlp-stages N`` reads the first N corpus records
through the real reader (``ingest.read_source``) and times, document by
document, the public interfaces of ``docs/ARCHITECTURE.md`` in pipeline order:
``segment``, ``NerTagger.tag`` (with the tokens), ``recognize``,
``find_relations``, ``extract_facts``; plus bare ``jieba.posseg.cut`` on the
same texts as the yardstick. Models are loaded before timing. The result is
seconds and characters per second per stage, so that a change in one stage
shows up directly (the Dagster step times of the main benchmark lump them).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tooling.bench.measure import CorpusRecord, write_slice

STAGES = ("read", "segment", "ner_tag", "recognize", "relations", "facts")


def nlp_stage_times(records: list[CorpusRecord]) -> dict:
    """``{"documents", "chars", "seconds": {stage: s}, "jieba_posseg_s"}`` over ``records``."""
    import jieba
    import jieba.posseg

    from pipeline.ingest import list_sources, read_source
    from pipeline.nlp.analyse import warm_up
    from pipeline.nlp.entities import recognize
    from pipeline.nlp.facts import extract_facts
    from pipeline.nlp.ner import load_tagger
    from pipeline.nlp.relations import find_relations
    from pipeline.nlp.segment import segment

    warm_up()
    jieba.initialize()
    tagger = load_tagger()
    seconds = dict.fromkeys(STAGES, 0.0)
    chars = docs = 0
    posseg_s = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-nlp-") as tmp:
        raw = Path(tmp)
        write_slice(records, raw)
        for unit in list_sources(raw):
            t0 = time.perf_counter()
            documents, _errors = read_source(raw, unit.key)
            seconds["read"] += time.perf_counter() - t0
            for doc in documents:
                docs += 1
                chars += len(doc.text)
                t = time.perf_counter()
                tokens = segment(doc.text)
                t, seconds["segment"] = _lap(t, seconds["segment"])
                spans = tagger.tag(doc.text, tokens)
                t, seconds["ner_tag"] = _lap(t, seconds["ner_tag"])
                mentions = recognize(doc, tokens, spans)
                t, seconds["recognize"] = _lap(t, seconds["recognize"])
                find_relations(doc, mentions)
                t, seconds["relations"] = _lap(t, seconds["relations"])
                extract_facts(doc, tokens, mentions)
                t, seconds["facts"] = _lap(t, seconds["facts"])
                for _pair in jieba.posseg.cut(doc.text):
                    pass
                posseg_s += time.perf_counter() - t
    return {"documents": docs, "chars": chars, "seconds": seconds, "jieba_posseg_s": posseg_s, "ner_kind": tagger.kind}


def _lap(t: float, acc: float) -> tuple[float, float]:
    now = time.perf_counter()
    return now, acc + (now - t)


def format_stage_times(result: dict) -> str:
    chars = result["chars"]
    total = sum(result["seconds"].values())
    lines = [
        f"NLP stages, one process, {result['documents']} documents, {chars:,} chars "
        f"(NER: {result['ner_kind']}):",
        f"  {'stage':<12} {'s':>8} {'share':>6} {'chars/s':>12}",
    ]
    for stage, sec in result["seconds"].items():
        cps = chars / sec if sec else float("inf")
        lines.append(f"  {stage:<12} {sec:8.2f} {sec / total:6.0%} {cps:12,.0f}")
    lines.append(f"  {'all':<12} {total:8.2f} {1:6.0%} {chars / total:12,.0f}")
    ps = result["jieba_posseg_s"]
    lines.append(f"  {'(posseg)':<12} {ps:8.2f} {'':>6} {chars / ps:12,.0f}   bare jieba.posseg.cut, same texts")
    lines.append(f"  one process does all NLP at {ps / total:.2f}x the peer's speed")
    return "\n".join(lines)
