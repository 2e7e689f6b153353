"""Small, consistent sample tables for the publishing tests (built with schema.table_from_rows).

``sample_tables()`` gives one document with people, firms, an organisation,
a city, a region, metrics and mentions whose offsets slice the text;
``second_build_rows()`` adds a document, a person and a firm, removes an
organisation and changes a count, so CHANGES.md has known content.
``datasette_server()`` starts ``python -m pipeline serve`` the way ``make serve``
does, on a free loopback port, and stops it by its PID.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from pipeline import schema

TEXT1 = "深度求索公司总部位于杭州，创始人梁文锋毕业于浙江大学。2024年杭州数字经济核心产业增加值超过5000亿元，同比增长7.1%。美国也有报道。"
TEXT2 = "宇树科技创始人王兴兴表示，公司2024年营收约10亿元。"


def _doc_id(text: str) -> str:
    return "d" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _mention(doc_id: str, text: str, surface: str, entity_id: str, entity_type: str, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    end = start + len(surface)
    return {
        "mention_id": "m" + hashlib.sha1(f"{doc_id}:{start}:{end}".encode()).hexdigest()[:16],
        "entity_id": entity_id,
        "entity_type": entity_type,
        "doc_id": doc_id,
        "char_start": start,
        "char_end": end,
        "text": surface,
    }


def _metric(doc_id, text, span, metric, value, unit, qualifier, year, subject, sentence) -> dict:
    start = text.index(span)
    end = start + len(span)
    sid, stype, sname = subject
    return {
        "metric_id": "x" + hashlib.sha1(f"{doc_id}:{start}:{end}:{metric}".encode()).hexdigest()[:16],
        "doc_id": doc_id, "subject_id": sid, "subject_type": stype, "subject_name": sname,
        "metric": metric, "value": value, "unit": unit, "qualifier": qualifier, "year": year,
        "period": None, "span_text": span, "sentence": sentence, "char_start": start, "char_end": end,
        "indicator_id": None, "subject_method": "explicit" if sid else "none",
    }


def sample_rows() -> dict[str, list[dict]]:
    d1 = _doc_id(TEXT1)
    hz = ("330100", "city", "杭州")
    return {
        "documents": [
            {"doc_id": d1, "source_path": "hangzhou.txt", "title": "杭州数字经济", "published_at": date(2025, 2, 1),
             "url": "https://example.org/hz", "license": "CC-BY-4.0", "n_chars": len(TEXT1), "sha256": "a" * 64,
             "text_sha256": hashlib.sha256(TEXT1.encode()).hexdigest(), "text": TEXT1},
        ],
        "people": [
            {"person_id": "per_liang", "name": "梁文锋", "aliases": [], "mention_count": 1, "doc_count": 1,
             "firm_id": "firm_deepseek", "role": "创始人"},
        ],
        "firms": [
            {"firm_id": "firm_deepseek", "name": "深度求索", "aliases": ["深度求索公司"], "mention_count": 1,
             "doc_count": 1, "hq_city_id": "330100", "founded_year": 2023},
        ],
        "organizations": [
            {"org_id": "org_zju", "name": "浙江大学", "aliases": [], "mention_count": 1, "doc_count": 1, "kind": "university"},
        ],
        "cities": [
            {"city_id": "330100", "name": "杭州", "full_name": "杭州市", "province": "浙江省", "level": "prefecture",
             "aliases": [], "mention_count": 2, "doc_count": 1},
        ],
        "regions": [
            {"region_id": "US", "name": "美国", "full_name": "美利坚合众国", "level": "country", "aliases": [],
             "mention_count": 1, "doc_count": 1},
        ],
        "metrics": [
            _metric(d1, TEXT1, "超过5000亿元", "数字经济核心产业增加值", 5e11, "元", ">", 2024, hz,
                    "2024年杭州数字经济核心产业增加值超过5000亿元，同比增长7.1%。"),
            _metric(d1, TEXT1, "增长7.1%", "数字经济核心产业增加值增速", 0.071, "%", "=", 2024, hz,
                    "2024年杭州数字经济核心产业增加值超过5000亿元，同比增长7.1%。"),
        ],
        "mentions": [
            _mention(d1, TEXT1, "深度求索公司", "firm_deepseek", "firm"),
            _mention(d1, TEXT1, "杭州", "330100", "city"),
            _mention(d1, TEXT1, "梁文锋", "per_liang", "person"),
            _mention(d1, TEXT1, "浙江大学", "org_zju", "org"),
            _mention(d1, TEXT1, "杭州", "330100", "city", occurrence=1),
            _mention(d1, TEXT1, "美国", "US", "country"),
        ],
        "errors": [
            {"source_path": "broken.bin", "line": None, "reason": "binary file", "sha256": "b" * 64, "kind": "unreadable", "check": None, "duplicate_of": None},
        ],
    }


def tables_from(rows: dict[str, list[dict]]):
    return {name: schema.table_from_rows(name, rows.get(name, [])) for name in schema.TABLES}


def sample_tables():
    return tables_from(sample_rows())


def second_build_rows() -> dict[str, list[dict]]:
    """The sample plus a second document (宇树科技, 王兴兴), minus 浙江大学, with a changed count."""
    rows = sample_rows()
    d2 = _doc_id(TEXT2)
    rows["documents"].append(
        {"doc_id": d2, "source_path": "unitree.txt", "title": "宇树科技", "published_at": None, "url": None,
         "n_chars": len(TEXT2), "sha256": "c" * 64, "text_sha256": hashlib.sha256(TEXT2.encode()).hexdigest(),
         "text": TEXT2}
    )
    rows["people"].append({"person_id": "per_wang", "name": "王兴兴", "aliases": [], "mention_count": 1,
                           "doc_count": 1, "firm_id": "firm_unitree", "role": "创始人"})
    rows["firms"].append({"firm_id": "firm_unitree", "name": "宇树科技", "aliases": [], "mention_count": 1,
                          "doc_count": 1, "hq_city_id": "330100", "founded_year": None})
    rows["organizations"] = []
    rows["mentions"] = [m for m in rows["mentions"] if m["entity_id"] != "org_zju"]
    rows["mentions"] += [_mention(d2, TEXT2, "宇树科技", "firm_unitree", "firm"),
                         _mention(d2, TEXT2, "王兴兴", "per_wang", "person")]
    rows["metrics"].append(_metric(d2, TEXT2, "约10亿元", "营收", 1e9, "元", "~", 2024,
                                   ("firm_unitree", "firm", "宇树科技"), TEXT2))
    rows["cities"][0]["mention_count"] = 3
    return rows


def sources_for(tables) -> list[dict]:
    docs = tables["documents"]
    return [
        {"path": p, "title": t, "url": u if isinstance(u, str) else None, "sha256": s}
        for p, t, u, s in zip(docs["source_path"], docs["title"], docs["url"].astype(object), docs["sha256"])
    ]


# --- a Datasette server, started the way `make serve` starts it ---------------------------------


REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def datasette_server(out_dir: Path, timeout: float = 60.0):
    """``python -m pipeline serve --out DIR --port N`` on a free loopback port; yields the base URL.

    The server is stopped by its process ID (the serve command execs Datasette, so the PID is the
    server's), never by name.
    """
    port = free_port()
    log = open(Path(out_dir) / "serve.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--out", str(out_dir), "--port", str(port), "--host", "127.0.0.1"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited with {proc.returncode}: {(Path(out_dir) / 'serve.log').read_text()}")
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("Datasette did not start in time")
                time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
