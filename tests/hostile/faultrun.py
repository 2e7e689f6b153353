"""One headless build with a fault injected: ``python -m tests.hostile.faultrun --raw R --out O [--kill-at POINT]``.

``--kill-at POINT`` sends SIGKILL to this process when the function named by
``POINTS[POINT]`` is called for the n-th time (a crash at that moment of the
build: no ``finally``, no ``atexit``). The instance is ``$DAGSTER_HOME``.
Prints the build's summary; exits 0 (success), 1 (failed) or 75 (locked).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

# point -> (module, function, the call that is killed)
POINTS: dict[str, tuple[str, str, int]] = {
    "nlp": ("pipeline.nlp.analyse", "_analyse_whole", 1),
    "staging_tables": ("pipeline.engine.dataset", "stage_table", 4),
    "publish_tables": ("pipeline.publish.files", "write_table_files", 3),
    "publish_changes": ("pipeline.publish.changes", "render_changes", 1),
    "publish_sqlite": ("pipeline.publish.release", "_write_sqlite", 1),
    "publish_datapackage": ("pipeline.publish.datapackage", "write_datapackage", 1),
    "publish_checksums": ("pipeline.publish.checksums", "write_sha256sums", 1),
    "publish_zip": ("pipeline.publish.archive", "write_zip", 1),
    "publish_after_rename": ("pipeline.publish.archive", "write_index", 1),
    "publish_switch_latest": ("pipeline.publish.release", "switch_latest", 1),
    "publish_catalogue": ("pipeline.publish.catalog", "add_to_catalog", 1),
    "build_state": ("pipeline.defs.headless", "record_build", 1),
}


def install_kill(point: str) -> None:
    module_name, name, nth = POINTS[point]
    module = importlib.import_module(module_name)
    real = getattr(module, name)
    calls = [0]

    def killer(*args, **kwargs):
        calls[0] += 1
        if calls[0] >= nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    setattr(module, name, killer)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kill-at", default=None, choices=sorted(POINTS))
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.kill_at:
        install_kill(args.kill_at)
    from pipeline.defs.headless import build_release

    outcome = build_release(args.raw, args.out, progress=False, workers=args.workers)
    print(outcome.summary(), flush=True)
    if not outcome.success:
        return 75 if outcome.locked else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
