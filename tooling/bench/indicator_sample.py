"""A reproducible sample of metric -> indicator mappings, for judging the mapping's precision by hand.

``python -m tooling.bench.indicator_sample RAW_DIR [RAW_DIR ...] [--n 100] [--seed 13]``
builds the tables of the raw folders in this process (``evaluation.gold.build_plain``:
ingest -> analyse -> tables, no Dagster), and prints the share of metrics mapped to
an indicator and a tab-separated sample of ``n`` mapped rows (metric, unit,
indicator, span_text, sentence), drawn with ``seed``: a judge marks each row right
or wrong. The figures and the judged sample are recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def sample_rows(raw_dirs: list[Path], n: int, seed: int) -> tuple[int, int, list[dict]]:
    """(metrics, mapped metrics, a sample of n mapped rows)."""
    from tooling.evaluation.gold import build_plain

    rows, total = [], 0
    for raw in raw_dirs:
        tables = build_plain(raw)
        names = dict(zip(tables["indicators"]["indicator_id"], tables["indicators"]["name"]))
        m = tables["metrics"]
        total += len(m)
        for r in m[m["indicator_id"].notna()].itertuples():
            rows.append({"metric": r.metric, "unit": r.unit, "indicator": names[r.indicator_id],
                         "span_text": r.span_text, "sentence": r.sentence[:80]})
    mapped = len(rows)
    random.Random(seed).shuffle(rows)
    return total, mapped, rows[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="+", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    total, mapped, rows = sample_rows(args.raw, args.n, args.seed)
    print(f"# metrics {total}, mapped {mapped} ({mapped / max(total, 1):.3f}); sample of {len(rows)}, seed {args.seed}")
    for i, r in enumerate(rows, 1):
        print(f"{i}\t{r['metric']}\t{r['unit']}\t{r['indicator']}\t{r['span_text']}\t{r['sentence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
