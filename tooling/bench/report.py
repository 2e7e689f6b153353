"""Presenting benchmark results: the console table, the ``--json`` file, the Markdown section.

The JSON file is one object: the keys the issue asks for
(``documents, chars, wall_s, chars_per_second, jieba_posseg_chars_per_second,
ratio, peak_rss_bytes, incremental_wall_s``) for the *last* fraction run (the
largest, with the default fractions), plus ``fraction`` and ``runs``: the full
results of every fraction run, in order.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path

import psutil

KEYS = (
    "documents",
    "chars",
    "wall_s",
    "chars_per_second",
    "jieba_posseg_chars_per_second",
    "ratio",
    "peak_rss_bytes",
    "incremental_wall_s",
)


def json_payload(results: list[dict]) -> dict:
    last = results[-1]
    payload = {key: last.get(key) for key in KEYS}
    payload["fraction"] = last["fraction"]
    payload["runs"] = results
    return payload


def write_json(results: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_payload(results), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def scaling_exponent(results: list[dict]) -> float | None:
    """``d log(wall) / d log(chars)`` between the smallest and largest run: 1.0 = linear."""
    pts = sorted((r["chars"], r["wall_s"]) for r in results if r.get("wall_s"))
    if len(pts) < 2 or pts[0][0] == pts[-1][0]:
        return None
    (c0, w0), (c1, w1) = pts[0], pts[-1]
    return math.log(w1 / w0) / math.log(c1 / c0)


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f}"


def _f(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def rows(results: list[dict]) -> list[list[str]]:
    out = []
    for r in results:
        out.append(
            [
                f"{r['fraction']:.0%}",
                f"{r['documents']:,}",
                f"{r['chars']:,}",
                _f(r.get("wall_s"), ".1f"),
                _f(r.get("chars_per_second"), ",.0f"),
                _f(r.get("jieba_posseg_chars_per_second"), ",.0f"),
                _f(r.get("ratio"), ".2f"),
                _f(r.get("cpu_ratio"), ".2f"),
                _mb(r.get("peak_rss_bytes")),
                _f(r.get("incremental_wall_s"), ".1f"),
                _f(100 * r["incremental_ratio"] if r.get("incremental_ratio") is not None else None, ".1f"),
                _f(r.get("noop_wall_s"), ".1f"),
                _f((r.get("load_avg_1m") or [None])[0], ".1f"),
            ]
        )
    return out


HEADER = [
    "fraction",
    "docs",
    "chars",
    "wall s",
    "chars/s",
    "posseg chars/s",
    "ratio",
    "CPU ratio",
    "peak RSS MB",
    "incr. s",
    "incr. %",
    "no-op s",
    "load",
]


LEGEND = (
    "wall s: raw folder to published release, fresh instance and output folder. "
    "chars/s: corpus characters / wall s. posseg chars/s: bare `jieba.posseg.cut` (HMM on, default "
    "dictionary) over the same texts in one fresh process, dictionary load excluded. ratio: chars/s / "
    "posseg chars/s (target >= 1.0). CPU ratio: posseg CPU seconds / build CPU seconds (all processes): "
    "work per character relative to the peer, insensitive to other load on the machine (with N cores the "
    "wall ratio can reach at most about N x this). peak RSS: summed RSS of the process tree, sampled "
    "every 0.1 s. incr.: rebuild after adding one new document (the sample article) to a new release; "
    "incr. % of the full build's wall time (target <= 5 %). no-op: a rebuild with nothing changed "
    "(must publish nothing). load: 1-minute load average when the build started."
)


def text_table(results: list[dict]) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    out = ["\n".join(lines)]
    exp = scaling_exponent(results)
    if exp is not None:
        out.append(f"scaling exponent d log(wall) / d log(chars) = {exp:.2f} (1.00 = linear)")
    for r in results:
        stages = r.get("stages_s") or {}
        if stages:
            total = sum(stages.values())
            parts = ", ".join(f"{k} {v:.1f}s" for k, v in stages.items())
            before = r.get("before_run_s")
            pre = f"before the run {before:.1f}s, " if before is not None else ""
            out.append(f"{r['fraction']:.0%} stages: {pre}{parts}; outside steps in all {r['wall_s'] - total:.1f}s")
        inc = r.get("incremental_stages_s") or {}
        if inc:
            out.append(f"{r['fraction']:.0%} incremental stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in inc.items()))
        if r.get("incremental_partitions_written") is not None:
            out.append(
                f"{r['fraction']:.0%} partitions (re)written: incremental {r['incremental_partitions_written']}, "
                f"no-op {r.get('noop_partitions_written')}"
            )
        if "incremental_new_release" in r:
            out.append(
                f"{r['fraction']:.0%} incremental made a new release: {r['incremental_new_release']}; "
                f"no-op rebuild made a new release: {r['noop_new_release']}"
            )
    return "\n".join(out)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def markdown(results: list[dict], command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {machine()}",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---:" for _ in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    lines += ["", LEGEND]
    exp = scaling_exponent(results)
    if exp is not None:
        lines += ["", f"Scaling exponent d log(wall) / d log(chars) between the smallest and largest run: **{exp:.2f}** (1.00 = linear)."]
    for r in results:
        stages = r.get("stages_s") or {}
        if stages:
            lines += ["", f"Stages at {r['fraction']:.0%} (Dagster step durations, seconds):", ""]
            lines += ["| step | s | share of wall |", "|---|---:|---:|"]
            for key, sec in stages.items():
                lines.append(f"| {key} | {sec:.1f} | {sec / r['wall_s']:.0%} |")
            rest = r["wall_s"] - sum(stages.values())
            before = r.get("before_run_s")
            if before is not None:
                lines.append(f"| (before the run: sources, partitions, definitions, run creation) | {before:.1f} | {before / r['wall_s']:.0%} |")
                rest -= before
                lines.append(f"| (rest outside steps: run start/end, step overhead) | {rest:.1f} | {rest / r['wall_s']:.0%} |")
            else:
                lines.append(f"| (outside steps: start-up, run launch, definitions) | {rest:.1f} | {rest / r['wall_s']:.0%} |")
        inc = r.get("incremental_stages_s") or {}
        if inc:
            before = r.get("incremental_before_run_s")
            lines += [
                "",
                f"Incremental rebuild at {r['fraction']:.0%} ({r.get('incremental_document')} added): "
                f"{r['incremental_wall_s']:.1f} s"
                + (f"; before the run {before:.1f} s" if before is not None else "")
                + "; steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in inc.items())
                + f". Partitions recomputed per asset: {r.get('incremental_partitions_written')}. "
                f"New release: {r.get('incremental_new_release')}. No-change rebuild: {r.get('noop_wall_s', 0):.1f} s, "
                f"new release: {r.get('noop_new_release')}.",
            ]
    return "\n".join(lines) + "\n"
