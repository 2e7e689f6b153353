"""The command line: ``python -m pipeline <command>``.

Each command lives in the module that owns the work; this file only dispatches.
A command module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("pipeline.defs.headless", "build the dataset from raw/ into a new release (Dagster, same instance as the UI)"),
    "evaluate": ("pipeline.evaluation.gold", "build a release from a raw folder and score it against gold files"),
    "audit-sample": ("pipeline.evaluation.audit", "draw firm and people rows of a release for a precision audit (reproducible)"),
    "evaluate-ner": ("pipeline.nlp.ner.evaluate", "score the entity recogniser on a span-level NER benchmark (.jsonl)"),
    "train-ner": ("pipeline.nlp.ner.train", "train the NER model from the public training sets"),
    "bench": ("pipeline.bench", "throughput, memory and incremental-rebuild benchmark"),
    "zip": ("pipeline.publish.downloads", "build the one-file download of a release (default latest) into <out>/downloads/"),
    "serve": ("pipeline.publish.serve", "browse and download the latest release with Datasette"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in COMMANDS:
        parser.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    cmd_parser = argparse.ArgumentParser(prog=f"python -m pipeline {name}", description=COMMANDS[name][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
