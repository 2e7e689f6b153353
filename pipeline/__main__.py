"""The runtime's command line: ``python -m pipeline build|serve``.

Evaluation, benchmarks and NER training are ``python -m tooling <command>``;
``python -m pipeline <that command>`` is forwarded there.
Each command lives in the module that owns the work; this file only dispatches
(``dispatch``, also used by ``tooling/__main__.py``). A command module exposes
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("pipeline.defs.headless", "build the dataset from raw/ into a new release (Dagster, same instance as the UI)"),
    "serve": ("pipeline.publish.serve", "browse and download the latest release with Datasette"),
    "zip": ("pipeline.publish.downloads", "build the one-file download of a release (default latest) into <out>/downloads/"),
}
# Commands of the tooling package (``python -m tooling``). ``python -m pipeline <one of these>``
# is forwarded there (the documented ``python -m pipeline evaluate`` keeps working); the
# module is named as a string, so the runtime package itself never imports the tooling.
TOOLING_COMMANDS = ("evaluate", "audit-sample", "evaluate-ner", "train-ner", "bench")
TOOLING_MAIN = "tooling.__main__"


def dispatch(prog: str, description: str, commands: dict[str, tuple[str, str]], argv: list[str]) -> int:
    """Run ``argv[0]`` of ``commands`` ({name: (module, help)}) with the rest of ``argv``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in commands.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in commands:
        parser.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    name = argv[0]
    module = importlib.import_module(commands[name][0])
    cmd_parser = argparse.ArgumentParser(prog=f"{prog} {name}", description=commands[name][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in TOOLING_COMMANDS:
        return importlib.import_module(TOOLING_MAIN).main(argv)
    return dispatch("python -m pipeline", __doc__.splitlines()[0], COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())
