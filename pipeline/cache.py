"""Where files derived from the shipped data are kept between processes, so that processes start faster.

jieba's prefix dictionary with the project's user dictionary merged in
(``nlp.segment``) is slow to build and the same in every process (``train-ner``
also keeps its word2vec vectors here). It is written once, under a name that
changes with its inputs, to ``PIPELINE_CACHE_DIR`` (empty: no cache), else
``$XDG_CACHE_HOME/cn-tech-city-dataset`` or ``~/.cache/cn-tech-city-dataset``,
and read back by later processes. A cache
that cannot be read or written is not used; deleting the folder is always safe.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import atomic


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is switched off (``PIPELINE_CACHE_DIR=``)."""
    env = os.environ.get("PIPELINE_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cn-tech-city-dataset"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False if that fails."""
    try:
        atomic.write_bytes(path, data)
        return True
    except OSError:
        return False
