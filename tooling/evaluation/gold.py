"""``python -m tooling evaluate``: build a release from gold sets' texts and score it.

Usage::

    python -m tooling evaluate --gold DIR [--gold DIR ...] [--raw DIR] [--split odd|even|all]
                                [--json FILE] [--engine dagster|plain] [-v]

Each ``--gold`` folder is one *set* of ``*.gold.json`` files. A gold file's
``doc`` names its raw text, looked up beside the gold file first (the layout
of ``shared/eval/dev/``), then in ``--raw`` (default ``raw/``). ``--split odd``
keeps the files whose name's first number is odd (d01, d03 ...: the half
rules may be tuned on), ``even`` the others (the held-back half: report its
figures, never read its errors).

The texts of all sets are staged into one temporary raw folder (one subfolder
per set) and built once, with a temporary Dagster instance (``--engine
dagster``, the default: the same graph as ``make run``) or straight through
``ingest`` -> ``nlp.analyse`` -> ``tables.build_tables`` (``--engine plain``).
A text without front matter gets its publication date as front matter when
the set's ``SOURCES.md`` has a table row whose first cell is the file name and
another cell a ``YYYY-MM-DD`` date (the dev set's layout), so that 今年 and
the like are anchored as they would be for a dated source.

Scoring follows the evaluation README (``evaluation.scoring``); figures are
printed per set and in total. ``-v`` lists each set's misses and false
positives.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from tooling.evaluation.scoring import format_report, score


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", required=True, type=Path, action="append",
                        help="folder of *.gold.json files (one set; repeat for several)")
    parser.add_argument("--raw", type=Path, default=Path(os.environ.get("PIPELINE_RAW_DIR", "raw")),
                        help="where texts not beside their gold file are (default: raw/)")
    parser.add_argument("--split", choices=("all", "odd", "even"), default="all",
                        help="odd: files numbered 1, 3, ... (tuning half); even: the held-back half")
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    parser.add_argument("--engine", choices=("dagster", "plain"), default="dagster",
                        help="build through the Dagster graph (default) or plain Python")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")


def run(args: argparse.Namespace) -> int:
    sets = [(d, select(load_golds(d), args.split)) for d in args.gold]
    if not any(golds for _d, golds in sets):
        print(f"no *.gold.json files ({args.split}) in {', '.join(map(str, args.gold))}")
        return 2
    with tempfile.TemporaryDirectory(prefix="pipeline-eval-") as tmp:
        staged = stage_texts(sets, args.raw, Path(tmp) / "raw")
        tables = build(Path(tmp) / "raw", Path(tmp), engine=args.engine)
    reports = {}
    all_golds = []
    for name, golds in staged:
        reports[name] = score(tables, golds, verbose=args.verbose)
        print(format_report(reports[name], title=name))
        all_golds.extend(golds)
    if len(staged) > 1:
        reports["total"] = score(tables, all_golds)
        print(format_report(reports["total"], title="total"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        out = reports[staged[0][0]] if len(staged) == 1 else reports
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


# -- choosing and staging the texts -------------------------------------------------------------
_NUMBER = re.compile(r"\d+")
_DATE_CELL = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_golds(gold_dir: Path) -> list[dict]:
    out = []
    for p in sorted(Path(gold_dir).glob("*.gold.json")):
        gold = json.loads(p.read_text(encoding="utf-8"))
        gold["_path"] = str(p)
        out.append(gold)
    return out


def select(golds: list[dict], split: str) -> list[dict]:
    """The gold files of one half: by the parity of the first number in the file name.

    A set none of whose files is numbered (the sample's gold) is not split: it is kept whole.
    """
    if split == "all" or not any(_NUMBER.search(Path(g["_path"]).name) for g in golds):
        return golds
    out = []
    for g in golds:
        m = _NUMBER.search(Path(g["_path"]).name)
        if m and (int(m.group()) % 2 == 1) == (split == "odd"):
            out.append(g)
    return out


def source_dates(gold_dir: Path) -> dict[str, str]:
    """file name -> publication date, from the rows of the tables in the set's SOURCES.md."""
    path = Path(gold_dir) / "SOURCES.md"
    if not path.exists():
        return {}
    dates = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0]:
            continue
        date = next((c for c in cells[1:] if _DATE_CELL.match(c)), None)
        if date:
            dates[cells[0]] = date
    return dates


