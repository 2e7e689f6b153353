"""``python -m tooling bench``: throughput, memory and incremental-rebuild benchmark.

For each fraction of the corpus (default 10 %, 25 %, 50 %, 100 % of
``../shared/corpus/xwlb.jsonl``) it builds a release from raw to published on
a fresh temp Dagster instance and output folder, and reports documents,
characters, wall time, characters per second, peak RSS of the process tree,
the time of each Dagster step, the throughput of bare single-process
``jieba.posseg.cut`` over the same text and the ratio of the two; then it adds
one new document and times the incremental rebuild to a new release (and a
rebuild with nothing changed). ``--json FILE`` writes the results for scripts
(see ``tooling.bench.report``); ``--markdown FILE`` writes a Markdown section.

``--nlp-stages N`` instead times each NLP interface on N documents in one
process (``nlp_stages``), to see which stage to make faster.

Modules: ``measure`` (corpus slices, RSS sampler, jieba peer), ``runner`` (one
benchmark point), ``report`` (table, JSON, Markdown), ``nlp_stages``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

DEFAULT_CORPUS = Path("../shared/corpus/xwlb.jsonl")
DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
ROOT = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=None, help=f"a .jsonl corpus, one {{\"text\": ...}} record a line (default {DEFAULT_CORPUS})")
    parser.add_argument(
        "--fraction", type=float, action="append", default=None,
        help="fraction of the corpus to build, in (0, 1]; repeat for several (default 0.1 0.25 0.5 1.0)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, default=None, help="write the results as a Markdown section to this file")
    parser.add_argument("--workdir", type=Path, default=None, help="where to create the temp raw/output/instance folders (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folders (raw, releases, DAGSTER_HOME) for inspection")
    parser.add_argument("--progress", action="store_true", help="show the build's progress bar")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare jieba.posseg.cut measurement")
    parser.add_argument("--no-incremental", action="store_true", help="skip the incremental and no-change rebuilds")
    parser.add_argument(
        "--nlp-stages", type=int, default=None, metavar="N",
        help="instead of building: time each NLP interface (read, segment, NER, recognize, relations, facts) "
        "on the first N documents in one process",
    )


def resolve_corpus(path: Path | None) -> Path | None:
    candidates = [path] if path is not None else [DEFAULT_CORPUS, ROOT / DEFAULT_CORPUS]
    for cand in candidates:
        if cand.is_file():
            return cand
    return None


def run(args: argparse.Namespace) -> int:
    from tooling.bench import report
    from tooling.bench.measure import load_corpus
    from tooling.bench.runner import bench_fraction

    corpus = resolve_corpus(args.corpus)
    if corpus is None:
        wanted = args.corpus or DEFAULT_CORPUS
        print(
            f"error: benchmark corpus not found: {wanted}\n"
            "  The default is ../shared/corpus/xwlb.jsonl beside the project checkout;\n"
            "  pass another with --corpus FILE (a .jsonl file, one {\"text\": ...} record a line).",
            file=sys.stderr,
        )
        return 2
    fractions = args.fraction or list(DEFAULT_FRACTIONS)
    bad = [f for f in fractions if not 0 < f <= 1]
    if bad:
        print(f"error: --fraction must be in (0, 1], got {bad}", file=sys.stderr)
        return 2
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    records = load_corpus(corpus)
    total_chars = sum(len(r.text) for r in records)
    print(f"corpus {corpus}: {len(records):,} documents, {total_chars:,} characters", flush=True)
    if args.nlp_stages:
        from tooling.bench.nlp_stages import format_stage_times, nlp_stage_times

        print(format_stage_times(nlp_stage_times(records[: args.nlp_stages])))
        return 0
    results = []
    for fraction in fractions:
        print(f"-- fraction {fraction:.0%}: building ...", flush=True)
        res = bench_fraction(
            records, fraction, work_base=args.workdir, keep=args.keep, progress=args.progress,
            baseline=not args.no_baseline, incremental=not args.no_incremental,
        )
        results.append(res)
        print(report.text_table([res]), flush=True)
        for failure in res.get("failed", []):
            print(f"error: the build failed: {failure}", file=sys.stderr)
    print()
    print(report.text_table(results))
    command = "python -m tooling bench " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if sys.argv[1:2] == ["bench"] else "python -m tooling bench"
    if args.json:
        report.write_json(results, args.json)
        print(f"wrote {args.json}")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report.markdown(results, command.strip()), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 1 if any(r.get("failed") for r in results) else 0
