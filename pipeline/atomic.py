"""Files written whole or not at all: a temporary name beside the target, then one rename.

Every file the pipeline keeps (work folder, caches, releases, snapshots) is written
through :func:`replacing`: the content goes to ``.<name>.<pid>.tmp`` in the target's
folder, and only a complete file is renamed over the target (``rename(2)`` is atomic
on one file system), so a reader sees the old file or the new one, never half of
one. A temporary left by a process killed mid-write carries that process's id, by
which ``buildlock.clean_temporaries`` finds it later.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


def temporary_path(path: Path) -> Path:
    """The temporary name of ``path`` for this process: ``.<name>.<pid>.tmp`` beside it."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; renamed over ``path`` when the block ends, removed if it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave the temporary behind
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | os.PathLike, data: Any, **dumps: Any) -> Path:
    """Write ``data`` as JSON (UTF-8, non-ASCII kept; ``dumps``: e.g. ``indent``) to ``path`` atomically."""
    dumps.setdefault("ensure_ascii", False)
    return write_text(path, json.dumps(data, **dumps))
