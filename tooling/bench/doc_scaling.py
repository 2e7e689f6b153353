"""Time per character of one document, from 1 k to 1 M characters, with and without punctuation.

``python -m tooling.bench.doc_scaling [--sizes 1000,10000,100000,1000000] [--json FILE]``

For each size and each kind of text, one document goes through the per-document
NLP path of a build (``nlp.segment.segment`` then ``nlp.analyse.analyse``) in
this process, and the seconds and microseconds per character are printed. The
texts are made from a few news sentences (shipped here, varied numbers):

- ``punctuated``: as written (sentences end in 。);
- ``commas``: every sentence end replaced by ，(one endless sentence);
- ``none``: every punctuation mark and space removed (one endless run of
  characters).

Flat microseconds per character across sizes means linear time. Recorded in
BENCHMARKS.md and docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time

SENTENCES = [
    "{y}年，深圳市南山区的腾讯公司发布了新的大模型产品。",
    "腾讯董事会主席马化腾表示，公司全年研发投入超过{n}亿元，同比增长约{p}%。",
    "与此同时，华为在东莞松山湖建设的研发基地已聚集了{n}名工程师。",
    "杭州市{y}年GDP达到{d}万亿元，同比增长{p}%。",
    "阿里巴巴集团董事会主席蔡崇信表示，公司将继续加大在杭州的投资。",
    "合肥市政府与蔚来汽车签署协议，蔚来中国总部落户合肥经济技术开发区。",
    "蔚来创始人李斌表示，{y}年交付量超过{n}万辆。",
    "比亚迪前三季度营收{n}亿元，净利润同比增长{p}%。",
]
PUNCT = re.compile(r"[，。、；：！？%（）\s]")
KINDS = ("punctuated", "commas", "none")


def make_text(chars: int, kind: str, seed: int = 0) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    total = 0
    while total < chars:
        s = rnd.choice(SENTENCES).format(y=rnd.randint(2015, 2025), n=rnd.randint(2, 900),
                                         p=rnd.randint(1, 40), d=round(rnd.uniform(1, 4), 2))
        if kind == "commas":
            s = s.replace("。", "，")
        elif kind == "none":
            s = PUNCT.sub("", s)
        out.append(s)
        total += len(s)
    return "".join(out)[:chars]


def measure(chars: int, kind: str) -> dict:
    from pipeline.ingest.sources import make_document
    from pipeline.nlp.analyse import analyse, pieces
    from pipeline.nlp.segment import segment

    doc = make_document("bench.txt", "bench.txt", make_text(chars, kind), "0" * 64)
    started = time.perf_counter()
    tokens = segment(doc.text)
    segmented = time.perf_counter()
    result = analyse(doc, tokens)
    done = time.perf_counter()
    n = len(doc.text)
    return {
        "kind": kind, "chars": n, "pieces": len(pieces(doc.text, tokens)),
        "segment_s": round(segmented - started, 3), "analyse_s": round(done - segmented, 3),
        "total_s": round(done - started, 3), "us_per_char": round((done - started) / n * 1e6, 1),
        "mentions": len(result.mentions), "facts": len(result.facts),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    from pipeline.nlp.analyse import warm_up

    warm_up()
    rows = []
    print(f"{'kind':<11} {'chars':>9} {'pieces':>6} {'segment s':>9} {'analyse s':>9} {'µs/char':>8}")
    for kind in args.kinds.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            row = measure(size, kind)
            rows.append(row)
            print(f"{kind:<11} {row['chars']:>9,} {row['pieces']:>6} {row['segment_s']:>9.2f} "
                  f"{row['analyse_s']:>9.2f} {row['us_per_char']:>8.1f}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
