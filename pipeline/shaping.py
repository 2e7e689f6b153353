"""Which files of the package shape the tables: the one rule for cache keys and provenance.

The extraction cache key (``engine.stages.code_version``) and a release's
provenance (``publish.provenance``: code version, data files) both hash the
files that shape the tables and nothing else. Documentation, licences and
training reports describe the code or the model but change no row
(``DESCRIBES_ONLY``); the tooling (training, evaluation, benchmarks) is a
package of its own, outside ``pipeline/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent  # pipeline/
DESCRIBES_ONLY = re.compile(r"(\.md|\.LICENSE|_report(_neural)?\.json)$")


def shaping_files(paths: Iterable[str], root: Path = PACKAGE_DIR, excluded: tuple[str, ...] = ()) -> list[Path]:
    """The files under ``root`` at ``paths`` (files or folders, relative) that shape the tables, sorted.

    Left out: caches, documentation and reports, and names starting with one of ``excluded``.
    """
    out = []
    for rel in paths:
        path = root / rel
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            name = f.relative_to(root).as_posix()
            if (f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"
                    and not name.startswith(excluded) and not DESCRIBES_ONLY.search(f.name)):
                out.append(f)
    return out
