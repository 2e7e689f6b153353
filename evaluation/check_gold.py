"""Mechanical checks of the gold files of the repository's evaluation sets.

Run from the repository root:  python evaluation/check_gold.py [--stats] [files or folders...]
(none given: every *.gold.json of the sets SETS, evaluation/dev/ — tuning data —
and evaluation/heldout/ — the measurement set; a folder stands for its
*.gold.json files). Exit status 1 when an
error is found; warnings are printed but do not fail. --stats also prints, per
file, the figures listed in SOURCES.md: characters of the text after the front
matter (all / CJK ideographs) and people / firms / orgs / cities / metrics /
relations as required + optional.

Checked, per gold file:
- the document named by "doc" exists beside it; its YAML front matter (if any)
  is removed exactly as the pipeline does (pipeline.ingest.metadata) and every
  span below refers to the text after it;
- the lists people/firms/orgs/cities/provinces/countries/metrics/relations are
  present; entity names are non-empty and occur in the text (a name or one of
  its aliases; a city also through its "via" or with 市 appended);
- metrics: "span" is an exact substring, "value" a number (not a bool),
  "unit" a non-empty string, "qualifier" one of = > >= < <= ~, "year" an
  integer or null, "subject" a string, a non-empty list of strings, or null;
  a subject that names no entity of the file (other than 中国, the subject for
  national scope) is a warning (brands and products are allowed as subjects);
- relations: "relation" one of the eight kinds, subject and object are names
  (or aliases) of entities listed in the same file, "span" an exact substring
  that contains a surface form of both, "role" a string or null;
- "optional", where present, is a boolean.
"""

from __future__ import annotations

import json
import numbers
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root, for pipeline.*

from pipeline.ingest.metadata import split_front_matter  # noqa: E402

RELATIONS = {"founded", "leads", "works_at", "alumnus_of", "invested_in",
             "subsidiary_of", "headquartered_in", "founded_in"}
QUALIFIERS = {"=", ">", ">=", "<", "<=", "~"}
SETS = ("dev", "heldout")  # the folders under evaluation/ that hold gold files
LISTS = ("people", "firms", "orgs", "cities", "provinces", "countries", "metrics", "relations")


def _names(entry) -> list[str]:
    """The surface forms of one entity entry (a string or a dict with name/aliases/via)."""
    if isinstance(entry, str):
        return [entry]
    out = [entry["name"], *entry.get("aliases", [])]
    if entry.get("via"):
        out.append(entry["via"])
    return [n for n in out if n]


