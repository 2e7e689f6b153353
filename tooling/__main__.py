"""The tooling's command line: ``python -m tooling <command>``.

Evaluation, benchmarks and NER training. They import the runtime package
(``pipeline``); the runtime never imports them. Each command lives in the
module that owns the work (``add_arguments(parser)`` and ``run(args) -> int``).
"""

from __future__ import annotations

import sys

from pipeline.__main__ import dispatch

COMMANDS: dict[str, tuple[str, str]] = {
    "evaluate": ("tooling.evaluation.gold", "build a release from a raw folder and score it against gold files"),
    "audit-sample": ("tooling.evaluation.audit", "draw firm and people rows of a release for a precision audit (reproducible)"),
    "evaluate-ner": ("tooling.ner.evaluate", "score the entity recogniser on a span-level NER benchmark (.jsonl)"),
    "train-ner": ("tooling.ner.train", "train the NER model from the public training sets"),
    "bench": ("tooling.bench", "throughput, memory and incremental-rebuild benchmark"),
}


def main(argv: list[str] | None = None) -> int:
    return dispatch("python -m tooling", __doc__.splitlines()[0], COMMANDS, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
