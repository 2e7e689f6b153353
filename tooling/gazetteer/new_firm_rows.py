"""Precision audit of what a lexicon change adds: the firm rows of a build that an earlier build lacks.

Two steps, so that the two builds can come from two source trees::

    # in each tree (before and after the change): build records of a corpus, keep the tables
    python -m tooling.gazetteer.new_firm_rows save --jsonl ../shared/corpus/xwlb.jsonl --docs 1423 --out /tmp/after
    # then draw n of the firm rows whose name the earlier build has not (Markdown, for judging by hand)
    python -m tooling.gazetteer.new_firm_rows draw --before /tmp/before --after /tmp/after --n 50 --out audit.md

The filled file is scored with ``python -m tooling audit-sample --score audit.md``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pandas as pd

TABLES = ("firms", "mentions", "documents")
CONTEXT = 30


def save(jsonl: Path, docs: int, seed: int, out: Path) -> None:
    from tooling.evaluation.audit import build_subset

    tables = build_subset(jsonl, docs, seed)
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        tables[name].to_parquet(out / f"{name}.parquet")


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


def _contexts(tables: dict[str, pd.DataFrame], ids: set[str]) -> dict[str, list[str]]:
    texts = dict(zip(tables["documents"]["doc_id"], tables["documents"]["text"]))
    mine = tables["mentions"][tables["mentions"]["entity_id"].isin(ids)].sort_values(["entity_id", "doc_id", "char_start"])
    out: dict[str, list[str]] = {}
    for eid, doc, s, e in zip(mine["entity_id"], mine["doc_id"], mine["char_start"], mine["char_end"]):
        got = out.setdefault(eid, [])
        t = texts.get(doc)
        if len(got) < 3 and t is not None:
            got.append((t[max(0, s - CONTEXT):s] + "【" + t[s:e] + "】" + t[e:e + CONTEXT]).replace("\n", " ").replace("|", "/"))
    return out


def draw(before: Path, after: Path, n: int, seed: int) -> str:
    """Markdown: n of the firm rows of ``after`` whose name no firm row of ``before`` has, with contexts."""
    old, new = _read(before), _read(after)
    known = set(old["firms"]["name"])
    added = new["firms"][~new["firms"]["name"].isin(known)].sort_values("firm_id")
    ids = list(added["firm_id"])
    picked = set(random.Random(seed).sample(ids, min(n, len(ids))))
    rows = added[added["firm_id"].isin(picked)]
    contexts = _contexts(new, picked)
    lines = [
        f"# New firm rows: {len(added)} of {len(new['firms'])} firm rows are not in the earlier build "
        f"({len(old['firms'])} rows) (n={n}, seed={seed})",
        "",
        f"## firms ({len(rows)} of {len(added)} new rows)",
        "",
        "| ok | id | name | mentions | contexts |",
        "|---|---|---|---|---|",
    ]
    for eid, name, count in zip(rows["firm_id"], rows["name"], rows["mention_count"]):
        lines.append(f"|  | {eid} | {name} | {count} | {' ◇ '.join(contexts.get(eid, []))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tooling.gazetteer.new_firm_rows", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save", help="build records of a corpus and keep the firms, mentions and documents tables")
    s.add_argument("--jsonl", type=Path, required=True)
    s.add_argument("--docs", type=int, default=300)
    s.add_argument("--seed", type=int, default=12)
    s.add_argument("--out", type=Path, required=True)
    d = sub.add_parser("draw", help="draw the firm rows of --after whose name --before lacks")
    d.add_argument("--before", type=Path, required=True)
    d.add_argument("--after", type=Path, required=True)
    d.add_argument("--n", type=int, default=50)
    d.add_argument("--seed", type=int, default=12)
    d.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "save":
        save(args.jsonl, args.docs, args.seed, args.out)
        return 0
    text = draw(args.before, args.after, args.n, args.seed)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
