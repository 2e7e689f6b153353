"""``python -m pipeline evaluate``: build a release from a raw folder and score it against gold files.

Usage::

    python -m pipeline evaluate --gold DIR [--raw DIR] [--json FILE] [--engine dagster|plain]

The release is built into a temporary folder, with a temporary Dagster
instance (``--engine dagster``, the default: the same graph as ``make run``), or
straight through ``ingest`` -> ``nlp.analyse`` -> ``tables.build_tables`` in this
process (``--engine plain``: same code, no Dagster; used by the tests).

Scoring (``/work/shared/eval/README.md``), per gold file and its document (the
gold's ``doc`` is the raw file's path): for people, firms, organisations,
cities, provinces and countries, the predicted entities are the rows with a
mention in the document; a predicted entity and a gold entry match when one of
the entity's names (name, aliases, the surface forms of its mentions in that
document) equals the gold name or one of its aliases (for cities, also a gold
``via``; gold city entries with the same name are one entry). Each gold entry
and each predicted entity is matched at most once (maximum bipartite
matching). Metrics match when the value agrees within a relative tolerance of
1e-3 (``metrics_value``), and the unit too (``metrics_value_unit``), and the
subject (its names as above) includes the gold subject
(``metrics_value_unit_subject``); the share of value+unit matches with the
right year and qualifier is reported too. Counts are summed over documents
(micro-average).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd

ENTITY_KINDS = (
    # (report key, gold key, table, id column, entity types)
    ("people", "people", "people", "person_id", ("person",)),
    ("firms", "firms", "firms", "firm_id", ("firm",)),
    ("orgs", "orgs", "organizations", "org_id", ("org",)),
    ("cities", "cities", "cities", "city_id", ("city",)),
    ("provinces", "provinces", "regions", "region_id", ("province",)),
    ("countries", "countries", "regions", "region_id", ("country",)),
)
METRIC_LEVELS = ("metrics_value", "metrics_value_unit", "metrics_value_unit_subject")
HEADLINE = ("people", "firms", "cities", *METRIC_LEVELS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", required=True, type=Path, help="folder of *.gold.json files")
    parser.add_argument("--raw", type=Path, default=Path(os.environ.get("PIPELINE_RAW_DIR", "raw")), help="raw folder (default: raw/)")
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    parser.add_argument("--engine", choices=("dagster", "plain"), default="dagster",
                        help="build through the Dagster graph (default) or plain Python")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")


def run(args: argparse.Namespace) -> int:
    golds = load_golds(args.gold)
    if not golds:
        print(f"no *.gold.json files in {args.gold}")
        return 2
    with tempfile.TemporaryDirectory(prefix="pipeline-eval-") as tmp:
        tables = build(args.raw, Path(tmp), engine=args.engine)
    report = score(tables, golds, verbose=args.verbose)
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


# -- building ---------------------------------------------------------------------------
def build(raw_dir: Path, tmp: Path, engine: str = "dagster") -> dict[str, pd.DataFrame]:
    """The tables of a release built from ``raw_dir`` (in a temporary folder ``tmp``)."""
    if engine == "dagster":
        try:
            from pipeline.defs.headless import build_release
        except ImportError:
            engine = "plain"
    if engine == "plain":
        return build_plain(raw_dir)
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
    return {p.stem: pd.read_parquet(p) for p in sorted(release.glob("*.parquet"))}


def load_golds(gold_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(gold_dir).glob("*.gold.json"))]


# -- scoring ----------------------------------------------------------------------------
def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "predicted": n_pred, "gold": n_gold}


def _match(pred: list[set[str]], gold: list[set[str]]) -> list[tuple[int, int]]:
    """Maximum bipartite matching between predicted and gold name sets (non-empty intersection)."""
    adj = [[j for j, g in enumerate(gold) if p & g] for p in pred]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(pred)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def _find_doc(tables: dict[str, pd.DataFrame], gold_doc: str) -> str | None:
    docs = tables["documents"]
    for doc_id, path in zip(docs["doc_id"], docs["source_path"]):
        if path == gold_doc or Path(str(path)).name == Path(gold_doc).name:
            return str(doc_id)
    return None


def _gold_entries(kind: str, gold: dict) -> list[tuple[str, set[str]]]:
    items = gold.get(kind) or []
    out: dict[str, set[str]] = {}
    for it in items:
        if isinstance(it, str):
            out.setdefault(it, set()).add(it)
            continue
        names = out.setdefault(it["name"], set())
        names.add(it["name"])
        names.update(it.get("aliases") or [])
        if it.get("via"):
            names.add(it["via"])
    return list(out.items())


def _entity_names(tables, doc_id: str) -> dict[str, set[str]]:
    """entity_id -> its names (name, aliases, mention forms in the document) for entities mentioned in the doc."""
    mentions = tables["mentions"]
    mentions = mentions[mentions["doc_id"] == doc_id]
    names: dict[str, set[str]] = defaultdict(set)
    for eid, text in zip(mentions["entity_id"], mentions["text"]):
        names[str(eid)].add(str(text))
    for table, id_col in (("people", "person_id"), ("firms", "firm_id"), ("organizations", "org_id"), ("cities", "city_id"), ("regions", "region_id")):
        frame = tables.get(table)
        if frame is None:
            continue
        for eid, name, aliases in zip(frame[id_col], frame["name"], frame["aliases"]):
            if str(eid) in names:
                names[str(eid)].add(str(name))
                names[str(eid)].update(str(a) for a in (aliases if aliases is not None else []))
    return names


def _year_qualifier_pairs(level_pairs: dict[str, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Pairs matched on value + unit + subject, then the value + unit pairs of the facts left over."""
    pairs = list(level_pairs.get("metrics_value_unit_subject", []))
    used_p, used_g = {i for i, _ in pairs}, {j for _, j in pairs}
    pairs += [(i, j) for i, j in level_pairs.get("metrics_value_unit", []) if i not in used_p and j not in used_g]
    return pairs


