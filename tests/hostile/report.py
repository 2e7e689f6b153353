"""``python -m tests.hostile.report [--out docs/reliability.md] [--runs 2]``: the reliability figures.

Writes the generated part of ``docs/reliability.md`` (between the markers
``<!-- generated -->`` and ``<!-- /generated -->``; the prose around it is kept):

1. hostile inputs: every case of ``cases.CASES`` in one raw folder with good
   articles, built ``--runs`` times (a fresh output folder each time, then a
   re-run that must publish nothing); per case: inputs made, documents kept,
   quarantined, other error rows, releases corrupted (``faults.release_problems``
   not empty), inputs unaccounted for, and the longest time spent on one of its
   documents (read + analysis in this process, the build's per-document path);
2. fault points: each kill point of ``faultrun.POINTS``, a full disk during the
   per-document work and during the publish (tmpfs; needs root), two builds at
   once (refused, and waiting), each ``--fault-runs`` times;
3. time per character (``--scaling FILE``: the JSON of ``tooling.bench.doc_scaling``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from tests.hostile import cases, faults
from tests.hostile.faultrun import POINTS

START, END = "<!-- generated -->", "<!-- /generated -->"


def hostile_rows(root: Path, runs: int) -> list[dict]:
    from pipeline.defs.headless import build_release

    import dagster as dg

    raw = root / "raw"
    inputs = cases.write_all(raw)
    stats = {name: {"inputs": n, "kept": 0, "quarantined": 0, "reported": 0, "corrupted": 0,
                    "unaccounted": 0, "runs": 0, "longest": 0.0, "republished": 0} for name, n in inputs.items()}
    with cases.inject_unreadable(raw):
        for run in range(runs):
            out = root / f"out{run}"
            (root / f"home{run}").mkdir(parents=True, exist_ok=True)
            with dg.instance_for_test(temp_dir=str(root / f"home{run}")) as instance:
                first = build_release(raw, out, instance=instance, progress=False, workers=1)
                again = build_release(raw, out, instance=instance, progress=False, workers=1)
            if not first.success:
                raise SystemExit(f"the hostile build failed: {first.failures}")
            release = Path(first.release_path)
            corrupted = 1 if faults.release_problems(out) else 0
            docs = pq.read_table(release / "documents.parquet").column("source_path").to_pylist()
            errors = pq.read_table(release / "errors.parquet").to_pylist()
            seen = {name: 0 for name in inputs}
            for path in docs:
                name = cases.case_of(path)
                stats[name]["kept"] += 1
                seen[name] += 1
            for e in errors:
                name = cases.case_of(e["source_path"])
                stats[name]["quarantined" if e["kind"] == "quarantined" else "reported"] += 1
                seen[name] += 1
            for name, n in inputs.items():
                s = stats[name]
                s["runs"] += 1
                s["corrupted"] += corrupted
                s["unaccounted"] += abs(n - seen[name])
                s["republished"] += 1 if again.published else 0
        longest = time_per_document(raw)
    for name, seconds in longest.items():
        stats[name]["longest"] = seconds
    return [{"case": name, "description": cases.CASES[name][0], **s} for name, s in stats.items()]


def time_per_document(raw: Path) -> dict[str, float]:
    """case -> the longest time (s) spent reading and analysing one of its inputs, in this process."""
    from pipeline.ingest import list_sources, read_source
    from pipeline.nlp.analyse import analyse_within_budget, warm_up
    from pipeline.nlp.segment import segment

    warm_up()
    out: dict[str, float] = {}
    for unit in list_sources(raw):
        started = time.perf_counter()
        docs, _ = read_source(raw, unit.key)
        for doc in docs:
            analyse_within_budget(doc, segment(doc.text))
        name = cases.case_of(unit.path)
        out[name] = max(out.get(name, 0.0), time.perf_counter() - started)
    return out


def fault_rows(root: Path, runs: int) -> list[dict]:
    world = faults.make_world(root / "world")
    scenarios = [(p, lambda r, p=p: faults.kill_scenario(world, r, p)) for p in POINTS]
    scenarios += [(f"full_disk_{d}", lambda r, d=d: faults.full_disk_scenario(world, r, d)) for d in ("nlp", "publish")]
    scenarios += [(f"concurrent_wait{w}", lambda r, w=w: faults.concurrent_scenario(world, r, wait=w)) for w in (0, 600)]
    rows = []
    for name, scenario in scenarios:
        row = {"point": name, "runs": 0, "fault_happened": 0, "corrupted": 0, "recovered_equal": 0,
               "leftovers": 0, "cause_named": 0, "skipped": "", "seconds": 0.0, "note": ""}
        for run in range(runs):
            result = scenario(root / f"{name}-{run}")
            if result.returncode is None:
                row["skipped"] = result.message
                break
            row["runs"] += 1
            happened = (result.returncode == -9 if name in POINTS else
                        result.returncode == 1 if name.startswith("full_disk") else True)
            row["fault_happened"] += happened
            row["corrupted"] += result.corrupted
            row["recovered_equal"] += result.recovered_equal
            row["leftovers"] += len(result.leftovers)
            row["seconds"] = max(row["seconds"], result.seconds)
            if name.startswith("full_disk"):
                row["cause_named"] += bool(result.extra.get("names_enospc"))
            if name.startswith("concurrent"):
                row["note"] = "exit codes " + "/".join(map(str, result.extra["returncodes"]))
            if result.extra.get("after_crash"):
                row["note"] = "right after the crash: " + "; ".join(result.extra["after_crash"])
        rows.append(row)
    return rows


def render(hostile: list[dict], fault: list[dict], scaling: list[dict] | None, runs: int, fault_runs: int) -> str:
    lines = [START, "",
             f"Generated by `python -m tests.hostile.report` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
             f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"uid {os.geteuid()}{': unreadable inputs simulated with PermissionError' if os.geteuid() == 0 else ''}).", "",
             f"### Hostile inputs ({len(hostile)} kinds, {runs} build(s) each from an empty output folder, plus a re-run)", "",
             "| kind | input | inputs | runs | kept | quarantined | reported | releases corrupted | unaccounted | re-run published | longest on one document (s) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tot = {k: 0 for k in ("inputs", "kept", "quarantined", "reported", "corrupted", "unaccounted", "republished")}
    for r in hostile:
        lines.append(f"| {r['case']} | {r['description']} | {r['inputs']} | {r['runs']} | {r['kept']} | {r['quarantined']} | "
                     f"{r['reported']} | {r['corrupted']} | {r['unaccounted']} | {r['republished']} | {r['longest']:.2f} |")
        for k in tot:
            tot[k] += r[k] * (r["runs"] if k == "inputs" else 1)
    lines.append(f"| **all** | | {tot['inputs']} | | {tot['kept']} | {tot['quarantined']} | {tot['reported']} | "
                 f"{tot['corrupted']} | {tot['unaccounted']} | {tot['republished']} | "
                 f"{max(r['longest'] for r in hostile):.2f} |")
    lines += ["", "(*inputs* counts per run; *kept*, *quarantined*, *reported* and *unaccounted* are summed over the runs.)", "",
              f"### Fault points ({fault_runs} run(s) each)", "",
              "| fault | runs | fault happened | releases corrupted | next build equals undisturbed | files left behind | root cause named | longest run (s) | note |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in fault:
        if r["skipped"]:
            lines.append(f"| {r['point']} | 0 | | | | | | | {r['skipped']} |")
            continue
        cause = str(r["cause_named"]) if r["point"].startswith("full_disk") else "n/a"
        lines.append(f"| {r['point']} | {r['runs']} | {r['fault_happened']} | {r['corrupted']} | {r['recovered_equal']} | "
                     f"{r['leftovers']} | {cause} | {r['seconds']:.1f} | {r['note']} |")
    if scaling:
        lines += ["", "### Time per character of one document (`python -m tooling.bench.doc_scaling`)", "",
                  "| text | characters | pieces | segment (s) | analyse (s) | µs per character |", "|---|---:|---:|---:|---:|---:|"]
        for r in scaling:
            lines.append(f"| {r['kind']} | {r['chars']:,} | {r['pieces']} | {r['segment_s']:.2f} | {r['analyse_s']:.2f} | {r['us_per_char']:.1f} |")
    lines += ["", END]
    return "\n".join(lines)


def write_doc(path: Path, generated: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Reliability\n\n{START}\n{END}\n"
    if START in text and END in text:
        text = text[: text.index(START)] + generated + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + generated + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/reliability.md"))
    parser.add_argument("--runs", type=int, default=2, help="hostile builds (each from an empty output folder)")
    parser.add_argument("--fault-runs", type=int, default=1)
    parser.add_argument("--scaling", type=Path, default=None, help="JSON written by tooling.bench.doc_scaling --json")
    parser.add_argument("--no-faults", action="store_true")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="reliability-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    try:
        hostile = hostile_rows(root / "hostile", args.runs)
        fault = [] if args.no_faults else fault_rows(root / "faults", args.fault_runs)
        scaling = json.loads(args.scaling.read_text(encoding="utf-8")) if args.scaling else None
        write_doc(args.out, render(hostile, fault, scaling, args.runs, args.fault_runs))
    finally:
        for p in root.rglob("*"):
            if p.is_dir() and not os.access(p, os.R_OK):
                os.chmod(p, 0o755)
        shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
