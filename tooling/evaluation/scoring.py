"""Scoring a release's tables against document-level gold files.

Belongs here: the scoring rules of the evaluation data's README
(``shared/eval/README.md``), as pure functions of the published tables (a
mapping of table name to DataFrame) and the parsed gold files. Building the
release, choosing the files and printing are in ``evaluation.gold``.

The rules, per gold file and the document it names:

- **Entities** (people, firms, orgs, cities, provinces, countries): the
  predicted entities are the rows of that type with a mention in the document.
  A predicted entity and a gold entry match when one of the entity's names
  (name, aliases, the surface forms of its mentions in the document) equals
  the gold name or an alias (cities: also the ``via``; a trailing 市 ignored on
  both sides; gold cities of the same name are one entry).
- **Metrics**: a prediction matches a gold fact when its ``[char_start,
  char_end)`` overlaps an occurrence of the gold ``span`` in the document's
  text (where the span cannot be located, on value alone), its value agrees
  in magnitude within a relative tolerance of 1e-3 (a share as 0.7 or 70), and,
  at the stricter levels, its unit (``year`` and ``年`` alike) and its subject
  (one of the subject's names equals the gold subject or one of its listed
  alternatives; a ``null`` subject accepts any).
- **Relations**: the kind equals the gold ``relation`` and the subject and
  object each name the gold ones: one of the predicted entity's names equals
  the gold name or an alias the gold file lists for that entity (cities: a
  trailing 市 ignored); ``role`` is not scored. The table holds one row per
  subject, relation and object, so a gold triple listed twice (two pieces of
  evidence) counts once.
- **Optional** gold entries are not counted: a prediction that matches one is
  neither a hit nor a false positive. Matching is one to one (maximum bipartite
  matching), required entries first, then optional ones.

Counts are summed over documents (micro-average). Diagnostics besides P/R/F1:
the year and qualifier of value+unit matches, the sign agreement, the subject
precision of metrics whose subject is ``explicit``, the share of metrics with
a year in dated documents, and the share mapped to an indicator.

The share with a year counts the metrics whose value refers to a year (the contract's
``year``: "the year the value refers to"): a duration (用了七年, 37 个月, unit 年/月/天 ...)
is a length of time, not a quantity observed in a year, and the gold conventions leave
durations undated and make time frames attributes of other facts, so durations are left out
of its denominator (``metrics_with_year_in_dated_docs``); the share over every metric, durations
included, is reported beside it (``metrics_with_year_all_in_dated_docs``). Founding years
(unit ``year``: the value is itself a date, and the gold leaves their ``year`` null) are left
out of the first share like durations; ages (岁, dated in the gold) stay in both. A document is dated when the
pipeline has a date to speak from (``pipeline.nlp.dates.document_date``): its ``published_at``,
else a dateline in its first lines; ``documents_dated`` counts them, and where no scored document
is dated the report says so and how to give a date, instead of a bare ``(of 0)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from pipeline.nlp.dates import document_date

ENTITY_KINDS = (
    # (report key, gold key, entity types)
    ("people", "people", ("person",)),
    ("firms", "firms", ("firm",)),
    ("orgs", "orgs", ("org",)),
    ("cities", "cities", ("city",)),
    ("provinces", "provinces", ("province",)),
    ("countries", "countries", ("country",)),
)
ENTITY_TABLES = (
    ("people", "person_id"), ("firms", "firm_id"), ("organizations", "org_id"),
    ("cities", "city_id"), ("regions", "region_id"),
)
METRIC_LEVELS = ("metrics_value", "metrics_value_unit", "metrics_value_unit_subject")
SCORED = (*(k for k, _g, _t in ENTITY_KINDS), "relations", *METRIC_LEVELS)
RELATIVE_TOLERANCE = 1e-3
YEAR_UNITS = {"year", "年"}
# units of a length of time (pipeline/data/metrics/units.csv, kind duration): not dated (see the module doc)
DURATION_UNITS = {"年", "月", "季度", "周", "天", "日", "小时", "分钟", "秒"}


# -- small helpers ------------------------------------------------------------------------
def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "predicted": n_pred, "gold": n_gold}


def max_matching(adj: list[Iterable[int]]) -> dict[int, int]:
    """Maximum bipartite matching: prediction i -> gold j, given each prediction's candidate golds."""
    adj = [list(a) for a in adj]
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

    for i in range(len(adj)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def match_required_first(n_pred: int, golds: list[dict], fits: Callable[[int, int], bool]) -> tuple[dict[int, int], set[int]]:
    """One-to-one matching: required golds first, then the optional ones with the predictions left.

    Returns (prediction -> required gold index, predictions matched to an optional gold).
    """
    required = [j for j, g in enumerate(golds) if not g.get("optional")]
    optional = [j for j, g in enumerate(golds) if g.get("optional")]
    hits = max_matching([[j for j in required if fits(i, j)] for i in range(n_pred)])
    left = [i for i in range(n_pred) if i not in hits]
    opt = max_matching([[j for j in optional if fits(i, j)] for i in left])
    return hits, {left[k] for k in opt}


def _norm_city(name: str) -> str:
    return name[:-1] if len(name) > 1 and name.endswith("市") else name


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RELATIVE_TOLERANCE * max(abs(b), 1e-12)


def value_matches(pred_value: float, gold_value: float, unit: str | None) -> bool:
    """Magnitude agreement; a share may be written as 0.7 or 70."""
    a, b = abs(float(pred_value)), abs(float(gold_value))
    if _close(a, b):
        return True
    return unit == "%" and (_close(a * 100, b) or _close(a, b * 100))


def unit_matches(pred_unit: object, gold_unit: object) -> bool:
    p, g = str(pred_unit), str(gold_unit)
    return p == g or (p in YEAR_UNITS and g in YEAR_UNITS)


def span_ranges(text: str | None, span: str | None) -> list[tuple[int, int]] | None:
    """Every occurrence of ``span`` in ``text``; None when it cannot be located."""
    if not text or not span:
        return None
    out, start = [], text.find(span)
    while start >= 0:
        out.append((start, start + len(span)))
        start = text.find(span, start + 1)
    return out or None


# -- the document view of a release ---------------------------------------------------------
class DocumentView:
    """What the release says about one document: its text, entities and their names."""

    def __init__(self, tables: dict[str, pd.DataFrame], doc_id: str | None):
        self.doc_id = doc_id
        docs = tables["documents"]
        row = docs[docs["doc_id"] == doc_id]
        self.text = None
        self.published_at = None
        if len(row):
            if "text" in row and pd.notna(row["text"].iloc[0]):
                self.text = str(row["text"].iloc[0])
            if "published_at" in row and pd.notna(row["published_at"].iloc[0]):
                self.published_at = row["published_at"].iloc[0]
        self.dated = document_date(_as_date(self.published_at), self.text or "") is not None
        mentions = tables["mentions"]
        self.mentions = mentions[mentions["doc_id"] == doc_id] if doc_id else mentions.iloc[0:0]
        self.names: dict[str, set[str]] = defaultdict(set)
        for eid, text in zip(self.mentions["entity_id"], self.mentions["text"]):
            self.names[str(eid)].add(str(text))
        for table, id_col in ENTITY_TABLES:
            frame = tables.get(table)
            if frame is None or not len(frame):
                continue
            for eid, name, aliases in zip(frame[id_col], frame["name"], frame["aliases"]):
                if str(eid) in self.names:
                    self.names[str(eid)].add(str(name))
                    self.names[str(eid)].update(str(a) for a in (aliases if aliases is not None else []))
        self.type_of = {str(e): str(t) for e, t in zip(self.mentions["entity_id"], self.mentions["entity_type"])}

    def entity_names(self, entity_id: object, written: object = None) -> set[str]:
        """The names of an entity (plus a name written in the row), cities without a trailing 市 too."""
        out = set(self.names.get(str(entity_id), set())) if entity_id is not None and not _isna(entity_id) else set()
        if written is not None and not _isna(written):
            out.add(str(written))
        return out | {_norm_city(n) for n in out}


def _as_date(value: object):
    """A ``published_at`` cell as a date (None when empty or unreadable)."""
    if value is None or _isna(value):
        return None
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def _isna(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def find_document(tables: dict[str, pd.DataFrame], gold_doc: str) -> str | None:
    """The doc_id of the gold's document: its source path equals the gold's, or ends with it."""
    docs = tables["documents"]
    paths = [str(p) for p in docs["source_path"]]
    for doc_id, path in zip(docs["doc_id"], paths):
        if path == gold_doc:
            return str(doc_id)
    for doc_id, path in zip(docs["doc_id"], paths):
        if path.endswith("/" + gold_doc) or Path(path).name == Path(gold_doc).name:
            return str(doc_id)
    return None


# -- gold entries ------------------------------------------------------------------------------
def gold_entities(kind: str, gold: dict) -> list[dict]:
    """Gold entries of one kind as {"name", "names", "optional"}; cities of one name merged."""
    out: dict[str, dict] = {}
    for it in gold.get(kind) or []:
        if isinstance(it, str):
            it = {"name": it}
        entry = out.setdefault(it["name"], {"name": it["name"], "names": set(), "optional": True})
        entry["names"].add(it["name"])
        entry["names"].update(it.get("aliases") or [])
        if it.get("via"):
            entry["names"].add(it["via"])
        entry["optional"] = entry["optional"] and bool(it.get("optional"))
    for entry in out.values():
        entry["names"] |= {_norm_city(n) for n in entry["names"]} if kind == "cities" else set()
    return list(out.values())


def _subject_alternatives(subject: object) -> list[str] | None:
    """Accepted subject names; None when any subject is accepted."""
    if subject is None:
        return None
    if isinstance(subject, list):
        return [str(s) for s in subject] or None
    return [str(subject)]


def _names_hit(names: set[str], wanted: Iterable[str]) -> bool:
    return any(w in names or _norm_city(w) in names for w in wanted)


# -- scoring of one document ------------------------------------------------------------------
class Counts:
    def __init__(self) -> None:
        self.c: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.diag: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # name -> [ok, of]

    def add(self, key: str, tp: int, n_pred: int, n_gold: int) -> None:
        c = self.c[key]
        c[0] += tp
        c[1] += n_pred
        c[2] += n_gold

    def ratio(self, name: str, ok: int, of: int) -> None:
        d = self.diag[name]
        d[0] += ok
        d[1] += of

    def merge(self, other: "Counts") -> None:
        for k, v in other.c.items():
            self.add(k, *v)
        for k, v in other.diag.items():
            self.ratio(k, *v)

    def report(self) -> dict:
        out = {k: prf(*self.c[k]) for k in SCORED}
        for name in ("metrics_year_correct", "metrics_qualifier_correct", "metrics_sign_agreement",
                     "explicit_subject_precision", "metrics_with_year_in_dated_docs", "metrics_with_year_all_in_dated_docs", "metrics_with_indicator"):
            ok, of = self.diag.get(name, (0, 0))
            out[name] = round(ok / of, 4) if of else None
            out[name + "_n"] = of
        ok, of = self.diag.get("documents_dated", (0, 0))
        out["documents_dated"], out["documents_dated_n"] = ok, of
        return out


def score_document(tables: dict[str, pd.DataFrame], gold: dict, details: list[str] | None = None) -> Counts:
    counts = Counts()
    doc_id = find_document(tables, gold["doc"])
    if doc_id is None and details is not None:
        details.append(f"{gold['doc']}: not in the release")
    view = DocumentView(tables, doc_id)
    _score_entities(view, gold, counts, details)
    _score_relations(tables, view, gold, counts, details)
    _score_metrics(tables, view, gold, counts, details)
    return counts


def _score_entities(view: DocumentView, gold: dict, counts: Counts, details: list[str] | None) -> None:
    for key, gold_key, types in ENTITY_KINDS:
        m = view.mentions
        eids = sorted(set(m.loc[m["entity_type"].isin(types), "entity_id"].astype(str)))
        pred = [view.entity_names(e) for e in eids]
        golds = gold_entities(gold_key, gold)
        hits, optional = match_required_first(len(pred), golds, lambda i, j: bool(pred[i] & golds[j]["names"]))
        n_required = sum(not g["optional"] for g in golds)
        counts.add(key, len(hits), len(pred) - len(optional), n_required)
        if details is not None:
            hit_g = set(hits.values())
            fns = [g["name"] for j, g in enumerate(golds) if not g["optional"] and j not in hit_g]
            fps = ["/".join(sorted(pred[i])) for i in range(len(pred)) if i not in hits and i not in optional]
            if fns or fps:
                details.append(f"{gold['doc']} {key}: missed {fns}, false {fps}")


def _score_relations(tables, view: DocumentView, gold: dict, counts: Counts, details: list[str] | None) -> None:
    frame = tables.get("relations")
    preds = [] if frame is None or view.doc_id is None else frame[frame["doc_id"] == view.doc_id].to_dict("records")
    golds = _distinct_relations(gold.get("relations") or [])
    subj = [view.entity_names(p.get("subject_id"), p.get("subject_name")) for p in preds]
    obj = [view.entity_names(p.get("object_id"), p.get("object_name")) for p in preds]
    aliases = gold_aliases(gold)

    def fits(i: int, j: int) -> bool:
        g = golds[j]
        return (str(preds[i]["relation"]) == g["relation"] and _names_hit(subj[i], _with_aliases(g["subject"], aliases))
                and _names_hit(obj[i], _with_aliases(g["object"], aliases)))

    hits, optional = match_required_first(len(preds), golds, fits)
    counts.add("relations", len(hits), len(preds) - len(optional), sum(not g.get("optional") for g in golds))
    if details is not None:
        hit_g = set(hits.values())
        fns = [f"{g['subject']} {g['relation']} {g['object']}" for j, g in enumerate(golds) if not g.get("optional") and j not in hit_g]
        fps = [f"{p.get('subject_name')} {p['relation']} {p.get('object_name')}" for i, p in enumerate(preds) if i not in hits and i not in optional]
        if fns or fps:
            details.append(f"{gold['doc']} relations: missed {fns}, false {fps}")


def gold_aliases(gold: dict) -> dict[str, list[str]]:
    """Gold entity name -> the names it may be matched by: the name and the aliases the file lists for it."""
    out: dict[str, set[str]] = {}
    for _key, gold_key, _types in ENTITY_KINDS:
        for entry in gold_entities(gold_key, gold):
            out.setdefault(entry["name"], {entry["name"]}).update(entry["names"])
    return {name: sorted(names) for name, names in out.items()}


def _with_aliases(name: object, aliases: dict[str, list[str]]) -> list[str]:
    """A gold relation's subject or object (a name, or a list of accepted names) with the aliases of each."""
    names = [str(n) for n in name] if isinstance(name, list) else [str(name)]
    return [a for n in names for a in aliases.get(n, [n])]


def _distinct_relations(relations: list[dict]) -> list[dict]:
    """Gold relations with a triple (subject, relation, object) listed twice kept once, required before optional."""
    out: dict[tuple, dict] = {}
    for r in sorted(relations, key=lambda r: bool(r.get("optional"))):
        subject = tuple(r["subject"]) if isinstance(r["subject"], list) else r["subject"]
        out.setdefault((subject, r["relation"], r["object"]), r)
    return list(out.values())


def _score_metrics(tables, view: DocumentView, gold: dict, counts: Counts, details: list[str] | None) -> None:
    frame = tables["metrics"]
    preds = frame[frame["doc_id"] == view.doc_id].to_dict("records") if view.doc_id else []
    golds = list(gold.get("metrics") or [])
    ranges = [span_ranges(view.text, g.get("span")) for g in golds]
    subj = [view.entity_names(p.get("subject_id"), p.get("subject_name")) for p in preds]

    def fits_value(i: int, j: int) -> bool:
        p, g = preds[i], golds[j]
        if ranges[j] is not None and not any(int(p["char_start"]) < e and s < int(p["char_end"]) for s, e in ranges[j]):
            return False
        return value_matches(p["value"], g["value"], g.get("unit"))

    def fits_unit(i: int, j: int) -> bool:
        return fits_value(i, j) and unit_matches(preds[i]["unit"], golds[j].get("unit"))

    def fits_subject(i: int, j: int) -> bool:
        wanted = _subject_alternatives(golds[j].get("subject"))
        return fits_unit(i, j) and (wanted is None or _names_hit(subj[i], wanted))

    n_required = sum(not g.get("optional") for g in golds)
    level_hits, level_optional = {}, {}
    for level, fits in zip(METRIC_LEVELS, (fits_value, fits_unit, fits_subject)):
        hits, optional = match_required_first(len(preds), golds, fits)
        counts.add(level, len(hits), len(preds) - len(optional), n_required)
        level_hits[level], level_optional[level] = hits, optional
    # Diagnostics on the value+unit pairs (those of the subject level first, so two
    # facts of equal value are paired with the gold of the same subject).
    pairs = dict(level_hits["metrics_value_unit_subject"])
    used = set(pairs.values())
    for i, j in level_hits["metrics_value_unit"].items():
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    subject_ok = set(level_hits["metrics_value_unit_subject"])
    for i, j in pairs.items():
        p, g = preds[i], golds[j]
        py, gy = p.get("year"), g.get("year")
        counts.ratio("metrics_year_correct", int((_isna(py) and gy is None) or (not _isna(py) and gy is not None and int(py) == int(gy))), 1)
        counts.ratio("metrics_qualifier_correct", int(str(p.get("qualifier")) == str(g.get("qualifier"))), 1)
        counts.ratio("metrics_sign_agreement", int((float(p["value"]) < 0) == (float(g["value"]) < 0)), 1)
        if str(p.get("subject_method")) == "explicit":
            counts.ratio("explicit_subject_precision", int(i in subject_ok), 1)
    counts.ratio("documents_dated", int(view.dated), 1)
    if view.dated:
        dated = [p for p in preds if str(p.get("unit")) not in DURATION_UNITS and str(p.get("unit")) != "year"]
        counts.ratio("metrics_with_year_in_dated_docs", sum(not _isna(p.get("year")) for p in dated), len(dated))
        counts.ratio("metrics_with_year_all_in_dated_docs", sum(not _isna(p.get("year")) for p in preds), len(preds))
    if "indicator_id" in frame.columns:
        counts.ratio("metrics_with_indicator", sum(not _isna(p.get("indicator_id")) for p in preds), len(preds))
    if details is not None:
        hit_g = set(level_hits["metrics_value_unit_subject"].values())
        vu = set(level_hits["metrics_value_unit"].values())
        for j, g in enumerate(golds):
            if g.get("optional") or j in hit_g:
                continue
            why = "subject" if j in vu else "value/unit"
            details.append(f"{gold['doc']} metric missed ({why}): {g.get('subject')} {g.get('metric')} {g['value']} {g.get('unit')} «{g.get('span')}»")
        matched = set(level_hits["metrics_value_unit"]) | level_optional["metrics_value_unit"]
        for i, p in enumerate(preds):
            if i not in matched:
                details.append(f"{gold['doc']} metric false: {p.get('subject_name')} {p['metric']} {p['value']} {p['unit']} «{p['span_text']}»")
        for i, j in pairs.items():
            if i not in subject_ok:
                p = preds[i]
                details.append(f"{gold['doc']} metric wrong subject: {p.get('subject_name')} ({p.get('subject_method')}) for {golds[j].get('subject')} «{p['span_text']}»")
        for i, j in pairs.items():
            py, gy = preds[i].get("year"), golds[j].get("year")
            if not ((_isna(py) and gy is None) or (not _isna(py) and gy is not None and int(py) == int(gy))):
                shown = None if _isna(py) else int(py)
                details.append(f"{gold['doc']} metric wrong year: {shown} for {gy} ({golds[j].get('metric')}) «{preds[i]['span_text']}»")


def score(tables: dict[str, pd.DataFrame], golds: list[dict], verbose: bool = False) -> dict:
    """Micro-averaged figures over the gold files (plus ``details`` when verbose)."""
    total = Counts()
    details: list[str] | None = [] if verbose else None
    for gold in golds:
        total.merge(score_document(tables, gold, details))
    report = total.report()
    report["documents"] = len(golds)
    if verbose:
        report["details"] = details
    return report


def format_report(report: dict, title: str | None = None) -> str:
    lines = [f"== {title} ({report['documents']} documents)"] if title else []
    lines.append(f"{'':<30}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'pred':>6}{'gold':>6}")
    for key in SCORED:
        r = report[key]
        lines.append(f"{key:<30}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['tp']:>6}{r['predicted']:>6}{r['gold']:>6}")
    for key in ("metrics_year_correct", "metrics_qualifier_correct", "metrics_sign_agreement", "explicit_subject_precision",
                "metrics_with_year_in_dated_docs", "metrics_with_year_all_in_dated_docs", "metrics_with_indicator"):
        v = report.get(key)
        lines.append(f"{key:<30}{'-' if v is None else f'{v:.3f}':>7}   (of {report.get(key + '_n', 0)}){_why_none(report, key)}")
    if "documents_dated" in report:
        lines.append(f"{'documents_dated':<30}{report['documents_dated']:>7}   (of {report['documents_dated_n']})")
    for d in report.get("details", []):
        lines.append("  " + d)
    return "\n".join(lines)


NO_DATE_HINT = ("no document has a date: give published_at in the front matter (---/published_at: YYYY-MM-DD/---), "
                "a published_at field in .jsonl, a YYYY-MM-DD cell for the file in the set's SOURCES.md, "
                "or a dateline (2024年5月12日) in the first lines")


def _why_none(report: dict, key: str) -> str:
    """Why a dated-documents share has no denominator: no document is dated, or the dated ones have no metrics."""
    if not key.endswith("_in_dated_docs") or report.get(key + "_n", 0):
        return ""
    if "documents_dated" in report and not report["documents_dated"]:
        return f": {NO_DATE_HINT}"
    return ": the dated documents have no metrics"
