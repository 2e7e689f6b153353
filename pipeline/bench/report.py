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
                _mb(r.get("peak_rss_bytes")),
                _f(r.get("incremental_wall_s"), ".1f"),
                _f(100 * r["incremental_ratio"] if r.get("incremental_ratio") is not None else None, ".1f"),
                _f(r.get("noop_wall_s"), ".1f"),
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
    "peak RSS MB",
    "incr. s",
    "incr. %",
    "no-op s",
]


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
            out.append(f"{r['fraction']:.0%} stages: {parts}; outside steps {r['wall_s'] - total:.1f}s")
        inc = r.get("incremental_stages_s") or {}
        if inc:
            out.append(f"{r['fraction']:.0%} incremental stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in inc.items()))
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
            lines.append(f"| (outside steps: start-up, run launch, definitions) | {rest:.1f} | {rest / r['wall_s']:.0%} |")
    return "\n".join(lines) + "\n"