def stage_texts(sets: list[tuple[Path, list[dict]]], raw_dir: Path, staging: Path) -> list[tuple[str, list[dict]]]:
    """Copy each gold file's text into ``staging/<set>/``; return (set name, golds with ``doc`` re-pointed)."""
    staged = []
    used: set[str] = set()
    for gold_dir, golds in sets:
        name = Path(gold_dir).resolve().name
        while name in used:
            name += "_"
        used.add(name)
        dates = source_dates(gold_dir)
        out = []
        for gold in golds:
            doc = gold["doc"]
            src = Path(gold_dir) / doc
            if not src.exists():
                src = Path(raw_dir) / doc
            if not src.exists():
                raise SystemExit(f"{gold['_path']}: its text {doc} is neither beside it nor in {raw_dir}")
            dest = staging / name / doc
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            if Path(doc).name in dates and not data.removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
                data = f"---\npublished_at: {dates[Path(doc).name]}\n---\n".encode() + data
            dest.write_bytes(data)
            out.append({**gold, "doc": f"{name}/{doc}"})
        staged.append((name, out))
    return staged


# -- building ---------------------------------------------------------------------------
def build(raw_dir: Path, tmp: Path, engine: str = "dagster") -> dict[str, pd.DataFrame]:
    """The tables of a release built from ``raw_dir`` (in a temporary folder ``tmp``), with full texts."""
    old_text = os.environ.get("PIPELINE_PUBLISH_TEXT")
    os.environ["PIPELINE_PUBLISH_TEXT"] = "all"  # spans are located in documents.text
    try:
        if engine == "dagster":
            try:
                from pipeline.defs.headless import build_release
            except ImportError:
                engine = "plain"
        if engine == "plain":
            return build_plain(raw_dir)
        return _build_dagster(build_release, raw_dir, tmp)
    finally:
        if old_text is None:
            os.environ.pop("PIPELINE_PUBLISH_TEXT", None)
        else:
            os.environ["PIPELINE_PUBLISH_TEXT"] = old_text


def _build_dagster(build_release, raw_dir: Path, tmp: Path) -> dict[str, pd.DataFrame]:
    old_home = os.environ.get("DAGSTER_HOME")
    home = tmp / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        outcome = build_release(raw_dir, tmp / "out", progress=False)
    finally:
        if old_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old_home
    if not outcome.success:
        raise SystemExit("build failed:\n" + "\n".join(outcome.failures))
    release = Path(outcome.release_path) if outcome.release_path else tmp / "out" / "latest"
    return read_release(release)


def build_plain(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """ingest -> analyse -> build_tables in this process, no Dagster."""
    from pipeline.ingest import list_sources, read_source
    from pipeline.nlp.analyse import analyse
    from pipeline.tables import build_tables

    documents, errors = [], []
    for unit in list_sources(Path(raw_dir)):
        docs, errs = read_source(Path(raw_dir), unit.key)
        documents.extend(docs)
        errors.extend(errs)
    seen: set[str] = set()
    documents = [d for d in documents if not (d.doc_id in seen or seen.add(d.doc_id))]
    analyses = [analyse(d) for d in documents]
    return build_tables(documents, analyses, errors)


def read_release(release: Path) -> dict[str, pd.DataFrame]:
    """Every table of a release as pandas (single files or a partitioned release's parts)."""
    from pipeline.publish.parts import read_release_frames

    return read_release_frames(release)
