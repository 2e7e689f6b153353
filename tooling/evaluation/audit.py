"""``python -m tooling audit-sample``: draw entity rows of a release for a precision audit, reproducibly.

Usage::

    python -m tooling audit-sample --release outputs/latest [--n 200] [--seed 12] [--out audit.md]
    python -m tooling audit-sample --jsonl corpus.jsonl --docs 300 [--n 200] [--seed 12] [--out audit.md]

With ``--jsonl``, ``docs`` records of the file are drawn with the same seed and
built in this process (``evaluation.gold.build_plain``: ingest, analyse, tables;
no Dagster), and the rows are drawn from those tables.

For the firm and people tables, ``n`` rows are drawn with ``random.Random(seed)``
from the rows sorted by ID (the same release, ``n`` and seed give the same
rows), and each is printed with up to three of its mentions in context (the
first ones by document and offset), so that a reader can judge whether the row
is a real firm / person. The output is a Markdown table with an empty
``ok`` column to fill in (``y`` / ``n``); ``--score FILE`` reads such a filled
file back and prints the share judged right per table.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import pandas as pd

TABLES = (("firms", "firm_id"), ("people", "person_id"))
CONTEXT = 18


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--release", type=Path, help="a release folder (with firms, people, mentions, documents .parquet)")
    parser.add_argument("--jsonl", type=Path, help="instead of a release: build these records (a random subset) here")
    parser.add_argument("--docs", type=int, default=300, help="with --jsonl: how many records to draw (default 300)")
    parser.add_argument("--n", type=int, default=200, help="rows per table (default 200)")
    parser.add_argument("--seed", type=int, default=12, help="random seed (default 12)")
    parser.add_argument("--out", type=Path, help="write the sample here (Markdown) instead of printing it")
    parser.add_argument("--score", type=Path, help="a filled sample file: print the share of rows judged y per table")


def run(args: argparse.Namespace) -> int:
    if args.score:
        print(score(args.score.read_text(encoding="utf-8")))
        return 0
    if args.jsonl:
        tables, label = build_subset(args.jsonl, args.docs, args.seed), f"{args.jsonl} ({args.docs} records)"
    elif args.release:
        tables, label = read_tables(args.release), str(args.release)
    else:
        print("--release or --jsonl is required (or --score)")
        return 2
    text = draw(tables, label, args.n, args.seed)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


def read_tables(release: Path) -> dict[str, pd.DataFrame]:
    from pipeline.publish.parts import read_release_frames

    return read_release_frames(release, ("firms", "people", "mentions", "documents"))


def build_subset(jsonl: Path, docs: int, seed: int) -> dict[str, pd.DataFrame]:
    """The tables of ``docs`` records of ``jsonl`` drawn with ``seed``, built in this process."""
    import tempfile

    from tooling.evaluation.gold import build_plain

    lines = [ln for ln in jsonl.read_text(encoding="utf-8").splitlines() if ln.strip()]
    picked = sorted(random.Random(seed).sample(range(len(lines)), min(docs, len(lines))))
    with tempfile.TemporaryDirectory(prefix="pipeline-audit-") as tmp:
        (Path(tmp) / jsonl.name).write_text("\n".join(lines[i] for i in picked) + "\n", encoding="utf-8")
        return build_plain(Path(tmp))


def draw(tables: dict[str, pd.DataFrame], label: str, n: int, seed: int) -> str:
    """The Markdown sample of ``n`` firm and ``n`` people rows of ``tables``."""
    mentions = tables["mentions"]
    docs = tables["documents"]
    texts = dict(zip(docs["doc_id"], docs["text"]))
    lines = [f"# Precision audit sample: {label} (n={n}, seed={seed})", ""]
    for table, id_col in TABLES:
        frame = tables[table].sort_values(id_col)
        ids = list(frame[id_col])
        picked = set(random.Random(seed).sample(ids, min(n, len(ids))))
        rows = frame[frame[id_col].isin(picked)]
        mine = mentions[mentions["entity_id"].isin(picked)].sort_values(["entity_id", "doc_id", "char_start"])
        contexts: dict[str, list[str]] = {}
        for eid, doc, s, e in zip(mine["entity_id"], mine["doc_id"], mine["char_start"], mine["char_end"]):
            got = contexts.setdefault(eid, [])
            if len(got) < 3 and doc in texts and texts[doc] is not None:
                t = texts[doc]
                got.append((t[max(0, s - CONTEXT):s] + "【" + t[s:e] + "】" + t[e:e + CONTEXT]).replace("\n", " ").replace("|", "/"))
        lines += [f"## {table} ({len(rows)} of {len(frame)} rows)", "", "| ok | id | name | mentions | contexts |", "|---|---|---|---|---|"]
        for eid, name, count in zip(rows[id_col], rows["name"], rows["mention_count"]):
            lines.append(f"|  | {eid} | {name} | {count} | {' ◇ '.join(contexts.get(eid, []))} |")
        lines.append("")
    return "\n".join(lines)


def score(filled: str) -> str:
    """Share of rows marked ``y`` per table section of a filled sample."""
    out, table, yes, total = [], None, 0, 0
    for line in filled.splitlines() + ["## end"]:
        if line.startswith("## "):
            if table is not None and total:
                out.append(f"{table}: {yes}/{total} = {yes / total:.3f}")
            table, yes, total = line[3:].split(" ")[0], 0, 0
            continue
        m = re.match(r"^\|\s*([yn])\s*\|", line)
        if m:
            total += 1
            yes += m.group(1) == "y"
    return "\n".join(out)