def score(tables: dict[str, pd.DataFrame], golds: list[dict], verbose: bool = False) -> dict:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    year_ok = qual_ok = matched_vu = 0
    details: list[str] = []
    for gold in golds:
        doc_id = _find_doc(tables, gold["doc"])
        if doc_id is None:
            details.append(f"{gold['doc']}: not in the release")
        names = _entity_names(tables, doc_id) if doc_id else {}
        mentions = tables["mentions"]
        doc_mentions = mentions[mentions["doc_id"] == doc_id] if doc_id else mentions.iloc[0:0]
        for key, gold_key, _table, _id, types in ENTITY_KINDS:
            eids = sorted(set(doc_mentions.loc[doc_mentions["entity_type"].isin(types), "entity_id"].astype(str)))
            pred = [names[e] for e in eids]
            gold_items = _gold_entries(gold_key, gold)
            pairs = _match(pred, [g for _n, g in gold_items])
            c = counts[key]
            c[0] += len(pairs)
            c[1] += len(pred)
            c[2] += len(gold_items)
            if verbose:
                hit_p = {i for i, _ in pairs}
                hit_g = {j for _, j in pairs}
                fps = [sorted(pred[i])[0] if len(pred[i]) == 1 else "/".join(sorted(pred[i])) for i in range(len(pred)) if i not in hit_p]
                fns = [gold_items[j][0] for j in range(len(gold_items)) if j not in hit_g]
                details.append(f"{gold['doc']} {key}: missed {fns}, false {fps}")
        # metrics
        metrics = tables["metrics"]
        dm = metrics[metrics["doc_id"] == doc_id] if doc_id else metrics.iloc[0:0]
        preds = dm.to_dict("records")
        gms = gold.get("metrics") or []
        level_pairs: dict[str, list[tuple[int, int]]] = {}
        for level in METRIC_LEVELS:
            adj_pred = []
            for p in preds:
                subj_names = names.get(str(p["subject_id"]), set()) | ({str(p["subject_name"])} if pd.notna(p["subject_name"]) else set())
                row = set()
                for j, g in enumerate(gms):
                    if not _close(float(p["value"]), float(g["value"])):
                        continue
                    if level != "metrics_value" and str(p["unit"]) != str(g["unit"]):
                        continue
                    if level == "metrics_value_unit_subject" and g.get("subject") not in subj_names:
                        continue
                    row.add(j)
                adj_pred.append(row)
            pairs = _match_sets(adj_pred, len(gms))
            c = counts[level]
            c[0] += len(pairs)
            c[1] += len(preds)
            c[2] += len(gms)
            level_pairs[level] = pairs
            if verbose and level == "metrics_value_unit_subject":
                hit_g = {j for _, j in pairs}
                details.append(f"{gold['doc']} metrics (value+unit+subject) missed: {[gms[j]['span'] for j in range(len(gms)) if j not in hit_g]}")
        # Year and qualifier of each fact matched on value + unit, paired with the gold fact
        # of the same subject where there is one (two 三分之一 facts must not be crossed).
        for i, j in _year_qualifier_pairs(level_pairs):
            matched_vu += 1
            py, gy = preds[i]["year"], gms[j].get("year")
            year_ok += int((pd.isna(py) and gy is None) or (not pd.isna(py) and gy is not None and int(py) == int(gy)))
            qual_ok += int(str(preds[i]["qualifier"]) == str(gms[j].get("qualifier")))
    report = {k: _prf(*counts[k]) for k in [*(e[0] for e in ENTITY_KINDS), *METRIC_LEVELS]}
    report["metrics_year_correct"] = round(year_ok / matched_vu, 4) if matched_vu else None
    report["metrics_qualifier_correct"] = round(qual_ok / matched_vu, 4) if matched_vu else None
    report["documents"] = len(golds)
    if verbose:
        report["details"] = details
    return report


def _match_sets(adj: list[set[int]], n_gold: int) -> list[tuple[int, int]]:
    return _match([{f"g{j}" for j in row} for row in adj], [{f"g{j}"} for j in range(n_gold)])


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-3 * max(abs(b), 1e-12)


def format_report(report: dict) -> str:
    lines = [f"{'':<28}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'pred':>6}{'gold':>6}"]
    for key in [*(e[0] for e in ENTITY_KINDS), *METRIC_LEVELS]:
        r = report[key]
        lines.append(f"{key:<28}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['tp']:>6}{r['predicted']:>6}{r['gold']:>6}")
    for key in ("metrics_year_correct", "metrics_qualifier_correct"):
        v = report.get(key)
        lines.append(f"{key:<28}{'-' if v is None else f'{v:.3f}':>8}")
    for d in report.get("details", []):
        lines.append(d)
    return "\n".join(lines)