def check(gold_path: Path) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    doc_path = gold_path.parent / gold.get("doc", "")
    if not doc_path.is_file():
        return [f"doc {gold.get('doc')!r} not found"], warnings
    _meta, text = split_front_matter(doc_path.read_text(encoding="utf-8"))
    for key in LISTS:
        if not isinstance(gold.get(key), list):
            errors.append(f"missing list {key!r}")
    if errors:
        return errors, warnings

    known: dict[str, list[str]] = {}  # every name/alias -> the surface forms of its entity
    for key in ("people", "firms", "orgs", "cities", "provinces", "countries"):
        for entry in gold[key]:
            if isinstance(entry, dict):
                if not entry.get("name"):
                    errors.append(f"{key}: entry without a name: {entry}")
                    continue
                if "optional" in entry and not isinstance(entry["optional"], bool):
                    errors.append(f"{key}: {entry['name']}: optional must be a boolean")
            names = _names(entry)
            forms = names + ([n + "市" for n in names] if key == "cities" else [])
            if not any(f in text for f in forms):
                msg = f"{key}: {names[0]!r} (or an alias) does not occur in the text"
                (warnings if key in ("countries", "provinces") else errors).append(msg)
            for n in names:
                known.setdefault(n, [])
                known[n] = sorted(set(known[n]) | set(forms))

    for i, m in enumerate(gold["metrics"]):
        where = f"metrics[{i}] {m.get('span')!r}"
        span = m.get("span")
        if not isinstance(span, str) or not span or span not in text:
            errors.append(f"{where}: span is not an exact substring of the text")
        v = m.get("value")
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            errors.append(f"{where}: value {v!r} is not a number")
        if not isinstance(m.get("unit"), str) or not m["unit"]:
            errors.append(f"{where}: unit missing")
        if m.get("qualifier") not in QUALIFIERS:
            errors.append(f"{where}: qualifier {m.get('qualifier')!r} not in {sorted(QUALIFIERS)}")
        y = m.get("year")
        if y is not None and (isinstance(y, bool) or not isinstance(y, int)):
            errors.append(f"{where}: year {y!r} is neither an integer nor null")
        if not isinstance(m.get("metric"), str) or not m["metric"]:
            errors.append(f"{where}: metric name missing")
        if "optional" in m and not isinstance(m["optional"], bool):
            errors.append(f"{where}: optional must be a boolean")
        subj = m.get("subject", "<absent>")
        subjects = subj if isinstance(subj, list) else [subj]
        if subj == "<absent>" or (isinstance(subj, list) and not subj):
            errors.append(f"{where}: subject missing")
        elif subj is not None:
            for s in subjects:
                if not isinstance(s, str) or not s:
                    errors.append(f"{where}: subject {s!r} is not a name")
            # 中国 is the convention's subject for national scope (全国, 国内, 我国)
            if not any(s in known or s == "中国" for s in subjects if isinstance(s, str)):
                warnings.append(f"{where}: subject {subj!r} names no entity of the file (brand/product?)")

    for i, r in enumerate(gold["relations"]):
        where = f"relations[{i}] {r.get('subject')} {r.get('relation')} {r.get('object')}"
        if r.get("relation") not in RELATIONS:
            errors.append(f"{where}: relation kind not in {sorted(RELATIONS)}")
        span = r.get("span")
        if not isinstance(span, str) or not span or span not in text:
            errors.append(f"{where}: span is not an exact substring of the text")
            span = ""
        for end in ("subject", "object"):
            name = r.get(end)
            if name not in known:
                errors.append(f"{where}: {end} {name!r} is not a name of an entity in this file")
            elif span and not any(f in span for f in known[name]):
                warnings.append(f"{where}: the span does not contain the {end} {name!r}")
        if r.get("role") is not None and not isinstance(r.get("role"), str):
            errors.append(f"{where}: role must be a string or null")
        if "optional" in r and not isinstance(r["optional"], bool):
            errors.append(f"{where}: optional must be a boolean")
    return errors, warnings


def stats(gold_path: Path) -> str:
    """One SOURCES.md-style line: chars (all / CJK) and counts (required + optional)."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    _meta, text = split_front_matter((gold_path.parent / gold["doc"]).read_text(encoding="utf-8"))
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")

    def count(key: str) -> str:
        entries = gold[key]
        opt = sum(1 for e in entries if isinstance(e, dict) and e.get("optional"))
        return f"{len(entries) - opt}" + (f" + {opt}" if opt else "")

    counts = " / ".join(count(k) for k in ("people", "firms", "orgs", "cities", "metrics", "relations"))
    return f"{gold['doc']}: {len(text)} / {cjk} | {counts}"


def gold_paths(args: list[Path]) -> list[Path]:
    """The gold files named by ``args`` (files, or folders of *.gold.json); none: every set's."""
    folders_or_files = args or [HERE / name for name in SETS]
    out: list[Path] = []
    for p in folders_or_files:
        out.extend(sorted(p.glob("*.gold.json")) if p.is_dir() else [p])
    return out


def main(argv: list[str]) -> int:
    want_stats = "--stats" in argv
    paths = gold_paths([Path(a) for a in argv if a != "--stats"])
    failed = False
    for p in paths:
        errors, warnings = check(p)
        status = "FAIL" if errors else "ok"
        print(f"{p.parent.name}/{p.name}: {status} ({len(errors)} errors, {len(warnings)} warnings)")
        for e in errors:
            print(f"  ERROR {e}")
        for w in warnings:
            print(f"  warn  {w}")
        failed |= bool(errors)
    if want_stats:
        for p in paths:
            print(stats(p))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
